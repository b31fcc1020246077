"""What a family receives and takes part in: aid deliveries, UPPKA groups, DASHAT kitchens."""

from __future__ import annotations

from uuid import UUID

from litestar import Controller, Response

from casework.aggregates.base import Cause
from casework.aggregates.family_records import DeliveryItem
from casework.http.policy import ADMINS, FAMILY_WRITERS, authorize
from casework.http.resources import written
from casework.http.routes import family_command
from casework.http.schemas.families import (
    AidDeliveryIn,
    DashatEnrolmentIn,
    DashatExit,
    ErasureIn,
    FamilyOut,
    UppkaExit,
    UppkaJoin,
    VoidIn,
)
from casework.service import Casework

FAMILY = "family"


class ProgrammeController(Controller):
    path = "/families/{family_id:uuid}"
    guards = (authorize,)
    tags = ("families",)

    @family_command("/aid-deliveries", roles=FAMILY_WRITERS, status=201)
    def deliver_aid(
        self,
        family_id: UUID,
        data: AidDeliveryIn,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[FamilyOut]:
        """Records the delivery and draws its value from the funding source, atomically."""
        saved = casework.deliver_aid(
            cause,
            family_id,
            delivery_id=data.delivery_id,
            program=data.program,
            period=data.period,
            funding_source_id=data.funding_source_id,
            delivered_on=data.delivered_on,
            items=[DeliveryItem(i.item, i.quantity, i.unit, i.unit_value_idr) for i in data.items],
            recipient_nik=data.recipient_nik,
            expected_version=pinned_version,
        )
        return written(casework, FAMILY, saved, status=201)

    @family_command("/aid-deliveries/{delivery_id:uuid}/void", roles=FAMILY_WRITERS)
    def void_delivery(
        self,
        family_id: UUID,
        delivery_id: UUID,
        data: VoidIn,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[FamilyOut]:
        """Voids the delivery and returns its value to the funding source, atomically."""
        saved = casework.void_delivery(
            cause, family_id, delivery_id, reason=data.reason, expected_version=pinned_version
        )
        return written(casework, FAMILY, saved)

    @family_command("/uppka-memberships", roles=FAMILY_WRITERS, status=201)
    def join_uppka(
        self,
        family_id: UUID,
        data: UppkaJoin,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[FamilyOut]:
        saved = casework.join_uppka(
            cause,
            family_id,
            group_id=data.group_id,
            member_nik=data.member_nik,
            joined_on=data.joined_on,
            expected_version=pinned_version,
        )
        return written(casework, FAMILY, saved, status=201)

    @family_command("/uppka-memberships/{group_id:uuid}/exit", roles=FAMILY_WRITERS)
    def leave_uppka(
        self,
        family_id: UUID,
        group_id: UUID,
        data: UppkaExit,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[FamilyOut]:
        saved = casework.leave_uppka(
            cause,
            family_id,
            group_id,
            member_nik=data.member_nik,
            left_on=data.left_on,
            reason=data.reason,
            expected_version=pinned_version,
        )
        return written(casework, FAMILY, saved)

    @family_command("/dashat-enrollments", roles=FAMILY_WRITERS, status=201)
    def enrol_in_dashat(
        self,
        family_id: UUID,
        data: DashatEnrolmentIn,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[FamilyOut]:
        saved = casework.enrol_in_dashat(
            cause,
            family_id,
            member_nik=data.member_nik,
            category=data.category,
            kitchen=data.kitchen,
            enrolled_on=data.enrolled_on,
            expected_version=pinned_version,
        )
        return written(casework, FAMILY, saved, status=201)

    @family_command("/dashat-enrollments/{member_nik:str}/exit", roles=FAMILY_WRITERS)
    def exit_dashat(
        self,
        family_id: UUID,
        member_nik: str,
        data: DashatExit,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[FamilyOut]:
        saved = casework.exit_dashat(
            cause,
            family_id,
            member_nik,
            exited_on=data.exited_on,
            reason=data.reason,
            expected_version=pinned_version,
        )
        return written(casework, FAMILY, saved)

    @family_command("/erasure", roles=ADMINS)
    def erase(
        self,
        family_id: UUID,
        data: ErasureIn,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[FamilyOut]:
        """Personal-data erasure (UU PDP No. 27/2022): destroys the family's data key.

        Names, NIKs, the KK number, birth dates and the address read as null from then on, in
        the family, its history and the family list; deliveries, programmes, areas and values
        stay, so reconciliation does not change. The KK number is free for another family.
        Erasing again answers 409 `already-erased`.
        """
        saved = casework.erase_family(
            cause,
            family_id,
            reason=data.reason,
            request_reference=data.request_reference,
            expected_version=pinned_version,
        )
        return written(casework, FAMILY, saved)
