"""Bodies of the reconciliation endpoints: every figure an integer number of rupiah."""

from __future__ import annotations

import msgspec

from casework.projections.read_rows import DeliveryLine as DeliveryLine
from casework.projections.read_rows import Finding as Finding
from casework.projections.read_rows import ProgramFigures as ProgramFigures
from casework.projections.read_rows import ReconciliationReport as ReconciliationReport
from casework.projections.read_rows import SourceFigures as SourceFigures
from casework.projections.read_rows import Totals as Totals

# The columns of the CSV export and of the sources sheet: the scalar fields, in order.
SOURCE_COLUMNS = tuple(f for f in SourceFigures.__struct_fields__ if f != "by_program")


class DeliveryPage(msgspec.Struct):
    items: list[DeliveryLine]
    next_cursor: str | None
    position: int  # the read model's position


class FindingPage(msgspec.Struct):
    items: list[Finding]
    next_cursor: str | None
    position: int
