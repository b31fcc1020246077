"""Auditors' pages: the audit trail, a family's timeline, and the read models' lag.

The trail and the timeline read the audit-trail read model as `GET /audit-trail` does; the
family as it stood at a version is the aggregate replayed to that version and shown by the
API's own view of a family (`GET /families/{id}?version=N`).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, get
from litestar.response import Template

from casework.aggregates.family import Family
from casework.console import filters
from casework.console.reader import AUDIT_PAGES, Reader
from casework.console.rendering import page
from casework.errors import NotFound
from casework.http.controllers.operations import progress_of
from casework.http.views.families import family_view
from casework.projections.audit_queries import TrailFilter, read_trail
from casework.service import Casework

PAGE = 50
TIMELINE_EVENTS = 1000  # a family's events on one page; far more than any family has


class AuditPages(Controller):
    path = "/"
    opt = {"console_roles": AUDIT_PAGES}  # noqa: RUF012 (litestar reads it as a class field)

    @get("/audit-trail", sync_to_thread=True)
    def trail(
        self,
        request: Request[Any, Any, Any],
        reader: Reader,
        casework: Casework,
        family_id: str | None = None,
        funding_source_id: str | None = None,
        actor: str | None = None,
        type: str | None = None,
        to: str | None = None,
        cursor: str | None = None,
    ) -> Template:
        problems = filters.Problems()
        start = filters.instant(request.query_params.get("from"), reader.zone, "from", problems)
        ids = (
            filters.identifier(family_id, "family_id", problems),
            filters.identifier(funding_source_id, "funding_source_id", problems),
        )
        where = TrailFilter(
            aggregate_ids=tuple(i for i in ids if i is not None),
            actor=filters.text_filter(actor, "actor", problems),
            event_type=filters.text_filter(type, "event_type", problems),
            start=start,
            end=filters.instant(to, reader.zone, "to", problems),
            after_position=filters.cursor_position(cursor),
        )
        entries = [] if problems else read_trail(casework.db, where, limit=PAGE + 1)
        shown = request.query_params
        return page(
            request,
            reader,
            "audit_trail.html",
            section="audit",
            entries=entries[:PAGE],
            next_cursor=str(entries[PAGE - 1].position) if len(entries) > PAGE else None,
            problems=problems,
            shown={
                k: shown.get(k, "") for k in ("family_id", "funding_source_id", "actor", "type")
            },
            from_text=reader.writer.picker_value(start),
            to_text=reader.writer.picker_value(where.end),
            query_without_cursor=filters.query_without_cursor(request.query_params.multi_items()),
        )

    @get("/families/{family_id:uuid}", sync_to_thread=True)
    def timeline(
        self,
        request: Request[Any, Any, Any],
        reader: Reader,
        casework: Casework,
        family_id: UUID,
        version: str | None = None,
    ) -> Template:
        current = casework.load(Family, family_id)  # 404 page unless a family
        chosen = int(version) if version and version.isdigit() and len(version) < 18 else None
        if chosen is not None and not 1 <= chosen <= current.version:
            raise NotFound(f"family {family_id} has no version {chosen}")
        family = current if chosen is None else casework.load_at(Family, family_id, version=chosen)
        events = read_trail(
            casework.db, TrailFilter(aggregate_ids=(family_id,)), limit=TIMELINE_EVENTS
        )
        return page(
            request,
            reader,
            "timeline.html",
            section="audit",
            family=family_view(casework, family),
            events=events,
            chosen=family.version,
            latest=current.version,
        )

    @get("/lag", sync_to_thread=True)
    def lag(self, request: Request[Any, Any, Any], reader: Reader, casework: Casework) -> Template:
        return page(request, reader, "lag.html", section="lag", items=progress_of(casework))
