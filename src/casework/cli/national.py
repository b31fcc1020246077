"""`casework national …`: the national reporting database (issue 24).

Configured with CASEWORK_NATIONAL_DATABASE_URL (PostgreSQL). `migrate` makes its schema;
`add-cell`, `remove-cell` and `resync` manage the subscriptions (a superuser on PostgreSQL
15); `run` follows every cell's copy until SIGTERM; `status` and `verify` report; `serve` runs the
national HTTP API for the users `user add` gives tokens to.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

from casework.access.users import UserStore
from casework.errors import Conflict, ValidationFailed
from casework.national.copies import open_copy
from casework.national.follower import followed_cells, run_national
from casework.national.naming import checked_cell_name, national_location
from casework.national.schema import migrate_national
from casework.national.service import NationalService
from casework.national.status import cell_statuses
from casework.national.subscriptions import CellRefused, add_cell, remove_cell, resync
from casework.national.verify import verify_copy
from casework.settings import ConfigurationError, DatabaseLocation, Settings
from casework.store.chain_check import Checkpoint

# National users read figures (finance), or figures and the audit trail (auditor, admin).
NATIONAL_ROLES = ("finance", "auditor", "admin")


def add_national_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    national = commands.add_parser(
        "national", help="the national reporting database (CASEWORK_NATIONAL_DATABASE_URL)"
    )
    actions = national.add_subparsers(dest="national_command", required=True)
    actions.add_parser("migrate", help="create or update the national schema")
    add = actions.add_parser("add-cell", help="subscribe to a cell's publications")
    add.add_argument("name", metavar="NAME", help="the cell's CASEWORK_CELL")
    add.add_argument("--url", required=True, metavar="CONNINFO", help="the cell's database")
    remove = actions.add_parser("remove-cell", help="stop following a cell, keep its copy")
    remove.add_argument("name", metavar="NAME")
    again = actions.add_parser("resync", help="drop a cell's copy and subscribe from the start")
    again.add_argument("name", metavar="NAME")
    again.add_argument("--url", metavar="CONNINFO", help="needed once the cell was removed")
    actions.add_parser("run", help="follow every cell into the national read models")
    status = actions.add_parser("status", help="per cell: positions, heartbeat, lag")
    status.add_argument("name", nargs="?", metavar="NAME")
    verify = actions.add_parser("verify", help="recompute every cell's chain on its copy")
    verify.add_argument(
        "--expect",
        action="append",
        default=[],
        metavar="NAME=POSITION:HEAD",
        help="a checkpoint of a cell (`casework chain checkpoint` there), repeatable",
    )
    serve = actions.add_parser("serve", help="run the national HTTP API")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8100)
    user = actions.add_parser("user", help="the national API's users")
    user_actions = user.add_subparsers(dest="user_command", required=True)
    add_user = user_actions.add_parser("add", help="add a user; its token on the last line")
    add_user.add_argument("name")
    add_user.add_argument("--role", required=True, choices=NATIONAL_ROLES)


def run_national_command(_settings: Settings, args: argparse.Namespace) -> int:
    command = args.national_command
    try:
        national = national_location()
        if command == "migrate":
            return _migrate(national)
        if command == "add-cell":
            identity = add_cell(national, args.name, args.url)
            print(f"cell {identity.name} (areas {identity.areas}) added and subscribed")
            return 0
        if command == "remove-cell":
            print(remove_cell(national, args.name))
            return 0
        if command == "resync":
            identity = resync(national, args.name, args.url)
            print(f"cell {identity.name}: copy dropped, subscribed again from the beginning")
            return 0
        if command == "run":
            return _run(national)
        if command == "status":
            return _status(national, args.name)
        if command == "serve":
            return _serve(national, args.host, args.port)
        if command == "user":
            return _add_user(national, args.name, args.role)
        return _verify(national, args.expect)
    except (CellRefused, ConfigurationError) as refused:
        print(f"casework national {command}: {refused}", file=sys.stderr)
        return 2


def _migrate(national: DatabaseLocation) -> int:
    applied = migrate_national(national)
    if applied:
        print(f"applied {len(applied)} migration(s) to the national schema: {', '.join(applied)}")
    else:
        print("the national schema is up to date")
    return 0


def _run(national: DatabaseLocation) -> int:
    stop = threading.Event()

    def stopping(_signal: int, _frame: FrameType | None) -> None:
        stop.set()

    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, stopping)
    print("following every cell's copy; SIGTERM or Ctrl-C stops", file=sys.stderr)
    run_national(national, stop)
    return 0


def _serve(national: DatabaseLocation, host: str, port: int) -> int:
    import uvicorn

    from casework.national.api import create_national_app
    from casework.runtime.logging_setup import configure_logging

    configure_logging()
    app = create_national_app(national)
    where = national.postgres_conninfo.split("@")[-1]
    print(f"casework national: serving {where} on http://{host}:{port}", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="info", log_config=None)
    return 0


def _add_user(national: DatabaseLocation, name: str, role: str) -> int:
    service = NationalService(national)
    try:
        user, token = UserStore(service.db).add(name=name, role=role, areas=[])
    except ValidationFailed as failed:
        for problem in failed.problems:
            print(
                f"casework national user add: {problem.field}: {problem.message}", file=sys.stderr
            )
        return 2
    except Conflict as conflict:
        print(f"casework national user add: {conflict.detail}", file=sys.stderr)
        return 1
    finally:
        service.close()
    print(f"added {user.name} ({user.role}) to the national API")
    print("token (shown only now; keep it secret):")
    print(token)
    return 0


def _status(national: DatabaseLocation, only: str | None) -> int:
    statuses = cell_statuses(national, None if only is None else checked_cell_name(only))
    if not statuses:
        print("no cell added (`casework national add-cell NAME --url CONNINFO`)")
    for cell in statuses:
        lag_seconds = "-" if cell.lag_seconds is None else f"{cell.lag_seconds:.1f}"
        print(
            f"{cell.name}: areas {cell.areas or '?'}, "
            f"{'following' if cell.following else 'removed'} (subscription {cell.subscription})"
        )
        print(f"  replicated position: {cell.replicated_position}")
        print(f"  last heartbeat: head {cell.head_position} at {cell.heartbeat_at}")
        print(f"  lag: {cell.lag_events} event(s), {lag_seconds} s")
        chain = "ok" if cell.chain_ok else f"BROKEN at {cell.first_bad_position}: "
        print(f"  chain: {chain}{cell.broken_detail or ''}")
        for model, position in cell.read_models.items():
            print(f"  {model}: {position}")
    return 0


def _verify(national: DatabaseLocation, expect: list[str]) -> int:
    checkpoints: dict[str, list[Checkpoint]] = {}
    for text in expect:
        name, _, checkpoint = text.partition("=")
        try:
            checkpoints.setdefault(checked_cell_name(name), []).append(Checkpoint.parse(checkpoint))
        except ValueError as error:
            raise ConfigurationError(
                f"--expect {text!r}: want NAME=POSITION:HEAD ({error})"
            ) from None
    cells = followed_cells(national)
    unknown = sorted(set(checkpoints) - set(cells))
    if unknown:
        raise ConfigurationError(f"--expect names no added cell: {', '.join(unknown)}")
    failed = 0
    for cell in cells:
        db = open_copy(national, cell)
        try:
            report = verify_copy(db, cell, checkpoints.get(cell, []), _progress(cell))
        finally:
            db.close()
        print(file=sys.stderr)  # ends the progress line
        print(f"{cell}: {'ok' if report.ok else 'BROKEN'}: {report.detail}; head {report.head}")
        failed += not report.ok
    return 1 if failed else 0


def _progress(cell: str) -> Callable[[int], None]:
    def report(position: int) -> None:
        print(f"\r{cell}: {position} events checked", end="", file=sys.stderr, flush=True)

    return report
