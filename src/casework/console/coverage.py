"""The coverage page and its downloads: counts per village only (no names, no NIKs, no due
list), from the API's own steps and query.

`report_for` takes the steps of `GET /coverage` (the coverage read model's position, the
period opened on first ask, the same query and report), so the page shows the API's figures;
downloads call the API's CSV and workbook writers on that report.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Template
from markupsafe import Markup

from casework.console import filters
from casework.console.charts import Bar, bar_chart
from casework.console.i18n import translator
from casework.console.reader import FINANCE_PAGES, Reader
from casework.console.rendering import page
from casework.coverage.opening import open_periods
from casework.coverage.projection import NAME as COVERAGE
from casework.coverage.queries import figures_now
from casework.errors import NotFound
from casework.http.controllers.coverage import coverage_file, coverage_report
from casework.http.read_models import read_model_position
from casework.http.schemas.coverage import CoverageArea, CoverageReport
from casework.projections.reflected import reflected
from casework.service import Casework
from casework.vocabulary import PROGRAMS


def report_for(casework: Casework, program: str, period: str, area: str | None) -> CoverageReport:
    """What `GET /coverage` answers for these filters (now, without `min_position`)."""
    processed = read_model_position(casework, COVERAGE, None)
    open_periods(casework.db, program, period)
    at = reflected(casework.db, processed, None)
    villages = figures_now(casework.db, program, period, area)
    return coverage_report(program, period, at.as_of, at.position, villages)


@dataclass(frozen=True)
class Asked:
    program: str
    period: str
    area: str | None
    problems: filters.Problems


def asked(reader: Reader, program: str | None, period: str | None, area: str | None) -> Asked:
    problems = filters.Problems()
    chosen = filters.blank(program) or PROGRAMS[0]
    if chosen not in PROGRAMS:
        problems.add("program", f"one of {', '.join(PROGRAMS)}; got {chosen!r}")
    # First opened: this month in the deployment's time zone.
    month = filters.period(period, problems) or datetime.now(reader.zone).strftime("%Y-%m")
    return Asked(chosen, month, filters.area(area, problems), problems)


def village_chart(area: CoverageArea, t: Callable[[str], str]) -> Markup:
    bars = [
        Bar(t("eligible"), area.eligible, "budget", str(area.eligible)),
        Bar(t("served"), area.served, "drawn", str(area.served)),
    ]
    return bar_chart(bars, title=f"{t('served')} / {t('eligible')} {area.area_name}")


class CoveragePages(Controller):
    path = "/coverage"
    opt = {"console_roles": FINANCE_PAGES}  # noqa: RUF012 (litestar reads it as a class field)

    @get("/", sync_to_thread=True)
    def report(
        self,
        request: Request[Any, Any, Any],
        reader: Reader,
        casework: Casework,
        program: str | None = None,
        period: str | None = None,
        area: str | None = None,
    ) -> Template:
        filters_asked = asked(reader, program, period, area)
        problems = filters_asked.problems
        report = (
            None
            if problems
            else report_for(
                casework, filters_asked.program, filters_asked.period, filters_asked.area
            )
        )
        t = translator(reader.language)
        return page(
            request,
            reader,
            "coverage.html",
            section="coverage",
            report=report,
            asked=filters_asked,
            problems=problems,
            programs=PROGRAMS,
            area_text=area or "",
            charts={a.area_code: village_chart(a, t) for a in report.areas} if report else {},
            download_query=request.url.query,
        )

    # One path with the format in it (litestar wraps a sync handler on two paths twice).
    @get("/download/{chosen:str}", sync_to_thread=True)
    def download(
        self,
        chosen: str,
        reader: Reader,
        casework: Casework,
        program: str | None = None,
        period: str | None = None,
        area: str | None = None,
    ) -> Response[Any]:
        """The API's CSV or workbook of the report the page shows."""
        if chosen not in ("csv", "xlsx"):
            raise NotFound(f"no download as {chosen!r}: csv or xlsx")
        filters_asked = asked(reader, program, period, area)
        if filters_asked.problems:
            detail = "; ".join(f"{f}: {m}" for f, m in filters_asked.problems.items)
            return Response(detail.encode(), status_code=422, media_type="text/plain")
        report = report_for(
            casework, filters_asked.program, filters_asked.period, filters_asked.area
        )
        return coverage_file(report, chosen)
