"""Reconciliation for finance staff's own books: CSV and an Excel workbook.

The CSV has one row per source and no totals row, so any column sums cleanly. The workbook
has a sources sheet (amounts as numbers formatted `#,##0`, a totals row), a by-programme sheet
and an about sheet saying which instant and position the figures reflect. Its sheets name
each source (`name` beside `code`, after its id), and each column is as wide as its content.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, ClassVar
from uuid import UUID

import xlsxwriter
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from xlsxwriter.utility import xl_col_to_name

from casework.http.schemas.finance import SOURCE_COLUMNS, ReconciliationReport
from casework.http.views.export_files import XLSX, set_widths, text_cell

# The sources sheet: the CSV's columns with the source's name after its code.
_SHEET_COLUMNS = (*SOURCE_COLUMNS[:2], "name", *SOURCE_COLUMNS[2:])
_PROGRAMME_COLUMNS = (
    "funding_source_id",
    "code",
    "name",
    "program",
    "period",
    "deliveries",
    "value_idr",
)
TEXT_COLUMNS = frozenset(
    {"funding_source_id", "code", "name", "kind", "program", "period", "delivery_id",
     "family_id", "area_code", "delivered_on", "status"}
)  # fmt: skip


def report_csv(report: ReconciliationReport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(SOURCE_COLUMNS)
    for source in report.sources:
        writer.writerow([_cell(getattr(source, column)) for column in SOURCE_COLUMNS])
    return out.getvalue().encode()


def report_xlsx(report: ReconciliationReport, names: dict[UUID, tuple[str, str]]) -> bytes:
    """The workbook; `names` gives each source's (code, name)."""
    out = io.BytesIO()
    # constant_memory: rows go to disk as written, so a long report never sits in memory.
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
    amounts = workbook.add_format({"num_format": "#,##0"})
    bold = workbook.add_format({"bold": True})
    bold_amounts = workbook.add_format({"bold": True, "num_format": "#,##0"})

    def name_of(source_id: UUID) -> Any:
        return text_cell(names.get(source_id, ("", ""))[1])

    sources = [
        [*(_cell(getattr(s, c)) for c in SOURCE_COLUMNS[:2]), name_of(s.funding_source_id)]
        + [_cell(getattr(s, c)) for c in SOURCE_COLUMNS[2:]]
        for s in report.sources
    ]
    programmes = [
        [
            str(s.funding_source_id),
            _cell(s.code),
            name_of(s.funding_source_id),
            *(p.program, p.period, p.deliveries, p.value_idr),
        ]
        for s in report.sources
        for p in s.by_program
    ]
    for name, columns, rows in (
        ("sources", _SHEET_COLUMNS, sources),
        ("by programme", _PROGRAMME_COLUMNS, programmes),
    ):
        sheet = workbook.add_worksheet(name)
        set_widths(sheet, columns, rows)
        sheet.write_row(0, 0, columns, bold)
        for number, row in enumerate(rows, start=1):
            write_row(sheet, number, columns, row, amounts)
        _write_totals(sheet, len(rows) + 1, columns, rows, bold, bold_amounts)
    about = workbook.add_worksheet("about")
    about.set_column(0, 0, 12)
    about.set_column(1, 1, 34)
    about.write_row(0, 0, ("as_of", report.as_of.isoformat() if report.as_of else ""))
    about.write_row(1, 0, ("position", report.position))
    workbook.close()
    return out.getvalue()


_cell = text_cell


def write_row(sheet: Any, number: int, columns: tuple[str, ...], row: list[Any], fmt: Any) -> None:
    for column, (name, value) in enumerate(zip(columns, row, strict=True)):
        if name in TEXT_COLUMNS:
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
        if name in TEXT_COLUMNS or name == "fiscal_year":
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

    FILES: ClassVar = (
        ("text/csv", "One row per funding source, the scalar fields as columns"),
        (XLSX, "A sources sheet with a totals row, and a by-programme sheet"),
    )

    def __post_init__(self) -> None:
        answer = (self.responses or {}).get("200")
        if isinstance(answer, OpenAPIResponse) and answer.content is not None:
            for media_type, description in self.FILES:
                answer.content[media_type] = OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, description=description)
                )
