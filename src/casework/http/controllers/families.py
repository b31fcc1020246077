"""A family's case file: registration, reads (now, as of, history) and member changes."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from litestar import Controller, Request, Response

from casework.access.users import User
from casework.aggregates.base import Cause
from casework.aggregates.family import Family, NewMember
from casework.errors import NotFound
from casework.http.policy import FAMILY_READERS, FAMILY_WRITERS, authorize, require_area
from casework.http.queries import Instant, Limit, MinPosition, Version, parse_instant
from casework.http.read_models import read_model_position
from casework.http.resources import json_response, resource_response, written
from casework.http.routes import command, family_command, query
from casework.http.schemas.families import (
    Correction,
    Departure,
    FamilyOut,
    HistoryPage,
    MemberIn,
    RegisterFamily,
    Relocation,
    WelfareAssessment,
)
from casework.http.schemas.family_list import (
    AreaFilter,
    FamilyPage,
    KkNumberFilter,
    NamePart,
    Program,
)
from casework.http.views.family_list import family_page
from casework.http.views.history import history_page
from casework.projections.family_index import NAME as FAMILY_INDEX
from casework.service import Casework

FAMILY = "family"


def new_member(member: MemberIn) -> NewMember:
    return NewMember(member.nik, member.name, member.sex, member.birth_date, member.relationship)


class FamilyController(Controller):
    path = "/families"
    guards = (authorize,)
    tags = ("families",)

    @command("/", roles=FAMILY_WRITERS, resource=FAMILY, status=201)
    def register(
        self,
        request: Request[User, Any, Any],
        data: RegisterFamily,
        casework: Casework,
        cause: Cause,
    ) -> Response[FamilyOut]:
        require_area(request.user, data.area_code)
        saved = casework.register_family(
            cause,
            kk_number=data.kk_number,
            area_code=data.area_code,
            address=data.address,
            welfare_desil=data.welfare_desil,
            members=[new_member(m) for m in data.members],
            family_id=uuid4(),
        )
        return written(casework, FAMILY, saved, status=201)

    @query("/", roles=FAMILY_READERS)
    def index(
        self,
        request: Request[User, Any, Any],
        casework: Casework,
        area: AreaFilter = None,
        program: Program = None,
        kk_number: KkNumberFilter = None,
        q: NamePart = None,
        min_position: MinPosition = None,
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Response[FamilyPage]:
        """Family summaries (read model), ordered by area code, then KK number.

        `area` is a code prefix, `program` a programme the family takes part in, `q` part of
        any member's name (case-insensitive). A caseworker sees only families in its areas.
        """
        read_model_position(casework, FAMILY_INDEX, min_position)
        page = family_page(
            casework.db,
            request.user,
            area=area,
            program=program,
            kk_number=kk_number,
            q=q,
            limit=limit,
            cursor=cursor,
        )
        return json_response(page)

    @query("/{family_id:uuid}", roles=FAMILY_READERS)
    def read(
        self,
        family_id: UUID,
        casework: Casework,
        cause: Cause,
        as_of: Instant = None,
        version: Version = None,
    ) -> Response[FamilyOut]:
        """The family now, or as it stood at an instant (`as_of`) or a version."""
        instant = parse_instant(as_of, "as_of")
        if instant is None and version is None:
            # The cause carries the family as authentication loaded it for a caseworker.
            family = casework.load(Family, family_id, cause=cause)
        else:
            family = casework.load_at(Family, family_id, version=version, as_of=instant)
            if instant is None and family.version != version:
                raise NotFound(f"family {family_id} has no version {version}")
        return resource_response(casework, FAMILY, family_id, version=family.version, loaded=family)

    @query("/{family_id:uuid}/history", roles=FAMILY_READERS)
    def history(
        self,
        family_id: UUID,
        casework: Casework,
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Response[HistoryPage]:
        return json_response(history_page(casework, family_id, limit=limit, cursor=cursor))

    @family_command("/{family_id:uuid}/members", roles=FAMILY_WRITERS, status=201)
    def add_member(
        self,
        family_id: UUID,
        data: MemberIn,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[FamilyOut]:
        saved = casework.add_member(
            cause, family_id, new_member(data), expected_version=pinned_version
        )
        return written(casework, FAMILY, saved, status=201)

    @family_command("/{family_id:uuid}/members/{nik:str}/departure", roles=FAMILY_WRITERS)
    def depart(
        self,
        family_id: UUID,
        nik: str,
        data: Departure,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[FamilyOut]:
        saved = casework.depart_member(
            cause,
            family_id,
            nik,
            reason=data.reason,
            on=data.on,
            new_head_nik=data.new_head_nik,
            expected_version=pinned_version,
        )
        return written(casework, FAMILY, saved)

    @family_command("/{family_id:uuid}/members/{nik:str}/correction", roles=FAMILY_WRITERS)
    def correct(
        self,
        family_id: UUID,
        nik: str,
        data: Correction,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[FamilyOut]:
        saved = casework.correct_member(
            cause,
            family_id,
            nik,
            name=data.name,
            sex=data.sex,
            birth_date=data.birth_date,
            new_nik=data.nik,
            expected_version=pinned_version,
        )
        return written(casework, FAMILY, saved)

    @family_command("/{family_id:uuid}/relocation", roles=FAMILY_WRITERS)
    def relocate(
        self,
        request: Request[User, Any, Any],
        family_id: UUID,
        data: Relocation,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[FamilyOut]:
        require_area(request.user, data.area_code)
        saved = casework.relocate_family(
            cause,
            family_id,
            area_code=data.area_code,
            address=data.address,
            kk_number=data.kk_number,
            expected_version=pinned_version,
        )
        return written(casework, FAMILY, saved)

    @family_command("/{family_id:uuid}/welfare-assessments", roles=FAMILY_WRITERS)
    def assess_welfare(
        self,
        family_id: UUID,
        data: WelfareAssessment,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[FamilyOut]:
        saved = casework.assess_welfare(
            cause,
            family_id,
            desil=data.desil,
            source=data.source,
            assessed_on=data.assessed_on,
            expected_version=pinned_version,
        )
        return written(casework, FAMILY, saved)
