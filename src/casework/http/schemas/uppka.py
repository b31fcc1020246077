"""Bodies of the UPPKA group endpoints."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import msgspec

from casework.http.schemas.common import AreaCode, Code, Request, ShortText


class FormUppkaGroup(Request):
    code: Code
    name: ShortText
    area_code: AreaCode
    business_type: ShortText


class UppkaMemberOut(msgspec.Struct):
    family_id: UUID
    member_nik: str | None
    joined_on: date


class UppkaGroupOut(msgspec.Struct):
    id: UUID
    version: int
    position: int
    code: str
    name: str
    area_code: str
    area_name: str
    business_type: str
    members: list[UppkaMemberOut] | msgspec.UnsetType = msgspec.UNSET
