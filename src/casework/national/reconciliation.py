"""The national reconciliation: every cell's own report, computed by the cell's own code over
its copy's funding ledger, as of what that cell's copy can vouch for, and summed.

So for every cell and every instant it has replicated past, the figures are that cell's
`/reconciliation` to the rupiah: the same events, the same ledger, the same query.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from casework.http.schemas.finance import ReconciliationReport, Totals
from casework.national.as_of import cell_reflected
from casework.projections import tracking
from casework.projections.reconciliation_queries import reconciliation
from casework.projections.source_filters import SourceFilter
from casework.store.database import Database

LEDGER = "funding_ledger"


@dataclass(frozen=True)
class CellReport:
    cell: str
    report: ReconciliationReport


def cell_reports(
    copies: Mapping[str, Database], as_of: datetime | None, sources: SourceFilter
) -> list[CellReport]:
    """Each cell's report, in cell-name order."""
    reports = []
    for cell in sorted(copies):
        db = copies[cell]
        processed = tracking.positions(db).get(LEDGER, 0)
        at = cell_reflected(db, processed, as_of)
        reports.append(CellReport(cell, reconciliation(db, at, sources)))
    return reports


def summed(reports: list[CellReport]) -> Totals:
    totals = [report.report.totals for report in reports]
    return Totals(
        budget_idr=sum(t.budget_idr for t in totals),
        received_idr=sum(t.received_idr for t in totals),
        drawn_idr=sum(t.drawn_idr for t in totals),
        voided_idr=sum(t.voided_idr for t in totals),
        balance_idr=sum(t.balance_idr for t in totals),
    )
