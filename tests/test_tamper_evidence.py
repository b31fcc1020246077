"""Tamper evidence: the hash chain names the first altered, deleted or swapped event.

Tampering is done the way an attacker with database rights would: directly in the tables,
with the append-only triggers switched off for the moment.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import pytest

from builders import deliver, open_source, register
from casework.cli.main import main
from casework.service import Casework
from casework.store import chain
from casework.store.chain_check import Checkpoint, verify_chain
from casework.store.database import Transaction


@contextmanager
def triggers_off(app: Casework) -> Iterator[Transaction]:
    """A transaction in which stored events can be rewritten (as a database owner could)."""
    if app.db.location.is_postgres:
        with app.db.transaction() as tx:
            tx.execute("ALTER TABLE stored_events DISABLE TRIGGER USER")
            yield tx
            tx.execute("ALTER TABLE stored_events ENABLE TRIGGER USER")
        return
    with app.db.transaction() as tx:
        tx.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
            "AND tbl_name = 'stored_events'"
        )
        triggers = tx.fetchall()
        for name, _ in triggers:
            tx.execute(f"DROP TRIGGER {name}")
        yield tx
        for _, sql in triggers:
            tx.execute(sql)


def history(app: Casework) -> int:
    source = open_source(app)
    for _ in range(3):
        deliver(app, register(app).aggregate_id, source.aggregate_id)
    return verify_chain(app.db).events_checked


def row(tx: Transaction, position: int) -> tuple[Any, ...]:
    tx.execute(
        "SELECT originator_id, originator_version, topic, state, chain_hash "
        "FROM stored_events WHERE position = %s",
        (position,),
    )
    found = tx.fetchone()
    assert found is not None
    return found


def test_an_untouched_store_verifies(app: Casework) -> None:
    events = history(app)
    report = verify_chain(app.db)
    assert report.ok and report.events_checked == events and report.first_bad_position is None


def test_one_altered_byte_is_named(app: Casework) -> None:
    history(app)
    with triggers_off(app) as tx:
        state = bytearray(row(tx, 5)[3])
        state[len(state) // 2] ^= 0x01
        tx.execute("UPDATE stored_events SET state = %s WHERE position = 5", (bytes(state),))
    report = verify_chain(app.db)
    assert not report.ok and report.first_bad_position == 5


def test_a_deleted_event_is_named(app: Casework) -> None:
    history(app)
    with triggers_off(app) as tx:
        tx.execute("DELETE FROM stored_events WHERE position = 4")
    report = verify_chain(app.db)
    assert not report.ok and report.first_bad_position == 4


def test_two_swapped_events_are_named(app: Casework) -> None:
    history(app)
    with triggers_off(app) as tx:
        # Exchange the positions of events 3 and 4 (each keeps its own stored hash).
        tx.execute("UPDATE stored_events SET position = 0 WHERE position = 3")
        tx.execute("UPDATE stored_events SET position = 3 WHERE position = 4")
        tx.execute("UPDATE stored_events SET position = 4 WHERE position = 0")
    report = verify_chain(app.db)
    assert not report.ok and report.first_bad_position == 3


def rewrite_and_rechain(app: Casework, position: int) -> None:
    """Alter one event and recompute every hash from it on: the chain alone then verifies."""
    with triggers_off(app) as tx:
        tx.execute(
            "SELECT position, originator_id, originator_version, topic, state "
            "FROM stored_events ORDER BY position"
        )
        rows = tx.fetchall()
        previous = chain.GENESIS
        for pos, originator, version, topic, state in rows:
            state = bytes(state)
            if pos == position:
                state = state.replace(b"15000", b"15001")
            aggregate = originator if isinstance(originator, UUID) else UUID(originator)
            previous = chain.next_hash(previous, pos, aggregate, version, topic, state)
            tx.execute(
                "UPDATE stored_events SET state = %s, chain_hash = %s WHERE position = %s",
                (state, previous, pos),
            )


def test_a_rewrite_with_a_recomputed_chain_is_caught_by_an_earlier_checkpoint(
    app: Casework,
) -> None:
    # given a checkpoint kept outside the database
    events = history(app)
    checkpoint = Checkpoint(events, verify_chain(app.db).head)
    # when an event before it is rewritten and every later hash recomputed
    delivered = next(p for p in range(1, events + 1) if b"15000" in bytes(_state(app, p)))
    rewrite_and_rechain(app, delivered)
    # then the chain alone looks whole, but the checkpoint names the difference
    assert verify_chain(app.db).ok
    report = verify_chain(app.db, checkpoints=[checkpoint])
    assert not report.ok and report.first_bad_position == events


def _state(app: Casework, position: int) -> bytes:
    with app.db.transaction() as tx:
        return bytes(row(tx, position)[3])


def test_the_cli_verifies_checkpoints_and_fails_on_tampering(
    app: Casework, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    history(app)
    monkeypatch.setenv("CASEWORK_DATABASE_URL", app.settings.database_url)
    if app.settings.master_key:
        monkeypatch.setenv("CASEWORK_MASTER_KEY", app.settings.master_key)
    # a checkpoint, and a clean verification against it
    assert main(["chain", "checkpoint"]) == 0
    checkpoint = capsys.readouterr().out.strip().splitlines()[-1]
    assert main(["verify", "--expect", checkpoint]) == 0
    assert "1 checkpoint(s) match" in capsys.readouterr().out
    # one byte changed: exit 1, naming the position
    with triggers_off(app) as tx:
        tx.execute("UPDATE stored_events SET state = %s WHERE position = 2", (b"{}",))
    assert main(["verify"]) == 1
    assert "position 2" in capsys.readouterr().out
