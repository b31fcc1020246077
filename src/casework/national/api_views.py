"""The national answers, assembled from each cell's copy by the cells' own read-model code."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from casework.http.schemas.finance import Totals
from casework.national.api_schemas import (
    CellTotals,
    FindingsPage,
    NationalFindingItem,
    NationalReconciliation,
    NationalSource,
    NationalTrailItem,
    NationalTrailPage,
)
from casework.national.as_of import cell_reflected
from casework.national.discrepancies import national_findings
from casework.national.service import NationalService
from casework.projections.audit_queries import TrailFilter, read_trail
from casework.projections.paging import decode_cursor, encode_cursor
from casework.projections.reconciliation_queries import reconciliation
from casework.projections.source_filters import SourceFilter

LEDGER = "funding_ledger"
TRAIL = "audit_trail"


def reconciliation_report(
    national: NationalService,
    sources: SourceFilter,
    as_of: datetime | None,
    cell: str | None,
    wanted: dict[str, int],
) -> NationalReconciliation:
    copies = national.copies(cell)
    positions = national.positions(copies, LEDGER, wanted)
    found: list[NationalSource] = []
    by_cell: list[CellTotals] = []
    as_of_by_cell: dict[str, datetime | None] = {}
    reflected_positions: dict[str, int] = {}
    for name in sorted(copies):
        at = cell_reflected(copies[name], positions[name], as_of)
        report = reconciliation(copies[name], at, sources)
        as_of_by_cell[name] = at.as_of
        reflected_positions[name] = at.position
        found += [
            NationalSource(cell=name, **msgspec.structs.asdict(source)) for source in report.sources
        ]
        t = report.totals
        by_cell.append(
            CellTotals(name, t.budget_idr, t.received_idr, t.drawn_idr, t.voided_idr, t.balance_idr)
        )
    totals = Totals(
        budget_idr=sum(c.budget_idr for c in by_cell),
        received_idr=sum(c.received_idr for c in by_cell),
        drawn_idr=sum(c.drawn_idr for c in by_cell),
        voided_idr=sum(c.voided_idr for c in by_cell),
        balance_idr=sum(c.balance_idr for c in by_cell),
    )
    return NationalReconciliation(as_of, as_of_by_cell, reflected_positions, found, totals, by_cell)


def findings_page(
    national: NationalService, wanted: dict[str, int], limit: int, cursor: str | None
) -> FindingsPage:
    """All findings, then a page of them: their number is small (per source, per digest)."""
    copies = national.copies()
    positions = national.positions(copies, LEDGER, wanted)
    start = decode_cursor(cursor, tuple[int]) or (0,)
    found = national_findings(national.db, copies)
    items = [NationalFindingItem(**vars(finding)) for finding in found]
    page = items[start[0] : start[0] + limit]
    more = start[0] + limit < len(items)
    return FindingsPage(page, encode_cursor([start[0] + limit]) if more else None, positions)


def trail_page(
    national: NationalService,
    cell: str | None,
    aggregate_ids: tuple[UUID, ...],
    filters: tuple[str | None, str | None, datetime | None, datetime | None],
    wanted: dict[str, int],
    paging: tuple[int, str | None],
) -> NationalTrailPage:
    """A page in (cell, position) order, from the cursor's cell and position on."""
    copies = national.copies(cell)
    positions = national.positions(copies, TRAIL, wanted)
    limit, cursor = paging
    after_cell, after_position = decode_cursor(cursor, tuple[str, int]) or ("", 0)
    actor, event_type, start, end = filters
    items: list[NationalTrailItem] = []
    for name in sorted(copies):
        if name < after_cell or len(items) > limit:
            continue
        where = TrailFilter(
            aggregate_ids=aggregate_ids,
            actor=actor,
            event_type=event_type,
            start=start,
            end=end,
            after_position=after_position if name == after_cell else 0,
        )
        # Only what the trail's position covers, so a page never shows more than `positions`.
        entries = read_trail(copies[name], where, limit=limit + 1 - len(items))
        items += [
            NationalTrailItem(cell=name, **vars(entry))
            for entry in entries
            if entry.position <= positions[name]
        ]
    page = items[:limit]
    next_cursor = None
    if len(items) > limit:
        next_cursor = encode_cursor([page[-1].cell, page[-1].position])
    return NationalTrailPage(page, next_cursor, positions)
