"""The store itself: append-only, chained, bound to its master key, refusing to run unmigrated."""

from __future__ import annotations

import sqlite3
from datetime import date
from pathlib import Path
from uuid import UUID

import psycopg
import pytest
from eventsourcing.persistence import IntegrityError

from builders import CAUSE, VILLAGE, member, next_kk, register
from casework.aggregates.family import Family
from casework.service import Casework
from casework.settings import Settings
from casework.store import chain
from casework.store.bootstrap import migrate_store
from casework.store.claims import ClaimChanges
from casework.store.crypto import MasterKeyError
from casework.store.family_keys import KeyAlreadyStored
from casework.store.migrations import DatabaseNotMigrated
from casework.store.recorder import Write
from conftest import postgres_settings, sqlite_settings


def _rows(app: Casework) -> list[tuple[object, ...]]:
    with app.db.transaction() as tx:
        tx.execute(
            "SELECT position, originator_id, originator_version, topic, state, chain_hash "
            "FROM stored_events ORDER BY position"
        )
        return tx.fetchall()


def test_the_stored_chain_is_what_an_auditor_recomputes(app: Casework) -> None:
    for _ in range(3):
        register(app)
    previous = chain.GENESIS
    rows = _rows(app)
    assert [row[0] for row in rows] == [1, 2, 3]
    for position, originator_id, version, topic, state, stored_hash in rows:
        previous = chain.next_hash(
            previous,
            int(position),
            UUID(str(originator_id)),
            int(version),
            str(topic),
            bytes(state),
        )
        assert bytes(stored_hash) == previous


@pytest.mark.parametrize(
    "statement", ["UPDATE stored_events SET topic = 'x'", "DELETE FROM stored_events"]
)
def test_stored_events_refuse_rewrites(app: Casework, statement: str) -> None:
    register(app)
    with (
        pytest.raises((sqlite3.DatabaseError, psycopg.Error), match="append-only"),
        app.db.transaction() as tx,
    ):
        tx.execute(statement)
    assert len(_rows(app)) == 1


@pytest.mark.postgres
def test_postgres_refuses_truncate_even_for_the_owner(postgres_app: Casework) -> None:
    register(postgres_app)
    with pytest.raises(psycopg.Error, match="append-only"), postgres_app.db.transaction() as tx:
        tx.execute("TRUNCATE stored_events")
    assert len(_rows(postgres_app)) == 1


def test_an_unmigrated_sqlite_database_is_refused(tmp_path: Path) -> None:
    with pytest.raises(DatabaseNotMigrated, match="casework migrate"):
        Casework(sqlite_settings(tmp_path))


@pytest.mark.postgres
def test_an_unmigrated_postgres_schema_is_refused(postgres_url: str) -> None:
    with pytest.raises(DatabaseNotMigrated):
        Casework(postgres_settings(postgres_url, "unmigrated"))


def test_migrate_creates_a_private_key_file_beside_sqlite(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path)
    migrations = Path(__file__).parents[1] / "migrations" / "sqlite"
    shipped = sorted(p.stem for p in migrations.glob("*.sql"))
    assert migrate_store(settings) == shipped
    assert settings.key_file.stat().st_mode & 0o777 == 0o600
    assert migrate_store(settings) == []  # idempotent


def test_a_different_master_key_is_refused(tmp_path: Path) -> None:
    settings = sqlite_settings(tmp_path)
    migrate_store(settings)
    wrong = Settings(database_url=settings.database_url, master_key="A" * 43 + "=")
    with pytest.raises(MasterKeyError, match="does not match"):
        Casework(wrong)


def test_personal_data_is_not_stored_in_the_clear(app: Casework) -> None:
    saved = register(app)
    family_state = b"".join(bytes(row[4]) for row in _rows(app))
    family = app.load(Family, saved.aggregate_id)
    head = next(iter(family.members.values()))
    for secret in (family.kk_number, head.nik, head.name, family.address):
        assert secret is not None and secret.encode() not in family_state
    assert b"53.71.01.1001" in family_state  # the area is a financial fact, kept in the clear


def test_a_save_on_a_taken_version_is_reported_as_a_lost_race(app: Casework) -> None:
    # given two copies of one family, loaded at the same version
    saved = register(app)
    first, second = (app.load(Family, saved.aggregate_id) for _ in range(2))
    first.assess_welfare(CAUSE, desil=2, source="PK", assessed_on=date(2025, 1, 1))
    second.assess_welfare(CAUSE, desil=3, source="PK", assessed_on=date(2025, 1, 1))
    app.save_all(first)
    # when the second copy is saved, then the store reports the race (which commands retry)
    with pytest.raises(IntegrityError):
        app.save_all(second)
    assert app.load(Family, saved.aggregate_id).welfare.desil == 2  # type: ignore[union-attr]


def test_a_new_key_meeting_a_stored_one_stores_nothing_of_its_write(app: Casework) -> None:
    # given a registered family (its key stored) and a new family planned as an import plans it
    existing = register(app)
    planned = app.plan_registration(
        CAUSE,
        kk_number=next_kk(),
        area_code=VILLAGE,
        address="Jl. Alak No. 5",
        welfare_desil=2,
        members=[member()],
    )
    family = planned.family
    wrapped = app.keys.new_key(family.id)
    events = [app.mapper.to_stored_event(event) for event in family.collect_events()]
    before = _rows(app)
    # when its write carries its own key and, wrongly, a key for the registered family's id
    write = Write(
        events,
        ClaimChanges(take=(planned.claim,)),
        new_keys=[(family.id, wrapped), (existing.aggregate_id, wrapped)],
    )
    # then the whole write is refused: no event, no claim, no key of the new family
    with pytest.raises(KeyAlreadyStored):
        app.event_recorder.insert_writes([write])
    assert _rows(app) == before
    with app.db.transaction() as tx:
        tx.execute("SELECT count(*) FROM unique_claims WHERE claim_key = %s", (planned.claim.key,))
        assert tx.fetchone() == (0,)
        tx.execute("SELECT count(*) FROM family_keys WHERE family_id = %s", (family.id,))
        assert tx.fetchone() == (0,)
