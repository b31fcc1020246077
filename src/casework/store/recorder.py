"""The event recorder: the library's ApplicationRecorder over our own, migrated schema.

Every insert runs under the insert lock and, in that one transaction: reads the last position
and chain hash, applies unique claims, destroys the family keys an erasure names, and inserts
the events with dense positions, their chain hashes and a `recorded_at` the database sets
(never below the previous event's). One transaction may carry the writes of several commands
(`insert_writes`, a commit group): the lock is then taken once for all of them. Because the
lock serialises writers, commit order equals position order and a reader that has seen
position N has seen everything below it.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import psycopg
from eventsourcing.persistence import (
    ApplicationRecorder,
    IntegrityError,
    Notification,
    StoredEvent,
    Subscription,
)

from casework.store import chain
from casework.store.claims import Claim, ClaimChanges, ClaimTaken
from casework.store.database import (
    Database,
    InsertTransaction,
    Row,
    Transaction,
    as_columns,
    unnest_insert,
    uuid_from_row,
)
from casework.store.digest_rows import NO_DIGESTS, DigestChanges, apply_digests
from casework.store.family_keys import (
    KeyAlreadyStored,
    destroy_keys,
    is_key_collision,
    store_keys,
)
from casework.store.kept_responses import PendingRequest, keep_with_events
from casework.store.record_cache import EventRecord, EventRecordCache

_LAST_EVENT = (
    "SELECT position, chain_hash, recorded_at FROM stored_events ORDER BY position DESC LIMIT 1"
)
_BEGIN_INSERT = "SELECT last_position, last_hash, last_recorded_at FROM casework_begin_insert(%s)"
_COLUMNS = "position, originator_id, originator_version, topic, state"
_EVENT_COLUMNS = (
    ("position", "bigint"),
    ("originator_id", "uuid"),
    ("originator_version", "bigint"),
    ("topic", "text"),
    ("state", "bytea"),
    ("chain_hash", "bytea"),
)
_CLAIM_COLUMNS = (("scope", "text"), ("claim_key", "text"), ("owner_id", "uuid"))
# Where and when each inserted event was stored, read back for the record cache.
_RECORD = "originator_id, originator_version, position, recorded_at"


@dataclass(frozen=True)
class Write:
    """What one command saves: its events, the claims they take or release, the family keys an
    erasure destroys or new families' wrapped keys stored with their first events (a
    registration's, a bulk import's), and the Idempotency-Key request whose answer is kept
    with them."""

    stored_events: Sequence[StoredEvent]
    claims: ClaimChanges = field(default_factory=ClaimChanges)
    destroyed_keys: Sequence[UUID] = ()
    request: PendingRequest | None = None
    new_keys: Sequence[tuple[UUID, bytes]] = ()
    # The matching digests these events insert or delete (casework.cell.digests).
    digests: DigestChanges = NO_DIGESTS


class EventRecorder(ApplicationRecorder):
    def __init__(self, db: Database, *, genesis: bytes = chain.GENESIS) -> None:
        self.db = db
        # h_0 of the store's chain (casework.cell.identity): the first event chains from it.
        self.genesis = genesis
        # Called after every committed insert (projection runners in this process wake up).
        self.listeners: list[Callable[[], None]] = []
        self.records = EventRecordCache()
        self.is_postgres = db.location.is_postgres
        # recorded_at: the clock while the lock is held, never below the last event's.
        if self.is_postgres:
            # All of a transaction's events in one statement over arrays; the clock is read
            # per row, in position order.
            clock = ("recorded_at", "GREATEST(clock_timestamp(), %b::timestamptz)")
            self._insert_sql = (
                unnest_insert("stored_events", _EVENT_COLUMNS, (clock,)) + f" RETURNING {_RECORD}"
            )
        else:
            recorded_at = "max(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), coalesce(%s, ''))"
            self._insert_sql = (
                f"INSERT INTO stored_events ({_COLUMNS}, chain_hash, recorded_at) "
                f"VALUES (%s, %s, %s, %s, %s, %s, {recorded_at})"
            )

    # -- writing -----------------------------------------------------------------------------

    def insert_events(
        self,
        stored_events: Sequence[StoredEvent],
        *,
        claims: ClaimChanges | None = None,
        destroyed_keys: Sequence[UUID] = (),
        new_keys: Sequence[tuple[UUID, bytes]] = (),
        digests: DigestChanges = NO_DIGESTS,
        answer: PendingRequest | None = None,
        **_: Any,
    ) -> Sequence[int] | None:
        """`destroyed_keys`: families whose data key goes with these events (an erasure), so
        the erasure event, its released claims and the key's destruction commit together;
        `new_keys`: the wrapped keys of the families these events register; `answer`: the
        request's answer to keep with these events (under an Idempotency-Key)."""
        if not stored_events:
            return []
        write = Write(
            stored_events, claims or ClaimChanges(), destroyed_keys, answer, new_keys, digests
        )
        return self.insert_writes([write])[0]

    def insert_writes(self, writes: Sequence[Write]) -> list[list[int]]:
        """Several commands' writes in one transaction, in order, under one insert lock (group
        commit); returns each write's positions. Any failure rolls back all of them."""
        total = sum(len(write.stored_events) for write in writes)
        if total == 0:
            return [[] for _ in writes]
        try:
            # PostgreSQL takes the lock in casework_begin_insert(), with the first read.
            with self.db.transaction(
                insert_lock=not self.is_postgres, pipelined=self.is_postgres
            ) as tx:
                positions, records = self._insert_locked(tx, writes, total)
        except (sqlite3.IntegrityError, psycopg.errors.UniqueViolation) as error:
            if is_key_collision(error):
                raise KeyAlreadyStored("a new family's id already has a data key") from error
            if not _is_version_conflict(error):
                raise
            # The (aggregate, version) pair is taken: another command won the race.
            raise IntegrityError(error) from error
        # Committed: the answers about these aggregates need not read their records back.
        self.records.extend(
            (uuid_from_row(row[0]), EventRecord(row[1], row[2], as_datetime(row[3])))
            for row in sorted(records(), key=lambda row: int(row[2]))  # in position order
        )
        for listener in self.listeners:
            listener()  # committed: wake whoever follows the store in this process
        return positions

    def _insert_locked(
        self, tx: InsertTransaction, writes: Sequence[Write], total: int
    ) -> tuple[list[list[int]], Callable[[], list[Row]]]:
        """The writes' positions, and their events' records to read once committed."""
        if self.is_postgres:
            # Lock, last event and the NOTIFY of the new head, in one round trip (migration
            # 0010); the row is all NULL while the store is empty.
            tx.execute(_BEGIN_INSERT, (total,))
            last = tx.fetchone()
            if last is not None and last[0] is None:
                last = None
        else:
            tx.execute(_LAST_EVENT)
            last = tx.fetchone()
        position, previous_hash, last_recorded_at = (
            (0, self.genesis, None) if last is None else last
        )
        rows, positions = _chained(writes, position, bytes(previous_hash))
        # On PostgreSQL the statements below are pipelined: sent together, answered in one
        # round trip when the claims' rowcount is asked for, the insert lock held meanwhile.
        releasing = any(write.claims.release or write.destroyed_keys for write in writes)
        for write in writes if releasing else ():
            # Each write's releases before its takes, in order (an erasure, a move).
            self._release(tx, write.claims)
            destroy_keys(tx, write.destroyed_keys, postgres=self.is_postgres)
            self._take(tx, write.claims.take)
        store_keys(tx, [key for write in writes for key in write.new_keys])
        if self.is_postgres:
            records = tx.execute_later(
                self._insert_sql, [last_recorded_at, *as_columns(rows, len(_EVENT_COLUMNS))]
            )
        else:
            tx.executemany(self._insert_sql, [(*row, last_recorded_at) for row in rows])
            records = tx.execute_later(
                f"SELECT {_RECORD} FROM stored_events WHERE position > %s", (position,)
            )
        if not releasing:
            self._take(tx, [claim for write in writes for claim in write.claims.take])
        if any(not write.digests.empty for write in writes):
            apply_digests(tx, [write.digests for write in writes], postgres=self.is_postgres)
        for write, written in zip(writes, positions, strict=True):
            request = write.request
            if request is not None and request.resource_kind is not None and written:
                # The answer to an Idempotency-Key commits with the events it reports, or not
                # at all.
                keep_with_events(tx, request, write.stored_events, written[-1])
        return positions, records

    @staticmethod
    def _release(tx: Transaction, claims: ClaimChanges) -> None:
        for release in claims.release:
            tx.execute(
                "DELETE FROM unique_claims WHERE scope = %s AND claim_key = %s AND owner_id = %s",
                (release.scope, release.key, release.owner_id),
            )

    @staticmethod
    def _take(tx: Transaction, claims: Sequence[Claim]) -> None:
        """Take the claims in one statement; raises ClaimTaken if another owner holds one."""
        if not claims:
            return
        tx.insert_rows(
            "unique_claims",
            _CLAIM_COLUMNS,
            [(claim.scope, claim.key, claim.owner_id) for claim in claims],
            tail="ON CONFLICT (scope, claim_key) DO NOTHING",
        )
        if tx.rowcount == len(claims):
            return  # every claim was free
        # Some were held already: each must be held by its own owner (a repeated command).
        for claim in claims:
            tx.execute(
                "SELECT owner_id FROM unique_claims WHERE scope = %s AND claim_key = %s",
                (claim.scope, claim.key),
            )
            holder = tx.fetchone()
            if holder is None or uuid_from_row(holder[0]) != claim.owner_id:
                raise ClaimTaken(claim)

    # -- reading -----------------------------------------------------------------------------

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
            self.db, _EVENT_VERSIONS, originator_id, gt=gt, lte=lte, desc=desc, limit=limit
        )

    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]:
        sql = f"SELECT {_COLUMNS} FROM stored_events WHERE 1 = 1"
        params: list[Any] = []
        if start is not None:
            sql += " AND position >= %s" if inclusive_of_start else " AND position > %s"
            params.append(start)
        if stop is not None:
            sql += " AND position <= %s"
            params.append(stop)
        if topics:
            sql += f" AND topic IN ({', '.join(['%s'] * len(topics))})"
            params.extend(topics)
        sql += " ORDER BY position LIMIT %s"
        params.append(limit)
        with self.db.transaction() as tx:
            tx.execute(sql, params)
            rows = tx.fetchall()
        return [
            Notification(
                id=row[0],
                originator_id=uuid_from_row(row[1]),
                originator_version=row[2],
                topic=row[3],
                state=bytes(row[4]),
            )
            for row in rows
        ]

    def max_notification_id(self) -> int | None:
        with self.db.single_read() as tx:
            tx.execute("SELECT max(position) FROM stored_events")
            row = tx.fetchone()
        return None if row is None else row[0]

    def subscribe(
        self, gt: int | None = None, topics: Sequence[str] = ()
    ) -> Subscription[ApplicationRecorder]:
        raise NotImplementedError("projections follow the store through casework.projections")

    # -- casework's own queries --------------------------------------------------------------

    def event_records(
        self, originator_id: UUID, *, through: int | None = None
    ) -> list[EventRecord]:
        """The aggregate's records in version order: all of them, or with `through` those
        up to that version (kept ones when the cache holds them all)."""
        if through is not None:
            kept = self.records.through(originator_id, through)
            if kept is not None:
                return kept
        with self.db.single_read() as tx:
            tx.execute(
                "SELECT originator_version, position, recorded_at FROM stored_events "
                "WHERE originator_id = %s ORDER BY originator_version",
                (originator_id,),
            )
            rows = tx.fetchall()
        records = [EventRecord(row[0], row[1], as_datetime(row[2])) for row in rows]
        self.records.replace(originator_id, records)
        if through is not None:
            return [record for record in records if record.version <= through]
        return records

    def position_of(self, originator_id: UUID, version: int) -> int:
        """Where one version of an aggregate was stored (one row, however long its history)."""
        with self.db.single_read() as tx:
            tx.execute(
                "SELECT position FROM stored_events "
                "WHERE originator_id = %s AND originator_version = %s",
                (originator_id, version),
            )
            row = tx.fetchone()
        if row is None:
            raise LookupError(f"no version {version} of {originator_id}")
        return int(row[0])

    def version_as_of(self, originator_id: UUID, instant: datetime) -> int | None:
        """The aggregate's last version recorded at or before `instant` (None: not yet)."""
        with self.db.single_read() as tx:
            tx.execute(
                "SELECT max(originator_version) FROM stored_events "
                "WHERE originator_id = %s AND recorded_at <= %s",
                (originator_id, self._instant_param(instant)),
            )
            row = tx.fetchone()
        return None if row is None else row[0]

    def _instant_param(self, instant: datetime) -> Any:
        return stored_instant(instant, postgres=self.is_postgres)


