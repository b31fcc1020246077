"""Reading back the workbooks the API hands out."""

from __future__ import annotations

from typing import Any


def column_widths(sheet: Any) -> dict[int, float]:
    """Each column's width (1-based); a writer may give a run of equal columns as one range."""
    widths: dict[int, float] = {}
    for dimension in sheet.column_dimensions.values():
        for index in range(dimension.min, dimension.max + 1):
            widths[index] = dimension.width
    return widths
