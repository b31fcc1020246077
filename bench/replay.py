"""Replay benchmark: one family with 1,000 events, loaded with and without snapshots.

    python bench/replay.py                                   # SQLite, in a temporary directory
    python bench/replay.py --postgres postgresql://postgres@127.0.0.1:5432/test
                                                             # a scratch schema, dropped after
    options: --events 1000 --loads 200 --interval 100

It records the family through the service (deliveries and their voids, moves, corrections,
welfare assessments, DASHAT; a delivery also draws on a funding source), with snapshots every
--interval events, then times --loads loads of each kind and prints p50/p99 in milliseconds and
each figure's ratio to the raw baseline measured in the same run. Nothing is asserted.

- raw SELECT: `SELECT state FROM stored_events WHERE originator_id = …` fetching every row of
  the family through the bare driver (no decoding, no decryption, no aggregate);
- replay: `load_at(version=…)` on a second service over the same store with snapshots off,
  so every event is decoded, its personal part opened, and applied;
- snapshot + tail: the same with snapshots on; "latest" is the family's last version (a
  snapshot exactly there), "worst" is one version below it (the previous snapshot + interval-1
  events);
- as_of: `load_at(as_of=T)` for instants drawn from the family's history (adds the query that
  finds the version at T); with and without snapshots;
- cached load: `load()` through the aggregate cache, for reference.

All loads but the cached one bypass the aggregate cache (a version is asked for). The key of
the family is cached by the service for 5 seconds, as in production.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from uuid import UUID

import psycopg

from casework.aggregates.family import Family
from casework.runtime.gc_policy import freeze_startup
from casework.service import Casework
from casework.settings import Settings
from casework.store.bootstrap import migrate_store

sys.path.insert(0, str(Path(__file__).parent))
from replay_history import record_history
from scratch_store import scratch_settings


@contextmanager
def scratch_store(postgres: str | None) -> Iterator[Settings]:
    if postgres is None:
        with tempfile.TemporaryDirectory() as folder:
            yield Settings(database_url=f"sqlite:///{folder}/casework.db")
        return
    with scratch_settings(postgres, "bench_replay") as settings:
        yield settings


def raw_select(settings: Settings, family_id: UUID) -> Callable[[], Any]:
    location = settings.database
    query = "SELECT state FROM stored_events WHERE originator_id = {} ORDER BY originator_version"
    if location.sqlite_path is not None:
        lite = sqlite3.connect(location.sqlite_path)
        return lambda: lite.execute(query.format("?"), (str(family_id),)).fetchall()
    options = f"-c search_path={location.postgres_schema}"
    conn = psycopg.connect(location.postgres_conninfo, autocommit=True, options=options)
    return lambda: conn.execute(query.format("%s"), (family_id,)).fetchall()


def timed(action: Callable[[], Any], loads: int) -> list[float]:
    action()  # warm: connections, prepared statements, the key cache
    times = []
    for _ in range(loads):
        start = time.perf_counter_ns()
        action()
        times.append((time.perf_counter_ns() - start) / 1e6)
    return times


def percentile(times: list[float], fraction: float) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def report(rows: list[tuple[str, list[float]]]) -> None:
    baseline = statistics.median(rows[0][1])
    print(f"{'load':<34} {'p50 ms':>8} {'p99 ms':>8} {'p50 / raw':>10}")
    for label, times in rows:
        p50, p99 = percentile(times, 0.50), percentile(times, 0.99)
        print(f"{label:<34} {p50:>8.2f} {p99:>8.2f} {p50 / baseline:>9.1f}x")


def run(settings: Settings, events: int, loads: int, interval: int) -> None:
    migrate_store(settings)
    fast = Casework(dataclasses.replace(settings, snapshot_interval=interval))
    plain = Casework(dataclasses.replace(settings, snapshot_interval=0))
    freeze_startup()  # as `casework serve` does once started: full collections skip it
    try:
        started = time.perf_counter()
        family_id = record_history(fast, events)
        elapsed = time.perf_counter() - started
        print(f"recorded {events} family events in {elapsed:.1f} s ({settings.database.backend})")
        with fast.db.transaction() as tx:
            tx.execute(
                "SELECT count(*), max(length(state)) FROM snapshots WHERE aggregate_id = %s",
                (family_id,),
            )
            count, size = tx.fetchone() or (0, 0)
        print(f"family snapshots: {count} (every {interval} events, largest {size} bytes)")
        instants = [r.recorded_at for r in fast.event_records(family_id)]
        pick = random.Random(7)

        def as_of(app: Casework) -> Callable[[], Any]:
            return lambda: app.load_at(Family, family_id, as_of=pick.choice(instants))

        rows = [
            ("raw SELECT of the family's rows", timed(raw_select(settings, family_id), loads)),
            (
                "replay (no snapshots)",
                timed(lambda: plain.load_at(Family, family_id, version=events), loads),
            ),
            (
                "snapshot + tail, latest",
                timed(lambda: fast.load_at(Family, family_id, version=events), loads),
            ),
            (
                f"snapshot + {interval - 1} events (worst)",
                timed(lambda: fast.load_at(Family, family_id, version=events - 1), loads),
            ),
            ("as_of, replay (no snapshots)", timed(as_of(plain), loads)),
            ("as_of, snapshot + tail", timed(as_of(fast), loads)),
            ("cached load() (fast-forward)", timed(lambda: fast.load(Family, family_id), loads)),
        ]
        report(rows)
    finally:
        fast.close()
        plain.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postgres", metavar="URL", help="PostgreSQL server (scratch schema)")
    parser.add_argument("--events", type=int, default=1000)
    parser.add_argument("--loads", type=int, default=200)
    parser.add_argument("--interval", type=int, default=100)
    args = parser.parse_args()
    with scratch_store(args.postgres) as settings:
        run(settings, args.events, args.loads, args.interval)


if __name__ == "__main__":
    main()
