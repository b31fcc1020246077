"""The funding ledger behind `/reconciliation`: built from funding-source events alone.

Per event that moves money (or opens or closes a source) one entry, holding the source's
figures after it and, for a draw or its reversal, those of its programme and period; the
current figures beside them, to compute the next entry; and a line per delivery. The only
other event read is the family's AidDelivered, for the delivery date (not personal data), which
goes onto its line (`DeliveryDates`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from casework.aggregates.family import Family
from casework.aggregates.funding_source import FundingSource
from casework.projections.base import StoredFact
from casework.projections.batch_writes import BatchWrites
from casework.projections.delivery_dates import DeliveryDates
from casework.projections.ledger_figures import (
    ENTRY_KINDS,
    FIGURE_COLUMNS,
    Figures,
    entry_amount,
)
from casework.store.database import Transaction, uuid_from_row

_FIGURES = ", ".join(FIGURE_COLUMNS)
_DRAWS = (FundingSource.Drawn, FundingSource.DrawReversed)


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
        self._dates = DeliveryDates()

    def _in_run(self, writes: BatchWrites) -> None:
        if writes.run is not self._run:
            self._run, self._sources, self._programmes = writes.run, {}, {}

    def apply(self, writes: BatchWrites, fact: StoredFact) -> None:
        self._in_run(writes)
        event = fact.event
        if isinstance(event, Family.AidDelivered):
            self._dates.date(writes, event)
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
            self._delivery_line(writes, fact, event)
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
        self._dates.prepare(writes, facts)

    def finish_batch(self, writes: BatchWrites) -> None:
        self._dates.finish(writes)

    def _delivery_line(self, writes: BatchWrites, fact: StoredFact, event: Any) -> None:
        if isinstance(event, FundingSource.DrawReversed):
            writes.execute(
                "UPDATE funding_ledger_deliveries SET voided_position = %s WHERE delivery_id = %s",
                (fact.position, event.delivery_id),
            )
            return
        line = {
            "delivery_id": event.delivery_id,
            "position": fact.position,
            "funding_source_id": fact.aggregate_id,
            "family_id": event.family_id,
            "area_code": event.area_code,
            "program": event.program,
            "period": event.period,
            "value_idr": event.value_idr,
        }
        self._dates.line(writes, line)

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
