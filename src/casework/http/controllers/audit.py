"""Audit: the trail of every event (a read model) and the verification of the hash chain."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from litestar import Controller, Response
from litestar.params import QueryParameter

from casework.aggregates.event_catalogue import event_types
from casework.errors import FieldProblem, ValidationFailed
from casework.http.cursors import position_after
from casework.http.field_words import one_of
from casework.http.policy import AUDIT_READERS, authorize
from casework.http.queries import Instant, Limit, MinPosition, parse_instant
from casework.http.read_models import read_model_position
from casework.http.resources import json_response
from casework.http.routes import query
from casework.http.schemas.audit import ChainVerification, TrailItem, TrailPage
from casework.projections.audit_queries import TrailFilter, read_trail
from casework.service import Casework
from casework.store.chain_check import verify_chain

TRAIL = "audit_trail"


# Checked in the handler against the event catalogue; the schema lists the names too.
EventTypeFilter = Annotated[
    str | None,
    QueryParameter(
        description="An event type, as items name it (`FundingSourceFundsReceived`).",
        schema_extra={"enum": list(event_types())},
    ),
]


class AuditController(Controller):
    path = "/"
    guards = (authorize,)
    tags = ("audit",)

    @query("/audit-trail", roles=AUDIT_READERS)
    def trail(
        self,
        casework: Casework,
        family_id: UUID | None = None,
        funding_source_id: UUID | None = None,
        actor: str | None = None,
        type: EventTypeFilter = None,
        from_: Annotated[str | None, QueryParameter(name="from", format="date-time")] = None,
        to: Instant = None,
        min_position: MinPosition = None,
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Response[TrailPage]:
        """Every stored event once, in position order, with who caused it (no personal data).

        `family_id` and `funding_source_id` select the events of that aggregate; `from` and
        `to` are instants (`from <= recorded_at < to`).
        """
        start, end = parse_instant(from_, "from"), parse_instant(to, "to")
        if type is not None and type not in event_types():
            raise ValidationFailed([FieldProblem("type", one_of(event_types(), type))])
        read_model_position(casework, TRAIL, min_position)
        where = TrailFilter(
            aggregate_ids=tuple(i for i in (family_id, funding_source_id) if i is not None),
            actor=actor,
            event_type=type,
            start=start,
            end=end,
            after_position=position_after(cursor),
        )
        entries = read_trail(casework.db, where, limit=limit + 1)
        items = [TrailItem(**vars(entry)) for entry in entries[:limit]]
        next_cursor = str(items[-1].position) if len(entries) > limit else None
        return json_response(TrailPage(items, next_cursor))

    @query("/audit/verify", roles=AUDIT_READERS)
    def verify(self, casework: Casework) -> Response[ChainVerification]:
        """Recomputes the tamper-evidence chain over every stored event."""
        report = verify_chain(casework.db, genesis=casework.genesis)
        return json_response(
            ChainVerification(
                report.ok,
                report.events_checked,
                report.head,
                report.first_bad_position,
                report.detail,
            )
        )
