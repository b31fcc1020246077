"""Applies the SQL files in `migrations/<backend>/` through yoyo-migrations."""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg import sql
from yoyo import get_backend, read_migrations

from casework.settings import DatabaseLocation
from casework.store.database import Database


class DatabaseNotMigrated(RuntimeError):
    """The database lacks migrations this version of casework needs."""


def migrations_folder(location: DatabaseLocation) -> Path:
    folder = resources.files("casework") / "migrations" / location.backend
    return Path(str(folder))


def _yoyo_uri(location: DatabaseLocation) -> str:
    if location.sqlite_path is not None:
        return f"sqlite:///{location.sqlite_path}"
    conninfo = location.postgres_conninfo.replace("postgresql://", "postgresql+psycopg://", 1)
    if location.postgres_schema:
        separator = "&" if "?" in conninfo else "?"
        conninfo += f"{separator}schema={quote(location.postgres_schema)}"
    return conninfo


def _backend(location: DatabaseLocation) -> Any:
    if location.is_postgres and location.postgres_schema:
        # yoyo only sets search_path; the schema itself must exist first. Created only when
        # missing: an owner given its schema by the DBA may lack CREATE on the database, and
        # PostgreSQL checks that privilege before IF NOT EXISTS.
        with psycopg.connect(location.postgres_conninfo, autocommit=True) as conn:
            schema = location.postgres_schema
            found = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = %s", (schema,))
            if found.fetchone() is None:
                conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    return get_backend(_yoyo_uri(location))


def apply_migrations(location: DatabaseLocation, *, until: str | None = None) -> list[str]:
    """Apply every pending migration (with `until`, only those up to that id, as an older
    casework would have: for tests of a migration on data of the schema before it); return
    the ids applied (empty when up to date)."""
    backend = _backend(location)
    migrations = read_migrations(str(migrations_folder(location)))
    if until is not None:
        migrations = migrations.filter(lambda migration: migration.id <= until)
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return [m.id for m in pending]


def pending_migrations(db: Database) -> list[str]:
    """Migrations not yet applied, read with plain SELECTs (the service role may lack DDL)."""
    wanted = sorted(path.stem for path in migrations_folder(db.location).glob("*.sql"))
    try:
        with db.transaction() as tx:
            tx.execute("SELECT migration_id FROM _yoyo_migration")
            applied = {row[0] for row in tx.fetchall()}
    except (sqlite3.OperationalError, psycopg.errors.UndefinedTable):
        applied = set()
    return [migration for migration in wanted if migration not in applied]


def require_migrated(db: Database) -> None:
    pending = pending_migrations(db)
    if pending:
        raise DatabaseNotMigrated(
            f"the database is not migrated ({len(pending)} pending: {', '.join(pending)}); "
            "run `casework migrate` first"
        )
