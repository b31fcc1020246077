"""`casework demo`: a realistic sample for an empty store, with nothing personal in the clear."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from casework.aggregates.family import Family
from casework.cli.demo import DemoRefused, DemoSummary, load_demo
from casework.projections.funding_ledger import FundingLedgerProjection
from casework.projections.ledger_findings import findings
from casework.projections.registry import all_projections
from casework.projections.runner import ProjectionRunner
from casework.service import Casework
from casework.settings import Settings
from casework.store.bootstrap import migrate_store

FAMILIES = 40
# The day the demo runs: it is dated from it (this fiscal year, months up to this one).
TODAY = date(2026, 9, 20)


@dataclass
class LoadedDemo:
    app: Casework
    path: Path
    summary: DemoSummary
    progress: list[tuple[int, int]]


def empty_store(directory: Path) -> tuple[Casework, Path]:
    path = directory / "demo.db"
    settings = Settings(database_url=f"sqlite:///{path}")
    migrate_store(settings)
    return Casework(settings), path


def query(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


def event_kinds(path: Path) -> list[tuple[str, int, str]]:
    return query(
        path, "SELECT originator_id, originator_version, topic FROM stored_events ORDER BY position"
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedDemo]:
    # Given an empty, migrated SQLite store; when the demo loads 40 families into it.
    app, path = empty_store(tmp_path_factory.mktemp("demo"))
    calls: list[tuple[int, int]] = []
    summary = load_demo(
        app,
        families=FAMILIES,
        progress=lambda done, total: calls.append((done, total)),
        today=TODAY,
    )
    yield LoadedDemo(app, path, summary, calls)
    app.close()


def test_the_demo_loads_plausible_counts(demo: LoadedDemo) -> None:
    summary = demo.summary
    # one more: a daughter's new family, registered while she is still on her parents' KK
    assert summary.families == FAMILIES + 1
    assert all(count > 0 for count in asdict(summary).values()), summary
    assert summary.voids >= 1
    assert summary.funding_sources == 3
    assert 3 <= summary.uppka_groups <= 5
    assert FAMILIES < summary.members <= 6 * FAMILIES
    assert summary.deliveries > summary.voids
    assert summary.last_position == demo.app.event_recorder.max_notification_id()


def test_progress_is_reported_family_by_family(demo: LoadedDemo) -> None:
    assert demo.progress == [(done, FAMILIES) for done in range(1, FAMILIES + 1)]


def test_the_demo_walks_every_kind_of_change(demo: LoadedDemo) -> None:
    topics = Counter(topic for _, _, topic in event_kinds(demo.path))
    for kind in (
        "family.registered",
        "family.aid-delivered",
        "family.aid-delivery-voided",
        "family.welfare-assessed",
        "family.member-departed",
        "family.relocated",
        "family.member-corrected",
        "family.joined-uppka",
        "family.enrolled-in-dashat",
        "funding-source.opened",
        "funding-source.funds-received",
        "funding-source.drawn",
        "funding-source.draw-reversed",
        "uppka-group.formed",
    ):
        assert topics[f"casework.{kind}"] > 0, kind
    # Every delivery drew on its source, every void gave the value back.
    assert topics["casework.family.aid-delivered"] == topics["casework.funding-source.drawn"]
    assert topics["casework.family.aid-delivery-voided"] == demo.summary.voids
    # The departed head was replaced: the family still has exactly one active head.
    departed = query(
        demo.path, "SELECT originator_id FROM stored_events WHERE topic LIKE '%member-departed'"
    )
    family = demo.app.load(Family, UUID(departed[0][0]))
    heads = [m for m in family.active_members() if m.relationship == "kepala_keluarga"]
    assert len(heads) == 1


def test_loading_twice_is_refused(demo: LoadedDemo) -> None:
    # Given a store that holds the demo; when it is loaded again; then it is refused unchanged.
    with pytest.raises(DemoRefused):
        load_demo(demo.app, families=FAMILIES, today=TODAY)
    assert demo.app.event_recorder.max_notification_id() == demo.summary.last_position


def test_the_same_seed_gives_the_same_sample(demo: LoadedDemo, tmp_path: Path) -> None:
    # Given another empty store; when the demo loads with the same (default) seed.
    app, path = empty_store(tmp_path)
    try:
        summary = load_demo(app, families=FAMILIES, today=TODAY)
    finally:
        app.close()
    # Then the counts, the aggregate ids and the order of events are the same.
    assert summary == demo.summary
    assert event_kinds(path) == event_kinds(demo.path)


def test_no_name_nik_kk_or_address_is_stored_in_the_clear(demo: LoadedDemo) -> None:
    # Given every personal value of the demo's families, read back through the service.
    registered = query(
        demo.path,
        "SELECT originator_id FROM stored_events WHERE topic = 'casework.family.registered'",
    )
    assert len(registered) == FAMILIES + 1
    personal: set[str] = set()
    for (family_id,) in registered:
        family = demo.app.load(Family, UUID(family_id))
        assert family.kk_number is not None and family.address is not None
        personal |= {family.kk_number, family.address}
        for member in family.members.values():
            assert member.nik is not None and member.name is not None
            personal |= {member.nik, member.name}
    assert len(personal) > 2 * FAMILIES + demo.summary.members * 3 // 2
    # When the stored event states and the raw database files are read.
    states = [bytes(state) for (state,) in query(demo.path, "SELECT state FROM stored_events")]
    files = [
        p.read_bytes()
        for p in (demo.path, Path(f"{demo.path}-wal"), Path(f"{demo.path}-shm"))
        if p.exists()
    ]
    # Then none of them appears anywhere, though clear facts are found by the same search.
    leaked = sorted(v for v in personal if any(v.encode() in blob for blob in states + files))
    assert leaked == []
    assert any(b"APBD-5371-2026-INAKASIH" in blob for blob in files)
    assert any(b"pembalut" in state for state in states)


def test_the_demo_is_dated_from_the_day_it_runs(demo: LoadedDemo) -> None:
    # given the demo loaded on TODAY; when its deliveries and sources are read
    ledger = ProjectionRunner(demo.app, [FundingLedgerProjection()])
    ledger.catch_up(ledger.projections[0])
    dates = [
        date.fromisoformat(on)
        for (on,) in query(demo.path, "SELECT delivered_on FROM funding_ledger_deliveries")
    ]
    years = {year for (year,) in query(demo.path, "SELECT fiscal_year FROM funding_source_list")}
    # then every source is of this fiscal year, and deliveries fall in its months up to today,
    # this month included
    assert years <= {TODAY.year}
    assert all(date(TODAY.year, 1, 1) <= on <= TODAY for on in dates)
    assert {on.month for on in dates} == set(range(1, TODAY.month + 1))


def test_the_demo_shows_every_kind_of_discrepancy(demo: LoadedDemo) -> None:
    # given the demo's read models brought up to its last event
    runner = ProjectionRunner(demo.app, all_projections())
    for projection in runner.projections:
        runner.catch_up(projection)
    # when its findings are read
    found, _ = findings(demo.app.db, demo.summary.last_position, cursor=None, limit=100)
    # then each kind a single store detects is there at least once
    assert {f.kind for f in found} == {"unreceived-funds", "over-received", "duplicate-recipient"}


@pytest.mark.parametrize("today", [date(2026, 1, 2), date(2025, 12, 31)])
def test_the_demo_runs_on_the_first_and_last_days_of_a_year(tmp_path: Path, today: date) -> None:
    # given an empty store; when the demo runs early in January or on New Year's Eve
    app, path = empty_store(tmp_path)
    try:
        summary = load_demo(app, families=8, today=today)
        ledger = ProjectionRunner(app, [FundingLedgerProjection()])
        ledger.catch_up(ledger.projections[0])
    finally:
        app.close()
    # then it loads, every delivery dated in that year up to that day
    dates = [
        date.fromisoformat(on)
        for (on,) in query(path, "SELECT delivered_on FROM funding_ledger_deliveries")
    ]
    assert len(dates) == summary.deliveries > 0
    assert all(date(today.year, 1, 1) <= on <= today for on in dates)
