"""The ProgrammeTarget aggregate: who a programme is for, in an area, over a range of periods.

A target is set, may be revised (each revision in force from a period on, never for a period
already past) and ended. Coverage of a period reads the target as it stood for that period
(`terms_for`), so a revision never changes the figures of an earlier period.
"""

from __future__ import annotations

from uuid import UUID

import msgspec

from casework.aggregates.base import AggregateState, CaseworkAggregate, Cause, Creation
from casework.errors import Conflict

UNITS = ("member", "family")
CYCLES = ("monthly",)


class Who(msgspec.Struct, frozen=True):
    """The conditions a member meets to qualify (None: no condition)."""

    sex: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    max_desil: int | None = None
    dashat_categories: tuple[str, ...] | None = None


class Terms(msgspec.Struct, frozen=True):
    """The target as in force for one period."""

    area: str
    unit: str
    to_period: str
    who: Who


class Revision(msgspec.Struct, frozen=True):
    effective_from: str
    area: str | None
    to_period: str | None
    who: Who | None
    version: int


class ProgrammeTarget(CaseworkAggregate):
    TOPIC = "casework.programme-target"

    def __init__(self) -> None:
        self.program = ""
        self.cycle = ""
        self.from_period = ""
        self.first = Terms("", "", "", Who())
        self.revisions: list[Revision] = []
        self.ended_after: str | None = None

    class Set(Creation):
        TOPIC = "casework.programme-target.set"
        program: str
        area: str
        from_period: str
        to_period: str
        unit: str
        cycle: str
        who: Who

        def apply(self, target: ProgrammeTarget) -> None:
            target.program, target.cycle, target.from_period = (
                self.program,
                self.cycle,
                self.from_period,
            )
            target.first = Terms(self.area, self.unit, self.to_period, self.who)

    class Revised(CaseworkAggregate.Event):
        """In force from `effective_from` on; a field left None keeps its value."""

        TOPIC = "casework.programme-target.revised"
        effective_from: str
        area: str | None
        to_period: str | None
        who: Who | None

        def apply(self, target: ProgrammeTarget) -> None:
            target.revisions.append(
                Revision(
                    self.effective_from,
                    self.area,
                    self.to_period,
                    self.who,
                    self.originator_version,
                )
            )

    class Ended(CaseworkAggregate.Event):
        """No period after `after` is covered by the target."""

        TOPIC = "casework.programme-target.ended"
        after: str

        def apply(self, target: ProgrammeTarget) -> None:
            target.ended_after = self.after

    # -- queries -----------------------------------------------------------------------------

    def terms_for(self, period: str) -> Terms | None:
        """The target as in force for `period`, or None when it covers no such period."""
        if period < self.from_period:
            return None
        terms = self.first
        # Revisions in the order they were made: a later one overrides an earlier one for
        # the periods both are in force.
        for revision in self.revisions:
            if revision.effective_from <= period:
                terms = _revised(terms, revision)
        if period > terms.to_period:
            return None
        if self.ended_after is not None and period > self.ended_after:
            return None
        return terms

    @property
    def current(self) -> Terms:
        """The terms of the latest revision (the target as it stands)."""
        terms = self.first
        for revision in self.revisions:
            terms = _revised(terms, revision)
        return terms

    @property
    def last_period(self) -> str:
        """The last period the target can cover, whatever its revisions say of areas."""
        ends = [self.first.to_period] + [r.to_period for r in self.revisions if r.to_period]
        last = max(ends)
        return min(last, self.ended_after) if self.ended_after is not None else last

    def segments(self) -> list[tuple[str, str, str]]:
        """(first period, last period, area) runs over which the area stays the same: what
        an overlap between two targets is judged on."""
        starts = sorted({self.from_period} | {r.effective_from for r in self.revisions})
        runs: list[tuple[str, str, str]] = []
        for index, start in enumerate(starts):
            if start > self.last_period:
                break
            terms = self.terms_for(start)
            end = next_start_before(starts, index, self.last_period)
            if terms is not None:
                runs.append((start, min(end, terms.to_period), terms.area))
        return runs

    @property
    def status(self) -> str:
        return "ended" if self.ended_after is not None else "active"

    # -- commands ----------------------------------------------------------------------------

    @classmethod
    def set(
        cls,
        cause: Cause,
        target_id: UUID,
        *,
        program: str,
        area: str,
        from_period: str,
        to_period: str,
        unit: str,
        cycle: str,
        who: Who,
    ) -> ProgrammeTarget:
        return cls._start(
            cls.Set,
            target_id,
            cause,
            program=program,
            area=area,
            from_period=from_period,
            to_period=to_period,
            unit=unit,
            cycle=cycle,
            who=who,
        )

    def revise(
        self,
        cause: Cause,
        *,
        effective_from: str,
        area: str | None,
        to_period: str | None,
        who: Who | None,
    ) -> None:
        if self.ended_after is not None:
            raise Conflict("target-ended", f"the target ended after {self.ended_after}")
        self._record(
            self.Revised,
            cause,
            effective_from=effective_from,
            area=area,
            to_period=to_period,
            who=who,
        )

    def end(self, cause: Cause, *, after: str) -> None:
        if self.ended_after is not None:
            raise Conflict("target-ended", f"the target already ended after {self.ended_after}")
        self._record(self.Ended, cause, after=after)


def _revised(terms: Terms, revision: Revision) -> Terms:
    return msgspec.structs.replace(
        terms,
        area=revision.area or terms.area,
        to_period=revision.to_period or terms.to_period,
        who=revision.who if revision.who is not None else terms.who,
    )


def next_start_before(starts: list[str], index: int, last: str) -> str:
    """The period before the next start (or `last` when none follows)."""
    if index + 1 < len(starts):
        return previous_period(starts[index + 1])
    return last


def previous_period(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def next_period(period: str) -> str:
    year, month = int(period[:4]), int(period[5:7])
    return f"{year + 1}-01" if month == 12 else f"{year}-{month + 1:02d}"


# What a snapshot keeps: every attribute its events set (store/snapshot_state.py checks it).
class ProgrammeTargetState(AggregateState):
    program: str
    cycle: str
    from_period: str
    first: Terms
    revisions: list[Revision]
    ended_after: str | None
