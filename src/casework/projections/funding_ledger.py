"""The funding ledger behind `/reconciliation`: built from funding-source events alone.

Per event that moves money (or opens or closes a source) one entry, holding the source's
figures after it and, for a draw or its reversal, those of its programme and period; the
current figures beside them, to compute the next entry; and a line per delivery. The only
other event read is the family's AidDelivered, for the delivery date (not personal data).

The date and the draw are stored one after the other in the same transaction, so nearly always
in the same batch: the line is then written whole. Where they fall on either side of a batch's
end, the date waits in `funding_ledger_delivery_dates` (or the line without it) until the other
comes, which moves the date onto the line (`_date_onto_line`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from casework.aggregates.family import Family
from casework.aggregates.funding_source import FundingSource
from casework.database import Transaction, uuid_from_row
from casework.projections.base import StoredFact
from casework.projections.batch_writes import BatchWrites, RowsStatement
from casework.projections.ledger_figures import (
    ENTRY_KINDS,
    FIGURE_COLUMNS,
    Figures,
    entry_amount,
)

_FIGURES = ", ".join(FIGURE_COLUMNS)
_DRAWS = (FundingSource.Drawn, FundingSource.DrawReversed)

# A delivery whose date and line were written in different batches: the date, kept waiting,
# goes onto the line once both exist, and stops waiting. Held in this order, and nothing else
# the ledger writes is held, so the update always runs before the delete.
_DATE_ONTO_LINE = RowsStatement(
    postgres="UPDATE funding_ledger_deliveries AS d SET delivered_on = t.delivered_on "
    "FROM json_to_recordset(%s::json) AS v(delivery_id uuid), funding_ledger_delivery_dates AS t "
    "WHERE d.delivery_id = v.delivery_id AND t.delivery_id = v.delivery_id",
    sqlite="UPDATE funding_ledger_deliveries SET delivered_on = coalesce((SELECT t.delivered_on "
    "FROM funding_ledger_delivery_dates AS t WHERE t.delivery_id = %s), delivered_on) "
    "WHERE delivery_id = %s",
    columns=("delivery_id", "delivery_id"),
)
_DATE_DONE_WAITING = RowsStatement(
    postgres="DELETE FROM funding_ledger_delivery_dates AS t "
    "USING json_to_recordset(%s::json) AS v(delivery_id uuid), funding_ledger_deliveries AS d "
    "WHERE t.delivery_id = v.delivery_id AND d.delivery_id = v.delivery_id",
    sqlite="DELETE FROM funding_ledger_delivery_dates WHERE delivery_id = %s AND EXISTS "
    "(SELECT 1 FROM funding_ledger_deliveries AS d WHERE d.delivery_id = %s)",
    columns=("delivery_id", "delivery_id"),
)


class FundingLedgerProjection:
    name = "funding_ledger"
    tables: tuple[str, ...] = (
        "funding_ledger_entries",
        "funding_ledger_programs",
        "funding_ledger_deliveries",
        "funding_ledger_delivery_dates",
        "funding_ledger_sources",
    )

    reads_personal_data = False  # built from funding-source events alone

    @property
    def handles(self) -> frozenset[type[Any]]:
        return frozenset({Family.AidDelivered, *ENTRY_KINDS})

    # Its batches may be applied while the one before is still being written: its handlers
    # only write, but for the figures of a source the run has not moved yet (`read`).
    applies_ahead = True

    def __init__(self) -> None:
        # The figures the run's batches have written, so a busy source's next draw need not
        # read back its last: the batches of a run follow each other and this projection is
        # the only writer of its rows (the position row is locked), so they are the table's.
        # A new run (after a rollback, another runner's batch, or in turns: every batch)
        # starts empty. A source's programme rows (a few programmes times the periods of one
        # fiscal year) are read with its figures, all at once: a programme row missing then
        # is one the source has never drawn on.
        self._run: object | None = None
        self._sources: dict[UUID, Figures] = {}
        self._programmes: dict[tuple[UUID, str, str], tuple[int, int]] = {}
        # The dates of the deliveries whose AidDelivered and draw are both in the batch being
        # applied (`prepare_batch`), so that the line is written with its date.
        self._dated_batch: BatchWrites | None = None
        self._dates: dict[UUID, Any] = {}

    def _in_run(self, writes: BatchWrites) -> None:
        if writes.run is not self._run:
            self._run, self._sources, self._programmes = writes.run, {}, {}

    def apply(self, writes: BatchWrites, fact: StoredFact) -> None:
        self._in_run(writes)
        event = fact.event
        if isinstance(event, Family.AidDelivered):
            if event.delivery_id not in self._batch_dates(writes):
                writes.insert(
                    "funding_ledger_delivery_dates",
                    {"delivery_id": event.delivery_id, "delivered_on": event.delivered_on},
                    if_absent=True,
                )
                _date_onto_line(writes, event.delivery_id)
            return
        kind = ENTRY_KINDS.get(type(event))
        if kind is None:
            return
        if isinstance(event, FundingSource.Opened):
            _open(writes, fact.aggregate_id, event)
            before = Figures()
        else:
            before = self._figures_before(writes, fact.aggregate_id)
        after = before.after(event, fact.position)
        self._sources[fact.aggregate_id] = after
        figures = after.as_row()
        writes.update("funding_ledger_sources", {"funding_source_id": fact.aggregate_id}, figures)
        programme: tuple[int, int] | tuple[None, None] = (None, None)
        if isinstance(event, _DRAWS):
            programme = self._programme_after(writes, fact.aggregate_id, event)
            _delivery_line(writes, fact, event, self._batch_dates(writes))
        writes.insert(
            "funding_ledger_entries",
            {
                "position": fact.position,
                "recorded_at": fact.stored_recorded_at,
                "funding_source_id": fact.aggregate_id,
                "entry": kind,
                "amount_idr": entry_amount(event),
                "delivery_id": getattr(event, "delivery_id", None),
                "program": getattr(event, "program", None),
                "period": getattr(event, "period", None),
                **figures,
                "program_deliveries": programme[0],
                "program_value_idr": programme[1],
            },
        )

    def prepare_batch(self, writes: BatchWrites, facts: list[StoredFact]) -> None:
        """Read the figures and programme rows of every source the batch moves that the run
        has not, in two queries, instead of two for each source as its first event comes."""
        self._in_run(writes)
        moved = {
            fact.aggregate_id
            for fact in facts
            if type(fact.event) in ENTRY_KINDS and not isinstance(fact.event, FundingSource.Opened)
        }
        self._read_sources(writes, moved - self._sources.keys())
        self._dated_batch, self._dates = writes, _dates_drawn_in(facts)

    def _batch_dates(self, writes: BatchWrites) -> dict[UUID, Any]:
        """The dates prepared for this batch (none if it was not prepared)."""
        return self._dates if writes is self._dated_batch else {}

    def _figures_before(self, writes: BatchWrites, source_id: UUID) -> Figures:
        """The source's figures before this event (read with its programme rows the first
        time in a run, unless the batch was prepared)."""
        if source_id not in self._sources:
            self._read_sources(writes, {source_id})
        return self._sources[source_id]

    def _read_sources(self, writes: BatchWrites, source_ids: set[UUID]) -> None:
        if not source_ids:
            return
        ids = sorted(source_ids)
        marks = ", ".join(["%s"] * len(ids))
        figures = writes.read(
            f"SELECT funding_source_id, {_FIGURES} FROM funding_ledger_sources "
            f"WHERE funding_source_id IN ({marks})",
            ids,
        )
        stored = {uuid_from_row(row[0]): Figures(*row[1:]) for row in figures}
        # A source opened in this batch has no row yet: its Opened starts it from nothing.
        self._sources.update({source_id: stored.get(source_id, Figures()) for source_id in ids})
        programmes = writes.read(
            "SELECT funding_source_id, program, period, deliveries, value_idr "
            f"FROM funding_ledger_programs WHERE funding_source_id IN ({marks})",
            ids,
        )
        for row in programmes:
            self._programmes[(uuid_from_row(row[0]), row[1], row[2])] = (int(row[3]), int(row[4]))

    def _programme_after(self, writes: BatchWrites, source_id: UUID, event: Any) -> tuple[int, int]:
        """The programme and period's (deliveries, value) after a draw or its reversal."""
        sign = 1 if isinstance(event, FundingSource.Drawn) else -1
        key: tuple[UUID, str, str] = (source_id, event.program, event.period)
        before = self._programmes.get(key)
        deliveries, value = (0, 0) if before is None else before
        after = (deliveries + sign, value + sign * event.value_idr)
        row_key = {"funding_source_id": source_id, "program": event.program, "period": event.period}
        figures = {"deliveries": after[0], "value_idr": after[1]}
        if before is None:
            writes.insert("funding_ledger_programs", {**row_key, **figures})
        else:
            writes.update("funding_ledger_programs", row_key, figures)
        self._programmes[key] = after
        return after


