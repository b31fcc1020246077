"""The eligibility rules of API.md ("Programme targets and coverage"), for one family, one
target as in force for one period, and the family's deliveries of the programme that period.

The verdicts are rows: one per eligible unit (a member, or the family), served or not, and one
per village for the deliveries that serve no eligible unit (`served_not_eligible`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from casework.aggregates.programme_target import Terms, Who
from casework.coverage.periods import age_on, bounds, period_of
from casework.coverage.timeline import MemberSpan, Timeline
from casework.validation.areas import area_covers

FAMILY_UNIT = 0  # the member number of a family unit's row
STRAY = -1  # the member number of a row counting deliveries that serve no eligible unit


@dataclass(frozen=True)
class DeliveryFacts:
    delivery_id: UUID
    recipient_member_no: int | None
    value_idr: int
    area_code: str


@dataclass(frozen=True)
class UnitRow:
    """An eligible unit (`member_no` ≥ 0) with its service, or a village's stray deliveries
    (`member_no` = STRAY: `served` counts them, `value_idr` their value)."""

    member_no: int
    area_code: str
    served: int
    value_idr: int


def family_area(timeline: Timeline, first: date, last: date) -> str | None:
    """Where the family counts for the period: where it lived on the first day, or where it
    was registered when that happened during the period; None if it did not exist yet."""
    if timeline.registered_on > last:
        return None
    if timeline.registered_on > first:
        return timeline.stays[0].area
    area = None
    for stay in timeline.stays:  # in the order recorded, so dates never decrease
        if stay.since <= first:
            area = stay.area
    return area


def active(since: date, until: date | None, first: date, last: date) -> bool:
    """Whether a span holds at least one day of the period (both ends included)."""
    return since <= last and (until is None or until >= first)


def desil_holds(timeline: Timeline, max_desil: int | None, last: date) -> bool:
    if max_desil is None:
        return True
    latest = None
    for assessment in timeline.assessments:  # recorded order breaks ties between equal dates
        if assessment.on <= last and (latest is None or assessment.on >= latest.on):
            latest = assessment
    return latest is not None and latest.desil <= max_desil


def member_qualifies(
    timeline: Timeline, member: MemberSpan, who: Who, first: date, last: date
) -> bool:
    if not active(member.since, member.until, first, last):
        return False
    if who.sex is not None and member.sex != who.sex:
        return False
    if who.age_min is not None or who.age_max is not None:
        if member.birth is None:
            return False
        age = age_on(member.birth, first)
        if who.age_min is not None and age < who.age_min:
            return False
        if who.age_max is not None and age > who.age_max:
            return False
    if who.dashat_categories is not None:
        return any(
            e.no == member.no
            and e.category in who.dashat_categories
            and active(e.since, e.until, first, last)
            for e in timeline.enrolments
        )
    return True


def eligible_units(timeline: Timeline, terms: Terms, period: str) -> tuple[str, list[int]]:
    """The family's area for the period and its eligible units there (member numbers, or
    FAMILY_UNIT); no units when it is not eligible."""
    first, last = bounds(period)
    area = family_area(timeline, first, last)
    if area is None or not area_covers(terms.area, area):
        return area or "", []
    if timeline.erased_on is not None and period >= period_of(timeline.erased_on):
        return area, []
    if not desil_holds(timeline, terms.who.max_desil, last):
        return area, []
    members = [
        m.no for m in timeline.members if member_qualifies(timeline, m, terms.who, first, last)
    ]
    if terms.unit == "family":
        return area, [FAMILY_UNIT] if members else []
    return area, members


def unit_rows(
    timeline: Timeline | None,
    terms: Terms,
    period: str,
    deliveries: list[DeliveryFacts],
) -> list[UnitRow]:
    """The verdicts of one family for one target's period (deliveries: not voided, of the
    target's programme and that period)."""
    area, units = ("", []) if timeline is None else eligible_units(timeline, terms, period)
    rows: list[UnitRow] = []
    used: set[UUID] = set()
    for unit in units:
        serving = [d for d in deliveries if unit == FAMILY_UNIT or d.recipient_member_no == unit]
        used.update(d.delivery_id for d in serving)
        rows.append(UnitRow(unit, area, 1 if serving else 0, sum(d.value_idr for d in serving)))
    strays: dict[str, list[DeliveryFacts]] = {}
    for delivery in deliveries:
        if delivery.delivery_id not in used and area_covers(terms.area, delivery.area_code):
            strays.setdefault(delivery.area_code, []).append(delivery)
    for village, stray in sorted(strays.items()):
        rows.append(UnitRow(STRAY, village, len(stray), sum(d.value_idr for d in stray)))
    return rows
