"""The national reconciliation as files, as `/reconciliation`'s are, with each source's cell:
CSV (one row per source, no totals row, so any column sums cleanly) and an Excel workbook
(sources with a totals row, the per-cell totals, and what each cell's figures are as of)."""

from __future__ import annotations

import csv
import io

import xlsxwriter

from casework.http.schemas.finance import SOURCE_COLUMNS
from casework.http.views.export_files import set_widths, text_cell
from casework.national.api_schemas import NationalReconciliation

COLUMNS = ("cell", *SOURCE_COLUMNS)
_BY_CELL = ("cell", "budget_idr", "received_idr", "drawn_idr", "voided_idr", "balance_idr")


def national_csv(report: NationalReconciliation) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for source in report.sources:
        writer.writerow([text_cell(getattr(source, column)) for column in COLUMNS])
    return out.getvalue().encode()


def national_xlsx(report: NationalReconciliation) -> bytes:
    out = io.BytesIO()
    workbook = xlsxwriter.Workbook(out, {"constant_memory": True})
    amounts = workbook.add_format({"num_format": "#,##0"})
    bold = workbook.add_format({"bold": True})
    for name, columns, rows in (
        ("sources", COLUMNS, report.sources),
        ("by cell", _BY_CELL, report.by_cell),
    ):
        sheet = workbook.add_worksheet(name)
        set_widths(sheet, columns, [[getattr(row, field) for field in columns] for row in rows])
        sheet.write_row(0, 0, columns, bold)
        for number, row in enumerate(rows, start=1):
            for column, field in enumerate(columns):
                value = getattr(row, field)
                if isinstance(value, int):
                    sheet.write_number(number, column, value, amounts)
                else:
                    sheet.write_string(number, column, str(value))  # never read as a formula
        sheet.write_string(len(rows) + 1, 0, "total", bold)
        for column, field in enumerate(columns):
            if field.endswith("_idr") or field == "deliveries":
                total = sum(int(getattr(row, field)) for row in rows)
                sheet.write_number(len(rows) + 1, column, total, amounts)
    about = workbook.add_worksheet("about")
    about.write_row(0, 0, ("cell", "as_of", "position"), bold)
    for number, (cell, instant) in enumerate(sorted(report.as_of_by_cell.items()), start=1):
        about.write_row(number, 0, (cell, instant.isoformat() if instant else ""))
        about.write_number(number, 2, report.positions.get(cell, 0))
    workbook.close()
    return out.getvalue()
