"""Each eligibility rule of API.md on each side of each boundary, on a family's timeline."""

from __future__ import annotations

from datetime import date, timedelta
from uuid import uuid4

import pytest

from casework.aggregates.programme_target import Terms, Who
from casework.coverage.rules import (
    FAMILY_UNIT,
    STRAY,
    DeliveryFacts,
    UnitRow,
    eligible_units,
    unit_rows,
)
from casework.coverage.timeline import Assessment, Enrolment, MemberSpan, Stay, Timeline

PERIOD = "2026-03"
FIRST, LAST = date(2026, 3, 1), date(2026, 3, 31)
VILLAGE = "53.71.01.1001"
ELSEWHERE = "53.01.01.2001"
EARLY = date(2025, 1, 10)
DAY = timedelta(days=1)


def terms(unit: str = "member", area: str = "53.71", **who: object) -> Terms:
    return Terms(area, unit, "2027-12", Who(**who))  # type: ignore[arg-type]


def family(*members: MemberSpan, registered_on: date = EARLY, desil: int | None = 1) -> Timeline:
    timeline = Timeline(
        registered_on=registered_on,
        members=list(members) or [woman()],
        stays=[Stay(registered_on, VILLAGE)],
    )
    if desil is not None:
        timeline.assessments.append(Assessment(registered_on, desil))
    return timeline


def woman(no: int = 1, born: date = date(1990, 5, 5), since: date = EARLY) -> MemberSpan:
    return MemberSpan(no, "P", born, since)


def eligible(timeline: Timeline, target: Terms, period: str = PERIOD) -> list[int]:
    return eligible_units(timeline, target, period)[1]


@pytest.mark.parametrize(
    ("born", "qualifies"),
    [
        (date(2016, 3, 1), True),  # ten on the period's first day
        (date(2016, 3, 2), False),  # ten one day later
        (date(1970, 3, 2), True),  # 55 on the first day, 56 the next day
        (date(1970, 3, 1), False),  # 56 on the first day
    ],
)
def test_age_in_whole_years_on_the_first_day(born: date, qualifies: bool) -> None:
    # given a woman born on `born`, and a target for ages 10 to 55
    timeline = family(woman(born=born))
    # then she qualifies exactly when her age on the first day is within
    assert eligible(timeline, terms(age_min=10, age_max=55)) == ([1] if qualifies else [])


def test_someone_born_on_29_february_is_a_year_older_from_1_march() -> None:
    timeline = family(woman(born=date(2016, 2, 29)))
    assert eligible(timeline, terms(age_min=10), "2026-03") == [1]
    assert eligible(timeline, terms(age_min=10), "2026-02") == []


def test_a_member_without_a_birth_date_has_no_age() -> None:
    timeline = family(MemberSpan(1, "P", None, EARLY))
    assert eligible(timeline, terms(age_min=10)) == []
    assert eligible(timeline, terms()) == [1]


def test_sex() -> None:
    timeline = family(woman(1), MemberSpan(2, "L", date(1990, 1, 1), EARLY))
    assert eligible(timeline, terms(sex="P")) == [1]
    assert eligible(timeline, terms(sex="L")) == [2]


@pytest.mark.parametrize(
    ("assessed_on", "desil", "qualifies"),
    [
        (LAST, 4, True),  # dated on the last day: it counts, and says 4
        (LAST, 5, False),
        (LAST + DAY, 9, True),  # dated after the period: the registration's 1 still holds
    ],
)
def test_the_latest_assessment_dated_by_the_last_day(
    assessed_on: date, desil: int, qualifies: bool
) -> None:
    timeline = family(desil=1)
    timeline.assessments.append(Assessment(assessed_on, desil))
    assert eligible(timeline, terms(max_desil=4)) == ([1] if qualifies else [])


def test_of_two_assessments_of_one_day_the_later_recorded_holds() -> None:
    timeline = family(desil=None)
    timeline.assessments += [Assessment(FIRST, 2), Assessment(FIRST, 7)]
    assert eligible(timeline, terms(max_desil=4)) == []
    timeline.assessments.append(Assessment(FIRST, 3))
    assert eligible(timeline, terms(max_desil=4)) == [1]


def test_an_earlier_dated_assessment_recorded_later_does_not_override_a_later_date() -> None:
    timeline = family(desil=None)
    timeline.assessments += [Assessment(date(2026, 2, 1), 2), Assessment(date(2026, 1, 1), 8)]
    assert eligible(timeline, terms(max_desil=4)) == [1]


def test_a_family_never_assessed_does_not_qualify_by_desil() -> None:
    timeline = family(desil=None)
    assert eligible(timeline, terms(max_desil=10)) == []
    assert eligible(timeline, terms()) == [1]


def test_the_registrations_desil_is_dated_on_the_registration() -> None:
    # registered on the day after the period's last day, with desil 1
    timeline = family(registered_on=LAST + DAY, desil=1)
    assert eligible(timeline, terms(max_desil=4), "2026-04") == [1]
    assert eligible(timeline, terms(max_desil=4), "2026-03") == []


