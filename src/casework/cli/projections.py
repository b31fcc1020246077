"""`casework project run|rebuild|status`: the read models outside the API process.

`run` follows the store until stopped (SIGTERM or Ctrl-C finish the batch in hand: each batch
commits its writes and its position together, so stopping anywhere loses nothing and counts
nothing twice). `rebuild` empties one read model and replays it from position zero.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable
from types import FrameType

from casework.cell.heartbeat import start_heartbeat
from casework.cli.progress import progress_printer
from casework.projections import tracking
from casework.projections.following import BackgroundProjections
from casework.projections.registry import all_projections, by_name, projection_names
from casework.projections.runner import ProjectionRunner
from casework.runtime.gc_policy import freeze_startup
from casework.runtime.logging_setup import configure_logging
from casework.service import Casework
from casework.settings import Settings


def add_project_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    project = commands.add_parser("project", help="run, rebuild or inspect the read models")
    actions = project.add_subparsers(dest="project_command", required=True)
    run = actions.add_parser("run", help="keep read models up to date until stopped")
    run.add_argument("names", nargs="*", metavar="NAME", help="default: all")
    rebuild = actions.add_parser("rebuild", help="replay one read model from position zero")
    rebuild.add_argument("name", metavar="NAME")
    actions.add_parser("status", help="print each read model's position, the head and the lag")


def run_project_command(settings: Settings, args: argparse.Namespace) -> int:
    handlers: dict[str, Callable[[Casework, argparse.Namespace], int]] = {
        "run": _run,
        "rebuild": _rebuild,
        "status": _status,
    }
    names = [args.name] if args.project_command == "rebuild" else getattr(args, "names", [])
    unknown = [name for name in names if name not in projection_names()]
    if unknown:
        known = ", ".join(projection_names())
        print(f"casework project: unknown {', '.join(unknown)} (known: {known})", file=sys.stderr)
        return 2
    casework = Casework(settings)
    try:
        return handlers[args.project_command](casework, args)
    finally:
        casework.close()


def _run(casework: Casework, args: argparse.Namespace) -> int:
    configure_logging()  # a long-running process: JSON lines for the collector
    chosen = [by_name(name) for name in args.names] or all_projections()
    background = BackgroundProjections(casework, chosen)
    stopped = threading.Event()

    def stop(_signal: int, _frame: FrameType | None) -> None:
        stopped.set()

    for stop_signal in (signal.SIGTERM, signal.SIGINT):
        signal.signal(stop_signal, stop)
    print(f"following the store for {', '.join(p.name for p in chosen)}", file=sys.stderr)
    freeze_startup()
    background.start()
    heartbeat = start_heartbeat(casework)  # a cell's runner beats too (a server may not run)
    stopped.wait()
    if heartbeat is not None:
        heartbeat.close()
    background.close()
    return 0


def _rebuild(casework: Casework, args: argparse.Namespace) -> int:
    projection = by_name(args.name)
    runner = ProjectionRunner(casework, [projection])
    applied = runner.rebuild(projection, progress=progress_printer(projection.name))
    print(f"{projection.name}: rebuilt from {applied} events", file=sys.stderr)
    return 0


_STATES = {
    "not-started": "not started yet",
    "current": "up to date",
    "behind": "behind",
}


def _status(casework: Casework, _: argparse.Namespace) -> int:
    print(f"{'projection':<24}{'position':>12}{'head':>12}{'lag':>12}  state")
    found = tracking.statuses(casework.db, projection_names())
    for status in found:
        print(
            f"{status.name:<24}{status.position:>12}{status.head_position:>12}"
            f"{status.lag:>12}  {_STATES[status.state]}"
        )
    if any(not status.started for status in found):
        print(
            "not started yet: no runner has processed that read model; `casework serve` runs "
            "them all, or `casework project run` beside `casework serve --no-projections`",
            file=sys.stderr,
        )
    return 0
