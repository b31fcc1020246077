"""The funding-source list (`GET /funding-sources`): each source with its current figures.

One row per source, changed by each of its events exactly as the aggregate's own apply
methods change it, so an item of the list equals the source read from its aggregate.
"""

from __future__ import annotations

from typing import Any

import msgspec

from casework.aggregates.funding_source import FundingSource
from casework.database import Transaction
from casework.projections.base import StoredFact

# How each event changes the figures: SQL assignments and their parameters.
_CHANGES: dict[type, tuple[str, str]] = {
    FundingSource.FundsReceived: ("received_idr = received_idr + %s", "amount_idr"),
    FundingSource.Drawn: ("drawn_idr = drawn_idr + %s", "value_idr"),
    FundingSource.DrawReversed: ("drawn_idr = drawn_idr - %s", "value_idr"),
    FundingSource.BudgetRevised: ("budget_idr = %s", "budget_idr"),
}


class FundingSourcesListProjection:
    name = "funding_sources"
    tables: tuple[str, ...] = ("funding_source_list",)

    @property
    def handles(self) -> frozenset[type[Any]]:
        return frozenset({FundingSource.Opened, FundingSource.Closed, *_CHANGES})

    def apply(self, tx: Transaction, fact: StoredFact) -> None:
        event = fact.event
        if isinstance(event, FundingSource.Opened):
            self._open(tx, fact, event)
        elif isinstance(event, FundingSource.Closed):
            self._touch(tx, fact, "status = 'closed'")
        elif type(event) in _CHANGES:
            assignment, field = _CHANGES[type(event)]
            self._touch(tx, fact, assignment, getattr(event, field))

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
