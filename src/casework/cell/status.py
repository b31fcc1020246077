"""What `casework cell status` reports: the cell as the national side will see it."""

from __future__ import annotations

from dataclasses import dataclass

from casework.cell.config import CellConfig
from casework.cell.digests import recorded_fingerprint
from casework.cell.identity import check_cell
from casework.cell.publication import publication_report
from casework.settings import Settings
from casework.store.database import Database


@dataclass(frozen=True)
class CellStatus:
    name: str
    areas: str
    genesis: str  # hex
    head_position: int
    head_hash: str  # hex; the genesis while the store is empty
    publication: str  # what is published, or why nothing is
    heartbeat: str  # the last beat, or that there is none yet
    digests: str

    def lines(self) -> list[str]:
        return [
            f"cell: {self.name}",
            f"areas: {self.areas}",
            f"genesis: {self.genesis}",
            f"head position: {self.head_position}",
            f"head hash: {self.head_hash}",
            f"publication: {self.publication}",
            f"last heartbeat: {self.heartbeat}",
            f"matching digests: {self.digests}",
        ]


def cell_status(db: Database, cell: CellConfig, settings: Settings) -> CellStatus:
    genesis = check_cell(db, cell)  # refuses a store of another cell, as every process does
    with db.transaction() as tx:
        tx.execute("SELECT position, chain_hash FROM stored_events ORDER BY position DESC LIMIT 1")
        head = tx.fetchone()
        tx.execute(
            "SELECT head_position, beat_at FROM cell_heartbeat WHERE name = %s", (cell.name,)
        )
        beat = tx.fetchone()
        tx.execute(
            "SELECT (SELECT count(*) FROM kk_digests), (SELECT count(*) FROM recipient_digests)"
        )
        counts = tx.fetchone() or (0, 0)
    position, head_hash = (0, genesis) if head is None else (int(head[0]), bytes(head[1]))
    heartbeat = "none yet" if beat is None else f"{beat[1]} at position {beat[0]}"
    keyed = recorded_fingerprint(db) is not None
    digests = (
        f"on: {counts[0]} active KK numbers, {counts[1]} delivery recipients"
        if keyed
        else "off (no CASEWORK_MATCHING_KEY)"
    )
    return CellStatus(
        cell.name,
        cell.areas_text,
        genesis.hex(),
        position,
        head_hash.hex(),
        publication_report(settings.database, cell),
        heartbeat,
        digests,
    )
