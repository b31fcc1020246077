"""The family list and UPPKA member list as the API shows them, scoped to the caller's areas."""

from __future__ import annotations

from uuid import UUID

from casework.access.users import User
from casework.errors import FieldProblem, InvalidValue, ValidationFailed
from casework.http.schemas.family_list import FamilyPage, FamilySummaryOut
from casework.http.schemas.uppka import UppkaMemberOut
from casework.projections.family_queries import FamilyFilter, UnknownCursor, list_families
from casework.projections.uppka_queries import current_members
from casework.store.database import Database
from casework.validation.areas import area_name, normalise_area_code
from casework.vocabulary import CASEWORKER


def visible_areas(user: User) -> tuple[str, ...] | None:
    """A caseworker lists only inside its areas; the other roles see every area."""
    return tuple(user.areas) if user.role == CASEWORKER else None


def family_page(
    db: Database,
    user: User,
    *,
    area: str | None,
    program: str | None,
    kk_number: str | None,
    q: str | None,
    limit: int,
    cursor: str | None,
) -> FamilyPage:
    where = FamilyFilter(
        area=None if area is None else _area(area),
        program=program,
        kk_number=kk_number,
        name_part=q,
        areas=visible_areas(user),
        after=None if cursor is None else _cursor(cursor),
    )
    try:
        found = list_families(db, where, limit=limit + 1)
    except UnknownCursor:
        raise _invalid("cursor", "is not a cursor this list gave") from None
    items = [
        FamilySummaryOut(
            id=family.id,
            version=family.version,
            kk_number=family.kk_number,
            area_code=family.area_code,
            area_name=area_name(family.area_code),
            head_name=family.head_name,
            members=family.members,
            status=family.status,
            programs=family.programs,
        )
        for family in found[:limit]
    ]
    next_cursor = str(items[-1].id) if len(found) > limit else None
    return FamilyPage(items, next_cursor)


def group_members(db: Database, user: User, group_id: UUID) -> list[UppkaMemberOut]:
    """The group's members now; a caseworker sees those whose families lie in its areas."""
    return [
        UppkaMemberOut(m.family_id, m.member_nik, m.joined_on)
        for m in current_members(db, group_id, areas=visible_areas(user))
    ]


def _area(raw: str) -> str:
    try:
        return normalise_area_code(raw)
    except InvalidValue as error:
        raise _invalid("area", str(error)) from None


def _cursor(raw: str) -> UUID:
    try:
        return UUID(raw)
    except ValueError:
        raise _invalid("cursor", "is not a cursor this list gave") from None


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, message)])
