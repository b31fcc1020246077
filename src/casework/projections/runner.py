"""The projection runner: catch up in batches, then follow new events as they are stored.

A batch reads and decodes the next events outside any write (decoding may look up family
keys), then, in one transaction, locks the projection's position, applies the events that
follow it without a gap, and advances the position. Two runners of one projection therefore
take turns on the lock and the second skips what the first applied; an event that commits late
is never passed over, because a batch stops at the first missing position and the next batch
starts there. (With the insert lock, commit order is position order, so a gap is a moment.)

Events are always read (and decoded, with the store's family keys) from the store; the read
models and their positions are written to `target`, which is the store's own database unless
another is given (`casework verify --projections` rebuilds into a scratch one, `until` the
position the live read model had reached).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any

import structlog
from eventsourcing.utils import resolve_topic

from casework.application import CaseworkStore
from casework.projections import tracking
from casework.projections.base import BatchCompletion, BatchPreparation, Projection, StoredFact
from casework.projections.batch_writes import BatchWrites
from casework.projections.switching import switching_often
from casework.runtime.gc_policy import collecting_rarely
from casework.store.database import Database, Row, Transaction, uuid_from_row
from casework.store.mapper import EventMapper
from casework.store.recorder import as_datetime

log = structlog.get_logger("casework.projections")

# Events a batch takes at most. On PostgreSQL a larger batch spreads a batch's fixed cost (the
# position lock, a statement per table, the commit, the read-ahead hand-over) over more events:
# rebuilds of 5.25M events ran 10-14% faster at 4,000 than at 1,000 (8,000 gained little
# more). On SQLite a batch holds the store's only write lock, so it stays short there.
POSTGRES_BATCH_SIZE = 4000
SQLITE_BATCH_SIZE = 1000
# Stands for the event of a position the projection does not handle: never decoded, never applied.
PASSED_OVER = object()
Progress = Callable[[int, int], None]


class ProjectionRunner:
    def __init__(
        self,
        store: CaseworkStore,
        projections: Sequence[Projection],
        *,
        batch_size: int | None = None,
        target: Database | None = None,
    ) -> None:
        self.store = store
        self.projections = list(projections)
        self.target: Database = store.db if target is None else target
        self.postgres = self.target.location.is_postgres
        if batch_size is None:
            batch_size = POSTGRES_BATCH_SIZE if self.postgres else SQLITE_BATCH_SIZE
        self.batch_size = batch_size
        assert isinstance(store.mapper, EventMapper), "the store decodes with casework's mapper"
        self.mapper: EventMapper = store.mapper

    # -- one projection ----------------------------------------------------------------------

    def run_batch(self, projection: Projection, *, until: int | None = None) -> int:
        """Apply the next batch (up to `until`, if given); the number of events applied.

        0 means caught up (or waiting for an event to commit).
        """
        facts = self._read(self._position(projection), until, projection)
        return self._apply(projection, facts)[0] if facts else 0

    def _apply(self, projection: Projection, facts: list[StoredFact]) -> tuple[int, int]:
        """Apply what of `facts` follows the projection's position: how many events, and
        the position after them."""
        # SQLite has one writer at a time: the batch takes the write lock like an insert does.
        with self.target.transaction(insert_lock=not self.postgres, pipelined=True) as tx:
            position = tracking.lock_position(tx, projection.name, postgres=self.postgres)
            batch = _following(facts, position)
            writes = BatchWrites(tx, postgres=self.postgres)
            _apply_batch(projection, writes, batch)
            writes.flush()
            if batch:
                position = batch[-1].position
                tracking.advance(tx, projection.name, position)
        return len(batch), position

    def catch_up(
        self,
        projection: Projection,
        progress: Progress | None = None,
        *,
        until: int | None = None,
        start: int | None = None,
    ) -> int:
        """Apply batches until none is left (`start`: the projection's position, if the
        caller has just read it).

        On PostgreSQL, while a full batch is written, the next is read (and decoded) in a
        thread, on the guess that this one applies whole; where it does not (a gap, another
        runner), the guess is dropped and the batch read again. (Not on SQLite: a thread
        there holds a connection of its own for as long as the store is open.) A projection
        that `applies_ahead` has the next batch applied meanwhile too (`_catch_up_ahead`).
        """
        if start is None:
            start = self._position(projection)
        facts = self._read(start, until, projection)
        total = 0
        if self.postgres and getattr(projection, "applies_ahead", False) and self._backlog(facts):
            total = self._catch_up_ahead(projection, start, facts, progress, until)
            start = self._position(projection)
            facts = self._read(start, until, projection)
        return total + self._catch_up_in_turns(projection, facts, progress, until)

    def _position(self, projection: Projection) -> int:
        """The projection's position as last committed (0 before its first batch)."""
        return tracking.positions(self.target).get(projection.name, 0)

    def _backlog(self, facts: list[StoredFact]) -> bool:
        """Whether to read the next batch while this one is written: a full one, on PostgreSQL."""
        return self.store.db.location.is_postgres and len(facts) == self.batch_size

    def _catch_up_in_turns(
        self,
        projection: Projection,
        facts: list[StoredFact],
        progress: Progress | None,
        until: int | None,
    ) -> int:
        """Each batch applied and written in one transaction, then the next."""
        total = 0
        with ExitStack() as stack:
            reader: ThreadPoolExecutor | None = None
            while facts:
                guess, ahead = facts[-1].position, None
                if self._backlog(facts):
                    reader = reader or stack.enter_context(ThreadPoolExecutor(1))
                    ahead = reader.submit(self._read, guess, until, projection)
                applied, start = self._apply(projection, facts)
                if not applied:
                    break
                total += applied
                self._report(progress, start, until)
                if applied == len(facts) < self.batch_size:
                    # The read reached the head and all of it applied. What commits after it
                    # is for the next call (the follower is woken for it).
                    break
                if ahead is not None and start == guess:
                    facts = ahead.result()
                else:
                    facts = self._read(start, until, projection)
        return total

    def _catch_up_ahead(
        self,
        projection: Projection,
        start: int,
        facts: list[StoredFact],
        progress: Progress | None,
        until: int | None,
    ) -> int:
        """Apply each batch while the one before it is written: this thread applies batch n
        (Python) while a writer thread sends batch n-1 and waits for the database to write
        and commit it, and a reader reads batch n+1. In turns, a batch's apply and its writes
        took turns, and the ledger's rebuild took longer than its Python and its database's
        work each.

        A batch is written only once the one before it has committed, and only if the
        position is still where that one left it; if it is not (another runner took the
        position meanwhile), the run stops and what it applied beyond is dropped: the rest
        is applied in turns, from wherever the position is. Meanwhile the GIL changes hands
        more often (`switching_often`), so that the writer and the reader, woken by the
        database, send their next statement sooner."""
        total, pending, run = 0, 0, object()
        written: Future[bool] | None = None
        with switching_often(), ThreadPoolExecutor(1) as reader, ThreadPoolExecutor(1) as writer:
            while True:
                guess = facts[-1].position if facts else start
                ahead = None
                if self._backlog(facts):
                    ahead = reader.submit(self._read, guess, until, projection)
                batch = _following(facts, start)
                writes = None
                if batch:
                    writes = BatchWrites.ahead(
                        postgres=True, run=run, read_committed=self._read_committed
                    )
                    _apply_batch(projection, writes, batch)
                if written is not None:
                    if not written.result():
                        return total
                    total += pending
                    self._report(progress, start, until)
                if writes is None:
                    return total
                end = batch[-1].position
                written = writer.submit(self._write_ahead, projection, writes, start, end)
                pending, start = len(batch), end
                if ahead is not None and guess == end:
                    facts = ahead.result()
                else:
                    facts = self._read(start, until, projection)

    def _write_ahead(
        self, projection: Projection, writes: BatchWrites, start: int, end: int
    ) -> bool:
        """Write a batch applied ahead, if the position is still `start`; whether it was."""
        with self.target.transaction(pipelined=True) as tx:
            if tracking.lock_position(tx, projection.name, postgres=True) != start:
                return False
            writes.send(tx)
            tracking.advance(tx, projection.name, end)
        return True

    def _read_committed(self, sql: str, params: Sequence[Any]) -> list[Row]:
        with self.target.single_read() as tx:
            tx.execute(sql, params)
            rows: list[Row] = tx.fetchall()
        return rows

    def _report(self, progress: Progress | None, position: int, until: int | None) -> None:
        if progress is not None:
            head = tracking.head_position(self.store.db) if until is None else until
            progress(position, head)

    def rebuild(self, projection: Projection, progress: Progress | None = None) -> int:
        """Empty the projection's tables and replay it from position zero.

        On PostgreSQL the tables are truncated: a DELETE leaves every old row behind as a
        dead tuple until a vacuum, and a rebuild over them was seen here to run a quarter
        slower each time (autovacuum is off on some servers, and lags on all of them). A role
        that may not truncate them (the production service role is granted DML only) deletes.

        The cycle collector runs rarely meanwhile: a rebuild makes and drops millions of
        events and rows, almost none of them cyclic, and with the default thresholds a 5.25M
        event rebuild spent a quarter of its Python CPU (81 s against 59 s) in collections."""
        with collecting_rarely():
            return self._rebuild(projection, progress)

    def _rebuild(self, projection: Projection, progress: Progress | None) -> int:
        with self.target.transaction(insert_lock=not self.postgres) as tx:
            tracking.lock_position(tx, projection.name, postgres=self.postgres)
            if self.postgres and _may_truncate(tx, projection.tables):
                tx.execute(f"TRUNCATE {', '.join(projection.tables)}")
            else:
                for table in projection.tables:
                    tx.execute(f"DELETE FROM {table}")
            tracking.advance(tx, projection.name, 0)
        return self.catch_up(projection, progress)

    # -- all of them, for as long as the process runs -----------------------------------------

    def follow(self, stop: threading.Event, wake: threading.Event, poll_seconds: float) -> None:
        """Catch every projection up, then sleep until woken (or the poll comes round)."""
        while not stop.is_set():
            wake.clear()
            try:
                # Every projection's position in one read, not one read each.
                positions = tracking.positions(self.target)
            except Exception as error:  # a lost database: say so, retry later
                log.error("projection positions unread", error_type=type(error).__name__)
                stop.wait(poll_seconds)
                continue
            for projection in self.projections:
                try:
                    self.catch_up(projection, start=positions.get(projection.name, 0))
                except Exception as error:  # a bug or a lost database: say so, retry later
                    log.error(
                        "projection failed",
                        projection=projection.name,
                        error_type=type(error).__name__,
                        error=str(error)[:200],
                    )
                    stop.wait(poll_seconds)
            wake.wait(poll_seconds)

    def _read(self, after: int, until: int | None, projection: Projection) -> list[StoredFact]:
        """The next batch of events, decoded where the projection handles them (every
        position is returned all the same: the batch must see gaps to wait at them), their
        personal fields opened only for a projection that reads them."""
        sql = (
            "SELECT position, originator_id, originator_version, topic, state, recorded_at "
            "FROM stored_events WHERE position > %s"
        )
        params: list[object] = [after]
        if until is not None:
            sql += " AND position <= %s"
            params.append(until)
        with self.store.db.single_read(binary=True) as tx:
            tx.execute(sql + " ORDER BY position LIMIT %s", (*params, self.batch_size))
            rows = tx.fetchall()
        handles, personal = projection.handles, projection.reads_personal_data
        classes = [resolve_topic(row[3]) for row in rows]
        wanted = [handles is None or cls in handles for cls in classes]
        if personal:
            # One query for the keys of the batch's events that carry sealed personal fields
            # (family events), not one per event; other aggregates have no key to look up.
            self.store.keys.preload(
                [
                    uuid_from_row(row[1])
                    for row, cls, want in zip(rows, classes, wanted, strict=True)
                    if want and getattr(cls, "PERSONAL_FIELDS", None)
                ]
            )
        facts = []
        decode = self.mapper.decode
        for cls, want, row in zip(classes, wanted, rows, strict=True):
            position, originator_id, version, topic, state, recorded_at = row
            aggregate_id = uuid_from_row(originator_id)
            event = (
                decode(cls, aggregate_id, version, topic, bytes(state), with_personal=personal)
                if want
                else PASSED_OVER
            )
            instant = as_datetime(recorded_at)
            facts.append(
                StoredFact(
                    position,
                    instant,
                    aggregate_id,
                    version,
                    topic,
                    event,
                    recorded_at,
                    keyed_hash=self.store.master_key.lookup_hmac,
                )
            )
        return facts


