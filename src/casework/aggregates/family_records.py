"""The values a family's events carry and the records its state keeps.

Personal values (NIK, name, birth date, KK number, address) may be None: that is how they read
after the family's key was destroyed by an erasure.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

import msgspec


class MemberFacts(msgspec.Struct, frozen=True):
    """The non-personal facts of a member at registration."""

    member_no: int
    sex: str
    relationship: str


class MemberIdentity(msgspec.Struct, frozen=True):
    """The personal facts of a member, sealed under the family key."""

    member_no: int
    nik: str | None
    name: str | None
    birth_date: date | None


class DeliveryItem(msgspec.Struct, frozen=True):
    item: str
    quantity: int
    unit: str
    unit_value_idr: int

    @property
    def value_idr(self) -> int:
        return self.quantity * self.unit_value_idr


@dataclass
class Member:
    member_no: int
    nik: str | None
    name: str | None
    sex: str
    birth_date: date | None
    relationship: str
    status: str = "active"
    departed_on: date | None = None
    departure_reason: str | None = None

    @property
    def is_active(self) -> bool:
        return self.status == "active"


@dataclass
class Delivery:
    delivery_id: UUID
    program: str
    period: str
    funding_source_id: UUID
    delivered_on: date
    recipient_member_no: int | None
    items: tuple[DeliveryItem, ...]
    value_idr: int
    area_code: str  # the family's area when delivered: a void gives back to the same area
    version: int
    status: str = "delivered"
    void_reason: str | None = None


@dataclass
class UppkaMembership:
    group_id: UUID
    member_no: int
    joined_on: date
    left_on: date | None = None
    status: str = "active"

    def end(self, on: date) -> None:
        self.left_on, self.status = on, "ended"


@dataclass
class DashatEnrolment:
    member_no: int
    category: str
    kitchen: str
    enrolled_on: date
    exited_on: date | None = None
    status: str = "active"

    def end(self, on: date) -> None:
        self.exited_on, self.status = on, "ended"


@dataclass
class Welfare:
    desil: int
    source: str | None
    assessed_on: date | None
