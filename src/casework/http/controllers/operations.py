"""Liveness, readiness and the projections' progress."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, get
from litestar.datastructures import State

from casework.http.policy import AUDIT_READERS, authorize
from casework.http.problems import not_yet_built, problem_response
from casework.http.resources import json_response
from casework.http.routes import problem_responses, query
from casework.service import Casework


class Status(msgspec.Struct):
    status: str


class OperationsController(Controller):
    path = "/"
    tags = ("operations",)

    @get("/health", sync_to_thread=False)
    def health(self) -> Status:
        """The process answers (no authentication)."""
        return Status("ok")

    @get("/ready", sync_to_thread=True, responses=problem_responses(503))
    def ready(self, state: State) -> Response[Status]:
        """The database answers (no authentication); 503 while it does not."""
        casework: Casework = state.casework
        try:
            casework.event_recorder.max_notification_id()
        except Exception:
            return problem_response(503, "the database does not answer")  # type: ignore[return-value]
        return json_response(Status("ready"))


class ProjectionController(Controller):
    path = "/projections"
    guards = (authorize,)
    tags = ("operations",)

    @query("/", roles=AUDIT_READERS)
    def index(self) -> Response[bytes]:
        """Each projection's position, the head position and the lag between them."""
        return not_yet_built("projection progress")
