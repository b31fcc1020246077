"""`casework national verify`: every cell's chain recomputed over its whole copy.

From the cell's genesis (as recorded in its replicated identity, else the one a new cell has),
in batches by position; `--expect NAME=POSITION:HEAD` checkpoints, written down outside the
database (from the cell's `casework chain checkpoint`), catch a copy rewritten with its hashes
recomputed. Every result is recorded (`national.verifications`), and a failure is a break the
read models stop at and `/national/discrepancies` reports as `cell-chain-broken`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from casework.national.chain_follow import check_events, read_events, record_break
from casework.national.copies import cell_genesis
from casework.store.chain_check import Checkpoint
from casework.store.database import Database, Row


@dataclass(frozen=True)
class CopyReport:
    cell: str
    ok: bool
    events_checked: int
    head: str
    first_bad_position: int | None
    detail: str


def copy_genesis(db: Database, cell: str) -> bytes:
    with db.single_read() as tx:
        tx.execute("SELECT genesis FROM cell_identity WHERE name = %s", (cell,))
        row = tx.fetchone()
    return bytes(row[0]) if row else cell_genesis(cell)


def verify_copy(
    db: Database,
    cell: str,
    checkpoints: Sequence[Checkpoint] = (),
    progress: Callable[[int], None] | None = None,
) -> CopyReport:
    anchors = {checkpoint.position: checkpoint.head for checkpoint in checkpoints}
    head, position = copy_genesis(db, cell), 0
    bad: tuple[int, str] | None = None
    while bad is None:
        with db.single_read(binary=True) as tx:
            rows = read_events(tx, position)
        if not rows:
            break
        # Checked in stretches that end at each checkpoint, so the hash there can be compared.
        for stretch in _split_at(rows, anchors):
            checked = check_events(head, position, stretch)
            head, position = checked.head, checked.position
            if checked.bad_position is not None:
                bad = (checked.bad_position, checked.detail)
                break
            expected = anchors.get(position)
            if expected is not None and expected != head.hex():
                bad = (position, "the chain differs from the checkpoint kept outside")
                break
        if progress is not None:
            progress(position)
    beyond = [anchor for anchor in anchors if anchor > position]
    if bad is None and beyond:
        bad = (position + 1, f"a checkpoint names position {min(beyond)}, the copy ends before")
    report = CopyReport(
        cell,
        bad is None,
        position,
        head.hex(),
        None if bad is None else bad[0],
        f"{position} events verified" if bad is None else f"position {bad[0]}: {bad[1]}",
    )
    _record(db, report)
    return report


def _split_at(rows: list[Row], anchors: dict[int, str]) -> list[list[Row]]:
    stretches: list[list[Row]] = [[]]
    for row in rows:
        stretches[-1].append(row)
        if row[0] in anchors:
            stretches.append([])
    return [stretch for stretch in stretches if stretch]


def _record(db: Database, report: CopyReport) -> None:
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO national.verifications (cell, ok, events_checked, head_hash, "
            "first_bad_position, detail) VALUES (%s, %s, %s, %s, %s, %s)",
            (
                report.cell,
                report.ok,
                report.events_checked,
                bytes.fromhex(report.head),
                report.first_bad_position,
                report.detail,
            ),
        )
    if report.first_bad_position is not None:
        record_break(db, report.cell, report.first_bad_position, report.detail, "verify")
