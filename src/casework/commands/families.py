"""Commands on a family's case file (registration, members, moves, welfare, programmes)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID, uuid4

from casework.aggregates.base import Cause
from casework.aggregates.family import Family, NewMember, invalid
from casework.application import CaseworkStore, Saved
from casework.cell.boundary import require_within_cell
from casework.commands.family_input import (
    check_address,
    check_desil,
    check_kk,
    check_member,
    check_village,
)
from casework.errors import FieldProblem, NotFound
from casework.store.claims import Claim, ClaimChanges, Release
from casework.validation.field_checks import FieldChecks
from casework.validation.identity_numbers import check_nik
from casework.vocabulary import (
    DASHAT_CATEGORIES,
    DASHAT_EXIT_REASONS,
    DEPARTURE_REASONS,
    WELFARE_SOURCES,
)


@dataclass(frozen=True)
class PlannedFamily:
    """A registration checked and built, not yet saved: the family, its KK claim, warnings."""

    family: Family
    claim: Claim
    warnings: list[FieldProblem]


class FamilyCommands(CaseworkStore):
    def today(self) -> date:
        """Today in the deployment's time zone (CASEWORK_TIME_ZONE): in Kota Kupang (WITA) a
        departure recorded at 07:30 is of today, though UTC still reads yesterday."""
        return datetime.now(self.settings.zone).date()

    def kk_claim_key(self, kk_number: str) -> str:
        return self.master_key.lookup_hmac("kk", kk_number)

    def register_family(
        self,
        cause: Cause,
        *,
        kk_number: str,
        area_code: str,
        address: str,
        welfare_desil: int | None,
        members: list[NewMember],
        family_id: UUID | None = None,
    ) -> Saved:
        planned = self.plan_registration(
            cause,
            kk_number=kk_number,
            area_code=area_code,
            address=address,
            welfare_desil=welfare_desil,
            members=members,
            family_id=family_id,
        )
        family = planned.family
        # The new family's key is made and cached here, sealed into its events just below and
        # stored in their transaction: one transaction and two round trips fewer than storing
        # it first, and no key is ever left without its family.
        wrapped = self.keys.new_key(family.id)
        position = self.save_all(
            family,
            claims=ClaimChanges(take=(planned.claim,)),
            warnings=planned.warnings,
            new_keys=[(family.id, wrapped)],
            cause=cause,
        )
        return Saved.of(family, position, planned.warnings)

    def plan_registration(
        self,
        cause: Cause,
        *,
        kk_number: str,
        area_code: str,
        address: str,
        welfare_desil: int | None,
        members: list[NewMember],
        family_id: UUID | None = None,
    ) -> PlannedFamily:
        """Validate a registration and build its family, unsaved (the bulk import saves many
        at once); ValidationFailed lists every field problem."""
        checks = FieldChecks()
        check_kk(checks, kk_number)
        area = check_village(checks, area_code)
        check_address(checks, address)
        check_desil(checks, welfare_desil, "welfare_desil")
        checks.require(0 < len(members) <= 50, "members", "must list 1 to 50 members")
        on = self.today()
        for index, member in enumerate(members):
            check_member(checks, member, f"members[{index}].", on)
        warnings = checks.done()
        require_within_cell(self.cell, "area_code", area)
        new_id = family_id or uuid4()
        family = Family.register(
            cause,
            new_id,
            kk_number=kk_number,
            area_code=area,
            address=address,
            welfare_desil=welfare_desil,
            members=members,
        )
        claim = Claim("kk", self.kk_claim_key(kk_number), new_id)
        return PlannedFamily(family, claim, warnings)

    def add_member(
        self,
        cause: Cause,
        family_id: UUID,
        member: NewMember,
        *,
        expected_version: int | None = None,
    ) -> Saved:
        checks = FieldChecks()
        check_member(checks, member, "", self.today())
        warnings = checks.done()

        def attempt() -> Saved:
            family = self.load(Family, family_id, expected_version, cause)
            family.add_member(cause, member)
            position = self.save_all(family, warnings=warnings, cause=cause)
            return Saved.of(family, position, warnings)

        return self.retrying(attempt, saving=(family_id,))

    def correct_member(
        self,
        cause: Cause,
        family_id: UUID,
        nik: str,
        *,
        name: str | None = None,
        sex: str | None = None,
        birth_date: date | None = None,
        new_nik: str | None = None,
        expected_version: int | None = None,
    ) -> Saved:
        checks = FieldChecks()
        if name is not None:
            checks.text(name, "name", max_length=200)
        if sex is not None:
            checks.one_of(sex, ("L", "P"), "sex")
        if birth_date is not None:
            checks.not_future(birth_date, "birth_date", self.today())
        checks.require(
            any(v is not None for v in (name, sex, birth_date, new_nik)),
            "body",
            "nothing to correct",
        )
        checks.done()

        def attempt() -> Saved:
            family = self.load(Family, family_id, expected_version, cause)
            member = family.member_by_nik(nik)
            # The NIK's sex rule needs the member's sex, which only the family knows; a new
            # NIK or a new sex can each contradict the other, kept one.
            nik_checks = FieldChecks()
            nik_after = new_nik or member.nik
            if nik_after is not None and (new_nik is not None or sex is not None):
                field = "nik" if new_nik is not None else "sex"
                nik_checks.warn_all(
                    field, nik_checks.run(field, lambda: check_nik(nik_after, sex or member.sex))
                )
            warnings = nik_checks.done()
            family.correct_member(
                cause, member.member_no, name=name, sex=sex, birth_date=birth_date, nik=new_nik
            )
            position = self.save_all(family, warnings=warnings, cause=cause)
            return Saved.of(family, position, warnings)

        return self.retrying(attempt, saving=(family_id,))

    def depart_member(
        self,
        cause: Cause,
        family_id: UUID,
        nik: str,
        *,
        reason: str,
        on: date,
        new_head_nik: str | None = None,
        expected_version: int | None = None,
    ) -> Saved:
        checks = FieldChecks()
        checks.one_of(reason, DEPARTURE_REASONS, "reason")
        checks.not_future(on, "on", self.today())
        checks.done()

        def attempt() -> Saved:
            family = self.load(Family, family_id, expected_version, cause)
            member = family.member_by_nik(nik)
            new_head = self._member_no(family, new_head_nik, "new_head_nik")
            emptied = family.depart_member(
                cause, member.member_no, reason=reason, on=on, new_head_no=new_head
            )
            releases: tuple[Release, ...] = ()
            if emptied and family.kk_number is not None:
                # The last member left: the KK number is free for another family.
                releases = (Release("kk", self.kk_claim_key(family.kk_number), family_id),)
            position = self.save_all(family, claims=ClaimChanges(release=releases), cause=cause)
            return Saved.of(family, position)

        return self.retrying(attempt, saving=(family_id,))

    def relocate_family(
        self,
        cause: Cause,
        family_id: UUID,
        *,
        area_code: str,
        address: str,
        kk_number: str | None = None,
        expected_version: int | None = None,
    ) -> Saved:
        checks = FieldChecks()
        area = check_village(checks, area_code)
        check_address(checks, address)
        if kk_number is not None:
            check_kk(checks, kk_number)
        warnings = checks.done()
        require_within_cell(self.cell, "area_code", area)

        def attempt() -> Saved:
            family = self.load(Family, family_id, expected_version, cause)
            old_kk = family.kk_number
            family.relocate(cause, area_code=area, address=address, kk_number=kk_number)
            claims = ClaimChanges()
            if kk_number is not None and kk_number != old_kk:
                claims = ClaimChanges(
                    take=(Claim("kk", self.kk_claim_key(kk_number), family_id),),
                    release=tuple(
                        Release("kk", self.kk_claim_key(old), family_id) for old in [old_kk] if old
                    ),
                )
            position = self.save_all(family, claims=claims, warnings=warnings, cause=cause)
            return Saved.of(family, position, warnings)

        return self.retrying(attempt, saving=(family_id,))

    def assess_welfare(
        self,
        cause: Cause,
        family_id: UUID,
        *,
        desil: int,
        source: str,
        assessed_on: date,
        expected_version: int | None = None,
    ) -> Saved:
        checks = FieldChecks()
        check_desil(checks, desil, "desil")
        checks.one_of(source, WELFARE_SOURCES, "source")
        checks.not_future(assessed_on, "assessed_on", self.today())
        checks.done()

        def attempt() -> Saved:
            family = self.load(Family, family_id, expected_version, cause)
            family.assess_welfare(cause, desil=desil, source=source, assessed_on=assessed_on)
            return Saved.of(family, self.save_all(family, cause=cause))

        return self.retrying(attempt, saving=(family_id,))

    def enrol_in_dashat(
        self,
        cause: Cause,
        family_id: UUID,
        *,
        member_nik: str,
        category: str,
        kitchen: str,
        enrolled_on: date,
        expected_version: int | None = None,
    ) -> Saved:
        checks = FieldChecks()
        checks.one_of(category, DASHAT_CATEGORIES, "category")
        checks.text(kitchen, "kitchen", max_length=100)
        checks.done()

        def attempt() -> Saved:
            family = self.load(Family, family_id, expected_version, cause)
            member_no = self._member_no(family, member_nik, "member_nik")
            assert member_no is not None
            family.enrol_in_dashat(
                cause, member_no, category=category, kitchen=kitchen, enrolled_on=enrolled_on
            )
            return Saved.of(family, self.save_all(family, cause=cause))

        return self.retrying(attempt, saving=(family_id,))

    def exit_dashat(
        self,
        cause: Cause,
        family_id: UUID,
        member_nik: str,
        *,
        exited_on: date,
        reason: str,
        expected_version: int | None = None,
    ) -> Saved:
        checks = FieldChecks()
        checks.one_of(reason, DASHAT_EXIT_REASONS, "reason")
        checks.done()

        def attempt() -> Saved:
            family = self.load(Family, family_id, expected_version, cause)
            member = family.member_by_nik(member_nik)
            family.exit_dashat(cause, member.member_no, exited_on=exited_on, reason=reason)
            return Saved.of(family, self.save_all(family, cause=cause))

        return self.retrying(attempt, saving=(family_id,))

    @staticmethod
    def _member_no(family: Family, nik: str | None, field: str) -> int | None:
        """Resolve a NIK given in a request body; unknown is the client's field error."""
        if nik is None:
            return None
        try:
            return family.member_by_nik(nik).member_no
        except NotFound:
            raise invalid(field, "no member of this family has this NIK") from None
