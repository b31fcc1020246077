"""Bodies of the family endpoints."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated
from uuid import UUID

import msgspec

from casework.http.schemas.common import (
    AreaCode,
    FieldMessage,
    KkNumber,
    LongText,
    Nik,
    Period,
    Request,
    Rupiah,
    ShortText,
)
from casework.vocabulary import (
    DESIL_MAX,
    DESIL_MIN,
    MAX_QUANTITY,
    DashatCategory,
    DashatExitReason,
    DepartureReason,
    Relationship,
    Sex,
    WelfareSource,
)

Desil = Annotated[int, msgspec.Meta(ge=DESIL_MIN, le=DESIL_MAX)]
Quantity = Annotated[int, msgspec.Meta(ge=1, le=MAX_QUANTITY)]


class MemberIn(Request):
    nik: Nik
    name: ShortText
    sex: Sex
    birth_date: date
    relationship: Relationship


class RegisterFamily(Request):
    kk_number: KkNumber
    area_code: AreaCode
    address: LongText
    members: Annotated[list[MemberIn], msgspec.Meta(min_length=1, max_length=50)]
    welfare_desil: Desil | None = None


class Departure(Request):
    reason: DepartureReason
    on: date
    new_head_nik: Nik | None = None


class Correction(Request):
    name: ShortText | None = None
    sex: Sex | None = None
    birth_date: date | None = None
    nik: Nik | None = None


class Relocation(Request):
    area_code: AreaCode
    address: LongText
    kk_number: KkNumber | None = None


class WelfareAssessment(Request):
    desil: Desil
    source: WelfareSource
    assessed_on: date


class ItemIn(Request):
    item: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    quantity: Quantity
    unit: Annotated[str, msgspec.Meta(min_length=1, max_length=30)]
    unit_value_idr: Rupiah


class AidDeliveryIn(Request):
    delivery_id: UUID
    program: ShortText
    period: Period
    funding_source_id: UUID
    delivered_on: date
    items: Annotated[list[ItemIn], msgspec.Meta(min_length=1, max_length=100)]
    recipient_nik: Nik | None = None


class VoidIn(Request):
    reason: LongText


class UppkaJoin(Request):
    group_id: UUID
    member_nik: Nik
    joined_on: date


class UppkaExit(Request):
    member_nik: Nik
    left_on: date
    reason: LongText


class DashatEnrolmentIn(Request):
    member_nik: Nik
    category: DashatCategory
    kitchen: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    enrolled_on: date


class DashatExit(Request):
    exited_on: date
    reason: DashatExitReason


class ErasureIn(Request):
    reason: LongText
    request_reference: ShortText


# -- responses ---------------------------------------------------------------------------------


class MemberOut(msgspec.Struct):
    nik: str | None
    name: str | None
    sex: str
    birth_date: date | None
    relationship: str
    status: str


class ItemOut(msgspec.Struct):
    item: str
    quantity: int
    unit: str
    unit_value_idr: int


class AidDeliveryOut(msgspec.Struct):
    delivery_id: UUID
    program: str
    period: str
    funding_source_id: UUID
    delivered_on: date
    recipient_nik: str | None
    items: list[ItemOut]
    value_idr: int
    status: str
    position: int


class UppkaOut(msgspec.Struct):
    group_id: UUID
    member_nik: str | None
    joined_on: date
    left_on: date | None
    status: str


class DashatOut(msgspec.Struct):
    member_nik: str | None
    category: str
    kitchen: str
    enrolled_on: date
    exited_on: date | None
    status: str


class FamilyOut(msgspec.Struct):
    id: UUID
    version: int
    position: int
    kk_number: str | None
    area_code: str
    area_name: str
    address: str | None
    welfare_desil: int | None
    status: str
    members: list[MemberOut]
    aid_deliveries: list[AidDeliveryOut]
    uppka: list[UppkaOut]
    dashat: list[DashatOut]
    registered_at: datetime
    updated_at: datetime
    warnings: list[FieldMessage] | msgspec.UnsetType = msgspec.UNSET


class HistoryItem(msgspec.Struct):
    version: int
    position: int
    type: str
    recorded_at: datetime
    actor: str
    request_id: str
    data: dict[str, object]


class HistoryPage(msgspec.Struct):
    items: list[HistoryItem]
    next_cursor: str | None
