"""Bulk import benchmark: `casework import families` against `COPY` of the same rows.

    python bench/import_bench.py                        # 100,000 families
    options: --families N --batch 500 --seed 2025 --url postgresql://postgres@127.0.0.1:5432/test
             --no-sqlite --workers N (planning processes; default: the cores)

It generates N families with bench/datagen.py into a temporary CSV, imports it into a fresh
PostgreSQL scratch schema (dropped at the end) and into a temporary SQLite file, and prints
families/s, events/s and member rows/s for each, the peak RSS of this process after the
PostgreSQL import (resource.getrusage), and, measured in the same run as the baseline, `COPY` of
the same CSV rows into a plain table of the same schema, with the import's ratio to it.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import base64
import resource
import secrets
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from psycopg import sql

from casework.cli.imports import default_workers, import_progress
from casework.importing.families import FamilyImport, ImportCounts, RejectsWriter
from casework.importing.rows import ByteCounter
from casework.service import Casework
from casework.settings import Settings
from casework.store.bootstrap import migrate_store

sys.path.insert(0, str(Path(__file__).parent))
from datagen import FamilyGenerator, write_csv
from schemas import drop_schema


def import_file(
    settings: Settings, csv_path: Path, batch: int, workers: int
) -> tuple[ImportCounts, float]:
    migrate_store(settings)
    app = Casework(settings)
    rejects_path = csv_path.with_suffix(".rejects.csv")
    rejects = RejectsWriter(lambda: rejects_path.open("w", newline="", encoding="utf-8"))
    try:
        importer = FamilyImport(app, rejects, batch=batch, run="bench", workers=workers)
        started = time.perf_counter()
        counter = ByteCounter()
        progress = import_progress(counter, csv_path.stat().st_size, importer.counts, started)
        with csv_path.open("rb") as handle:
            importer.add_all(counter.lines(handle), progress)
        print(file=sys.stderr)
        return importer.counts, time.perf_counter() - started
    finally:
        rejects.close()
        app.close()


def copy_rows(url: str, schema: str, csv_path: Path) -> float:
    """COPY the CSV's rows into a plain table; seconds, from the first byte to the commit."""
    with psycopg.connect(url) as conn:
        table = sql.Identifier(schema, "copy_baseline")
        columns = ", ".join(f"{name} text" for name in ("kk", "area", "address", "desil", "nik"))
        conn.execute(
            sql.SQL(
                "CREATE TABLE {} (" + columns + ", name text, sex text, born date, rel text)"
            ).format(table)
        )
        conn.commit()
        started = time.perf_counter()
        with (
            conn.cursor() as cur,
            cur.copy(
                sql.SQL("COPY {} FROM STDIN WITH (FORMAT csv, HEADER true)").format(table)
            ) as copy,
            csv_path.open("rb") as handle,
        ):
            while block := handle.read(1 << 20):
                copy.write(block)
        conn.commit()
        return time.perf_counter() - started


def report(label: str, counts: ImportCounts, seconds: float, copy_rows_per_s: float) -> None:
    rows_per_s = counts.members / seconds
    print(
        f"{label:<10} {counts.imported:>9,} families {seconds:7.1f} s  "
        f"{counts.imported / seconds:9,.0f} families/s  {counts.events / seconds:9,.0f} events/s  "
        f"{rows_per_s:9,.0f} rows/s  = {rows_per_s / copy_rows_per_s:6.1%} of COPY rows/s"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--families", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--workers", type=int, default=default_workers())
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--no-sqlite", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "families.csv"
        with csv_path.open("w", newline="", encoding="utf-8") as out:
            generator = FamilyGenerator(args.seed, "53.71")
            _, rows = write_csv(out, generator.families(args.families), args.families)
        print(
            f"{args.families:,} families, {rows:,} member rows, {csv_path.stat().st_size:,} bytes"
        )
        schema = f"bench_import_{secrets.token_hex(4)}"
        master_key = base64.b64encode(secrets.token_bytes(32)).decode()
        pg = Settings(database_url=f"{args.url}?schema={schema}", master_key=master_key)
        try:
            counts, seconds = import_file(pg, csv_path, args.batch, args.workers)
            peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            worker_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
            copy_seconds = copy_rows(args.url, schema, csv_path)
        finally:
            drop_schema(args.url, schema)
        copy_rate = rows / copy_seconds
        print(
            f"COPY       {rows:>9,} rows     {copy_seconds:7.1f} s  "
            f"{copy_rate:9,.0f} rows/s (baseline)"
        )
        report("PostgreSQL", counts, seconds, copy_rate)
        print(
            f"peak RSS of the PostgreSQL import: {peak_mb:,.0f} MB importing process, "
            f"{worker_mb:,.0f} MB the largest of its {args.workers} planning workers"
        )
        if not args.no_sqlite:
            lite = Settings(database_url=f"sqlite:///{Path(tmp) / 'casework.db'}")
            counts, seconds = import_file(lite, csv_path, args.batch, args.workers)
            report("SQLite", counts, seconds, copy_rate)
    return 0


if __name__ == "__main__":
    sys.exit(main())
