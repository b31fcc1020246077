"""Snapshots: taken every N events, loads start from them and equal a pure replay, erasure
leaves nothing readable in them, and `check_snapshots` finds one that lies. Both backends."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any
from uuid import UUID

import pytest

from builders import CAUSE, OTHER_VILLAGE
from casework.aggregates.family import Family
from casework.aggregates.funding_source import FundingSource
from casework.aggregates.uppka_group import UppkaGroup
from casework.http.views.families import family_view
from casework.service import Casework
from casework.store.snapshot_recorder import SnapshotRecorder
from casework.store.snapshots import check_snapshots, replayed
from long_history import History, long_history, state


def snapshot_rows(app: Casework, aggregate_id: UUID | None = None) -> list[tuple[Any, ...]]:
    sql = "SELECT aggregate_id, version, state FROM snapshots"
    params: tuple[Any, ...] = ()
    if aggregate_id is not None:
        sql, params = sql + " WHERE aggregate_id = %s", (aggregate_id,)
    with app.db.transaction() as tx:
        tx.execute(sql + " ORDER BY aggregate_id, version", params)
        return [(UUID(str(r[0])), r[1], bytes(r[2])) for r in tx.fetchall()]


def versions(app: Casework, aggregate_id: UUID) -> list[int]:
    return [version for _, version, _ in snapshot_rows(app, aggregate_id)]


def rewrite_snapshot(app: Casework, aggregate_id: UUID, version: int, state: bytes) -> None:
    with app.db.transaction() as tx:
        tx.execute(
            "UPDATE snapshots SET state = %s WHERE aggregate_id = %s AND version = %s",
            (state, aggregate_id, version),
        )


@contextmanager
def reopened(app: Casework, **changes: Any) -> Iterator[Casework]:
    """Another process on the same store: a cold aggregate cache and a cold key cache."""
    other = Casework(dataclasses.replace(app.settings, **changes))
    try:
        yield other
    finally:
        other.close()


@pytest.fixture
def history(app: Casework) -> History:
    return long_history(app, 350)


def test_a_long_history_is_snapshotted_every_hundred_events(
    app: Casework, history: History
) -> None:
    assert versions(app, history.family_id) == [100, 200, 300]
    source_versions = versions(app, history.source_id)
    # the funding source draws and gives back for the family's deliveries: over 100 events
    assert source_versions and all(v % 100 == 0 for v in source_versions)


def test_loads_at_versions_around_snapshots_equal_a_pure_replay(
    app: Casework, history: History
) -> None:
    family_id = history.family_id
    for version in (1, 99, 100, 101, 199, 200, 250, 300, 301, 349, 350):
        loaded = app.load_at(Family, family_id, version=version)
        assert loaded.version == version
        assert state(loaded) == state(replayed(app, family_id, version))
    source = app.load(FundingSource, history.source_id)
    for version in (1, 100, source.version):
        at = app.load_at(FundingSource, history.source_id, version=version)
        assert state(at) == state(replayed(app, history.source_id, version))


def test_a_cold_load_and_as_of_loads_equal_a_pure_replay(app: Casework, history: History) -> None:
    family_id = history.family_id
    with reopened(app) as cold:  # nothing cached: the latest snapshot and the events after it
        loaded = cold.load(Family, family_id)
        assert state(loaded) == state(replayed(cold, family_id))
        assert family_view(cold, loaded) == family_view(cold, replayed(cold, family_id))
    records = app.event_records(family_id)
    for version in (99, 100, 101, 350):
        at = app.load_at(Family, family_id, as_of=records[version - 1].recorded_at)
        # events recorded within the same millisecond share an instant (SQLite keeps ms)
        assert at.version >= version
        assert state(at) == state(replayed(app, family_id, at.version))


def test_loads_start_from_the_snapshot_and_check_snapshots_finds_one_that_lies(
    app: Casework, history: History
) -> None:
    # given a clean store, every snapshot matches the replay of its events
    clean = check_snapshots(app)
    assert clean.ok and clean.checked == len(snapshot_rows(app))
    # when the snapshot at version 200 is rewritten to place the family elsewhere
    (_, _, stored) = snapshot_rows(app, history.family_id)[1]
    forged = stored.replace(
        b'"area_code":"53.71.01.1001"', f'"area_code":"{OTHER_VILLAGE}"'.encode()
    )
    assert forged != stored
    rewrite_snapshot(app, history.family_id, 200, forged)
    # then a load from it shows the lie (the events before 200 were not replayed) ...
    assert app.load_at(Family, history.family_id, version=200).area_code == OTHER_VILLAGE
    # ... and check_snapshots names it, and only it
    report = check_snapshots(app)
    assert not report.ok
    assert [(m.aggregate_id, m.version) for m in report.mismatches] == [(history.family_id, 200)]
    assert report.checked == clean.checked


def test_an_unreadable_snapshot_is_reported_and_loads_replay_instead(
    app: Casework, history: History
) -> None:
    (_, _, stored) = snapshot_rows(app, history.family_id)[2]
    sealed_at = stored.index(b'"sealed":"') + len(b'"sealed":"') + 20
    flipped = b"A" if stored[sealed_at : sealed_at + 1] != b"A" else b"B"
    rewrite_snapshot(
        app, history.family_id, 300, stored[:sealed_at] + flipped + stored[sealed_at + 1 :]
    )
    report = check_snapshots(app)
    assert [(m.version, m.reason.split(" ")[0]) for m in report.mismatches] == [(300, "unreadable")]
    loaded = app.load_at(Family, history.family_id, version=320)
    assert state(loaded) == state(replayed(app, history.family_id, 320))


def test_personal_data_outside_the_sealed_part_is_reported(app: Casework) -> None:
    history = long_history(app, 100)
    (_, _, stored) = snapshot_rows(app, history.family_id)[0]
    leaked = stored.replace(b'"name":null', b'"name":"Maria Bocor"', 1)
    assert leaked != stored
    rewrite_snapshot(app, history.family_id, 100, leaked)
    report = check_snapshots(app)
    assert [(m.version, m.reason) for m in report.mismatches] == [
        (100, "personal data stored unsealed")
    ]


def test_an_erased_family_loads_from_snapshots_with_no_personal_data(app: Casework) -> None:
    history = long_history(app, 399)
    family_id = history.family_id
    family = app.load(Family, family_id)
    personal = [family.kk_number, family.address]
    personal += [v for m in family.members.values() for v in (m.nik, m.name)]
    personal += [history.head.name, history.child.name]  # the head's name before corrections
    secrets = [str(v).encode() for v in personal if v is not None]
    # personal data is sealed in snapshots from the start, as in events
    assert not [s for s in secrets for row in snapshot_rows(app) if s in row[2]]
    # when the family's personal data is erased (its 400th event: a snapshot is due)
    erased = app.erase_family(CAUSE, family_id, reason="UU PDP", request_reference="PDP-1")
    assert erased.version == 400
    assert versions(app, family_id) == [100, 200, 300, 400]
    with reopened(app) as after:
        # then it loads from its snapshots as a replay of its events reads: no personal data
        loaded = after.load(Family, family_id)
        assert state(loaded) == state(replayed(after, family_id))
        for version in (150, 300, 320, 400):
            at = after.load_at(Family, family_id, version=version)
            assert state(at) == state(replayed(after, family_id, version))
            assert (at.kk_number, at.address) == (None, None)
            assert all((m.nik, m.name, m.birth_date) == (None,) * 3 for m in at.members.values())
        # and every snapshot, the one taken at the erasure too, still matches its events
        assert check_snapshots(after).ok
    assert not [s for s in secrets for row in snapshot_rows(app) if s in row[2]]


def test_a_failed_snapshot_write_never_fails_the_command(
    app: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*_: Any, **__: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(SnapshotRecorder, "insert_events", broken)
    history = long_history(app, 101)
    assert app.load(Family, history.family_id).version == 101
    assert snapshot_rows(app) == []


def test_no_snapshots_with_an_interval_of_zero(app: Casework) -> None:
    with reopened(app, snapshot_interval=0) as plain:
        history = long_history(plain, 120)
        assert snapshot_rows(plain) == []
        loaded = plain.load_at(Family, history.family_id, version=110)
        assert state(loaded) == state(replayed(plain, history.family_id, 110))


def test_every_kind_of_aggregate_round_trips_through_a_snapshot(app: Casework) -> None:
    saved = app.form_uppka_group(
        CAUSE,
        code="UPPKA-01",
        name="Kelompok Mawar",
        area_code="53.71.01.1001",
        business_type="tenun",
    )
    app.take_snapshot(saved.aggregate_id)
    loaded = app.load_at(UppkaGroup, saved.aggregate_id, version=1)
    assert state(loaded) == state(replayed(app, saved.aggregate_id))
    assert versions(app, saved.aggregate_id) == [1]
    assert check_snapshots(app).ok


def test_a_load_is_a_copy_that_leaves_the_cached_aggregate_alone(app: Casework) -> None:
    history = long_history(app, 30)
    first = app.load(Family, history.family_id)
    assert state(first) == state(replayed(app, history.family_id))
    # when a command's copy is changed in memory (and never saved)
    first.assess_welfare(CAUSE, desil=9, source="PK", assessed_on=date(2025, 5, 1))
    next(iter(first.members.values())).name = "changed"
    # then the next load does not see it
    assert state(app.load(Family, history.family_id)) == state(replayed(app, history.family_id))
