"""UppkaGroup rules, given/when/then, on the aggregate alone (API.md "UPPKA groups")."""

from __future__ import annotations

from uuid import uuid4

from aggregate_builders import CAUSE, replayed, state
from casework.aggregates.uppka_group import UppkaGroup

VILLAGE = "53.71.01.1005"  # Fatufeto


def form_group() -> UppkaGroup:
    return UppkaGroup.form(
        CAUSE,
        uuid4(),
        code="UPPKA-FTF-01",
        name="UPPKA Sejahtera Fatufeto",
        area_code=VILLAGE,
        business_type="tenun ikat",
    )


def test_forming_a_group_sets_its_fields() -> None:
    group = form_group()

    assert (group.code, group.name, group.area_code, group.business_type) == (
        "UPPKA-FTF-01",
        "UPPKA Sejahtera Fatufeto",
        VILLAGE,
        "tenun ikat",
    )
    assert group.version == 1


def test_forming_a_group_records_one_event_with_its_cause() -> None:
    group = form_group()

    [event] = group.collect_events()

    assert isinstance(event, UppkaGroup.Formed)
    assert (event.originator_id, event.originator_version) == (group.id, 1)
    assert (event.actor, event.request_id) == (CAUSE.actor, CAUSE.request_id)
    assert (event.code, event.business_type) == ("UPPKA-FTF-01", "tenun ikat")


def test_two_groups_formed_alike_are_distinct_aggregates() -> None:
    first, second = form_group(), form_group()
    assert first.id != second.id


def test_replaying_the_formation_rebuilds_the_same_group() -> None:
    group = form_group()

    rebuilt = replayed(group)

    assert state(rebuilt) == state(group)
    assert rebuilt.id == group.id and rebuilt.name == "UPPKA Sejahtera Fatufeto"
