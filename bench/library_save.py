"""Baseline: the eventsourcing library's default `Application.save` on PostgreSQL.

    python bench/library_save.py          # 1, 8 and 32 threads, 12 s each
    options: --url postgresql://postgres@127.0.0.1:5432/test --clients 1 8 32 --seconds 12

Issue 7 asks for "the eventsourcing library's default Application.save rate on the same
machine" beside the HTTP figures: what the obvious implementation's write path does before any
of casework's recorder work (dense positions under the insert lock taken once per group, the
pipelined transaction, group commit). `bench/http_bench.py` prints it in its own run; this
script measures it alone.

The library as shipped: `PERSISTENCE_MODULE=eventsourcing.postgres`, its default recorder (a
`LOCK TABLE … IN EXCLUSIVE MODE` a save, `POSTGRES_ENABLE_DB_FUNCTIONS` off), its default JSON
transcoder, no cipher. Only the connection settings are ours: the scratch schema, and a pool of
one connection per thread, so that the pool (5 + 10 overflow by default) is not what limits 32
threads. Each thread owns one aggregate and, in a closed loop, records one event on it (a
delivery's financial facts) and saves it; the rate is saves/s, the latency that of
`app.save`. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from uuid import UUID, uuid4

from eventsourcing.application import Application
from eventsourcing.domain import Aggregate, event
from psycopg.conninfo import conninfo_to_dict

sys.path.insert(0, str(Path(__file__).parent))
from schemas import create_schema, drop_schema


class Case(Aggregate):
    """A family's case as the obvious implementation would keep it: a count of deliveries."""

    def __init__(self, area_code: str) -> None:
        self.area_code = area_code
        self.deliveries = 0

    @event("AidDelivered")
    def deliver(self, delivery_id: UUID, program: str, period: str, value_idr: int) -> None:
        self.deliveries += 1


class LibraryApplication(Application[UUID]):
    name = "librarysave"


@dataclass
class SaveFigures:
    saves: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int

    @property
    def rate(self) -> float:
        return self.saves / self.seconds


def library_env(url: str, schema: str, pool_size: int) -> dict[str, str]:
    """The library's own settings for a connection to `url`, tables in `schema`."""
    parts = conninfo_to_dict(url)
    return {
        "PERSISTENCE_MODULE": "eventsourcing.postgres",
        "POSTGRES_DBNAME": str(parts.get("dbname", "postgres")),
        "POSTGRES_HOST": str(parts.get("host", "127.0.0.1")),
        "POSTGRES_PORT": str(parts.get("port", "5432")),
        "POSTGRES_USER": str(parts.get("user", "postgres")),
        "POSTGRES_PASSWORD": str(parts.get("password", "")),
        "POSTGRES_SCHEMA": schema,
        "POSTGRES_POOL_SIZE": str(pool_size),
        "CREATE_TABLE": "y",
    }


def measure(url: str, schema: str, clients: int, seconds: float) -> SaveFigures:
    """Saves/s of `clients` threads, each saving one new event on its own aggregate at a time."""
    app = LibraryApplication(env=library_env(url, schema, clients))
    try:
        cases = [Case(area_code="53.71.01.1001") for _ in range(clients)]
        app.save(*cases)
        latencies: list[list[float]] = [[] for _ in range(clients)]
        errors = [0] * clients
        start = threading.Barrier(clients + 1)
        deadline = [0.0]

        def drive(index: int) -> None:
            case, mine = cases[index], latencies[index]
            start.wait()
            while time.perf_counter() < deadline[0]:
                case.deliver(uuid4(), "ina_kasih", "2025-08", 60_000)
                began = time.perf_counter()
                try:
                    app.save(case)
                except Exception:  # counted, not raised: a baseline reports what failed
                    errors[index] += 1
                    case = cases[index] = app.repository.get(case.id)
                    continue
                mine.append(time.perf_counter() - began)

        threads = [threading.Thread(target=drive, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        began = time.perf_counter()
        deadline[0] = began + seconds
        start.wait()
        for thread in threads:
            thread.join()
        took = time.perf_counter() - began
    finally:
        app.close()
    every = sorted(value for mine in latencies for value in mine)
    return SaveFigures(
        saves=len(every),
        seconds=took,
        p50_ms=1000 * statistics.median(every) if every else float("nan"),
        p99_ms=1000 * every[int(0.99 * (len(every) - 1))] if every else float("nan"),
        errors=sum(errors),
    )


def report(clients: int, figures: SaveFigures) -> str:
    return (
        f"  {clients:>3} threads: {figures.rate:8.0f} saves/s  p50 {figures.p50_ms:7.2f} ms"
        f"  p99 {figures.p99_ms:7.2f} ms  errors {figures.errors}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=float, default=12)
    args = parser.parse_args(argv)
    schema = f"bench_library_{uuid4().hex[:8]}"
    create_schema(args.url, schema)
    try:
        print("eventsourcing's default Application.save (PostgreSQL, one event a save):")
        for clients in args.clients:
            print(report(clients, measure(args.url, schema, clients, args.seconds)), flush=True)
    finally:
        drop_schema(args.url, schema)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
