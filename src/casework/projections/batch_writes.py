"""A projection batch's writes, gathered: one statement per table for a whole batch of events.

Sending a statement costs far more in the driver than the database spends on a one-row insert
(about 40 µs of Python each through psycopg against a few µs of server work), so a rebuild
that wrote row by row was bound by the statement count. Handlers therefore hand their common
writes to `BatchWrites`:

- `insert(table, row)` adds a row (optionally only if its key is absent);
- `update(table, key, values)` sets columns of an existing row, the last value in the batch
  winning for each key;
- `hold(statement, row)` runs a `RowsStatement` of the projection's own (an INSERT … SELECT
  that joins what it is given with a table) for the row.

They are held and sent when the batch ends, and before any other statement the handler runs
through `BatchWrites` itself (a read, a delete, an increment), so that statement sees every
write before it. Among themselves they go inserts first, then updates, then held statements,
each kind in the order first written: an update or a held statement may therefore rely on
rows inserted earlier in the batch, but nothing held may rely on a held statement's rows.
Updates are last-wins for the same reason; anything that needs strict order runs directly.

PostgreSQL receives a group's rows as one JSON parameter, which `json_populate_recordset`
expands against the table's own row type (`json_to_recordset` with the statement's column
list for held statements): the server parses and casts. Values must be JSON-encodable as the
column's text form (str, int, bool, None, UUID, date, datetime; no bytes). SQLite runs in the
process, so it takes the same rows through `executemany`.

A batch may also be applied *ahead*, before its transaction exists (`BatchWrites.ahead`): the
runner applies the next batch while the last one is still being written. Everything the
handlers write is then queued, in the same order, and `send` writes it once the transaction
holds the projection's position. Such a batch cannot see results (`fetchone` and the like
refuse); it reads with `read`, which sees only what was committed, so a projection applied
ahead reads only state its own earlier batches of the run have not touched (see `run`).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import msgspec

from casework.store.database import Row, Transaction

_encode = msgspec.json.Encoder().encode


@dataclass(frozen=True)
class RowsStatement:
    """A statement run once for all of a batch's rows (`BatchWrites.hold`)."""

    postgres: str  # one %s: the rows as a JSON array of objects, for json_to_recordset
    sqlite: str  # one %s per column, in `columns` order, run for each row
    columns: tuple[str, ...]


class _Held:
    def __init__(self, statement: RowsStatement) -> None:
        self.statement = statement
        self.rows: list[Mapping[str, Any]] = []

    def send(self, tx: Transaction, *, postgres: bool) -> None:
        if postgres:
            tx.execute(self.statement.postgres, (_encode(self.rows).decode(),))
        else:
            columns = self.statement.columns
            tx.executemany(
                self.statement.sqlite,
                [tuple(row[column] for column in columns) for row in self.rows],
            )


class _Inserts:
    def __init__(self, table: str, columns: tuple[str, ...], if_absent: bool) -> None:
        self.table, self.columns, self.if_absent = table, columns, if_absent
        self.rows: list[Mapping[str, Any]] = []

    def send(self, tx: Transaction, *, postgres: bool) -> None:
        names = ", ".join(self.columns)
        conflict = " ON CONFLICT DO NOTHING" if self.if_absent else ""
        if postgres:
            tx.execute(
                f"INSERT INTO {self.table} ({names}) SELECT {names} "
                f"FROM json_populate_recordset(NULL::{self.table}, %s::json){conflict}",
                (_encode(self.rows).decode(),),
            )
        else:
            marks = ", ".join(["%s"] * len(self.columns))
            tx.executemany(
                f"INSERT INTO {self.table} ({names}) VALUES ({marks}){conflict}",
                [tuple(row[column] for column in self.columns) for row in self.rows],
            )


class _Updates:
    def __init__(self, table: str, key: tuple[str, ...], columns: tuple[str, ...]) -> None:
        self.table, self.key, self.columns = table, key, columns
        self.rows: dict[tuple[Any, ...], dict[str, Any]] = {}  # by key value, last one wins

    def send(self, tx: Transaction, *, postgres: bool) -> None:
        if postgres:
            assignments = ", ".join(f"{column} = v.{column}" for column in self.columns)
            matches = " AND ".join(f"t.{column} = v.{column}" for column in self.key)
            tx.execute(
                f"UPDATE {self.table} AS t SET {assignments} "
                f"FROM json_populate_recordset(NULL::{self.table}, %s::json) AS v "
                f"WHERE {matches}",
                (_encode(list(self.rows.values())).decode(),),
            )
        else:
            assignments = ", ".join(f"{column} = %s" for column in self.columns)
            matches = " AND ".join(f"{column} = %s" for column in self.key)
            tx.executemany(
                f"UPDATE {self.table} SET {assignments} WHERE {matches}",
                [
                    (*(row[c] for c in self.columns), *(row[c] for c in self.key))
                    for row in self.rows.values()
                ],
            )


