"""Family rules, given/when/then, on the aggregate alone (DESIGN.md "Domain", API.md "Families")."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from aggregate_builders import (
    ADDRESS,
    AREA,
    CAUSE,
    HEAD_NIK,
    KK,
    LATER,
    NEW_KK,
    OTHER_AREA,
    head,
    invalid,
    member,
    new_delivery,
    nik,
    pads,
    provisional_nik,
    refused,
    registered_family,
    replayed,
    state,
)
from casework.aggregates.family import Family, NewMember
from casework.aggregates.family_records import Welfare
from casework.errors import NotFound
from casework.vocabulary import HEAD

ON = date(2025, 9, 1)
LATER_ON = date(2025, 10, 1)


def register(members: list[NewMember]) -> Family:
    facts = {"kk_number": KK, "area_code": AREA, "address": ADDRESS, "welfare_desil": 2}
    return Family.register(CAUSE, uuid4(), members=members, **facts)


# -- registration ----------------------------------------------------------------------------


def test_registration_records_one_event_with_cause_and_members() -> None:
    family = registered_family(member(2, "istri", sex="P", born=date(1987, 1, 2)))

    [event] = family.collect_events()
    assert isinstance(event, Family.Registered)
    assert (event.actor, event.request_id) == (CAUSE.actor, CAUSE.request_id)
    assert family.version == 1
    assert (family.kk_number, family.area_code, family.address) == (KK, AREA, ADDRESS)
    assert family.status == "active"
    assert [(m.member_no, m.nik, m.relationship) for m in family.members.values()] == [
        (1, HEAD_NIK, HEAD),
        (2, nik(2, "P", date(1987, 1, 2)), "istri"),
    ]


@pytest.mark.parametrize("relationships", [["anak"], ["anak", "istri"], [HEAD, HEAD]])
def test_registration_needs_exactly_one_head(relationships: list[str]) -> None:
    members = [member(n, rel) for n, rel in enumerate(relationships, start=1)]
    with invalid("members"):
        register(members)


def test_registration_refuses_a_nik_twice_naming_the_second_member() -> None:
    with invalid("members[1].nik"):
        register([head(), member(2, nik_value=HEAD_NIK)])


# -- members ---------------------------------------------------------------------------------


def test_adding_a_member_numbers_it_and_records_the_cause() -> None:
    family = registered_family(member(2))

    member_no = family.add_member(LATER, member(3, "cucu"))

    assert member_no == 3 and family.version == 2
    assert family.members[3].nik == nik(3) and family.members[3].relationship == "cucu"
    event = family.collect_events()[-1]
    assert isinstance(event, Family.MemberAdded)
    assert (event.actor, event.request_id) == (LATER.actor, LATER.request_id)


def test_adding_a_member_whose_nik_is_already_in_the_family_is_a_duplicate() -> None:
    family = registered_family(member(2))
    with refused("duplicate-member", family):
        family.add_member(CAUSE, member(9, nik_value=nik(2)))


def test_adding_a_second_head_is_invalid() -> None:
    family = registered_family()
    with invalid("relationship", family):
        family.add_member(CAUSE, member(2, HEAD))


def test_correction_replaces_a_provisional_nik() -> None:
    family = registered_family(member(2, nik_value=provisional_nik(7)))

    family.correct_member(CAUSE, 2, name="Yohanes", sex=None, birth_date=None, nik=nik(2))

    corrected = family.members[2]
    assert (corrected.nik, corrected.name, corrected.sex) == (nik(2), "Yohanes", "L")
    assert family.member_by_nik(nik(2)).member_no == 2


def test_correction_to_another_members_nik_is_a_duplicate() -> None:
    family = registered_family(member(2, nik_value=provisional_nik(7)))
    with refused("duplicate-member", family):
        family.correct_member(CAUSE, 2, name=None, sex=None, birth_date=None, nik=HEAD_NIK)


# -- departures ------------------------------------------------------------------------------


def test_a_member_departs_once() -> None:
    family = registered_family(member(2))

    emptied = family.depart_member(CAUSE, 2, reason="moved_out", on=ON, new_head_no=None)

    assert emptied is False and family.status == "active"
    assert (family.members[2].status, family.members[2].departed_on) == ("departed", ON)
    with refused("member-not-active", family):
        family.depart_member(CAUSE, 2, reason="other", on=ON, new_head_no=None)


def test_a_member_who_moved_back_is_found_by_nik_as_the_active_member() -> None:
    family = registered_family(member(2))
    family.depart_member(CAUSE, 2, reason="moved_out", on=ON, new_head_no=None)

    rejoined = family.add_member(LATER, member(2))

    assert family.member_by_nik(nik(2)).member_no == rejoined


def test_the_head_cannot_leave_others_without_a_new_head() -> None:
    family = registered_family(member(2))
    with invalid("new_head_nik", family):
        family.depart_member(CAUSE, 1, reason="died", on=ON, new_head_no=None)


def test_the_new_head_must_be_another_active_member() -> None:
    family = registered_family(member(2))
    with invalid("new_head_nik", family):
        family.depart_member(CAUSE, 1, reason="died", on=ON, new_head_no=1)


def test_when_the_head_leaves_the_named_member_becomes_head() -> None:
    family = registered_family(member(2, "istri", sex="P"), member(3))

    emptied = family.depart_member(CAUSE, 1, reason="died", on=ON, new_head_no=2)

    assert emptied is False
    assert family.members[2].relationship == HEAD
    head_now = family.head()
    assert head_now is not None and head_now.member_no == 2


def test_the_last_member_leaving_makes_the_family_inactive_and_closed_to_new_facts() -> None:
    family = registered_family(member(2))
    family.depart_member(CAUSE, 2, reason="moved_out", on=ON, new_head_no=None)

    emptied = family.depart_member(CAUSE, 1, reason="died", on=ON, new_head_no=None)

    assert emptied is True and family.status == "inactive"
    with refused("family-inactive", family):
        family.deliver_aid(CAUSE, new_delivery())
    with refused("family-inactive", family):
        family.add_member(CAUSE, member(3))


# -- relocation and welfare ------------------------------------------------------------------


def test_relocation_changes_area_and_address_and_keeps_the_same_kk() -> None:
    family = registered_family()

    family.relocate(CAUSE, area_code=OTHER_AREA, address="Jl. Oepura 7", kk_number=KK)

    assert (family.area_code, family.address, family.kk_number) == (OTHER_AREA, "Jl. Oepura 7", KK)
    event = family.collect_events()[-1]
    assert isinstance(event, Family.Relocated) and event.kk_number is None


def test_relocation_with_a_new_kk_records_it() -> None:
    family = registered_family()

    family.relocate(CAUSE, area_code=OTHER_AREA, address="Jl. Oepura 7", kk_number=NEW_KK)

    assert family.kk_number == NEW_KK
    event = family.collect_events()[-1]
    assert isinstance(event, Family.Relocated) and event.kk_number == NEW_KK


def test_welfare_assessment_replaces_the_desil() -> None:
    family = registered_family()
    family.assess_welfare(CAUSE, desil=3, source="DTSEN", assessed_on=ON)
    assert family.welfare == Welfare(desil=3, source="DTSEN", assessed_on=ON)


# -- aid deliveries --------------------------------------------------------------------------


def test_a_delivery_is_worth_the_sum_of_quantity_times_unit_value() -> None:
    family = registered_family()
    items = (pads(4, 15_000), pads(3, 12_500))

    value = family.deliver_aid(CAUSE, new_delivery(items=items, recipient=1))

    assert value == 4 * 15_000 + 3 * 12_500
    [delivery] = family.deliveries.values()
    assert (delivery.value_idr, delivery.status, delivery.version) == (value, "delivered", 2)
    event = family.collect_events()[-1]
    assert isinstance(event, Family.AidDelivered) and event.area_code == AREA


@pytest.mark.parametrize("recipient", [9, 2], ids=["unknown", "departed"])
def test_the_recipient_must_be_an_active_member(recipient: int) -> None:
    family = registered_family(member(2))
    family.depart_member(CAUSE, 2, reason="moved_out", on=ON, new_head_no=None)
    with invalid("recipient_nik", family):
        family.deliver_aid(CAUSE, new_delivery(recipient=recipient))


@pytest.mark.parametrize("recipient", [None, 1])
def test_the_same_programme_period_and_recipient_twice_is_a_duplicate(
    recipient: int | None,
) -> None:
    family = registered_family(member(2))
    family.deliver_aid(CAUSE, new_delivery(recipient=recipient))
    with refused("duplicate-delivery", family):
        family.deliver_aid(CAUSE, new_delivery(recipient=recipient))


def test_another_recipient_period_or_programme_is_not_a_duplicate() -> None:
    family = registered_family(member(2, "istri", sex="P"))
    family.deliver_aid(CAUSE, new_delivery(recipient=1))
    family.deliver_aid(CAUSE, new_delivery(recipient=2))
    family.deliver_aid(CAUSE, new_delivery(recipient=1, period="2025-09"))
    family.deliver_aid(CAUSE, new_delivery(recipient=1, program="sembako"))
    assert len(family.deliveries) == 4


def test_after_a_void_the_same_delivery_may_be_made_again() -> None:
    family = registered_family()
    first = new_delivery(recipient=1)
    family.deliver_aid(CAUSE, first)
    family.void_delivery(CAUSE, first.delivery_id, reason="wrong recipient")

    family.deliver_aid(CAUSE, new_delivery(recipient=1))

    assert sorted(d.status for d in family.deliveries.values()) == ["delivered", "voided"]


def test_a_delivery_id_is_used_once() -> None:
    family = registered_family()
    first = new_delivery(period="2025-08")
    family.deliver_aid(CAUSE, first)
    with refused("duplicate-delivery", family):
        family.deliver_aid(CAUSE, new_delivery(delivery_id=first.delivery_id, period="2025-09"))


def test_voiding_returns_the_delivery_and_refuses_twice_or_unknown() -> None:
    family = registered_family()
    delivery = new_delivery()
    value = family.deliver_aid(CAUSE, delivery)

    voided = family.void_delivery(LATER, delivery.delivery_id, reason="double entry")

    assert (voided.delivery_id, voided.value_idr) == (delivery.delivery_id, value)
    assert (voided.status, voided.void_reason) == ("voided", "double entry")
    with refused("already-voided", family):
        family.void_delivery(CAUSE, delivery.delivery_id, reason="again")
    with pytest.raises(NotFound):
        family.void_delivery(CAUSE, uuid4(), reason="never delivered")


# -- UPPKA and DASHAT ------------------------------------------------------------------------


def test_uppka_membership_joins_once_and_leaves_once() -> None:
    family, group = registered_family(), uuid4()

    family.join_uppka(CAUSE, group, 1, ON)
    with refused("already-member", family):
        family.join_uppka(CAUSE, group, 1, ON)
    family.leave_uppka(CAUSE, group, 1, left_on=date(2025, 12, 1), reason="moved")

    assert [(m.status, m.left_on) for m in family.uppka] == [("ended", date(2025, 12, 1))]
    with refused("not-a-member", family):
        family.leave_uppka(CAUSE, group, 1, left_on=ON, reason="again")
    family.join_uppka(CAUSE, group, 1, date(2026, 1, 5))
    assert family.active_uppka(group, 1) is not None


def test_dashat_enrols_once_and_exits_once() -> None:
    family = registered_family(member(2, born=date(2024, 11, 2)))

    family.enrol_in_dashat(CAUSE, 2, category="baduta", kitchen="DSH-01", enrolled_on=ON)
    with refused("already-enrolled", family):
        family.enrol_in_dashat(CAUSE, 2, category="balita", kitchen="DSH-01", enrolled_on=ON)
    family.exit_dashat(CAUSE, 2, exited_on=date(2026, 11, 2), reason="graduated")

    assert [(e.category, e.status) for e in family.dashat] == [("baduta", "ended")]
    with refused("not-enrolled", family):
        family.exit_dashat(CAUSE, 2, exited_on=ON, reason="other")


# -- erasure and replay ----------------------------------------------------------------------


def test_erasure_nulls_personal_data_and_keeps_the_deliveries() -> None:
    family = registered_family(member(2))
    value = family.deliver_aid(CAUSE, new_delivery(recipient=2))

    family.erase_personal_data(
        CAUSE, reason="UU PDP request", request_reference="PDP-7", on=date(2025, 9, 1)
    )

    assert family.status == "erased"
    assert (family.kk_number, family.address) == (None, None)
    assert all((m.nik, m.name, m.birth_date) == (None, None, None) for m in family.members.values())
    assert [(d.value_idr, d.recipient_member_no) for d in family.deliveries.values()] == [
        (value, 2)
    ]
    with refused("family-erased", family):
        family.deliver_aid(CAUSE, new_delivery(period="2025-09"))
    with refused("already-erased", family):
        family.erase_personal_data(
            CAUSE, reason="again", request_reference="PDP-8", on=date(2025, 9, 1)
        )


def test_replaying_the_events_rebuilds_the_same_family() -> None:
    family, group = registered_family(member(2, "istri", sex="P"), member(3)), uuid4()
    family.add_member(CAUSE, member(4, nik_value=provisional_nik(4)))
    family.correct_member(CAUSE, 4, name="Anton", sex=None, birth_date=None, nik=nik(4))
    family.assess_welfare(CAUSE, desil=2, source="PK", assessed_on=ON)
    kept, voided = new_delivery(recipient=2), new_delivery(recipient=3)
    family.deliver_aid(CAUSE, kept)
    family.deliver_aid(CAUSE, voided)
    family.void_delivery(CAUSE, voided.delivery_id, reason="typo")
    family.join_uppka(CAUSE, group, 2, ON)
    family.leave_uppka(CAUSE, group, 2, left_on=ON, reason="moved")
    family.enrol_in_dashat(CAUSE, 2, category="ibu_hamil", kitchen="DSH-01", enrolled_on=ON)
    family.depart_member(CAUSE, 1, reason="died", on=ON, new_head_no=2)
    family.relocate(CAUSE, area_code=OTHER_AREA, address="Jl. Oepura 7", kk_number=NEW_KK)

    rebuilt = replayed(family)

    assert rebuilt.version == family.version == 12
    assert state(rebuilt) == state(family)
    assert rebuilt.members[2].relationship == HEAD and rebuilt.kk_number == NEW_KK


def test_a_departure_ends_the_members_programme_participation() -> None:
    # given member 2 in an UPPKA group and a DASHAT kitchen
    family = registered_family(member(2))
    group_id = uuid4()
    family.join_uppka(CAUSE, group_id, 2, ON)
    family.enrol_in_dashat(CAUSE, 2, category="ibu_hamil", kitchen="DASHAT-ALAK-01", enrolled_on=ON)
    # when member 2 departs
    family.depart_member(CAUSE, 2, reason="moved_out", on=LATER_ON, new_head_no=None)
    # then both end on the departure date
    assert (family.uppka[0].status, family.uppka[0].left_on) == ("ended", LATER_ON)
    assert (family.dashat[0].status, family.dashat[0].exited_on) == ("ended", LATER_ON)
