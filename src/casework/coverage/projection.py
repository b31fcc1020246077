"""The coverage read model: timelines, deliveries and targets from events, and the verdicts
of every opened period kept up to date with them.

A batch gathers what its events change (timelines, deliveries, targets) and then, before it
commits, judges again only what they touch: a family's events recompute that family's
verdicts for the opened periods they reach (a delivery its own period; a dated fact the periods
from its date on; a correction of a member every opened period), a target's change recomputes
its scope from the revision's period on (an end closes the periods after it). An erasure keeps
the family's verdicts of the periods before it as they were counted.
"""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

from casework.aggregates.family import Family
from casework.aggregates.programme_target import ProgrammeTarget
from casework.coverage import targets as target_records
from casework.coverage import timeline as timelines
from casework.coverage.periods import local_date, period_of
from casework.coverage.timeline import TIMELINE_EVENTS, Timeline
from casework.coverage.verdicts import Verdicts
from casework.projections.base import StoredFact
from casework.projections.batch_writes import BatchWrites
from casework.settings import Settings

NAME = "coverage"
EVERY_PERIOD = "0000-00"  # before every period: a change that reaches all of them
_TARGET_EVENTS = frozenset({ProgrammeTarget.Set, ProgrammeTarget.Revised, ProgrammeTarget.Ended})
DELIVERY_COLUMNS = (
    ("delivery_id", "uuid"),
    ("family_id", "uuid"),
    ("program", "text"),
    ("period", "text"),
    ("recipient_member_no", "integer"),
    ("value_idr", "bigint"),
    ("area_code", "text"),
    ("voided", "boolean"),
)
_DELIVERY_EVENTS = frozenset({Family.AidDelivered, Family.AidDeliveryVoided})


class CoverageProjection:
    name = NAME
    # Emptied by a rebuild. Not the opened periods, the verdicts kept after an erasure, nor
    # the figures: a rebuild recomputes every verdict it can and keeps those it cannot.
    tables: tuple[str, ...] = (
        "coverage_families",
        "coverage_family_areas",
        "coverage_deliveries",
        "coverage_targets",
        "coverage_units",
    )
    # What `casework verify --projections` compares with a rebuild: the verdicts depend on
    # when each period was opened (and a scratch rebuild opens none), so only what the events
    # alone decide is compared.
    verified_tables: tuple[str, ...] = tables[:4]
    personal_tables: tuple[str, ...] = ("coverage_families",)  # birth dates, until erased
    reads_personal_data = True  # birth dates
    handles = frozenset(TIMELINE_EVENTS | _TARGET_EVENTS | _DELIVERY_EVENTS)

    def __init__(self, zone: ZoneInfo | None = None) -> None:
        self.zone = zone or Settings.from_env().zone
        self._batch: _Batch | None = None

    def prepare_batch(self, writes: BatchWrites, facts: list[StoredFact]) -> None:
        families = {f.aggregate_id for f in facts if type(f.event) in TIMELINE_EVENTS}
        verdicts = Verdicts(writes, writes.postgres, facts[-1].position)
        self._batch = _Batch(verdicts, verdicts.timelines(sorted(families)))

    def apply(self, writes: BatchWrites, fact: StoredFact) -> None:
        batch = self._batch
        assert batch is not None, "prepare_batch runs first"
        event, family_id = fact.event, fact.aggregate_id
        if isinstance(event, Family.Registered):
            new = timelines.registered(fact, self.zone)
            batch.timelines[family_id] = new
            batch.reach(family_id, period_of(new.registered_on))
        elif type(event) in TIMELINE_EVENTS:
            timeline = batch.timelines.get(family_id)
            if timeline is None:
                return  # registered before this read model existed, and not replayed
            timelines.apply(timeline, fact, self.zone)
            batch.reach(family_id, _reached_from(event, local_date(fact.recorded_at, self.zone)))
            if isinstance(event, Family.PersonalDataErased):
                batch.erasures[family_id] = period_of(timeline.erased_on or date.max)
        elif isinstance(event, Family.AidDelivered):
            batch.new_deliveries[event.delivery_id] = [
                event.delivery_id,
                family_id,
                event.program,
                event.period,
                event.recipient_member_no,
                event.value_idr,
                event.area_code,
                False,
            ]
            batch.deliveries.setdefault(family_id, set()).add((event.program, event.period))
        elif isinstance(event, Family.AidDeliveryVoided):
            pending = batch.new_deliveries.get(event.delivery_id)
            if pending is not None:
                pending[-1] = True  # delivered and voided in this batch
            else:
                writes.execute(
                    "UPDATE coverage_deliveries SET voided = %s WHERE delivery_id = %s",
                    (True, event.delivery_id),
                )
            batch.voids.append((family_id, event.delivery_id))
        elif type(event) in _TARGET_EVENTS:
            batch.target_event(fact)

    def finish_batch(self, writes: BatchWrites) -> None:
        batch = self._batch
        assert batch is not None, "prepare_batch runs first"
        self._batch = None
        batch.finish()


