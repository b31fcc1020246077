"""The funding ledger against hand-computed figures: receipts, draws, voids, revisions, as of.

One source lives through a year: 1,000,000 budgeted, 100,000 received, three deliveries
(60,000 + 60,000 in August, 30,000 in September), one of them voided, the budget raised to
1,200,000, a late SP2D of 1,300,000 (more than the budget), and closure.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid4

import pytest

from builders import CAUSE, deliver, member, open_source, pads, register
from casework.application import Saved
from casework.projections.delivery_lines import DeliveryFilter, delivery_lines
from casework.projections.funding_ledger import FundingLedgerProjection
from casework.projections.ledger_findings import findings
from casework.projections.read_rows import ProgramFigures
from casework.projections.reconciliation_queries import reconciliation
from casework.projections.reflected import Reflected, reflected
from casework.projections.runner import ProjectionRunner
from casework.projections.source_filters import SourceFilter
from casework.service import Casework
from casework.store.recorder import as_datetime


@dataclass
class Year:
    source_id: UUID
    families: list[UUID]
    deliveries: list[UUID]
    at: dict[str, int]  # the position after each step
    niks: list[str]


def receive(app: Casework, source_id: UUID, amount: int) -> Saved:
    return app.record_receipt(
        CAUSE,
        source_id,
        amount_idr=amount,
        reference="SP2D 0012/2025",
        received_on=date(2025, 3, 1),
    )


def a_year(app: Casework, between: Callable[[], object] = lambda: None) -> Year:
    """The year above; `between` runs after each step (a runner catching up, say)."""
    heads = [member(), member()]
    families = [register(app, head).aggregate_id for head in heads]
    deliveries = [uuid4(), uuid4(), uuid4()]
    at: dict[str, int] = {}

    def step(name: str, saved: Saved) -> None:
        at[name] = saved.position
        between()

    source = open_source(app, budget_idr=1_000_000)
    source_id = source.aggregate_id
    step("opened", source)
    step("received", receive(app, source_id, 100_000))
    for name, family, period, quantity, delivery_id in (
        ("a", families[0], "2025-08", 4, deliveries[0]),
        ("b", families[1], "2025-08", 4, deliveries[1]),
        ("c", families[0], "2025-09", 2, deliveries[2]),
    ):
        saved = deliver(
            app, family, source_id, period=period, items=pads(quantity), delivery_id=delivery_id
        )
        step(f"delivered {name}", saved)
    step("voided b", app.void_delivery(CAUSE, families[1], deliveries[1], reason="double entry"))
    step("revised", app.revise_budget(CAUSE, source_id, budget_idr=1_200_000, reason="APBD-P"))
    step("late receipt", receive(app, source_id, 1_300_000))
    step("closed", app.close_funding_source(CAUSE, source_id, reason="year end"))
    return Year(source_id, families, deliveries, at, [h.nik for h in heads])


@pytest.fixture
def year(app: Casework) -> Year:
    return a_year(app)


def caught_up(app: Casework) -> int:
    projection = FundingLedgerProjection()
    ProjectionRunner(app, [projection], batch_size=4).catch_up(projection)
    return head(app)


def head(app: Casework) -> int:
    with app.db.transaction() as tx:
        tx.execute("SELECT max(position) FROM stored_events")
        row = tx.fetchone()
    return int(row[0]) if row else 0


def recorded_at(app: Casework, position: int) -> datetime:
    with app.db.transaction() as tx:
        tx.execute("SELECT recorded_at FROM stored_events WHERE position = %s", (position,))
        row = tx.fetchone()
    assert row is not None
    return as_datetime(row[0])


def figures_at(app: Casework, position: int) -> tuple[int, ...]:
    (source,) = reconciliation(app.db, Reflected(None, position), SourceFilter()).sources
    return (
        source.budget_idr,
        source.received_idr,
        source.drawn_idr,
        source.voided_idr,
        source.balance_idr,
        source.unreceived_idr,
        source.deliveries,
    )


# budget, received, drawn (net), voided, balance, unreceived, deliveries: after each step
EXPECTED = {
    "opened": (1_000_000, 0, 0, 0, 1_000_000, 0, 0),
    "received": (1_000_000, 100_000, 0, 0, 1_000_000, 0, 0),
    "delivered a": (1_000_000, 100_000, 60_000, 0, 940_000, 0, 1),
    "delivered b": (1_000_000, 100_000, 120_000, 0, 880_000, 20_000, 2),
    "delivered c": (1_000_000, 100_000, 150_000, 0, 850_000, 50_000, 3),
    "voided b": (1_000_000, 100_000, 90_000, 60_000, 910_000, 0, 2),
    "revised": (1_200_000, 100_000, 90_000, 60_000, 1_110_000, 0, 2),
    "late receipt": (1_200_000, 1_400_000, 90_000, 60_000, 1_110_000, 0, 2),
    "closed": (1_200_000, 1_400_000, 90_000, 60_000, 1_110_000, 0, 2),
}


def test_the_figures_after_each_step_are_the_hand_computed_ones(app: Casework, year: Year) -> None:
    # given the ledger caught up on the whole year
    caught_up(app)
    # then, as of the position after each step, the source's figures are those computed above
    for step, expected in EXPECTED.items():
        assert figures_at(app, year.at[step]) == expected, step
    # and before the source was opened it is not in the report at all
    before = Reflected(None, year.at["opened"] - 1)
    assert reconciliation(app.db, before, SourceFilter()).sources == []


def test_by_programme_counts_only_deliveries_not_voided(app: Casework, year: Year) -> None:
    # given the ledger caught up
    caught_up(app)

    def by_program(position: int) -> list[ProgramFigures]:
        report = reconciliation(app.db, Reflected(None, position), SourceFilter())
        return report.sources[0].by_program

    # then before the void August holds two deliveries, after it one, and September one
    assert by_program(year.at["delivered c"]) == [
        ProgramFigures("ina_kasih", "2025-08", 2, 120_000),
        ProgramFigures("ina_kasih", "2025-09", 1, 30_000),
    ]
    final = by_program(year.at["closed"])
    assert final == [
        ProgramFigures("ina_kasih", "2025-08", 1, 60_000),
        ProgramFigures("ina_kasih", "2025-09", 1, 30_000),
    ]
    # and the programme values sum to drawn
    assert sum(p.value_idr for p in final) == EXPECTED["closed"][2]


def test_findings_begin_and_end_where_the_figures_cross(app: Casework, year: Year) -> None:
    # given the ledger caught up
    caught_up(app)

    def found(step: str) -> list[tuple[str, UUID | None, int]]:
        items, _ = findings(app.db, year.at[step], cursor=None, limit=50)
        return [(f.kind, f.funding_source_id, f.position) for f in items]

    # then drawn exceeded receipts from the second delivery until the void
    assert found("delivered a") == []
    assert found("delivered c") == [("unreceived-funds", year.source_id, year.at["delivered b"])]
    assert found("voided b") == []
    # and the late SP2D took receipts beyond the budget, which still holds at closure
    assert found("closed") == [("over-received", year.source_id, year.at["late receipt"])]


def test_delivery_lines_show_voids_as_of_the_position(app: Casework, year: Year) -> None:
    # given the ledger caught up
    caught_up(app)
    everything = DeliveryFilter()

    def lines(position: int, only: DeliveryFilter = everything) -> list[tuple[UUID, str, int]]:
        items, _ = delivery_lines(app.db, position, only, after=0, limit=50)
        return [(line.delivery_id, line.status, line.value_idr) for line in items]

    a, b, c = year.deliveries
    # then each draw is a line in position order, the voided one marked so once voided
    assert lines(year.at["delivered c"]) == [
        (a, "delivered", 60_000),
        (b, "delivered", 60_000),
        (c, "delivered", 30_000),
    ]
    assert lines(year.at["closed"]) == [
        (a, "delivered", 60_000),
        (b, "voided", 60_000),
        (c, "delivered", 30_000),
    ]
    assert lines(year.at["closed"], DeliveryFilter(period="2025-09")) == [(c, "delivered", 30_000)]
    assert lines(year.at["delivered a"]) == [(a, "delivered", 60_000)]
    # and a line carries the family, area and the date the family's record gives
    items, _ = delivery_lines(app.db, year.at["closed"], everything, after=0, limit=50)
    first, second = year.families
    assert [line.family_id for line in items] == [first, second, first]
    assert {line.delivered_on for line in items} == {date(2025, 8, 11)}
    assert {line.area_code for line in items} == {"53.71.01.1001"}


def test_delivery_lines_come_in_pages(app: Casework, year: Year) -> None:
    # given the ledger caught up
    caught_up(app)
    everything = DeliveryFilter()
    # when the lines are read two at a time
    first, cursor = delivery_lines(app.db, year.at["closed"], everything, after=0, limit=2)
    assert cursor is not None
    second, last = delivery_lines(app.db, year.at["closed"], everything, after=int(cursor), limit=2)
    # then the pages hold every line once, in order
    assert [line.delivery_id for line in first + second] == year.deliveries
    assert last is None


def test_as_of_an_instant_resolves_to_the_last_position_recorded_by_then(
    app: Casework, year: Year
) -> None:
    # given the ledger caught up
    processed = caught_up(app)
    # when the report is asked as of the instant the second delivery was recorded
    instant = recorded_at(app, year.at["delivered b"])
    at = reflected(app.db, processed, instant)
    # then it reflects that instant, and every event recorded by then but no later one
    assert at.as_of == instant
    assert at.position >= year.at["delivered b"]
    assert recorded_at(app, at.position) <= instant < recorded_at(app, at.position + 1)
    # and without an instant, or with one after the last event, it is as of the last event
    last = reflected(app.db, processed, None)
    assert last == Reflected(recorded_at(app, processed), processed)
    assert reflected(app.db, processed, datetime(2100, 1, 1, tzinfo=instant.tzinfo)) == last
    # and before the first event, nothing is included
    assert reflected(app.db, processed, datetime(2000, 1, 1, tzinfo=instant.tzinfo)).position == 0


def test_a_rebuild_equals_the_ledger_kept_live(app: Casework) -> None:
    # given a ledger kept up to date after every step of the year
    projection = FundingLedgerProjection()
    runner = ProjectionRunner(app, [projection], batch_size=3)
    a_year(app, between=lambda: runner.catch_up(projection))
    live = ledger_tables(app)
    # when it is rebuilt from position zero
    runner.rebuild(projection)
    # then every table holds the same rows
    assert ledger_tables(app) == live


def test_the_ledger_holds_no_personal_data(app: Casework, year: Year) -> None:
    # given the ledger caught up
    caught_up(app)
    # then no NIK or name appears in any of its tables
    dumped = repr(ledger_tables(app))
    for nik in year.niks:
        assert nik not in dumped
    assert "Maria" not in dumped


def ledger_tables(app: Casework) -> dict[str, list[tuple[str, ...]]]:
    tables = {}
    with app.db.transaction() as tx:
        for table in FundingLedgerProjection.tables:
            tx.execute(f"SELECT * FROM {table}")
            tables[table] = sorted(tuple(str(v) for v in row) for row in tx.fetchall())
    return tables
