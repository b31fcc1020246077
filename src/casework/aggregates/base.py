"""What every casework aggregate and event shares: who caused it and in which request."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self
from uuid import UUID

import msgspec
from eventsourcing.domain import AggregateCreated, AggregateEvent, BaseAggregate

# Imported at run time, not only for type checking: litestar reads Cause's fields when a
# handler takes one. (It imports nothing of the domain, so there is no cycle.)
from casework.store.kept_responses import PendingRequest


@dataclass(frozen=True)
class Cause:
    """Who asked for a change (a user's name or `cli:<command>`) and the request that carried it.

    An HTTP request's cause also carries, as parameters rather than through context variables:
    `answer`, where a request under an Idempotency-Key keeps its answer (the recorder writes it
    in the events' transaction), and `preloaded`, the aggregate the request loaded a moment ago
    to judge the caller's areas, which the command's first load of it takes instead of reading
    the store again.
    """

    actor: str
    request_id: str
    answer: PendingRequest | None = field(default=None, compare=False)
    preloaded: Preloaded | None = field(default=None, compare=False)


class Preloaded:
    """An aggregate a request has just loaded, for that request's first load of it to take.

    Why that is safe: it was read from the store after the request arrived, so it holds every
    version a client can have seen before sending it, and an `If-Match` pin is judged on it as
    on a fresh read. A write that lands in between makes the command's save lose its version
    race, which is retried on fresh state as any lost race is (or, with a pin, answers 412 as a
    fresh read then would). Only the first load takes it; a retry reads the store again.
    """

    def __init__(self, aggregate: CaseworkAggregate) -> None:
        self._aggregate: CaseworkAggregate | None = aggregate

    def take(self, aggregate_id: UUID) -> CaseworkAggregate | None:
        """The aggregate if it has this id and was not taken yet; None otherwise."""
        aggregate = self._aggregate
        if aggregate is None or aggregate.id != aggregate_id:
            return None
        self._aggregate = None
        return aggregate


class CaseworkAggregate(BaseAggregate[UUID]):
    """Based on BaseAggregate (not Aggregate) so every event class is ours, with a stable topic."""

    class Event(AggregateEvent):
        actor: str
        request_id: str

    @classmethod
    def _start(cls, event_class: type[Any], aggregate_id: UUID, cause: Cause, **facts: Any) -> Self:
        return cls._create(
            event_class,
            id=aggregate_id,
            actor=cause.actor,
            request_id=cause.request_id,
            **facts,
        )

    def _record(self, event_class: type[Any], cause: Cause, **facts: Any) -> None:
        self.trigger_event(event_class, actor=cause.actor, request_id=cause.request_id, **facts)


class Creation(CaseworkAggregate.Event, AggregateCreated):
    """Base of each aggregate's first event (kept outside the class so the library's metaclass
    does not derive an untopiced copy of it inside every aggregate)."""


class AggregateState(msgspec.Struct):
    """What a snapshot keeps of every aggregate; each aggregate's own state adds its fields,
    declared beside it (store/snapshot_state.py checks they match the aggregate exactly)."""

    created_on: datetime
    modified_on: datetime
