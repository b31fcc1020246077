"""Which instant and which position a read model's answer reflects, asked `as_of` or not.

A read model that has processed up to position P knows every event up to P. Without `as_of`
its answer is as of P, stamped with P's `recorded_at`. With `as_of=T` (every event recorded at
or before T) it answers as of the last position recorded by T, if P's instant is later than T
(so no event recorded by T can still be missing); otherwise it cannot speak for the whole of T
and answers as of P, saying so with P's own instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from casework.store.database import Database
from casework.store.recorder import as_datetime, stored_instant


@dataclass(frozen=True)
class Reflected:
    as_of: datetime | None  # None: nothing processed yet
    position: int


def reflected(db: Database, processed: int, as_of: datetime | None) -> Reflected:
    """What an answer reflects, for a read model at position `processed`."""
    if processed == 0:
        return Reflected(None, 0)
    postgres = db.location.is_postgres
    with db.transaction() as tx:
        asked = None if as_of is None else stored_instant(as_of, postgres=postgres)
        tx.execute(
            "SELECT recorded_at, recorded_at <= %s FROM stored_events WHERE position = %s",
            (asked, processed),
        )
        row = tx.fetchone()
        if row is None:  # cannot happen: processed events are stored
            return Reflected(None, 0)
        last_instant, covered = as_datetime(row[0]).astimezone(UTC), row[1]
        if as_of is None or covered:
            return Reflected(last_instant, processed)
        # Positions follow recorded_at, so the last one recorded by T is found by the index.
        tx.execute(
            "SELECT position FROM stored_events WHERE recorded_at <= %s "
            "ORDER BY recorded_at DESC, position DESC LIMIT 1",
            (asked,),
        )
        before = tx.fetchone()
    return Reflected(as_of.astimezone(UTC), 0 if before is None else int(before[0]))
