"""Crash safety: kill -9 the server, or the projection runner, under a steady load of commands.

A few clients send registrations and aid deliveries against one funding source, each command
under its own Idempotency-Key, and resend a command with the same key until it is answered (as
a client that lost its connection would). Mid-load the victim process is killed with SIGKILL
and started again. Afterwards: every command answered 2xx is in the store, none was recorded
twice, the audit trail lists every stored position once, the reconciliation draws exactly what
was delivered, and every read model equals its rebuild from the events.

The processes are the real console entry point on a migrated PostgreSQL schema; waits are
polls under generous deadlines and nothing asserts how long anything took.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx
import psycopg
import pytest
from api_client import delivery_body, family_body, source_body
from psycopg import sql

import waiting
from casework.access.users import UserStore
from casework.projections import tracking
from casework.projections.verification import verify_projections
from casework.service import Casework
from casework.settings import Settings
from casework.store.bootstrap import migrate_store
from casework.store.database import open_database
from conftest import postgres_settings
from test_serve import free_port

pytestmark = pytest.mark.postgres

DEADLINE = 45.0  # seconds for any one wait: generous, so a hang fails instead of stalling CI
CLIENTS = 3
BEFORE_KILL = 30  # commands answered 2xx before the kill
AFTER_RESTART = 30  # and after the restart
DELIVERED_IDR = 60_000  # delivery_body: 4 packs at Rp 15,000
REGISTERED = "casework.family.registered"
DELIVERED = "casework.family.aid-delivered"
DRAWN = "casework.funding-source.drawn"


@dataclass
class Command:
    kind: str  # registration or delivery
    path: str
    body: dict[str, Any]
    key: str = field(default_factory=lambda: uuid4().hex)
    unanswered: int = 0  # attempts lost to a dead server (no answer, or a 5xx)
    status: int | None = None
    answer: dict[str, Any] | None = None


class Process:
    """One console command in the background, killed (SIGKILL) whatever happens."""

    def __init__(self, env: dict[str, str], args: list[str], log: Path) -> None:
        self.env, self.args, self.log = env, args, log
        self.popen: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        with self.log.open("ab") as sink:
            self.popen = subprocess.Popen(
                [sys.executable, "-m", "casework.cli", *self.args],
                env=self.env,
                stdout=sink,
                stderr=subprocess.STDOUT,
            )

    def kill(self) -> None:
        if self.popen is not None and self.popen.poll() is None:
            os.kill(self.popen.pid, signal.SIGKILL)
            self.popen.wait(timeout=DEADLINE)

    def alive(self) -> bool:
        return self.popen is not None and self.popen.poll() is None


@dataclass
class Load:
    """Client threads sending commands until told to stop; every command is kept."""

    base: str
    token: str
    source_id: str
    commands: list[Command] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def acknowledged(self) -> int:
        with self.lock:
            return sum(1 for c in self.commands if c.status is not None and c.status < 300)

    def run_client(self, seed: int) -> None:
        chooser = random.Random(seed)
        families: dict[str, int] = {}  # deliveries sent to each, one per month
        headers = {"Authorization": f"Bearer {self.token}"}
        try:
            with httpx.Client(base_url=self.base, headers=headers, timeout=10) as client:
                while not self.stop.is_set():
                    command = self._next(chooser, families)
                    with self.lock:
                        self.commands.append(command)
                    send(client, command)
                    if command.kind == "registration" and command.answer is not None:
                        families[command.answer["id"]] = 0
        except BaseException as error:
            self.errors.append(error)

    def _next(self, chooser: random.Random, families: dict[str, int]) -> Command:
        """A registration, or a delivery for a month its family has not had yet (a second
        one for the same month would be refused as a duplicate delivery)."""
        open_months = [family for family, sent in families.items() if sent < 12]
        if not open_months or chooser.random() < 0.4:
            return Command("registration", "/families", family_body())
        family = chooser.choice(open_months)
        families[family] += 1
        body = delivery_body(self.source_id, period=f"2025-{families[family]:02d}")
        body["delivered_on"] = f"{body['period']}-11"
        return Command("delivery", f"/families/{family}/aid-deliveries", body)


def send(client: httpx.Client, command: Command) -> None:
    """Send until answered: a lost connection or a 5xx is retried with the same key."""
    deadline = time.monotonic() + DEADLINE
    while True:
        try:
            response = client.post(
                command.path, json=command.body, headers={"Idempotency-Key": command.key}
            )
        except httpx.TransportError:
            response = None
        in_progress = (
            response is not None
            and response.status_code == 409
            and (response.json().get("type") == "idempotency-in-progress")
        )
        if response is not None and response.status_code < 500 and not in_progress:
            command.status = response.status_code
            command.answer = response.json()
            return
        command.unanswered += 1
        if time.monotonic() > deadline:
            raise TimeoutError(f"{command.kind} {command.key} never answered")
        time.sleep(0.1)


def wait_until(condition: Callable[[], bool], what: str) -> None:
    waiting.wait_until(condition, what, timeout_s=DEADLINE, every_s=0.05)


def healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/health", timeout=2).status_code == 200
    except httpx.TransportError:
        return False


@dataclass
class Stack:
    settings: Settings
    env: dict[str, str]
    base: str
    token: str
    server: Process
    projector: Process | None


@contextmanager
def running_stack(postgres_url: str, tmp_path: Path, *, own_projector: bool) -> Iterator[Stack]:
    """A migrated schema, an admin token, the server, and `project run` when asked for."""
    settings = postgres_settings(postgres_url, f"kill_{uuid4().hex[:6]}")
    migrate_store(settings)
    db = open_database(settings.database)
    try:
        _, token = UserStore(db).add(name="loader", role="admin", areas=[])
    finally:
        db.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    env["CASEWORK_DATABASE_URL"] = settings.database_url
    env["CASEWORK_MASTER_KEY"] = settings.master_key or ""
    port = free_port()
    serve = ["serve", "--port", str(port), *(["--no-projections"] if own_projector else [])]
    server = Process(env, serve, tmp_path / "server.log")
    projector = (
        Process(env, ["project", "run"], tmp_path / "projector.log") if own_projector else None
    )
    base = f"http://127.0.0.1:{port}"
    with ExitStack() as cleanup:
        for process in (server, projector):
            if process is not None:
                cleanup.callback(process.kill)
                process.start()
        wait_until(lambda: healthy(base) or not server.alive(), "the server answers")
        assert server.alive(), (tmp_path / "server.log").read_text()
        yield Stack(settings, env, base, token, server, projector)


@contextmanager
def under_load(stack: Stack) -> Iterator[Load]:
    """Clients sending commands for the block's duration; they finish what is in hand after."""
    headers = {"Authorization": f"Bearer {stack.token}"}
    opened = httpx.post(
        f"{stack.base}/funding-sources",
        json=source_body(budget_idr=10**12),
        headers=headers,
        timeout=10,
    )
    assert opened.status_code == 201, opened.text
    load = Load(stack.base, stack.token, opened.json()["id"])
    clients = [threading.Thread(target=load.run_client, args=(n,)) for n in range(CLIENTS)]
    for client in clients:
        client.start()
    try:
        yield load
    finally:
        load.stop.set()
        for client in clients:
            client.join(timeout=2 * DEADLINE)
    assert not load.errors, load.errors


