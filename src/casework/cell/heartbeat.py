"""The cell's heartbeat: one row with the head position, head hash and the time, published.

The national side bounds an `as_of` by each cell's last heartbeat and measures its lag against
it, so the row is refreshed every `INTERVAL` seconds (well within the 5 s the interface
promises) while the cell's server or projection runner runs. One UPDATE a beat, its values
read from the store by the statement itself: no lock on the events, no extra round trip.
"""

from __future__ import annotations

import threading

import structlog

from casework.application import CaseworkStore
from casework.cell.config import CellConfig
from casework.store.database import Database

INTERVAL = 2.0
log = structlog.get_logger("casework.cell")

# The head as the statement itself reads it (the primary key's last entry, twice).
_HEAD_POSITION = "coalesce((SELECT max(position) FROM stored_events), 0)"
_HEAD_HASH = "coalesce((SELECT chain_hash FROM stored_events ORDER BY position DESC LIMIT 1), %s)"


def beat(db: Database, name: str, genesis: bytes) -> None:
    """Refresh the heartbeat row (an empty store's head is position 0 with the genesis)."""
    postgres = db.location.is_postgres
    now = "now()" if postgres else "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    # SQLite: take the write lock at BEGIN, so the beat queues behind a writer instead of
    # failing to upgrade a read lock.
    with db.transaction(insert_lock=not postgres) as tx:
        tx.execute(
            f"UPDATE cell_heartbeat SET head_position = {_HEAD_POSITION}, "
            f"head_hash = {_HEAD_HASH}, beat_at = {now} WHERE name = %s",
            (genesis, name),
        )
        if tx.rowcount == 0:
            tx.execute(
                "INSERT INTO cell_heartbeat (name, head_position, head_hash, beat_at) "
                f"SELECT %s, {_HEAD_POSITION}, {_HEAD_HASH}, {now}",
                (name, genesis),
            )


class Heartbeat:
    """A daemon thread beating until `close`; a failed beat (the database away) is logged and
    tried again at the next one."""

    def __init__(
        self, db: Database, cell: CellConfig, genesis: bytes, *, interval: float = INTERVAL
    ) -> None:
        self._db, self._cell, self._genesis, self._interval = db, cell, genesis, interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="casework-heartbeat", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def _run(self) -> None:
        while True:
            try:
                beat(self._db, self._cell.name, self._genesis)
            except Exception as error:  # the database may be restarting: beat again later
                log.warning("cell heartbeat failed", error_type=type(error).__name__)
            if self._stop.wait(self._interval):
                return


def start_heartbeat(store: CaseworkStore) -> Heartbeat | None:
    """The running heartbeat of a cell's process; None when the deployment is not a cell."""
    if store.cell is None:
        return None
    heartbeat = Heartbeat(store.db, store.cell, store.genesis)
    heartbeat.start()
    return heartbeat