def stored_instant(instant: datetime, *, postgres: bool) -> Any:
    """An instant in the shape `recorded_at` is stored in, for comparisons in SQL."""
    if instant.tzinfo is None:
        raise ValueError("instants must carry a UTC offset")
    if postgres:
        return instant
    # SQLite keeps milliseconds as text; compare in the same shape.
    utc = instant.astimezone(UTC)
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


@dataclass(frozen=True)
class VersionedTable:
    """Where a table keeps an aggregate's rows by version (events, snapshots)."""

    table: str
    id_column: str
    version_column: str


_EVENT_VERSIONS = VersionedTable("stored_events", "originator_id", "originator_version")


def select_versions(
    db: Database,
    where: VersionedTable,
    originator_id: UUID | str,
    *,
    gt: int | None = None,
    lte: int | None = None,
    desc: bool = False,
    limit: int | None = None,
) -> list[StoredEvent]:
    """One aggregate's rows in version order, as the library's recorders are asked for them."""
    sql = (
        f"SELECT {where.id_column}, {where.version_column}, topic, state FROM {where.table} "
        f"WHERE {where.id_column} = %s"
    )
    params: list[Any] = [uuid_from_row(originator_id)]
    if gt is not None:
        sql += f" AND {where.version_column} > %s"
        params.append(gt)
    if lte is not None:
        sql += f" AND {where.version_column} <= %s"
        params.append(lte)
    sql += f" ORDER BY {where.version_column}" + (" DESC" if desc else "")
    if limit is not None:
        sql += " LIMIT %s"
        params.append(limit)
    with db.single_read() as tx:
        tx.execute(sql, params)
        rows = tx.fetchall()
    return [
        StoredEvent(
            originator_id=uuid_from_row(row[0]),
            originator_version=row[1],
            topic=row[2],
            state=bytes(row[3]),
        )
        for row in rows
    ]


