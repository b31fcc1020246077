"""`casework migrate`: the schema, then the master key the database will be bound to, then
the cell's identity and publication when CASEWORK_CELL is set."""

from __future__ import annotations

from collections.abc import Callable

from casework.cell.digest_backfill import make_digests
from casework.cell.heartbeat import beat
from casework.cell.identity import peek_identity, record_identity
from casework.cell.publication import ensure_publications
from casework.settings import Settings
from casework.store.crypto import load_master_key
from casework.store.database import open_database
from casework.store.family_keys import FamilyKeys
from casework.store.migrations import apply_migrations


def migrate_store(
    settings: Settings,
    *,
    report: list[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[str]:
    """Apply pending migrations as the migration role; create and record the master key;
    record the cell and its publications; make the matching digests a store lacks (with
    `progress` over its families). What was done beyond the migrations is appended to
    `report` (lines for the operator)."""
    cell = settings.cell  # a malformed cell configuration is refused before connecting
    # A store recorded as another cell (or as one, when this process is none) is refused
    # before any migration writes to it.
    peek_identity(settings.migration_database, cell)
    applied = apply_migrations(settings.migration_database)
    master = load_master_key(settings, create=True)
    db = open_database(settings.migration_database)
    notes = [] if report is None else report
    try:
        FamilyKeys(db, master).check_master_key(record_if_absent=True)
        if cell is not None:
            identity, done = record_identity(db, cell)
            notes.append(done)
            beat(db, cell.name, identity.genesis)  # the row exists before anything subscribes
    finally:
        db.close()
    if cell is not None:
        notes.append(ensure_publications(settings.migration_database, cell))
    made = make_digests(settings, progress)
    if made is not None:
        notes.append(made)
    return applied
