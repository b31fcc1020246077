"""The funding-source list (`GET /funding-sources`): each source with its current figures.

One row per source, changed by each of its events exactly as the aggregate's own apply
methods change it, so an item of the list equals the source read from its aggregate.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from casework.aggregates.funding_source import FundingSource
from casework.projections.base import StoredFact
from casework.projections.batch_writes import BatchWrites
from casework.store.database import Transaction

# How each event changes the figures: SQL assignments and their parameters. Draws and their
# reversals, the busy ones, are counted in the batch instead (`_draw`).
_CHANGES: dict[type, tuple[str, str]] = {
    FundingSource.FundsReceived: ("received_idr = received_idr + %s", "amount_idr"),
    FundingSource.BudgetRevised: ("budget_idr = %s", "budget_idr"),
}
_DRAWS = {FundingSource.Drawn: 1, FundingSource.DrawReversed: -1}


class FundingSourcesListProjection:
    name = "funding_sources"
    tables: tuple[str, ...] = ("funding_source_list",)
    reads_personal_data = False

    def __init__(self) -> None:
        # Each source's drawn total as this batch has left it, so its next draw need not read
        # it back (the funding ledger's reasoning: one batch, one transaction, one writer).
        self._batch: BatchWrites | None = None
        self._drawn: dict[UUID, int] = {}

    @property
    def handles(self) -> frozenset[type[Any]]:
        return frozenset({FundingSource.Opened, FundingSource.Closed, *_CHANGES, *_DRAWS})

    def apply(self, writes: BatchWrites, fact: StoredFact) -> None:
        if writes is not self._batch:
            self._batch, self._drawn = writes, {}
        event = fact.event
        if isinstance(event, FundingSource.Opened):
            self._open(writes, fact, event)
        elif isinstance(event, FundingSource.Closed):
            self._touch(writes, fact, "status = 'closed'")
        elif type(event) in _DRAWS:
            self._draw(writes, fact, _DRAWS[type(event)] * event.value_idr)
        elif type(event) in _CHANGES:
            assignment, field = _CHANGES[type(event)]
            self._touch(writes, fact, assignment, getattr(event, field))

    def _draw(self, writes: BatchWrites, fact: StoredFact, value_idr: int) -> None:
        drawn = self._drawn.get(fact.aggregate_id)
        if drawn is None:
            writes.execute(
                "SELECT drawn_idr FROM funding_source_list WHERE funding_source_id = %s",
                (fact.aggregate_id,),
            )
            row = writes.fetchone()
            drawn = 0 if row is None else int(row[0])
        self._drawn[fact.aggregate_id] = drawn + value_idr
        writes.update(
            "funding_source_list",
            {"funding_source_id": fact.aggregate_id},
            {"drawn_idr": drawn + value_idr, "version": fact.version, "position": fact.position},
        )

    def _open(self, tx: Transaction, fact: StoredFact, event: FundingSource.Opened) -> None:
        tx.execute(
            "INSERT INTO funding_source_list (funding_source_id, code, kind, name, sponsor, "
            "fiscal_year, area, programs, reference, budget_idr, received_idr, drawn_idr, "
            "status, version, position) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, 0, 'open', %s, %s)",
            (
                fact.aggregate_id,
                event.code,
                event.kind,
                event.name,
                event.sponsor,
                event.fiscal_year,
                event.area,
                msgspec.json.encode(list(event.programs)).decode(),
                event.reference,
                event.budget_idr,
                fact.version,
                fact.position,
            ),
        )

    def _touch(self, tx: Transaction, fact: StoredFact, assignment: str, *values: object) -> None:
        tx.execute(
            f"UPDATE funding_source_list SET {assignment}, version = %s, position = %s "
            "WHERE funding_source_id = %s",
            (*values, fact.version, fact.position, fact.aggregate_id),
        )
