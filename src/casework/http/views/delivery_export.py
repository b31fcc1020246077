"""Delivery lines as files (`/reconciliation/deliveries?format=csv|xlsx`): every line the
filters keep, not a page, without personal data, as finance files them with its books.

The CSV's columns are the JSON line's fields. The workbook's lines sheet puts the source's
code and name after its id, amounts as numbers formatted `#,##0`, a totals row of the values;
its about sheet says which position the lines reflect and which filters were applied.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any, ClassVar
from uuid import UUID

import xlsxwriter
from xlsxwriter.utility import xl_col_to_name

from casework.http.schemas.finance import DeliveryLine
from casework.http.views.export_files import XLSX, set_widths, text_cell
from casework.http.views.reconciliation_export import ExportOperation, write_row
from casework.projections.delivery_lines import DeliveryFilter

LINE_COLUMNS = tuple(DeliveryLine.__struct_fields__)
_SHEET_COLUMNS = (*LINE_COLUMNS[:3], "code", "name", *LINE_COLUMNS[3:])


def lines_csv(lines: list[DeliveryLine]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(LINE_COLUMNS)
    for line in lines:
        writer.writerow([text_cell(getattr(line, column)) for column in LINE_COLUMNS])
    return out.getvalue().encode()


def lines_xlsx(
    lines: list[DeliveryLine],
    names: dict[UUID, tuple[str, str]],
    position: int,
    only: DeliveryFilter,
) -> bytes:
    """The workbook; `names` gives each source's (code, name)."""
    rows = [_sheet_row(line, names.get(line.funding_source_id, ("", ""))) for line in lines]
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
    amounts = workbook.add_format({"num_format": "#,##0"})
    bold = workbook.add_format({"bold": True})
    bold_amounts = workbook.add_format({"bold": True, "num_format": "#,##0"})
    sheet = workbook.add_worksheet("deliveries")
    set_widths(sheet, _SHEET_COLUMNS, rows)
    sheet.write_row(0, 0, _SHEET_COLUMNS, bold)
    for number, row in enumerate(rows, start=1):
        write_row(sheet, number, _SHEET_COLUMNS, row, amounts)
    value = _SHEET_COLUMNS.index("value_idr")
    total_row = len(rows) + 1
    sheet.write_string(total_row, 0, "total", bold)
    column = xl_col_to_name(value)
    formula = f"=SUM({column}2:{column}{total_row})" if rows else "=0"
    sheet.write_formula(total_row, value, formula, bold_amounts, sum(r[value] for r in rows))
    about = workbook.add_worksheet("about")
    about.set_column(0, 0, 18)
    about.set_column(1, 1, 40)
    about.write_row(0, 0, ("position", position))
    for number, name in enumerate(("funding_source_id", "period", "program"), start=1):
        asked = getattr(only, name)
        about.write_row(number, 0, (name, "" if asked is None else str(asked)))
    workbook.close()
    return out.getvalue()


def _sheet_row(line: DeliveryLine, code_and_name: tuple[str, str]) -> list[Any]:
    cells = [text_cell(getattr(line, column)) for column in LINE_COLUMNS]
    return [*cells[:3], *(text_cell(v) for v in code_and_name), *cells[3:]]


@dataclass
class DeliveriesExportOperation(ExportOperation):
    """The lines' OpenAPI operation: its 200 also comes as CSV or as an Excel workbook."""

    FILES: ClassVar = (
        ("text/csv", "Every line the filters keep (no paging), the line's fields as columns"),
        (XLSX, "A deliveries sheet naming each source, with a totals row, and an about sheet"),
    )
