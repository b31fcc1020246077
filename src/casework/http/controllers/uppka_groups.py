"""UPPKA groups: formed by caseworkers (in their areas) and admins, read by all but finance."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import msgspec
from litestar import Controller, Request, Response

from casework.access.users import User
from casework.aggregates.base import Cause
from casework.aggregates.uppka_group import UppkaGroup
from casework.http.policy import FAMILY_READERS, FAMILY_WRITERS, authorize, require_area
from casework.http.queries import MinPosition
from casework.http.read_models import read_model_position
from casework.http.resources import json_response, written
from casework.http.routes import command, query
from casework.http.schemas.uppka import FormUppkaGroup, UppkaGroupOut
from casework.http.views.family_list import group_members
from casework.http.views.uppka import uppka_group_view
from casework.projections.family_index import NAME as FAMILY_INDEX
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
    def read(
        self,
        request: Request[User, Any, Any],
        group_id: UUID,
        casework: Casework,
        min_position: MinPosition = None,
    ) -> Response[UppkaGroupOut]:
        """The group with its current members (read model); a caseworker sees only the
        members whose families lie in its areas."""
        read_model_position(casework, FAMILY_INDEX, min_position)
        group = casework.load(UppkaGroup, group_id)
        members = group_members(casework.db, request.user, group_id)
        body = msgspec.structs.replace(uppka_group_view(casework, group), members=members)
        return json_response(body, headers={"ETag": f'"{group.version}"'})
