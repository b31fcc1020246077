"""The FundingSource aggregate: a CSR agreement, an APBD budget line or a DAK allocation.

It repeats the financial facts of every delivery it pays for (its draws), so reconciliation is
built from funding-source events alone and never needs personal data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from casework.aggregates.base import AggregateState, CaseworkAggregate, Cause, Creation
from casework.errors import Conflict
from casework.validation.areas import area_covers


@dataclass(frozen=True)
class DrawRequest:
    """The financial facts of one delivery, as drawn (and, on a void, given back)."""

    delivery_id: UUID
    family_id: UUID
    program: str
    period: str
    value_idr: int
    area_code: str


class FundingSource(CaseworkAggregate):
    TOPIC = "casework.funding-source"

    def __init__(self) -> None:
        self.code = ""
        self.kind = ""
        self.name = ""
        self.sponsor = ""
        self.fiscal_year = 0
        self.budget_idr = 0
        self.area = ""
        self.programs: tuple[str, ...] = ()
        self.reference = ""
        self.received_idr = 0
        self.drawn_idr = 0  # net of reversals
        self.voided_idr = 0
        self.closed = False
        # No per-draw state: delivery ids are unique by claim, and the family's own record
        # of a delivery allows one void only. So a source stays small however busy it is.
        self.draws_count = 0

    class Opened(Creation):
        TOPIC = "casework.funding-source.opened"
        code: str
        kind: str
        name: str
        sponsor: str
        fiscal_year: int
        budget_idr: int
        area: str
        programs: tuple[str, ...]
        reference: str

        def apply(self, source: FundingSource) -> None:
            source.code, source.kind, source.name = self.code, self.kind, self.name
            source.sponsor, source.fiscal_year = self.sponsor, self.fiscal_year
            source.budget_idr, source.area = self.budget_idr, self.area
            source.programs, source.reference = self.programs, self.reference

    class FundsReceived(CaseworkAggregate.Event):
        TOPIC = "casework.funding-source.funds-received"
        amount_idr: int
        reference: str  # SP2D number or transfer reference
        received_on: date

        def apply(self, source: FundingSource) -> None:
            source.received_idr += self.amount_idr

    class Drawn(CaseworkAggregate.Event):
        TOPIC = "casework.funding-source.drawn"
        delivery_id: UUID
        family_id: UUID
        program: str
        period: str
        value_idr: int
        area_code: str

        def apply(self, source: FundingSource) -> None:
            source.drawn_idr += self.value_idr
            source.draws_count += 1

    class DrawReversed(CaseworkAggregate.Event):
        TOPIC = "casework.funding-source.draw-reversed"
        delivery_id: UUID
        family_id: UUID
        program: str
        period: str
        value_idr: int
        area_code: str
        reason: str

        def apply(self, source: FundingSource) -> None:
            source.drawn_idr -= self.value_idr
            source.voided_idr += self.value_idr
            source.draws_count -= 1

    class BudgetRevised(CaseworkAggregate.Event):
        TOPIC = "casework.funding-source.budget-revised"
        budget_idr: int
        reason: str

        def apply(self, source: FundingSource) -> None:
            source.budget_idr = self.budget_idr

    class Closed(CaseworkAggregate.Event):
        TOPIC = "casework.funding-source.closed"
        reason: str

        def apply(self, source: FundingSource) -> None:
            source.closed = True

    # -- queries -----------------------------------------------------------------------------

    @property
    def balance_idr(self) -> int:
        return self.budget_idr - self.drawn_idr

    @property
    def status(self) -> str:
        return "closed" if self.closed else "open"

    # -- commands ----------------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        cause: Cause,
        source_id: UUID,
        *,
        code: str,
        kind: str,
        name: str,
        sponsor: str,
        fiscal_year: int,
        budget_idr: int,
        area: str,
        programs: tuple[str, ...],
        reference: str,
    ) -> FundingSource:
        return cls._start(
            cls.Opened,
            source_id,
            cause,
            code=code,
            kind=kind,
            name=name,
            sponsor=sponsor,
            fiscal_year=fiscal_year,
            budget_idr=budget_idr,
            area=area,
            programs=programs,
            reference=reference,
        )

    def receive(self, cause: Cause, *, amount_idr: int, reference: str, received_on: date) -> None:
        # Accepted after closure too: a late SP2D still has to be booked.
        self._record(
            self.FundsReceived,
            cause,
            amount_idr=amount_idr,
            reference=reference,
            received_on=received_on,
        )

    def draw(self, cause: Cause, request: DrawRequest) -> None:
        if self.closed:
            raise Conflict("funding-closed", f"funding source {self.code} is closed")
        if request.program not in self.programs:
            raise Conflict("funding-not-eligible", f"{self.code} does not fund {request.program}")
        if not area_covers(self.area, request.area_code):
            raise Conflict("funding-not-eligible", f"{self.code} does not cover the family's area")
        if int(request.period[:4]) != self.fiscal_year:
            raise Conflict(
                "funding-not-eligible", f"{self.code} funds fiscal year {self.fiscal_year} only"
            )
        if self.drawn_idr + request.value_idr > self.budget_idr:
            raise Conflict(
                "funding-exhausted",
                f"{self.code} has {self.balance_idr} IDR left, the delivery needs "
                f"{request.value_idr} IDR",
            )
        self._record(
            self.Drawn,
            cause,
            delivery_id=request.delivery_id,
            family_id=request.family_id,
            program=request.program,
            period=request.period,
            value_idr=request.value_idr,
            area_code=request.area_code,
        )

    def reverse_draw(self, cause: Cause, draw: DrawRequest, *, reason: str) -> None:
        """Give a voided delivery's value back, also when the source is closed."""
        self._record(
            self.DrawReversed,
            cause,
            delivery_id=draw.delivery_id,
            family_id=draw.family_id,
            program=draw.program,
            period=draw.period,
            value_idr=draw.value_idr,
            area_code=draw.area_code,
            reason=reason,
        )

    def revise_budget(self, cause: Cause, *, budget_idr: int, reason: str) -> None:
        if self.closed:
            raise Conflict("already-closed", f"funding source {self.code} is closed")
        if budget_idr < self.drawn_idr:
            raise Conflict(
                "budget-below-drawn",
                f"{self.drawn_idr} IDR is already drawn; the budget cannot go below it",
            )
        self._record(self.BudgetRevised, cause, budget_idr=budget_idr, reason=reason)

    def close(self, cause: Cause, *, reason: str) -> None:
        if self.closed:
            raise Conflict("already-closed", f"funding source {self.code} is already closed")
        self._record(self.Closed, cause, reason=reason)


# What a snapshot keeps: every attribute its events set (store/snapshot_state.py checks it).
class FundingSourceState(AggregateState):
    code: str
    kind: str
    name: str
    sponsor: str
    fiscal_year: int
    budget_idr: int
    area: str
    programs: tuple[str, ...]
    reference: str
    received_idr: int
    drawn_idr: int
    voided_idr: int
    closed: bool
    draws_count: int
