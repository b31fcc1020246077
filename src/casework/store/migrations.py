"""Applies the SQL files in `migrations/<backend>/` through yoyo-migrations."""

from __future__ import annotations

import sqlite3
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict
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
    conninfo = _single_host(location.postgres_conninfo)
    conninfo = conninfo.replace("postgresql://", "postgresql+psycopg://", 1)
    if location.postgres_schema:
        separator = "&" if "?" in conninfo else "?"
        conninfo += f"{separator}schema={quote(location.postgres_schema)}"
    return conninfo


def _single_host(conninfo: str) -> str:
    """The URL of the one server that answers a multi-host URL, as libpq would choose it.

    A cell run by Patroni is reached through `postgresql://u@a:5432,b:5432/db?
    target_session_attrs=read-write`; psycopg (libpq) picks the writable host, but yoyo parses
    the URL itself and takes one host only. So libpq connects first, and yoyo is given the host
    and port it settled on. A single-host URL is returned unchanged.
    """
    hosts = conninfo_to_dict(conninfo).get("host")
    if not isinstance(hosts, str) or "," not in hosts:
        return conninfo
    with psycopg.connect(conninfo) as conn:
        info = conn.info
        chosen = {
            key: value
            for key, value in info.get_parameters().items()
            if key not in ("host", "hostaddr", "port", "target_session_attrs", "dbname", "user")
        }
        userinfo = quote(info.user, safe="")
        if info.password:
            userinfo += ":" + quote(info.password, safe="")
        query = urlencode(chosen)
        url = f"postgresql://{userinfo}@{info.host}:{info.port}/{quote(info.dbname, safe='')}"
        return f"{url}?{query}" if query else url


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
