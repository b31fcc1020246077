"""Audit: the trail of every event (a read model) and the verification of the hash chain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec
from litestar import Controller, Response
from litestar.datastructures import State
from litestar.params import QueryParameter

from casework.http.policy import AUDIT_READERS, authorize
from casework.http.problems import not_yet_built
from casework.http.queries import Limit, MinPosition
from casework.http.resources import json_response
from casework.http.routes import query
from casework.service import Casework
from casework.store.chain_check import verify_chain


class ChainVerification(msgspec.Struct):
    ok: bool
    events_checked: int
    head: str
    first_bad_position: int | None
    detail: str


class AuditController(Controller):
    path = "/"
    guards = (authorize,)
    tags = ("audit",)

    @query("/audit-trail", roles=AUDIT_READERS)
    def trail(
        self,
        family_id: UUID | None = None,
        funding_source_id: UUID | None = None,
        actor: str | None = None,
        type: str | None = None,
        from_: Annotated[datetime | None, QueryParameter(name="from")] = None,
        to: datetime | None = None,
        min_position: MinPosition = None,
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Response[bytes]:
        """Every stored event once, in position order, with who caused it (a read model)."""
        return not_yet_built("the audit trail")

    @query("/audit/verify", roles=AUDIT_READERS)
    def verify(self, state: State) -> Response[ChainVerification]:
        """Recomputes the tamper-evidence chain over every stored event."""
        casework: Casework = state.casework
        report = verify_chain(casework.db)
        return json_response(
            ChainVerification(
                report.ok,
                report.events_checked,
                report.head,
                report.first_bad_position,
                report.detail,
            )
        )
