"""Extra PostgreSQL clusters for the national tests: made with Debian's pg_createcluster, with
names and ports unique to the run, `wal_level = logical`, and always dropped at the end.

Logical replication needs separate clusters: a subscription to a publication of its own
cluster hangs at CREATE SUBSCRIPTION unless its slot is made first.
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
from dataclasses import dataclass

import pytest

VERSION = "15"
SETTINGS = (
    "wal_level=logical",
    "max_slot_wal_keep_size=1GB",
    "max_wal_senders=10",
    "max_replication_slots=10",
    "shared_buffers=64MB",
)
DEADLINE = 60.0


@dataclass(frozen=True)
class Cluster:
    name: str
    port: int

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def ctl(self, action: str, *extra: str) -> None:
        subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", VERSION, self.name, action, *extra],
            check=True,
            capture_output=True,
            timeout=DEADLINE,
        )

    def stop(self) -> None:
        """As a power cut would: no checkpoint, every backend killed."""
        self.ctl("stop", "-m", "immediate")

    def start(self) -> None:
        self.ctl("start")
        wait_ready(self.port)


def clusters_available() -> str | None:
    for tool in ("pg_createcluster", "pg_dropcluster", "pg_ctlcluster", "pg_dump"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian's postgresql-common)"
    return None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def wait_ready(port: int) -> None:
    deadline = time.monotonic() + DEADLINE
    while (
        subprocess.run(
            ["pg_isready", "-h", "127.0.0.1", "-p", str(port), "-t", "2"], capture_output=True
        ).returncode
        != 0
    ):
        if time.monotonic() > deadline:
            raise AssertionError(f"the cluster on port {port} never became ready")
        time.sleep(0.2)


@contextmanager
def clusters(*roles: str) -> Iterator[dict[str, Cluster]]:
    """One cluster per role, dropped (stopped first) however the block ends."""
    problem = clusters_available()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"the national tests need extra PostgreSQL clusters under CI: {problem}")
        pytest.skip(problem)
    run = secrets.token_hex(3)
    made: dict[str, Cluster] = {}
    try:
        for role in roles:
            cluster = Cluster(f"cw_{run}_{role}", free_port())
            options = [arg for setting in SETTINGS for arg in ("-o", setting)]
            create = ["pg_createcluster", VERSION, cluster.name, "--port", str(cluster.port)]
            subprocess.run(
                [*create, "--start", *options, "--", "--auth=trust"],
                check=True,
                capture_output=True,
                timeout=DEADLINE * 2,
            )
            made[role] = cluster
            wait_ready(cluster.port)
        yield made
    finally:
        for cluster in made.values():
            subprocess.run(
                ["pg_dropcluster", "--stop", VERSION, cluster.name],
                capture_output=True,
                timeout=DEADLINE * 2,
            )
