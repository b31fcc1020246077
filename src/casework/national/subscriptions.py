"""Following a cell: `national add-cell`, `remove-cell` and `resync`.

One subscription per cell (`casework_national_<name>`, its slot of the same name on the cell)
to both of the cell's publications. Before subscribing, the address is checked to be the cell
it is said to be: its recorded name (`cell_<name>.cell_identity`) must be that name, or the
national side would file one province's events under another's.

The cell's connection string is given to PostgreSQL's subscription and kept only there
(`pg_subscription`, readable by superusers), never in a national table.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from casework.national.naming import (
    checked_cell_name,
    copy_schema,
    publication_names,
    subscription_name,
)
from casework.national.schema import create_cell_schemas, drop_cell_schemas, national_migrated
from casework.settings import DatabaseLocation, parse_database_url


class CellRefused(RuntimeError):
    """The cell cannot be added, removed or resynced; the message says why and what to do."""


@dataclass(frozen=True)
class CellIdentity:
    name: str
    areas: str
    genesis: bytes


def add_cell(location: DatabaseLocation, name: str, cell_url: str) -> CellIdentity:
    """Make the cell's schemas and subscribe to its publications from their beginning."""
    cell = checked_cell_name(name)
    conninfo = parse_database_url(cell_url).postgres_conninfo
    with _national(location) as conn:
        _require_superuser(conn)
        found = conn.execute("SELECT 1 FROM national.cells WHERE name = %s", (cell,)).fetchone()
        if found is not None:
            raise CellRefused(
                f"cell {cell} is already added; `casework national resync {cell}` subscribes "
                "to it again from the beginning"
            )
        identity = read_cell_identity(conninfo, cell)
        with conn.transaction():
            create_cell_schemas(conn, cell)
            conn.execute("INSERT INTO national.cells (name) VALUES (%s)", (cell,))
            conn.execute(
                "INSERT INTO national.chain_heads (cell, position, head_hash) VALUES (%s, 0, %s)",
                (cell, identity.genesis),
            )
        try:
            _subscribe(conn, cell, conninfo)
        except psycopg.Error as error:
            with conn.transaction():
                drop_cell_schemas(conn, cell)
                conn.execute("DELETE FROM national.cells WHERE name = %s", (cell,))
            raise CellRefused(f"cell {cell}: the subscription was refused: {error}") from error
    return identity


def remove_cell(location: DatabaseLocation, name: str) -> str:
    """Stop following the cell and drop its slot on the cell; its copy stays, read-only.
    What was done, in words (the slot is left behind when the cell cannot be reached)."""
    cell = checked_cell_name(name)
    with _national(location) as conn:
        _require_superuser(conn)
        _require_cell(conn, cell)
        done = _unsubscribe(conn, cell)
        conn.execute("UPDATE national.cells SET following = false WHERE name = %s", (cell,))
    return done


def resync(location: DatabaseLocation, name: str, cell_url: str | None) -> CellIdentity:
    """Drop the cell's copy and every national row built from it, then subscribe again from
    the beginning (after a lost slot or a broken chain). The address is the subscription's,
    unless given (it must be, once the cell has been removed)."""
    cell = checked_cell_name(name)
    with _national(location) as conn:
        _require_superuser(conn)
        _require_cell(conn, cell)
        row = conn.execute(
            "SELECT subconninfo FROM pg_subscription WHERE subname = %s",
            (subscription_name(cell),),
        ).fetchone()
        conninfo = cell_url or (str(row[0]) if row else None)
        if conninfo is None:
            raise CellRefused(
                f"cell {cell} is no longer subscribed: give its address with --url CONNINFO"
            )
        read_cell_identity(parse_database_url(conninfo).postgres_conninfo, cell)
        if row is not None:
            _unsubscribe(conn, cell)
        with conn.transaction():
            drop_cell_schemas(conn, cell)
            conn.execute("DELETE FROM national.cells WHERE name = %s", (cell,))
    return add_cell(location, cell, conninfo)


