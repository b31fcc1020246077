"""Liveness, readiness and the projections' progress."""

from __future__ import annotations

import msgspec
from litestar import Controller, Response, get
from litestar.datastructures import State

from casework.http.policy import AUDIT_READERS, authorize
from casework.http.problems import problem_response
from casework.http.resources import json_response
from casework.http.routes import problem_responses, query
from casework.http.schemas.audit import ProjectionList, ProjectionProgress
from casework.projections import tracking
from casework.projections.registry import projection_names
from casework.service import Casework


class Status(msgspec.Struct):
    status: str


class Readiness(msgspec.Struct):
    status: str
    head_position: int
    projections: list[ProjectionProgress]


def progress_of(casework: Casework) -> list[ProjectionProgress]:
    return [
        ProjectionProgress(s.name, s.position, s.head_position, s.lag, s.state)
        for s in tracking.statuses(casework.db, projection_names())
    ]


class OperationsController(Controller):
    path = "/"
    tags = ("operations",)

    @get("/health", sync_to_thread=False)
    def health(self) -> Status:
        """The process answers (no authentication)."""
        return Status("ok")

    @get("/ready", sync_to_thread=True, responses=problem_responses(503))
    def ready(self, state: State) -> Response[Readiness]:
        """The database answers (no authentication; 503 while it does not), with how far
        behind the store each read model is."""
        casework: Casework = state.casework
        try:
            progress = progress_of(casework)
        except Exception:
            return problem_response(503, "the database does not answer")  # type: ignore[return-value]
        head = max((p.head_position for p in progress), default=0)
        return json_response(Readiness("ready", head, progress))


class ProjectionController(Controller):
    path = "/projections"
    guards = (authorize,)
    tags = ("operations",)

    @query("/", roles=AUDIT_READERS)
    def index(self, casework: Casework) -> Response[ProjectionList]:
        """Each projection's position, the head position and the lag between them."""
        return json_response(ProjectionList(progress_of(casework)))
