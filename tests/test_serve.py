"""`casework serve` end to end, as a new user runs it: migrate, add a user, serve, use, stop.

The real console entry point runs in subprocesses on a SQLite file in a temporary directory.
Stopping sends SIGTERM while a request is still being received: the server finishes it, exits
with 0, and has logged one JSON line per request, without any NIK or name it was sent.
Waits are polls under generous deadlines; nothing asserts how long anything took.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import uuid4

import httpx

from builders import member, next_kk
from waiting import wait_until

DEADLINE = 60.0  # seconds: generous, only so a hung server fails the test instead of CI
LOG_FIELDS = {"request_id", "actor_id", "role", "method", "route", "status", "duration_ms"}


def casework(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "casework.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        check=False,
    )


def environment(tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASEWORK_")}
    env["CASEWORK_DATABASE_URL"] = f"sqlite:///{tmp_path / 'casework.db'}"
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextmanager
def serving(env: dict[str, str], port: int, stderr: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`casework serve` in the background, killed on the way out whatever happened."""
    with stderr.open("wb") as sink:
        server = subprocess.Popen(
            [sys.executable, "-m", "casework.cli", "serve", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=sink,
        )
        try:
            yield server
        finally:
            if server.poll() is None:
                server.kill()
            server.wait(timeout=DEADLINE)


def wait_for(condition: Callable[[], bool], what: str) -> None:
    wait_until(condition, what, timeout_s=DEADLINE, every_s=0.05)


def poll_health(base: str, server: subprocess.Popen[bytes]) -> int | None:
    """The status /health answers with, or None while nothing listens yet."""
    assert server.poll() is None, "the server exited before it answered"
    try:
        return httpx.get(f"{base}/health", timeout=5).status_code
    except httpx.TransportError:
        return None


def start_slow_post(port: int, path: str, token: str, body: bytes) -> tuple[socket.socket, bytes]:
    """Sends a POST's headers and half its body; the server waits for the rest."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=DEADLINE)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\n\r\n"
    ).encode()
    half = len(body) // 2
    conn.sendall(head + body[:half])
    return conn, body[half:]


def read_status(conn: socket.socket) -> int:
    answer = b""
    while b"\r\n" not in answer:
        chunk = conn.recv(4096)
        assert chunk, f"connection closed before a status line: {answer!r}"
        answer += chunk
    return int(answer.split(b" ", 2)[1])


def source_body() -> dict[str, Any]:
    return {
        "code": "APBD-5371-2025-INAKASIH",
        "kind": "APBD",
        "name": "APBD Kota Kupang TA 2025 — Ina Kasih",
        "sponsor": "Pemerintah Kota Kupang",
        "fiscal_year": 2025,
        "budget_idr": 1_800_000_000,
        "area": "53.71",
        "programs": ["ina_kasih"],
        "reference": "DPA-SKPD 1.02.0.00.0.00.01",
    }


def family_body(nik: str, name: str) -> dict[str, Any]:
    head = {
        "nik": nik,
        "name": name,
        "sex": "P",
        "birth_date": "1985-07-05",
        "relationship": "kepala_keluarga",
    }
    return {
        "kk_number": next_kk(),
        "area_code": "53.71.01.1001",
        "address": "Jl. Alak No. 3, RT 02/RW 01",
        "welfare_desil": 1,
        "members": [head],
    }


def delivery_body(source_id: str, recipient_nik: str) -> dict[str, Any]:
    return {
        "delivery_id": str(uuid4()),
        "program": "ina_kasih",
        "period": "2025-08",
        "funding_source_id": source_id,
        "delivered_on": "2025-08-11",
        "recipient_nik": recipient_nik,
        "items": [{"item": "pembalut", "quantity": 4, "unit": "pack", "unit_value_idr": 15000}],
    }


def request_lines(stderr: str) -> list[dict[str, Any]]:
    lines = []
    for line in stderr.splitlines():
        try:
            entry = json.loads(line)
        except ValueError:
            continue
        if isinstance(entry, dict) and entry.get("event") == "request":
            lines.append(entry)
    return lines


def test_a_new_user_migrates_adds_a_user_serves_and_stops_cleanly(tmp_path: Path) -> None:
    # given a migrated store and an admin's token, from the command line
    env = environment(tmp_path)
    migrated = casework(env, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    added = casework(env, "user", "add", "ana", "--role", "admin")
    assert added.returncode == 0, added.stderr
    token = added.stdout.strip().splitlines()[-1]
    auth = {"Authorization": f"Bearer {token}"}
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    stderr_file = tmp_path / "serve.stderr"
    nik = member().nik
    family = family_body(nik, name="Maria Bella Nduk")
    sent_pii = [nik, "Maria Bella", family["kk_number"], family["address"]]
    answered = 0  # every response the server sent: each must have its log line

    with serving(env, port, stderr_file) as server:

        def healthy() -> bool:
            nonlocal answered
            status = poll_health(base, server)
            answered += status is not None
            return status == 200

        wait_for(healthy, "/health")
        with httpx.Client(base_url=base, headers=auth, timeout=DEADLINE) as client:
            # when a client uses it
            health = client.get("/health")
            ready = client.get("/ready")
            source = client.post("/funding-sources", json=source_body())
            registered = client.post("/families", json=family)
            answered += 4
            # then it answers as API.md says
            assert health.status_code == 200, health.text
            assert health.json() == {"status": "ok"}
            assert ready.status_code == 200, ready.text
            assert source.status_code == 201, source.text
            assert registered.status_code == 201, registered.text
            delivered = client.post(
                f"/families/{registered.json()['id']}/aid-deliveries",
                json=delivery_body(source.json()["id"], recipient_nik=nik),
            )
            answered += 1
            assert delivered.status_code == 201, delivered.text

        # when SIGTERM arrives while a receipt is still being received
        receipt = {"amount_idr": 60_000, "reference": "SP2D 0012/2025", "received_on": "2025-08-12"}
        conn, rest = start_slow_post(
            port,
            f"/funding-sources/{source.json()['id']}/receipts",
            token,
            json.dumps(receipt).encode(),
        )
        with conn:
            server.send_signal(signal.SIGTERM)
            wait_for(lambda: "Shutting down" in stderr_file.read_text(), "the shutdown to begin")
            conn.sendall(rest)
            # then the request in flight is finished
            assert read_status(conn) == 201
            answered += 1
        # and the server exits cleanly
        assert server.wait(timeout=DEADLINE) == 0, stderr_file.read_text()[-3000:]

    stderr = stderr_file.read_text()
    lines = request_lines(stderr)
    assert len(lines) == answered  # the polls of /health included
    for line in lines:
        assert line.keys() >= LOG_FIELDS, line
    counted = [(line["method"], line["route"], line["status"]) for line in lines[-6:]]
    assert counted == [
        ("GET", "/health", 200),
        ("GET", "/ready", 200),
        ("POST", "/funding-sources", 201),
        ("POST", "/families", 201),
        ("POST", "/families/{family_id}/aid-deliveries", 201),
        ("POST", "/funding-sources/{source_id}/receipts", 201),
    ]
    assert {line["role"] for line in lines[-4:]} == {"admin"}
    assert all(line["actor_id"] for line in lines[-4:])
    assert len({line["request_id"] for line in lines}) == len(lines)
    for secret in sent_pii:
        assert secret not in stderr


def test_serve_refuses_an_unmigrated_database(tmp_path: Path) -> None:
    # given a database nobody migrated
    env = environment(tmp_path)
    # when the server is started on it
    with serving(env, free_port(), tmp_path / "serve.stderr") as server:
        code = server.wait(timeout=DEADLINE)
    # then it refuses to start and says what to run
    stderr = (tmp_path / "serve.stderr").read_text()
    assert code != 0
    assert "casework migrate" in stderr
