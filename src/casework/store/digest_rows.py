"""The matching digests' rows, written by the recorder in the event transaction.

What to write is decided by `casework.cell.digests` (from the aggregates and claims a save
changes); this module only applies it, as `casework.store.claims` is applied: deletions first,
then insertions, and for a commit group of writes that delete nothing, one INSERT per table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from casework.store.database import Transaction, any_of

KK_COLUMNS = (("digest", "bytea"), ("family_id", "uuid"))
RECIPIENT_COLUMNS = (
    ("delivery_id", "uuid"),
    ("digest", "bytea"),
    ("family_id", "uuid"),
    ("program", "text"),
    ("period", "text"),
)


@dataclass(frozen=True)
class DigestChanges:
    """What one write does to the digest tables: deletions first, then insertions."""

    drop_kk_of: tuple[UUID, ...] = ()  # families whose KK digest goes
    drop_recipients_of: tuple[UUID, ...] = ()  # families whose every delivery digest goes
    drop_deliveries: tuple[UUID, ...] = ()
    kk: tuple[tuple[bytes, UUID], ...] = ()  # (digest, family_id)
    recipients: tuple[tuple[UUID, bytes, UUID, str, str], ...] = ()  # RECIPIENT_COLUMNS

    @property
    def drops(self) -> bool:
        return bool(self.drop_kk_of or self.drop_recipients_of or self.drop_deliveries)

    @property
    def empty(self) -> bool:
        return not (self.drops or self.kk or self.recipients)


NO_DIGESTS = DigestChanges()


def merged(changes: Sequence[DigestChanges]) -> DigestChanges:
    """Several writes' changes as one (their deletions before all their insertions: only
    right when no insertion of one write is deleted by a later one, see `apply_digests`)."""
    return DigestChanges(
        tuple(uuid for change in changes for uuid in change.drop_kk_of),
        tuple(uuid for change in changes for uuid in change.drop_recipients_of),
        tuple(uuid for change in changes for uuid in change.drop_deliveries),
        tuple(row for change in changes for row in change.kk),
        tuple(row for change in changes for row in change.recipients),
    )


def apply_digests(tx: Transaction, changes: Sequence[DigestChanges], *, postgres: bool) -> None:
    """Apply the writes' changes in the event transaction: when none deletes anything (a
    group of registrations or deliveries), one INSERT per table for all of them; otherwise
    write by write, in order (a relocation's new KK after its old one's deletion)."""
    if not any(change.drops for change in changes):
        _apply(tx, merged(changes), postgres)
        return
    for change in changes:
        _apply(tx, change, postgres)


def _apply(tx: Transaction, change: DigestChanges, postgres: bool) -> None:
    for table, column, ids in (
        ("kk_digests", "family_id", change.drop_kk_of),
        ("recipient_digests", "family_id", change.drop_recipients_of),
        ("recipient_digests", "delivery_id", change.drop_deliveries),
    ):
        if ids:
            match, params = any_of(column, list(ids), postgres=postgres)
            tx.execute(f"DELETE FROM {table} WHERE {match}", params)
    # DO NOTHING: a command repeated on its own claim meets its own digest.
    tx.insert_rows("kk_digests", KK_COLUMNS, change.kk, tail="ON CONFLICT DO NOTHING")
    tx.insert_rows(
        "recipient_digests", RECIPIENT_COLUMNS, change.recipients, tail="ON CONFLICT DO NOTHING"
    )
