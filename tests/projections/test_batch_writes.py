"""Held projection writes: what a batch sends, in what order, and what a direct statement sees."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any
from uuid import UUID, uuid4

import pytest

from casework.projections.batch_writes import BatchWrites, RowsStatement
from casework.service import Casework
from casework.store.database import Row, Transaction

# A member and what they were given: the held statement joins a delivery with its member.
_TABLES = (
    "CREATE TABLE held_members (family_id uuid, member_no integer, label text, "
    "PRIMARY KEY (family_id, member_no))",
    "CREATE TABLE held_given (gift_id uuid PRIMARY KEY, label text NOT NULL)",
)
_GIVE = RowsStatement(
    postgres=(
        "INSERT INTO held_given (gift_id, label) SELECT v.gift_id, m.label "
        "FROM json_to_recordset(%s::json) AS v(gift_id uuid, family_id uuid, member_no integer) "
        "JOIN held_members m ON m.family_id = v.family_id AND m.member_no = v.member_no"
    ),
    sqlite=(
        "INSERT INTO held_given (gift_id, label) SELECT %s, label FROM held_members "
        "WHERE family_id = %s AND member_no = %s"
    ),
    columns=("gift_id", "family_id", "member_no"),
)


@pytest.fixture
def store(app: Casework) -> Casework:
    with app.db.transaction() as tx:
        for statement in _TABLES:
            tx.execute(statement)
    return app


def members(app: Casework) -> list[Row]:
    with app.db.transaction() as tx:
        tx.execute("SELECT member_no, label FROM held_members ORDER BY member_no")
        return tx.fetchall()


def store_member(tx: Transaction, family_id: UUID) -> None:
    """Member 1 of the family, labelled 'stored', written directly (not through a batch)."""
    tx.execute(
        "INSERT INTO held_members (family_id, member_no, label) VALUES (%s, 1, 'stored')",
        (family_id,),
    )


def member(family_id: UUID, member_no: int, label: str | None) -> dict[str, object]:
    return {"family_id": family_id, "member_no": member_no, "label": label}


def test_held_writes_are_sent_at_the_flush_inserts_before_updates(store: Casework) -> None:
    family = uuid4()
    postgres = store.db.location.is_postgres
    with store.db.transaction() as tx:
        writes = BatchWrites(tx, postgres=postgres)
        # given an update held before the insert of the row it changes, and two updates of one row
        writes.update("held_members", {"family_id": family, "member_no": 1}, {"label": "first"})
        writes.insert("held_members", member(family, 1, "inserted"))
        writes.insert("held_members", member(family, 2, "ibu"))
        writes.update("held_members", {"family_id": family, "member_no": 1}, {"label": "kepala"})
        # when nothing has been flushed, nothing was sent
        tx.execute("SELECT count(*) FROM held_members")
        assert tx.fetchone() == (0,)
        writes.flush()
    # then both rows are there and the update sent is the last one
    assert members(store) == [(1, "kepala"), (2, "ibu")]


def test_a_direct_statement_sees_every_write_held_before_it(store: Casework) -> None:
    family = uuid4()
    with store.db.transaction() as tx:
        writes = BatchWrites(tx, postgres=store.db.location.is_postgres)
        writes.insert("held_members", member(family, 1, "kepala"))
        # when a handler reads through the batch
        writes.execute("SELECT label FROM held_members WHERE family_id = %s", (family,))
        # then it reads what was held
        assert writes.fetchall() == [("kepala",)]
        # and a direct delete after a held update is not undone by the flush
        writes.update("held_members", {"family_id": family, "member_no": 1}, {"label": "x"})
        writes.execute("DELETE FROM held_members WHERE family_id = %s", (family,))
        writes.flush()
    assert members(store) == []


def test_insert_if_absent_keeps_the_stored_row_and_the_first_of_the_batch(
    store: Casework,
) -> None:
    family = uuid4()
    with store.db.transaction() as tx:
        store_member(tx, family)
        writes = BatchWrites(tx, postgres=store.db.location.is_postgres)
        writes.insert("held_members", member(family, 1, "again"), if_absent=True)
        writes.insert("held_members", member(family, 2, "new"), if_absent=True)
        writes.insert("held_members", member(family, 2, "twice"), if_absent=True)
        writes.flush()
    assert members(store) == [(1, "stored"), (2, "new")]


def test_a_held_statement_reads_rows_inserted_earlier_in_the_batch(store: Casework) -> None:
    family, gift, unknown_member_gift = uuid4(), uuid4(), uuid4()
    with store.db.transaction() as tx:
        writes = BatchWrites(tx, postgres=store.db.location.is_postgres)
        # given the statement held first and the member it joins inserted after it
        writes.hold(_GIVE, {"gift_id": gift, "family_id": family, "member_no": 1})
        writes.hold(_GIVE, {"gift_id": unknown_member_gift, "family_id": family, "member_no": 9})
        writes.insert("held_members", member(family, 1, "kepala"))
        writes.flush()
        # then the join found the member, and a gift to no member gave no row
        tx.execute("SELECT gift_id, label FROM held_given")
        rows = [(str(gift_id), label) for gift_id, label in tx.fetchall()]
    assert rows == [(str(gift), "kepala")]


def committed_reader(app: Casework) -> Callable[[str, Sequence[Any]], list[Row]]:
    def read(sql: str, params: Sequence[Any]) -> list[Row]:
        with app.db.transaction() as tx:
            tx.execute(sql, params)
            return tx.fetchall()

    return read


def test_a_batch_applied_ahead_writes_nothing_until_sent_then_all_in_order(
    store: Casework,
) -> None:
    family = uuid4()
    postgres = store.db.location.is_postgres
    # given a batch applied before its transaction: held rows, then a direct statement
    writes = BatchWrites.ahead(
        postgres=postgres, run=object(), read_committed=committed_reader(store)
    )
    writes.insert("held_members", member(family, 1, "kepala"))
    writes.insert("held_members", member(family, 2, "ibu"))
    writes.execute("DELETE FROM held_members WHERE member_no = %s", (2,))
    writes.update("held_members", {"family_id": family, "member_no": 1}, {"label": "ayah"})
    # then nothing was written yet
    assert members(store) == []
    # when it is sent into a transaction
    with store.db.transaction() as tx:
        writes.send(tx)
    # then the writes ran in the order applied: the delete after the inserts, the update last
    assert members(store) == [(1, "ayah")]


def test_a_batch_applied_ahead_reads_what_was_committed_and_has_no_results(
    store: Casework,
) -> None:
    family = uuid4()
    with store.db.transaction() as tx:
        store_member(tx, family)
    writes = BatchWrites.ahead(
        postgres=store.db.location.is_postgres, run=object(), read_committed=committed_reader(store)
    )
    writes.insert("held_members", member(family, 2, "queued"))
    # when it reads, it sees the committed row and not its own queued one
    assert writes.read("SELECT label FROM held_members ORDER BY member_no") == [("stored",)]
    # and a statement's results cannot be asked for before the batch is sent
    writes.execute("SELECT label FROM held_members")
    with pytest.raises(TypeError, match="applied ahead"):
        writes.fetchall()


def test_a_batch_in_its_transaction_reads_its_own_writes(store: Casework) -> None:
    family = uuid4()
    with store.db.transaction() as tx:
        writes = BatchWrites(tx, postgres=store.db.location.is_postgres)
        writes.insert("held_members", member(family, 1, "kepala"))
        assert writes.read("SELECT label FROM held_members") == [("kepala",)]
