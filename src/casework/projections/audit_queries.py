"""Reading the audit trail: filters by aggregate, actor, type and time, paged by position."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from casework.store.database import Database, uuid_from_row
from casework.store.recorder import as_datetime, stored_instant


@dataclass(frozen=True)
class TrailFilter:
    aggregate_ids: tuple[UUID, ...] = ()
    actor: str | None = None
    event_type: str | None = None
    start: datetime | None = None  # from ≤ recorded_at
    end: datetime | None = None  # recorded_at < to
    after_position: int = 0


@dataclass(frozen=True)
class TrailEntry:
    position: int
    recorded_at: datetime
    actor: str
    aggregate_type: str
    aggregate_id: UUID
    version: int
    type: str
    summary: str
    request_id: str


def read_trail(db: Database, where: TrailFilter, *, limit: int) -> list[TrailEntry]:
    postgres = db.location.is_postgres
    sql = (
        "SELECT position, recorded_at, actor, aggregate_type, aggregate_id, version, type, "
        "summary, request_id FROM audit_trail WHERE position > %s"
    )
    params: list[Any] = [where.after_position]
    if where.aggregate_ids:
        sql += f" AND aggregate_id IN ({', '.join(['%s'] * len(where.aggregate_ids))})"
        params.extend(where.aggregate_ids)
    if where.actor is not None:
        sql += " AND actor = %s"
        params.append(where.actor)
    if where.event_type is not None:
        sql += " AND type = %s"
        params.append(where.event_type)
    if where.start is not None:
        sql += " AND recorded_at >= %s"
        params.append(stored_instant(where.start, postgres=postgres))
    if where.end is not None:
        sql += " AND recorded_at < %s"
        params.append(stored_instant(where.end, postgres=postgres))
    sql += " ORDER BY position LIMIT %s"
    params.append(limit)
    with db.transaction() as tx:
        tx.execute(sql, params)
        rows = tx.fetchall()
    return [
        TrailEntry(
            position=row[0],
            recorded_at=as_datetime(row[1]),
            actor=row[2],
            aggregate_type=row[3],
            aggregate_id=uuid_from_row(row[4]),
            version=row[5],
            type=row[6],
            summary=row[7],
            request_id=row[8],
        )
        for row in rows
    ]
