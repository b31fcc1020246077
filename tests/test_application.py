"""Application tests: the service's commands and queries, run unchanged on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from uuid import uuid4

import pytest

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
from casework.aggregates.funding_source import FundingSource
from casework.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from casework.service import Casework


def test_registered_family_reads_back_with_its_members(app: Casework) -> None:
    # given a head of family
    head = member()
    # when the family is registered
    saved = register(app, head)
    # then it reads back as registered, at version 1, with the position of its event
    family = app.load(Family, saved.aggregate_id)
    assert (saved.version, family.version, family.status) == (1, 1, "active")
    assert [(m.nik, m.name) for m in family.members.values()] == [(head.nik, head.name)]
    assert saved.position == app.event_recorder.max_notification_id()


def test_every_event_records_who_and_which_request(app: Casework) -> None:
    saved = register(app)
    stored = app.repository.event_store.get(saved.aggregate_id)
    assert [(e.actor, e.request_id) for e in stored] == [("tester", "req-test")]  # type: ignore[attr-defined]


def test_recorded_at_never_decreases_with_position(app: Casework) -> None:
    saved = register(app)
    for _ in range(5):
        app.assess_welfare(
            CAUSE, saved.aggregate_id, desil=2, source="PK", assessed_on=date(2025, 1, 2)
        )
    records = app.event_records(saved.aggregate_id)
    assert [r.position for r in records] == sorted(r.position for r in records)
    assert [r.recorded_at for r in records] == sorted(r.recorded_at for r in records)


def test_a_second_active_family_with_the_same_kk_is_refused(app: Casework) -> None:
    kk = next_kk()
    register(app, kk_number=kk)
    head_before = app.event_recorder.max_notification_id()
    with pytest.raises(Conflict) as refused:
        register(app, kk_number=kk)
    assert refused.value.kind == "duplicate-kk"
    assert app.event_recorder.max_notification_id() == head_before


def test_a_refused_registration_leaves_no_data_key_behind(app: Casework) -> None:
    # given a registered KK
    kk = next_kk()
    register(app, kk_number=kk)
    # when a second family with that KK is refused
    refused_id = uuid4()
    with pytest.raises(Conflict):
        app.register_family(
            CAUSE,
            kk_number=kk,
            area_code=VILLAGE,
            address="Jl. Alak No. 9",
            welfare_desil=None,
            members=[member()],
            family_id=refused_id,
        )
    # then its key was not stored either: the key commits with the family's events or not at all
    with app.db.transaction() as tx:
        tx.execute("SELECT count(*) FROM family_keys WHERE family_id = %s", (refused_id,))
        assert tx.fetchone() == (0,)


def test_a_registered_family_is_cached_as_its_save_left_it(app: Casework) -> None:
    saved = register(app)
    cache = app.repository.cache
    assert cache is not None
    cached = cache.get(saved.aggregate_id)
    assert isinstance(cached, Family) and cached.version == 1
    assert cached.kk_number == app.load(Family, saved.aggregate_id).kk_number


def test_kk_is_free_again_when_the_last_member_departs(app: Casework) -> None:
    kk = next_kk()
    head = member()
    first = register(app, head, kk_number=kk)
    app.depart_member(CAUSE, first.aggregate_id, head.nik, reason="died", on=date(2025, 3, 1))
    assert app.load(Family, first.aggregate_id).status == "inactive"
    second = register(app, kk_number=kk)
    assert second.aggregate_id != first.aggregate_id


def test_relocation_with_a_new_kk_frees_the_old_one(app: Casework) -> None:
    old_kk, new_kk = next_kk(), next_kk()
    moved = register(app, kk_number=old_kk)
    app.relocate_family(
        CAUSE, moved.aggregate_id, area_code=OTHER_VILLAGE, address="Jl. Baru 1", kk_number=new_kk
    )
    family = app.load(Family, moved.aggregate_id)
    assert (family.kk_number, family.area_code) == (new_kk, OTHER_VILLAGE)
    register(app, kk_number=old_kk)
    with pytest.raises(Conflict, match="duplicate-kk"):
        register(app, kk_number=new_kk)


def test_a_delivery_draws_its_value_from_the_source_in_the_same_transaction(app: Casework) -> None:
    head = member()
    family = register(app, head)
    source = open_source(app, budget_idr=100_000)
    saved = deliver(app, family.aggregate_id, source.aggregate_id, recipient_nik=head.nik)
    funding = app.load(FundingSource, source.aggregate_id)
    assert (funding.drawn_idr, funding.balance_idr) == (60_000, 40_000)
    # both events were written by one save: the draw directly follows the delivery
    family_records = app.event_records(family.aggregate_id)
    source_records = app.event_records(source.aggregate_id)
    assert source_records[-1].position == family_records[-1].position + 1 == saved.position


def test_a_delivery_beyond_the_budget_writes_nothing(app: Casework) -> None:
    family = register(app)
    source = open_source(app, budget_idr=59_999)
    head_before = app.event_recorder.max_notification_id()
    with pytest.raises(Conflict) as refused:
        deliver(app, family.aggregate_id, source.aggregate_id)
    assert refused.value.kind == "funding-exhausted"
    assert app.event_recorder.max_notification_id() == head_before
    assert app.load(Family, family.aggregate_id).version == 1


def test_a_void_returns_the_value_to_the_source(app: Casework) -> None:
    family = register(app)
    source = open_source(app, budget_idr=60_000)
    delivery_id = uuid4()
    deliver(app, family.aggregate_id, source.aggregate_id, delivery_id=delivery_id)
    app.close_funding_source(CAUSE, source.aggregate_id, reason="end of year")
    app.void_delivery(CAUSE, family.aggregate_id, delivery_id, reason="wrong family")
    funding = app.load(FundingSource, source.aggregate_id)
    assert (funding.drawn_idr, funding.voided_idr, funding.balance_idr) == (0, 60_000, 60_000)
    with pytest.raises(Conflict, match="already-voided"):
        app.void_delivery(CAUSE, family.aggregate_id, delivery_id, reason="again")


def test_a_delivery_id_is_unique_across_families(app: Casework) -> None:
    source = open_source(app)
    delivery_id = uuid4()
    deliver(app, register(app).aggregate_id, source.aggregate_id, delivery_id=delivery_id)
    other = register(app)
    with pytest.raises(Conflict, match="duplicate-delivery"):
        deliver(app, other.aggregate_id, source.aggregate_id, delivery_id=delivery_id)
    assert app.load(Family, other.aggregate_id).version == 1


def test_a_voided_delivery_id_is_never_used_again(app: Casework) -> None:
    family = register(app)
    source = open_source(app)
    delivery_id = uuid4()
    deliver(app, family.aggregate_id, source.aggregate_id, delivery_id=delivery_id)
    app.void_delivery(CAUSE, family.aggregate_id, delivery_id, reason="wrong month")
    with pytest.raises(Conflict, match="duplicate-delivery"):
        deliver(app, family.aggregate_id, source.aggregate_id, delivery_id=delivery_id)
    assert app.load(FundingSource, source.aggregate_id).drawn_idr == 0


def test_the_same_programme_period_and_recipient_twice_is_refused(app: Casework) -> None:
    head = member()
    family = register(app, head)
    source = open_source(app)
    deliver(app, family.aggregate_id, source.aggregate_id, recipient_nik=head.nik)
    with pytest.raises(Conflict, match="duplicate-delivery"):
        deliver(app, family.aggregate_id, source.aggregate_id, recipient_nik=head.nik)
    deliver(app, family.aggregate_id, source.aggregate_id, recipient_nik=head.nik, period="2025-09")


def test_a_pinned_stale_version_is_refused(app: Casework) -> None:
    saved = register(app)
    app.assess_welfare(
        CAUSE, saved.aggregate_id, desil=3, source="PK", assessed_on=date(2025, 1, 1)
    )
    with pytest.raises(StaleVersion):
        app.add_member(CAUSE, saved.aggregate_id, member("anak"), expected_version=1)
    after = app.add_member(CAUSE, saved.aggregate_id, member("anak"), expected_version=2)
    assert after.version == 3


def test_the_family_as_of_a_version_and_an_instant(app: Casework) -> None:
    saved = register(app)
    app.add_member(CAUSE, saved.aggregate_id, member("anak", sex="L", born=date(2015, 1, 1)))
    assert len(app.load_at(Family, saved.aggregate_id, version=1).members) == 1
    second = app.event_records(saved.aggregate_id)[1]
    at_second = app.load_at(Family, saved.aggregate_id, as_of=second.recorded_at)
    assert (at_second.version, len(at_second.members)) == (2, 2)
    first_instant = app.event_records(saved.aggregate_id)[0].recorded_at
    with pytest.raises(NotFound):
        app.load_at(Family, saved.aggregate_id, as_of=first_instant - timedelta(seconds=1))
    assert app.load_at(Family, saved.aggregate_id, as_of=datetime.now(UTC)).version == 2


def test_invalid_fields_are_named_and_nothing_is_written(app: Casework) -> None:
    bad = member()
    bad = type(bad)(
        nik="5371011307850000",
        name=" ",
        sex="X",
        birth_date=bad.birth_date,
        relationship="kepala_keluarga",
    )
    with pytest.raises(ValidationFailed) as refused:
        app.register_family(
            CAUSE, kk_number="123", area_code="53.71", address="", welfare_desil=11, members=[bad]
        )
    fields = {p.field for p in refused.value.problems}
    assert {
        "kk_number",
        "area_code",
        "address",
        "welfare_desil",
        "members[0].nik",
        "members[0].name",
        "members[0].sex",
    } <= fields
    assert app.event_recorder.max_notification_id() is None


def test_money_must_be_positive_whole_rupiah(app: Casework) -> None:
    family = register(app)
    source = open_source(app)
    with pytest.raises(ValidationFailed) as refused:
        deliver(
            app, family.aggregate_id, source.aggregate_id, items=pads(quantity=0, unit_value_idr=-5)
        )
    assert {p.field for p in refused.value.problems} == {
        "items[0].quantity",
        "items[0].unit_value_idr",
    }


def test_unknown_aggregates_are_not_found(app: Casework) -> None:
    with pytest.raises(NotFound):
        app.load(Family, uuid4())
    source = open_source(app)
    with pytest.raises(NotFound):
        app.load(Family, source.aggregate_id)
