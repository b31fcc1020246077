"""An aggregate's history as the API shows it: its events in version order, decoded.

A family's events speak in the request's words (casework.http.views.history_words); a funding
source's are shown as recorded: they hold no personal data, and finance reads them in full.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from casework.aggregates.event_names import event_facts, event_type
from casework.aggregates.family import Family
from casework.aggregates.funding_source import FundingSource
from casework.errors import FieldProblem, ValidationFailed
from casework.http.schemas.families import HistoryItem, HistoryPage
from casework.http.views.history_words import MemberNiks
from casework.service import Casework


def history_page(app: Casework, family_id: UUID, *, limit: int, cursor: str | None) -> HistoryPage:
    app.load(Family, family_id)  # 404 unless this id is a family
    # Member NIKs as of each event need the events before the page too.
    return _page(app, family_id, limit, cursor, MemberNiks().describe, from_start=True)


def source_history_page(
    app: Casework, source_id: UUID, *, limit: int, cursor: str | None
) -> HistoryPage:
    app.load(FundingSource, source_id)  # 404 unless this id is a funding source
    return _page(app, source_id, limit, cursor, event_facts, from_start=False)


def _page(
    app: Casework,
    aggregate_id: UUID,
    limit: int,
    cursor: str | None,
    describe: Callable[[Any], dict[str, Any]],
    *,
    from_start: bool,
) -> HistoryPage:
    after = version_after(cursor)
    records = {r.version: r for r in app.event_records(aggregate_id)}
    store = app.repository.event_store
    if from_start:
        last = (after or 0) + limit + 1
        events = [(event, describe(event)) for event in store.get(aggregate_id, lte=last)]
        events = [pair for pair in events if after is None or pair[0].originator_version > after]
    else:
        events = [
            (event, describe(event)) for event in store.get(aggregate_id, gt=after, limit=limit + 1)
        ]
    items = [_item(event, data, records[event.originator_version]) for event, data in events]
    next_cursor = str(items[limit - 1].version) if len(items) > limit else None
    return HistoryPage(items[:limit], next_cursor)


def _item(event: Any, data: dict[str, Any], record: Any) -> HistoryItem:
    return HistoryItem(
        version=event.originator_version,
        position=record.position,
        type=event_type(event),
        recorded_at=record.recorded_at,
        actor=event.actor,
        request_id=event.request_id,
        data=data,
    )


def version_after(cursor: str | None) -> int | None:
    """The version a cursor of a history or a list of receipts continues after."""
    if cursor is None:
        return None
    if not cursor.isdigit() or len(cursor) > 18:
        raise ValidationFailed([FieldProblem("cursor", "is not a cursor this list gave")])
    return int(cursor)
