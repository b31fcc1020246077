"""What every file the API hands out shares: its name, its media type, readable cells.

A file is named `<what>-<fiscal year or period>-at-<position>.<ext>`
(`reconciliation-2025-at-1234.xlsx`, `deliveries-2025-08-at-1234.csv`; `all` when no year or
period was asked), so a name never reads like a year, and two files of the same figures have
the same name.
"""

from __future__ import annotations

from typing import Any

from litestar import Response

# Litestar adds `; charset=utf-8` to every text/* media type it is given: naming it here too
# answered `text/csv; charset=utf-8; charset=utf-8`.
CSV = "text/csv"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Column widths in characters: enough for a UUID, never a sheet a screen wide.
_MIN_WIDTH, _MAX_WIDTH = 8, 60


def file_name(what: str, scope: object | None, position: int, extension: str) -> str:
    return f"{what}-{scope if scope is not None else 'all'}-at-{position}.{extension}"


def attachment(body: bytes, media_type: str, name: str) -> Response[Any]:
    """The file as a download; typed as the route's JSON answer (its schema says both)."""
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(body, media_type=media_type, headers=headers)


def text_cell(value: Any) -> Any:
    """A cell as written: integers as they are, everything else as text that a spreadsheet
    will not run. A cell that starts like a formula (a code typed as "=HYPERLINK(...)") gets
    a leading apostrophe that keeps it text."""
    if isinstance(value, int):
        return value
    text = "" if value is None else str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@") else text


def column_widths(columns: tuple[str, ...], rows: list[list[Any]]) -> list[int]:
    """Each column as wide as its longest cell or heading (amounts with their separators)."""
    widths = []
    for index, name in enumerate(columns):
        longest = max((_shown_length(row[index]) for row in rows), default=0)
        widths.append(min(_MAX_WIDTH, max(_MIN_WIDTH, len(name), longest) + 2))
    return widths


def _shown_length(value: Any) -> int:
    if isinstance(value, int):
        return len(f"{value:,}")
    return len(str(value))


def set_widths(sheet: Any, columns: tuple[str, ...], rows: list[list[Any]]) -> None:
    for index, width in enumerate(column_widths(columns, rows)):
        sheet.set_column(index, index, width)
