"""The audit trail: every stored event exactly once, in position order, without personal data.

A summary names only structured, non-personal facts of the event (ids, codes, programmes,
periods, areas, amounts, member numbers, dates). Free text (reasons, addresses, references)
is left out as well: a caseworker may have typed a name into it.
"""

from __future__ import annotations

from typing import Any

from casework.aggregates.event_names import aggregate_name, event_facts
from casework.projections.base import StoredFact
from casework.projections.batch_writes import BatchWrites

# Text fields that hold codes, never people.
_CODE_FIELDS = frozenset(
    {"program", "period", "area_code", "area", "code", "kind", "category", "source", "programs"}
)


def summarise(fact: StoredFact) -> str:
    personal: tuple[str, ...] = getattr(type(fact.event), "PERSONAL_FIELDS", ())
    facts: list[str] = []
    for name, value in event_facts(fact.event).items():
        if name in personal:
            continue
        shown = _shown(name, value)
        if shown is not None:
            facts.append(f"{name}={shown}")
    return f"{fact.event_type}: {', '.join(facts)}" if facts else fact.event_type


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
