"""`casework cell status`: the cell's name, areas, genesis, head, publication and heartbeat."""

from __future__ import annotations

import argparse
import sys

from casework.cell.status import cell_status
from casework.settings import Settings
from casework.store.database import open_database
from casework.store.migrations import require_migrated


def add_cell_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cell = commands.add_parser("cell", help="this deployment as a cell of a national one")
    actions = cell.add_subparsers(dest="cell_command", required=True)
    actions.add_parser("status", help="name, areas, genesis, head, publication and last heartbeat")


def run_cell_command(settings: Settings, _: argparse.Namespace) -> int:
    cell = settings.cell
    if cell is None:
        print(
            "casework cell: this deployment is not a cell (set CASEWORK_CELL and "
            "CASEWORK_CELL_AREAS, then run casework migrate)",
            file=sys.stderr,
        )
        return 2
    db = open_database(settings.database)
    try:
        require_migrated(db)
        status = cell_status(db, cell, settings)
    finally:
        db.close()
    for line in status.lines():
        print(line)
    return 0
