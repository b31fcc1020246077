"""Connections and transactions for both backends, behind one small interface.

SQL in the project is written once with `%s` placeholders; the SQLite side rewrites them to
`?`. A *write* transaction holds the insert lock for its whole life: `BEGIN IMMEDIATE` on SQLite,
`LOCK TABLE stored_events IN EXCLUSIVE MODE` on PostgreSQL. That lock is what keeps commit
order equal to position order, so readers can never pass over an event that commits late.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from typing import Any, Protocol
from uuid import UUID

import psycopg
from psycopg_pool import ConnectionPool

from casework.settings import DatabaseLocation

sqlite3.register_adapter(UUID, str)


def uuid_from_row(value: Any) -> UUID:
    """A UUID as read back: a UUID from PostgreSQL, its text from SQLite (adapted above)."""
    return value if isinstance(value, UUID) else UUID(str(value))


Row = tuple[Any, ...]


class Transaction(Protocol):
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None: ...
    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None: ...
    def insert_rows(
        self,
        table: str,
        columns: Sequence[tuple[str, str]],
        rows: Sequence[Sequence[Any]],
        *,
        tail: str = "",
    ) -> None: ...
    def fetchone(self) -> Row | None: ...
    def fetchall(self) -> list[Row]: ...
    @property
    def rowcount(self) -> int: ...


class InsertTransaction(Transaction, Protocol):
    """The event recorder's transaction: it also reads rows back without a round trip."""

    def execute_later(self, sql: str, params: Sequence[Any] = ()) -> Callable[[], list[Row]]: ...


class Database(Protocol):
    location: DatabaseLocation

    def transaction(self, *, insert_lock: bool = False, pipelined: bool = False) -> Any: ...
    def single_read(self, *, binary: bool = False) -> Any: ...
    def close(self) -> None: ...


def any_of(column: str, values: Sequence[Any], *, postgres: bool) -> tuple[str, list[Any]]:
    """`column` matching any of `values`, and the parameters: on PostgreSQL `= ANY(%s)` with
    one array, so the statement's text is the same however many values (prepared once, and
    parsed once by psycopg, which caches no statement of more than 50 parameters: 13% of an
    import's saving process went to re-parsing a 500-key lookup); SQLite has no arrays."""
    if postgres:
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def unnest_insert(
    table: str, columns: Sequence[tuple[str, str]], computed: Sequence[tuple[str, str]] = ()
) -> str:
    """`INSERT INTO table (…) SELECT … FROM unnest(arrays)`: one binary array parameter per
    column in `columns` ((name, PostgreSQL type)), then the `computed` columns ((name, SQL
    expression)), evaluated per row; their parameters, if any, come before the arrays.
    Sending rows one statement each costs more in the driver and the server's executor than
    inserting them (a bulk import's 1,500 rows a batch); as arrays they are one executor run."""
    names = ", ".join(name for name, _ in columns)
    targets = ", ".join([names, *(name for name, _ in computed)])
    selected = ", ".join([names, *(expression for _, expression in computed)])
    arrays = ", ".join(f"%b::{kind}[]" for _, kind in columns)
    return f"INSERT INTO {table} ({targets}) SELECT {selected} FROM unnest({arrays}) AS r({names})"


