"""How an event is named and shown outside its aggregate (history, audit trail, exports).

Events are nested in their aggregate class, so `Family.AidDelivered` is shown as
`FamilyAidDelivered`; its own facts are everything but the envelope every event carries.
"""

from __future__ import annotations

import functools
from typing import Any

import msgspec

# Carried by every event and shown in their own fields, never among its facts.
ENVELOPE = frozenset(
    {"originator_id", "originator_version", "originator_topic", "timestamp", "actor", "request_id"}
)


def aggregate_name(event: Any) -> str:
    """`Family`, `FundingSource`, …: the class the event is nested in."""
    return _aggregate_name(event.__class__)


def event_type(event: Any) -> str:
    """`FamilyRegistered`, `FundingSourceDrawn`, …"""
    return _event_type(event.__class__)


def class_event_type(event_class: type) -> str:
    """The name of an event class, as `event_type` gives it for its events."""
    return _event_type(event_class)


# Per class, not per event: a rebuild of the audit trail names millions of events.
@functools.cache
def _aggregate_name(event_class: type) -> str:
    return str(event_class.__qualname__.split(".")[0])


@functools.cache
def _event_type(event_class: type) -> str:
    return f"{_aggregate_name(event_class)}{event_class.__name__}"


def event_facts(event: Any) -> dict[str, Any]:
    """The event's own fields as plain values, without the envelope."""
    facts: dict[str, Any] = msgspec.to_builtins(event)
    return {name: value for name, value in facts.items() if name not in ENVELOPE}
