"""Consistency tokens: wait until a projection has processed a position the client saw."""

from __future__ import annotations

import time

from casework.projections import tracking
from casework.store.database import Database

WAIT_SECONDS = 5.0
_POLL_SECONDS = 0.02


def wait_for_position(
    db: Database, name: str, position: int, *, timeout: float = WAIT_SECONDS
) -> bool:
    """True once `name` has processed `position`; False when `timeout` passes first."""
    deadline = time.monotonic() + timeout
    while True:
        if tracking.positions(db).get(name, 0) >= position:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(_POLL_SECONDS)


def projected_position(db: Database, name: str) -> int:
    return tracking.positions(db).get(name, 0)
