"""`casework migrate` makes the matching digests of a store that has none under its key.

A store that existed before CASEWORK_MATCHING_KEY was set (or whose key changed) gets every
digest its families' present state holds: each active KK number, each standing delivery with a
known recipient. The families are read with their keys (the master key is at hand at migrate),
in batches, with progress; the key's fingerprint is recorded last, so a migrate cut short is
simply done again, and until then every process with the key is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from casework.aggregates.family import Family
from casework.application import CaseworkStore
from casework.cell.digests import (
    family_digests,
    key_fingerprint,
    load_matching_key,
    recorded_fingerprint,
)
from casework.settings import Settings
from casework.store.database import open_database, uuid_from_row
from casework.store.digest_rows import apply_digests, merged

BATCH = 500


def make_digests(
    settings: Settings, progress: Callable[[int, int], None] | None = None
) -> str | None:
    """Make the digests when the store lacks those of this key; what was done, in words."""
    key = load_matching_key(settings)
    if key is None:
        return None
    fingerprint = key_fingerprint(key)
    db = open_database(settings.migration_database)
    try:
        if recorded_fingerprint(db) == fingerprint:
            return None
        # From nothing: the old fingerprint and any digest made under another key go.
        with db.transaction() as tx:
            for table in ("matching_key_check", "kk_digests", "recipient_digests"):
                tx.execute(f"DELETE FROM {table}")
    finally:
        db.close()
    # Read as the migrating role, as a process that keeps no digests (the store has none now).
    owner_url = settings.migrate_database_url or settings.database_url
    store = CaseworkStore(replace(settings, database_url=owner_url, matching_key=None))
    try:
        with store.db.transaction() as tx:
            tx.execute(
                "SELECT originator_id FROM stored_events WHERE topic = %s ORDER BY position",
                (Family.Registered.TOPIC,),
            )
            families = [uuid_from_row(row[0]) for row in tx.fetchall()]
        kk = recipients = 0
        for start in range(0, len(families), BATCH):
            batch = merged(
                [
                    family_digests(key, store.load(Family, family_id))
                    for family_id in families[start : start + BATCH]
                ]
            )
            with store.db.transaction() as tx:
                apply_digests(tx, [batch], postgres=store.db.location.is_postgres)
            kk, recipients = kk + len(batch.kk), recipients + len(batch.recipients)
            if progress is not None:
                progress(min(start + BATCH, len(families)), len(families))
        with store.db.transaction() as tx:
            tx.execute(
                "INSERT INTO matching_key_check (singleton, fingerprint) VALUES (%s, %s)",
                (True, fingerprint),
            )
    finally:
        store.close()
    return (
        f"matching digests made under CASEWORK_MATCHING_KEY: {kk} active KK numbers, "
        f"{recipients} delivery recipients, from {len(families)} families"
    )