@pytest.mark.parametrize(
    ("since", "until", "counts"),
    [
        (EARLY, FIRST, True),  # departed on the first day: a member that day
        (EARLY, FIRST - DAY, False),  # departed the day before
        (LAST, None, True),  # joined on the last day
        (LAST + DAY, None, False),  # joined the day after
        (date(2026, 3, 15), date(2026, 3, 15), True),  # joined and departed the same day
    ],
)
def test_members_active_on_at_least_one_day(since: date, until: date | None, counts: bool) -> None:
    head = MemberSpan(1, "L", date(1980, 1, 1), EARLY)
    timeline = family(head, MemberSpan(2, "P", date(1990, 1, 1), since, until))
    assert eligible(timeline, terms(sex="P")) == ([2] if counts else [])


@pytest.mark.parametrize(
    ("moved_on", "counts"),
    [
        (FIRST, True),  # moved in on the first day: lived there that day
        (FIRST + DAY, False),  # moved in mid-period: counts from the next period
    ],
)
def test_living_in_the_area_on_the_first_day(moved_on: date, counts: bool) -> None:
    timeline = family()
    timeline.stays = [Stay(EARLY, ELSEWHERE), Stay(moved_on, VILLAGE)]
    assert eligible(timeline, terms()) == ([1] if counts else [])
    assert eligible(timeline, terms(), "2026-04") == [1]


def test_moving_out_mid_period_still_counts_where_it_lived_on_the_first_day() -> None:
    timeline = family()
    timeline.stays.append(Stay(FIRST + DAY, ELSEWHERE))
    area, units = eligible_units(timeline, terms(), PERIOD)
    assert (area, units) == (VILLAGE, [1])
    assert eligible(timeline, terms(), "2026-04") == []


def test_a_family_registered_during_the_period_counts_where_it_was_registered() -> None:
    timeline = family(woman(since=LAST), registered_on=LAST)
    timeline.stays.append(Stay(LAST, ELSEWHERE))  # and moved out the same day
    assert eligible_units(timeline, terms(), PERIOD) == (VILLAGE, [1])
    assert eligible(timeline, terms(), "2026-02") == []  # not yet registered


@pytest.mark.parametrize(
    ("since", "until", "counts"),
    [
        (EARLY, FIRST, True),
        (EARLY, FIRST - DAY, False),
        (LAST, None, True),
        (LAST + DAY, None, False),
    ],
)
def test_dashat_categories_active_on_at_least_one_day(
    since: date, until: date | None, counts: bool
) -> None:
    timeline = family(woman(1), woman(2))
    timeline.enrolments.append(Enrolment(2, "ibu_hamil", since, until))
    timeline.enrolments.append(Enrolment(1, "catin", EARLY))  # another category
    assert eligible(timeline, terms(dashat_categories=("ibu_hamil",))) == ([2] if counts else [])


def test_a_family_unit_counts_the_family_once() -> None:
    timeline = family(woman(1), woman(2), MemberSpan(3, "L", date(1990, 1, 1), EARLY))
    assert eligible(timeline, terms("family", sex="P")) == [FAMILY_UNIT]
    assert eligible(timeline, terms("family", sex="P", age_min=90)) == []


def test_an_erased_family_is_eligible_nowhere_from_its_erasures_period() -> None:
    timeline = family()
    timeline.erased_on = FIRST + timedelta(days=20)
    assert eligible(timeline, terms()) == []
    assert eligible(timeline, terms(), "2026-02") == [1]


def test_outside_the_targets_area() -> None:
    assert eligible(family(), terms(area="53.71.02")) == []


def delivery(recipient: int | None, value: int = 30_000, area: str = VILLAGE) -> DeliveryFacts:
    return DeliveryFacts(uuid4(), recipient, value, area)


def test_a_member_unit_is_served_by_a_delivery_to_that_member() -> None:
    timeline = family(woman(1), woman(2), MemberSpan(3, "L", date(1990, 1, 1), EARLY))
    deliveries = [delivery(1), delivery(3, 10_000), delivery(None, 5_000)]
    rows = unit_rows(timeline, terms(sex="P"), PERIOD, deliveries)
    assert rows == [
        UnitRow(1, VILLAGE, 1, 30_000),
        UnitRow(2, VILLAGE, 0, 0),
        # to the man, and to no one: they serve no eligible unit
        UnitRow(STRAY, VILLAGE, 2, 15_000),
    ]


def test_a_family_unit_is_served_by_any_delivery_to_the_family() -> None:
    deliveries = [delivery(None), delivery(1, 10_000)]
    rows = unit_rows(family(), terms("family"), PERIOD, deliveries)
    assert rows == [UnitRow(FAMILY_UNIT, VILLAGE, 1, 40_000)]


def test_deliveries_to_a_family_not_eligible_are_counted_apart() -> None:
    rows = unit_rows(family(desil=9), terms(max_desil=4), PERIOD, [delivery(1)])
    assert rows == [UnitRow(STRAY, VILLAGE, 1, 30_000)]
