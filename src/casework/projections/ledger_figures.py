"""A funding source's running figures, and how each of its events moves them.

Pure and deterministic: the ledger stores the figures after every event, so a report as of any
position reads them instead of summing history. The rules are the aggregate's own (drawn net
of reversals, a revision sets the budget) plus the findings' bookkeeping: since which position
drawn has exceeded receipts, and receipts the budget.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from casework.aggregates.funding_source import FundingSource

ENTRY_KINDS: dict[type, str] = {
    FundingSource.Opened: "opened",
    FundingSource.BudgetRevised: "budget-revised",
    FundingSource.FundsReceived: "received",
    FundingSource.Drawn: "drawn",
    FundingSource.DrawReversed: "reversed",
    FundingSource.Closed: "closed",
}


class Figures(NamedTuple):
    """A tuple, not a dataclass: a rebuild of the ledger makes one per event that moves money,
    and a dataclass's `replace` (two an event) was a sixth of its time."""

    budget_idr: int = 0
    received_idr: int = 0
    drawn_idr: int = 0  # net of reversals
    voided_idr: int = 0
    deliveries: int = 0  # not reversed
    unreceived_since: int | None = None
    over_received_since: int | None = None

    def as_row(self) -> dict[str, int | None]:
        """The figures as the ledger's columns."""
        return dict(zip(FIGURE_COLUMNS, self, strict=True))

    def after(self, event: Any, position: int) -> Figures:
        budget, received, drawn, voided, deliveries = _moved(self, event)
        return Figures(
            budget,
            received,
            drawn,
            voided,
            deliveries,
            _since(self.unreceived_since, drawn > received, position),
            _since(self.over_received_since, received > budget, position),
        )


FIGURE_COLUMNS = Figures._fields


def entry_amount(event: Any) -> int:
    """The money an entry moves or sets: budget, receipt, value drawn or returned."""
    for field in ("budget_idr", "amount_idr", "value_idr"):
        if hasattr(event, field):
            return int(getattr(event, field))
    return 0


Money = tuple[int, int, int, int, int]  # budget, received, drawn, voided, deliveries


def _moved(figures: Figures, event: Any) -> Money:
    budget, received, drawn, voided, deliveries = figures[:5]
    if isinstance(event, FundingSource.Drawn):
        return budget, received, drawn + event.value_idr, voided, deliveries + 1
    if isinstance(event, FundingSource.DrawReversed):
        value = event.value_idr
        return budget, received, drawn - value, voided + value, deliveries - 1
    if isinstance(event, FundingSource.Opened | FundingSource.BudgetRevised):
        return event.budget_idr, received, drawn, voided, deliveries
    if isinstance(event, FundingSource.FundsReceived):
        return budget, received + event.amount_idr, drawn, voided, deliveries
    return budget, received, drawn, voided, deliveries  # closure moves no money


def _since(since: int | None, holds: bool, position: int) -> int | None:
    """A finding's start: kept while it holds, set when it begins, cleared when it ends."""
    if not holds:
        return None
    return position if since is None else since
