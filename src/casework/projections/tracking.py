"""Each projection's position, read and advanced inside the batch transaction that uses it."""

from __future__ import annotations

from dataclasses import dataclass

from casework.store.database import Database, Transaction


@dataclass(frozen=True)
class ProjectionStatus:
    name: str
    position: int
    head_position: int
    # False until a runner (`casework serve` or `casework project run`) first took it up: its
    # lag is then the whole store, and says nothing about a runner falling behind.
    started: bool = True

    @property
    def lag(self) -> int:
        return max(self.head_position - self.position, 0)

    @property
    def state(self) -> str:
        """`not-started`, `current` or `behind`."""
        if not self.started:
            return "not-started"
        return "current" if self.lag == 0 else "behind"


def lock_position(tx: Transaction, name: str, *, postgres: bool) -> int:
    """The projection's position, locked until the transaction ends (one runner at a time).

    On SQLite the batch transaction already holds the database's write lock (BEGIN IMMEDIATE).
    """
    tx.execute(
        "INSERT INTO projection_tracking (name, position) VALUES (%s, 0) "
        "ON CONFLICT (name) DO NOTHING",
        (name,),
    )
    tx.execute(
        "SELECT position FROM projection_tracking WHERE name = %s"
        + (" FOR UPDATE" if postgres else ""),
        (name,),
    )
    row = tx.fetchone()
    return int(row[0]) if row else 0


def advance(tx: Transaction, name: str, position: int) -> None:
    tx.execute(
        "UPDATE projection_tracking SET position = %s, updated_at = CURRENT_TIMESTAMP "
        "WHERE name = %s",
        (position, name),
    )


def positions(db: Database) -> dict[str, int]:
    with db.single_read() as tx:
        tx.execute("SELECT name, position FROM projection_tracking")
        return {str(name): int(position) for name, position in tx.fetchall()}


def head_position(db: Database) -> int:
    with db.single_read() as tx:
        tx.execute("SELECT coalesce(max(position), 0) FROM stored_events")
        row = tx.fetchone()
    return int(row[0]) if row else 0


def statuses(db: Database, names: list[str]) -> list[ProjectionStatus]:
    head = head_position(db)
    known = positions(db)
    return [ProjectionStatus(name, known.get(name, 0), head, name in known) for name in names]
