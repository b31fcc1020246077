"""A scratch copy of the schema, empty, to rebuild read models into and compare with the live ones.

On PostgreSQL it is a fresh schema in the same database (`<live schema>_verify_<random>`),
created, migrated and dropped by the migration role, which may run DDL where the service role
may not. On SQLite it is a temporary database file in a private directory beside the live one
(the rebuilt family index holds names, so it stays where the live database's protection is).
Either way it is migrated with the project's own migrations and removed afterwards, also when
the verification fails half-way. No events are copied: the rebuild reads them from the store.
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from casework.settings import DatabaseLocation, Settings
from casework.store.database import Database, open_database
from casework.store.migrations import apply_migrations

_MAX_IDENTIFIER = 63  # PostgreSQL's NAMEDATALEN - 1


@contextmanager
def scratch_database(settings: Settings) -> Iterator[Database]:
    """An empty, migrated database of the live one's backend; gone when the block ends."""
    live = settings.migration_database
    place = _scratch_schema(live) if live.is_postgres else _scratch_file(live)
    with place as location:
        apply_migrations(location)
        db = open_database(location)
        try:
            yield db
        finally:
            db.close()


def scratch_schema_name(live_schema: str | None) -> str:
    suffix = f"_verify_{secrets.token_hex(4)}"
    return (live_schema or "public")[: _MAX_IDENTIFIER - len(suffix)] + suffix


@contextmanager
def _scratch_schema(live: DatabaseLocation) -> Iterator[DatabaseLocation]:
    schema = scratch_schema_name(live.postgres_schema)
    try:
        yield DatabaseLocation(
            backend="postgresql", postgres_conninfo=live.postgres_conninfo, postgres_schema=schema
        )
    finally:
        with psycopg.connect(live.postgres_conninfo, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


@contextmanager
def _scratch_file(live: DatabaseLocation) -> Iterator[DatabaseLocation]:
    assert live.sqlite_path is not None
    # mkdtemp makes the directory readable by its owner only.
    folder = Path(tempfile.mkdtemp(prefix=".casework-verify-", dir=live.sqlite_path.parent))
    try:
        yield DatabaseLocation(backend="sqlite", sqlite_path=folder / "scratch.db")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
