"""The sequence of a programme's target writes, as unique claims.

Two targets of one programme must never overlap, and the check reads every target of the
programme. Each write on a programme's targets (set, revision, end) therefore takes the claim
`programme-targets`/`<program>:<n>` for the next `n`, in the same transaction as its event:
two writers that decided on the same targets both claim the same `n`, and the second one's
whole transaction is refused (ClaimTaken), so it decides again on what the first wrote. The
claims' owners are also the list of the programme's targets, read without any read model.
"""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from casework.store.claims import Claim
from casework.store.database import Database, uuid_from_row

SCOPE = "programme-targets"


@dataclass(frozen=True)
class TargetWrites:
    """The targets of a programme and the claim the next write on them takes."""

    target_ids: tuple[UUID, ...]
    next_claim_key: str


def target_writes(db: Database, program: str) -> TargetWrites:
    with db.single_read() as tx:
        tx.execute(
            "SELECT claim_key, owner_id FROM unique_claims WHERE scope = %s AND claim_key LIKE %s",
            (SCOPE, f"{program}:%"),
        )
        rows = tx.fetchall()
    ids: dict[UUID, int] = {}
    highest = 0
    for key, owner in rows:
        number = int(str(key).rsplit(":", 1)[1])
        highest = max(highest, number)
        owner_id = uuid_from_row(owner)
        ids[owner_id] = min(ids.get(owner_id, number), number)
    ordered = tuple(sorted(ids, key=lambda target_id: ids[target_id]))
    return TargetWrites(ordered, f"{program}:{highest + 1}")


def next_write_claim(writes: TargetWrites, target_id: UUID) -> Claim:
    return Claim(SCOPE, writes.next_claim_key, target_id)
