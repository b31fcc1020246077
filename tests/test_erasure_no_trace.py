"""After an erasure, no trace of the family's personal data anywhere in the database.

Each test first finds the names, NIKs, KK number (and the wrapped key) where they are, so the
search is known to look in the right place; then erases, and finds nothing: on SQLite in the
raw bytes of the database file and its WAL, on PostgreSQL in every table of the schema as
text, in the column statistics and in every raw page of every table and index.
"""

from __future__ import annotations

import secrets
import threading
from datetime import date
from uuid import UUID

import psycopg
import pytest

from builders import CAUSE, VILLAGE, deliver, next_kk, open_source, register
from casework.aggregates.family import Family, NewMember
from casework.projections.registry import all_projections
from casework.projections.runner import ProjectionRunner
from casework.service import Casework
from casework.store import purge
from casework.validation.identity_numbers import make_nik
from traces import (
    analyze,
    connect,
    key_pieces,
    keyed_digests,
    personal_strings,
    postgres_pages_holding,
    postgres_statistics_holding,
    postgres_tables_holding,
    sqlite_files_holding,
    wrapped_key,
)


def project(app: Casework) -> None:
    runner = ProjectionRunner(app, all_projections())
    for projection in runner.projections:
        runner.catch_up(projection)


def a_family_with_history(app: Casework) -> Family:
    """A family with names no other test uses and a delivery, registered after a neighbour
    that stays: its rows are the last on their pages, where a plain VACUUM leaves bytes."""
    source = open_source(app).aggregate_id
    deliver(app, register(app).aggregate_id, source)
    tag = secrets.token_hex(4)
    serial = int(tag, 16) % 8000 + 1000  # serial + i stays within 1..9999
    people = [
        ("Yohana Ndun", "P", date(1984, 2, 9), "kepala_keluarga"),
        ("Yakobus Ndun", "L", date(2009, 11, 30), "anak"),
    ]
    members = [
        NewMember(make_nik("537101", born, sex, serial + i), f"{name} {tag}", sex, born, role)
        for i, (name, sex, born, role) in enumerate(people)
    ]
    family_id = app.register_family(
        CAUSE,
        kk_number=next_kk(),
        area_code=VILLAGE,
        address=f"Jl. Penghapusan No. {tag}, RT 07/RW 03",
        welfare_desil=1,
        members=members,
    ).aggregate_id
    deliver(app, family_id, source)
    project(app)
    return app.load(Family, family_id)


def erase(app: Casework, family_id: UUID) -> None:
    erased = app.erase_family(
        CAUSE, family_id, reason="permintaan subjek data", request_reference="PDP-2025-002"
    )
    assert not erased.purge.failed, erased.purge
    project(app)


def test_sqlite_files_keep_no_byte_of_it(sqlite_app: Casework) -> None:
    # given a family whose names, NIKs and KK number the raw database files hold
    family = a_family_with_history(sqlite_app)
    digests = [d.encode() for d in keyed_digests(sqlite_app, family)]
    strings = [s.encode() for s in personal_strings(family)] + digests
    pieces = key_pieces(wrapped_key(sqlite_app, family))
    shown = [family.kk_number or "", *(m.name or "" for m in family.members.values())]
    assert sqlite_files_holding(sqlite_app, strings) >= {s.encode() for s in shown} | set(digests)
    assert sqlite_files_holding(sqlite_app, pieces)
    # when it is erased
    erase(sqlite_app, family.id)
    # then neither the database file nor its WAL holds any of it, nor any piece of the key
    assert sqlite_files_holding(sqlite_app, strings) == set()
    assert sqlite_files_holding(sqlite_app, pieces) == set()


def test_postgres_tables_and_statistics_keep_none_of_it(postgres_app: Casework) -> None:
    # given a family the read models show, and statistics ANALYZE sampled it into
    family = a_family_with_history(postgres_app)
    strings = personal_strings(family) + keyed_digests(postgres_app, family)
    analyze(postgres_app)
    assert set(postgres_tables_holding(postgres_app, strings)) >= {
        "family_index",
        "family_index_members",
        "unique_claims",
        "recipient_members",
    }
    assert postgres_statistics_holding(postgres_app, strings)
    # when it is erased
    erase(postgres_app, family.id)
    # then no row of any table, as text, and no sampled statistic holds any of it
    assert postgres_tables_holding(postgres_app, strings) == {}
    assert postgres_statistics_holding(postgres_app, strings) == set()


def test_postgres_pages_keep_no_byte_of_it(postgres_app: Casework) -> None:
    # given a family whose data and wrapped key lie in the pages of the schema's relations
    family = a_family_with_history(postgres_app)
    texts = personal_strings(family) + keyed_digests(postgres_app, family)
    strings = [s.encode() for s in texts]
    pieces = key_pieces(wrapped_key(postgres_app, family))
    assert postgres_pages_holding(postgres_app, strings)
    assert postgres_pages_holding(postgres_app, pieces) == set(pieces)
    # when it is erased
    erase(postgres_app, family.id)
    # then no page of any table or index (dead tuples and free space included) holds any of it
    assert postgres_pages_holding(postgres_app, strings) == set()
    assert postgres_pages_holding(postgres_app, pieces) == set()


def reader_from_before(app: Casework) -> psycopg.Connection[tuple[object, ...]]:
    """A session whose open transaction took its snapshot before the erasure."""
    reader = connect(app)
    reader.autocommit = False
    reader.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
    reader.execute("SELECT 1")  # takes the snapshot, and no lock a rewrite would wait for
    return reader


def test_postgres_purge_waits_for_a_snapshot_that_still_sees_the_key(
    postgres_app: Casework,
) -> None:
    # given a reader that could still see the key row, and that ends a moment later
    family = a_family_with_history(postgres_app)
    pieces = key_pieces(wrapped_key(postgres_app, family))
    with reader_from_before(postgres_app) as reader:
        threading.Timer(0.5, reader.rollback).start()
        # when the family is erased
        erase(postgres_app, family.id)
    # then the purge waited for the reader (VACUUM FULL would have kept the row for it)
    assert postgres_pages_holding(postgres_app, pieces) == set()


def test_postgres_purge_says_when_it_could_not_finish_and_runs_again(
    postgres_app: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a reader from before the erasure that stays open longer than the purge waits
    family = a_family_with_history(postgres_app)
    pieces = key_pieces(wrapped_key(postgres_app, family))
    monkeypatch.setattr(purge, "OLDER_TRANSACTIONS_WAIT", 0.2)
    with reader_from_before(postgres_app) as reader:
        # when the family is erased, the erasure stands and the purge says what stood in its way
        erased = postgres_app.erase_family(
            CAUSE, family.id, reason="permintaan subjek data", request_reference="PDP-7"
        )
        assert postgres_app.load(Family, family.id).status == "erased"
        assert any("older than the erasure" in step for step in erased.purge.failed)
        reader.rollback()
    # then, once the reader is gone, the purge run again leaves nothing
    monkeypatch.undo()
    assert postgres_app.purge_personal_data().failed == ()
    assert postgres_pages_holding(postgres_app, pieces) == set()
