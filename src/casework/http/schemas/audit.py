"""Bodies of the audit and operations endpoints."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import msgspec


class TrailItem(msgspec.Struct):
    position: int
    recorded_at: datetime
    actor: str
    aggregate_type: str
    aggregate_id: UUID
    version: int
    type: str
    summary: str
    request_id: str


class TrailPage(msgspec.Struct):
    items: list[TrailItem]
    next_cursor: str | None


class ChainVerification(msgspec.Struct):
    ok: bool
    events_checked: int
    head: str
    first_bad_position: int | None
    detail: str


class ProjectionProgress(msgspec.Struct):
    name: str
    position: int
    head_position: int
    lag: int
    status: str  # "current" or "behind"


class ProjectionList(msgspec.Struct):
    items: list[ProjectionProgress]
