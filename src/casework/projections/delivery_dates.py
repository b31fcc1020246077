"""The date on a funding-ledger delivery line, from the family's AidDelivered.

The date and the draw are stored one after the other in the same transaction, so nearly always
in the same batch: the line is then written whole, with its date. Where they fall on either
side of a batch's end, the date waits in `funding_ledger_delivery_dates` until its line comes,
which takes it from there; a draw stored before its date (no command does that, but nothing
forbids it) gets the date when the date comes. Once a batch has put a waiting date on its
line, the date stops waiting, so the table holds exactly the dates whose draw is still to come,
wherever the batches ended: a rebuild equals the tables kept live.

A date kept in that table for every delivery cost a second row and a second index entry on a
random id each, and every page of lines a join.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from uuid import UUID

from casework.aggregates.family import Family
from casework.aggregates.funding_source import FundingSource
from casework.projections.base import StoredFact
from casework.projections.batch_writes import BatchWrites, RowsStatement
from casework.store.database import any_of

LINE_COLUMNS = (
    "delivery_id",
    "position",
    "funding_source_id",
    "family_id",
    "area_code",
    "program",
    "period",
    "value_idr",
)
_LINE_NAMES = ", ".join(LINE_COLUMNS)
# A line whose date came in an earlier batch: the date is waiting.
_LINE_WITH_WAITING_DATE = RowsStatement(
    postgres=f"INSERT INTO funding_ledger_deliveries ({_LINE_NAMES}, delivered_on) "
    f"SELECT {', '.join('v.' + column for column in LINE_COLUMNS)}, t.delivered_on "
    "FROM json_populate_recordset(NULL::funding_ledger_deliveries, %s::json) AS v "
    "LEFT JOIN funding_ledger_delivery_dates AS t ON t.delivery_id = v.delivery_id",
    sqlite=f"INSERT INTO funding_ledger_deliveries ({_LINE_NAMES}, delivered_on) "
    f"VALUES ({', '.join(['%s'] * len(LINE_COLUMNS))}, (SELECT t.delivered_on "
    "FROM funding_ledger_delivery_dates AS t WHERE t.delivery_id = %s))",
    columns=(*LINE_COLUMNS, "delivery_id"),
)
# A date whose line came in an earlier batch.
_DATE_ONTO_LINE = RowsStatement(
    postgres="UPDATE funding_ledger_deliveries AS d SET delivered_on = v.delivered_on "
    "FROM json_to_recordset(%s::json) AS v(delivery_id uuid, delivered_on date) "
    "WHERE d.delivery_id = v.delivery_id",
    sqlite="UPDATE funding_ledger_deliveries SET delivered_on = %s WHERE delivery_id = %s",
    columns=("delivered_on", "delivery_id"),
)


class DeliveryDates:
    """The ledger's dates for the batch it applies: `prepare`, then `date` and `line` as the
    events come, then `finish`. A batch that was not prepared (a handler called on its own)
    writes every date and line as if its partner were in another batch, and is not finished:
    its lines are still right, only its dates may go on waiting."""

    def __init__(self) -> None:
        self._batch: BatchWrites | None = None
        # The batch's delivery dates and draws, by the delivery id's integer: a UUID hashes in
        # Python, an int in C, and a rebuild looks up every delivery three times.
        self._dates: dict[int, Any] = {}
        self._drawn: set[int] = set()
        self._unpaired: list[UUID] = []  # the deliveries whose date or draw is in another batch

    def prepare(self, writes: BatchWrites, facts: list[StoredFact]) -> None:
        dates, drawn = {}, set()
        delivered, draw = Family.AidDelivered, FundingSource.Drawn
        for fact in facts:
            event = fact.event
            kind = type(event)
            if kind is delivered:
                dates[event.delivery_id.int] = event.delivered_on
            elif kind is draw:
                drawn.add(event.delivery_id.int)
        self._batch, self._dates, self._drawn, self._unpaired = writes, dates, drawn, []

    def date(self, writes: BatchWrites, event: Family.AidDelivered) -> None:
        """A delivery's date: nothing to write if its line is written in this batch."""
        if writes is self._batch and event.delivery_id.int in self._drawn:
            return
        row = {"delivery_id": event.delivery_id, "delivered_on": event.delivered_on}
        writes.insert("funding_ledger_delivery_dates", row, if_absent=True)
        writes.hold(_DATE_ONTO_LINE, row)
        self._note_unpaired(writes, event.delivery_id)

    def line(self, writes: BatchWrites, line: Mapping[str, Any]) -> None:
        """A delivery's line (`LINE_COLUMNS`), written with its date."""
        delivery_id: UUID = line["delivery_id"]
        on = self._dates.get(delivery_id.int) if writes is self._batch else None
        if on is not None:
            writes.insert("funding_ledger_deliveries", {**line, "delivered_on": on})
            return
        writes.hold(_LINE_WITH_WAITING_DATE, line)
        self._note_unpaired(writes, delivery_id)

    def finish(self, writes: BatchWrites) -> None:
        """Stop keeping the dates that the batch put on their lines."""
        if writes is not self._batch or not self._unpaired:
            return
        waiting, params = any_of("t.delivery_id", self._unpaired, postgres=writes.postgres)
        writes.execute(
            f"DELETE FROM funding_ledger_delivery_dates AS t WHERE {waiting} AND EXISTS "
            "(SELECT 1 FROM funding_ledger_deliveries AS d WHERE d.delivery_id = t.delivery_id)",
            params,
        )
        self._unpaired = []

    def _note_unpaired(self, writes: BatchWrites, delivery_id: UUID) -> None:
        if writes is self._batch:
            self._unpaired.append(delivery_id)
