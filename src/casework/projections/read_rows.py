"""The rows the read models answer with: types of the read side, which the API serves as they are.

The projections' queries build these; the HTTP schemas re-export them (a read model never
imports the HTTP layer). Every figure is an integer number of rupiah.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

import msgspec


class ProgramFigures(msgspec.Struct):
    program: str
    period: str
    deliveries: int
    value_idr: int


class SourceFigures(msgspec.Struct):
    funding_source_id: UUID
    code: str
    kind: str
    fiscal_year: int
    budget_idr: int
    received_idr: int
    drawn_idr: int  # net of voids
    voided_idr: int
    balance_idr: int  # budget - drawn
    unreceived_idr: int  # drawn - received when positive, else 0
    deliveries: int  # not voided
    by_program: list[ProgramFigures]


class Totals(msgspec.Struct):
    budget_idr: int
    received_idr: int
    drawn_idr: int
    voided_idr: int
    balance_idr: int


class ReconciliationReport(msgspec.Struct):
    as_of: datetime | None  # the instant the figures reflect (None: no event processed yet)
    position: int  # the last event position the figures include
    sources: list[SourceFigures]
    totals: Totals


class DeliveryLine(msgspec.Struct):
    delivery_id: UUID
    family_id: UUID
    funding_source_id: UUID
    area_code: str
    program: str
    period: str
    value_idr: int
    delivered_on: date | None
    status: Literal["delivered", "voided"]
    position: int  # of the draw on the funding source


class Finding(msgspec.Struct, kw_only=True, omit_defaults=True):
    kind: str  # unreceived-funds | over-received | duplicate-recipient
    funding_source_id: UUID | None = None
    family_id: UUID | None = None
    detail: str
    position: int  # where the finding began (it holds from there to the page's position)


class FundingSourceOut(msgspec.Struct):
    id: UUID
    version: int
    position: int
    code: str
    kind: str
    name: str
    sponsor: str
    fiscal_year: int
    budget_idr: int
    area: str
    programs: list[str]
    reference: str
    received_idr: int
    drawn_idr: int
    balance_idr: int
    status: str
