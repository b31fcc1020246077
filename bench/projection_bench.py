"""Projection catch-up benchmark: rebuild every read model over a generated store.

    python bench/projection_bench.py                  # 50,000 families
    options: --families N --per-family 0 --batch 500 --seed 2025 --url postgresql://…/test
             --only NAME…  --keep (keep the store)  --build-only (build and keep, no rebuild)
             --reuse SCHEMA:KEY (measure a store a --keep run built)

It generates N families with bench/datagen.py and imports them (`casework import families`'s
code path: encryption, KK claims, the chain) into a fresh PostgreSQL scratch schema (dropped at
the end), with `--per-family` aid deliveries to each (bench/deliveries_seed.py: two events
each, the family's and its source's draw), prints the store's size, then rebuilds each
projection from position zero with the shipped runner (`casework project rebuild NAME`'s code)
and prints events/s per projection. The baseline, measured in the same run on the same store:
`SELECT count(*) FROM stored_events` and a full fetch of every event's state through the bare
driver, with each rebuild's ratio to the fetch. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import psycopg

from casework.projections.registry import all_projections
from casework.projections.runner import ProjectionRunner
from casework.service import Casework
from casework.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from deliveries_seed import open_sources, print_progress, registered_families, seed_deliveries
from scratch_store import add_store_options, import_generated, scratch_settings


def scan(url: str, schema: str) -> tuple[int, float, float]:
    """Events counted, seconds for count(*), seconds to fetch every state (server-side cursor)."""
    with psycopg.connect(url, options=f"-c search_path={schema}") as conn:
        started = time.perf_counter()
        row = conn.execute("SELECT count(*) FROM stored_events").fetchone()
        counted = time.perf_counter() - started
        started = time.perf_counter()
        fetched = 0
        with conn.cursor(name="scan") as cursor:
            cursor.itersize = 10_000
            cursor.execute("SELECT position, originator_id, topic, state FROM stored_events")
            for _ in cursor:
                fetched += 1
        return (row[0] if row else 0), counted, time.perf_counter() - started


def add_deliveries(settings: Settings, per_family: int) -> None:
    app = Casework(settings)
    try:
        sources = open_sources(app, 12, 2025)
        families = registered_families(app)
        seed_deliveries(
            app, families, sources, per_family=per_family, fiscal_year=2025,
            progress=print_progress("deliveries"),
        )  # fmt: skip
    finally:
        app.close()


def build(args: argparse.Namespace, settings: Settings) -> None:
    seconds = import_generated(settings, args.families, args.seed, args.batch)
    print(f"{args.families:,} families imported in {seconds:.1f} s", flush=True)
    if args.per_family:
        add_deliveries(settings, args.per_family)


def run(args: argparse.Namespace, settings: Settings, schema: str) -> None:
    if args.reuse is None:
        build(args, settings)
    if args.build_only:
        return
    events, counted, fetched = scan(args.url, schema)
    print(f"store: {events:,} events")
    print(f"baseline: SELECT count(*) {counted * 1000:.0f} ms; full fetch of state "
          f"{fetched:.2f} s = {events / fetched:,.0f} events/s")  # fmt: skip
    app = Casework(settings)
    try:
        print(f"{'projection':<24} {'seconds':>8} {'events/s':>10} {'/ fetch':>8}")
        for projection in all_projections():
            if args.only and projection.name not in args.only:
                continue
            runner = ProjectionRunner(app, [projection])
            started = time.perf_counter()
            applied = runner.rebuild(projection)
            took = time.perf_counter() - started
            rate = applied / took
            print(f"{projection.name:<24} {took:>8.2f} {rate:>10,.0f} "
                  f"{rate / (events / fetched):>8.1%}", flush=True)  # fmt: skip
    finally:
        app.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--families", type=int, default=50_000)
    parser.add_argument("--per-family", type=int, default=0, help="aid deliveries to each family")
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--only", nargs="+", metavar="NAME", help="rebuild only these")
    parser.add_argument("--build-only", action="store_true", help="build and keep; no rebuilds")
    add_store_options(parser)
    args = parser.parse_args(argv)
    keep = args.keep or args.build_only
    with scratch_settings(args.url, "bench_proj", keep=keep, reuse=args.reuse) as settings:
        schema = settings.database.postgres_schema
        assert schema is not None
        run(args, settings, schema)
    return 0


if __name__ == "__main__":
    sys.exit(main())
