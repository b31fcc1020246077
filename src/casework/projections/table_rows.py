"""Reading a read-model table page by page in key order, with values comparable across backends.

Each table's columns and primary key come from the database's own catalogue, so a table added
by a migration is compared without being listed here. Pages follow the primary key (then the
other columns, for a fully deterministic order) with a row-value `>` on the key: the database
orders and compares, so the collation of text keys never has to be imitated in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from casework.store.database import Transaction

Value = str | int | float | bool | None


@dataclass(frozen=True)
class TableShape:
    name: str
    columns: tuple[str, ...]
    key: tuple[str, ...]  # the primary key's columns, in key order

    def key_of(self, row: tuple[Any, ...]) -> tuple[Any, ...]:
        return row[: len(self.key)]

    def page_sql(self, *, after: bool, upto: bool, limit: bool) -> str:
        others = [column for column in self.columns if column not in self.key]
        key = ", ".join(self.key)
        sql = f"SELECT {', '.join((*self.key, *others))} FROM {self.name} WHERE 1 = 1"
        marks = ", ".join(["%s"] * len(self.key))
        if after:
            sql += f" AND ({key}) > ({marks})"
        if upto:
            sql += f" AND ({key}) <= ({marks})"
        sql += f" ORDER BY {', '.join((*self.key, *others))}"
        return sql + (" LIMIT %s" if limit else "")

    @property
    def ordered_columns(self) -> tuple[str, ...]:
        """The columns in the order `page_sql` selects them: key first."""
        return (*self.key, *(column for column in self.columns if column not in self.key))


def table_shape(tx: Transaction, table: str, *, postgres: bool) -> TableShape:
    if postgres:
        tx.execute(
            "SELECT attname FROM pg_attribute WHERE attrelid = to_regclass(%s) "
            "AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
            (table,),
        )
        columns = tuple(str(row[0]) for row in tx.fetchall())
        tx.execute(
            "SELECT a.attname FROM pg_index i "
            "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, n) "
            "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
            "WHERE i.indrelid = to_regclass(%s) AND i.indisprimary ORDER BY k.n",
            (table,),
        )
        key = tuple(str(row[0]) for row in tx.fetchall())
    else:
        tx.execute(f"PRAGMA table_info({table})")
        info = tx.fetchall()  # cid, name, type, notnull, default, position in the primary key
        columns = tuple(str(row[1]) for row in info)
        key = tuple(str(row[1]) for row in sorted(info, key=lambda row: row[5]) if row[5])
    if not columns:
        raise LookupError(f"no table {table}")
    # Without a primary key every column is the key (a duplicate row then reads as one).
    return TableShape(table, columns, key or columns)


def comparable(value: Any) -> Value:
    """A stored value in one shape for both backends: UUIDs, dates and instants as ISO text."""
    if isinstance(value, bytes | bytearray | memoryview):
        return bytes(value).hex()
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value).isoformat()
    if isinstance(value, UUID | date | Decimal):
        return str(value)
    if value is None or isinstance(value, str | int | float | bool):
        return value
    return str(value)


def comparable_row(row: tuple[Any, ...]) -> tuple[Value, ...]:
    return tuple(comparable(value) for value in row)
