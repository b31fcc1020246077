"""Discrepancies the funding ledger shows (`/reconciliation/discrepancies`), as of a position.

Per source, from its last ledger entry at or before the position:
- `unreceived-funds`: more value delivered (drawn, net of voids) than funds received;
- `over-received`: more funds received than the budget.
Each finding carries the position where it began; it has held ever since.
From the recipients read model (keyed NIK digests, never NIKs):
- `duplicate-recipient`: a delivery to a person who already had the same programme in the same
  period through another family, neither voided at the position; at the later delivery.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from casework.projections.paging import decode_cursor, encode_cursor
from casework.projections.read_rows import Finding
from casework.store.database import Database, uuid_from_row

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
        tx.execute(_DUPLICATES, (position, position, position, position))
        duplicates = tx.fetchall()
    found = [f for row in rows for f in _of_source(row)]
    found += [_duplicate(row) for row in duplicates]
    found.sort(key=_key)
    if after is not None:
        found = [f for f in found if _key(f) > tuple(after)]
    page = found[:limit]
    next_cursor = encode_cursor(list(_key(page[-1]))) if len(found) > limit else None
    return page, next_cursor


# A later delivery (d) whose recipient had the same programme and period, not voided, through
# another family (o) at an earlier position.
_DUPLICATES = (
    "SELECT d.delivery_id, d.family_id, d.funding_source_id, d.program, d.period, d.position "
    "FROM recipient_deliveries d WHERE d.position <= %s "
    "AND (d.voided_position IS NULL OR d.voided_position > %s) AND EXISTS ("
    "SELECT 1 FROM recipient_deliveries o WHERE o.nik_digest = d.nik_digest "
    "AND o.program = d.program AND o.period = d.period AND o.family_id <> d.family_id "
    "AND o.position < d.position AND o.position <= %s "
    "AND (o.voided_position IS NULL OR o.voided_position > %s))"
)


def _duplicate(row: tuple[Any, ...]) -> Finding:
    delivery_id, family_id, source_id, program, period, position = row
    detail = (
        f"delivery {delivery_id}: its recipient already received {program} for {period} "
        "through another family (one person on two KKs)"
    )
    return Finding(
        kind="duplicate-recipient",
        funding_source_id=uuid_from_row(source_id),
        family_id=uuid_from_row(family_id),
        detail=detail,
        position=int(position),
    )


def _of_source(row: tuple[Any, ...]) -> list[Finding]:
    source_id, code, budget, received, drawn, unreceived_since, over_received_since = row
    source = uuid_from_row(source_id)
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
