"""Every event type the store can hold, by the name the API shows (`FamilyRegistered`, …).

The audit trail filters by these names; a name that is none of them is refused with the list
(an unknown type would otherwise select nothing, silently). Derived from the aggregates' own
nested event classes, so a new event is listed as soon as it exists.
"""

from __future__ import annotations

import functools

from casework.aggregates.base import CaseworkAggregate
from casework.aggregates.event_names import class_event_type
from casework.aggregates.family import Family
from casework.aggregates.funding_source import FundingSource
from casework.aggregates.programme_target import ProgrammeTarget
from casework.aggregates.uppka_group import UppkaGroup

AGGREGATES: tuple[type[CaseworkAggregate], ...] = (
    Family,
    FundingSource,
    UppkaGroup,
    ProgrammeTarget,
)


@functools.cache
def event_types() -> tuple[str, ...]:
    """The names, aggregate by aggregate, in the order their events are declared."""
    names: list[str] = []
    for aggregate in AGGREGATES:
        for value in vars(aggregate).values():
            # The stored events, not the base class every aggregate has (`Family.Event`).
            stored = isinstance(value, type) and value.__name__ != "Event"
            if stored and issubclass(value, CaseworkAggregate.Event):
                names.append(class_event_type(value))
    return tuple(dict.fromkeys(names))
