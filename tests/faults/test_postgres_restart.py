"""Crash safety: stop PostgreSQL with `-m immediate` under a steady load of commands, restart it.

The same clients as in test_kill_server.py send registrations and aid deliveries, each under
its own Idempotency-Key, and resend a command with the same key until it is answered. Mid-load
the whole cluster is stopped the way a power cut would stop it (`pg_ctlcluster … stop -m
immediate`: no checkpoint, every backend killed), then started again. The server process is
never restarted: its connection pools must find the dead connections and open new ones.

Afterwards: every command answered 2xx is in the store, none was recorded twice, and every read
model equals its rebuild from the events.

PostgreSQL is always started again in a `finally`, and the test waits until `pg_isready`
answers, so a failure here cannot take the rest of the run's database away with it.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from test_kill_server import (
    AFTER_RESTART,
    BEFORE_KILL,
    DEADLINE,
    Load,
    assert_nothing_lost_or_doubled,
    assert_read_models_equal_a_rebuild,
    healthy,
    running_stack,
    under_load,
    wait_until,
)

pytestmark = pytest.mark.postgres

CLUSTER_CONF = Path("/etc/postgresql")
DOWN_SECONDS = 2.0  # how long the database stays down while the clients keep sending


def cluster_version() -> str:
    versions = sorted(p.name for p in CLUSTER_CONF.iterdir()) if CLUSTER_CONF.is_dir() else []
    if not versions or shutil.which("pg_ctlcluster") is None:
        pytest.skip("no local PostgreSQL cluster to stop (pg_ctlcluster, /etc/postgresql)")
    return versions[-1]


def pg_ctlcluster(version: str, action: str, *extra: str) -> None:
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action, *extra],
        check=True,
        capture_output=True,
        timeout=DEADLINE,
    )


def pg_is_ready() -> bool:
    return (
        subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-t", "2"], capture_output=True, timeout=10
        ).returncode
        == 0
    )


def ensure_running(version: str) -> None:
    """Start the cluster unless it runs, then wait until it accepts connections."""
    deadline = time.monotonic() + DEADLINE
    while not pg_is_ready():
        # `start` on a running cluster fails harmlessly; on a stopped one it starts it.
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
            capture_output=True,
            timeout=DEADLINE,
        )
        if time.monotonic() > deadline:
            raise AssertionError("PostgreSQL did not come back (pg_isready)")
        time.sleep(0.2)


@contextmanager
def database_restored(version: str) -> Iterator[None]:
    try:
        yield
    finally:
        ensure_running(version)


def stop_and_start_postgres(version: str, load: Load) -> None:
    wait_until(lambda: load.acknowledged() >= BEFORE_KILL, "the load is under way")
    pg_ctlcluster(version, "stop", "-m", "immediate")
    try:
        # The clients keep sending while the database is down, and see their commands fail.
        wait_until(lambda: any(c.unanswered for c in load.commands), "a command goes unanswered")
        time.sleep(DOWN_SECONDS)
    finally:
        ensure_running(version)
    after = load.acknowledged() + AFTER_RESTART
    wait_until(lambda: load.acknowledged() >= after, "the load resumes")


def test_immediate_stop_of_postgres_under_load_loses_and_doubles_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    version = cluster_version()
    with (
        database_restored(version),
        running_stack(postgres_url, tmp_path, own_projector=False) as stack,
    ):
        with under_load(stack) as load:
            stop_and_start_postgres(version, load)
        # the same server process answered before, during and after the outage
        assert stack.server.alive(), (tmp_path / "server.log").read_text()[-4000:]
        assert healthy(stack.base)
        assert sum(c.unanswered for c in load.commands) > 0
        assert_nothing_lost_or_doubled(stack, load)
        assert_read_models_equal_a_rebuild(stack)
