"""Coverage as files: CSV (one row per village, no totals row, so any column sums) and an
Excel workbook (a coverage sheet with a totals row, and an about sheet)."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import xlsxwriter
from litestar.openapi.spec import OpenAPIMediaType, OpenAPIResponse, Operation, Schema
from litestar.openapi.spec.enums import OpenAPIType
from xlsxwriter.utility import xl_col_to_name

from casework.http.schemas.coverage import FIGURE_COLUMNS, CoverageReport
from casework.http.views.export_files import XLSX, set_widths, text_cell

_TEXT = frozenset({"area_code", "area_name"})


def coverage_rows(report: CoverageReport) -> list[list[str | int]]:
    return [[getattr(area, column) for column in FIGURE_COLUMNS] for area in report.areas]


def coverage_csv(report: CoverageReport) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(FIGURE_COLUMNS)
    writer.writerows([[text_cell(value) for value in row] for row in coverage_rows(report)])
    return out.getvalue().encode()


def coverage_xlsx(report: CoverageReport) -> bytes:
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
    bold = workbook.add_format({"bold": True})
    amounts = workbook.add_format({"num_format": "#,##0"})
    bold_amounts = workbook.add_format({"bold": True, "num_format": "#,##0"})
    sheet = workbook.add_worksheet("coverage")
    rows = coverage_rows(report)
    set_widths(sheet, FIGURE_COLUMNS, rows)
    sheet.write_row(0, 0, FIGURE_COLUMNS, bold)
    for number, row in enumerate(rows, start=1):
        for column, (name, value) in enumerate(zip(FIGURE_COLUMNS, row, strict=True)):
            if name in _TEXT:
                sheet.write_string(number, column, str(value))
            else:
                sheet.write_number(number, column, value, amounts)
    total_row = len(rows) + 1
    sheet.write_string(total_row, 0, "total", bold)
    for column, name in enumerate(FIGURE_COLUMNS):
        if name in _TEXT:
            continue
        letter = xl_col_to_name(column)
        formula = f"=SUM({letter}2:{letter}{total_row})" if rows else "=0"
        value = getattr(report.totals, name)
        sheet.write_formula(total_row, column, formula, bold_amounts, value)
    about = workbook.add_worksheet("about")
    about.set_column(0, 1, 28)
    about.write_row(0, 0, ("program", report.program))
    about.write_row(1, 0, ("period", report.period))
    about.write_row(2, 0, ("as_of", report.as_of.isoformat() if report.as_of else ""))
    about.write_row(3, 0, ("position", report.position))
    workbook.close()
    return out.getvalue()


@dataclass
class CoverageExportOperation(Operation):
    """Coverage's OpenAPI operation: its 200 also comes as CSV or as an Excel workbook."""

    def __post_init__(self) -> None:
        answer = (self.responses or {}).get("200")
        if isinstance(answer, OpenAPIResponse) and answer.content is not None:
            for media_type, description in (
                ("text/csv", "One row per village, the figures as columns"),
                (XLSX, "A coverage sheet with a totals row, and an about sheet"),
            ):
                answer.content[media_type] = OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, description=description)
                )
