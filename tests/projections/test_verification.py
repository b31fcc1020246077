"""Projection verification: every read model against a rebuild of it in a scratch database."""

from __future__ import annotations

import io
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import pytest

from builders import CAUSE, deliver, member, open_source, register
from casework.projections import verification
from casework.projections.registry import all_projections, projection_names
from casework.projections.runner import Progress, ProjectionRunner
from casework.projections.verification import ProjectionCheck, verify_projections
from casework.projections.verification_report import print_projection_report
from casework.service import Casework


def caught_up(app: Casework) -> None:
    runner = ProjectionRunner(app, all_projections(), batch_size=7)
    for projection in runner.projections:
        runner.catch_up(projection)


def history(app: Casework) -> tuple[UUID, UUID]:
    """A source paying three families, one void, a receipt and a second member; caught up."""
    source = open_source(app, budget_idr=5_000_000).aggregate_id
    family = register(app).aggregate_id
    app.add_member(CAUSE, family, member("anak", sex="L", born=date(2010, 3, 4)))
    voided = uuid4()
    deliver(app, family, source, delivery_id=voided)
    for _ in range(2):
        deliver(app, register(app).aggregate_id, source)
    app.void_delivery(CAUSE, family, voided, reason="wrong period")
    app.record_receipt(
        CAUSE, source, amount_idr=500_000, reference="SP2D 0042", received_on=date(2025, 8, 1)
    )
    caught_up(app)
    return family, source


def head(app: Casework) -> int:
    return app.event_recorder.max_notification_id() or 0


def change(app: Casework, sql: str, params: tuple[Any, ...]) -> None:
    with app.db.transaction() as tx:
        tx.execute(sql, params)
        assert tx.rowcount == 1


def check_of(report: verification.ProjectionsReport, name: str) -> ProjectionCheck:
    (found,) = [check for check in report.projections if check.name == name]
    return found


def test_a_clean_store_verifies(app: Casework) -> None:
    # given history with every read model caught up
    history(app)
    # when the read models are verified
    report = verify_projections(app)
    # then each one matches its rebuild at the head, and none of them was empty
    assert report.ok
    assert [check.name for check in report.projections] == projection_names()
    for check in report.projections:
        assert check.position == check.rebuilt_position == head(app)
        assert sum(table.live_rows for table in check.tables) > 0
        assert all(table.live_rows == table.rebuilt_rows for table in check.tables)
    out = io.StringIO()
    assert print_projection_report(report, out=out)
    assert out.getvalue().splitlines()[-1].startswith("ok:")


def test_an_altered_figure_in_the_funding_ledger_is_reported(app: Casework) -> None:
    # given a funding source whose drawn figure was altered in the live ledger
    _, source = history(app)
    change(
        app,
        "UPDATE funding_ledger_sources SET drawn_idr = drawn_idr + 1 WHERE funding_source_id = %s",
        (source,),
    )
    # when the read models are verified
    report = verify_projections(app)
    # then the ledger fails on that row and that column alone; the others still match
    assert not report.ok
    ledger = check_of(report, "funding_ledger")
    assert not ledger.ok
    assert all(check.ok for check in report.projections if check.name != "funding_ledger")
    (table,) = [table for table in ledger.tables if table.differences]
    assert (table.table, table.differences) == ("funding_ledger_sources", 1)
    (difference,) = table.shown
    assert difference.key == {"funding_source_id": str(source)}
    assert difference.changed_columns == ["drawn_idr"]
    assert difference.live is not None and difference.rebuilt is not None
    assert difference.live["drawn_idr"] == difference.rebuilt["drawn_idr"] + 1 == 120_001
    out = io.StringIO()
    assert not print_projection_report(report, out=out)
    printed = out.getvalue()
    assert "funding_ledger_sources: 1 row(s) differ" in printed
    assert f"funding_source_id='{source}'" in printed
    assert "drawn_idr live 120001 ≠ rebuilt 120000" in printed
    assert (
        printed.splitlines()[-1] == "FAILED: read models differ from their rebuild: funding_ledger"
    )


def test_an_altered_name_in_the_family_index_is_reported_without_printing_it(
    app: Casework,
) -> None:
    # given a member whose name was altered in the live family index
    family, _ = history(app)
    change(
        app,
        "UPDATE family_index_members SET name = %s WHERE family_id = %s AND member_no = 1",
        ("Yohana Tamper", family),
    )
    # when the read models are verified
    report = verify_projections(app)
    # then that member's row is named, with the changed column
    index = check_of(report, "family_index")
    (table,) = [table for table in index.tables if table.differences]
    (difference,) = table.shown
    assert table.table == "family_index_members"
    assert difference.key == {"family_id": str(family), "member_no": 1}
    assert difference.changed_columns == ["name"]
    assert difference.live is not None and difference.live["name"] == "Yohana Tamper"
    # and the printed report names the column but not the names themselves
    out = io.StringIO()
    print_projection_report(report, out=out)
    assert "name live <personal> ≠ rebuilt <personal>" in out.getvalue()
    assert "Yohana" not in out.getvalue() and "Maria" not in out.getvalue()


