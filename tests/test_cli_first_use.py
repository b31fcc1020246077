"""The command line as a newcomer meets it: a closed pipe ends quietly, a port in use is said
before anything claims to serve, and read models that never ran say so."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from builders import member, register
from casework.service import Casework
from casework.settings import Settings
from casework.store.bootstrap import migrate_store

DEADLINE = 60.0


def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    env["CASEWORK_DATABASE_URL"] = f"sqlite:///{tmp_path / 'casework.db'}"
    return env


def casework(
    env: dict[str, str], *args: str, stdout: int = subprocess.PIPE
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "casework.cli", *args],
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=DEADLINE,
        check=False,
    )


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """A migrated SQLite store with one family in it."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'casework.db'}")
    migrate_store(settings)
    app = Casework(settings)
    try:
        register(app, member())
    finally:
        app.close()
    return tmp_path


def test_export_into_a_closed_pipe_ends_without_a_traceback(store: Path) -> None:
    # given a reader that has already gone (as `| head` is once it has its lines)
    env = environment(store)
    listed = casework(env, "status")
    assert listed.returncode == 0, listed.stderr
    app = Casework(Settings(database_url=env["CASEWORK_DATABASE_URL"]))
    try:
        with app.db.transaction() as tx:
            tx.execute("SELECT originator_id FROM stored_events LIMIT 1")
            (family_id,) = tx.fetchone() or (None,)
    finally:
        app.close()
    read_end, write_end = os.pipe()
    os.close(read_end)
    # when the package is exported into it
    try:
        done = casework(env, "export", "family", str(family_id), stdout=write_end)
    finally:
        os.close(write_end)
    # then the command ends as a closed pipe ends a command, with no traceback
    assert done.returncode == 141
    assert "Traceback" not in done.stderr and "BrokenPipeError" not in done.stderr


def test_serve_on_a_port_in_use_says_so_before_claiming_to_serve(store: Path) -> None:
    # given a port another process listens on
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        # when casework is asked to serve there
        done = casework(environment(store), "serve", "--port", str(port))
    # then it fails at once, saying why, and never said it was serving
    assert done.returncode == 2
    assert f"port {port} on 127.0.0.1 is already in use" in done.stderr
    assert "serving" not in done.stderr
    assert "Traceback" not in done.stderr


def test_project_status_before_any_runner_says_why_every_lag(store: Path) -> None:
    # when the read models are asked about before any runner has run
    done = casework(environment(store), "project", "status")
    # then each is listed as not started yet, and the lag is explained
    assert done.returncode == 0, done.stderr
    rows = done.stdout.splitlines()[1:]
    assert rows and all(row.endswith("not started yet") for row in rows), done.stdout
    assert "`casework serve` runs them all" in done.stderr
