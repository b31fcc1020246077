"""Where and when each event of an aggregate was stored, kept per aggregate after a write.

Every answer about a family shows the positions and recording times of its events, and read
them back with a query of its own: a fifth of the database transactions of a command. They
never change once committed (history is never rewritten), so the recorder keeps those of the
events it has just inserted, and those it was asked for, per aggregate. A list is used only
when it holds every version from 1 up to the one asked for, so events another process stored
are read from the database all the same.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

# Aggregates whose records are kept; a few MB at most (tens of records each).
CACHED_AGGREGATES = 4096


@dataclass(frozen=True)
class EventRecord:
    """Where and when one event of an aggregate was stored."""

    version: int
    position: int
    recorded_at: datetime


class EventRecordCache:
    def __init__(self, size: int = CACHED_AGGREGATES) -> None:
        self._size = size
        self._lock = threading.Lock()
        self._records: OrderedDict[UUID, list[EventRecord]] = OrderedDict()

    def through(self, aggregate_id: UUID, version: int) -> list[EventRecord] | None:
        """Versions 1..`version` of the aggregate, if all of them are kept."""
        with self._lock:
            records = self._records.get(aggregate_id)
            if records is None or len(records) < version:
                return None
            self._records.move_to_end(aggregate_id)
            return records[:version]

    def kept_version(self, aggregate_id: UUID) -> int:
        """The aggregate's last version kept here (0: none kept): a version this process
        knows was committed."""
        with self._lock:
            records = self._records.get(aggregate_id)
            return 0 if records is None else len(records)

    def replace(self, aggregate_id: UUID, records: Sequence[EventRecord]) -> None:
        """All of an aggregate's records, as just read from the store."""
        if not _from_the_first(records):
            return
        with self._lock:
            self._keep(aggregate_id, list(records))

    def extend(self, inserted: Iterable[tuple[UUID, EventRecord]]) -> None:
        """Records of events just committed: each is kept where it follows the aggregate's
        last kept version (or is its first), dropped otherwise (a gap: read back later)."""
        with self._lock:
            for aggregate_id, record in inserted:
                records = self._records.get(aggregate_id)
                if record.version == 1:
                    self._keep(aggregate_id, [record])
                elif records is not None and len(records) == record.version - 1:
                    records.append(record)

    def _keep(self, aggregate_id: UUID, records: list[EventRecord]) -> None:
        self._records[aggregate_id] = records
        self._records.move_to_end(aggregate_id)
        while len(self._records) > self._size:
            self._records.popitem(last=False)


def _from_the_first(records: Sequence[EventRecord]) -> bool:
    return all(record.version == number for number, record in enumerate(records, start=1))
