"""Commands on programme targets: set, revise (from a period not yet past), end.

No two targets of one programme may overlap (areas one inside the other, periods shared). The
check reads every target of the programme, so every write on them takes the programme's next
write claim in its own transaction (casework.store.target_claims): of two writers that decided
on the same targets, the second is refused by the store and decides again on fresh state.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from eventsourcing.persistence import IntegrityError

from casework.aggregates.base import Cause
from casework.aggregates.family import invalid
from casework.aggregates.programme_target import (
    CYCLES,
    UNITS,
    ProgrammeTarget,
    Who,
    previous_period,
)
from casework.application import CaseworkStore, Saved
from casework.cell.boundary import require_within_cell
from casework.errors import Conflict, NotFound
from casework.store.claims import ClaimChanges
from casework.store.target_claims import next_write_claim, target_writes
from casework.validation.areas import areas_overlap, normalise_area_code
from casework.validation.field_checks import FieldChecks
from casework.vocabulary import DASHAT_CATEGORIES, PROGRAMS

MOVED = "programme-targets-moved"
DECISION_ROUNDS = 20


class TargetCommands(CaseworkStore):
    def current_period(self) -> str:
        """This month in the deployment's time zone: the earliest a revision may change."""
        return datetime.now(self.settings.zone).strftime("%Y-%m")

    def set_target(
        self,
        cause: Cause,
        program: str,
        *,
        target_id: UUID,
        area: str,
        from_period: str,
        to_period: str,
        unit: str,
        cycle: str,
        who: Who,
    ) -> Saved:
        checks = FieldChecks()
        check_program(checks, program)
        normalised = checks.run("area", lambda: normalise_area_code(area)) or area
        check_range(checks, from_period, to_period, "from", "to")
        checks.one_of(unit, UNITS, "unit")
        checks.one_of(cycle, CYCLES, "cycle")
        check_who(checks, who, "who")
        checks.done()
        require_within_cell(self.cell, "area", normalised)

        def decide() -> tuple[ProgrammeTarget, str]:
            try:
                self.load(ProgrammeTarget, target_id)
            except NotFound:
                pass
            else:
                raise Conflict("duplicate-target", f"target {target_id} is already set")
            target = ProgrammeTarget.set(
                cause,
                target_id,
                program=program,
                area=normalised,
                from_period=from_period,
                to_period=to_period,
                unit=unit,
                cycle=cycle,
                who=who,
            )
            return target, program

        return self._decide_and_save(cause, program, decide)

    def revise_target(
        self,
        cause: Cause,
        program: str,
        target_id: UUID,
        *,
        effective_from: str,
        area: str | None,
        to_period: str | None,
        who: Who | None,
        expected_version: int | None = None,
    ) -> Saved:
        checks = FieldChecks()
        check_program(checks, program)
        checks.period(effective_from, "effective_from")
        current = self.current_period()
        checks.require(
            effective_from >= current,
            "effective_from",
            f"a revision takes effect from the current period ({current}) or a later one, "
            "so the figures of past periods never change",
        )
        normalised = None
        if area is not None:
            normalised = checks.run("area", lambda: normalise_area_code(area)) or area
        if to_period is not None:
            check_range(checks, effective_from, to_period, "effective_from", "to")
        if who is not None:
            check_who(checks, who, "who")
        checks.done()
        if normalised is not None:
            require_within_cell(self.cell, "area", normalised)

        def decide() -> tuple[ProgrammeTarget, str]:
            target = self._load_target(program, target_id, expected_version)
            if not target.from_period <= effective_from <= target.last_period:
                raise invalid(
                    "effective_from",
                    f"must be a period the target covers: {target.from_period} to "
                    f"{target.last_period}",
                )
            target.revise(
                cause,
                effective_from=effective_from,
                area=normalised,
                to_period=to_period,
                who=who,
            )
            return target, program

        return self._decide_and_save(cause, program, decide)

    def end_target(
        self,
        cause: Cause,
        program: str,
        target_id: UUID,
        *,
        after: str,
        expected_version: int | None = None,
    ) -> Saved:
        checks = FieldChecks()
        check_program(checks, program)
        checks.period(after, "after")
        last_past = previous_period(self.current_period())
        checks.require(
            after >= last_past,
            "after",
            f"a target can end after {last_past} at the earliest, so the figures of past "
            "periods never change",
        )
        checks.done()

        def decide() -> tuple[ProgrammeTarget, str]:
            target = self._load_target(program, target_id, expected_version)
            target.end(cause, after=after)
            return target, program

        return self._decide_and_save(cause, program, decide)

    def check_program(self, program: str) -> None:
        """422 for a programme not in the list, naming those that are."""
        checks = FieldChecks()
        check_program(checks, program)
        checks.done()

    def programme_targets(self, program: str) -> list[ProgrammeTarget]:
        """Every target of the programme, in the order they were set."""
        ids = target_writes(self.db, program).target_ids
        return [self.load(ProgrammeTarget, target_id) for target_id in ids]

    def _load_target(
        self, program: str, target_id: UUID, expected_version: int | None
    ) -> ProgrammeTarget:
        target = self.load(ProgrammeTarget, target_id)
        if target.program != program:
            raise NotFound(f"no target {target_id} of {program}")
        if expected_version is not None:
            return self.load(ProgrammeTarget, target_id, expected_version)
        return target

    def _decide_and_save(
        self, cause: Cause, program: str, decide: Callable[[], tuple[ProgrammeTarget, str]]
    ) -> Saved:
        """Decide on the programme's targets as stored, and save with the programme's next
        write claim; decide again when another write on them came first."""
        for _ in range(DECISION_ROUNDS):
            writes = target_writes(self.db, program)
            target, _program = decide()
            others = [
                self.load(ProgrammeTarget, other_id)
                for other_id in writes.target_ids
                if other_id != target.id
            ]
            refuse_overlap(target, others)
            claim = next_write_claim(writes, target.id)
            try:
                position = self.save_all(target, claims=ClaimChanges(take=(claim,)), cause=cause)
            except Conflict as conflict:
                if conflict.kind != MOVED:
                    raise
                continue
            except IntegrityError:
                continue  # the same target changed meanwhile: decide on its new state
            return Saved.of(target, position)
        raise Conflict("concurrent-update", "too many concurrent target changes; try again")