def read_cell_identity(conninfo: str, cell: str) -> CellIdentity:
    """The identity the cell recorded at its first migrate, read on the cell itself."""
    table = sql.Identifier(copy_schema(cell), "cell_identity")
    try:
        with psycopg.connect(conninfo, connect_timeout=10, autocommit=True) as conn:
            rows = conn.execute(
                sql.SQL("SELECT name, areas, genesis FROM {}").format(table)
            ).fetchall()
            published = {
                str(pub[0])
                for pub in conn.execute(
                    "SELECT pubname FROM pg_publication WHERE pubname = ANY(%s)",
                    (list(publication_names(cell)),),
                )
            }
    except psycopg.errors.UndefinedTable as error:
        raise CellRefused(
            f"no casework cell {cell} at that address: it has no {copy_schema(cell)}."
            "cell_identity (run `casework migrate` there with CASEWORK_CELL="
            f"{cell} and ?schema={copy_schema(cell)} in its URL)"
        ) from error
    except psycopg.OperationalError as error:
        raise CellRefused(f"cell {cell} cannot be reached: {error}") from error
    if len(rows) != 1 or rows[0][0] != cell:
        recorded = ", ".join(str(row[0]) for row in rows) or "none"
        raise CellRefused(
            f"the database at that address records the cell name {recorded}, not {cell}: "
            "refused, or its events would be filed under another cell"
        )
    missing = [name for name in publication_names(cell) if name not in published]
    if missing:
        raise CellRefused(
            f"cell {cell} publishes nothing yet ({', '.join(missing)} missing): its server "
            "needs wal_level = logical, then `casework migrate` again on the cell"
        )
    return CellIdentity(cell, str(rows[0][1]), bytes(rows[0][2]))


def _subscribe(conn: psycopg.Connection[Any], cell: str, conninfo: str) -> None:
    # CREATE SUBSCRIPTION cannot run in a transaction block (it makes the slot on the cell).
    events, state = publication_names(cell)
    conn.execute(
        sql.SQL(
            "CREATE SUBSCRIPTION {} CONNECTION {} PUBLICATION {}, {} WITH (slot_name = {})"
        ).format(
            sql.Identifier(subscription_name(cell)),
            sql.Literal(conninfo),
            sql.Identifier(events),
            sql.Identifier(state),
            sql.Literal(subscription_name(cell)),
        )
    )


def _unsubscribe(conn: psycopg.Connection[Any], cell: str) -> str:
    name = sql.Identifier(subscription_name(cell))
    found = conn.execute(
        "SELECT 1 FROM pg_subscription WHERE subname = %s", (subscription_name(cell),)
    ).fetchone()
    if found is None:
        return f"cell {cell} was not subscribed"
    try:
        conn.execute(sql.SQL("DROP SUBSCRIPTION {}").format(name))
        return f"cell {cell}: subscription and its slot on the cell dropped"
    except psycopg.OperationalError:
        # The cell is unreachable: let go of the slot here, and say it must be dropped there.
        conn.execute(sql.SQL("ALTER SUBSCRIPTION {} DISABLE").format(name))
        conn.execute(sql.SQL("ALTER SUBSCRIPTION {} SET (slot_name = NONE)").format(name))
        conn.execute(sql.SQL("DROP SUBSCRIPTION {}").format(name))
        return (
            f"cell {cell}: subscription dropped, but the cell could not be reached: drop its "
            f"slot there, or it keeps WAL: SELECT pg_drop_replication_slot("
            f"'{subscription_name(cell)}')"
        )


def _national(location: DatabaseLocation) -> psycopg.Connection[Any]:
    conn: psycopg.Connection[Any] = psycopg.connect(location.postgres_conninfo, autocommit=True)
    if not national_migrated(conn):
        conn.close()
        raise CellRefused("the national database is not migrated: run `casework national migrate`")
    return conn


def _require_superuser(conn: psycopg.Connection[Any]) -> None:
    row = conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
    if not (row and row[0]):
        raise CellRefused(
            "subscribing to a cell needs a superuser on PostgreSQL 15: connect "
            "CASEWORK_NATIONAL_DATABASE_URL as one (e.g. postgres) for add-cell, remove-cell "
            "and resync"
        )


def _require_cell(conn: psycopg.Connection[Any], cell: str) -> None:
    if conn.execute("SELECT 1 FROM national.cells WHERE name = %s", (cell,)).fetchone() is None:
        raise CellRefused(f"no cell {cell} has been added (`casework national add-cell`)")
