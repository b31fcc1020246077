"""Query parameters of the funding reads, checked the way the contract says (422 on a field)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from litestar.openapi.spec.enums import OpenAPIFormat
from litestar.params import QueryParameter

from casework.errors import FieldProblem, InvalidValue, ValidationFailed
from casework.http.queries import parse_instant
from casework.projections.source_filters import SourceFilter
from casework.validation.areas import normalise_area_code
from casework.vocabulary import Programme


def source_filter(fiscal_year: int | None, kind: str | None, area: str | None) -> SourceFilter:
    """The filter, with `area` in dotted form (10 digits accepted) and known, else 422."""
    if area is None:
        return SourceFilter(fiscal_year, kind)
    try:
        return SourceFilter(fiscal_year, kind, normalise_area_code(area))
    except InvalidValue as error:
        raise ValidationFailed([FieldProblem("area", str(error))]) from None


Period = Annotated[
    str | None, QueryParameter(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
]
Program = Annotated[Programme | None, QueryParameter(description="A programme code.")]

# Taken as text: a datetime parameter would also take a bare number as a Unix timestamp.
AsOf = Annotated[
    str | None,
    QueryParameter(
        format=OpenAPIFormat.DATE_TIME,
        description="An instant with an offset (RFC 3339): every event recorded at or before it.",
    ),
]


def instant(as_of: str | None) -> datetime | None:
    """`as_of` in UTC; one that is no real instant, or beyond the calendar in UTC, is 422."""
    parsed = parse_instant(as_of, "as_of")
    return None if parsed is None else parsed.astimezone(UTC)
