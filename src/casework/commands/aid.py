"""Aid deliveries: the family's record and the funding source's draw, saved together."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import UUID

from casework.aggregates.base import Cause
from casework.aggregates.family import Family, NewDelivery, invalid
from casework.aggregates.family_records import DeliveryItem
from casework.aggregates.funding_source import DrawRequest, FundingSource
from casework.application import Saved
from casework.commands.families import FamilyCommands
from casework.errors import NotFound
from casework.store.claims import Claim, ClaimChanges
from casework.validation.field_checks import FieldChecks
from casework.vocabulary import MAX_IDR, MAX_QUANTITY, PROGRAMS


def check_items(checks: FieldChecks, items: list[DeliveryItem]) -> None:
    checks.require(0 < len(items) <= 100, "items", "must list 1 to 100 items")
    total = 0
    for index, item in enumerate(items):
        prefix = f"items[{index}]."
        checks.text(item.item, prefix + "item", max_length=100)
        checks.text(item.unit, prefix + "unit", max_length=30)
        checks.require(
            0 < item.quantity <= MAX_QUANTITY, prefix + "quantity", f"must be 1..{MAX_QUANTITY}"
        )
        checks.rupiah(item.unit_value_idr, prefix + "unit_value_idr", allow_zero=True)
        total += item.value_idr
    checks.require(total <= MAX_IDR, "items", f"the delivery's value must not exceed {MAX_IDR}")


class AidCommands(FamilyCommands):
    def deliver_aid(
        self,
        cause: Cause,
        family_id: UUID,
        *,
        delivery_id: UUID,
        program: str,
        period: str,
        funding_source_id: UUID,
        delivered_on: date,
        items: list[DeliveryItem],
        recipient_nik: str | None = None,
        expected_version: int | None = None,
    ) -> Saved:
        checks = FieldChecks()
        checks.one_of(program, PROGRAMS, "program")
        checks.period(period, "period")
        # A delivery cannot be recorded before it happened (a day's grace for time zones).
        checks.require(
            delivered_on <= self.today() + timedelta(days=1),
            "delivered_on",
            "must not be in the future",
        )
        check_items(checks, items)
        checks.done()

        def attempt() -> Saved:
            family = self.load(Family, family_id, expected_version, cause)
            source = self._source_for_delivery(funding_source_id)
            recipient = self._member_no(family, recipient_nik, "recipient_nik")
            value = family.deliver_aid(
                cause,
                NewDelivery(
                    delivery_id=delivery_id,
                    program=program,
                    period=period,
                    funding_source_id=funding_source_id,
                    delivered_on=delivered_on,
                    recipient_member_no=recipient,
                    items=tuple(items),
                ),
            )
            source.draw(
                cause,
                DrawRequest(delivery_id, family_id, program, period, value, family.area_code),
            )
            claim = Claim("delivery", str(delivery_id), family_id)
            position = self.save_all(
                family, source, claims=ClaimChanges(take=(claim,)), cause=cause
            )
            return Saved.of(family, position)

        return self.retrying(attempt, saving=(family_id, funding_source_id))

    def void_delivery(
        self,
        cause: Cause,
        family_id: UUID,
        delivery_id: UUID,
        *,
        reason: str,
        expected_version: int | None = None,
    ) -> Saved:
        checks = FieldChecks()
        checks.text(reason, "reason")
        checks.done()

        def attempt() -> Saved:
            family = self.load(Family, family_id, expected_version, cause)
            delivery = family.void_delivery(cause, delivery_id, reason=reason)
            source = self.load(FundingSource, delivery.funding_source_id)
            draw = DrawRequest(
                delivery_id,
                family_id,
                delivery.program,
                delivery.period,
                delivery.value_idr,
                delivery.area_code,
            )
            source.reverse_draw(cause, draw, reason=reason)
            return Saved.of(family, self.save_all(family, source, cause=cause))

        return self.retrying(attempt, saving=self._void_saves(family_id, delivery_id))

    def _void_saves(self, family_id: UUID, delivery_id: UUID) -> tuple[UUID, ...]:
        """The family and the source its delivery drew on (a delivery's source never changes,
        so reading it before taking turns is safe; an unknown delivery fails in the attempt)."""
        delivery = self.load(Family, family_id).deliveries.get(delivery_id)
        if delivery is None:
            return (family_id,)
        return (family_id, delivery.funding_source_id)

    def _source_for_delivery(self, funding_source_id: UUID) -> FundingSource:
        try:
            return self.load(FundingSource, funding_source_id)
        except NotFound:
            raise invalid("funding_source_id", "no such funding source") from None
