"""Programme targets: set, revised and ended by admins; read by every role (a caseworker: the
targets whose area meets its areas)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Controller, Request, Response
from litestar.exceptions import NotFoundException

from casework.access.users import User
from casework.aggregates.base import Cause
from casework.aggregates.programme_target import ProgrammeTarget
from casework.errors import NotFound
from casework.http.policy import ADMINS, EVERYONE, authorize
from casework.http.resources import json_response, resource_response, written
from casework.http.routes import command, query
from casework.http.schemas.targets import (
    SetTargetIn,
    TargetEndIn,
    TargetOut,
    TargetPage,
    TargetRevisionIn,
)
from casework.http.views.targets import target_view, who_in
from casework.service import Casework
from casework.validation.areas import areas_overlap
from casework.vocabulary import CASEWORKER

TARGET = "programme-target"


class TargetController(Controller):
    path = "/programmes/{program:str}/targets"
    guards = (authorize,)
    tags = ("programme targets",)

    @command("/", roles=ADMINS, resource=TARGET, status=201)
    def set_target(
        self, program: str, data: SetTargetIn, casework: Casework, cause: Cause
    ) -> Response[TargetOut]:
        """Who the programme is for in an area over a range of periods. Overlapping another
        target of the programme (areas one inside the other, periods shared) is a 409."""
        saved = casework.set_target(
            cause,
            program,
            target_id=data.target_id,
            area=data.area,
            from_period=data.from_,
            to_period=data.to,
            unit=data.unit,
            cycle=data.cycle,
            who=who_in(data.who),
        )
        return written(casework, TARGET, saved, status=201)

    @query("/", roles=EVERYONE)
    def index(
        self, program: str, casework: Casework, request: Request[User, Any, Any]
    ) -> Response[TargetPage]:
        """Every target of the programme, in the order they were set."""
        casework.check_program(program)
        targets = [
            target_view(casework, target)
            for target in casework.programme_targets(program)
            if _visible(request.user, target)
        ]
        return json_response(TargetPage(targets, None))

    @query("/{target_id:uuid}", roles=EVERYONE)
    def read(
        self,
        program: str,
        target_id: UUID,
        casework: Casework,
        request: Request[User, Any, Any],
    ) -> Response[TargetOut]:
        target = _target(casework, program, target_id, request.user)
        return resource_response(casework, TARGET, target_id, version=target.version, loaded=target)

    @command(
        "/{target_id:uuid}/revision", roles=ADMINS, resource=TARGET, resource_param="target_id"
    )
    def revise(
        self,
        program: str,
        target_id: UUID,
        data: TargetRevisionIn,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[TargetOut]:
        """In force from `effective_from` (this period or a later one) on; earlier periods
        keep the terms they were counted with."""
        saved = casework.revise_target(
            cause,
            program,
            target_id,
            effective_from=data.effective_from,
            area=data.area,
            to_period=data.to,
            who=None if data.who is None else who_in(data.who),
            expected_version=pinned_version,
        )
        return written(casework, TARGET, saved)

    @command("/{target_id:uuid}/end", roles=ADMINS, resource=TARGET, resource_param="target_id")
    def end(
        self,
        program: str,
        target_id: UUID,
        data: TargetEndIn,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[TargetOut]:
        """No period after `after` is covered."""
        saved = casework.end_target(
            cause, program, target_id, after=data.after, expected_version=pinned_version
        )
        return written(casework, TARGET, saved)


def _visible(user: User, target: ProgrammeTarget) -> bool:
    if user.role != CASEWORKER:
        return True
    return any(
        areas_overlap(held, area) for held in user.areas for _s, _e, area in target.segments()
    )


def _target(casework: Casework, program: str, target_id: UUID, user: User) -> ProgrammeTarget:
    try:
        target = casework.load(ProgrammeTarget, target_id)
    except NotFound:
        raise NotFoundException(f"no target {target_id} of {program}") from None
    if target.program != program or not _visible(user, target):
        raise NotFoundException(f"no target {target_id} of {program}")
    return target
