"""Reconciliation for finance staff and auditors: read models built by the projections."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from litestar import Controller, Request, Response

from casework.http.cursors import position_after
from casework.http.policy import FINANCE_READERS, authorize
from casework.http.queries import FiscalYear, Limit, MinPosition
from casework.http.read_models import read_model_position
from casework.http.resources import json_response
from casework.http.routes import query
from casework.http.schemas.finance import (
    DeliveryPage,
    FindingPage,
    ReconciliationReport,
)
from casework.http.source_params import AsOf, Period, Program, instant, source_filter
from casework.http.views.delivery_export import (
    DeliveriesExportOperation,
    lines_csv,
    lines_xlsx,
)
from casework.http.views.export_files import CSV, XLSX, attachment, file_name
from casework.http.views.reconciliation_export import (
    ExportOperation,
    report_csv,
    report_xlsx,
)
from casework.http.views.source_names import source_names
from casework.projections.delivery_lines import (
    DeliveryFilter,
    delivery_lines,
    every_delivery_line,
)
from casework.projections.ledger_findings import findings
from casework.projections.reconciliation_queries import reconciliation
from casework.projections.reflected import reflected
from casework.service import Casework
from casework.vocabulary import FundingKind

LEDGER = "funding_ledger"
RECIPIENTS = "recipients"
Format = Literal["json", "csv", "xlsx"]


class ReconciliationController(Controller):
    path = "/reconciliation"
    guards = (authorize,)
    tags = ("reconciliation",)

    @query("/", roles=FINANCE_READERS, operation_class=ExportOperation)
    def report(
        self,
        request: Request[Any, Any, Any],
        casework: Casework,
        fiscal_year: FiscalYear = None,
        kind: FundingKind | None = None,
        area: str | None = None,
        as_of: AsOf = None,
        format: Format | None = None,
        min_position: MinPosition = None,
    ) -> Response[ReconciliationReport]:
        """Per funding source: budget, received, drawn net of voids, voided, balance, and per
        programme and period; as of now or of an instant. Also as CSV or an Excel workbook."""
        sources = source_filter(fiscal_year, kind, area)
        processed = read_model_position(casework, LEDGER, min_position)
        at = reflected(casework.db, processed, instant(as_of))
        report = reconciliation(casework.db, at, sources)
        chosen = format or _negotiated(request)
        if chosen == "json":
            return json_response(report)
        return reconciliation_file(casework, report, fiscal_year, chosen)

    @query("/deliveries", roles=FINANCE_READERS, operation_class=DeliveriesExportOperation)
    def deliveries(
        self,
        request: Request[Any, Any, Any],
        casework: Casework,
        funding_source_id: UUID | None = None,
        period: Period = None,
        program: Program = None,
        format: Format | None = None,
        min_position: MinPosition = None,
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Response[DeliveryPage]:
        """Delivery line items in position order, without personal data. With `Accept:
        text/csv`, `?format=csv` or `?format=xlsx`: every line the filters keep, as a file."""
        after = position_after(cursor)
        position = read_model_position(casework, LEDGER, min_position)
        only = DeliveryFilter(funding_source_id, period, program)
        chosen = format or _negotiated(request)
        if chosen == "json":
            items, next_cursor = delivery_lines(
                casework.db, position, only, after=after, limit=limit
            )
            return json_response(DeliveryPage(items, next_cursor, position))
        return deliveries_file(casework, position, only, chosen)

    @query("/discrepancies", roles=FINANCE_READERS)
    def discrepancies(
        self,
        casework: Casework,
        as_of: AsOf = None,
        min_position: MinPosition = None,
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Response[FindingPage]:
        """Findings in position order: drawn beyond receipts, received beyond the budget, and
        one person given a programme twice in a period through two families."""
        # Findings come from two read models: answer at the position both have reached.
        processed = min(
            read_model_position(casework, LEDGER, min_position),
            read_model_position(casework, RECIPIENTS, min_position),
        )
        at = reflected(casework.db, processed, instant(as_of))
        items, next_cursor = findings(casework.db, at.position, cursor=cursor, limit=limit)
        return json_response(FindingPage(items, next_cursor, at.position))


def reconciliation_file(
    casework: Casework, report: ReconciliationReport, fiscal_year: int | None, chosen: str
) -> Response[Any]:
    """The report as a CSV or an Excel workbook (the console's downloads call this too)."""
    name = file_name("reconciliation", fiscal_year, report.position, chosen)
    if chosen == "csv":
        return attachment(report_csv(report), CSV, name)
    names = source_names(casework, (s.funding_source_id for s in report.sources))
    return attachment(report_xlsx(report, names), XLSX, name)


def deliveries_file(
    casework: Casework, position: int, only: DeliveryFilter, chosen: str
) -> Response[Any]:
    """Every delivery line the filters keep, as CSV or a workbook (the console's too)."""
    lines = every_delivery_line(casework.db, position, only)
    name = file_name("deliveries", only.period, position, chosen)
    if chosen == "csv":
        return attachment(lines_csv(lines), CSV, name)
    names = source_names(casework, {line.funding_source_id for line in lines})
    return attachment(lines_xlsx(lines, names, position, only), XLSX, name)


def _negotiated(request: Request[Any, Any, Any]) -> Format:
    best = request.accept.best_match(["application/json", "text/csv", XLSX], "application/json")
    return "csv" if best == "text/csv" else "xlsx" if best == XLSX else "json"
