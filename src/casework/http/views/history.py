"""A family's history as the API shows it: its events in version order, decoded."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from casework.aggregates.event_names import event_facts, event_type
from casework.aggregates.family import Family
from casework.errors import FieldProblem, ValidationFailed
from casework.http.schemas.families import HistoryItem, HistoryPage
from casework.service import Casework


def history_page(app: Casework, family_id: UUID, *, limit: int, cursor: str | None) -> HistoryPage:
    after = _version_after(cursor)
    app.load(Family, family_id)  # 404 unless this id is a family
    records = {r.version: r for r in app.event_records(family_id)}
    events = list(app.repository.event_store.get(family_id, gt=after, limit=limit + 1))
    items = [_item(event, records[event.originator_version]) for event in events[:limit]]
    next_cursor = str(items[-1].version) if len(events) > limit else None
    return HistoryPage(items, next_cursor)


def _item(event: Any, record: Any) -> HistoryItem:
    return HistoryItem(
        version=event.originator_version,
        position=record.position,
        type=event_type(event),
        recorded_at=record.recorded_at,
        actor=event.actor,
        request_id=event.request_id,
        data=event_facts(event),
    )


def _version_after(cursor: str | None) -> int | None:
    if cursor is None:
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise ValidationFailed([FieldProblem("cursor", "is not a cursor this list gave")])
    return int(cursor)
