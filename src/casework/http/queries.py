"""Query parameters several endpoints share, with the bounds the contract gives them."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from litestar.params import QueryParameter

from casework.errors import FieldProblem, ValidationFailed

# Positions and versions fit a signed 64-bit integer in both databases.
MAX_POSITION = 2**62

MinPosition = Annotated[
    int | None,
    QueryParameter(
        ge=0,
        le=MAX_POSITION,
        description="Wait (at most 5 s) until the read model has processed this position.",
    ),
]
Limit = Annotated[int, QueryParameter(ge=1, le=500, description="Items per page (default 50).")]
Version = Annotated[int | None, QueryParameter(ge=1, le=MAX_POSITION)]
FiscalYear = Annotated[int | None, QueryParameter(ge=2000, le=2100)]

# An instant arrives as text and is read here, strictly: litestar would also take a bare
# number as seconds since 1970, which no client means.
Instant = Annotated[
    str | None,
    QueryParameter(format="date-time", description="RFC 3339 instant with an offset."),
]


def parse_instant(value: str | None, field: str) -> datetime | None:
    if value is None:
        return None
    try:
        instant = datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError:
        instant = None
    if instant is None or instant.utcoffset() is None or "T" not in value.upper():
        raise ValidationFailed([FieldProblem(field, "must be an RFC 3339 instant with an offset")])
    return instant
