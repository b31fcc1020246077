"""A funding source's running figures, and how each of its events moves them.

Pure and deterministic: the ledger stores the figures after every event, so a report as of any
position reads them instead of summing history. The rules are the aggregate's own (drawn net
of reversals, a revision sets the budget) plus the findings' bookkeeping: since which position
drawn has exceeded receipts, and receipts the budget.
"""

from __future__ import annotations

from dataclasses import dataclass, fields, replace
from typing import Any

from casework.aggregates.funding_source import FundingSource

ENTRY_KINDS: dict[type, str] = {
    FundingSource.Opened: "opened",
    FundingSource.BudgetRevised: "budget-revised",
    FundingSource.FundsReceived: "received",
    FundingSource.Drawn: "drawn",
    FundingSource.DrawReversed: "reversed",
    FundingSource.Closed: "closed",
}


@dataclass(frozen=True)
class Figures:
    budget_idr: int = 0
    received_idr: int = 0
    drawn_idr: int = 0  # net of reversals
    voided_idr: int = 0
    deliveries: int = 0  # not reversed
    unreceived_since: int | None = None
    over_received_since: int | None = None

    def as_row(self) -> dict[str, int | None]:
        """The figures as the ledger's columns (what `asdict` gives, without its deep copy,
        a tenth of a rebuild's time)."""
        return {name: getattr(self, name) for name in FIGURE_COLUMNS}

    def after(self, event: Any, position: int) -> Figures:
        moved = _moved(self, event)
        return replace(
            moved,
            unreceived_since=_since(
                self.unreceived_since, moved.drawn_idr > moved.received_idr, position
            ),
            over_received_since=_since(
                self.over_received_since, moved.received_idr > moved.budget_idr, position
            ),
        )


FIGURE_COLUMNS = tuple(f.name for f in fields(Figures))


def entry_amount(event: Any) -> int:
    """The money an entry moves or sets: budget, receipt, value drawn or returned."""
    for field in ("budget_idr", "amount_idr", "value_idr"):
        if hasattr(event, field):
            return int(getattr(event, field))
    return 0


def _moved(figures: Figures, event: Any) -> Figures:
    if isinstance(event, FundingSource.Opened | FundingSource.BudgetRevised):
        return replace(figures, budget_idr=event.budget_idr)
    if isinstance(event, FundingSource.FundsReceived):
        return replace(figures, received_idr=figures.received_idr + event.amount_idr)
    if isinstance(event, FundingSource.Drawn):
        return replace(
            figures,
            drawn_idr=figures.drawn_idr + event.value_idr,
            deliveries=figures.deliveries + 1,
        )
    if isinstance(event, FundingSource.DrawReversed):
        return replace(
            figures,
            drawn_idr=figures.drawn_idr - event.value_idr,
            voided_idr=figures.voided_idr + event.value_idr,
            deliveries=figures.deliveries - 1,
        )
    return figures  # closure moves no money


def _since(since: int | None, holds: bool, position: int) -> int | None:
    """A finding's start: kept while it holds, set when it begins, cleared when it ends."""
    if not holds:
        return None
    return position if since is None else since
