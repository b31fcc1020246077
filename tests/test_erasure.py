"""Personal-data erasure (UU PDP), on SQLite and PostgreSQL: what an erased family reads as,
what stays (money, the chain, the facts), what is freed (its KK number), and that the event,
the KK release and the key's destruction are one transaction."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import pytest
from eventsourcing.persistence import IntegrityError

from builders import CAUSE, deliver, member, open_source, register
from casework.aggregates.family import Family
from casework.aggregates.funding_source import FundingSource
from casework.commands.erasure import Erasure
from casework.errors import Conflict, StaleVersion, ValidationFailed
from casework.projections.funding_ledger import FundingLedgerProjection
from casework.projections.registry import all_projections
from casework.projections.runner import ProjectionRunner
from casework.service import Casework
from casework.store.chain_check import verify_chain
from casework.store.claims import ClaimChanges, Release


def erase(app: Casework, family_id: UUID, **pinned: Any) -> Erasure:
    return app.erase_family(
        CAUSE,
        family_id,
        reason="permintaan subjek data",
        request_reference="PDP-2025-001",
        **pinned,
    )


def project(app: Casework) -> None:
    runner = ProjectionRunner(app, all_projections())
    for projection in runner.projections:
        runner.catch_up(projection)


def key_row(app: Casework, family_id: UUID) -> tuple[Any, ...]:
    with app.db.transaction() as tx:
        tx.execute(
            "SELECT wrapped_key, erased_at FROM family_keys WHERE family_id = %s", (family_id,)
        )
        row = tx.fetchone()
    assert row is not None
    return row


def ledger(app: Casework) -> dict[str, list[tuple[Any, ...]]]:
    rows = {}
    with app.db.transaction() as tx:
        for table in FundingLedgerProjection().tables:
            tx.execute(f"SELECT * FROM {table} ORDER BY 1, 2")
            rows[table] = tx.fetchall()
    return rows


def test_an_erased_family_keeps_its_facts_and_loses_its_personal_data(app: Casework) -> None:
    # given a family of two with a delivery
    source = open_source(app).aggregate_id
    family_id = register(app, member(), member("anak", born=date(2012, 3, 4))).aggregate_id
    deliver(app, family_id, source)
    before = app.load(Family, family_id)
    # when its personal data is erased
    erased = erase(app, family_id)
    # then it reads as erased: names, NIKs, birth dates, KK number and address are gone...
    family = app.load(Family, family_id)
    assert erased.version == before.version + 1 == family.version
    assert erased.kk_released and not erased.purge.failed, erased.purge
    assert family.status == "erased"
    assert (family.kk_number, family.address) == (None, None)
    assert [(m.nik, m.name, m.birth_date) for m in family.members.values()] == [(None,) * 3] * 2
    # ... and every other fact stays: members' sex and role, area, welfare, the delivery
    assert [(m.sex, m.relationship, m.status) for m in family.members.values()] == [
        (m.sex, m.relationship, m.status) for m in before.members.values()
    ]
    assert (family.area_code, family.welfare) == (before.area_code, before.welfare)
    assert family.deliveries == before.deliveries
    # and so does every past version: replayed, its personal fields are null too
    first = app.load_at(Family, family_id, version=1)
    assert first.kk_number is None and first.status == "active"


def test_the_money_and_the_chain_do_not_change(app: Casework) -> None:
    # given deliveries to two families from one source, and the read models caught up
    source = open_source(app).aggregate_id
    family_id, other_id = register(app).aggregate_id, register(app).aggregate_id
    deliver(app, family_id, source)
    deliver(app, other_id, source)
    project(app)
    figures = ledger(app)
    # when one family is erased
    erase(app, family_id)
    project(app)
    # then the funding ledger is row for row the same, and the hash chain still verifies
    assert ledger(app) == figures
    report = verify_chain(app.db)
    assert report.ok, report.detail
    assert report.events_checked == app.event_recorder.max_notification_id()


def test_the_kk_number_is_free_for_another_family(app: Casework) -> None:
    # given a family whose KK number another registration is refused
    family = app.load(Family, register(app).aggregate_id)
    assert family.kk_number is not None
    with pytest.raises(Conflict, match="duplicate-kk"):
        register(app, kk_number=family.kk_number)
    # when it is erased, then a new family may be registered under that KK number
    erase(app, family.id)
    newcomer = register(app, kk_number=family.kk_number)
    assert app.load(Family, newcomer.aggregate_id).kk_number == family.kk_number


def test_the_key_is_destroyed_with_the_event(app: Casework) -> None:
    # given a family
    family_id = register(app).aggregate_id
    wrapped, erased_at = key_row(app, family_id)
    assert wrapped is not None and erased_at is None
    # when it is erased, its key row stays, with no key and the instant of erasure
    erase(app, family_id)
    wrapped, erased_at = key_row(app, family_id)
    assert wrapped is None and erased_at is not None
    # and the KK claim went in the same transaction
    with app.db.transaction() as tx:
        tx.execute("SELECT count(*) FROM unique_claims WHERE owner_id = %s", (family_id,))
        assert tx.fetchone() == (0,)


def test_a_lost_race_destroys_no_key_and_releases_no_claim(app: Casework) -> None:
    # given the family as a command loaded it, and a change saved by another meanwhile
    family_id = register(app).aggregate_id
    stale = app.load(Family, family_id)
    kk_number = stale.kk_number
    app.assess_welfare(CAUSE, family_id, desil=2, source="PK", assessed_on=date(2025, 1, 10))
    # when the erasure is saved on the stale state, it loses the race on the version
    assert kk_number is not None
    stale.erase_personal_data(
        CAUSE, reason="permintaan", request_reference="PDP-9", on=date(2025, 9, 1)
    )
    release = Release("kk", app.kk_claim_key(kk_number), family_id)
    with pytest.raises(IntegrityError):
        app.save_all(stale, claims=ClaimChanges(release=(release,)), destroyed_keys=(family_id,))
    # then neither the key's destruction nor the release survived the rollback
    assert key_row(app, family_id)[0] is not None
    assert app.load(Family, family_id).kk_number == kk_number
    with pytest.raises(Conflict, match="duplicate-kk"):
        register(app, kk_number=kk_number)


def test_erasing_twice_is_a_conflict(app: Casework) -> None:
    family_id = register(app).aggregate_id
    version = erase(app, family_id).version
    with pytest.raises(Conflict, match="already-erased"):
        erase(app, family_id)
    assert app.load(Family, family_id).version == version


def test_an_erased_family_takes_no_new_personal_data(app: Casework) -> None:
    family_id = register(app).aggregate_id
    erase(app, family_id)
    with pytest.raises(Conflict, match="family-erased"):
        app.add_member(CAUSE, family_id, member("anak", born=date(2015, 1, 1)))


def test_a_stale_pinned_version_is_refused(app: Casework) -> None:
    family_id = register(app).aggregate_id
    app.assess_welfare(CAUSE, family_id, desil=2, source="PK", assessed_on=date(2025, 1, 10))
    with pytest.raises(StaleVersion):
        erase(app, family_id, expected_version=1)
    assert app.load(Family, family_id).status == "active"


def test_reason_and_reference_are_required(app: Casework) -> None:
    family_id = register(app).aggregate_id
    with pytest.raises(ValidationFailed) as refused:
        app.erase_family(CAUSE, family_id, reason=" ", request_reference="")
    assert [p.field for p in refused.value.problems] == ["reason", "request_reference"]


def test_no_cache_in_the_process_serves_the_personal_data_again(app: Casework) -> None:
    # given a family whose aggregate and key are cached (it was just read)
    family_id = register(app).aggregate_id
    app.load(Family, family_id)
    assert app.keys.key_for(family_id, create=False) is not None
    # when it is erased, then neither cache holds it any more
    erase(app, family_id)
    assert app.keys.key_for(family_id, create=False) is None
    assert app.repository.cache is not None
    with pytest.raises(KeyError):
        app.repository.cache.get(family_id)


def test_a_key_loaded_while_the_erasure_commits_is_not_cached(app: Casework) -> None:
    # given a thread loading the family's key from the database as an erasure commits
    family_id = register(app).aggregate_id
    app.keys.forget(family_id)
    load = app.keys._load

    def load_as_erasure_commits(loading: UUID) -> tuple[bool, bytes | None]:
        found = load(loading)
        app.keys.forget(loading)  # what the erasure does once it has committed
        return found

    app.keys._load = load_as_erasure_commits  # type: ignore[method-assign]
    # when the load finishes, it hands the key to its (older) caller only...
    assert app.keys.key_for(family_id, create=False) is not None
    # ... and does not leave it in the cache for anyone after the erasure
    assert app.keys._cached(family_id) is None


def test_a_delivery_to_an_erased_family_can_still_be_voided(app: Casework) -> None:
    # given an erased family that had received aid from a source
    source_id = open_source(app).aggregate_id
    family_id = register(app).aggregate_id
    deliver(app, family_id, source_id)
    delivery = next(iter(app.load(Family, family_id).deliveries))
    erase(app, family_id)
    assert app.load(FundingSource, source_id).drawn_idr == 60_000
    # when the delivery turns out to be a mistake, then the money is still corrected
    app.void_delivery(CAUSE, family_id, delivery, reason="salah catat")
    assert app.load(FundingSource, source_id).drawn_idr == 0
