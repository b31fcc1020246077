"""The runner on PostgreSQL: late commits, two runners at once, and a runner killed mid-run.

The insert lock makes commit order equal position order, so the service itself cannot commit
out of order; the first test does it by hand (two connections, no lock) to prove the runner
would neither skip the late event nor stall once it commits.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from uuid import uuid4

import psycopg
import pytest
from test_funding_ledger import ledger_tables
from test_runner import some_history, stored_positions, trail_rows

from builders import CAUSE
from casework.aggregates.funding_source import FundingSource
from casework.cli.demo import load_demo
from casework.projections import tracking
from casework.projections.audit_trail import AuditTrailProjection
from casework.projections.funding_ledger import FundingLedgerProjection
from casework.projections.runner import ProjectionRunner
from casework.projections.switching import AHEAD_SWITCH_SECONDS
from casework.service import Casework
from casework.store.database import postgres_connect_kwargs

pytestmark = pytest.mark.postgres


@contextmanager
def raw_connection(app: Casework) -> Iterator[psycopg.Connection[tuple[object, ...]]]:
    location = app.db.location
    with psycopg.connect(location.postgres_conninfo, **postgres_connect_kwargs(location)) as conn:
        yield conn


def insert_by_hand(conn: psycopg.Connection[tuple[object, ...]], app: Casework, at: int) -> None:
    """Store a source's opening at position `at`, bypassing the insert lock."""
    source = FundingSource.open(
        CAUSE,
        uuid4(),
        code=f"LATE-{at}",
        kind="CSR",
        name="late",
        sponsor="late",
        fiscal_year=2025,
        budget_idr=1,
        area="53.71",
        programs=("ina_kasih",),
        reference="",
    )
    stored = app.mapper.to_stored_event(source.collect_events()[0])
    conn.execute(
        "INSERT INTO stored_events (position, originator_id, originator_version, topic, state, "
        "recorded_at, chain_hash) VALUES (%s, %s, %s, %s, %s, now(), %s)",
        (at, stored.originator_id, stored.originator_version, stored.topic, stored.state, b"-"),
    )


def test_an_event_committed_late_is_neither_skipped_nor_waited_for_forever(
    postgres_app: Casework,
) -> None:
    # given a runner that has processed everything so far
    some_history(postgres_app, families=2)
    projection = AuditTrailProjection()
    runner = ProjectionRunner(postgres_app, [projection])
    runner.catch_up(projection)
    head = stored_positions(postgres_app)[-1]
    with raw_connection(postgres_app) as slow, raw_connection(postgres_app) as fast:
        # when position head+1 is taken but not committed, and head+2 commits first
        with slow.transaction():
            insert_by_hand(slow, postgres_app, head + 1)
            with fast.transaction():
                insert_by_hand(fast, postgres_app, head + 2)
            # then the runner applies nothing past the gap: it does not skip head+1
            assert runner.catch_up(projection) == 0
            assert tracking.positions(postgres_app.db)["audit_trail"] == head
        # and once head+1 commits, both are applied, in order
        assert runner.catch_up(projection) == 2
    assert [int(row[0]) for row in trail_rows(postgres_app)] == stored_positions(postgres_app)


def test_two_runners_of_one_projection_take_turns(postgres_app: Casework) -> None:
    # given a store with history and two processes' worth of runners for one projection
    some_history(postgres_app, families=40)
    other = Casework(postgres_app.settings)
    try:
        projection = AuditTrailProjection()
        runners = [
            ProjectionRunner(app, [projection], batch_size=9) for app in (postgres_app, other)
        ]
        start = threading.Barrier(2)
        errors: list[BaseException] = []

        def run(runner: ProjectionRunner) -> None:
            start.wait()
            try:
                runner.catch_up(projection)
            except BaseException as error:  # a double insert would surface here
                errors.append(error)

        threads = [threading.Thread(target=run, args=(runner,)) for runner in runners]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        runners[0].catch_up(projection)
    finally:
        other.close()
    # then nothing failed and every position was applied exactly once
    assert errors == []
    assert [int(row[0]) for row in trail_rows(postgres_app)] == stored_positions(postgres_app)


def test_a_runner_killed_mid_run_resumes_without_double_counting(postgres_app: Casework) -> None:
    # given a store of a few thousand events and `casework project run` following it
    load_demo(postgres_app, families=150)
    head = stored_positions(postgres_app)[-1]
    env = {
        **os.environ,
        "CASEWORK_DATABASE_URL": postgres_app.settings.database_url,
        "CASEWORK_MASTER_KEY": postgres_app.settings.master_key or "",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "casework.cli", "project", "run", "audit_trail"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        # when it is killed -9 once it has started applying
        deadline = time.monotonic() + 120
        while tracking.positions(postgres_app.db).get("audit_trail", 0) == 0:
            assert time.monotonic() < deadline, "the runner never started"
            time.sleep(0.005)
        process.send_signal(signal.SIGKILL)
    finally:
        process.kill()
        process.wait()
    # then what it committed is whole: the position and the rows agree
    position = tracking.positions(postgres_app.db)["audit_trail"]
    assert [int(row[0]) for row in trail_rows(postgres_app)] == list(range(1, position + 1))
    # and a restarted runner finishes the job, nothing missed and nothing twice
    projection = AuditTrailProjection()
    ProjectionRunner(postgres_app, [projection]).catch_up(projection)
    assert [int(row[0]) for row in trail_rows(postgres_app)] == list(range(1, head + 1))


def test_a_run_applied_ahead_that_another_runner_overtakes_drops_what_it_applied(
    postgres_app: Casework,
) -> None:
    # given a funding ledger (it applies ahead and keeps figures across batches) to catch up
    some_history(postgres_app, families=8)
    projection, other = FundingLedgerProjection(), FundingLedgerProjection()
    runner = ProjectionRunner(postgres_app, [projection], batch_size=4)
    overtaking = ProjectionRunner(postgres_app, [other], batch_size=2)
    overtaken: list[int] = []

    def another_runner_takes_the_next_batch(position: int, head: int) -> None:
        # called once a batch has committed, while the next one has already been applied
        if not overtaken:
            overtaken.append(overtaking.run_batch(other))

    # when the other runner writes a batch while the next one waits to be written
    applied = runner.catch_up(projection, another_runner_takes_the_next_batch)
    # then every event was applied exactly once between them
    assert overtaken == [2]
    assert applied + overtaken[0] == len(stored_positions(postgres_app))
    # and the figures are those of a ledger rebuilt from nothing, with no draw counted twice
    caught_up = ledger_tables(postgres_app)
    runner.rebuild(projection)
    assert ledger_tables(postgres_app) == caught_up


def test_a_run_applied_ahead_hands_the_gil_over_often_and_restores_it(
    postgres_app: Casework,
) -> None:
    # given a backlog for the audit trail, which applies ahead
    some_history(postgres_app, families=4)
    projection = AuditTrailProjection()
    runner = ProjectionRunner(postgres_app, [projection], batch_size=3)
    before = sys.getswitchinterval()
    during: list[float] = []
    # when it is caught up
    runner.catch_up(projection, lambda _position, _head: during.append(sys.getswitchinterval()))
    # then the interval was short while batches were written ahead, and is as it was now
    assert during
    assert set(during) == {AHEAD_SWITCH_SECONDS}
    assert sys.getswitchinterval() == before
