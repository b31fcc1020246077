"""What the national API reads through: its own users, and each cell's copy, opened once.

Every answer says what it reflects per cell (`positions`), and a client that saw a cell's
position N can ask for it (`min_positions=cell:N,…`): the answer waits (at most 5 s, as a
cell's `min_position` does) until that cell's read model has reached it, else 503.
"""

from __future__ import annotations

import threading

from litestar.exceptions import ServiceUnavailableException

from casework.errors import FieldProblem, ValidationFailed
from casework.national.copies import open_copy
from casework.national.follower import followed_cells
from casework.national.naming import NATIONAL_SCHEMA
from casework.projections import tracking
from casework.projections.waiting import wait_for_position
from casework.settings import DatabaseLocation
from casework.store.database import PostgresDatabase

RETRY_AFTER_SECONDS = 1


class NationalService:
    def __init__(self, national: DatabaseLocation) -> None:
        self.location = national
        own = DatabaseLocation(
            backend="postgresql",
            postgres_conninfo=national.postgres_conninfo,
            postgres_schema=NATIONAL_SCHEMA,
        )
        self.db = PostgresDatabase(own, max_connections=8)
        self._copies: dict[str, PostgresDatabase] = {}
        self._lock = threading.Lock()

    def copies(self, only: str | None = None) -> dict[str, PostgresDatabase]:
        """Every added cell's copy (or the one asked for), by name."""
        cells = followed_cells(self.location)
        if only is not None:
            if only not in cells:
                raise ValidationFailed([FieldProblem("cell", f"no cell named {only} is added")])
            cells = [only]
        with self._lock:
            for cell in cells:
                if cell not in self._copies:
                    self._copies[cell] = open_copy(self.location, cell)
            return {cell: self._copies[cell] for cell in cells}

    def positions(
        self,
        copies: dict[str, PostgresDatabase],
        read_model: str,
        wanted: dict[str, int],
    ) -> dict[str, int]:
        """Each cell's read-model position, once it has reached what the client asked."""
        unknown = sorted(set(wanted) - set(copies))
        if unknown:
            raise ValidationFailed(
                [FieldProblem("min_positions", f"no cell named {', '.join(unknown)} is added")]
            )
        for cell, position in wanted.items():
            if not wait_for_position(copies[cell], read_model, position):
                raise ServiceUnavailableException(
                    f"cell {cell}'s {read_model} has not reached position {position} yet",
                    headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
                )
        return {cell: tracking.positions(db).get(read_model, 0) for cell, db in copies.items()}

    def close(self) -> None:
        with self._lock:
            for db in self._copies.values():
                db.close()
            self._copies.clear()
        self.db.close()


def parse_min_positions(text: str | None) -> dict[str, int]:
    """`cell:N,cell:N` as the client sends it; 422 naming the field otherwise."""
    if not text:
        return {}
    wanted: dict[str, int] = {}
    for part in text.split(","):
        cell, _, position = part.strip().partition(":")
        if not cell or not position.isdigit() or len(position) > 18:
            raise ValidationFailed(
                [FieldProblem("min_positions", "must be cell:position pairs, as p53:120,p64:7")]
            )
        wanted[cell] = int(position)
    return wanted
