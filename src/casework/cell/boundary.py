"""The `outside-cell` rule: a cell places nothing in an area it does not serve.

A registration, a relocation, an UPPKA group, a funding source and a programme target each
name an area; in a cell (CASEWORK_CELL) that area must lie within one of CASEWORK_CELL_AREAS.
Every command that places something in an area calls `require_within_cell` once its fields
are valid, so the API, the import and the demo all refuse alike (the API after a caseworker's
403 for its own areas, which the HTTP layer answers before any command runs).
"""

from __future__ import annotations

from casework.cell.config import CellConfig
from casework.errors import FieldProblem, OutsideCell


def require_within_cell(cell: CellConfig | None, field: str, area_code: str) -> None:
    """Raise OutsideCell naming `field` when the (valid, dotted) area is not the cell's."""
    if cell is None or cell.covers(area_code):
        return
    raise OutsideCell(
        [
            FieldProblem(
                field,
                f"{area_code} lies outside cell {cell.name}, which serves {cell.areas_text}: "
                "record it in the cell that serves that area",
            )
        ]
    )
