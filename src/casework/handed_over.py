"""An aggregate a request has just loaded, handed to that request's next load of it.

A caseworker's request on a family is authorised by loading the family (does it lie in the
caseworker's areas?), and then the command or the read loads it again: two reads of the store
for one request, microseconds apart. The guard hands the family it loaded to the rest of the
request instead, and the request's first `Casework.load` of that family takes it.

Why that is safe: the family was read from the store (the cache fast-forwarded) after the
request arrived, so it holds every version a client can have seen before sending it, and an
`If-Match` pin is judged on it as on a fresh read. A write that lands in between makes the
command's save lose its version race, which is retried on fresh state as any lost race is (or,
with a pin, answers 412 as a fresh read then would). Only the first load takes it; a retry
reads the store again.

A context variable carries it: the guard sets it in the request's task, and the handler's
worker thread runs in a copy of that context, so it never reaches another request.
"""

from __future__ import annotations

from contextvars import ContextVar
from uuid import UUID

from casework.aggregates.base import CaseworkAggregate

_handed_over: ContextVar[list[CaseworkAggregate] | None] = ContextVar(
    "casework_handed_over", default=None
)


def hand_over(aggregate: CaseworkAggregate) -> None:
    """Let the rest of this request take `aggregate` (a copy of its own) at its next load."""
    _handed_over.set([aggregate])


def take_handed_over(aggregate_id: UUID) -> CaseworkAggregate | None:
    """The aggregate handed over for this id, once; None when there is none (any more)."""
    box = _handed_over.get()
    if not box or box[0].id != aggregate_id:
        return None
    return box.pop()
