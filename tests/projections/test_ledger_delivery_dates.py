"""A delivery line's date, from the family's AidDelivered, wherever the batches end.

The date and the draw are stored one after the other; the ledger writes the line whole when
both are in one batch, and otherwise keeps the date (or the line) waiting for the other.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from builders import CAUSE, open_source, pads, register
from casework.aggregates.family import Family
from casework.projections.batch_writes import BatchWrites
from casework.projections.delivery_lines import DeliveryFilter, delivery_lines
from casework.projections.funding_ledger import FundingLedgerProjection
from casework.projections.runner import ProjectionRunner
from casework.service import Casework
from casework.store.database import Transaction, uuid_from_row

DATES = (date(2025, 8, 4), date(2025, 8, 19), date(2025, 9, 2))


def three_deliveries(app: Casework) -> dict[UUID, date]:
    """Three deliveries from one source to two families, each on its own day."""
    families = [register(app).aggregate_id, register(app).aggregate_id]
    source_id = open_source(app).aggregate_id
    dated = {}
    for family_id, on in zip((families[0], families[1], families[0]), DATES, strict=True):
        delivery_id = uuid4()
        app.deliver_aid(
            CAUSE,
            family_id,
            delivery_id=delivery_id,
            program="ina_kasih",
            period=f"{on:%Y-%m}",
            funding_source_id=source_id,
            delivered_on=on,
            items=pads(),
        )
        dated[delivery_id] = on
    return dated


def line_dates(app: Casework) -> dict[UUID, date | None]:
    items, _ = delivery_lines(app.db, 10**9, DeliveryFilter(), after=0, limit=50)
    return {line.delivery_id: line.delivered_on for line in items}


def waiting_dates(app: Casework) -> list[object]:
    with app.db.transaction() as tx:
        tx.execute("SELECT delivery_id FROM funding_ledger_delivery_dates")
        return list(tx.fetchall())


def date_position(app: Casework, delivery_id: UUID) -> int:
    """The position of the delivery's AidDelivered (its draw is the next one)."""
    runner = ProjectionRunner(app, [FundingLedgerProjection()])
    for fact in runner._read(0, None, FundingLedgerProjection()):
        if isinstance(fact.event, Family.AidDelivered) and fact.event.delivery_id == delivery_id:
            return fact.position
    raise AssertionError("no AidDelivered for the delivery")


@pytest.mark.parametrize("batch_size", [1, 2, 3, 4, 5, 7])
def test_every_line_carries_its_date_wherever_the_batches_end(
    app: Casework, batch_size: int
) -> None:
    # given three deliveries on three days
    dated = three_deliveries(app)
    # when the ledger is built in batches of every size
    projection = FundingLedgerProjection()
    ProjectionRunner(app, [projection], batch_size=batch_size).rebuild(projection)
    # then each line has its own day, and no date is left waiting
    assert line_dates(app) == dated
    assert waiting_dates(app) == []


def test_a_date_waits_for_its_draw_across_a_batch_end(app: Casework) -> None:
    # given deliveries, and the ledger stopped between the second one's date and its draw
    dated = three_deliveries(app)
    first, second, _ = dated
    projection = FundingLedgerProjection()
    runner = ProjectionRunner(app, [projection])
    runner.catch_up(projection, until=date_position(app, second))
    # then the first line is dated, the second not written, and its date waits
    assert line_dates(app) == {first: DATES[0]}
    assert len(waiting_dates(app)) == 1
    # when the ledger catches up
    runner.catch_up(projection)
    # then the second line has its date and nothing waits
    assert line_dates(app) == dated
    assert waiting_dates(app) == []


def test_a_line_written_before_its_date_gets_it_when_the_date_comes(app: Casework) -> None:
    # given the events of one delivery, applied with the draw first and its date in a later batch
    dated = three_deliveries(app)
    projection = FundingLedgerProjection()
    facts = ProjectionRunner(app, [projection])._read(0, None, projection)
    later = [fact for fact in facts if isinstance(fact.event, Family.AidDelivered)][-1]
    postgres = app.db.location.is_postgres
    for batch in ([fact for fact in facts if fact is not later], [later]):
        with app.db.transaction() as tx:
            writes = BatchWrites(tx, postgres=postgres)
            projection.prepare_batch(writes, batch)
            for fact in batch:
                projection.apply(writes, fact)
            projection.finish_batch(writes)
            writes.flush()
            if batch[-1] is not later:
                # then, between the two, the last line is there without its date
                assert line_dates_in(tx) == {**dated, later.event.delivery_id: None}
    # and once its date is applied, every line has its own and nothing waits
    assert line_dates(app) == dated
    assert waiting_dates(app) == []


def line_dates_in(tx: Transaction) -> dict[UUID, date | None]:
    tx.execute("SELECT delivery_id, delivered_on FROM funding_ledger_deliveries")
    return {uuid_from_row(row[0]): _date(row[1]) for row in tx.fetchall()}


def _date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))
