"""The cell's publications: exactly the tables the national side may receive, nothing else.

PostgreSQL 15 takes one `publish` option per publication, so there are two (the interface in
API.md "National deployment"): `casework_cell_<name>` publishes the inserts of the events
(they are never updated or deleted), `casework_cell_<name>_state` the inserts, updates and
deletes of the identity, the heartbeat, the matching digests and the coverage figures (a
deleted digest, as an erasure deletes it, must vanish from the national copy too). Neither
publishes TRUNCATE. Family keys, users, kept answers and the personal read models are never
listed. `casework migrate` creates them, and on every later run puts their table lists back to
exactly these (the coverage figures join once issue 26's migration has made their table).

Creating a publication needs `wal_level = logical` (a restart of PostgreSQL) and ownership of
the tables (the migrating role); the national side connects as a role with REPLICATION.
"""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg import sql

from casework.cell.config import CellConfig
from casework.settings import DatabaseLocation

EVENT_TABLES = ("stored_events",)
STATE_TABLES = (
    "cell_identity",
    "cell_heartbeat",
    "kk_digests",
    "recipient_digests",
    "coverage_figures",
)


@dataclass(frozen=True)
class Publication:
    name: str
    tables: tuple[str, ...]
    publish: str


def publications(cell: CellConfig) -> tuple[Publication, Publication]:
    base = f"casework_cell_{cell.name}"
    return (
        Publication(base, EVENT_TABLES, "insert"),
        Publication(f"{base}_state", STATE_TABLES, "insert, update, delete"),
    )


def cannot_publish(location: DatabaseLocation, conn: psycopg.Connection | None) -> str | None:
    """Why this store cannot publish (None: it can)."""
    if not location.is_postgres or conn is None:
        return (
            "a cell on SQLite keeps its genesis and its outside-cell rules but cannot publish: "
            "logical replication to the national database needs PostgreSQL"
        )
    row = conn.execute("SHOW wal_level").fetchone()
    level = None if row is None else str(row[0])
    if level != "logical":
        return (
            f"the cell cannot publish until wal_level is logical (it is {level}): set "
            "wal_level = logical in postgresql.conf, restart PostgreSQL, run casework migrate"
        )
    return None


def ensure_publications(location: DatabaseLocation, cell: CellConfig) -> str:
    """Create or correct the cell's publications; in words, what is now published or why not."""
    done = _publishing(location, cell, correct=True)
    return f"cell {cell.name}: {done.removeprefix('none: ')}"


def publication_report(location: DatabaseLocation, cell: CellConfig) -> str:
    """What is published, or `none: ` and why not (`casework cell status`; changes nothing)."""
    return _publishing(location, cell, correct=False)


def _publishing(location: DatabaseLocation, cell: CellConfig, *, correct: bool) -> str:
    if not location.is_postgres:
        return f"none: {cannot_publish(location, None)}"
    with psycopg.connect(location.postgres_conninfo, autocommit=True) as conn:
        why_not = cannot_publish(location, conn)
        if why_not is not None:
            return f"none: {why_not}"
        if correct:
            with conn.transaction():
                for publication in publications(cell):
                    _ensure(conn, cell.schema, publication)
        return describe(conn, cell)


def published_tables(conn: psycopg.Connection, schema: str, name: str) -> set[str] | None:
    """The tables a publication lists (None: no such publication)."""
    found = conn.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", (name,)).fetchone()
    if found is None:
        return None
    rows = conn.execute(
        "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = %s", (name,)
    ).fetchall()
    return {
        table if table_schema == schema else f"{table_schema}.{table}"
        for table_schema, table in rows
    }


def describe(conn: psycopg.Connection, cell: CellConfig) -> str:
    """`published as …` naming each publication's tables, or which one is missing."""
    parts = []
    for publication in publications(cell):
        tables = published_tables(conn, cell.schema, publication.name)
        if tables is None:
            return f"the publication {publication.name} is missing (run casework migrate)"
        parts.append(f"{publication.name} ({publication.publish}: {', '.join(sorted(tables))})")
    return "published as " + "; ".join(parts)


def _ensure(conn: psycopg.Connection, schema: str, publication: Publication) -> None:
    wanted = [table for table in publication.tables if _exists(conn, schema, table)]
    listed = published_tables(conn, schema, publication.name)
    name = sql.Identifier(publication.name)
    options = sql.SQL("WITH (publish = {})").format(sql.Literal(publication.publish))
    tables = sql.SQL(", ").join(sql.Identifier(schema, table) for table in wanted)
    if listed is None:
        conn.execute(sql.SQL("CREATE PUBLICATION {} FOR TABLE {} {}").format(name, tables, options))
        return
    if listed != set(wanted):
        # Exactly these tables, whatever was added or removed by hand meanwhile.
        conn.execute(sql.SQL("ALTER PUBLICATION {} SET TABLE {}").format(name, tables))
    conn.execute(
        sql.SQL("ALTER PUBLICATION {} SET (publish = {})").format(
            name, sql.Literal(publication.publish)
        )
    )


def _exists(conn: psycopg.Connection, schema: str, table: str) -> bool:
    row = conn.execute(
        "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = %s", (schema, table)
    ).fetchone()
    return row is not None
