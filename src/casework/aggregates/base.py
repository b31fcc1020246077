"""What every casework aggregate and event shares: who caused it and in which request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self
from uuid import UUID

import msgspec
from eventsourcing.domain import AggregateCreated, AggregateEvent, BaseAggregate


@dataclass(frozen=True)
class Cause:
    """Who asked for a change (a user's name or `cli:<command>`) and the request that carried it."""

    actor: str
    request_id: str


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
