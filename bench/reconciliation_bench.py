"""Reconciliation benchmark: the yearly report over a store of many deliveries.

    python bench/reconciliation_bench.py                 # 100,000 families x 10 deliveries
    options: --families N --per-family 10 --sources 12 --runs 200 --url postgresql://…/test
             --baseline-runs N (of the raw GROUP BY; default --runs)
             --keep (keep the store)  --reuse SCHEMA:KEY (a kept store, e.g. projection_bench's)

Imports N generated families (bench/datagen.py, the import's code path) into a scratch
PostgreSQL schema (dropped at the end), records `--per-family` Ina Kasih deliveries to each,
spread over `--sources` funding sources of fiscal year 2025 (bench/deliveries_seed.py: the
aggregates' own rules, each delivery saved with its draw), catches the funding ledger up (and
prints its events/s), then times `--runs` reports of the year as `GET /reconciliation` builds
them (reflected position, the ledger queries, the JSON encoding): now, and `as_of` an instant
half-way through. Baseline in the same run: one raw `GROUP BY` of the same deliveries' values
per source and programme-period from the ledger's delivery lines. Prints p50/p99 of each;
nothing is asserted.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import msgspec

from casework.projections.funding_ledger import FundingLedgerProjection
from casework.projections.reconciliation_queries import reconciliation
from casework.projections.reflected import reflected
from casework.projections.runner import ProjectionRunner
from casework.projections.source_filters import SourceFilter
from casework.service import Casework
from casework.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from deliveries_seed import open_sources, print_progress, registered_families, seed_deliveries
from scratch_store import add_store_options, import_generated, scratch_settings

YEAR = 2025


def timings(runs: int, work: Callable[[], object]) -> tuple[float, float]:
    """p50 and p99 in milliseconds of `runs` calls of `work` (after one warm-up call)."""
    work()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return statistics.median(samples), samples[min(len(samples) - 1, int(len(samples) * 0.99))]


def middle_instant(app: Casework) -> datetime:
    with app.db.single_read() as tx:
        tx.execute(
            "SELECT recorded_at FROM stored_events WHERE position = "
            "(SELECT max(position) / 2 FROM stored_events)"
        )
        row = tx.fetchone()
    assert row is not None
    instant: datetime = row[0]
    return instant


def build(args: argparse.Namespace, settings: Settings) -> None:
    seconds = import_generated(settings, args.families, args.seed)
    print(f"{args.families:,} families imported in {seconds:.1f} s", flush=True)
    app = Casework(settings)
    try:
        sources = open_sources(app, args.sources, YEAR)
        started = time.perf_counter()
        made = seed_deliveries(
            app,
            registered_families(app),
            sources,
            per_family=args.per_family,
            fiscal_year=YEAR,
            progress=print_progress("deliveries"),
        )
        took = time.perf_counter() - started
        print(f"{made:,} deliveries recorded in {took:.1f} s ({made / took:,.0f}/s)", flush=True)
    finally:
        app.close()


def measure(args: argparse.Namespace, settings: Settings) -> None:
    app = Casework(settings)
    try:
        ledger = FundingLedgerProjection()
        runner = ProjectionRunner(app, [ledger])
        started = time.perf_counter()
        applied = runner.catch_up(ledger)
        took = time.perf_counter() - started
        print(f"funding_ledger caught up: {applied:,} events in {took:.1f} s "
              f"({applied / took:,.0f} events/s)", flush=True)  # fmt: skip
        head = app.event_recorder.max_notification_id() or 0
        year = SourceFilter(fiscal_year=YEAR)
        half = middle_instant(app)

        def report(as_of: datetime | None) -> Callable[[], bytes]:
            return lambda: msgspec.json.encode(
                reconciliation(app.db, reflected(app.db, head, as_of), year)
            )

        def raw() -> object:
            with app.db.single_read() as tx:
                tx.execute(
                    "SELECT funding_source_id, program, period, count(*), sum(value_idr) "
                    "FROM funding_ledger_deliveries WHERE voided_position IS NULL "
                    "GROUP BY funding_source_id, program, period"
                )
                return tx.fetchall()

        sample = msgspec.json.decode(report(None)())
        delivered = sum(source["deliveries"] for source in sample["sources"])
        print(f"the report covers {len(sample['sources'])} sources, {delivered:,} deliveries")
        print(f"{'query':<40} {'p50 ms':>8} {'p99 ms':>8}")
        baseline_runs = args.baseline_runs or args.runs
        for label, work, runs in (
            ("raw GROUP BY of the delivery lines", raw, baseline_runs),
            ("reconciliation, fiscal year, now", report(None), args.runs),
            ("reconciliation, fiscal year, as_of half", report(half), args.runs),
        ):
            p50, p99 = timings(runs, work)
            print(f"{label:<40} {p50:>8.2f} {p99:>8.2f}", flush=True)
    finally:
        app.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--families", type=int, default=100_000)
    parser.add_argument("--per-family", type=int, default=10)
    parser.add_argument("--sources", type=int, default=12)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument(
        "--baseline-runs", type=int, help="runs of the raw GROUP BY (default: --runs)"
    )
    parser.add_argument("--seed", type=int, default=2025)
    add_store_options(parser)
    args = parser.parse_args(argv)
    with scratch_settings(args.url, "bench_recon", keep=args.keep, reuse=args.reuse) as settings:
        if args.reuse is None:
            build(args, settings)
        measure(args, settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