def test_a_deleted_audit_trail_row_is_reported(app: Casework) -> None:
    # given an audit trail missing the row of position 3
    history(app)
    change(app, "DELETE FROM audit_trail WHERE position = %s", (3,))
    # when the read models are verified
    report = verify_projections(app)
    # then the row is reported as missing from the live table, with what the rebuild holds
    trail = check_of(report, "audit_trail")
    (table,) = trail.tables
    assert (table.differences, table.live_rows + 1) == (1, table.rebuilt_rows)
    (difference,) = table.shown
    assert difference.key == {"position": 3} and difference.live is None
    assert difference.rebuilt is not None and difference.rebuilt["type"] == "FamilyMemberAdded"


def test_every_difference_is_counted_across_pages_but_few_are_kept(
    app: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an audit trail read two rows at a time, with its first rows and last row deleted
    # and a row the events never made added after it
    history(app)
    last = head(app)
    with app.db.transaction() as tx:
        tx.execute("DELETE FROM audit_trail WHERE position <= 3 OR position = %s", (last,))
        tx.execute(
            "INSERT INTO audit_trail (position, recorded_at, actor, aggregate_type, aggregate_id, "
            "version, type, summary, request_id) SELECT %s, recorded_at, actor, aggregate_type, "
            "aggregate_id, version, type, summary, request_id FROM audit_trail WHERE position = 4",
            (last + 5,),
        )
    monkeypatch.setattr(verification, "PAGE_ROWS", 2)
    # when verified, keeping at most two differences per table
    report = verify_projections(app, max_shown=2)
    # then all five are counted, the first two kept, and the other tables match
    (table,) = check_of(report, "audit_trail").tables
    assert table.differences == 5
    assert [difference.key["position"] for difference in table.shown] == [1, 2]
    assert (table.live_rows, table.rebuilt_rows) == (last - 3, last)
    out = io.StringIO()
    print_projection_report(report, out=out)
    assert "… and 3 more" in out.getvalue()
    assert all(check.ok for check in report.projections if check.name != "audit_trail")


def test_a_projection_behind_is_compared_at_its_own_position(app: Casework) -> None:
    # given read models caught up, then more history they have not processed yet
    history(app)
    before = head(app)
    deliver(app, register(app).aggregate_id, open_source(app).aggregate_id)
    assert head(app) > before
    # when verified
    report = verify_projections(app)
    # then each read model is compared with a rebuild to where it was, and matches
    assert report.ok
    assert {(check.position, check.rebuilt_position) for check in report.projections} == {
        (before, before)
    }


def test_live_read_models_moving_during_the_check_are_compared_as_they_were(
    app: Casework,
) -> None:
    # given caught-up read models, and a writer that adds history and catches every live read
    # model up while the first rebuild is in progress
    history(app)
    before = head(app)
    moved: list[int] = []

    def progress(name: str) -> Progress:
        def report(done: int, total: int) -> None:
            if not moved:
                deliver(app, register(app).aggregate_id, open_source(app).aggregate_id)
                caught_up(app)
                moved.append(head(app))

        return report

    # when verified
    report = verify_projections(app, progress)
    # then the first read model is compared as of the position it had when checked
    assert moved and moved[0] > before
    assert report.ok, report
    assert report.projections[0].position == before
    assert all(check.position == moved[0] for check in report.projections[1:])


def scratch_left(app: Casework) -> int:
    location = app.db.location
    if location.is_postgres:
        with app.db.transaction() as tx:
            tx.execute(
                "SELECT count(*) FROM pg_namespace WHERE nspname LIKE %s",
                (f"{location.postgres_schema}_verify_%",),
            )
            row = tx.fetchone()
        return int(row[0]) if row else 0
    assert location.sqlite_path is not None
    return len(list(location.sqlite_path.parent.glob(".casework-verify-*")))


def test_the_scratch_is_removed_afterwards_even_after_a_failure(
    app: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given a verification that succeeds, then one that breaks half-way
    history(app)
    verify_projections(app)
    assert scratch_left(app) == 0

    def broken(*_: object) -> None:
        raise RuntimeError("lost the database")

    monkeypatch.setattr(verification, "_compare_table", broken)
    with pytest.raises(RuntimeError):
        verify_projections(app)
    # then neither left a scratch schema or file behind
    assert scratch_left(app) == 0
