"""Physical removal of erased personal data from the database files, after the erasure commits.

Destroying a family's key and nulling its read-model rows changes what every query sees; it
does not by itself remove the old bytes from the files the database keeps.

PostgreSQL. An UPDATE leaves the old row version (the wrapped key, the names) in its page as a
dead tuple, and in every index that held its values, until VACUUM. Plain VACUUM removes dead
tuples and their index entries, but not their bytes: pruning compacts a page and leaves what
lay in the freed space as it was (measured on 15: when the erased row was the lowest on its
page, half of it, wrapped key included, was still in the page after VACUUM). Only a rewrite
guarantees that no page keeps them: VACUUM FULL copies the live rows into new files (indexes
rebuilt) and drops the old ones; ANALYZE then replaces the column statistics, whose sample
values (pg_statistic) may hold a name or a key. A rewrite costs the table's size and holds an
ACCESS EXCLUSIVE lock meanwhile (measured here: 0.1 s for 30,000 keys, 0.3 s for 120,000
members, 1.1 s for 400,000 claims; a city's scale, not a nation's, where these tables would
have to be hash-partitioned by family and only the family's partitions named here). It runs
under a lock timeout, so that a long transaction elsewhere makes the purge give up and say
so instead of queueing every reader of the table behind it. VACUUM keeps a dead row that an
older snapshot may still see (FULL copies it into the new files), so the purge first waits for
the transactions that began before it; it needs to see other roles' sessions for that. This runs
as the migration role, which owns the tables (VACUUM needs the owner). Not covered, and for
the operator's retention settings: WAL segments not yet recycled, WAL archives and standbys
(and a standby's hot_standby_feedback or a replication slot holding rows back), prepared
transactions, base backups, the old statistics row until pg_statistic itself is vacuumed,
and the filesystem blocks the dropped files occupied.

SQLite. `secure_delete` (on for every connection, casework.store.database) zeroes content as it is
deleted or freed, so a page written after the erasure keeps no copy of it; a TRUNCATE
checkpoint then copies those pages into the database file and empties the WAL, where older
page images (the key, the names) would otherwise stay until the WAL is reused.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql

from casework.settings import DatabaseLocation, Settings
from casework.store.database import postgres_connect_kwargs

LOCK_TIMEOUT = "5s"
ATTEMPTS = 3
OLDER_TRANSACTIONS_WAIT = 30.0
_PAUSE_SECONDS = 0.5
# Who can see every session's snapshot in pg_stat_activity (others see NULLs there).
_SEES_ALL = (
    "SELECT rolsuper OR pg_has_role(current_user, 'pg_read_all_stats', 'MEMBER') "
    "FROM pg_roles WHERE rolname = current_user"
)
# Transactions in this database that began before %s and hold a snapshot or an xid. Only
# this database's count: VACUUM of an ordinary table ignores the others (and autovacuum).
_OLDER = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid() AND backend_type <> 'autovacuum worker' "
    "AND (backend_xmin IS NOT NULL OR backend_xid IS NOT NULL) AND xact_start < %s"
)
# VACUUM by a role that does not own the table only warns ("skipping ...") and succeeds, so
# ownership is asked first: a purge run as the service role must not report a rewrite as done.
_OWNS = (
    "SELECT pg_has_role(current_user, c.relowner, 'USAGE') FROM pg_class c "
    "WHERE c.oid = to_regclass(%s)"
)


@dataclass(frozen=True)
class Purge:
    """What was done, and what could not be (the erasure itself stands either way)."""

    done: tuple[str, ...] = ()
    failed: tuple[str, ...] = ()


def purge_erased(settings: Settings, tables: Sequence[str]) -> Purge:
    """Rewrite (PostgreSQL) the tables that held erased data, or checkpoint (SQLite)."""
    location = settings.migration_database
    if location.is_postgres:
        return _purge_postgres(location, tables)
    assert settings.database.sqlite_path is not None
    return _checkpoint_sqlite(str(settings.database.sqlite_path))


def _purge_postgres(location: DatabaseLocation, tables: Sequence[str]) -> Purge:
    done: list[str] = []
    failed: list[str] = []
    # Autocommit (postgres_connect_kwargs): VACUUM cannot run inside a transaction block.
    with psycopg.connect(location.postgres_conninfo, **postgres_connect_kwargs(location)) as conn:
        conn.execute(sql.SQL("SET lock_timeout = {}").format(sql.Literal(LOCK_TIMEOUT)))
        problem = _wait_for_older_transactions(conn)
        if problem is not None:
            failed.append(problem)
        for table in tables:
            problem = _rewrite(conn, sql.Identifier(table))
            step = f"VACUUM (FULL, ANALYZE) {table}"
            if problem is None:
                done.append(step)
            else:
                failed.append(f"{step}: {problem}")
    return Purge(tuple(done), tuple(failed))


def _wait_for_older_transactions(conn: psycopg.Connection[Any]) -> str | None:
    """A transaction that began before the erasure committed may still see the old rows, and
    VACUUM FULL copies such rows into the new files: wait until every one of them has ended.
    None once they have; else what stands in the way."""
    row = conn.execute(_SEES_ALL).fetchone()
    if not (row and row[0]):
        return "other sessions' transactions not visible: grant pg_read_all_stats"
    since = conn.execute("SELECT clock_timestamp()").fetchone()
    deadline = time.monotonic() + OLDER_TRANSACTIONS_WAIT
    while pids := [row[0] for row in conn.execute(_OLDER, (since[0] if since else None,))]:
        if time.monotonic() >= deadline:
            return f"transactions older than the erasure still open: pids {pids}"
        time.sleep(0.05)
    return None


def _rewrite(conn: psycopg.Connection[Any], relation: sql.Identifier) -> str | None:
    """None when the relation was rewritten, else why not."""
    owned = conn.execute(_OWNS, (relation.as_string(conn),)).fetchone()
    if not (owned and owned[0]):
        return "not the table's owner: purge as the migration role (CASEWORK_MIGRATE_DATABASE_URL)"
    statement = sql.SQL("VACUUM (FULL, ANALYZE) {}").format(relation)
    for attempt in range(ATTEMPTS):
        try:
            conn.execute(statement)
            return None
        except psycopg.errors.LockNotAvailable:
            if attempt + 1 < ATTEMPTS:
                time.sleep(_PAUSE_SECONDS * (attempt + 1))
        except psycopg.Error as error:
            return type(error).__name__
    return f"the table stayed locked for {ATTEMPTS} tries of {LOCK_TIMEOUT}"


def _checkpoint_sqlite(path: str) -> Purge:
    conn = sqlite3.connect(path, isolation_level=None, timeout=30)
    try:
        for attempt in range(ATTEMPTS):
            # (busy, WAL frames, frames checkpointed); busy while a reader still uses the WAL.
            row = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if row is not None and row[0] == 0:
                return Purge(done=("WAL checkpoint (TRUNCATE)",))
            time.sleep(_PAUSE_SECONDS * (attempt + 1))
    finally:
        conn.close()
    return Purge(failed=("WAL checkpoint (TRUNCATE): a reader kept the WAL busy",))
