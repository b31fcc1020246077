"""What a projection is: a name, the tables it owns, and a handler for stored events."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from casework.aggregates.event_names import event_type
from casework.projections.batch_writes import BatchWrites


@dataclass(slots=True)
class StoredFact:
    """One stored event, decoded, with where and when it was stored.

    Not frozen, though nothing changes it: a rebuild makes one per stored event, and a frozen
    dataclass takes about 0.9 µs to make against 0.25 µs for this one."""

    position: int
    recorded_at: datetime
    aggregate_id: UUID
    version: int
    topic: str
    event: Any  # the domain event (personal fields None once the family key is destroyed)
    # `recorded_at` exactly as stored (ISO text on SQLite), for read models to copy, so their
    # comparisons with `stored_instant()` of a query match the event store's own.
    stored_recorded_at: Any = None
    # A keyed digest (scope, value) -> hex, for read models that must link a personal value
    # across families (one NIK on two KKs) without holding it: the key never leaves the store.
    keyed_hash: Callable[[str, str], str] | None = None

    @property
    def event_type(self) -> str:
        """`FamilyRegistered`, `FundingSourceDrawn`, …: aggregate and event class names."""
        return event_type(self.event)


class Projection(Protocol):
    """A read model: `apply` writes what one event changes, inside the batch's transaction
    (`BatchWrites`: held row writes, sent per table at the end of the batch).

    `apply` must be deterministic in the events alone (a rebuild must equal the live tables)
    and must never fail on an event it does not care about.
    """

    name: str
    tables: tuple[str, ...]  # emptied, in this order, by a rebuild
    # Whether `apply` reads personal fields; if not, they arrive None and no family key is
    # looked up or box opened (the audit trail and the funding views never show them).
    reads_personal_data: bool

    @property
    def handles(self) -> frozenset[type[Any]] | None:
        """The event classes `apply` acts on (None: every event). The runner decodes only
        those and passes over the rest, still advancing the position past them."""

    def apply(self, writes: BatchWrites, fact: StoredFact) -> None: ...


# Optional on a projection, as `prepare_batch`: called with the facts of a batch it is about to
# `apply`, in the same transaction, so that it can read what they need in one query rather
# than one per event (the funding ledger: the current figures of the sources they move).
BatchPreparation = Callable[[BatchWrites, list[StoredFact]], None]

# Optional on a projection, as `finish_batch`: called after the last `apply` of a batch (one
# that was prepared, if the projection prepares), in the same transaction, for what is written
# once the batch's own writes are (the funding ledger: dates no longer waiting for their line).
BatchCompletion = Callable[[BatchWrites], None]

# Optional on a projection, as `applies_ahead = True`: on PostgreSQL, while catching up a
# backlog, its next batch may be applied before the last one is written (`BatchWrites.ahead`).
# It may then keep state across the batches of a run (`BatchWrites.run`), must read only
# through `BatchWrites.read`, and must read only rows the run has not written: applied ahead,
# a read sees what was committed before the batches still being written.

# Optional on a projection, as `verified_tables`: the tables `casework verify --projections`
# compares with a rebuild, when not all of `tables` are decided by the events alone (coverage
# verdicts also depend on when each period was first asked for).
