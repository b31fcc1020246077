"""Recompute the tamper-evidence chain over the whole store and name the first bad position.

Positions must run 1, 2, 3, … without a gap (a deleted event leaves one), and each stored
chain hash must equal the one recomputed from the previous hash and the event's stored bytes
(an altered byte, or two events swapped, changes it). Read in batches by position, so the
whole store never sits in memory.

Someone able to rewrite events could recompute every hash after them too; checkpoints kept
outside the database (`POSITION:HEAD`, from `casework chain checkpoint`) catch that: the
recomputed hash at each checkpoint's position must equal the one written down.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from casework.cell.identity import store_genesis
from casework.store import chain
from casework.store.database import Database, uuid_from_row

BATCH = 5000


@dataclass(frozen=True)
class Checkpoint:
    position: int
    head: str  # hex SHA-256

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """`POSITION:HEAD` as `casework chain checkpoint` prints it; ValueError otherwise."""
        position, _, head = text.strip().partition(":")
        if not position.isdigit() or int(position) < 1 or len(head) != 64:
            raise ValueError(f"not a checkpoint (POSITION:HEAD): {text!r}")
        bytes.fromhex(head)
        return cls(int(position), head.lower())

    def __str__(self) -> str:
        return f"{self.position}:{self.head}"


@dataclass(frozen=True)
class ChainReport:
    ok: bool
    events_checked: int
    head: str
    first_bad_position: int | None
    detail: str


def verify_chain(
    db: Database,
    *,
    progress: Callable[[int, int], None] | None = None,
    checkpoints: Sequence[Checkpoint] = (),
    genesis: bytes | None = None,
) -> ChainReport:
    """`genesis`: the chain's h_0; by default the one the store records (casework.cell.
    identity), so a cell's chain is checked from its own."""
    if genesis is None:
        genesis = store_genesis(db)
    with db.transaction() as tx:
        tx.execute("SELECT count(*) FROM stored_events")
        row = tx.fetchone()
    total = int(row[0]) if row else 0
    anchors = {checkpoint.position: checkpoint.head for checkpoint in checkpoints}
    previous, checked = genesis, 0
    while True:
        with db.transaction() as tx:
            tx.execute(
                "SELECT position, originator_id, originator_version, topic, state, chain_hash "
                "FROM stored_events WHERE position > %s ORDER BY position LIMIT %s",
                (checked, BATCH),
            )
            rows = tx.fetchall()
        if not rows:
            break
        for position, aggregate_id, version, topic, state, stored_hash in rows:
            expected_position = checked + 1
            if position != expected_position:
                return _bad(checked, previous, expected_position, "an event is missing here")
            previous = chain.next_hash(
                previous, position, uuid_from_row(aggregate_id), version, topic, bytes(state)
            )
            if stored_hash is None or bytes(stored_hash) != previous:
                return _bad(checked, previous, position, "the stored event or its hash was altered")
            expected = anchors.get(position)
            if expected is not None and expected != previous.hex():
                detail = "the chain differs from the checkpoint kept outside the database"
                return _bad(checked, previous, position, detail)
            checked = position
        if progress is not None:
            progress(checked, total)
    beyond = [position for position in anchors if position > checked]
    if beyond:
        detail = f"a checkpoint names position {min(beyond)}, but the store ends at {checked}"
        return _bad(checked, previous, checked + 1, detail)
    return ChainReport(True, checked, previous.hex(), None, f"{checked} events verified")


def _bad(checked: int, head: bytes, position: int, detail: str) -> ChainReport:
    return ChainReport(False, checked, head.hex(), position, f"position {position}: {detail}")
