"""`casework verify` and `casework chain checkpoint`: tamper evidence from the command line.

`verify --projections` also rebuilds every read model into a scratch copy and compares it with
the live one row by row.

`verify` recomputes the hash chain over the whole store (with progress), prints the events
checked and the head, and exits 1 naming the first bad position. `chain checkpoint` verifies
and prints `POSITION:HEAD` for an auditor to keep outside the database; `verify --expect
POSITION:HEAD` then proves the store still matches it, even if every hash after a rewritten
event was recomputed.
"""

from __future__ import annotations

import argparse
import sys

from casework.cli.progress import progress_printer
from casework.projections.verification_report import run_projection_verification
from casework.service import Casework
from casework.settings import Settings
from casework.store.chain_check import ChainReport, Checkpoint, verify_chain
from casework.store.database import open_database
from casework.store.migrations import require_migrated
from casework.store.snapshots import check_snapshots


def add_audit_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    verify = commands.add_parser("verify", help="recompute the tamper-evidence hash chain")
    verify.add_argument(
        "--expect",
        action="append",
        default=[],
        metavar="POSITION:HEAD",
        help="a checkpoint kept outside the database (repeat for more)",
    )
    verify.add_argument(
        "--projections",
        action="store_true",
        help="also rebuild every read model into a scratch copy and compare it row by row",
    )
    chain = commands.add_parser("chain", help="anchor the hash chain outside the database")
    actions = chain.add_subparsers(dest="chain_command", required=True)
    actions.add_parser("checkpoint", help="verify, then print POSITION:HEAD to keep elsewhere")


def run_verify(settings: Settings, args: argparse.Namespace) -> int:
    try:
        checkpoints = [Checkpoint.parse(text) for text in args.expect]
    except ValueError as error:
        print(f"casework verify: {error}", file=sys.stderr)
        return 2
    report = _verify(settings, checkpoints)
    print(f"events checked: {report.events_checked}")
    print(f"head: {report.head}")
    if not report.ok:
        print(f"FAILED: {report.detail}")
        return 1
    print(
        f"ok: {report.detail}"
        + (f", {len(checkpoints)} checkpoint(s) match" if checkpoints else "")
    )
    if not _snapshots_match(settings):
        return 1
    if args.projections:
        return run_projection_verification(settings)
    return 0


def _snapshots_match(settings: Settings) -> bool:
    """Every snapshot equals a replay of the events it summarises."""
    casework = Casework(settings)
    try:
        report = check_snapshots(casework, progress=progress_printer("snapshots"))
    finally:
        casework.close()
    for mismatch in report.mismatches:
        print(f"FAILED: {mismatch}")
    if report.ok:
        print(f"snapshots: {report.checked} match a replay of their events")
    return report.ok


def run_chain_command(settings: Settings, _: argparse.Namespace) -> int:
    report = _verify(settings, [])
    if not report.ok:
        print(f"FAILED: {report.detail}", file=sys.stderr)
        return 1
    print(Checkpoint(report.events_checked, report.head))
    return 0


def _verify(settings: Settings, checkpoints: list[Checkpoint]) -> ChainReport:
    db = open_database(settings.database)
    try:
        require_migrated(db)
        return verify_chain(db, progress=progress_printer("events"), checkpoints=checkpoints)
    finally:
        db.close()
