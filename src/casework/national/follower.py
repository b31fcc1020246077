"""`casework national run`: every cell's copy followed into the national read models.

Per cell, each round checks the chain over what has arrived, then runs the cell's own read
models (the funding ledger behind reconciliation, the audit trail) over the checked events,
with the cell's own projection runner: each (read model, cell) keeps its position in the
cell's read-model schema, advanced in the same transaction as the rows it wrote, and a batch
stops at the first position not yet checked. Woken by the copies' trigger (LISTEN
`casework_national`), with a short poll as the backstop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import cast

import psycopg
import structlog

from casework.application import CaseworkStore
from casework.national.chain_follow import GAP_WAIT_SECONDS, follow_chain
from casework.national.copies import CopySource, open_copy
from casework.national.verify import verify_copy
from casework.projections.audit_trail import AuditTrailProjection
from casework.projections.base import Projection
from casework.projections.funding_ledger import FundingLedgerProjection
from casework.projections.runner import ProjectionRunner
from casework.settings import DatabaseLocation
from casework.store.database import PostgresDatabase

log = structlog.get_logger("casework.national")
POLL_SECONDS = 0.5
# Each whole copy is verified at least this often (and when `national run` starts, if its
# last verification is older).
VERIFY_EVERY = timedelta(days=1)


def national_read_models() -> list[Projection]:
    """The cell read models kept nationally: neither reads personal data."""
    return [FundingLedgerProjection(), AuditTrailProjection()]


class CellFollower:
    def __init__(self, national: DatabaseLocation, cell: str, added_at: datetime) -> None:
        self.cell = cell
        # A cell resynced is added again: its follower (whose read models may keep state
        # between batches) is then made anew rather than carried over to the new copy.
        self.added_at = added_at
        self.db: PostgresDatabase = open_copy(national, cell)
        # The runner reads from `store.db`; a copy is read the way a store is (CopySource).
        self.runner = ProjectionRunner(
            cast(CaseworkStore, CopySource.of(self.db)), national_read_models(), target=self.db
        )
        self.last_verified: datetime | None = None

    def round(self, gap_wait: float = GAP_WAIT_SECONDS) -> int:
        """Check the chain, then bring every read model up to it; events applied."""
        state = follow_chain(self.db, self.cell, gap_wait=gap_wait)
        applied = 0
        for projection in self.runner.projections:
            applied += self.runner.catch_up(projection, until=state.position)
        return applied

    def verify_if_due(self) -> None:
        now = datetime.now(UTC)
        if self.last_verified is not None and now - self.last_verified < VERIFY_EVERY:
            return
        with self.db.single_read() as tx:
            tx.execute(
                "SELECT max(verified_at) FROM national.verifications WHERE cell = %s", (self.cell,)
            )
            row = tx.fetchone()
        last = row[0] if row else None
        if last is None or now - last >= VERIFY_EVERY:
            verify_copy(self.db, self.cell)
            last = now
        self.last_verified = last

    def close(self) -> None:
        self.db.close()


def followed_cells(national: DatabaseLocation) -> list[str]:
    return list(_cells_added(national))


def _cells_added(national: DatabaseLocation) -> dict[str, datetime]:
    """Every added cell (removed ones too: their copies are kept), and when it was added."""
    with psycopg.connect(national.postgres_conninfo, autocommit=True) as conn:
        rows = conn.execute("SELECT name, added_at FROM national.cells ORDER BY name").fetchall()
    return {str(name): added_at for name, added_at in rows}


def run_national(
    national: DatabaseLocation,
    stop: threading.Event,
    *,
    poll_seconds: float = POLL_SECONDS,
    gap_wait: float = GAP_WAIT_SECONDS,
    on_round: Callable[[int], None] | None = None,
) -> None:
    """Follow every added cell until `stop` is set."""
    wake = threading.Event()
    listener = threading.Thread(
        target=_listen, args=(national, stop, wake), name="national-listen", daemon=True
    )
    listener.start()
    followers: dict[str, CellFollower] = {}
    try:
        while not stop.is_set():
            wake.clear()
            applied = 0
            try:
                cells = _cells_added(national)
            except psycopg.Error as error:
                log.error("national database unreachable", error_type=type(error).__name__)
                stop.wait(poll_seconds)
                continue
            for cell, follower in list(followers.items()):
                if cells.get(cell) != follower.added_at:  # resynced meanwhile
                    followers.pop(cell).close()
            for cell, added_at in cells.items():
                if cell not in followers:
                    followers[cell] = CellFollower(national, cell, added_at)
                follower = followers[cell]
                try:
                    follower.verify_if_due()
                    applied += follower.round(gap_wait)
                except Exception as error:  # a lost database or a bug: say so, retry later
                    log.error(
                        "national round failed",
                        cell=cell,
                        error_type=type(error).__name__,
                        error=str(error)[:200],
                    )
            if on_round is not None:
                on_round(applied)
            if not applied:
                wake.wait(poll_seconds)
    finally:
        for follower in followers.values():
            follower.close()
        listener.join(timeout=5)


def _listen(national: DatabaseLocation, stop: threading.Event, wake: threading.Event) -> None:
    while not stop.is_set():
        try:
            with psycopg.connect(national.postgres_conninfo, autocommit=True) as conn:
                conn.execute("LISTEN casework_national")
                while not stop.is_set():
                    for _ in conn.notifies(timeout=POLL_SECONDS, stop_after=1):
                        wake.set()
        except psycopg.Error as error:
            log.warning("national listen connection lost", error_type=type(error).__name__)
            stop.wait(POLL_SECONDS)
