"""Coverage of programme targets: figures per village (finance, auditor, admin, caseworker for
its areas) and the due list, the units not yet served (caseworker in its areas, admin).

A period not yet opened is opened on the first ask (its verdicts computed and kept); as of an
earlier instant, the verdicts in force then are counted.
"""

from __future__ import annotations

from typing import Any, Literal, cast

from litestar import Controller, Request, Response
from litestar.exceptions import PermissionDeniedException

from casework.access.users import User
from casework.coverage.opening import open_periods
from casework.coverage.projection import NAME as COVERAGE
from casework.coverage.queries import VillageFigures, due_families, figures_at, figures_now
from casework.errors import FieldProblem, InvalidValue, ValidationFailed
from casework.http.policy import authorize, covers
from casework.http.queries import Limit, MinPosition
from casework.http.read_models import read_model_position
from casework.http.resources import json_response
from casework.http.routes import query
from casework.http.schemas.coverage import (
    CoverageArea,
    CoverageReport,
    CoverageTotals,
    DueFamilyOut,
    DueMemberOut,
    DuePage,
)
from casework.http.source_params import AsOf, instant
from casework.http.views.coverage_export import (
    CoverageExportOperation,
    coverage_csv,
    coverage_xlsx,
)
from casework.http.views.export_files import CSV, XLSX, attachment, file_name
from casework.projections.reflected import reflected
from casework.service import Casework
from casework.validation.areas import area_name, normalise_area_code
from casework.validation.field_checks import PERIOD
from casework.vocabulary import ADMIN, AUDITOR, CASEWORKER, FINANCE, PROGRAMS

COVERAGE_READERS = frozenset({CASEWORKER, FINANCE, AUDITOR, ADMIN})
DUE_READERS = frozenset({CASEWORKER, ADMIN})
Format = Literal["json", "csv", "xlsx"]


class CoverageController(Controller):
    path = "/coverage"
    guards = (authorize,)
    tags = ("coverage",)

    @query("/", roles=COVERAGE_READERS, operation_class=CoverageExportOperation)
    def report(
        self,
        request: Request[User, Any, Any],
        casework: Casework,
        program: str | None = None,
        period: str | None = None,
        area: str | None = None,
        as_of: AsOf = None,
        format: Format | None = None,
        min_position: MinPosition = None,
    ) -> Response[CoverageReport]:
        """Per village under `area`: eligible units, served, not served, deliveries serving
        no eligible unit, and the value of the deliveries counted as served."""
        program, period, asked = _asked(request.user, program, period, area)
        processed = read_model_position(casework, COVERAGE, min_position)
        at_instant = instant(as_of)
        if at_instant is None:
            open_periods(casework.db, program, period)
        at = reflected(casework.db, processed, at_instant)
        villages = (
            figures_now(casework.db, program, period, asked)
            if at_instant is None
            else figures_at(casework.db, program, period, asked, at.position)
        )
        report = coverage_report(program, period, at.as_of, at.position, villages)
        chosen = format or _negotiated(request)
        if chosen == "json":
            return json_response(report)
        export = coverage_file(report, chosen)
        return cast(Response[CoverageReport], export)  # its schema: CoverageExportOperation

    @query("/due", roles=DUE_READERS)
    def due(
        self,
        request: Request[User, Any, Any],
        casework: Casework,
        program: str | None = None,
        period: str | None = None,
        area: str | None = None,
        min_position: MinPosition = None,
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Response[DuePage]:
        """The eligible units not yet served, by village and KK number: a kader's list for
        the next distribution."""
        program, period, asked = _asked(request.user, program, period, area)
        position = read_model_position(casework, COVERAGE, min_position)
        open_periods(casework.db, program, period)
        families, next_cursor = due_families(
            casework.db, program, period, asked, cursor=cursor, limit=limit
        )
        items = [
            DueFamilyOut(
                f.family_id,
                f.kk_number,
                f.area_code,
                f.head_name,
                [DueMemberOut(m.nik, m.name) for m in f.members_due],
            )
            for f in families
        ]
        return json_response(DuePage(items, next_cursor, position))


def _asked(
    user: User, program: str | None, period: str | None, area: str | None
) -> tuple[str, str, str | None]:
    """The checked query (422 naming each bad or missing field, all at once, rather than the
    framework's 400 for the first one missing), then the caller's areas (403)."""
    normalised = checked_query(program or "", period or "", area)
    if user.role == CASEWORKER and (normalised is None or not covers(user, normalised)):
        raise PermissionDeniedException("the area is outside your areas; name one of yours")
    return program or "", period or "", normalised


def checked_query(program: str, period: str, area: str | None) -> str | None:
    """The area asked, normalised; 422 naming each bad field with the values it takes
    (also the national side's and the console's check)."""
    problems = []
    if program not in PROGRAMS:
        given = "is required" if not program else "is not a programme"
        problems.append(FieldProblem("program", f"{given}: one of {', '.join(PROGRAMS)}"))
    if PERIOD.match(period) is None:
        given = "is required" if not period else "must be a month"
        problems.append(FieldProblem("period", f"{given}: a month YYYY-MM, such as 2026-12"))
    normalised = None
    if area is not None:
        try:
            normalised = normalise_area_code(area)
        except InvalidValue as error:
            problems.append(FieldProblem("area", str(error)))
    if problems:
        raise ValidationFailed(problems)
    return normalised


def coverage_report(
    program: str, period: str, as_of: Any, position: int, villages: list[VillageFigures]
) -> CoverageReport:
    areas = [
        CoverageArea(
            v.area_code,
            area_name(v.area_code),
            v.eligible,
            v.served,
            v.not_served,
            v.served_not_eligible,
            v.value_idr,
        )
        for v in villages
    ]
    totals = CoverageTotals(
        sum(a.eligible for a in areas),
        sum(a.served for a in areas),
        sum(a.not_served for a in areas),
        sum(a.served_not_eligible for a in areas),
        sum(a.value_idr for a in areas),
    )
    return CoverageReport(program, period, as_of, position, areas, totals)


def coverage_file(report: CoverageReport, chosen: str) -> Response[Any]:
    """The report as CSV or an Excel workbook (the console's downloads call this too)."""
    body, media_type = (
        (coverage_csv(report), CSV) if chosen == "csv" else (coverage_xlsx(report), XLSX)
    )
    name = file_name(f"coverage-{report.program}", report.period, report.position, chosen)
    return attachment(body, media_type, name)


def _negotiated(request: Request[Any, Any, Any]) -> Format:
    best = request.accept.best_match(["application/json", "text/csv", XLSX], "application/json")
    return "csv" if best == "text/csv" else "xlsx" if best == XLSX else "json"
