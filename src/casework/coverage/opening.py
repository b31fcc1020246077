"""Opening a period: its verdicts computed over the whole scope of each target in force for
it, the first time the period is needed, and kept from then on.

It runs in a transaction holding the coverage projection's position lock, like a projection
batch, so the verdicts are computed from the timelines exactly as far as that position and no
batch changes them meanwhile.
"""

from __future__ import annotations

from casework.coverage.projection import NAME
from casework.coverage.verdicts import Verdicts
from casework.projections import tracking
from casework.store.database import Database


def open_periods(db: Database, program: str, period: str) -> int:
    """Open `period` of every target of `program` in force for it; how many were opened."""
    postgres = db.location.is_postgres
    if not _unopened(db, program, period):
        return 0
    opened = 0
    with db.transaction(insert_lock=not postgres) as tx:
        position = tracking.lock_position(tx, NAME, postgres=postgres)
        verdicts = Verdicts(tx, postgres, position)
        for target in verdicts.targets(program):
            if target.terms_for(period) is None:
                continue
            if period in verdicts.opened_periods(target.id):
                continue  # opened meanwhile by another reader
            verdicts.open_period(target, period)
            opened += 1
        verdicts.count_figures()
    return opened


def _unopened(db: Database, program: str, period: str) -> bool:
    """Whether a target of the programme in force for the period has not opened it (read
    without a lock: almost always the answer is no)."""
    with db.single_read() as tx:
        verdicts = Verdicts(tx, db.location.is_postgres, 0)
        return any(
            target.terms_for(period) is not None
            and period not in verdicts.opened_periods(target.id)
            for target in verdicts.targets(program)
        )
