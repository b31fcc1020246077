"""Bodies of the funding-source endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

import msgspec

from casework.http.schemas.common import (
    AreaCode,
    Code,
    LongText,
    PositiveRupiah,
    Request,
    Rupiah,
    ShortText,
)
from casework.projections.read_rows import FundingSourceOut as FundingSourceOut
from casework.vocabulary import FundingKind

FiscalYear = Annotated[int, msgspec.Meta(ge=2000, le=2100)]


class OpenFundingSource(Request):
    code: Code
    kind: FundingKind
    name: LongText
    sponsor: LongText
    fiscal_year: FiscalYear
    budget_idr: Rupiah
    area: AreaCode
    programs: Annotated[list[ShortText], msgspec.Meta(min_length=1, max_length=20)]
    reference: Annotated[str, msgspec.Meta(max_length=500)] = ""


class ReceiptIn(Request):
    amount_idr: PositiveRupiah
    reference: LongText
    received_on: date


class BudgetRevisionIn(Request):
    budget_idr: Rupiah
    reason: LongText


class ClosureIn(Request):
    reason: LongText


class FundingSourcePage(msgspec.Struct):
    items: list[FundingSourceOut]
    next_cursor: str | None
    position: int  # the read model's position


class ReceiptOut(msgspec.Struct):
    """One receipt (an SP2D or a transfer) as finance reads it back."""

    amount_idr: int
    reference: str
    received_on: date
    recorded_at: datetime
    actor: str
    position: int


class ReceiptPage(msgspec.Struct):
    items: list[ReceiptOut]
    next_cursor: str | None
