"""`casework import families FILE.csv [--rejects FILE] [--batch N] [--workers N]`: bulk
registration.

The actor of every event is `cli:import`. Progress goes to stderr; the summary to stdout.
"""

from __future__ import annotations

import argparse
import os
import secrets
import sys
import time
from collections.abc import Callable
from pathlib import Path

from casework.importing.families import DEFAULT_BATCH, FamilyImport, ImportCounts, RejectsWriter
from casework.importing.rows import BadImportFile, ByteCounter
from casework.settings import Settings


def add_import_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    bulk = commands.add_parser("import", help="bulk-import data from files")
    kinds = bulk.add_subparsers(dest="import_kind", required=True)
    families = kinds.add_parser(
        "families",
        help="register the families of a CSV file (one row per member, a family's rows adjacent)",
    )
    families.add_argument("file", type=Path, metavar="FILE.csv")
    families.add_argument(
        "--rejects",
        type=Path,
        default=None,
        metavar="FILE",
        help="where invalid families go with their reasons (default FILE.rejects.csv)",
    )
    families.add_argument(
        "--batch", type=int, default=DEFAULT_BATCH, help="families saved per transaction"
    )
    families.add_argument(
        "--workers",
        type=int,
        default=default_workers(),
        help="processes that check and build the families while this one saves them "
        "(default: the machine's cores; 0: all in this process)",
    )


def run_import(settings: Settings, args: argparse.Namespace) -> int:
    from casework.service import Casework

    source: Path = args.file
    if not source.is_file():
        print(f"casework import: {source} is not a file", file=sys.stderr)
        return 2
    rejects_path: Path = args.rejects or source.with_suffix(".rejects.csv")
    rejects = RejectsWriter(lambda: rejects_path.open("w", newline="", encoding="utf-8"))
    app = Casework(settings)
    started = time.perf_counter()
    try:
        importer = FamilyImport(
            app, rejects, batch=args.batch, run=secrets.token_hex(4), workers=args.workers
        )
        counter = ByteCounter()
        report = import_progress(counter, source.stat().st_size, importer.counts, started)
        with source.open("rb") as handle:
            importer.add_all(counter.lines(handle), report)
    except BadImportFile as bad:
        print(f"\ncasework import: {source}: {bad}", file=sys.stderr)
        return 2
    finally:
        rejects.close()
        app.close()
    print(file=sys.stderr)
    _summary(importer.counts, time.perf_counter() - started, rejects_path)
    return 0


def default_workers() -> int:
    """One planning process per core: the saving process mostly waits on the database."""
    return os.cpu_count() or 1


def import_progress(
    counter: ByteCounter, total: int, counts: ImportCounts, started: float
) -> Callable[[], None]:
    """The import's progress bar on stderr (the CLI's, and the import benchmark's)."""

    def report() -> None:
        percent = counter.done * 100 // max(total, 1)
        elapsed = max(time.perf_counter() - started, 1e-9)
        bar = "#" * (percent // 4)
        print(
            f"\rimport [{bar:<25}] {percent:3d}%  {counts.imported} families "
            f"({counts.imported / elapsed:,.0f}/s)",
            end="",
            file=sys.stderr,
            flush=True,
        )

    return report


def _summary(counts: ImportCounts, seconds: float, rejects_path: Path) -> None:
    elapsed = max(seconds, 1e-9)
    print(f"families imported: {counts.imported}")
    print(f"families skipped (already registered): {counts.already_registered}")
    rejected = f" (see {rejects_path})" if counts.rejected else ""
    print(f"families rejected: {counts.rejected}{rejected}")
    print(f"families with warnings: {counts.warnings}")
    print(f"members: {counts.members}")
    print(f"events written: {counts.events}")
    print(f"seconds: {seconds:.1f}")
    print(f"families/s: {counts.imported / elapsed:,.0f}")
    print(f"events/s: {counts.events / elapsed:,.0f}")
