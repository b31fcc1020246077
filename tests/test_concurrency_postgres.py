"""Invariants under real concurrency: threads, and two application instances, on PostgreSQL."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from threading import Barrier
from uuid import UUID

import pytest

from builders import CAUSE, deliver, member, next_kk, open_source, register
from casework.aggregates.family import Family
from casework.aggregates.funding_source import FundingSource
from casework.errors import CaseworkError, Conflict, StaleVersion
from casework.service import Casework
from casework.store.bootstrap import migrate_store
from conftest import postgres_settings

pytestmark = pytest.mark.postgres
THREADS = 12


@pytest.fixture
def second_app(postgres_app: Casework) -> Iterator[Casework]:
    """Another application on the same database: a second server process, in effect."""
    other = Casework(postgres_app.settings)
    yield other
    other.close()


def race(calls: list[Callable[[], object]]) -> list[object]:
    """Start every call at the same moment; collect results and domain errors alike."""
    start = Barrier(len(calls))

    def run(call: Callable[[], object]) -> object:
        start.wait()
        try:
            return call()
        except CaseworkError as error:
            return error

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def outcome(result: object) -> str:
    if isinstance(result, Conflict):
        return result.kind
    return type(result).__name__


def test_a_busy_source_is_never_overdrawn(postgres_app: Casework, second_app: Casework) -> None:
    # given a source that pays for exactly five deliveries of 60,000
    source = open_source(postgres_app, budget_idr=300_000)
    families = [register(postgres_app).aggregate_id for _ in range(THREADS)]
    apps = [postgres_app, second_app]
    # when twelve caseworkers deliver against it at once, through two instances
    results = race(
        [
            (lambda f=family_id, a=apps[i % 2]: deliver(a, f, source.aggregate_id))
            for i, family_id in enumerate(families)
        ]
    )
    # then exactly five succeed, the rest are told the money ran out, and the books agree
    assert Counter(map(outcome, results)) == {"Saved": 5, "funding-exhausted": THREADS - 5}
    funding = postgres_app.load(FundingSource, source.aggregate_id)
    assert (funding.drawn_idr, funding.balance_idr, funding.draws_count) == (300_000, 0, 5)
    delivered = sum(
        d.value_idr for f in families for d in postgres_app.load(Family, f).deliveries.values()
    )
    assert delivered == funding.drawn_idr


def test_unpinned_racers_on_one_source_all_succeed_while_budget_lasts(
    postgres_app: Casework,
) -> None:
    source = open_source(postgres_app, budget_idr=10_000_000)
    families = [register(postgres_app).aggregate_id for _ in range(THREADS)]
    results = race([(lambda f=f: deliver(postgres_app, f, source.aggregate_id)) for f in families])
    assert Counter(map(outcome, results)) == {"Saved": THREADS}
    funding = postgres_app.load(FundingSource, source.aggregate_id)
    assert (funding.version, funding.drawn_idr) == (1 + THREADS, THREADS * 60_000)


def test_concurrent_registrations_of_one_kk_let_exactly_one_in(
    postgres_app: Casework, second_app: Casework
) -> None:
    kk = next_kk()
    apps = [postgres_app, second_app]
    results = race([(lambda a=apps[i % 2]: register(a, kk_number=kk)) for i in range(THREADS)])
    assert Counter(map(outcome, results)) == {"Saved": 1, "duplicate-kk": THREADS - 1}


def test_unpinned_commands_on_one_family_all_apply_in_turn(postgres_app: Casework) -> None:
    family_id = register(postgres_app).aggregate_id
    results = race(
        [
            (
                lambda: postgres_app.add_member(
                    CAUSE, family_id, member("anak", born=date(2010, 1, 1))
                )
            )
            for _ in range(THREADS)
        ]
    )
    assert Counter(map(outcome, results)) == {"Saved": THREADS}
    versions = sorted(r.version for r in results)  # type: ignore[attr-defined]
    assert versions == list(range(2, 2 + THREADS))
    assert len(postgres_app.load(Family, family_id).members) == 1 + THREADS


def test_pinned_commands_on_one_version_let_exactly_one_in(postgres_app: Casework) -> None:
    family_id = register(postgres_app).aggregate_id
    results = race(
        [
            (
                lambda: postgres_app.add_member(
                    CAUSE, family_id, member("anak", born=date(2011, 1, 1)), expected_version=1
                )
            )
            for _ in range(THREADS)
        ]
    )
    assert Counter(map(outcome, results)) == {"Saved": 1, "StaleVersion": THREADS - 1}
    assert all(isinstance(r, StaleVersion) for r in results if outcome(r) != "Saved")
    assert postgres_app.load(Family, family_id).version == 2


def test_positions_are_dense_and_every_event_is_stored_once(postgres_app: Casework) -> None:
    source = open_source(postgres_app, budget_idr=10_000_000)
    families = [register(postgres_app).aggregate_id for _ in range(THREADS)]
    race([(lambda f=f: deliver(postgres_app, f, source.aggregate_id)) for f in families])
    with postgres_app.db.transaction() as tx:
        tx.execute(
            "SELECT position, originator_id, originator_version FROM stored_events "
            "ORDER BY position"
        )
        rows = tx.fetchall()
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    per_aggregate: dict[UUID, list[int]] = {}
    for _, originator_id, version in rows:
        per_aggregate.setdefault(originator_id, []).append(version)
    assert all(v == list(range(1, len(v) + 1)) for v in per_aggregate.values())


def test_settings_of_a_fresh_schema_are_isolated(postgres_url: str) -> None:
    # each test gets its own schema: nothing from the other tests is visible here
    settings = postgres_settings(postgres_url, "isolation")
    migrate_store(settings)
    app = Casework(settings)
    try:
        assert app.event_recorder.max_notification_id() is None
    finally:
        app.close()
