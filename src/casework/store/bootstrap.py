"""`casework migrate`: the schema, then the master key the database will be bound to."""

from __future__ import annotations

from casework.settings import Settings
from casework.store.crypto import load_master_key
from casework.store.database import open_database
from casework.store.family_keys import FamilyKeys
from casework.store.migrations import apply_migrations


def migrate_store(settings: Settings) -> list[str]:
    """Apply pending migrations as the migration role; create and record the master key."""
    applied = apply_migrations(settings.migration_database)
    master = load_master_key(settings, create=True)
    db = open_database(settings.migration_database)
    try:
        FamilyKeys(db, master).check_master_key(record_if_absent=True)
    finally:
        db.close()
    return applied
