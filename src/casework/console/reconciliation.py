"""The reconciliation page and its downloads, from the API's own read-model queries.

`report_for` takes the very steps of `GET /reconciliation` (the ledger's position, the instant
it reflects, the same query), so the page shows the API's figures; the by-programme and
by-month tables only add up the report's own `by_program` rows. Downloads call the API's CSV
and workbook writers on the same report.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Template
from markupsafe import Markup

from casework.console import filters
from casework.console.charts import Bar, bar_chart, column_chart
from casework.console.formatting import rupiah
from casework.console.i18n import translator
from casework.console.reader import FINANCE_PAGES, Reader
from casework.console.rendering import page
from casework.errors import NotFound
from casework.http.controllers.finance import LEDGER, reconciliation_file
from casework.http.read_models import read_model_position
from casework.http.schemas.finance import ReconciliationReport, SourceFigures
from casework.projections.reconciliation_queries import reconciliation
from casework.projections.reflected import reflected
from casework.projections.source_filters import SourceFilter
from casework.service import Casework

ALL_YEARS = "all"


def report_for(
    casework: Casework, sources: SourceFilter, as_of: datetime | None
) -> ReconciliationReport:
    """What `GET /reconciliation` answers for these filters (without `min_position`)."""
    processed = read_model_position(casework, LEDGER, None)
    at = reflected(casework.db, processed, as_of)
    return reconciliation(casework.db, at, sources)


@dataclass(frozen=True)
class Asked:
    """The page's filters as read from its query string."""

    sources: SourceFilter
    as_of: datetime | None
    year_text: str  # what the year selector shows: a year, "all", or "" before any source
    problems: filters.Problems


def asked(
    casework: Casework,
    reader: Reader,
    fiscal_year: str | None,
    kind: str | None,
    area: str | None,
    as_of: str | None,
) -> Asked:
    problems = filters.Problems()
    moment = filters.instant(as_of, reader.zone, "as_of", problems)
    year: int | None
    if fiscal_year is None:
        # First opened: the latest fiscal year that has sources, not an empty current year.
        year = latest_fiscal_year(casework, moment)
    elif fiscal_year == ALL_YEARS:
        year = None
    else:
        year = filters.fiscal_year(fiscal_year, problems)
    only = SourceFilter(year, filters.kind(kind, problems), filters.area(area, problems))
    year_text = ALL_YEARS if year is None else str(year)
    return Asked(only, moment, year_text, problems)


def latest_fiscal_year(casework: Casework, as_of: datetime | None) -> int | None:
    every = report_for(casework, SourceFilter(), as_of)
    return max((s.fiscal_year for s in every.sources), default=None)


def by_key(sources: list[SourceFigures], key: str) -> list[tuple[str, int, int]]:
    """(programme or period, deliveries, value) summed over the sources' `by_program` rows."""
    deliveries: dict[str, int] = defaultdict(int)
    values: dict[str, int] = defaultdict(int)
    for source in sources:
        for row in source.by_program:
            deliveries[getattr(row, key)] += row.deliveries
            values[getattr(row, key)] += row.value_idr
    return [(name, deliveries[name], values[name]) for name in sorted(values)]


def source_chart(source: SourceFigures, t: Callable[[str], str]) -> Markup:
    figures = [
        ("budget", source.budget_idr),
        ("received", source.received_idr),
        ("drawn", source.drawn_idr),
        ("voided", source.voided_idr),
        ("balance", source.balance_idr),
        ("unreceived", source.unreceived_idr),
    ]
    return bar_chart(
        [Bar(t(name), value, name, rupiah(value)) for name, value in figures],
        title=f"{t('chart_of')} {source.code}",
    )


class ReconciliationPages(Controller):
    path = "/reconciliation"
    opt = {"console_roles": FINANCE_PAGES}  # noqa: RUF012 (litestar reads it as a class field)

    @get("/", sync_to_thread=True)
    def report(
        self,
        request: Request[Any, Any, Any],
        reader: Reader,
        casework: Casework,
        fiscal_year: str | None = None,
        kind: str | None = None,
        area: str | None = None,
        as_of: str | None = None,
    ) -> Template:
        filters_asked = asked(casework, reader, fiscal_year, kind, area, as_of)
        problems = filters_asked.problems
        report = (
            None if problems else report_for(casework, filters_asked.sources, filters_asked.as_of)
        )
        years = sorted(
            {s.fiscal_year for s in report_for(casework, SourceFilter(), None).sources},
            reverse=True,
        )
        t = translator(reader.language)
        return page(
            request,
            reader,
            "reconciliation.html",
            section="reconciliation",
            report=report,
            asked=filters_asked,
            problems=problems,
            years=years,
            kinds=filters.KINDS,
            area_text=area or "",
            as_of_text=reader.writer.picker_value(filters_asked.as_of),
            charts={s.funding_source_id: source_chart(s, t) for s in report.sources}
            if report
            else {},
            by_program=by_key(report.sources, "program") if report else [],
            by_month=by_key(report.sources, "period") if report else [],
            month_chart=column_chart(
                [(reader.writer.period(p)[:3], v) for p, _, v in by_key(report.sources, "period")],
                title=t("by_month"),
            )
            if report
            else None,
            download_query=request.url.query,
        )

    # One path with the format in it: litestar 2.25 wraps a sync handler registered on two
    # paths twice, and every call to it then fails (DESIGN.md, known traps).
    @get("/download/{chosen:str}", sync_to_thread=True)
    def download(
        self,
        chosen: str,
        reader: Reader,
        casework: Casework,
        fiscal_year: str | None = None,
        kind: str | None = None,
        area: str | None = None,
        as_of: str | None = None,
    ) -> Response[bytes]:
        """The API's CSV or workbook of the report the page shows (its file name says which
        fiscal year and position)."""
        if chosen not in ("csv", "xlsx"):
            raise NotFound(f"no download as {chosen!r}: csv or xlsx")
        filters_asked = asked(casework, reader, fiscal_year, kind, area, as_of)
        if filters_asked.problems:
            detail = "; ".join(f"{f}: {m}" for f, m in filters_asked.problems.items)
            return Response(detail.encode(), status_code=422, media_type="text/plain")
        report = report_for(casework, filters_asked.sources, filters_asked.as_of)
        return reconciliation_file(casework, report, filters_asked.sources.fiscal_year, chosen)
