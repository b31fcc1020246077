"""The chain of a cell's copy, checked as its events arrive and over the whole copy.

Each replicated event's chain hash is recomputed from the one before it (the cell's genesis
for the first), with casework's own chain function: a changed byte anywhere in an event, or
its hash, is a mismatch at that position. Positions must be dense; replication applies a
cell's transactions in commit order, which is position order, so a hole that lasts is a fault
(an event deleted or lost), reported once it has lasted `GAP_WAIT_SECONDS`, never skipped.
The read models apply only events the chain has checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from casework.store import chain
from casework.store.database import Database, Transaction, uuid_from_row

BATCH = 5000
GAP_WAIT_SECONDS = 30.0


@dataclass(frozen=True)
class Checked:
    position: int  # the last position that checked
    head: bytes  # its hash
    bad_position: int | None = None
    detail: str = ""


def check_events(previous: bytes, position: int, rows: Iterable[tuple[Any, ...]]) -> Checked:
    """Check events (position, originator_id, version, topic, state, chain_hash), in
    position order, following `position` whose hash is `previous`."""
    for row_position, aggregate_id, version, topic, state, stored in rows:
        if row_position != position + 1:
            return Checked(position, previous, position + 1, "an event is missing here")
        expected = chain.next_hash(
            previous, row_position, uuid_from_row(aggregate_id), version, topic, bytes(state)
        )
        if stored is None or bytes(stored) != expected:
            detail = "the replicated event or its hash differs from what the cell wrote"
            return Checked(position, previous, row_position, detail)
        previous, position = expected, row_position
    return Checked(position, previous)


def read_events(tx: Transaction, after: int, limit: int = BATCH) -> list[tuple[Any, ...]]:
    tx.execute(
        "SELECT position, originator_id, originator_version, topic, state, chain_hash "
        "FROM stored_events WHERE position > %s ORDER BY position LIMIT %s",
        (after, limit),
    )
    return tx.fetchall()


@dataclass(frozen=True)
class ChainState:
    position: int
    broken_at: int | None


def follow_chain(db: Database, cell: str, *, gap_wait: float = GAP_WAIT_SECONDS) -> ChainState:
    """Check what has arrived since the last check, batch by batch; the checked position."""
    while True:
        with db.transaction() as tx:
            tx.execute(
                "SELECT h.position, h.head_hash, "
                "coalesce(h.gap_seen_at < now() - %s, false), b.first_bad_position "
                "FROM national.chain_heads h "
                "LEFT JOIN national.chain_breaks b ON b.cell = h.cell "
                "WHERE h.cell = %s FOR UPDATE OF h",
                (timedelta(seconds=gap_wait), cell),
            )
            row = tx.fetchone()
            if row is None:
                return ChainState(0, None)
            position, head, gap_lasted, broken_at = row
            if broken_at is not None:
                return ChainState(int(position), int(broken_at))
            rows = read_events(tx, int(position))
            checked = check_events(bytes(head), int(position), rows)
            missing = checked.bad_position is not None and checked.detail.startswith("an event")
            if checked.bad_position is not None and not (missing and not gap_lasted):
                _record_break(tx, cell, checked.bad_position, checked.detail, "run")
            tx.execute(
                "UPDATE national.chain_heads SET position = %s, head_hash = %s, "
                "checked_at = now(), gap_seen_at = CASE WHEN %s THEN "
                "coalesce(gap_seen_at, now()) END WHERE cell = %s",
                (checked.position, checked.head, missing, cell),
            )
        if checked.bad_position is not None:
            broken = None if missing and not gap_lasted else checked.bad_position
            return ChainState(checked.position, broken)
        if len(rows) < BATCH:
            return ChainState(checked.position, None)


def _record_break(tx: Transaction, cell: str, position: int, detail: str, by: str) -> None:
    tx.execute(
        "INSERT INTO national.chain_breaks (cell, first_bad_position, detail, found_by) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (cell) DO NOTHING",
        (cell, position, detail, by),
    )


def record_break(db: Database, cell: str, position: int, detail: str, by: str) -> None:
    with db.transaction() as tx:
        _record_break(tx, cell, position, detail, by)
