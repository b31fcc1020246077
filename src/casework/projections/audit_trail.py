"""The audit trail: every stored event exactly once, in position order, without personal data.

A summary names only structured, non-personal facts of the event (ids, codes, programmes,
periods, areas, amounts, member numbers, dates). Free text (reasons, addresses, references)
is left out as well: a caseworker may have typed a name into it.
"""

from __future__ import annotations

import dataclasses
import functools
from typing import Any

import msgspec

from casework.aggregates.event_names import ENVELOPE, aggregate_name
from casework.projections.base import StoredFact
from casework.projections.batch_writes import BatchWrites

# Text fields that hold codes, never people.
_CODE_FIELDS = frozenset(
    {"program", "period", "area_code", "area", "code", "kind", "category", "source", "programs"}
)


def summarise(fact: StoredFact) -> str:
    event = fact.event
    facts: list[str] = []
    for name in _summary_fields(event.__class__):
        value = getattr(event, name)
        # Of a list, only its length is shown: no need to convert its records.
        shown = _shown(name, value if name in _COUNTED else msgspec.to_builtins(value))
        if shown is not None:
            facts.append(f"{name}={shown}")
    return f"{fact.event_type}: {', '.join(facts)}" if facts else fact.event_type


_COUNTED = frozenset({"items", "members"})


@functools.cache
def _summary_fields(event_class: type) -> tuple[str, ...]:
    """The event's own fields, in order, that are not personal (`_shown` decides which of
    them show): worked out once per class, not per event."""
    personal: tuple[str, ...] = getattr(event_class, "PERSONAL_FIELDS", ())
    return tuple(
        f.name
        for f in dataclasses.fields(event_class)
        if f.name not in ENVELOPE and f.name not in personal
    )


def _shown(name: str, value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) and (name.endswith(("_idr", "_no", "_year")) or name == "desil"):
        return str(value)
    if name.endswith(("_id", "_on")) and isinstance(value, str):
        return value  # ids and dates, already rendered as text
    if name in _CODE_FIELDS:
        return "+".join(value) if isinstance(value, list | tuple) else str(value)
    if name == "items" and isinstance(value, list | tuple):
        return f"{len(value)} item(s)"
    if name == "members" and isinstance(value, list | tuple):
        return f"{len(value)} member(s)"
    return None


class AuditTrailProjection:
    name = "audit_trail"
    handles = None  # every stored event appears in the trail
    tables: tuple[str, ...] = ("audit_trail",)
    reads_personal_data = False  # a summary leaves personal fields out

    def apply(self, writes: BatchWrites, fact: StoredFact) -> None:
        writes.insert(
            "audit_trail",
            {
                "position": fact.position,
                "recorded_at": fact.stored_recorded_at,
                "actor": fact.event.actor,
                "aggregate_type": aggregate_name(fact.event),
                "aggregate_id": fact.aggregate_id,
                "version": fact.version,
                "type": fact.event_type,
                "summary": summarise(fact),
                "request_id": fact.event.request_id,
            },
        )