def _apply_batch(projection: Projection, writes: BatchWrites, batch: list[StoredFact]) -> None:
    handled = [fact for fact in batch if fact.event is not PASSED_OVER]
    prepare: BatchPreparation | None = getattr(projection, "prepare_batch", None)
    if prepare is not None and handled:
        prepare(writes, handled)
    for fact in handled:
        projection.apply(writes, fact)
    finish: BatchCompletion | None = getattr(projection, "finish_batch", None)
    if finish is not None and handled:
        finish(writes)


def _may_truncate(tx: Transaction, tables: Sequence[str]) -> bool:
    """Whether the connected role may TRUNCATE every one of `tables` (PostgreSQL)."""
    tx.execute(
        "SELECT bool_and(has_table_privilege(name, 'TRUNCATE')) FROM unnest(%s::text[]) AS name",
        (list(tables),),
    )
    row = tx.fetchone()
    return bool(row and row[0])


def _following(facts: list[StoredFact], position: int) -> list[StoredFact]:
    """The facts that follow `position` without a gap: those another runner applied meanwhile
    are left out, and the batch ends before an event that has not committed yet (the next
    batch waits for it)."""
    batch = []
    for fact in facts:
        if fact.position <= position:
            continue
        if fact.position != position + 1:
            break
        batch.append(fact)
        position = fact.position
    return batch