class _Batch:
    """What one batch changes, and the judging again it calls for."""

    def __init__(self, verdicts: Verdicts, known: dict[UUID, Timeline]) -> None:
        self.verdicts = verdicts
        self.timelines = known
        self.reached: dict[UUID, str] = {}  # family -> the first period its events reach
        self.deliveries: dict[UUID, set[tuple[str, str]]] = {}
        self.new_deliveries: dict[UUID, list[Any]] = {}
        self.voids: list[tuple[UUID, UUID]] = []
        self.erasures: dict[UUID, str] = {}  # family -> the period of its erasure
        self.targets: dict[UUID, tuple[ProgrammeTarget, str]] = {}  # target -> changed from

    def reach(self, family_id: UUID, period: str) -> None:
        self.reached[family_id] = min(period, self.reached.get(family_id, period))

    def target_event(self, fact: StoredFact) -> None:
        event = fact.event
        known = self.targets.get(fact.aggregate_id)
        target = known[0] if known else self.verdicts.target(fact.aggregate_id)
        if isinstance(event, ProgrammeTarget.Set):
            target = event.mutate(None)
        if target is None:
            return  # set before this read model existed
        if not isinstance(event, ProgrammeTarget.Set):
            event.apply(target)  # the terms only: the record keeps no version
        if isinstance(event, ProgrammeTarget.Revised):
            changed = event.effective_from
        elif isinstance(event, ProgrammeTarget.Ended):
            changed = event.after
        else:
            changed = target.from_period
        earlier = known[1] if known else changed
        self.targets[fact.aggregate_id] = (target, min(changed, earlier))

    def finish(self) -> None:
        verdicts = self.verdicts
        tx = verdicts.tx
        tx.insert_rows("coverage_deliveries", DELIVERY_COLUMNS, list(self.new_deliveries.values()))
        for target_id, (target, _) in self.targets.items():
            tx.execute("DELETE FROM coverage_targets WHERE target_id = %s", (target_id,))
            tx.execute(
                "INSERT INTO coverage_targets (target_id, program, state) VALUES (%s, %s, %s)",
                (
                    target_id,
                    target.program,
                    target_records.encode(target_records.record_of(target)),
                ),
            )
        self._write_timelines()
        for family_id, period in self.erasures.items():
            verdicts.keep_before(family_id, period)
        opened = verdicts.all_opened()
        targets = {t.id: t for t in verdicts.targets()}
        self._judge_families(opened, targets)
        for target_id, (target, since) in self.targets.items():
            for period in opened.get(target_id, []):
                if period >= since:
                    verdicts.recompute_scope(target, period)
        verdicts.count_figures()

    def _write_timelines(self) -> None:
        tx = self.verdicts.tx
        rows = []
        for family_id in self.reached:
            timeline = self.timelines.get(family_id)
            if timeline is None:
                continue
            tx.execute("DELETE FROM coverage_families WHERE family_id = %s", (family_id,))
            rows.append((family_id, timelines.encode(timeline)))
            for area in timeline.areas():
                tx.execute(
                    "INSERT INTO coverage_family_areas (area_code, family_id) VALUES (%s, %s) "
                    "ON CONFLICT DO NOTHING",
                    (area, family_id),
                )
        tx.insert_rows("coverage_families", (("family_id", "uuid"), ("timeline", "text")), rows)

    def _judge_families(
        self, opened: dict[UUID, list[str]], targets: dict[UUID, ProgrammeTarget]
    ) -> None:
        """Each family's events judged again for the opened periods they reach."""
        verdicts = self.verdicts
        for family_id, delivery_id in self.voids:
            verdicts.tx.execute(
                "SELECT program, period FROM coverage_deliveries WHERE delivery_id = %s",
                (delivery_id,),
            )
            row = verdicts.tx.fetchone()
            if row is not None:
                self.deliveries.setdefault(family_id, set()).add((str(row[0]), str(row[1])))
        work: dict[tuple[UUID, str], set[UUID]] = {}
        for target_id, periods in opened.items():
            target = targets.get(target_id)
            if target is None:
                continue
            for period in periods:
                for family_id, since in self.reached.items():
                    if period >= since:
                        work.setdefault((target_id, period), set()).add(family_id)
                for family_id, pairs in self.deliveries.items():
                    if (target.program, period) in pairs:
                        work.setdefault((target_id, period), set()).add(family_id)
        for (target_id, period), families in work.items():
            verdicts.recompute(targets[target_id], period, families, self.timelines)


def _reached_from(event: Any, recorded_on: date) -> str:
    """The first period a family event can change a verdict of."""
    if isinstance(event, Family.MemberCorrected):
        return EVERY_PERIOD  # a birth date or a sex corrected is true of every period
    day: date = recorded_on
    if isinstance(event, Family.MemberDeparted):
        day = event.on
    elif isinstance(event, Family.WelfareAssessed):
        day = event.assessed_on
    elif isinstance(event, Family.EnrolledInDashat):
        day = event.enrolled_on
    elif isinstance(event, Family.ExitedDashat):
        day = event.exited_on
    return period_of(min(day, recorded_on))
