"""Discrepancies the funding ledger shows (`/reconciliation/discrepancies`), as of a position.

Per source, from its last ledger entry at or before the position:
- `unreceived-funds`: more value delivered (drawn, net of voids) than funds received;
- `over-received`: more funds received than the budget.
Each finding carries the position where it began; it has held ever since.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from casework.database import Database
from casework.http.schemas.finance import Finding
from casework.projections.paging import decode_cursor, encode_cursor

FindingKey = tuple[int, str, str]


def findings(
    db: Database, position: int, *, cursor: str | None, limit: int
) -> tuple[list[Finding], str | None]:
    """A page of findings in position order, and the cursor of the next page."""
    after: FindingKey | None = decode_cursor(cursor, FindingKey)
    with db.transaction() as tx:
        tx.execute(
            "SELECT s.funding_source_id, s.code, e.budget_idr, e.received_idr, e.drawn_idr, "
            "e.unreceived_since, e.over_received_since "
            "FROM funding_ledger_sources s JOIN funding_ledger_entries e ON e.position = ("
            "SELECT x.position FROM funding_ledger_entries x "
            "WHERE x.funding_source_id = s.funding_source_id AND x.position <= %s "
            "ORDER BY x.position DESC LIMIT 1) "
            "WHERE e.unreceived_since IS NOT NULL OR e.over_received_since IS NOT NULL",
            (position,),
        )
        rows = tx.fetchall()
    found = sorted((f for row in rows for f in _of_source(row)), key=_key)
    if after is not None:
        found = [f for f in found if _key(f) > tuple(after)]
    page = found[:limit]
    next_cursor = encode_cursor(list(_key(page[-1]))) if len(found) > limit else None
    return page, next_cursor


def _of_source(row: tuple[Any, ...]) -> list[Finding]:
    source_id, code, budget, received, drawn, unreceived_since, over_received_since = row
    source = source_id if isinstance(source_id, UUID) else UUID(str(source_id))
    found = []
    if unreceived_since is not None:
        detail = (
            f"{code}: {drawn} IDR delivered against {received} IDR received; "
            f"{drawn - received} IDR is not covered by any receipt"
        )
        found.append(_finding("unreceived-funds", source, detail, unreceived_since))
    if over_received_since is not None:
        detail = (
            f"{code}: {received} IDR received against a budget of {budget} IDR; "
            f"{received - budget} IDR more than budgeted"
        )
        found.append(_finding("over-received", source, detail, over_received_since))
    return found


def _finding(kind: str, source_id: UUID, detail: str, position: int) -> Finding:
    return Finding(kind=kind, funding_source_id=source_id, detail=detail, position=int(position))


def _key(finding: Finding) -> FindingKey:
    return (finding.position, finding.kind, str(finding.funding_source_id))
