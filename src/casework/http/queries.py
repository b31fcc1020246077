"""Query parameters several endpoints share, with the bounds the contract gives them."""

from __future__ import annotations

from typing import Annotated

from litestar.params import QueryParameter

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
