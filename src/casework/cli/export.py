"""`casework export family|funding-source ID [--out FILE]`: an audit package as JSON Lines.

The package goes to standard output, or to FILE (created readable by its owner only: a family's
package holds its personal data). Progress, for aggregates with many events, and a closing
summary go to standard error. An id that is no such aggregate exits 1 and writes no file.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO
from uuid import UUID

from casework.application import CaseworkStore
from casework.audit.export import BATCH, KINDS, UnknownAggregate, plan_package, write_package
from casework.cli.progress import progress_printer
from casework.settings import Settings

_HELP = {
    "family": "a family's events, decoded, with positions, actors and chain hashes",
    "funding-source": "a funding source's events, decoded, with positions, actors and chain hashes",
}


def add_export_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    export = commands.add_parser(
        "export", help="write the audit package of one family or funding source (JSON Lines)"
    )
    kinds = export.add_subparsers(dest="export_what", required=True)
    for what in KINDS:
        parser = kinds.add_parser(what, help=_HELP[what])
        parser.add_argument("id", type=UUID, metavar="ID")
        parser.add_argument("--out", type=Path, metavar="FILE", help="default: standard output")


def run_export(settings: Settings, args: argparse.Namespace) -> int:
    store = CaseworkStore(settings)
    try:
        try:
            package = plan_package(store, args.export_what, args.id)
        except UnknownAggregate as unknown:
            print(f"casework export: {unknown}", file=sys.stderr)
            return 1
        large = package.events > BATCH
        progress = progress_printer("events") if large else None
        with _output(args.out) as out:
            written = write_package(store, package, out, progress)
    finally:
        store.close()
    where = args.out or "standard output"
    print(
        f"exported {written} event(s) of {package.what} {package.aggregate_id} to {where} "
        f"(store head {package.head_position}:{package.head_hash.hex()})",
        file=sys.stderr,
    )
    return 0


@contextmanager
def _output(path: Path | None) -> Iterator[BinaryIO]:
    if path is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "wb") as out:
        yield out
