"""Commands on funding sources: open, receipts, budget revisions, closure."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from casework.aggregates.base import Cause
from casework.aggregates.funding_source import FundingSource
from casework.application import CaseworkStore, Saved
from casework.cell.boundary import require_within_cell
from casework.store.claims import Claim, ClaimChanges
from casework.validation.areas import normalise_area_code
from casework.validation.field_checks import FieldChecks
from casework.vocabulary import FUNDING_KINDS, PROGRAMS

MAX_CODE = 100


class FundingCommands(CaseworkStore):
    def open_funding_source(
        self,
        cause: Cause,
        *,
        code: str,
        kind: str,
        name: str,
        sponsor: str,
        fiscal_year: int,
        budget_idr: int,
        area: str,
        programs: list[str],
        reference: str,
        source_id: UUID | None = None,
    ) -> Saved:
        checks = FieldChecks()
        checks.text(code, "code", max_length=MAX_CODE)
        checks.one_of(kind, FUNDING_KINDS, "kind")
        checks.text(name, "name")
        checks.text(sponsor, "sponsor")
        checks.require(2000 <= fiscal_year <= 2100, "fiscal_year", "must be 2000-2100")
        checks.rupiah(budget_idr, "budget_idr", allow_zero=True)
        normalised_area = checks.run("area", lambda: normalise_area_code(area)) or area
        checks.require(0 < len(programs) <= len(PROGRAMS), "programs", "must list programmes")
        for index, program in enumerate(programs):
            checks.one_of(program, PROGRAMS, f"programs[{index}]")
        checks.require(len(set(programs)) == len(programs), "programs", "must not repeat")
        checks.require(len(reference) <= 500, "reference", "must be at most 500 characters")
        checks.done()
        require_within_cell(self.cell, "area", normalised_area)
        new_id = source_id or uuid4()
        source = FundingSource.open(
            cause,
            new_id,
            code=code,
            kind=kind,
            name=name,
            sponsor=sponsor,
            fiscal_year=fiscal_year,
            budget_idr=budget_idr,
            area=normalised_area,
            programs=tuple(programs),
            reference=reference,
        )
        claim = Claim("funding-source-code", code, new_id)
        position = self.save_all(source, claims=ClaimChanges(take=(claim,)), cause=cause)
        return Saved.of(source, position)

    def record_receipt(
        self,
        cause: Cause,
        source_id: UUID,
        *,
        amount_idr: int,
        reference: str,
        received_on: date,
        expected_version: int | None = None,
    ) -> Saved:
        checks = FieldChecks()
        checks.rupiah(amount_idr, "amount_idr")
        checks.text(reference, "reference")
        checks.done()

        def attempt() -> Saved:
            source = self.load(FundingSource, source_id, expected_version, cause)
            source.receive(
                cause, amount_idr=amount_idr, reference=reference, received_on=received_on
            )
            return Saved.of(source, self.save_all(source, cause=cause))

        return self.retrying(attempt, saving=(source_id,))

    def revise_budget(
        self,
        cause: Cause,
        source_id: UUID,
        *,
        budget_idr: int,
        reason: str,
        expected_version: int | None = None,
    ) -> Saved:
        checks = FieldChecks()
        checks.rupiah(budget_idr, "budget_idr", allow_zero=True)
        checks.text(reason, "reason")
        checks.done()

        def attempt() -> Saved:
            source = self.load(FundingSource, source_id, expected_version, cause)
            source.revise_budget(cause, budget_idr=budget_idr, reason=reason)
            return Saved.of(source, self.save_all(source, cause=cause))

        return self.retrying(attempt, saving=(source_id,))

    def close_funding_source(
        self, cause: Cause, source_id: UUID, *, reason: str, expected_version: int | None = None
    ) -> Saved:
        checks = FieldChecks()
        checks.text(reason, "reason")
        checks.done()

        def attempt() -> Saved:
            source = self.load(FundingSource, source_id, expected_version, cause)
            source.close(cause, reason=reason)
            return Saved.of(source, self.save_all(source, cause=cause))

        return self.retrying(attempt, saving=(source_id,))