def kill_and_restart(stack: Stack, victim: Process, load: Load) -> None:
    wait_until(lambda: load.acknowledged() >= BEFORE_KILL, "the load is under way")
    victim.kill()
    if victim is stack.server:
        # The clients keep sending into the dead port for a moment.
        wait_until(lambda: any(c.unanswered for c in load.commands), "a command goes unanswered")
    victim.start()
    wait_until(lambda: healthy(stack.base), "the server answers again")
    after = load.acknowledged() + AFTER_RESTART
    wait_until(lambda: load.acknowledged() >= after, "the load resumes")


def stored_counts(settings: Settings) -> tuple[int, dict[str, int]]:
    """The head position, and how many events of each topic the store holds."""
    location = settings.database
    with psycopg.connect(location.postgres_conninfo) as conn:
        conn.execute(
            sql.SQL("SET search_path = {}").format(
                sql.Identifier(location.postgres_schema or "public")
            )
        )
        head = conn.execute("SELECT coalesce(max(position), 0) FROM stored_events").fetchone()
        rows = conn.execute("SELECT topic, count(*) FROM stored_events GROUP BY topic").fetchall()
    return int(head[0]) if head else 0, {str(topic): int(count) for topic, count in rows}


def read(stack: Stack, path: str) -> Any:
    """A read-model endpoint, asked again while it answers 503 (still catching up)."""
    headers = {"Authorization": f"Bearer {stack.token}"}
    deadline = time.monotonic() + DEADLINE
    while True:
        response = httpx.get(f"{stack.base}{path}", headers=headers, timeout=10)
        if response.status_code != 503 or time.monotonic() > deadline:
            assert response.status_code == 200, response.text
            return response.json()


