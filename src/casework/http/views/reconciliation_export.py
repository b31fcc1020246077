"""Reconciliation for finance staff's own books: CSV and an Excel workbook.

The CSV has one row per source and no totals row, so any column sums cleanly. The workbook
has a sources sheet (amounts as numbers formatted `#,##0`, a totals row), a by-programme sheet
and an about sheet saying which instant and position the figures reflect.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import xlsxwriter
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from xlsxwriter.utility import xl_col_to_name

from casework.http.schemas.finance import SOURCE_COLUMNS, ReconciliationReport

CSV = "text/csv; charset=utf-8"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_PROGRAMME_COLUMNS = ("funding_source_id", "code", "program", "period", "deliveries", "value_idr")
_TEXT_COLUMNS = frozenset({"funding_source_id", "code", "kind", "program", "period"})


def report_csv(report: ReconciliationReport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SOURCE_COLUMNS)
    for source in report.sources:
        writer.writerow([_cell(getattr(source, column)) for column in SOURCE_COLUMNS])
    return out.getvalue().encode()


def report_xlsx(report: ReconciliationReport) -> bytes:
    out = io.BytesIO()
    # constant_memory: rows go to disk as written, so a long report never sits in memory.
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
    amounts = workbook.add_format({"num_format": "#,##0"})
    bold = workbook.add_format({"bold": True})
    bold_amounts = workbook.add_format({"bold": True, "num_format": "#,##0"})
    sources = [[_cell(getattr(s, c)) for c in SOURCE_COLUMNS] for s in report.sources]
    programmes = [
        [str(s.funding_source_id), s.code, p.program, p.period, p.deliveries, p.value_idr]
        for s in report.sources
        for p in s.by_program
    ]
    for name, columns, rows in (
        ("sources", SOURCE_COLUMNS, sources),
        ("by programme", _PROGRAMME_COLUMNS, programmes),
    ):
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, columns, bold)
        for number, row in enumerate(rows, start=1):
            _write_row(sheet, number, columns, row, amounts)
        _write_totals(sheet, len(rows) + 1, columns, rows, bold, bold_amounts)
    about = workbook.add_worksheet("about")
    about.write_row(0, 0, ("as_of", report.as_of.isoformat() if report.as_of else ""))
    about.write_row(1, 0, ("position", report.position))
    workbook.close()
    return out.getvalue()


def _cell(value: Any) -> Any:
    if isinstance(value, int):
        return value
    text = str(value)
    # A spreadsheet opening the CSV would run a cell that starts like a formula (a code typed
    # as "=HYPERLINK(...)"): a leading apostrophe keeps it text.
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def _write_row(sheet: Any, number: int, columns: tuple[str, ...], row: list[Any], fmt: Any) -> None:
    for column, (name, value) in enumerate(zip(columns, row, strict=True)):
        if name in _TEXT_COLUMNS:
            sheet.write_string(number, column, str(value))  # never read as a formula
        else:
            sheet.write_number(number, column, value, fmt if _is_amount(name) else None)


def _write_totals(
    sheet: Any,
    number: int,
    columns: tuple[str, ...],
    rows: list[list[Any]],
    label_format: Any,
    amount_format: Any,
) -> None:
    """A totals row of formulas (Excel recomputes them), each with its value already in."""
    sheet.write_string(number, 0, "total", label_format)
    for column, name in enumerate(columns):
        if name in _TEXT_COLUMNS or name == "fiscal_year":
            continue
        letter = xl_col_to_name(column)
        total = sum(row[column] for row in rows)
        formula = f"=SUM({letter}2:{letter}{number})" if rows else "=0"
        sheet.write_formula(number, column, formula, amount_format, total)


def _is_amount(name: str) -> bool:
    return name.endswith("_idr") or name == "deliveries"


@dataclass
class ExportOperation(Operation):
    """The report's OpenAPI operation: its 200 also comes as CSV or as an Excel workbook."""

    def __post_init__(self) -> None:
        answer = (self.responses or {}).get("200")
        if isinstance(answer, OpenAPIResponse) and answer.content is not None:
            for media_type, description in (
                ("text/csv", "One row per funding source, the scalar fields as columns"),
                (XLSX, "A sources sheet with a totals row, and a by-programme sheet"),
            ):
                answer.content[media_type] = OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, description=description)
                )
