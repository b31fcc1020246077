"""Printing a projection verification for `casework verify --projections`.

Personal columns (KK numbers, NIKs, names) are named but their values are not printed unless
asked: the output of a verification ends up in terminals, tickets and CI logs.
"""

from __future__ import annotations

import sys
from typing import TextIO

from casework.application import CaseworkStore
from casework.cli.progress import progress_printer
from casework.projections.table_rows import Value
from casework.projections.verification import (
    Difference,
    ProjectionCheck,
    ProjectionsReport,
    verify_projections,
)
from casework.settings import Settings

# nik_digest is keyed, but it links one person across families: treated as personal too.
PERSONAL_COLUMNS = frozenset({"kk_number", "nik", "name", "name_folded", "nik_digest"})


def run_projection_verification(settings: Settings) -> int:
    """Verify every read model with progress on stderr, print the report; the exit status."""
    store = CaseworkStore(settings)
    try:
        report = verify_projections(store, progress=progress_printer)
    finally:
        store.close()
    return 0 if print_projection_report(report) else 1


def print_projection_report(
    report: ProjectionsReport, *, out: TextIO | None = None, show_personal: bool = False
) -> bool:
    """Print one line per read model and every difference kept; True when all match."""
    stream = sys.stdout if out is None else out
    for check in report.projections:
        for line in _lines(check, show_personal):
            print(line, file=stream)
    if report.ok:
        print("ok: every read model equals its rebuild from the events", file=stream)
    else:
        failed = ", ".join(check.name for check in report.projections if not check.ok)
        print(f"FAILED: read models differ from their rebuild: {failed}", file=stream)
    return report.ok


def _lines(check: ProjectionCheck, show_personal: bool) -> list[str]:
    rows = sum(table.live_rows for table in check.tables)
    where = f"at position {check.position}"
    if check.ok:
        return [f"{check.name}: {rows} rows in {len(check.tables)} table(s) match, {where}"]
    lines = [f"{check.name}: DIFFERS from its rebuild {where}"]
    if check.rebuilt_position != check.position:
        lines.append(f"  the rebuild reached position {check.rebuilt_position} only")
    for table in check.tables:
        if not table.differences:
            continue
        lines.append(
            f"  {table.table}: {table.differences} row(s) differ "
            f"(live {table.live_rows} rows, rebuilt {table.rebuilt_rows})"
        )
        lines.extend(f"    {describe(difference, show_personal)}" for difference in table.shown)
        if table.differences > len(table.shown):
            lines.append(f"    … and {table.differences - len(table.shown)} more")
    return lines


def describe(difference: Difference, show_personal: bool = False) -> str:
    key = ", ".join(
        f"{name}={_shown(name, v, show_personal)}" for name, v in difference.key.items()
    )
    if difference.rebuilt is None:
        return f"({key}) only in the live table: {_row(difference.live, show_personal)}"
    if difference.live is None:
        rebuilt = _row(difference.rebuilt, show_personal)
        return f"({key}) missing from the live table; rebuilt: {rebuilt}"
    changes = [
        f"{name} live {_shown(name, difference.live[name], show_personal)} "
        f"≠ rebuilt {_shown(name, difference.rebuilt.get(name), show_personal)}"
        for name in difference.changed_columns
    ]
    return f"({key}) " + "; ".join(changes)


def _row(row: dict[str, Value] | None, show_personal: bool) -> str:
    values = (row or {}).items()
    return "{" + ", ".join(f"{name}={_shown(name, v, show_personal)}" for name, v in values) + "}"


def _shown(name: str, value: Value, show_personal: bool) -> str:
    if name in PERSONAL_COLUMNS and value is not None and not show_personal:
        return "<personal>"
    return repr(value)