def audit_positions(stack: Stack, head: int) -> list[int]:
    page = read(stack, f"/audit-trail?min_position={head}&limit=500")
    positions = [item["position"] for item in page["items"]]
    while page["next_cursor"]:
        page = read(stack, f"/audit-trail?limit=500&cursor={page['next_cursor']}")
        positions += [item["position"] for item in page["items"]]
    return positions


def assert_nothing_lost_or_doubled(stack: Stack, load: Load) -> None:
    # every command was answered in the end, and with a 2xx
    refused = [(c.kind, c.unanswered, c.answer) for c in load.commands if c.status != 201]
    assert not refused
    registrations = [c for c in load.commands if c.kind == "registration"]
    deliveries = [c for c in load.commands if c.kind == "delivery"]
    # each acknowledged command is in the store
    families = {c.answer["id"] for c in registrations if c.answer}
    assert len(families) == len(registrations)
    delivered: set[str] = set()
    for family in families:
        body = read(stack, f"/families/{family}")
        delivered |= {d["delivery_id"] for d in body["aid_deliveries"]}
    assert delivered == {c.body["delivery_id"] for c in deliveries}
    # and none twice: one event per command, on each aggregate it touched
    head, counts = stored_counts(stack.settings)
    assert counts.get(REGISTERED, 0) == len(registrations)
    assert counts.get(DELIVERED, 0) == counts.get(DRAWN, 0) == len(deliveries)
    # the read models catch up: the audit trail lists every position once, and the ledger
    # draws exactly what was delivered
    assert audit_positions(stack, head) == list(range(1, head + 1))
    report = read(stack, f"/reconciliation?min_position={head}")
    [source] = [s for s in report["sources"] if s["funding_source_id"] == load.source_id]
    assert source["drawn_idr"] == DELIVERED_IDR * len(deliveries)
    assert source["deliveries"] == len(deliveries)


def assert_read_models_equal_a_rebuild(stack: Stack) -> None:
    casework = Casework(stack.settings)
    try:
        head = tracking.head_position(casework.db)
        wait_until(
            lambda: min(tracking.positions(casework.db).values()) >= head,
            "every read model reaches the head",
        )
        report = verify_projections(casework)
    finally:
        casework.close()
    assert report.ok, report
    assert {check.position for check in report.projections} == {head}


def test_kill_9_of_the_server_under_load_loses_and_doubles_nothing(
    postgres_url: str, tmp_path: Path
) -> None:
    with running_stack(postgres_url, tmp_path, own_projector=False) as stack:
        with under_load(stack) as load:
            kill_and_restart(stack, stack.server, load)
        assert sum(c.unanswered for c in load.commands) > 0
        assert_nothing_lost_or_doubled(stack, load)
        assert_read_models_equal_a_rebuild(stack)


def test_kill_9_of_the_projection_runner_under_load_converges_to_a_rebuild(
    postgres_url: str, tmp_path: Path
) -> None:
    with running_stack(postgres_url, tmp_path, own_projector=True) as stack:
        assert stack.projector is not None
        with under_load(stack) as load:
            kill_and_restart(stack, stack.projector, load)
        assert_nothing_lost_or_doubled(stack, load)
        assert_read_models_equal_a_rebuild(stack)
