"""UPPKA groups and the memberships families hold in them."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from casework.aggregates.base import Cause
from casework.aggregates.family import Family, invalid
from casework.aggregates.uppka_group import UppkaGroup
from casework.application import Saved
from casework.cell.boundary import require_within_cell
from casework.commands.families import FamilyCommands
from casework.commands.family_input import check_village
from casework.errors import NotFound
from casework.store.claims import Claim, ClaimChanges
from casework.validation.field_checks import FieldChecks


class UppkaCommands(FamilyCommands):
    def form_uppka_group(
        self,
        cause: Cause,
        *,
        code: str,
        name: str,
        area_code: str,
        business_type: str,
        group_id: UUID | None = None,
    ) -> Saved:
        checks = FieldChecks()
        checks.text(code, "code", max_length=100)
        checks.text(name, "name", max_length=200)
        checks.text(business_type, "business_type", max_length=200)
        area = check_village(checks, area_code)
        checks.done()
        require_within_cell(self.cell, "area_code", area)
        new_id = group_id or uuid4()
        group = UppkaGroup.form(
            cause, new_id, code=code, name=name, area_code=area, business_type=business_type
        )
        claim = Claim("uppka-group-code", code, new_id)
        position = self.save_all(group, claims=ClaimChanges(take=(claim,)), cause=cause)
        return Saved.of(group, position)

    def join_uppka(
        self,
        cause: Cause,
        family_id: UUID,
        *,
        group_id: UUID,
        member_nik: str,
        joined_on: date,
        expected_version: int | None = None,
    ) -> Saved:
        def attempt() -> Saved:
            family = self.load(Family, family_id, expected_version, cause)
            try:
                self.load(UppkaGroup, group_id)
            except NotFound:
                raise invalid("group_id", "no such UPPKA group") from None
            member_no = self._member_no(family, member_nik, "member_nik")
            assert member_no is not None
            family.join_uppka(cause, group_id, member_no, joined_on)
            return Saved.of(family, self.save_all(family, cause=cause))

        return self.retrying(attempt, saving=(family_id,))

    def leave_uppka(
        self,
        cause: Cause,
        family_id: UUID,
        group_id: UUID,
        *,
        member_nik: str,
        left_on: date,
        reason: str,
        expected_version: int | None = None,
    ) -> Saved:
        checks = FieldChecks()
        checks.text(reason, "reason")
        checks.done()

        def attempt() -> Saved:
            family = self.load(Family, family_id, expected_version, cause)
            member_no = self._member_no(family, member_nik, "member_nik")
            assert member_no is not None
            family.leave_uppka(cause, group_id, member_no, left_on=left_on, reason=reason)
            return Saved.of(family, self.save_all(family, cause=cause))

        return self.retrying(attempt, saving=(family_id,))
