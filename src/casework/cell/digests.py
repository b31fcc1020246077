"""Matching digests: keyed digests of active KK numbers and of delivery recipients' NIKs.

Every cell is given the same CASEWORK_MATCHING_KEY, so the national side can find one KK
active in two cells, or one person served the same programme and period in two, without ever
holding a KK number or a NIK. The digests are rows written in the transaction of the events
that cause them (the recorder applies a `DigestChanges` with each write, as it applies claims):

- `kk_digests` mirrors the `kk` claims: a taken KK claim inserts the digest of the family's KK
  number, a released one (a move with a new KK, the last member gone, an erasure) deletes the
  family's digest;
- `recipient_digests` has one row per delivery with a recipient, deleted when the delivery is
  voided; a corrected NIK digests that member's deliveries again;
- an erasure deletes every digest of the family, whatever else happens.

Without the key nothing is inserted; deletions happen anyway (a digest written under a key
must not outlive its delivery or its family because the key was later unset).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

from casework.aggregates.family import Family
from casework.settings import ConfigurationError, Settings
from casework.store.claims import ClaimChanges
from casework.store.database import Database
from casework.store.digest_rows import DigestChanges

KEY_BYTES = 32


def load_matching_key(settings: Settings) -> bytes | None:
    """CASEWORK_MATCHING_KEY decoded; None when unset; a malformed one is refused."""
    if settings.matching_key is None:
        return None
    try:
        key = base64.b64decode(settings.matching_key.strip(), validate=True)
    except (binascii.Error, ValueError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ConfigurationError(
            "CASEWORK_MATCHING_KEY must be base64 of 32 bytes (every cell gets the same one), "
            "e.g. the output of: head -c 32 /dev/urandom | base64"
        )
    return key


def kk_digest(key: bytes, kk_number: str) -> bytes:
    return hmac.digest(key, b"kk:" + kk_number.encode(), "sha256")


def recipient_digest(key: bytes, nik: str, program: str, period: str) -> bytes:
    return hmac.digest(key, f"nik:{nik}:{program}:{period}".encode(), "sha256")


def digest_changes(
    key: bytes | None, saved: Iterable[tuple[Any, Sequence[Any]]], claims: ClaimChanges
) -> DigestChanges:
    """The digest rows a save changes: `saved` pairs each aggregate, as its events leave it,
    with those (pending) events; `claims` are the claims the save takes and releases."""
    families = {aggregate.id: (aggregate, events) for aggregate, events in saved}
    drop_kk = [release.owner_id for release in claims.release if release.scope == "kk"]
    drop_recipients: list[UUID] = []
    drop_deliveries: list[UUID] = []
    kk: list[tuple[bytes, UUID]] = []
    recipients: list[tuple[UUID, bytes, UUID, str, str]] = []
    for claim in claims.take:
        owner = families.get(claim.owner_id)
        family = None if owner is None else owner[0]
        if key is None or claim.scope != "kk" or not isinstance(family, Family):
            continue
        if family.kk_number is not None:
            kk.append((kk_digest(key, family.kk_number), family.id))
    for family, events in families.values():
        if not isinstance(family, Family):
            continue
        for event in events:
            if isinstance(event, Family.PersonalDataErased):
                drop_kk.append(family.id)
                drop_recipients.append(family.id)
            elif isinstance(event, Family.AidDeliveryVoided):
                drop_deliveries.append(event.delivery_id)
            elif isinstance(event, Family.AidDelivered) and key is not None:
                recipients.extend(_delivery_rows(key, family, [event.delivery_id]))
            elif isinstance(event, Family.MemberCorrected) and event.nik and key is not None:
                # A corrected NIK: that member's standing deliveries are digested again.
                again = [
                    delivery.delivery_id
                    for delivery in family.deliveries.values()
                    if delivery.recipient_member_no == event.member_no
                    and delivery.status != "voided"
                ]
                drop_deliveries.extend(again)
                recipients.extend(_delivery_rows(key, family, again))
    if any(family.erased for family, _ in families.values() if isinstance(family, Family)):
        # Nothing is inserted for an erased family, whatever came before the erasure.
        erased = {f.id for f, _ in families.values() if isinstance(f, Family) and f.erased}
        kk = [row for row in kk if row[1] not in erased]
        recipients = [row for row in recipients if row[2] not in erased]
    return DigestChanges(
        tuple(dict.fromkeys(drop_kk)),
        tuple(drop_recipients),
        tuple(drop_deliveries),
        tuple(kk),
        tuple(recipients),
    )


def family_digests(key: bytes, family: Family) -> DigestChanges:
    """Every digest a family's present state holds (the backfill of a store that had none):
    its KK if it is active, and its standing deliveries with a known recipient."""
    kk: tuple[tuple[bytes, UUID], ...] = ()
    active = any(member.is_active for member in family.members.values())
    if not family.erased and family.kk_number is not None and active:
        kk = ((kk_digest(key, family.kk_number), family.id),)
    standing = [d.delivery_id for d in family.deliveries.values() if d.status != "voided"]
    recipients = () if family.erased else tuple(_delivery_rows(key, family, standing))
    return DigestChanges(kk=kk, recipients=recipients)


def _delivery_rows(
    key: bytes, family: Family, delivery_ids: Iterable[UUID]
) -> list[tuple[UUID, bytes, UUID, str, str]]:
    rows = []
    for delivery_id in delivery_ids:
        delivery = family.deliveries[delivery_id]
        member = family.members.get(delivery.recipient_member_no or -1)
        if member is None or not member.nik:
            continue  # no named recipient (or the NIK is sealed away): nothing to match
        digest = recipient_digest(key, member.nik, delivery.program, delivery.period)
        rows.append((delivery_id, digest, family.id, delivery.program, delivery.period))
    return rows


def key_fingerprint(key: bytes) -> str:
    return hmac.digest(key, b"casework:matching-key-fingerprint", "sha256").hex()


def recorded_fingerprint(db: Database) -> str | None:
    with db.transaction() as tx:
        tx.execute("SELECT fingerprint FROM matching_key_check")
        row = tx.fetchone()
    return None if row is None else str(row[0])


def check_matching_key(db: Database, key: bytes | None) -> None:
    """Refuse a process whose matching key is not the one the store's digests were made with
    (or that has none while the store keeps digests): its digests would not match the rest."""
    recorded = recorded_fingerprint(db)
    if key is None:
        if recorded is not None:
            raise ConfigurationError(
                "this store keeps matching digests: set CASEWORK_MATCHING_KEY to its key"
            )
        return
    if recorded != key_fingerprint(key):
        raise ConfigurationError(
            "the store's matching digests were not made with this CASEWORK_MATCHING_KEY "
            "(or not made yet): run `casework migrate` to make them"
        )