def refuse_overlap(target: ProgrammeTarget, others: list[ProgrammeTarget]) -> None:
    for other in others:
        for start, end, area in target.segments():
            for other_start, other_end, other_area in other.segments():
                if start <= other_end and other_start <= end and areas_overlap(area, other_area):
                    raise Conflict(
                        "overlapping-target",
                        f"target {other.id} of {other.program} already covers {other_area} "
                        f"from {other_start} to {other_end}; targets of one programme must "
                        "not share an area and a period",
                    )


def check_program(checks: FieldChecks, program: str) -> None:
    checks.one_of(program, PROGRAMS, "program")


def check_range(checks: FieldChecks, first: str, last: str, first_field: str, field: str) -> None:
    checks.period(first, first_field)
    checks.period(last, field)
    checks.require(last >= first, field, f"must not be before {first_field} ({first})")


def check_who(checks: FieldChecks, who: Who, field: str) -> None:
    if who.sex is not None:
        checks.one_of(who.sex, ("L", "P"), f"{field}.sex")
    for name, age in (("age_min", who.age_min), ("age_max", who.age_max)):
        if age is not None:
            checks.require(0 <= age <= 150, f"{field}.{name}", "must be an age in years, 0 to 150")
    if who.age_min is not None and who.age_max is not None:
        checks.require(who.age_min <= who.age_max, f"{field}.age_max", "must not be below age_min")
    if who.max_desil is not None:
        checks.require(1 <= who.max_desil <= 10, f"{field}.max_desil", "must be a desil 1 to 10")
    if who.dashat_categories is not None:
        checks.require(
            len(who.dashat_categories) > 0,
            f"{field}.dashat_categories",
            "must name at least one category, or be null for any",
        )
        for index, category in enumerate(who.dashat_categories):
            checks.one_of(category, DASHAT_CATEGORIES, f"{field}.dashat_categories[{index}]")
