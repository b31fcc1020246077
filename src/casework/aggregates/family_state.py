"""A family's snapshot state, and its personal part that is sealed under the family key.

Every attribute the Family's events set has a field in `FamilyState`, typed, so msgspec encodes
and decodes it exactly. A family's personal data (KK number, address, members' NIK, name and
birth date) is split off into `FamilyPersonal` to be sealed under the family key; the clear part
holds None there, which is also how the state reads once the key is destroyed.
"""

from __future__ import annotations

import dataclasses
from uuid import UUID

import msgspec

from casework.aggregates.base import AggregateState
from casework.aggregates.family_records import (
    DashatEnrolment,
    Delivery,
    Member,
    MemberIdentity,
    UppkaMembership,
    Welfare,
)


class FamilyState(AggregateState):
    kk_number: str | None
    area_code: str
    address: str | None
    welfare: Welfare | None
    members: dict[int, Member]
    deliveries: dict[UUID, Delivery]
    uppka: list[UppkaMembership]
    dashat: list[DashatEnrolment]
    erased: bool


class FamilyPersonal(msgspec.Struct):
    kk_number: str | None
    address: str | None
    members: tuple[MemberIdentity, ...]

    def is_empty(self) -> bool:
        return (
            self.kk_number is None
            and self.address is None
            and all(m.nik is None and m.name is None and m.birth_date is None for m in self.members)
        )


def split_family(state: FamilyState) -> tuple[FamilyState, FamilyPersonal]:
    personal = FamilyPersonal(
        kk_number=state.kk_number,
        address=state.address,
        members=tuple(
            MemberIdentity(no, m.nik, m.name, m.birth_date) for no, m in state.members.items()
        ),
    )
    clear = msgspec.structs.replace(
        state,
        kk_number=None,
        address=None,
        # Copies: the members belong to a live aggregate.
        members={
            no: dataclasses.replace(m, nik=None, name=None, birth_date=None)
            for no, m in state.members.items()
        },
    )
    return clear, personal


def merge_family(clear: FamilyState, personal: FamilyPersonal) -> FamilyState:
    clear.kk_number, clear.address = personal.kk_number, personal.address
    for identity in personal.members:
        member = clear.members.get(identity.member_no)
        if member is not None:
            member.nik, member.name = identity.nik, identity.name
            member.birth_date = identity.birth_date
    return clear
