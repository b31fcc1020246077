"""Snapshots checked against the events they summarise (part of `casework verify`).

For every stored snapshot, the aggregate is replayed from its first event up to the snapshot's
version — events only, never another snapshot — and the two states must be equal, personal
data included when the family's key still exists (after erasure both read None there); a
family's personal data must be in the sealed part only. Each aggregate's events are replayed
once, in order, however many snapshots it has.

A snapshot is derived data: a mismatch is not a lost fact, but it would make loads answer
wrongly, so verify fails on it; deleting the row (loads then replay) or taking it again repairs
it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import groupby
from typing import Any
from uuid import UUID

import msgspec

from casework.application import CaseworkStore, replay
from casework.store.snapshot_recorder import SnapshotRecorder
from casework.store.snapshot_state import KIND_BY_TYPE, state_of
from casework.store.snapshot_store import AggregateSnapshot, SnapshotMapper, SnapshotUnreadable


@dataclass(frozen=True)
class SnapshotMismatch:
    aggregate_id: UUID
    version: int
    reason: str

    def __str__(self) -> str:
        return f"snapshot of {self.aggregate_id} at version {self.version}: {self.reason}"


@dataclass(frozen=True)
class SnapshotReport:
    checked: int
    mismatches: list[SnapshotMismatch] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.mismatches


def replayed(casework: CaseworkStore, aggregate_id: UUID, version: int | None = None) -> Any:
    """The aggregate from its events alone (no cache, no snapshot); None when it has none."""
    return replay(None, casework.events.get(aggregate_id, lte=version))


def check_snapshots(
    casework: CaseworkStore, progress: Callable[[int, int], None] | None = None
) -> SnapshotReport:
    recorder = SnapshotRecorder(casework.db)
    mapper = SnapshotMapper(casework.keys)
    listing = recorder.listing()
    mismatches: list[SnapshotMismatch] = []
    done = 0
    for aggregate_id, group in groupby(listing, key=lambda row: row[0]):
        versions = [version for _, version in group]
        rows = recorder.select_events(aggregate_id, lte=versions[-1])
        events = iter(casework.events.get(aggregate_id, lte=versions[-1]))
        aggregate: Any = None
        for row in rows:
            aggregate = _replay_to(aggregate, events, row.originator_version)
            problem = _compare(mapper, row, aggregate)
            if problem is not None:
                mismatches.append(SnapshotMismatch(aggregate_id, row.originator_version, problem))
            done += 1
            if progress is not None:
                progress(done, len(listing))
    return SnapshotReport(done, mismatches)


def _replay_to(aggregate: Any, events: Iterator[Any], version: int) -> Any:
    """Apply events until the aggregate reaches `version` (or the events run out)."""
    while aggregate is None or aggregate.version < version:
        event = next(events, None)
        if event is None:
            break
        aggregate = event.mutate(aggregate)
    return aggregate


def _compare(mapper: SnapshotMapper, row: Any, aggregate: Any) -> str | None:
    try:
        snapshot = mapper.to_domain_event(row)
    except SnapshotUnreadable as error:
        return f"unreadable ({error})"
    assert isinstance(snapshot, AggregateSnapshot)
    if aggregate is None or aggregate.version != row.originator_version:
        return "the aggregate has no event at this version"
    if KIND_BY_TYPE[type(aggregate)].topic != snapshot.topic:
        return f"recorded as {snapshot.topic}, the events are of {type(aggregate).__name__}"
    if msgspec.to_builtins(state_of(aggregate)) != msgspec.to_builtins(snapshot.state):
        return "differs from a replay of its events"
    if mapper.holds_personal_in_clear(row):
        return "personal data stored unsealed"
    return None
