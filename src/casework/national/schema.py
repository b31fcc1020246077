"""The national schema (`casework national migrate`) and each cell's two schemas.

The national schema's SQL is migrations/national/, applied by yoyo as the cells' is. A cell's
copy and read-model schemas are made when it is added: the copy from the cell's own migration
of its event store plus the other published tables (per-cell/copy.sql), the read models from
the cell's own read-model migrations, so that the funding ledger and the audit trail are the
cell's very tables and code, filled nationally.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import quote

import psycopg
from psycopg import sql
from yoyo import get_backend, read_migrations

from casework.national.naming import NATIONAL_SCHEMA, copy_schema, read_model_schema
from casework.settings import DatabaseLocation

# The cell's migrations whose tables the national side keeps per cell. A cell migration that
# changes one of these tables must be added here too (DDL does not replicate).
COPY_MIGRATIONS = ("0001.event-store",)
READ_MODEL_MIGRATIONS = ("0005.projections", "0006.funding-ledger", "0011.delivery-lines-dated")


def _migrations() -> Path:
    return Path(str(resources.files("casework") / "migrations"))


def migrate_national(location: DatabaseLocation) -> list[str]:
    """Apply the national schema's pending migrations; the ids applied."""
    with psycopg.connect(location.postgres_conninfo, autocommit=True) as conn:
        conn.execute(
            sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(NATIONAL_SCHEMA))
        )
    conninfo = location.postgres_conninfo.replace("postgresql://", "postgresql+psycopg://", 1)
    separator = "&" if "?" in conninfo else "?"
    backend = get_backend(f"{conninfo}{separator}schema={quote(NATIONAL_SCHEMA)}")
    migrations = read_migrations(str(_migrations() / "national"))
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    return [migration.id for migration in pending]


def national_migrated(conn: psycopg.Connection[Any]) -> bool:
    row = conn.execute("SELECT to_regclass('national.cells') IS NOT NULL").fetchone()
    return bool(row and row[0])


def create_cell_schemas(conn: psycopg.Connection[Any], cell: str) -> None:
    """Both schemas of a cell, in the caller's transaction."""
    _create(conn, copy_schema(cell), copy_schema(cell))
    for name in COPY_MIGRATIONS:
        conn.execute(_cell_migration(name))
    conn.execute(_per_cell("copy.sql", cell))
    _create(conn, read_model_schema(cell), f"{read_model_schema(cell)}, {copy_schema(cell)}")
    for name in READ_MODEL_MIGRATIONS:
        conn.execute(_cell_migration(name))
    conn.execute(_per_cell("read-models.sql", cell))
    conn.execute("SET LOCAL search_path TO DEFAULT")


def drop_cell_schemas(conn: psycopg.Connection[Any], cell: str) -> None:
    for schema in (read_model_schema(cell), copy_schema(cell)):
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _create(conn: psycopg.Connection[Any], schema: str, search_path: str) -> None:
    conn.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    # The names are checked cell names (casework.national.naming): safe in a SET.
    conn.execute(f"SET LOCAL search_path TO {search_path}")


def _cell_migration(name: str) -> bytes:
    return (_migrations() / "postgresql" / f"{name}.sql").read_bytes()


def _per_cell(name: str, cell: str) -> bytes:
    text = (_migrations() / "national" / "per-cell" / name).read_text()
    return text.replace("{cell}", cell).encode()
