"""The audit trail: every stored event exactly once, in position order, without personal data.

A summary names only structured, non-personal facts of the event (ids, codes, programmes,
periods, areas, amounts, member numbers, dates). Free text (reasons, addresses, references)
is left out as well: a caseworker may have typed a name into it.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from typing import Any
from uuid import UUID

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
    for name, show in _showable_fields(event.__class__):
        shown = show(name, getattr(event, name))
        if shown is not None:
            facts.append(f"{name}={shown}")
    return f"{fact.event_type}: {', '.join(facts)}" if facts else fact.event_type


_COUNTED = frozenset({"items", "members"})
_NUMBER_SUFFIXES = ("_idr", "_no", "_year")
_TEXT_SUFFIXES = ("_id", "_on")
Show = Callable[[str, Any], "str | None"]


@functools.cache
def _showable_fields(event_class: type) -> tuple[tuple[str, Show], ...]:
    """The event's own fields, in order, that are not personal and that `_shown` may show,
    each with a quick way to show it: worked out once per class, not per event (a rebuild
    summarises millions of events). A field `_shown` never shows (free text) is left out."""
    personal: tuple[str, ...] = getattr(event_class, "PERSONAL_FIELDS", ())
    fields = (
        f.name
        for f in dataclasses.fields(event_class)
        if f.name not in ENVELOPE and f.name not in personal
    )
    return tuple((name, show) for name in fields if (show := _show_for(name)) is not None)


def _show_for(name: str) -> Show | None:
    if name in _COUNTED:
        return _shown  # a list is counted, never converted
    if name.endswith(_NUMBER_SUFFIXES) or name == "desil":
        return _show_number
    if name.endswith(_TEXT_SUFFIXES) or name in _CODE_FIELDS:
        return _show_text
    return None


# The quick ways take the common types straight and leave every other value to `_shown`,
# which is the rule (tests/projections/test_audit_summary.py holds them to it).


def _show_number(name: str, value: Any) -> str | None:
    return str(value) if type(value) is int else _shown(name, msgspec.to_builtins(value))


def _show_text(name: str, value: Any) -> str | None:
    if type(value) is str:
        return value
    if type(value) is UUID:
        return str(value)
    return None if value is None else _shown(name, msgspec.to_builtins(value))


def _shown(name: str, value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int) and (name.endswith(_NUMBER_SUFFIXES) or name == "desil"):
        return str(value)
    if name.endswith(_TEXT_SUFFIXES) and isinstance(value, str):
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
    applies_ahead = True  # it only inserts: a batch can be applied while the last is written

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
