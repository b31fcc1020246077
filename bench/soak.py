"""Soak: minutes of mixed load against `casework serve` on PostgreSQL, with faults injected.

    python bench/soak.py                      # 30 minutes, a fault every 3 minutes
    python bench/soak.py --minutes 3 --fault-every 40 --url postgresql://postgres@127.0.0.1:5432/test
    python bench/soak.py --no-postgres-restart   # only kill -9 of the server and the runner

Not run in CI. Starts `casework serve --no-projections` and `casework project run` on a fresh
PostgreSQL schema (kept afterwards for inspection; its name is printed), and runs the clients of
tests/faults/test_kill_server.py: registrations and aid deliveries on one funding source, each
command under its own Idempotency-Key, resent with the same key until it is answered. Every
`--fault-every` seconds one fault is injected, in turn:

- kill -9 of the server, started again at once;
- kill -9 of the projection runner, started again at once;
- `pg_ctlcluster … stop -m immediate` of the local cluster, started again after 2 s (skipped
  with `--no-postgres-restart`, or when there is no local cluster). The database is always
  started again before the script exits.

It prints the count of acknowledged commands as it goes, and at the end:

- acknowledged: commands answered 2xx;
- lost: acknowledged registrations with no `registered` event for their family, plus
  acknowledged deliveries with no `aid-delivered` or no `drawn` event for their delivery id
  (must be 0);
- duplicated: events beyond the first for one family's registration or one delivery id, and
  events of those kinds that no acknowledged command accounts for (must be 0);
- `casework verify` (the hash chain) and `verify_projections` (every read model equals its
  rebuild), once the runner has reached the head.

The exit status is 0 only when nothing was lost or duplicated and both verifications pass.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import random
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
for folder in ("tests", "tests/http", "tests/faults"):
    sys.path.insert(0, str(ROOT / folder))

import httpx  # noqa: E402
from api_client import delivery_body, source_body  # noqa: E402
from test_kill_server import (  # noqa: E402
    DEADLINE,
    DELIVERED,
    DRAWN,
    REGISTERED,
    Command,
    Load,
    Stack,
    healthy,
    running_stack,
    wait_until,
)
from test_postgres_restart import ensure_running, pg_ctlcluster  # noqa: E402

from builders import DISTRICT, VILLAGE  # noqa: E402
from casework.projections import tracking  # noqa: E402
from casework.projections.verification import verify_projections  # noqa: E402
from casework.service import Casework  # noqa: E402
from casework.validation.identity_numbers import make_kk_number, make_nik  # noqa: E402

CLIENTS = 3
FAULTS = {
    "server": "kill -9 of the server, then start it",
    "projector": "kill -9 of `casework project run`, then start it",
    "postgres": "PostgreSQL stop -m immediate, start after 2 s",
}
DOWN_SECONDS = 2.0


_numbers = itertools.count()


def family_body() -> dict[str, Any]:
    """A fresh valid family: serials 1 to 9999 on a date that moves on every 9,999 families
    (the test builders' serials run out after a few thousand)."""
    n = next(_numbers)
    serial, day = n % 9999 + 1, timedelta(days=n // 9999)
    born = date(1985, 1, 1) + day
    head = {
        "nik": make_nik(DISTRICT, born, "P", serial),
        "name": f"Maria Soak {n}",
        "sex": "P",
        "birth_date": born.isoformat(),
        "relationship": "kepala_keluarga",
    }
    return {
        "kk_number": make_kk_number(DISTRICT, date(2015, 1, 1) + day, serial),
        "area_code": VILLAGE,
        "address": "Jl. Alak No. 3, RT 02/RW 01",
        "welfare_desil": 1,
        "members": [head],
    }


@dataclasses.dataclass
class SoakLoad(Load):
    """The fault tests' clients, registering families that do not run out."""

    def _next(self, chooser: random.Random, families: dict[str, int]) -> Command:
        open_months = [family for family, sent in families.items() if sent < 12]
        if not open_months or chooser.random() < 0.4:
            return Command("registration", "/families", family_body())
        family = chooser.choice(open_months)
        families[family] += 1
        body = delivery_body(self.source_id, period=f"2025-{families[family]:02d}")
        body["delivered_on"] = f"{body['period']}-11"
        return Command("delivery", f"/families/{family}/aid-deliveries", body)


def local_cluster() -> str | None:
    conf = Path("/etc/postgresql")
    versions = sorted(p.name for p in conf.iterdir()) if conf.is_dir() else []
    return versions[-1] if versions else None


def inject(fault: str, stack: Stack, cluster: str | None) -> None:
    if fault == "server":
        stack.server.kill()
        stack.server.start()
        wait_until(lambda: healthy(stack.base), "the server answers again")
    elif fault == "projector":
        assert stack.projector is not None
        stack.projector.kill()
        stack.projector.start()
    elif fault == "postgres":
        assert cluster is not None
        try:
            pg_ctlcluster(cluster, "stop", "-m", "immediate")
            time.sleep(DOWN_SECONDS)
        finally:
            ensure_running(cluster)


def stored_facts(casework: Casework) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """Registered events per family id, aid-delivered and drawn events per delivery id."""
    registered: Counter[str] = Counter()
    delivered: Counter[str] = Counter()
    drawn: Counter[str] = Counter()
    start = 1
    while True:
        notifications = casework.event_recorder.select_notifications(start=start, limit=1000)
        if not notifications:
            break
        for notification in notifications:
            if notification.topic == REGISTERED:
                registered[str(notification.originator_id)] += 1
            elif notification.topic in (DELIVERED, DRAWN):
                event = casework.mapper.to_domain_event(notification)
                delivery = str(dataclasses.asdict(event)["delivery_id"])
                (delivered if notification.topic == DELIVERED else drawn)[delivery] += 1
        start = notifications[-1].id + 1
    return registered, delivered, drawn


def count(load: Load, casework: Casework) -> dict[str, int]:
    acked = [c for c in load.commands if c.status is not None and c.status < 300]
    families = {c.answer["id"] for c in acked if c.kind == "registration" and c.answer}
    deliveries = {c.body["delivery_id"] for c in acked if c.kind == "delivery"}
    registered, delivered, drawn = stored_facts(casework)
    lost = len(families - set(registered))
    lost += len(deliveries - set(delivered)) + len(deliveries - set(drawn))
    duplicated = sum(n - 1 for n in (*registered.values(), *delivered.values(), *drawn.values()))
    duplicated += len(set(registered) - families)
    duplicated += len(set(delivered) - deliveries) + len(set(drawn) - deliveries)
    refused = sum(1 for c in load.commands if c.status is not None and c.status >= 300)
    return {
        "sent": len(load.commands),
        "acknowledged": len(acked),
        "refused (4xx)": refused,
        "retries": sum(c.unanswered for c in load.commands),
        "lost": lost,
        "duplicated": duplicated,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--fault-every", type=float, default=180.0, help="seconds")
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-postgres-restart", action="store_true")
    parser.add_argument("--logs", type=Path, default=Path("soak-logs"))
    args = parser.parse_args()

    cluster = None if args.no_postgres_restart else local_cluster()
    faults = ["server", "projector", *(["postgres"] if cluster else [])]
    args.logs.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    with running_stack(args.url, args.logs, own_projector=True) as stack:
        print(f"schema: {stack.settings.database.postgres_schema}; logs in {args.logs}", flush=True)
        opened = httpx.post(
            f"{stack.base}/funding-sources",
            json=source_body(budget_idr=10**13),
            headers={"Authorization": f"Bearer {stack.token}"},
            timeout=10,
        )
        opened.raise_for_status()
        load = SoakLoad(stack.base, stack.token, opened.json()["id"])
        clients = [threading.Thread(target=load.run_client, args=(n,)) for n in range(CLIENTS)]
        for client in clients:
            client.start()
        injected: Counter[str] = Counter()
        end = started + args.minutes * 60
        next_fault = started + args.fault_every
        last_print = 0.0
        try:
            while time.monotonic() < end and not load.errors:
                now = time.monotonic()
                if now >= next_fault:
                    fault = faults[sum(injected.values()) % len(faults)]
                    print(f"[{now - started:7.1f}s] fault: {FAULTS[fault]}", flush=True)
                    inject(fault, stack, cluster)
                    injected[fault] += 1
                    next_fault = time.monotonic() + args.fault_every
                if now - last_print >= 10:
                    print(f"[{now - started:7.1f}s] acknowledged {load.acknowledged()}", flush=True)
                    last_print = now
                time.sleep(0.2)
        finally:
            load.stop.set()
            for client in clients:
                client.join(timeout=2 * DEADLINE)
            if cluster:
                ensure_running(cluster)
        casework = Casework(stack.settings)
        try:
            head = tracking.head_position(casework.db)
            wait_until(
                lambda: min(tracking.positions(casework.db).values()) >= head,
                "every read model reaches the head",
            )
            figures = count(load, casework)
            # Printed before the verifications, which take minutes and may be interrupted:
            # the counts rest on the clients' memory of what was acknowledged.
            print(f"counts: {figures}", flush=True)
            projections = verify_projections(casework)
        finally:
            casework.close()
        chain = subprocess.run(
            [sys.executable, "-m", "casework.cli", "verify"],
            env=stack.env,
            capture_output=True,
            text=True,
        )
    elapsed = time.monotonic() - started
    print(f"\nsoak: {elapsed / 60:.1f} min, faults injected: {dict(injected)}")
    for name, value in figures.items():
        print(f"  {name}: {value}")
    print(f"  client errors: {len(load.errors)} {load.errors[:3]}")
    print(f"  casework verify: exit {chain.returncode}: {chain.stdout.strip()[-300:]}")
    print(f"  verify_projections: {'ok' if projections.ok else 'DIFFERENT'} at position {head}")
    ok = (
        figures["lost"] == 0
        and figures["duplicated"] == 0
        and not load.errors
        and chain.returncode == 0
        and projections.ok
    )
    print("RESULT:", "ok" if ok else "FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
