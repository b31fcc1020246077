"""A PostgreSQL cluster of its own with `wal_level = logical`, for the publication's tests.

Made with Debian's pg_createcluster on a free port under a name unique to the run, and dropped
however the test ends. (The shared server on 5432 runs `wal_level = replica`; changing it
needs a restart that every other test would feel.)
"""

from __future__ import annotations

import os
import secrets
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

VERSION = "15"
DEADLINE_S = 120.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def _wait_ready(port: int) -> None:
    deadline = time.monotonic() + DEADLINE_S
    ready = ["pg_isready", "-h", "127.0.0.1", "-p", str(port), "-t", "2"]
    while subprocess.run(ready, capture_output=True, check=False).returncode != 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"the cluster on port {port} never became ready")
        time.sleep(0.2)


@contextmanager
def logical_cluster() -> Iterator[str]:
    """The URL of the `postgres` database of a new cluster with wal_level = logical."""
    missing = [tool for tool in ("pg_createcluster", "pg_dropcluster") if not shutil.which(tool)]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"the publication tests need {', '.join(missing)} under CI")
        pytest.skip(f"{', '.join(missing)} not installed (Debian's postgresql-common)")
    name, port = f"cw_cell_{secrets.token_hex(4)}", _free_port()
    try:
        subprocess.run(
            [
                *("pg_createcluster", VERSION, name, "--port", str(port), "--start"),
                *("-o", "wal_level=logical", "-o", "shared_buffers=32MB"),
                *("--", "--auth=trust"),
            ],
            check=True,
            capture_output=True,
            timeout=DEADLINE_S,
        )
        _wait_ready(port)
        yield f"postgresql://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            ["pg_dropcluster", "--stop", VERSION, name],
            capture_output=True,
            check=False,
            timeout=DEADLINE_S,
        )
