"""Bodies of the programme-target endpoints.

Periods, units and conditions are checked by the service, so a wrong one is answered in words
("must be a month YYYY-MM"), not with a pattern.
"""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

import msgspec

from casework.http.schemas.common import AreaCode, Request

Month = Annotated[str, msgspec.Meta(max_length=7, examples=["2026-12"])]
Age = Annotated[int, msgspec.Meta(ge=0, le=150)]
Desil = Annotated[int, msgspec.Meta(ge=1, le=10)]


class WhoIn(Request):
    """Who qualifies; every condition is optional (null: no condition)."""

    sex: Annotated[str, msgspec.Meta(max_length=1, examples=["P"])] | None = None
    age_min: Age | None = None
    age_max: Age | None = None
    max_desil: Desil | None = None
    dashat_categories: Annotated[list[str], msgspec.Meta(max_length=5)] | None = None


class SetTargetIn(Request):
    target_id: UUID
    area: AreaCode
    from_: Month = msgspec.field(name="from")
    to: Month
    unit: Annotated[str, msgspec.Meta(max_length=10, examples=["member", "family"])]
    cycle: Annotated[str, msgspec.Meta(max_length=10, examples=["monthly"])] = "monthly"
    who: WhoIn = msgspec.field(default_factory=WhoIn)


class TargetRevisionIn(Request):
    effective_from: Month
    area: AreaCode | None = None
    to: Month | None = None
    who: WhoIn | None = None


class TargetEndIn(Request):
    after: Month


class WhoOut(msgspec.Struct):
    sex: str | None
    age_min: int | None
    age_max: int | None
    max_desil: int | None
    dashat_categories: list[str] | None


class TargetRevisionOut(msgspec.Struct):
    effective_from: str
    area: str | None
    to: str | None
    who: WhoOut | None
    version: int


class TargetOut(msgspec.Struct):
    """The target as it stands (its latest terms), its first terms, and its revisions."""

    id: UUID
    program: str
    version: int
    position: int
    status: str
    area: str
    area_name: str
    from_: str = msgspec.field(name="from")
    to: str
    unit: str
    cycle: str
    who: WhoOut
    ended_after: str | None
    first: TargetRevisionOut
    revisions: list[TargetRevisionOut]


class TargetPage(msgspec.Struct):
    items: list[TargetOut]
    next_cursor: str | None
