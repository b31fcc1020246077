"""The projection runner: batches, rebuilds, no event skipped or applied twice.

The audit trail is the probe: it holds one row per event it processed, keyed by position, so
"every stored position exactly once" is a comparison of two columns.
"""

from __future__ import annotations

import gc
import threading
from concurrent.futures import ThreadPoolExecutor

from builders import deliver, open_source, register
from casework.projections import tracking
from casework.projections.audit_trail import AuditTrailProjection
from casework.projections.runner import ProjectionRunner
from casework.runtime.gc_policy import BULK_THRESHOLD
from casework.service import Casework


def stored_positions(app: Casework) -> list[int]:
    with app.db.transaction() as tx:
        tx.execute("SELECT position FROM stored_events ORDER BY position")
        return [row[0] for row in tx.fetchall()]


def trail_rows(app: Casework) -> list[tuple[object, ...]]:
    with app.db.transaction() as tx:
        tx.execute(
            "SELECT position, actor, aggregate_type, aggregate_id, version, type, summary, "
            "request_id FROM audit_trail ORDER BY position"
        )
        return [tuple(str(v) for v in row) for row in tx.fetchall()]


def some_history(app: Casework, families: int = 5) -> None:
    source = open_source(app, budget_idr=10_000_000)
    for _ in range(families):
        family = register(app)
        deliver(app, family.aggregate_id, source.aggregate_id)


def test_catch_up_processes_every_event_once_in_small_batches(app: Casework) -> None:
    # given a store with a few dozen events and a runner taking 7 at a time
    some_history(app)
    projection = AuditTrailProjection()
    runner = ProjectionRunner(app, [projection], batch_size=7)
    # when it catches up
    applied = runner.catch_up(projection)
    # then every stored position is in the trail exactly once, and the position is the head
    assert applied == len(stored_positions(app))
    assert [int(row[0]) for row in trail_rows(app)] == stored_positions(app)
    assert tracking.positions(app.db)["audit_trail"] == stored_positions(app)[-1]
    # and running again finds nothing to do
    assert runner.catch_up(projection) == 0


def test_a_rebuild_equals_the_live_read_model(app: Casework) -> None:
    # given a trail kept up to date while history was written
    projection = AuditTrailProjection()
    runner = ProjectionRunner(app, [projection], batch_size=3)
    for _ in range(3):
        some_history(app, families=2)
        runner.catch_up(projection)
    live = trail_rows(app)
    # when it is rebuilt from position zero, with a progress report
    reports: list[tuple[int, int]] = []
    thresholds = gc.get_threshold()
    seen_during: list[tuple[int, ...]] = []

    def report(done: int, total: int) -> None:
        reports.append((done, total))
        seen_during.append(gc.get_threshold())

    runner.rebuild(projection, progress=report)
    # then the tables are the same, row for row, and the progress reached the head
    assert trail_rows(app) == live
    assert reports[-1][0] == reports[-1][1] == stored_positions(app)[-1]
    # and the collector ran rarely during the rebuild, as before once it was done
    assert {during[0] for during in seen_during} == {BULK_THRESHOLD}
    assert gc.get_threshold() == thresholds
    assert gc.get_freeze_count() == 0


def test_the_runner_follows_concurrent_writers_without_skipping(app: Casework) -> None:
    # given a runner catching up over and over while four writers add history
    projection = AuditTrailProjection()
    runner = ProjectionRunner(app, [projection], batch_size=5)
    source = open_source(app, budget_idr=10**9)
    writing = threading.Event()
    writing.set()

    def follow() -> None:
        while writing.is_set():
            runner.catch_up(projection)

    def write(_: int) -> None:
        family = register(app)
        deliver(app, family.aggregate_id, source.aggregate_id)

    follower = threading.Thread(target=follow)
    follower.start()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(write, range(24)))
    writing.clear()
    follower.join()
    runner.catch_up(projection)
    # then every stored position was processed exactly once
    assert [int(row[0]) for row in trail_rows(app)] == stored_positions(app)
