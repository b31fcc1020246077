"""The family index projection against hand-computed expectations, on both backends."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from builders import (
    CAUSE,
    OTHER_VILLAGE,
    VILLAGE,
    deliver,
    member,
    next_kk,
    open_source,
    pads,
    register,
)
from casework.aggregates.family import Family
from casework.projections.family_index import FamilyIndexProjection
from casework.projections.family_queries import FamilyFilter, FamilySummary, list_families
from casework.projections.runner import ProjectionRunner
from casework.projections.uppka_queries import current_members
from casework.service import Casework

JAN_5, FEB_1, MAR_1 = date(2025, 1, 5), date(2025, 2, 1), date(2025, 3, 1)


def caught_up(app: Casework) -> FamilyIndexProjection:
    projection = FamilyIndexProjection()
    ProjectionRunner(app, [projection], batch_size=5).catch_up(projection)
    return projection


def summary(app: Casework, family_id: UUID) -> FamilySummary:
    caught_up(app)
    (found,) = [f for f in list_families(app.db, FamilyFilter(), limit=500) if f.id == family_id]
    return found


def member_rows(app: Casework, family_id: UUID) -> list[tuple[Any, ...]]:
    with app.db.transaction() as tx:
        tx.execute(
            "SELECT member_no, nik, name, name_folded, relationship, active "
            "FROM family_index_members WHERE family_id = %s ORDER BY member_no",
            (family_id,),
        )
        return [(*row[:5], bool(row[5])) for row in tx.fetchall()]


def all_rows(app: Casework) -> dict[str, list[tuple[str, ...]]]:
    with app.db.transaction() as tx:
        rows = {}
        for table in FamilyIndexProjection.tables:
            tx.execute(f"SELECT * FROM {table}")
            rows[table] = sorted(tuple(str(v) for v in row) for row in tx.fetchall())
        return rows


def form_group(app: Casework) -> UUID:
    code = f"UPPKA-{uuid4().hex[:8]}"
    return app.form_uppka_group(
        CAUSE, code=code, name="UPPKA Melati", area_code=OTHER_VILLAGE, business_type="tenun"
    ).aggregate_id


def test_a_registered_family_is_listed_with_its_head_and_members(app: Casework) -> None:
    # given a family of two registered
    head, child = member(), member("anak", "L", date(2015, 3, 2))
    kk = next_kk()
    family_id = register(app, head, child, kk_number=kk).aggregate_id
    # then its summary shows what the registration said
    found = summary(app, family_id)
    assert (found.version, found.kk_number, found.area_code) == (1, kk, VILLAGE)
    assert (found.head_name, found.members, found.status, found.programs) == (
        head.name,
        2,
        "active",
        [],
    )
    assert member_rows(app, family_id) == [
        (1, head.nik, head.name, head.name.casefold(), "kepala_keluarga", True),
        (2, child.nik, child.name, child.name.casefold(), "anak", True),
    ]


def test_member_changes_update_count_names_and_head(app: Casework) -> None:
    # given a family of one, to which a spouse is added and whose name is then corrected
    head, spouse = member(), member("suami", "L", date(1982, 1, 15))
    family_id = register(app, head).aggregate_id
    app.add_member(CAUSE, family_id, spouse)
    app.correct_member(CAUSE, family_id, spouse.nik, name="Yohanes Ndun", new_nik=None)
    assert summary(app, family_id).members == 2
    assert member_rows(app, family_id)[1][1:4] == (spouse.nik, "Yohanes Ndun", "yohanes ndun")
    # when the head dies and the spouse heads the family
    app.depart_member(CAUSE, family_id, head.nik, reason="died", on=MAR_1, new_head_nik=spouse.nik)
    # then one member remains, and the spouse is the head
    found = summary(app, family_id)
    assert (found.version, found.members, found.head_name, found.status) == (
        4,
        1,
        "Yohanes Ndun",
        "active",
    )
    # and when the last member moves out, the family is inactive without a head
    app.depart_member(CAUSE, family_id, spouse.nik, reason="moved_out", on=MAR_1)
    found = summary(app, family_id)
    assert (found.members, found.head_name, found.status) == (0, None, "inactive")
    assert [row[5] for row in member_rows(app, family_id)] == [False, False]
    # and a departed member's name still finds the family (`q` matches any member)
    by_name = list_families(app.db, FamilyFilter(name_part=head.name.upper()), limit=500)
    assert [f.id for f in by_name] == [family_id]


def test_relocation_moves_the_area_and_changes_the_kk_only_when_given(app: Casework) -> None:
    kk, new_kk = next_kk(), next_kk()
    family_id = register(app, kk_number=kk).aggregate_id
    app.relocate_family(CAUSE, family_id, area_code=OTHER_VILLAGE, address="Jl. Baru 1")
    found = summary(app, family_id)
    assert (found.area_code, found.kk_number) == (OTHER_VILLAGE, kk)
    app.relocate_family(CAUSE, family_id, area_code=VILLAGE, address="Jl. 2", kk_number=new_kk)
    found = summary(app, family_id)
    assert (found.area_code, found.kk_number) == (VILLAGE, new_kk)


def test_programs_follow_deliveries_and_their_voids(app: Casework) -> None:
    # given a family given ina_kasih twice and sembako once
    family_id = register(app).aggregate_id
    source = open_source(app, budget_idr=10_000_000, programs=("ina_kasih", "sembako"))
    first, second, staple = uuid4(), uuid4(), uuid4()
    deliver(app, family_id, source.aggregate_id, delivery_id=first, period="2025-07")
    deliver(app, family_id, source.aggregate_id, delivery_id=second, period="2025-08")
    app.deliver_aid(
        CAUSE,
        family_id,
        delivery_id=staple,
        program="sembako",
        period="2025-08",
        funding_source_id=source.aggregate_id,
        delivered_on=date(2025, 8, 11),
        items=pads(),
    )
    assert summary(app, family_id).programs == ["ina_kasih", "sembako"]
    # when one ina_kasih delivery is voided, the other still counts
    app.void_delivery(CAUSE, family_id, first, reason="wrong family")
    assert summary(app, family_id).programs == ["ina_kasih", "sembako"]
    # and when the second is voided too, ina_kasih is gone
    app.void_delivery(CAUSE, family_id, second, reason="wrong family")
    assert summary(app, family_id).programs == ["sembako"]


def test_uppka_and_dashat_count_while_active(app: Casework) -> None:
    head, child = member(), member("anak", "P", date(2025, 1, 20))
    family_id = register(app, head, child).aggregate_id
    group = form_group(app)
    app.join_uppka(CAUSE, family_id, group_id=group, member_nik=head.nik, joined_on=JAN_5)
    app.enrol_in_dashat(
        CAUSE, family_id, member_nik=child.nik, category="baduta", kitchen="K1", enrolled_on=FEB_1
    )
    assert summary(app, family_id).programs == ["dashat", "uppka"]
    members = current_members(app.db, group, areas=None)
    assert [(m.family_id, m.member_nik, m.joined_on) for m in members] == [
        (family_id, head.nik, JAN_5)
    ]
    # when the membership and the enrolment end
    app.leave_uppka(CAUSE, family_id, group, member_nik=head.nik, left_on=MAR_1, reason="done")
    app.exit_dashat(CAUSE, family_id, child.nik, exited_on=MAR_1, reason="graduated")
    # then neither programme is listed, and the group has no member
    assert summary(app, family_id).programs == []
    assert current_members(app.db, group, areas=None) == []


def test_a_departed_member_leaves_its_group_and_kitchen(app: Casework) -> None:
    head, daughter = member(), member("anak", "P", date(2000, 5, 5))
    family_id = register(app, head, daughter).aggregate_id
    group = form_group(app)
    app.join_uppka(CAUSE, family_id, group_id=group, member_nik=head.nik, joined_on=JAN_5)
    app.join_uppka(CAUSE, family_id, group_id=group, member_nik=daughter.nik, joined_on=FEB_1)
    app.enrol_in_dashat(
        CAUSE, family_id, member_nik=daughter.nik, category="catin", kitchen="K1", enrolled_on=FEB_1
    )
    # when the daughter marries out
    app.depart_member(CAUSE, family_id, daughter.nik, reason="split_kk", on=MAR_1)
    # then only the head is in the group, and DASHAT is no longer listed
    assert summary(app, family_id).programs == ["uppka"]
    assert [m.member_nik for m in current_members(app.db, group, areas=None)] == [head.nik]
    # and an area scope outside the family's keeps the member out of the list
    assert current_members(app.db, group, areas=("53.71.02",)) == []


def test_erasure_nulls_every_personal_column_and_keeps_the_rest(app: Casework) -> None:
    # given a family with a delivery and an UPPKA membership
    head = member()
    family_id = register(app, head).aggregate_id
    source = open_source(app)
    deliver(app, family_id, source.aggregate_id)
    group = form_group(app)
    app.join_uppka(CAUSE, family_id, group_id=group, member_nik=head.nik, joined_on=JAN_5)
    # when its personal data is erased (saved directly, without the command's purge)
    family = app.load(Family, family_id)
    family.erase_personal_data(
        CAUSE, reason="UU PDP", request_reference="PDP-1", on=date(2025, 9, 1)
    )
    app.save_all(family)
    # then no KK number, NIK or name remains, and everything else does
    found = summary(app, family_id)
    assert (found.kk_number, found.head_name, found.status) == (None, None, "erased")
    assert member_rows(app, family_id) == [(1, None, None, None, "kepala_keluarga", True)]
    # and the membership the erasure ended is gone from the group and from `programs`
    assert (found.version, found.members, found.programs) == (5, 1, ["ina_kasih"])
    assert current_members(app.db, group, areas=None) == []


def test_a_rebuild_equals_the_live_index(app: Casework) -> None:
    # given an index kept up to date while a varied history was written
    head, spouse = member(), member("suami", "L", date(1982, 1, 15))
    family_id = register(app, head, spouse).aggregate_id
    other_id = register(app).aggregate_id
    source = open_source(app)
    delivery = uuid4()
    deliver(app, family_id, source.aggregate_id, delivery_id=delivery)
    caught_up(app)
    group = form_group(app)
    app.join_uppka(CAUSE, family_id, group_id=group, member_nik=spouse.nik, joined_on=JAN_5)
    app.void_delivery(CAUSE, family_id, delivery, reason="typo")
    app.depart_member(CAUSE, family_id, head.nik, reason="died", on=MAR_1, new_head_nik=spouse.nik)
    new_kk = next_kk()
    app.relocate_family(CAUSE, other_id, area_code=OTHER_VILLAGE, address="Jl. 3", kk_number=new_kk)
    projection = caught_up(app)
    live = all_rows(app)
    # when the projection is rebuilt from position zero
    ProjectionRunner(app, [projection], batch_size=4).rebuild(projection)
    # then every table holds exactly the same rows
    assert all_rows(app) == live
    assert live["family_index"]