def _chained(
    writes: Sequence[Write], position: int, previous_hash: bytes
) -> tuple[list[tuple[Any, ...]], list[list[int]]]:
    """The writes' events as rows after `position`, each with its chain hash; and each
    write's positions."""
    rows: list[tuple[Any, ...]] = []
    positions: list[list[int]] = []
    for write in writes:
        written: list[int] = []
        for event in write.stored_events:
            position += 1
            originator_id = uuid_from_row(event.originator_id)
            previous_hash = chain.next_hash(
                previous_hash,
                position,
                originator_id,
                event.originator_version,
                event.topic,
                event.state,
            )
            rows.append(
                (
                    position,
                    originator_id,
                    event.originator_version,
                    event.topic,
                    event.state,
                    previous_hash,
                )
            )
            written.append(position)
        positions.append(written)
    return rows, positions


def _is_version_conflict(error: Exception) -> bool:
    """Only a taken (aggregate, version) pair means "lost the race"; anything else is a fault."""
    if isinstance(error, psycopg.errors.UniqueViolation):
        return error.diag.constraint_name == "stored_events_aggregate_version"
    return "stored_events.originator_id, stored_events.originator_version" in str(error)


def as_datetime(value: Any) -> datetime:
    """A stored `recorded_at`: a datetime from PostgreSQL, ISO-8601 text from SQLite."""
    if isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))
