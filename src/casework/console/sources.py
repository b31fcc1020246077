"""One funding source: its receipts, budget revisions and closure, and its draws by month.

The source itself is read from its aggregate (as `GET /funding-sources/{id}` does), its
receipts by the query of `GET /funding-sources/{id}/receipts`. Revisions and the closure are
its own events too, read through the application service; the audit trail (a read model) says
which versions they are, so a source with a hundred thousand draws is not read whole to find
its two revisions. Draws by month are the reconciliation report's `by_program` rows for it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.response import Template

from casework.aggregates.funding_source import FundingSource
from casework.console.charts import column_chart
from casework.console.i18n import translator
from casework.console.reader import FINANCE_PAGES, Reader
from casework.console.reconciliation import by_key, report_for
from casework.console.rendering import page
from casework.http.views.source_receipts import receipts_page
from casework.projections.audit_queries import TrailFilter, read_trail
from casework.projections.source_filters import SourceFilter
from casework.service import Casework

# A source's budget revisions and its closure, by their audit-trail type.
REVISION, CLOSURE = "FundingSourceBudgetRevised", "FundingSourceClosed"
MOST_EVENTS = 500


@dataclass(frozen=True)
class SourceEvent:
    type: str
    version: int
    position: int
    recorded_at: datetime
    actor: str
    amount_idr: int | None = None  # the new budget of a revision
    reason: str = ""


def source_events(casework: Casework, source_id: UUID, event_type: str) -> list[SourceEvent]:
    entries = read_trail(
        casework.db,
        TrailFilter(aggregate_ids=(source_id,), event_type=event_type),
        limit=MOST_EVENTS,
    )
    found = []
    for entry in entries:
        (event,) = casework.repository.event_store.get(
            source_id, gt=entry.version - 1, lte=entry.version
        )
        found.append(
            SourceEvent(
                type=entry.type,
                version=entry.version,
                position=entry.position,
                recorded_at=entry.recorded_at,
                actor=entry.actor,
                amount_idr=getattr(event, "budget_idr", None),
                reason=getattr(event, "reason", ""),
            )
        )
    return found


def draws_by_month(casework: Casework, source: FundingSource) -> list[tuple[str, int, int]]:
    """(period, deliveries, value) of this source, from the reconciliation report."""
    report = report_for(casework, SourceFilter(fiscal_year=source.fiscal_year), None)
    return by_key([s for s in report.sources if s.funding_source_id == source.id], "period")


class SourcePages(Controller):
    path = "/sources"
    opt = {"console_roles": FINANCE_PAGES}  # noqa: RUF012 (litestar reads it as a class field)

    @get("/{source_id:uuid}", sync_to_thread=True)
    def source(
        self, request: Request[Any, Any, Any], reader: Reader, casework: Casework, source_id: UUID
    ) -> Template:
        source = casework.load(FundingSource, source_id)  # 404 page when there is none
        months = draws_by_month(casework, source)
        t = translator(reader.language)
        chart = column_chart(
            [(reader.writer.period(p)[:3], value) for p, _, value in months],
            title=t("draws_by_month"),
        )
        return page(
            request,
            reader,
            "source.html",
            section="reconciliation",
            source=source,
            receipts=receipts_page(casework, source_id, limit=MOST_EVENTS, cursor=None).items,
            changes=sorted(
                source_events(casework, source_id, REVISION)
                + source_events(casework, source_id, CLOSURE),
                key=lambda event: event.position,
            ),
            months=months,
            month_chart=chart,
        )
