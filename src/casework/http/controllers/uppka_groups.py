"""UPPKA groups: formed by caseworkers (in their areas) and admins, read by all but finance."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from litestar import Controller, Request, Response

from casework.access.users import User
from casework.aggregates.base import Cause
from casework.http.policy import FAMILY_READERS, FAMILY_WRITERS, authorize, require_area
from casework.http.problems import not_yet_built
from casework.http.queries import MinPosition
from casework.http.resources import written
from casework.http.routes import command, query
from casework.http.schemas.uppka import FormUppkaGroup, UppkaGroupOut
from casework.service import Casework

GROUP = "uppka-group"


class UppkaGroupController(Controller):
    path = "/uppka-groups"
    guards = (authorize,)
    tags = ("UPPKA groups",)

    @command("/", roles=FAMILY_WRITERS, resource=GROUP, status=201)
    def form(
        self,
        request: Request[User, Any, Any],
        data: FormUppkaGroup,
        casework: Casework,
        cause: Cause,
    ) -> Response[UppkaGroupOut]:
        require_area(request.user, data.area_code)
        saved = casework.form_uppka_group(
            cause,
            code=data.code,
            name=data.name,
            area_code=data.area_code,
            business_type=data.business_type,
            group_id=uuid4(),
        )
        return written(casework, GROUP, saved, status=201)

    @query("/{group_id:uuid}", roles=FAMILY_READERS)
    def read(self, group_id: UUID, min_position: MinPosition = None) -> Response[bytes]:
        """The group with its current members: the members come from the family index."""
        return not_yet_built("the UPPKA member list")