Write = Callable[[Transaction], None]
CommittedRead = Callable[[str, Sequence[Any]], list[Row]]


class BatchWrites:
    """The batch's transaction, with held inserts and updates (a `Transaction` itself).

    `run` is shared by the batches of one uninterrupted run of the runner, each applied where
    the one before it left off: a projection may keep what it learnt from earlier batches
    keyed on it (the ledger: every source's current figures). A batch that might not follow
    the last one written (the first, or any after a rollback or another runner's batch)
    comes with a new one."""

    def __init__(
        self,
        tx: Transaction | None,
        *,
        postgres: bool,
        run: object | None = None,
        read_committed: CommittedRead | None = None,
    ) -> None:
        assert (tx is None) == (read_committed is not None), "ahead, a batch reads committed rows"
        self._tx = tx
        self._postgres = postgres
        self.run: object = object() if run is None else run
        self._read_committed = read_committed
        self._inserts: dict[tuple[str, tuple[str, ...], bool], _Inserts] = {}
        self._updates: dict[tuple[str, tuple[str, ...], tuple[str, ...]], _Updates] = {}
        self._held: dict[RowsStatement, _Held] = {}
        self._queued: list[Write] = []  # applied ahead: every write, in order, until `send`

    @property
    def postgres(self) -> bool:
        """Whether the batch is written to PostgreSQL (else SQLite)."""
        return self._postgres

    @classmethod
    def ahead(cls, *, postgres: bool, run: object, read_committed: CommittedRead) -> BatchWrites:
        """A batch applied before its transaction exists: its writes wait for `send`."""
        return cls(None, postgres=postgres, run=run, read_committed=read_committed)

    def insert(self, table: str, row: Mapping[str, Any], *, if_absent: bool = False) -> None:
        """Add `row` (column -> value); with `if_absent`, not where its key already exists."""
        columns = tuple(row)
        group = self._inserts.get((table, columns, if_absent))
        if group is None:
            group = self._inserts[(table, columns, if_absent)] = _Inserts(table, columns, if_absent)
        group.rows.append(row)

    def update(self, table: str, key: Mapping[str, Any], values: Mapping[str, Any]) -> None:
        """Set `values` on the row whose primary key is `key`; the batch's last call wins."""
        key_columns, columns = tuple(key), tuple(values)
        group = self._updates.get((table, key_columns, columns))
        if group is None:
            group = _Updates(table, key_columns, columns)
            self._updates[(table, key_columns, columns)] = group
        group.rows[tuple(key.values())] = {**key, **values}

    def hold(self, statement: RowsStatement, row: Mapping[str, Any]) -> None:
        """Run `statement` for `row` (column -> value) with the batch's other rows."""
        group = self._held.get(statement)
        if group is None:
            group = self._held[statement] = _Held(statement)
        group.rows.append(row)

    def flush(self) -> None:
        """Send every held write (the runner calls it before it advances the position)."""
        groups: list[_Inserts | _Updates | _Held] = [
            *self._inserts.values(),
            *self._updates.values(),
            *self._held.values(),
        ]
        self._inserts.clear()
        self._updates.clear()
        self._held.clear()
        for group in groups:
            self._write(partial(group.send, postgres=self._postgres))

    def send(self, tx: Transaction) -> None:
        """Write a batch applied ahead into `tx`, its transaction, in the order applied."""
        self.flush()
        queued, self._queued = self._queued, []
        for write in queued:
            write(tx)

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[Row]:
        """The rows of a query: after the batch's writes so far, or, applied ahead, of what
        was committed (not this run's batches still being written)."""
        if self._read_committed is not None:
            return self._read_committed(sql, params)
        self.execute(sql, params)
        return self.fetchall()

    def _write(self, write: Write) -> None:
        if self._tx is None:
            self._queued.append(write)
        else:
            write(self._tx)

    def _results(self) -> Transaction:
        if self._tx is None:
            raise TypeError("a batch applied ahead has no results yet: read with `read`")
        return self._tx

    # -- the Transaction interface: whatever runs directly sees the held writes first ----------

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.flush()
        self._write(lambda tx: tx.execute(sql, params))

    def executemany(self, sql: str, rows: Sequence[Sequence[Any]]) -> None:
        self.flush()
        self._write(lambda tx: tx.executemany(sql, rows))

    def insert_rows(
        self,
        table: str,
        columns: Sequence[tuple[str, str]],
        rows: Sequence[Sequence[Any]],
        *,
        tail: str = "",
    ) -> None:
        self.flush()
        self._write(lambda tx: tx.insert_rows(table, columns, rows, tail=tail))

    def fetchone(self) -> Row | None:
        return self._results().fetchone()

    def fetchall(self) -> list[Row]:
        return self._results().fetchall()

    @property
    def rowcount(self) -> int:
        return self._results().rowcount
