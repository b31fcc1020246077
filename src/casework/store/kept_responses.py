"""Responses kept under an Idempotency-Key, written with the events they report.

The HTTP layer opens a `PendingRequest` before it runs a command; the command's `Cause` carries
it (`answer`) to `save_all` and the recorder. When the command's events are inserted, the
recorder calls `keep_with_events` inside the same transaction, so a crash can never leave
events without their answer or an answer without its events. A write keeps what rebuilds its
answer (resource, version, position, warnings), never the body: the body holds personal data
that only the family key may hold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from uuid import UUID

import msgspec
from eventsourcing.persistence import StoredEvent

from casework.errors import FieldProblem
from casework.store.database import Database, Transaction, uuid_from_row


@dataclass
class PendingRequest:
    """A POST under an Idempotency-Key, while it runs."""

    user_id: UUID
    key: str
    request_hash: str
    # What a successful write answers with: set from the route before the command runs.
    resource_kind: str | None = None
    resource_id: UUID | None = None
    status: int = 200
    warnings: list[FieldProblem] = field(default_factory=list)
    # Set by the recorder: the answer was kept in the events' transaction.
    kept_with_events: bool = False
    # Set by the recorder: another request with this key was kept first.
    superseded: bool = False


@dataclass(frozen=True)
class KeptResponse:
    request_hash: str
    status: int
    resource_kind: str | None
    resource_id: UUID | None
    resource_version: int | None
    position: int | None
    warnings: list[FieldProblem]
    body: bytes | None
    headers: dict[str, str]


class KeyAlreadyKept(Exception):
    """Another request under the same key committed first; this one wrote nothing."""


_INSERT = (
    "INSERT INTO kept_responses (user_id, idempotency_key, request_hash, status, "
    "resource_kind, resource_id, resource_version, position, warnings, body, headers) "
    "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s) "
    "ON CONFLICT (user_id, idempotency_key) DO NOTHING"
)


def keep_with_events(
    tx: Transaction, pending: PendingRequest, events: Sequence[StoredEvent], last_position: int
) -> None:
    """Keep a write's answer in its events' transaction (raises KeyAlreadyKept to roll back)."""
    resource_id = pending.resource_id or uuid_from_row(events[0].originator_id)
    version = max(
        e.originator_version for e in events if uuid_from_row(e.originator_id) == resource_id
    )
    warnings = msgspec.json.encode([[w.field, w.message] for w in pending.warnings]).decode()
    tx.execute(
        _INSERT,
        (
            *(pending.user_id, pending.key, pending.request_hash, pending.status),
            *(pending.resource_kind, resource_id, version, last_position, warnings, None, None),
        ),
    )
    if tx.rowcount != 1:
        pending.superseded = True
        raise KeyAlreadyKept(pending.key)
    pending.kept_with_events = True


def keep_plain(
    db: Database, pending: PendingRequest, status: int, body: bytes, headers: dict[str, str]
) -> bool:
    """Keep an answer that wrote no events; False when another answer was kept first."""
    encoded_headers = msgspec.json.encode(headers).decode()
    with db.transaction() as tx:
        tx.execute(
            _INSERT,
            (
                *(pending.user_id, pending.key, pending.request_hash, status),
                *(None, None, None, None, None, body, encoded_headers),
            ),
        )
        return bool(tx.rowcount == 1)


def find_kept(db: Database, user_id: UUID, key: str) -> KeptResponse | None:
    with db.single_read() as tx:
        tx.execute(
            "SELECT request_hash, status, resource_kind, resource_id, resource_version, "
            "position, warnings, body, headers FROM kept_responses "
            "WHERE user_id = %s AND idempotency_key = %s",
            (user_id, key),
        )
        row = tx.fetchone()
    if row is None:
        return None
    request_hash, status, kind, resource_id, version, position, warnings, body, headers = row
    return KeptResponse(
        request_hash=request_hash,
        status=status,
        resource_kind=kind,
        resource_id=None if resource_id is None else uuid_from_row(resource_id),
        resource_version=version,
        position=position,
        warnings=[FieldProblem(f, m) for f, m in msgspec.json.decode(warnings or "[]")],
        body=None if body is None else bytes(body),
        headers=msgspec.json.decode(headers or "{}"),
    )
