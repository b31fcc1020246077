"""The cell's identity (name, areas, chain genesis), recorded once and checked at every start.

Like the master key's fingerprint, the identity is recorded by the first `casework migrate`
and every later process compares its own configuration with it before it writes anything: a
server started with another CASEWORK_CELL (or none) against a cell's store, or a cell's
configuration against a store that is not that cell, is refused with a message naming both.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

import psycopg

from casework.cell.config import CellConfig
from casework.settings import ConfigurationError, DatabaseLocation
from casework.store import chain
from casework.store.database import Database, Transaction, open_database


@dataclass(frozen=True)
class CellIdentity:
    name: str
    areas: tuple[str, ...]
    genesis: bytes


def read_identity(tx: Transaction) -> CellIdentity | None:
    tx.execute("SELECT name, areas, genesis FROM cell_identity")
    rows = tx.fetchall()
    if len(rows) > 1:
        names = ", ".join(str(row[0]) for row in rows)
        raise ConfigurationError(f"the store records several cell identities ({names})")
    if not rows:
        return None
    name, areas, genesis = rows[0]
    return CellIdentity(str(name), tuple(str(areas).split(",")), bytes(genesis))


def store_genesis(db: Database) -> bytes:
    """The store's h_0: the recorded cell genesis, else 32 zero bytes (not a cell)."""
    with db.transaction() as tx:
        identity = read_identity(tx)
    return chain.GENESIS if identity is None else identity.genesis


def check_cell(db: Database, cell: CellConfig | None) -> bytes:
    """Refuse a process whose cell is not the store's; the store's chain genesis otherwise."""
    with db.transaction() as tx:
        identity = read_identity(tx)
    _refuse_other_name(identity, cell)
    if cell is None or identity is None:
        if cell is not None:
            raise ConfigurationError(
                f"this store is not cell {cell.name} yet: run `casework migrate` with "
                f"CASEWORK_CELL={cell.name} first"
            )
        return chain.GENESIS
    if identity.areas != cell.areas:
        raise ConfigurationError(
            f"cell {cell.name} has the areas {','.join(identity.areas)} recorded, but "
            f"CASEWORK_CELL_AREAS says {cell.areas_text}: run `casework migrate` to record them"
        )
    return identity.genesis


def peek_identity(location: DatabaseLocation, cell: CellConfig | None) -> None:
    """Before `migrate` writes anything: refuse a store recorded as another cell. A store
    without the table yet (older or new) has nothing to compare with."""
    if location.sqlite_path is not None and not location.sqlite_path.exists():
        return
    db = open_database(location)
    try:
        with db.transaction() as tx:
            identity = read_identity(tx)
    except (sqlite3.OperationalError, psycopg.errors.UndefinedTable):
        return
    finally:
        db.close()
    _refuse_other_name(identity, cell)


def record_identity(db: Database, cell: CellConfig) -> tuple[CellIdentity, str]:
    """At `migrate`: record the cell (its genesis fixed for ever) or its new areas; returns
    the identity and what was done, in words for the operator."""
    now = "now()" if db.location.is_postgres else "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
    # Under the insert lock: no event may slip in between "the store is empty" and the genesis
    # that says so.
    with db.transaction(insert_lock=True) as tx:
        identity = read_identity(tx)
        _refuse_other_name(identity, cell)
        if identity is None:
            tx.execute("SELECT 1 FROM stored_events LIMIT 1")
            held_events = tx.fetchone() is not None
            genesis = chain.GENESIS if held_events else chain.cell_genesis(cell.name)
            tx.execute(
                "INSERT INTO cell_identity (name, areas, genesis, recorded_at) "
                f"VALUES (%s, %s, %s, {now})",
                (cell.name, cell.areas_text, genesis),
            )
            why = "the store held events already" if held_events else "a new chain"
            return CellIdentity(cell.name, cell.areas, genesis), (
                f"recorded cell {cell.name} (areas {cell.areas_text}; genesis {genesis.hex()}: "
                f"{why})"
            )
        if identity.areas != cell.areas:
            tx.execute(
                f"UPDATE cell_identity SET areas = %s, recorded_at = {now} WHERE name = %s",
                (cell.areas_text, cell.name),
            )
            return CellIdentity(cell.name, cell.areas, identity.genesis), (
                f"cell {cell.name}: areas {','.join(identity.areas)} -> {cell.areas_text}"
            )
        return identity, f"cell {cell.name} (areas {cell.areas_text})"


def _refuse_other_name(identity: CellIdentity | None, cell: CellConfig | None) -> None:
    if identity is None:
        return
    if cell is None:
        raise ConfigurationError(
            f"this store is cell {identity.name}: set CASEWORK_CELL={identity.name} and "
            f"CASEWORK_CELL_AREAS={','.join(identity.areas)} (refused, nothing written)"
        )
    if cell.name != identity.name:
        raise ConfigurationError(
            f"this store is cell {identity.name}, but CASEWORK_CELL is {cell.name} "
            "(refused, nothing written)"
        )
