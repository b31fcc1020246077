"""The `casework` command line: one subcommand per task (`casework --help` lists them).

Commands that write record `cli:<command>` as their actor.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import replace

from casework.cli.audit import add_audit_commands, run_chain_command, run_verify
from casework.cli.cell import add_cell_commands, run_cell_command
from casework.cli.erase import add_erase_command, run_erase
from casework.cli.export import add_export_commands, run_export
from casework.cli.imports import add_import_commands, run_import
from casework.cli.national import add_national_commands, run_national_command
from casework.cli.progress import progress_printer
from casework.cli.projections import add_project_commands, run_project_command
from casework.cli.users import add_user_commands, run_user_command
from casework.settings import ConfigurationError, Settings
from casework.store.bootstrap import migrate_store
from casework.store.crypto import MasterKeyError
from casework.store.migrations import DatabaseNotMigrated


def _migrate(settings: Settings, _: argparse.Namespace) -> int:
    notes: list[str] = []
    applied = migrate_store(settings, report=notes, progress=progress_printer("families"))
    where = settings.migration_database
    target = where.sqlite_path or where.postgres_schema or "public schema"
    if applied:
        print(f"applied {len(applied)} migration(s) to {target}: {', '.join(applied)}")
    else:
        print(f"{target} is up to date")
    for note in notes:
        print(note)
    _end_erased_participations(settings)
    return 0


def _end_erased_participations(settings: Settings) -> None:
    """Families erased before erasure ended their UPPKA memberships and DASHAT enrolments."""
    from casework.commands.erasure_catch_up import end_erased_participations
    from casework.service import Casework

    owner = replace(settings, database_url=settings.migrate_database_url or settings.database_url)
    app = Casework(owner)
    try:
        closed = end_erased_participations(app)
    finally:
        app.close()
    if closed:
        print(f"ended the UPPKA memberships and DASHAT enrolments of {closed} erased family(ies)")


def _demo(settings: Settings, args: argparse.Namespace) -> int:
    from casework.cli.demo import DemoRefused, load_demo
    from casework.service import Casework

    app = Casework(settings)
    try:
        summary = load_demo(
            app,
            families=args.families,
            seed=args.seed,
            progress=progress_printer("families"),
        )
    except DemoRefused as refused:
        print(f"casework demo: {refused}", file=sys.stderr)
        return 1
    finally:
        app.close()
    for name, value in vars(summary).items():
        print(f"{name.replace('_', ' ')}: {value}")
    return 0


def _status(settings: Settings, _: argparse.Namespace) -> int:
    from casework.service import Casework

    app = Casework(settings)
    try:
        with app.db.transaction() as tx:
            tx.execute("SELECT topic, count(*) FROM stored_events GROUP BY topic ORDER BY topic")
            counts = tx.fetchall()
        print(f"head position: {app.event_recorder.max_notification_id() or 0}")
        for topic, count in counts:
            print(f"{count:>10}  {topic}")
    finally:
        app.close()
    return 0


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    from casework.http.serve import serve

    serve(settings, host=args.host, port=args.port, projections=not args.no_projections)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="casework",
        description="Event-sourced case files for family-welfare programmes. "
        "Configure with CASEWORK_DATABASE_URL (default sqlite:///casework.db).",
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("migrate", help="apply schema migrations and create the master key")
    demo = commands.add_parser("demo", help="load a realistic Kota Kupang sample (empty store)")
    demo.add_argument("--families", type=int, default=300)
    demo.add_argument("--seed", type=int, default=2025)
    commands.add_parser("status", help="print the head position and events per type")
    serve = commands.add_parser("serve", help="run the HTTP API (see API.md)")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--no-projections",
        action="store_true",
        help="do not run the read models in this process (run `casework project run`)",
    )
    add_user_commands(commands)
    add_project_commands(commands)
    add_audit_commands(commands)
    add_export_commands(commands)
    add_erase_command(commands)
    add_cell_commands(commands)
    add_import_commands(commands)
    add_national_commands(commands)
    return parser


HANDLERS = {
    "migrate": _migrate,
    "demo": _demo,
    "status": _status,
    "serve": _serve,
    "user": run_user_command,
    "project": run_project_command,
    "verify": run_verify,
    "chain": run_chain_command,
    "export": run_export,
    "erase": run_erase,
    "cell": run_cell_command,
    "import": run_import,
    "national": run_national_command,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return HANDLERS[args.command](settings, args)
    except (DatabaseNotMigrated, MasterKeyError, ConfigurationError) as error:
        print(f"casework {args.command}: {error}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        # The reader stopped reading (`casework export … | head`): that is its choice, not
        # an error to report. Python would try again to flush stdout at exit and print a
        # traceback; pointing stdout at /dev/null first leaves nothing to flush.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 141  # as a shell reports a command ended by SIGPIPE (128 + 13)


if __name__ == "__main__":
    sys.exit(main())
