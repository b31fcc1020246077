"""Erasure ends what cannot go on: UPPKA memberships and DASHAT enrolments (API.md, additions of
2026-12-08), on SQLite and PostgreSQL; and `casework migrate` ends those of families erased
before erasure did so itself."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from builders import CAUSE, OTHER_VILLAGE, member, register
from casework.aggregates.family import Family
from casework.cli.main import main
from casework.commands.erasure_catch_up import end_erased_participations, erasure_dates
from casework.projections.family_index import FamilyIndexProjection
from casework.projections.family_queries import FamilyFilter, list_families
from casework.projections.runner import ProjectionRunner
from casework.projections.uppka_queries import current_members
from casework.service import Casework
from casework.store.recorder import as_datetime

JOINED = date(2025, 1, 5)


def family_in_programmes(app: Casework) -> tuple[UUID, UUID]:
    """A family whose head is in an UPPKA group and enrolled in DASHAT; (family, group)."""
    head = member()
    family_id = register(app, head).aggregate_id
    group_id = app.form_uppka_group(
        CAUSE,
        code=f"UPPKA-{uuid4().hex[:8]}",
        name="UPPKA Melati",
        area_code=OTHER_VILLAGE,
        business_type="tenun",
    ).aggregate_id
    app.join_uppka(CAUSE, family_id, group_id=group_id, member_nik=head.nik, joined_on=JOINED)
    app.enrol_in_dashat(
        CAUSE, family_id, member_nik=head.nik, category="catin", kitchen="K1", enrolled_on=JOINED
    )
    return family_id, group_id


def programs_listed(app: Casework, family_id: UUID) -> list[str]:
    projection = FamilyIndexProjection()
    ProjectionRunner(app, [projection]).catch_up(projection)
    (found,) = [f for f in list_families(app.db, FamilyFilter(), limit=500) if f.id == family_id]
    return found.programs


def recorded_on(app: Casework, family_id: UUID, version: int) -> date:
    """The date of one of the family's events in the deployment's time zone."""
    with app.db.transaction() as tx:
        tx.execute(
            "SELECT recorded_at FROM stored_events "
            "WHERE originator_id = %s AND originator_version = %s",
            (family_id, version),
        )
        row = tx.fetchone()
    assert row is not None
    return as_datetime(row[0]).astimezone(app.settings.zone).date()


def test_erasure_ends_every_membership_and_enrolment_on_its_date(app: Casework) -> None:
    # given a family in an UPPKA group and in DASHAT
    family_id, group_id = family_in_programmes(app)
    assert programs_listed(app, family_id) == ["dashat", "uppka"]
    # when its personal data is erased
    erased = app.erase_family(CAUSE, family_id, reason="permintaan", request_reference="PDP-1")
    # then both end on the erasure's date, reason `erased`, before the erasure itself
    family = app.load(Family, family_id)
    erased_on = recorded_on(app, family_id, erased.version)
    assert [(m.status, m.left_on) for m in family.uppka] == [("ended", erased_on)]
    assert [(e.status, e.exited_on) for e in family.dashat] == [("ended", erased_on)]
    events = app.repository.event_store.get(family_id, gt=3)
    assert [(type(e).__name__, getattr(e, "reason", None)) for e in events] == [
        ("LeftUppka", "erased"),
        ("ExitedDashat", "erased"),
        ("PersonalDataErased", "permintaan"),
    ]
    # and the read models no longer count the family in either programme
    assert programs_listed(app, family_id) == []
    assert current_members(app.db, group_id, areas=None) == []


def erase_as_before(app: Casework, family_id: UUID) -> None:
    """An erasure as it was recorded before it ended programmes: the event alone."""
    family = app.load(Family, family_id)
    family._record(  # the old erasure, without its closing events
        Family.PersonalDataErased, CAUSE, reason="permintaan", request_reference="PDP-0"
    )
    app.save_all(family, destroyed_keys=(family_id,))


def test_migrate_ends_the_programmes_of_families_erased_before(app: Casework) -> None:
    # given a family erased before erasure ended its programmes: both still active
    family_id, group_id = family_in_programmes(app)
    erase_as_before(app, family_id)
    assert programs_listed(app, family_id) == ["dashat", "uppka"]
    # when the catch-up runs (as `casework migrate` does)
    assert end_erased_participations(app) == 1
    # then the closing events are appended after the erasure, dated on its day, by cli:migrate
    family = app.load(Family, family_id)
    erased_on = erasure_dates(app)[family_id]
    assert erased_on == recorded_on(app, family_id, 4)
    assert [(m.status, m.left_on) for m in family.uppka] == [("ended", erased_on)]
    assert [(e.status, e.exited_on) for e in family.dashat] == [("ended", erased_on)]
    events = list(app.repository.event_store.get(family_id, gt=4))
    assert [(type(e).__name__, e.actor) for e in events] == [
        ("LeftUppka", "cli:migrate"),
        ("ExitedDashat", "cli:migrate"),
    ]
    assert programs_listed(app, family_id) == []
    assert current_members(app.db, group_id, areas=None) == []
    # and it is done once: a second run does not scan the events again
    assert end_erased_participations(app) is None


def test_the_migrate_command_appends_the_closing_events(
    sqlite_app: Casework, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a SQLite store with a family erased the old way
    family_id, _ = family_in_programmes(sqlite_app)
    erase_as_before(sqlite_app, family_id)
    version = sqlite_app.load(Family, family_id).version
    monkeypatch.setenv("CASEWORK_DATABASE_URL", sqlite_app.settings.database_url)
    # when `casework migrate` runs
    assert main(["migrate"]) == 0
    # then it says so, and the family has its two closing events
    assert "ended the UPPKA memberships and DASHAT enrolments of 1 erased family" in (
        capsys.readouterr().out
    )
    reopened = Casework(sqlite_app.settings)
    try:
        assert reopened.load(Family, family_id).version == version + 2
    finally:
        reopened.close()
