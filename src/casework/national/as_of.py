"""What a national answer reflects of one cell: a position, and the instant it is complete to.

A cell's copy is known complete up to its last replicated heartbeat's time once the head the
heartbeat named has been processed (every event recorded by then is in), else up to the time
of the last event processed. An `as_of` later than that is answered as of it, and the answer
says so for that cell (`as_of_by_cell`); an earlier one is answered exactly, as of the last
event recorded by it, as the cell itself answers it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from casework.projections.reflected import Reflected
from casework.store.database import Database


def cell_reflected(db: Database, processed: int, as_of: datetime | None) -> Reflected:
    """For a read model of the cell's copy at position `processed`."""
    with db.transaction() as tx:
        tx.execute(
            "SELECT (SELECT recorded_at FROM stored_events WHERE position = %s), "
            "(SELECT beat_at FROM cell_heartbeat WHERE head_position <= %s)",
            (processed, processed),
        )
        row = tx.fetchone()
        last_at, beat_at = (row[0], row[1]) if row else (None, None)
        known = [instant for instant in (last_at, beat_at) if instant is not None]
        if not known:
            return Reflected(None, 0)
        complete_to = max(known).astimezone(UTC)
        if as_of is None or as_of >= complete_to:
            return Reflected(complete_to, processed)
        # Positions follow recorded_at: the last one recorded by `as_of`, by the index.
        tx.execute(
            "SELECT position FROM stored_events WHERE recorded_at <= %s AND position <= %s "
            "ORDER BY recorded_at DESC, position DESC LIMIT 1",
            (as_of, processed),
        )
        before = tx.fetchone()
    return Reflected(as_of.astimezone(UTC), 0 if before is None else int(before[0]))
