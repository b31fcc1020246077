"""The Family aggregate: a case file whose identity is a random UUID, never its KK number."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import ClassVar
from uuid import UUID

from casework.aggregates.base import CaseworkAggregate, Cause, Creation
from casework.aggregates.family_records import (
    DashatEnrolment,
    Delivery,
    DeliveryItem,
    Member,
    MemberFacts,
    MemberIdentity,
    UppkaMembership,
    Welfare,
)
from casework.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from casework.vocabulary import ERASED, HEAD

PERSONAL_MEMBER_FIELDS = ("nik", "name", "birth_date")


class Family(CaseworkAggregate):
    TOPIC = "casework.family"

    def __init__(self) -> None:
        self.kk_number: str | None = None
        self.area_code = ""
        self.address: str | None = None
        self.welfare: Welfare | None = None
        self.members: dict[int, Member] = {}
        self.deliveries: dict[UUID, Delivery] = {}
        self.uppka: list[UppkaMembership] = []
        self.dashat: list[DashatEnrolment] = []
        self.erased = False

    # -- events ------------------------------------------------------------------------------

    class Registered(Creation):
        TOPIC = "casework.family.registered"
        PERSONAL_FIELDS: ClassVar = ("kk_number", "address", "identities")
        kk_number: str | None
        area_code: str
        address: str | None
        welfare_desil: int | None
        members: tuple[MemberFacts, ...]
        identities: tuple[MemberIdentity, ...] | None

        def apply(self, family: Family) -> None:
            family.kk_number = self.kk_number
            family.area_code = self.area_code
            family.address = self.address
            if self.welfare_desil is not None:
                family.welfare = Welfare(self.welfare_desil, None, None)
            identities = {i.member_no: i for i in self.identities or ()}
            for facts in self.members:
                identity = identities.get(facts.member_no)
                family.members[facts.member_no] = Member(
                    member_no=facts.member_no,
                    nik=identity.nik if identity else None,
                    name=identity.name if identity else None,
                    sex=facts.sex,
                    birth_date=identity.birth_date if identity else None,
                    relationship=facts.relationship,
                )

    class MemberAdded(CaseworkAggregate.Event):
        TOPIC = "casework.family.member-added"
        PERSONAL_FIELDS: ClassVar = PERSONAL_MEMBER_FIELDS
        member_no: int
        sex: str
        relationship: str
        nik: str | None
        name: str | None
        birth_date: date | None

        def apply(self, family: Family) -> None:
            family.members[self.member_no] = Member(
                self.member_no, self.nik, self.name, self.sex, self.birth_date, self.relationship
            )

    class MemberCorrected(CaseworkAggregate.Event):
        """A typo fixed or a provisional NIK replaced; None means 'unchanged'."""

        TOPIC = "casework.family.member-corrected"
        PERSONAL_FIELDS: ClassVar = PERSONAL_MEMBER_FIELDS
        member_no: int
        sex: str | None
        nik: str | None
        name: str | None
        birth_date: date | None

        def apply(self, family: Family) -> None:
            member = family.members[self.member_no]
            member.sex = self.sex or member.sex
            member.nik = self.nik or member.nik
            member.name = self.name or member.name
            member.birth_date = self.birth_date or member.birth_date

    class MemberDeparted(CaseworkAggregate.Event):
        TOPIC = "casework.family.member-departed"
        member_no: int
        reason: str
        on: date
        new_head_member_no: int | None

        def apply(self, family: Family) -> None:
            member = family.members[self.member_no]
            member.status = "departed"
            member.departed_on = self.on
            member.departure_reason = self.reason
            # Someone who left the family no longer takes part in its programmes.
            participations: list[UppkaMembership | DashatEnrolment] = [
                *family.uppka,
                *family.dashat,
            ]
            for participation in participations:
                if participation.member_no == self.member_no and participation.status == "active":
                    participation.end(self.on)
            if self.new_head_member_no is not None:
                family.members[self.new_head_member_no].relationship = HEAD

    class Relocated(CaseworkAggregate.Event):
        TOPIC = "casework.family.relocated"
        PERSONAL_FIELDS: ClassVar = ("address", "kk_number")
        area_code: str
        address: str | None
        kk_number: str | None  # None: the KK number did not change

        def apply(self, family: Family) -> None:
            family.area_code = self.area_code
            family.address = self.address
            family.kk_number = self.kk_number or family.kk_number

    class WelfareAssessed(CaseworkAggregate.Event):
        TOPIC = "casework.family.welfare-assessed"
        desil: int
        source: str
        assessed_on: date

        def apply(self, family: Family) -> None:
            family.welfare = Welfare(self.desil, self.source, self.assessed_on)

    class AidDelivered(CaseworkAggregate.Event):
        """Financial facts only, in the clear: the funding source repeats them in its draw."""

        TOPIC = "casework.family.aid-delivered"
        delivery_id: UUID
        program: str
        period: str
        funding_source_id: UUID
        delivered_on: date
        recipient_member_no: int | None
        items: tuple[DeliveryItem, ...]
        value_idr: int
        area_code: str

        def apply(self, family: Family) -> None:
            family.deliveries[self.delivery_id] = Delivery(
                delivery_id=self.delivery_id,
                program=self.program,
                period=self.period,
                funding_source_id=self.funding_source_id,
                delivered_on=self.delivered_on,
                recipient_member_no=self.recipient_member_no,
                items=self.items,
                value_idr=self.value_idr,
                area_code=self.area_code,
                version=self.originator_version,
            )

    class AidDeliveryVoided(CaseworkAggregate.Event):
        TOPIC = "casework.family.aid-delivery-voided"
        delivery_id: UUID
        reason: str

        def apply(self, family: Family) -> None:
            delivery = family.deliveries[self.delivery_id]
            delivery.status = "voided"
            delivery.void_reason = self.reason

    class JoinedUppka(CaseworkAggregate.Event):
        TOPIC = "casework.family.joined-uppka"
        group_id: UUID
        member_no: int
        joined_on: date

        def apply(self, family: Family) -> None:
            family.uppka.append(UppkaMembership(self.group_id, self.member_no, self.joined_on))

    class LeftUppka(CaseworkAggregate.Event):
        TOPIC = "casework.family.left-uppka"
        group_id: UUID
        member_no: int
        left_on: date
        reason: str

        def apply(self, family: Family) -> None:
            membership = family.active_uppka(self.group_id, self.member_no)
            if membership is not None:  # the command checked; apply must never fail
                membership.end(self.left_on)

    class EnrolledInDashat(CaseworkAggregate.Event):
        TOPIC = "casework.family.enrolled-in-dashat"
        member_no: int
        category: str
        kitchen: str
        enrolled_on: date

        def apply(self, family: Family) -> None:
            family.dashat.append(
                DashatEnrolment(self.member_no, self.category, self.kitchen, self.enrolled_on)
            )

    class ExitedDashat(CaseworkAggregate.Event):
        TOPIC = "casework.family.exited-dashat"
        member_no: int
        exited_on: date
        reason: str

        def apply(self, family: Family) -> None:
            enrolment = family.active_dashat(self.member_no)
            if enrolment is not None:  # the command checked; apply must never fail
                enrolment.end(self.exited_on)

    class PersonalDataErased(CaseworkAggregate.Event):
        TOPIC = "casework.family.personal-data-erased"
        reason: str
        request_reference: str

        def apply(self, family: Family) -> None:
            family.erased = True
            family.kk_number = None
            family.address = None
            for member in family.members.values():
                member.nik = member.name = None
                member.birth_date = None

    # -- commands: decide, then record (apply methods never fail) ----------------------------

    @classmethod
    def register(
        cls,
        cause: Cause,
        family_id: UUID,
        *,
        kk_number: str,
        area_code: str,
        address: str,
        welfare_desil: int | None,
        members: list[NewMember],
    ) -> Family:
        heads = [i for i, m in enumerate(members) if m.relationship == HEAD]
        if len(heads) != 1:
            raise invalid("members", f"exactly one {HEAD} is required, got {len(heads)}")
        seen: dict[str, int] = {}
        for index, member in enumerate(members):
            if member.nik in seen:
                raise invalid(f"members[{index}].nik", f"same NIK as members[{seen[member.nik]}]")
            seen[member.nik] = index
        numbered = list(enumerate(members, start=1))
        return cls._start(
            cls.Registered,
            family_id,
            cause,
            kk_number=kk_number,
            area_code=area_code,
            address=address,
            welfare_desil=welfare_desil,
            members=tuple(MemberFacts(no, m.sex, m.relationship) for no, m in numbered),
            identities=tuple(MemberIdentity(no, m.nik, m.name, m.birth_date) for no, m in numbered),
        )

    def add_member(self, cause: Cause, member: NewMember) -> int:
        self.require_open()
        self._refuse_duplicate_nik(member.nik, except_no=None)
        if member.relationship == HEAD and self.head() is not None:
            raise invalid("relationship", f"the family already has a {HEAD}")
        member_no = self.next_member_no()
        self._record(
            self.MemberAdded,
            cause,
            member_no=member_no,
            sex=member.sex,
            relationship=member.relationship,
            nik=member.nik,
            name=member.name,
            birth_date=member.birth_date,
        )
        return member_no

    def correct_member(
        self,
        cause: Cause,
        member_no: int,
        *,
        name: str | None,
        sex: str | None,
        birth_date: date | None,
        nik: str | None,
    ) -> None:
        if self.erased:
            raise Conflict("family-erased", "the family's personal data was erased")
        self.member(member_no)
        if nik is not None:
            self._refuse_duplicate_nik(nik, except_no=member_no)
        self._record(
            self.MemberCorrected,
            cause,
            member_no=member_no,
            sex=sex,
            nik=nik,
            name=name,
            birth_date=birth_date,
        )

    def depart_member(
        self, cause: Cause, member_no: int, *, reason: str, on: date, new_head_no: int | None
    ) -> bool:
        """Record a departure; True when it left the family without members (KK freed)."""
        member = self.member(member_no)
        if not member.is_active:
            raise Conflict("member-not-active", "the member has already departed")
        others = [m for m in self.active_members() if m.member_no != member_no]
        if new_head_no is not None:
            if new_head_no not in {m.member_no for m in others}:
                raise invalid("new_head_nik", "the new head must be another active member")
            if member.relationship != HEAD:
                raise invalid("new_head_nik", "only the departure of the head names a new head")
        elif member.relationship == HEAD and others:
            raise invalid("new_head_nik", "the head leaves others behind: name the new head")
        self._record(
            self.MemberDeparted,
            cause,
            member_no=member_no,
            reason=reason,
            on=on,
            new_head_member_no=new_head_no,
        )
        return not others

    def relocate(
        self, cause: Cause, *, area_code: str, address: str, kk_number: str | None
    ) -> None:
        self.require_open()
        changed_kk = kk_number if kk_number is not None and kk_number != self.kk_number else None
        self._record(
            self.Relocated, cause, area_code=area_code, address=address, kk_number=changed_kk
        )

    def assess_welfare(self, cause: Cause, *, desil: int, source: str, assessed_on: date) -> None:
        self.require_open()
        self._record(
            self.WelfareAssessed, cause, desil=desil, source=source, assessed_on=assessed_on
        )

    def deliver_aid(self, cause: Cause, delivery: NewDelivery) -> int:
        """Record a delivery; returns its value in rupiah (the amount to draw)."""
        self.require_open()
        if delivery.recipient_member_no is not None:
            recipient = self.members.get(delivery.recipient_member_no)
            if recipient is None or not recipient.is_active:
                raise invalid("recipient_nik", "the recipient must be an active member")
        if delivery.delivery_id in self.deliveries:
            raise Conflict("duplicate-delivery", "this delivery_id is already recorded")
        for earlier in self.deliveries.values():
            if (
                earlier.status == "delivered"
                and earlier.program == delivery.program
                and earlier.period == delivery.period
                and earlier.recipient_member_no == delivery.recipient_member_no
            ):
                raise Conflict(
                    "duplicate-delivery",
                    f"{delivery.program} {delivery.period} was already delivered to this "
                    f"recipient (delivery {earlier.delivery_id})",
                )
        value = sum(item.value_idr for item in delivery.items)
        self._record(
            self.AidDelivered,
            cause,
            delivery_id=delivery.delivery_id,
            program=delivery.program,
            period=delivery.period,
            funding_source_id=delivery.funding_source_id,
            delivered_on=delivery.delivered_on,
            recipient_member_no=delivery.recipient_member_no,
            items=delivery.items,
            value_idr=value,
            area_code=self.area_code,
        )
        return value

    def void_delivery(self, cause: Cause, delivery_id: UUID, *, reason: str) -> Delivery:
        delivery = self.deliveries.get(delivery_id)
        if delivery is None:
            raise NotFound("no such delivery in this family")
        if delivery.status == "voided":
            raise Conflict("already-voided", "the delivery was already voided")
        self._record(self.AidDeliveryVoided, cause, delivery_id=delivery_id, reason=reason)
        return delivery

    def join_uppka(self, cause: Cause, group_id: UUID, member_no: int, joined_on: date) -> None:
        self.require_open()
        self._require_active_member(member_no, "member_nik")
        if self.active_uppka(group_id, member_no) is not None:
            raise Conflict("already-member", "the member already belongs to this UPPKA group")
        self._record(
            self.JoinedUppka, cause, group_id=group_id, member_no=member_no, joined_on=joined_on
        )

    def leave_uppka(
        self, cause: Cause, group_id: UUID, member_no: int, *, left_on: date, reason: str
    ) -> None:
        if self.active_uppka(group_id, member_no) is None:
            raise Conflict("not-a-member", "the member does not belong to this UPPKA group")
        self._record(
            self.LeftUppka,
            cause,
            group_id=group_id,
            member_no=member_no,
            left_on=left_on,
            reason=reason,
        )

    def enrol_in_dashat(
        self, cause: Cause, member_no: int, *, category: str, kitchen: str, enrolled_on: date
    ) -> None:
        self.require_open()
        self._require_active_member(member_no, "member_nik")
        if self.active_dashat(member_no) is not None:
            raise Conflict("already-enrolled", "the member is already enrolled in DASHAT")
        self._record(
            self.EnrolledInDashat,
            cause,
            member_no=member_no,
            category=category,
            kitchen=kitchen,
            enrolled_on=enrolled_on,
        )

    def exit_dashat(self, cause: Cause, member_no: int, *, exited_on: date, reason: str) -> None:
        if self.active_dashat(member_no) is None:
            raise Conflict("not-enrolled", "the member is not enrolled in DASHAT")
        self._record(
            self.ExitedDashat, cause, member_no=member_no, exited_on=exited_on, reason=reason
        )

    def erase_personal_data(
        self, cause: Cause, *, reason: str, request_reference: str, on: date
    ) -> None:
        """Erase, having first ended every UPPKA membership and DASHAT enrolment on `on` (the
        erasure's date): once the NIKs are gone nobody could end them, and they would stay
        active forever."""
        if self.erased:
            raise Conflict("already-erased", "the family's personal data was already erased")
        self.end_participations(cause, on=on)
        self._record(
            self.PersonalDataErased, cause, reason=reason, request_reference=request_reference
        )

    def end_participations(self, cause: Cause, *, on: date) -> int:
        """End every active UPPKA membership and DASHAT enrolment on `on`, with reason
        `erased`; the number ended. Also for families erased before erasure did this."""
        ended = 0
        for membership in [m for m in self.uppka if m.status == "active"]:
            self._record(
                self.LeftUppka,
                cause,
                group_id=membership.group_id,
                member_no=membership.member_no,
                left_on=on,
                reason=ERASED,
            )
            ended += 1
        for enrolment in [e for e in self.dashat if e.status == "active"]:
            self._record(
                self.ExitedDashat, cause, member_no=enrolment.member_no, exited_on=on, reason=ERASED
            )
            ended += 1
        return ended

    def _refuse_duplicate_nik(self, nik: str, *, except_no: int | None) -> None:
        for member in self.members.values():
            if member.member_no != except_no and member.is_active and member.nik == nik:
                raise Conflict(
                    "duplicate-member", "a member with this NIK is already in the family"
                )

    def _require_active_member(self, member_no: int, field: str) -> None:
        member = self.members.get(member_no)
        if member is None or not member.is_active:
            raise invalid(field, "must be an active member of the family")

    # -- queries -----------------------------------------------------------------------------

    @property
    def status(self) -> str:
        if self.erased:
            return "erased"
        return "active" if self.active_members() else "inactive"

    def active_members(self) -> list[Member]:
        return [m for m in self.members.values() if m.is_active]

    def head(self) -> Member | None:
        return next((m for m in self.active_members() if m.relationship == HEAD), None)

    def member_by_nik(self, nik: str) -> Member:
        """The member with this NIK: the active one when a person left and came back."""
        matches = [m for m in self.members.values() if m.nik is not None and m.nik == nik]
        if not matches:
            raise NotFound("no member with that NIK in this family")
        active = [m for m in matches if m.is_active]
        return (active or matches)[-1]

    def member(self, member_no: int) -> Member:
        member = self.members.get(member_no)
        if member is None:
            raise NotFound(f"no member {member_no} in this family")
        return member

    def active_uppka(self, group_id: UUID, member_no: int) -> UppkaMembership | None:
        return next(
            (
                m
                for m in self.uppka
                if m.group_id == group_id and m.member_no == member_no and m.status == "active"
            ),
            None,
        )

    def active_dashat(self, member_no: int) -> DashatEnrolment | None:
        return next(
            (e for e in self.dashat if e.member_no == member_no and e.status == "active"), None
        )

    def require_open(self) -> None:
        """Commands that add to a case file need a family that still has members and data."""
        if self.erased:
            raise Conflict("family-erased", "the family's personal data was erased")
        if not self.active_members():
            raise Conflict("family-inactive", "the family has no active member")

    def next_member_no(self) -> int:
        return max(self.members, default=0) + 1


@dataclass(frozen=True)
class NewMember:
    nik: str
    name: str
    sex: str
    birth_date: date
    relationship: str


@dataclass(frozen=True)
class NewDelivery:
    delivery_id: UUID
    program: str
    period: str
    funding_source_id: UUID
    delivered_on: date
    recipient_member_no: int | None
    items: tuple[DeliveryItem, ...]


def invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem(field, message)])


__all__ = ["Cause", "Family", "NewDelivery", "NewMember", "invalid"]
