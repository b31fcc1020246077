"""The `snapshots` table behind the library's AggregateRecorder interface.

A snapshot is derived data: writing one for an (aggregate, version) that already has one
replaces it, and rows may be deleted at will (loads then replay more events).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

from eventsourcing.persistence import AggregateRecorder, StoredEvent

from casework.store.database import Database, uuid_from_row
from casework.store.recorder import VersionedTable, select_versions

_SNAPSHOT_VERSIONS = VersionedTable("snapshots", "aggregate_id", "version")

_NOW = {
    "postgresql": "now()",
    "sqlite": "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')",
}


class SnapshotRecorder(AggregateRecorder):
    def __init__(self, db: Database) -> None:
        self.db = db
        self._upsert = (
            "INSERT INTO snapshots (aggregate_id, version, topic, state) VALUES (%s, %s, %s, %s) "
            "ON CONFLICT (aggregate_id, version) DO UPDATE SET topic = excluded.topic, "
            f"state = excluded.state, created_at = {_NOW[db.location.backend]}"
        )

    def insert_events(self, stored_events: Sequence[StoredEvent], **_: Any) -> None:
        rows = [
            (uuid_from_row(s.originator_id), s.originator_version, s.topic, s.state)
            for s in stored_events
        ]
        if rows:
            with self.db.transaction() as tx:
                tx.executemany(self._upsert, rows)

    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]:
        return select_versions(
            self.db, _SNAPSHOT_VERSIONS, originator_id, gt=gt, lte=lte, desc=desc, limit=limit
        )

    def listing(self) -> list[tuple[UUID, int]]:
        """Every (aggregate id, version) that has a snapshot, grouped by aggregate."""
        with self.db.transaction() as tx:
            tx.execute("SELECT aggregate_id, version FROM snapshots ORDER BY aggregate_id, version")
            return [(uuid_from_row(row[0]), row[1]) for row in tx.fetchall()]

    def delete(self, aggregate_id: UUID) -> int:
        """Drop an aggregate's snapshots (e.g. on erasure); returns how many there were."""
        with self.db.transaction() as tx:
            tx.execute("DELETE FROM snapshots WHERE aggregate_id = %s", (aggregate_id,))
            deleted: int = tx.rowcount
        return deleted
