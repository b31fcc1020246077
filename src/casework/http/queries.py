"""Query parameters several endpoints share, with the bounds the contract gives them."""

from __future__ import annotations

import re
from datetime import UTC, datetime
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
    """An RFC 3339 instant with its offset (`Z` or `+07:00`), else 422 saying so.

    In an unencoded URL a `+` arrives as a space (`…T10:00:00 07:00`): a space before an offset
    can mean nothing else, so it is read as the `+` it was."""
    if value is None:
        return None
    text = _PLUS_AS_SPACE.sub(r"\1+\2", value)
    try:
        instant = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    except ValueError:
        instant = None
    if instant is None or not _RFC_3339.match(text):
        problem = "must be an instant such as 2025-08-11T10:00:00+07:00"
        raise ValidationFailed([FieldProblem(field, f"{problem}; got {value[:40]!r}")])
    if instant.utcoffset() is None:
        problem = "an instant needs an offset such as +07:00 or Z"
        raise ValidationFailed([FieldProblem(field, f"{problem}; got {value[:40]!r}")])
    try:
        instant.astimezone(UTC)
    except OverflowError:
        raise ValidationFailed([FieldProblem(field, "is beyond the calendar")]) from None
    return instant


# A date, a time (seconds, maybe a fraction) and an optional offset; `T`, `t` or a space between.
_RFC_3339 = re.compile(
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    r"([Zz]|[+-][0-9]{2}:[0-9]{2})?$"
)
_PLUS_AS_SPACE = re.compile(
    r"^(.*[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?) ([0-9]{2}:[0-9]{2})$"
)