def as_columns(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """Rows turned into `width` column lists, the parameters of an `unnest_insert`."""
    if not rows:
        return [[] for _ in range(width)]
    return [list(column) for column in zip(*rows, strict=True)]


class _CursorTransaction:
    """A DB-API cursor behind the Transaction interface; SQLite spells `%s` as `?`."""

    def __init__(self, cursor: Any, *, qmark: bool, pipeline: Any = None) -> None:
        self._cursor = cursor
        self._qmark = qmark
        self._pipeline = pipeline  # psycopg's, while statements are sent without waiting

    def _sql(self, sql: str) -> str:
        return sql.replace("%s", "?") if self._qmark else sql

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._cursor.execute(self._sql(sql), tuple(params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self._cursor.executemany(self._sql(sql), [tuple(r) for r in rows])

    def execute_later(self, sql: str, params: Sequence[Any] = ()) -> Callable[[], list[Row]]:
        """Run a statement whose rows are read only once the transaction is over (call the
        result). On PostgreSQL it runs on a cursor of its own, so in a pipeline its answer
        comes back with the others' and costs no round trip; SQLite runs it at once."""
        cursor = self._cursor.connection.cursor()
        cursor.execute(self._sql(sql), tuple(params))
        if self._qmark:
            rows = [tuple(row) for row in cursor.fetchall()]
            cursor.close()
            return lambda: rows

        def rows_later() -> list[Row]:
            with cursor:
                return [tuple(row) for row in cursor.fetchall()]

        return rows_later

    def insert_rows(
        self,
        table: str,
        columns: Sequence[tuple[str, str]],
        rows: Sequence[Sequence[Any]],
        *,
        tail: str = "",
    ) -> None:
        """Insert many rows; `columns` are (name, PostgreSQL type), `tail` ends the statement
        (`ON CONFLICT …`). PostgreSQL gets one statement, each column one binary array that
        `unnest` turns back into rows (see `unnest_insert`); SQLite runs in the process and
        takes them through executemany."""
        if not rows:
            return
        if self._qmark:
            names = ", ".join(name for name, _ in columns)
            marks = ", ".join(["?"] * len(columns))
            self.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks}) {tail}", rows)
            return
        sql = f"{unnest_insert(table, columns)} {tail}"
        self._cursor.execute(sql, as_columns(rows, len(columns)))

    def fetchone(self) -> Row | None:
        row = self._cursor.fetchone()
        return None if row is None else tuple(row)

    def fetchall(self) -> list[Row]:
        return [tuple(r) for r in self._cursor.fetchall()]

    @property
    def rowcount(self) -> int:
        """Of the last statement; in pipeline mode this waits for the answers sent so far."""
        if self._pipeline is not None:
            self._pipeline.sync()
        count: int = self._cursor.rowcount
        return count


class SQLiteDatabase:
    """One connection per thread to a WAL-mode file, fully synchronous (nothing acked is lost)."""

    def __init__(self, location: DatabaseLocation) -> None:
        assert location.sqlite_path is not None
        self.location = location
        self.path = location.sqlite_path
        self._local = threading.local()
        self._all: list[sqlite3.Connection] = []
        self._lock = threading.Lock()

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA foreign_keys=ON")
            # Deleted content is overwritten with zeros, not merely unlinked: an erased family's
            # names, or its destroyed key, must not live on in a page's free space or in a free
            # page. The cost is the zeroing, and a write of each page as it is freed (rare here:
            # rows are updated, and tables shrink only when a read model is rebuilt).
            conn.execute("PRAGMA secure_delete=ON")
            self._local.conn = conn
            with self._lock:
                self._all.append(conn)
        return conn

    @contextmanager
    def transaction(
        self, *, insert_lock: bool = False, pipelined: bool = False
    ) -> Iterator[Transaction]:
        """`pipelined` means nothing here: SQLite runs in the process, no round trips."""
        conn = self._connection()
        cursor = conn.cursor()
        # IMMEDIATE takes the write lock now rather than at the first write, so two writers
        # queue on busy_timeout instead of one failing with "database is locked".
        cursor.execute("BEGIN IMMEDIATE" if insert_lock else "BEGIN")
        try:
            yield _CursorTransaction(cursor, qmark=True)
        except BaseException:
            conn.rollback()
            raise
        else:
            conn.commit()
        finally:
            cursor.close()

    def single_read(self, *, binary: bool = False) -> Any:
        """For one SELECT: a read transaction costs nothing extra on SQLite (`binary` is
        PostgreSQL's wire format; values arrive the same here)."""
        return self.transaction()

    def close(self) -> None:
        with self._lock:
            for conn in self._all:
                conn.close()
            self._all.clear()
        self._local = threading.local()


def postgres_connect_kwargs(location: DatabaseLocation) -> dict[str, Any]:
    # JIT off: every statement here is a short indexed read or a batch write, and JIT compiles
    # for milliseconds whenever a plan's estimate passes jit_above_cost (seen: 3.4 ms of JIT on
    # a one-row family load whose table's statistics lagged a bulk load).
    options = "-c jit=off"
    if location.postgres_schema:
        options += f" -c search_path={location.postgres_schema}"
    return {"autocommit": True, "options": options}


class PostgresDatabase:
    def __init__(self, location: DatabaseLocation, *, max_connections: int = 16) -> None:
        self.location = location
        self.pool: ConnectionPool[psycopg.Connection[Any]] = ConnectionPool(
            location.postgres_conninfo,
            kwargs=postgres_connect_kwargs(location),
            min_size=1,
            max_size=max_connections,
            open=True,
        )

    @contextmanager
    def transaction(
        self, *, insert_lock: bool = False, pipelined: bool = False
    ) -> Iterator[Transaction]:
        """`pipelined`: statements are sent without waiting for each answer (psycopg's
        pipeline mode) until a result or a rowcount is asked for or the transaction ends; for
        the many small writes of a projection batch, and the insert transaction. An error
        then surfaces at the next fetch, rowcount or the commit, and rolls the whole
        transaction back all the same."""
        with self.pool.connection() as conn, ExitStack() as stack:
            pipeline = stack.enter_context(conn.pipeline()) if pipelined else None
            stack.enter_context(conn.transaction())
            cursor = stack.enter_context(conn.cursor())
            if insert_lock:
                # EXCLUSIVE still lets readers read; it serialises only the writers.
                cursor.execute("LOCK TABLE stored_events IN EXCLUSIVE MODE")
            yield _CursorTransaction(cursor, qmark=False, pipeline=pipeline)

    @contextmanager
    def single_read(self, *, binary: bool = False) -> Iterator[Transaction]:
        """For one SELECT, which is a transaction of its own: no BEGIN and COMMIT around it,
        two round trips fewer on the hot paths (every aggregate load, every key lookup).

        `binary`: results in PostgreSQL's binary format, for reads of many stored events: a
        bytea then comes as its bytes, not as hex text to encode and parse, and a batch of
        4,000 events took a third less CPU to fetch here (the values are the same types)."""
        with self.pool.connection() as conn, conn.cursor(binary=binary) as cursor:
            yield _CursorTransaction(cursor, qmark=False)

    def close(self) -> None:
        self.pool.close()


def open_database(location: DatabaseLocation) -> SQLiteDatabase | PostgresDatabase:
    if location.is_postgres:
        return PostgresDatabase(location)
    return SQLiteDatabase(location)
