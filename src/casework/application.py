"""The Casework application: the one write API, and the queries on single aggregates.

Every command loads what it needs, lets the aggregates decide, and saves all touched aggregates
in one transaction with the unique claims they take or release. Losing a race on an aggregate
version is retried on fresh state (bounded) unless the client pinned the version, in which case
the fresh state shows the pin is stale and the command answers StaleVersion.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Application,
    ProcessingEvent,
    ProjectorFunction,
)
from eventsourcing.persistence import (
    EventStore,
    InfrastructureFactory,
    IntegrityError,
    Mapper,
    Notification,
    Recording,
)
from eventsourcing.popo import POPOFactory
from eventsourcing.utils import Environment

from casework.aggregates.base import CaseworkAggregate, Cause
from casework.cell.digests import check_matching_key, digest_changes, load_matching_key
from casework.cell.identity import check_cell
from casework.errors import Conflict, FieldProblem, NotFound, StaleVersion
from casework.settings import Settings
from casework.store.aggregate_locks import AggregateLocks, Turn
from casework.store.claims import ClaimChanges, ClaimTaken
from casework.store.commit_groups import CommitGroups, DecideAgain
from casework.store.crypto import MasterKey, load_master_key
from casework.store.database import Database, open_database
from casework.store.digest_rows import DigestChanges
from casework.store.family_keys import FamilyKeys
from casework.store.kept_responses import PendingRequest
from casework.store.mapper import EventMapper
from casework.store.migrations import DatabaseNotMigrated, require_migrated
from casework.store.record_cache import EventRecord
from casework.store.recorder import EventRecorder, Write
from casework.store.snapshot_recorder import SnapshotRecorder
from casework.store.snapshot_state import copy_of
from casework.store.snapshot_store import (
    AggregateSnapshot,
    SnapshotMapper,
    SnapshotStore,
    due_for_snapshot,
)

A = TypeVar("A", bound=CaseworkAggregate)
AGGREGATE_CACHE_SIZE = 2000
T = TypeVar("T")

# The answer when a claim is already held: which conflict the client sees.
CLAIM_CONFLICTS = {
    "kk": ("duplicate-kk", "an active family already has this KK number"),
    "delivery": ("duplicate-delivery", "this delivery_id is already used"),
    "funding-source-code": ("duplicate-code", "a funding source already has this code"),
    "uppka-group-code": ("duplicate-code", "an UPPKA group already has this code"),
    # Another write on the programme's targets came first: the command decides again.
    "programme-targets": ("programme-targets-moved", "another target change came first"),
}


def replay(aggregate: Any, events: Iterable[Any]) -> Any:
    """Apply events in turn (the library's default also runs a slow runtime Protocol check)."""
    for event in events:
        aggregate = event.mutate(aggregate)
    return aggregate


@dataclass
class Attempt:
    """One run of a command's decisions while it holds its turn (see `retrying`)."""

    turn: Turn
    # Commit by itself, holding the turn until then (a group it was in has failed).
    alone: bool
    # The epoch of the oldest queued, uncommitted state it decided on (None: committed only).
    read_epoch: int | None = None


current_attempt: ContextVar[Attempt | None] = ContextVar("current_attempt", default=None)


@dataclass(frozen=True)
class Saved:
    """What a command reports: the aggregate it was about, its new version, the last position."""

    aggregate_id: UUID
    version: int
    position: int
    warnings: list[FieldProblem] = field(default_factory=list)
    # The command's own copy as it saved it (at `version`), to answer from without loading it
    # again; nothing else holds it, so nothing changes it after the save.
    aggregate: CaseworkAggregate | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(
        cls, aggregate: CaseworkAggregate, position: int, warnings: Sequence[FieldProblem] = ()
    ) -> Saved:
        return cls(aggregate.id, aggregate.version, position, list(warnings), aggregate)


class CaseworkStore(Application[UUID]):
    """The library Application wired to our recorder, mapper and family keys."""

    name = "casework"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        location = settings.database
        if location.sqlite_path is not None and not location.sqlite_path.exists():
            # Refuse before connecting: connecting would leave an empty file behind.
            raise DatabaseNotMigrated(
                f"{location.sqlite_path} does not exist; run `casework migrate` first"
            )
        self.db: Database = open_database(location)
        self.turns = AggregateLocks(enabled=settings.command_turns)
        self.groups: CommitGroups | None = None
        try:
            require_migrated(self.db)
            self.master_key: MasterKey = load_master_key(settings)
            self.keys = FamilyKeys(self.db, self.master_key)
            self.keys.check_master_key(record_if_absent=False)
            # The cell this process is configured as must be the store's (before anything is
            # written); its genesis starts the chain of an empty store.
            self.cell = settings.cell
            self.genesis = check_cell(self.db, self.cell)
            # Without CASEWORK_MATCHING_KEY no digest is written; with it, it must be the
            # key the store's digests were made with (`casework migrate` makes them).
            self.matching_key = load_matching_key(settings)
            check_matching_key(self.db, self.matching_key)
        except BaseException:
            self.db.close()
            raise
        # A bounded cache of aggregates, fast-forwarded from the store on every load: a busy
        # funding source is read as "cached state + its few new events", never replayed whole.
        # Below it, snapshots: a cache miss or a past version loads from the latest snapshot
        # at or below the version plus the events after it (casework.store.snapshot_store).
        snapshots = "y" if settings.snapshot_interval > 0 else "n"
        super().__init__(
            env={
                "AGGREGATE_CACHE_MAXSIZE": str(AGGREGATE_CACHE_SIZE),
                "IS_SNAPSHOTTING_ENABLED": snapshots,
            }
        )
        if settings.group_commit:
            self.groups = CommitGroups(self.event_recorder.insert_writes)

    def construct_factory(self, env: Environment) -> InfrastructureFactory[Any]:
        # Only the event store plumbing of the factory is used; persistence is ours.
        return POPOFactory(env)

    def construct_mapper(self) -> Mapper[UUID]:
        return EventMapper(self.keys)

    def construct_recorder(self) -> EventRecorder:
        return EventRecorder(self.db, genesis=self.genesis)

    def construct_snapshot_store(self) -> EventStore[UUID]:
        return SnapshotStore(SnapshotMapper(self.keys), SnapshotRecorder(self.db))

    @property
    def event_recorder(self) -> EventRecorder:
        assert isinstance(self.recorder, EventRecorder)
        return self.recorder

    def close(self) -> None:
        super().close()
        self.db.close()

    # -- loading -----------------------------------------------------------------------------

    def load(
        self,
        kind: type[A],
        aggregate_id: UUID,
        expected_version: int | None = None,
        cause: Cause | None = None,
    ) -> A:
        """The aggregate, current (a private copy); `cause`: the request's, whose preloaded
        aggregate (casework.aggregates.base.Preloaded) this load may take."""
        # Taken by the request's first load of the aggregate, whatever that load then reads.
        preloaded = None if cause is None or cause.preloaded is None else cause.preloaded
        handed_over = None if preloaded is None else preloaded.take(aggregate_id)
        cached = self._queued_state(aggregate_id)
        if cached is None:
            # This request loaded it a moment ago (a private copy), and no write of this
            # process is known to have committed since.
            if handed_over is not None and handed_over.version >= self._committed_version(
                aggregate_id
            ):
                return self._checked(kind, aggregate_id, handed_over, expected_version)
            try:
                # The cached aggregate itself (fast-forwarded, or from the latest snapshot and
                # the events after it on a miss), copied here: commands must not touch it.
                cached = self.repository.get(
                    aggregate_id, projector_func=replay, deepcopy_from_cache=False
                )
            except AggregateNotFoundError:
                raise NotFound(f"no {kind.__name__} {aggregate_id}") from None
        return self._checked(kind, aggregate_id, copy_of(cached), expected_version)

    def _committed_version(self, aggregate_id: UUID) -> int:
        """The aggregate's latest version this process has seen committed, as far as the
        recorder keeps its records (0: not known). A handed-over aggregate older than that
        would lose its version race for certain, and a lost race fails a whole commit group."""
        return self.event_recorder.records.kept_version(aggregate_id)

    def _checked(
        self,
        kind: type[A],
        aggregate_id: UUID,
        aggregate: CaseworkAggregate,
        expected_version: int | None,
    ) -> A:
        if not isinstance(aggregate, kind):
            raise NotFound(f"no {kind.__name__} {aggregate_id}")
        if expected_version is not None and aggregate.version != expected_version:
            raise StaleVersion(expected_version, aggregate.version)
        return aggregate

    def _queued_state(self, aggregate_id: UUID) -> CaseworkAggregate | None:
        """A command deciding in its turn sees the aggregate as a queued, not yet committed
        write leaves it (casework.store.commit_groups); nothing else ever does."""
        attempt = current_attempt.get()
        if attempt is None or self.groups is None or not self.turns.enabled:
            return None
        queued = self.groups.queued_state(aggregate_id)
        if queued is None:
            return None
        aggregate, epoch = queued
        if attempt.read_epoch is None:
            attempt.read_epoch = epoch
        elif epoch != attempt.read_epoch:
            raise DecideAgain()  # a group failed between two of its reads
        assert isinstance(aggregate, CaseworkAggregate)
        return aggregate

    def load_at(
        self,
        kind: type[A],
        aggregate_id: UUID,
        *,
        version: int | None = None,
        as_of: datetime | None = None,
    ) -> A:
        """The aggregate as it stood at a version or an instant (replayed from its events)."""
        if as_of is not None:
            at_instant = self.event_recorder.version_as_of(aggregate_id, as_of)
            if at_instant is None:
                raise NotFound(f"no {kind.__name__} {aggregate_id} at {as_of.isoformat()}")
            version = at_instant if version is None else min(version, at_instant)
        if version is not None and version < 1:
            raise NotFound(f"no {kind.__name__} {aggregate_id} at version {version}")
        try:
            aggregate: CaseworkAggregate = self.repository.get(
                aggregate_id, version=version, projector_func=replay
            )
        except AggregateNotFoundError:
            raise NotFound(f"no {kind.__name__} {aggregate_id}") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"no {kind.__name__} {aggregate_id}")
        return aggregate

    def event_records(self, aggregate_id: UUID, *, through: int | None = None) -> list[EventRecord]:
        return self.event_recorder.event_records(aggregate_id, through=through)

    # -- saving ------------------------------------------------------------------------------

    def save_all(
        self,
        *aggregates: CaseworkAggregate,
        claims: ClaimChanges | None = None,
        warnings: Sequence[FieldProblem] = (),
        destroyed_keys: Sequence[UUID] = (),
        new_keys: Sequence[tuple[UUID, bytes]] = (),
        cause: Cause | None = None,
    ) -> int:
        """Save in one transaction; returns the position of the last event written.

        `cause`: the request's, whose `answer` (under an Idempotency-Key) is kept in the same
        transaction. The warnings the command reports go with that answer;
        `destroyed_keys` names the families whose data key the same transaction destroys,
        `new_keys` the wrapped keys of new families (`FamilyKeys.new_key`) it stores.
        """
        pending = None if cause is None else cause.answer
        if pending is not None:
            pending.warnings = list(warnings)
        created = [
            a
            for a in aggregates
            if a.pending_events[:1] and a.pending_events[0].originator_version == 1
        ]
        claims = claims or ClaimChanges()
        # The matching digests go with the events and claims, decided on the same state.
        digests = digest_changes(
            self.matching_key, [(a, a.pending_events) for a in aggregates], claims
        )
        try:
            if self.groups is not None and self.turns.enabled:
                recordings = self._save_in_group(
                    self.groups,
                    aggregates,
                    claims,
                    tuple(destroyed_keys),
                    pending,
                    new_keys,
                    digests,
                )
            else:
                # Commands racing as separate processes do: each commits alone.
                recordings = self.save(
                    *aggregates,
                    claims=claims,
                    destroyed_keys=tuple(destroyed_keys),
                    new_keys=new_keys,
                    digests=digests,
                    answer=pending,
                )
        except ClaimTaken as taken:
            kind, detail = CLAIM_CONFLICTS[taken.claim.scope]
            raise Conflict(kind, detail) from None
        self._cache_created(created)
        return max(r.notification.id for r in recordings)

    def _cache_created(self, created: Sequence[CaseworkAggregate]) -> None:
        """New aggregates (a registered family, an opened source) go into the cache as their
        committed save left them, so the next command on one does not read its snapshot,
        events and key back. An existing aggregate is in the cache already: the command's
        load put it there (the library's save caches nothing while loads fast-forward)."""
        cache = self.repository.cache
        if cache is None:
            return
        for aggregate in created:
            # A copy: the command goes on reading its own (the answer it renders).
            cache.put(aggregate.id, copy_of(aggregate))

    def _save_in_group(
        self,
        groups: CommitGroups,
        aggregates: Sequence[CaseworkAggregate],
        claims: ClaimChanges | None,
        destroyed_keys: tuple[UUID, ...],
        pending: PendingRequest | None,
        new_keys: Sequence[tuple[UUID, bytes]],
        digests: DigestChanges,
    ) -> list[Recording[UUID]]:
        """The library's save, with the insert handed to a commit group: the command lets go
        of its turn once its write is queued and returns once the group has committed.

        Every save of a process goes through the queue, so none can overtake a queued write it
        decided on. An erasure commits in a transaction of its own and keeps its turn until
        then: nobody decides on a family whose key is being destroyed."""
        processing_event: ProcessingEvent[UUID] = ProcessingEvent()
        for aggregate in aggregates:
            # What `collect_events` does, without its runtime Protocol checks (about 50 µs
            # each, two per aggregate: a tenth of an import's time).
            processing_event.events.extend(aggregate.collect_events())
            processing_event.aggregates[aggregate.id] = aggregate
        events = processing_event.events
        stored = [self.mapper.to_stored_event(event) for event in events]
        attempt = current_attempt.get()
        positions = groups.commit(
            Write(stored, claims or ClaimChanges(), destroyed_keys, pending, new_keys, digests),
            processing_event.aggregates,
            read_epoch=None if attempt is None else attempt.read_epoch,
            alone=bool(destroyed_keys) or (attempt is not None and attempt.alone),
            when_queued=(lambda: None) if attempt is None else attempt.turn.release,
        )
        recordings = [
            Recording(
                event,
                Notification(
                    id=position,
                    originator_id=record.originator_id,
                    originator_version=record.originator_version,
                    topic=record.topic,
                    state=record.state,
                ),
            )
            for event, record, position in zip(events, stored, positions, strict=True)
        ]
        self._take_snapshots(processing_event)
        self._notify(recordings)
        return recordings

    # -- snapshots ---------------------------------------------------------------------------

    def _take_snapshots(self, processing_event: ProcessingEvent[UUID]) -> None:
        """After the events commit: snapshot each saved aggregate that reached a multiple of
        the interval, from its state in memory (the state those events produced)."""
        if isinstance(self.snapshots, SnapshotStore):
            due = due_for_snapshot(
                processing_event.aggregates,
                processing_event.events,
                self.settings.snapshot_interval,
            )
            self.snapshots.put_quietly(due)

    def take_snapshot(
        self,
        aggregate_id: UUID,
        version: int | None = None,
        projector_func: ProjectorFunction[Any, Any] = replay,
    ) -> None:
        """Snapshot an aggregate as stored, at its current or a given version (errors raise)."""
        if self.snapshots is None:
            raise RuntimeError("snapshots are off (snapshot_interval = 0)")
        aggregate = self.repository.get(
            aggregate_id, version=version, projector_func=projector_func
        )
        self.snapshots.put([AggregateSnapshot.take(aggregate)])

    def retrying(self, attempt: Callable[[], T], *, saving: Iterable[UUID]) -> T:
        """Run `attempt` again on fresh state while it loses version races, a bounded number.

        `saving` names the existing aggregates the attempt saves: commands of this process on
        them take turns (casework.store.aggregate_locks), so only another process can win a race.
        """
        retries = self.settings.command_retries
        turns = tuple(saving)
        alone = False
        for round_no in range(retries + 1):
            try:
                with self.turns.holding(turns) as turn:
                    token = current_attempt.set(Attempt(turn, alone))
                    try:
                        return attempt()
                    finally:
                        current_attempt.reset(token)
            except DecideAgain:
                # It decided on queued state that a failed group never committed: no race was
                # lost, so decide again at once, this time committing alone.
                alone = True
                continue
            except IntegrityError:
                if round_no == retries:
                    break
                # Jittered, growing pause so a crowd of losers does not collide again at once.
                time.sleep(random.uniform(0, 0.002 * min(round_no + 1, 20)))
        raise Conflict("concurrent-update", "too many concurrent changes; try again")
