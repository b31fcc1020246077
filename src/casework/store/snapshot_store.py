"""Snapshots in the library's snapshot store, over our own `snapshots` table and mapper.

Why the library's store: its Repository already loads "latest snapshot at or below the version
asked for, then only the events after it", on both paths that need it — a miss of the aggregate
cache in `load`, and every `load_at(version=/as_of=)` — so the application only has to supply
the store. Why our own recorder and mapper under it: the library's would go through its factory
(POPO here, in memory) and its JSON transcoder; ours writes the migrated table with an upsert
(a snapshot is derived data, replaceable), encodes typed state with msgspec, and seals a
family's personal part under the family key exactly as its events are (bound to aggregate,
version and the topic "snapshot"), so destroying the key makes old snapshots unreadable too.

A snapshot that cannot be read (altered bytes, a state shape from an older release) is skipped
with a warning and the aggregate is replayed from its events instead: never a wrong answer from
a broken snapshot that fails to decode. One that decodes but lies is what `check_snapshots`
(casework verify) finds.
"""

from __future__ import annotations

import binascii
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

import msgspec
import structlog
from cryptography.exceptions import InvalidTag
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import EventStore, Mapper, StoredEvent

from casework.aggregates.base import AggregateState, CaseworkAggregate
from casework.aggregates.family_state import FamilyPersonal
from casework.store.family_keys import FamilyKeys
from casework.store.mapper import NoTranscoder, open_personal, seal_personal
from casework.store.snapshot_state import (
    KIND_BY_TOPIC,
    KIND_BY_TYPE,
    restore,
    state_of,
)

SEAL_TOPIC = "snapshot"
S = TypeVar("S", bound=AggregateState)
log = structlog.get_logger("casework.snapshots")


class SnapshotUnreadable(ValueError):
    """A stored snapshot does not decode (or its sealed part does not open)."""


class SnapshotRefused(RuntimeError):
    """Personal data would have to be stored unsealed (its family's key is gone): not taken."""


@dataclass(frozen=True)
class AggregateSnapshot:
    """An aggregate's state at one version; `mutate` gives the aggregate back."""

    originator_id: UUID
    originator_version: int
    timestamp: datetime
    topic: str  # the aggregate's topic
    state: AggregateState

    @classmethod
    def take(cls, aggregate: CaseworkAggregate) -> AggregateSnapshot:
        kind = KIND_BY_TYPE[type(aggregate)]
        return cls(
            aggregate.id, aggregate.version, datetime.now(UTC), kind.topic, state_of(aggregate)
        )

    def mutate(self, _: Any) -> Any:
        kind = KIND_BY_TOPIC[self.topic]
        return restore(kind, self.originator_id, self.originator_version, self.state)


class Envelope(msgspec.Struct, Generic[S]):
    """What the `state` column holds: the clear state and, for a family, its sealed part."""

    state: S
    sealed: str | None = None


class SnapshotMapper(Mapper[UUID]):
    def __init__(self, keys: FamilyKeys) -> None:
        super().__init__(transcoder=NoTranscoder())
        self.keys = keys
        self._encoder = msgspec.json.Encoder()
        self._decoders = {
            topic: msgspec.json.Decoder(Envelope[kind.state])  # type: ignore[name-defined]
            for topic, kind in KIND_BY_TOPIC.items()
        }
        self._personal = msgspec.json.Decoder(FamilyPersonal)

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        assert isinstance(domain_event, AggregateSnapshot)
        snapshot = domain_event
        kind = KIND_BY_TOPIC[snapshot.topic]
        envelope: Envelope[Any] = Envelope(snapshot.state)
        if kind.split is not None:
            clear, personal = kind.split(snapshot.state)
            envelope = Envelope(clear, self._seal(snapshot, personal))
        return StoredEvent(
            originator_id=snapshot.originator_id,
            originator_version=snapshot.originator_version,
            topic=snapshot.topic,
            state=self._encoder.encode(envelope),
        )

    def _seal(self, snapshot: AggregateSnapshot, personal: FamilyPersonal) -> str | None:
        key = self.keys.key_for(snapshot.originator_id, create=False)
        if key is None:
            if not personal.is_empty():
                raise SnapshotRefused(f"no key for {snapshot.originator_id}: not taken")
            return None  # erased: nothing personal left to seal
        secret = self._encoder.encode(personal)
        version = snapshot.originator_version
        return seal_personal(key, secret, snapshot.originator_id, version, SEAL_TOPIC)

    def to_domain_event(self, stored_event: StoredEvent) -> DomainEventProtocol[UUID]:
        originator_id = UUID(str(stored_event.originator_id))
        version = stored_event.originator_version
        try:
            kind = KIND_BY_TOPIC[stored_event.topic]
            envelope = self._decoders[stored_event.topic].decode(stored_event.state)
            state: AggregateState = envelope.state
            if kind.merge is not None and envelope.sealed is not None:
                key = self.keys.key_for(originator_id, create=False)
                if key is not None:  # else erased: the clear part already reads None
                    secret = open_personal(key, envelope.sealed, originator_id, version, SEAL_TOPIC)
                    state = kind.merge(state, self._personal.decode(secret))
        except (KeyError, msgspec.MsgspecError, InvalidTag, binascii.Error) as error:
            raise SnapshotUnreadable(f"{type(error).__name__}: {error}") from error
        timestamp = state.modified_on
        return AggregateSnapshot(originator_id, version, timestamp, stored_event.topic, state)

    def holds_personal_in_clear(self, stored_event: StoredEvent) -> bool:
        """Whether personal data sits outside the sealed part (it never should)."""
        kind = KIND_BY_TOPIC[stored_event.topic]
        if kind.split is None:
            return False
        envelope = self._decoders[stored_event.topic].decode(stored_event.state)
        return not kind.split(envelope.state)[1].is_empty()


class SnapshotStore(EventStore[UUID]):
    """The library's store; reading skips a snapshot that does not decode (replay instead)."""

    def get(
        self,
        originator_id: UUID,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Any:
        stored = self.recorder.select_events(originator_id, gt=gt, lte=lte, desc=desc, limit=limit)
        snapshots = []
        for row in stored:
            try:
                snapshots.append(self.mapper.to_domain_event(row))
            except SnapshotUnreadable as error:
                log.warning(
                    "snapshot-unreadable", aggregate_id=str(originator_id), error=str(error)
                )
                return []  # replay from the first event: slower, never wrong
        return snapshots

    def put_quietly(self, aggregates: Sequence[CaseworkAggregate]) -> None:
        """Snapshot the aggregates as they are; a failure is logged, never raised (the events
        are committed already, and a missing snapshot only means a longer replay)."""
        for aggregate in aggregates:
            try:
                self.put([AggregateSnapshot.take(aggregate)])
            except Exception as error:  # whatever it is, the command has succeeded
                log.warning(
                    "snapshot-not-taken",
                    aggregate_id=str(aggregate.id),
                    version=aggregate.version,
                    error=type(error).__name__,
                )


def due_for_snapshot(
    aggregates: dict[UUID, Any], events: Sequence[DomainEventProtocol[UUID]], interval: int
) -> list[CaseworkAggregate]:
    """The saved aggregates that just reached a multiple of `interval` events."""
    crossed = {e.originator_id for e in events if e.originator_version % interval == 0}
    return [
        aggregate
        for aggregate_id, aggregate in aggregates.items()
        if aggregate_id in crossed and type(aggregate) in KIND_BY_TYPE
    ]
