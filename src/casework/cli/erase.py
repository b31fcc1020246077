"""`casework erase FAMILY_ID --reason R --reference REF`: a family's personal-data erasure.

The same command as `POST /families/{id}/erasure`, recorded with the actor `cli:erase`. It
prints what it did, purge included. A purge step that could not run (a long transaction, a
locked table) makes it exit 3, the erasure itself having been recorded all the same;
`casework erase --purge-only` runs the purge again later.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING
from uuid import UUID, uuid4

from casework.aggregates.base import Cause
from casework.errors import Conflict, NotFound, StaleVersion, ValidationFailed
from casework.settings import Settings
from casework.store.purge import Purge

if TYPE_CHECKING:
    from casework.service import Casework

USAGE_ERROR = 2
PURGE_INCOMPLETE = 3


def add_erase_command(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    erase = commands.add_parser(
        "erase",
        help="erase a family's personal data for good (UU PDP): destroys its data key",
    )
    erase.add_argument("family_id", type=UUID, nargs="?", metavar="FAMILY_ID")
    erase.add_argument("--reason", help="why (recorded in the erasure event)")
    erase.add_argument("--reference", help="the data subject's request, e.g. PDP-2025-001")
    erase.add_argument(
        "--purge-only",
        action="store_true",
        help="erase nothing; purge the database files again (after an incomplete purge)",
    )


def run_erase(settings: Settings, args: argparse.Namespace) -> int:
    if args.purge_only != (args.family_id is None):
        return _usage("give FAMILY_ID --reason R --reference REF, or --purge-only alone")
    if not args.purge_only and (args.reason is None or args.reference is None):
        return _usage("--reason and --reference are required")
    from casework.service import Casework  # loaded only for the commands that use it

    app = Casework(settings)
    try:
        if args.purge_only:
            return _report(app.purge_personal_data())
        return _erase(app, args)
    finally:
        app.close()


def _erase(app: Casework, args: argparse.Namespace) -> int:
    try:
        erased = app.erase_family(
            Cause(actor="cli:erase", request_id=f"cli-{uuid4()}"),
            args.family_id,
            reason=args.reason,
            request_reference=args.reference,
        )
    except ValidationFailed as failed:
        for problem in failed.problems:
            field = "reference" if problem.field == "request_reference" else problem.field
            print(f"casework erase: --{field}: {problem.message}", file=sys.stderr)
        return USAGE_ERROR
    except (NotFound, Conflict, StaleVersion) as refused:
        print(f"casework erase: {refused}", file=sys.stderr)
        return 1
    where = f"version {erased.version}, position {erased.position}"
    print(f"erased family {erased.aggregate_id}: {where}")
    kk = "released its KK number, " if erased.kk_released else ""
    print(f"in one transaction: recorded PersonalDataErased, {kk}destroyed its data key")
    return _report(erased.purge)


def _report(purge: Purge) -> int:
    for step in purge.done:
        print(f"purged: {step}")
    for step in purge.failed:
        print(f"NOT purged: {step}", file=sys.stderr)
    if purge.failed:
        print("run `casework erase --purge-only` once that is resolved", file=sys.stderr)
        return PURGE_INCOMPLETE
    return 0


def _usage(message: str) -> int:
    print(f"casework erase: {message}", file=sys.stderr)
    return USAGE_ERROR
