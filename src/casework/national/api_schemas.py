"""The national API's answers (API.md "National deployment"): every one says, per cell, the
position it reflects (`positions`)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

from casework.http.schemas.coverage import CoverageTotals
from casework.http.schemas.finance import ProgramFigures, Totals


class CellItem(msgspec.Struct):
    name: str
    areas: str
    replicated_position: int
    head_position: int | None
    heartbeat_at: datetime | None
    lag_events: int | None
    lag_seconds: float | None
    chain_ok: bool
    first_bad_position: int | None


class CellsPage(msgspec.Struct):
    items: list[CellItem]
    positions: dict[str, int]


class NationalSource(msgspec.Struct):
    cell: str
    funding_source_id: UUID
    code: str
    kind: str
    fiscal_year: int
    budget_idr: int
    received_idr: int
    drawn_idr: int
    voided_idr: int
    balance_idr: int
    unreceived_idr: int
    deliveries: int
    by_program: list[ProgramFigures]


class CellTotals(msgspec.Struct):
    cell: str
    budget_idr: int
    received_idr: int
    drawn_idr: int
    voided_idr: int
    balance_idr: int


class NationalReconciliation(msgspec.Struct):
    as_of: datetime | None  # as asked (None: now)
    as_of_by_cell: dict[str, datetime | None]  # what each cell's figures are as of
    positions: dict[str, int]
    sources: list[NationalSource]
    totals: Totals
    by_cell: list[CellTotals]


class NationalFindingItem(msgspec.Struct, omit_defaults=True):
    kind: str
    detail: str
    cell: str | None = None
    cells: list[str] = []
    family_ids: list[UUID] = []
    funding_source_id: UUID | None = None
    position: int | None = None


class FindingsPage(msgspec.Struct):
    items: list[NationalFindingItem]
    next_cursor: str | None
    positions: dict[str, int]


class NationalTrailItem(msgspec.Struct):
    cell: str
    position: int
    recorded_at: datetime
    actor: str
    aggregate_type: str
    aggregate_id: UUID
    version: int
    type: str
    summary: str
    request_id: str


class NationalTrailPage(msgspec.Struct):
    items: list[NationalTrailItem]
    next_cursor: str | None
    positions: dict[str, int]


class NationalCoverageArea(msgspec.Struct):
    """One village of one cell, as that cell counted it (its replicated coverage_figures)."""

    cell: str
    area_code: str
    area_name: str
    eligible: int
    served: int
    not_served: int
    served_not_eligible: int
    value_idr: int


class NationalCoverage(msgspec.Struct):
    program: str
    period: str
    positions: dict[str, int]
    areas: list[NationalCoverageArea]
    totals: CoverageTotals
