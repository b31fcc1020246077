"""Bodies of the family list (`GET /families`), a read model of the family index."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import msgspec
from litestar.params import QueryParameter

from casework.vocabulary import Programme

# Query parameters of the list. Control characters can never match (nor can PostgreSQL hold
# NUL), so the schema refuses them rather than the database.
Program = Annotated[
    Programme | Literal["uppka", "dashat"] | None,
    QueryParameter(description="A programme code (`ina_kasih`, …, or `uppka`, `dashat`)."),
]
KkNumberFilter = Annotated[
    str | None, QueryParameter(pattern=r"^[0-9]{16}$", description="The KK number, exactly.")
]
NamePart = Annotated[
    str | None,
    QueryParameter(
        min_length=1,
        max_length=200,
        pattern=r"^[^\x00-\x1f\x7f]+$",
        description="Part of any member's name, case-insensitive.",
    ),
]
AreaFilter = Annotated[
    str | None,
    QueryParameter(
        max_length=20,
        description="An area code prefix, dotted or not (`53.71` is all of Kota Kupang).",
    ),
]


class FamilySummaryOut(msgspec.Struct):
    id: UUID
    version: int
    kk_number: str | None
    area_code: str
    area_name: str
    head_name: str | None
    members: int  # active members
    status: str
    programs: list[str]


class FamilyPage(msgspec.Struct):
    items: list[FamilySummaryOut]
    next_cursor: str | None
