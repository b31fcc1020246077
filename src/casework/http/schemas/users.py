"""Bodies of the user endpoints (admin only)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import msgspec

from casework.http.schemas.common import AreaCode, Request
from casework.vocabulary import Role


class NewUser(Request):
    name: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    role: Role
    areas: Annotated[list[AreaCode], msgspec.Meta(max_length=100)] = msgspec.field(
        default_factory=list
    )
    expires_at: Annotated[datetime, msgspec.Meta(tz=True)] | None = None


class UserOut(msgspec.Struct):
    id: UUID
    name: str
    role: str
    areas: list[str]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class IssuedUser(msgspec.Struct):
    """The one answer that shows a token: the user was just created."""

    id: UUID
    name: str
    role: str
    areas: list[str]
    expires_at: datetime
    token: str


class UserList(msgspec.Struct):
    items: list[UserOut]
