"""Answers of the coverage endpoints."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec

FIGURE_COLUMNS = (
    "area_code",
    "area_name",
    "eligible",
    "served",
    "not_served",
    "served_not_eligible",
    "value_idr",
)


class CoverageTotals(msgspec.Struct):
    eligible: int
    served: int
    not_served: int
    served_not_eligible: int
    value_idr: int


class CoverageArea(msgspec.Struct):
    """One village: `eligible = served + not_served`; `value_idr` is the value of the
    deliveries counted in `served`."""

    area_code: str
    area_name: str
    eligible: int
    served: int
    not_served: int
    served_not_eligible: int
    value_idr: int


class CoverageReport(msgspec.Struct):
    program: str
    period: str
    as_of: datetime | None
    position: int
    areas: list[CoverageArea]
    totals: CoverageTotals


class DueMemberOut(msgspec.Struct):
    nik: str | None
    name: str | None


class DueFamilyOut(msgspec.Struct):
    family_id: UUID
    kk_number: str | None
    area_code: str
    head_name: str | None
    members_due: list[DueMemberOut]


class DuePage(msgspec.Struct):
    items: list[DueFamilyOut]
    next_cursor: str | None
    position: int