def _open(tx: Transaction, source_id: UUID, event: FundingSource.Opened) -> None:
    tx.execute(
        "INSERT INTO funding_ledger_sources (funding_source_id, code, kind, fiscal_year, area, "
        f"{_FIGURES}) VALUES (%s, %s, %s, %s, %s, 0, 0, 0, 0, 0, NULL, NULL)",
        (source_id, event.code, event.kind, event.fiscal_year, event.area),
    )


def _dates_drawn_in(facts: list[StoredFact]) -> dict[UUID, Any]:
    """The delivery dates of the batch whose draws are in it too."""
    drawn = {fact.event.delivery_id for fact in facts if type(fact.event) is FundingSource.Drawn}
    return {
        fact.event.delivery_id: fact.event.delivered_on
        for fact in facts
        if type(fact.event) is Family.AidDelivered and fact.event.delivery_id in drawn
    }


def _date_onto_line(writes: BatchWrites, delivery_id: UUID) -> None:
    """Put a waiting date on its line, if both are written by the end of the batch."""
    row = {"delivery_id": delivery_id}
    writes.hold(_DATE_ONTO_LINE, row)
    writes.hold(_DATE_DONE_WAITING, row)


def _delivery_line(
    writes: BatchWrites, fact: StoredFact, event: Any, dates: dict[UUID, Any]
) -> None:
    if isinstance(event, FundingSource.DrawReversed):
        writes.execute(
            "UPDATE funding_ledger_deliveries SET voided_position = %s WHERE delivery_id = %s",
            (fact.position, event.delivery_id),
        )
        return
    writes.insert(
        "funding_ledger_deliveries",
        {
            "delivery_id": event.delivery_id,
            "position": fact.position,
            "funding_source_id": fact.aggregate_id,
            "family_id": event.family_id,
            "area_code": event.area_code,
            "program": event.program,
            "period": event.period,
            "value_idr": event.value_idr,
            "delivered_on": dates.get(event.delivery_id),
        },
    )
    if event.delivery_id not in dates:
        _date_onto_line(writes, event.delivery_id)
