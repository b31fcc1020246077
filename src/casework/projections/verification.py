"""`casework verify --projections`: every read model must equal a rebuild of it from the events.

Each projection is rebuilt into a scratch database (see `scratch`) and compared row by row with
the live tables, at the same position. The live read models may be moving (a server follows the
store), so each projection's live tables are read inside one snapshot transaction (REPEATABLE
READ on PostgreSQL, a WAL read transaction on SQLite): its first read fixes the live position P,
the scratch is then rebuilt to exactly P (by a worker thread: on SQLite this thread's connection
is busy holding the snapshot), and the snapshot's tables are compared with the scratch's, page
by page in primary-key order. A projection that is behind is compared at its own position.
Every difference is counted; the first few of each table are kept for the report.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from casework.application import CaseworkStore
from casework.projections import tracking
from casework.projections.base import Projection
from casework.projections.registry import all_projections
from casework.projections.runner import Progress, ProjectionRunner
from casework.projections.scratch import scratch_database
from casework.projections.table_rows import TableShape, Value, comparable_row, table_shape
from casework.store.database import Database, Transaction

MAX_SHOWN = 20  # differences kept per table for the report (all are counted)
PAGE_ROWS = 5000


@dataclass(frozen=True)
class Difference:
    """One row that differs: only live (`rebuilt` None), only rebuilt (`live` None), or both."""

    table: str
    key: dict[str, Value]
    live: dict[str, Value] | None
    rebuilt: dict[str, Value] | None

    @property
    def changed_columns(self) -> list[str]:
        if self.live is None or self.rebuilt is None:
            return []
        rebuilt = self.rebuilt
        return [name for name, value in self.live.items() if rebuilt.get(name) != value]


@dataclass
class TableCheck:
    table: str
    live_rows: int = 0
    rebuilt_rows: int = 0
    differences: int = 0
    shown: list[Difference] = field(default_factory=list)


@dataclass(frozen=True)
class ProjectionCheck:
    name: str
    position: int  # the live read model's, which the rebuild was taken to
    rebuilt_position: int
    tables: list[TableCheck]

    @property
    def ok(self) -> bool:
        return self.rebuilt_position == self.position and not any(
            table.differences for table in self.tables
        )


@dataclass(frozen=True)
class ProjectionsReport:
    projections: list[ProjectionCheck]

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.projections)


def verify_projections(
    casework: CaseworkStore,
    progress: Callable[[str], Progress] | None = None,
    *,
    projections: Sequence[Projection] | None = None,
    max_shown: int = MAX_SHOWN,
) -> ProjectionsReport:
    """Rebuild each read model into a scratch database and compare it with the live one.

    `progress`, given a projection's name, returns that rebuild's progress callback
    (`casework.cli.progress.progress_printer` fits).
    """
    chosen = list(all_projections() if projections is None else projections)
    with (
        scratch_database(casework.settings) as scratch,
        ThreadPoolExecutor(1, thread_name_prefix="casework-verify") as worker,
    ):
        runner = ProjectionRunner(casework, chosen, target=scratch)
        checks = []
        for projection in chosen:
            report = None if progress is None else progress(projection.name)
            checks.append(
                _check(casework.db, scratch, runner, worker, projection, report, max_shown)
            )
    return ProjectionsReport(checks)


def _check(
    live: Database,
    scratch: Database,
    runner: ProjectionRunner,
    worker: Executor,
    projection: Projection,
    progress: Progress | None,
    max_shown: int,
) -> ProjectionCheck:
    postgres = live.location.is_postgres
    with live.transaction() as tx:
        if postgres:
            tx.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        tx.execute("SELECT position FROM projection_tracking WHERE name = %s", (projection.name,))
        row = tx.fetchone()
        position = int(row[0]) if row else 0
        # From here the snapshot holds still, whatever the live runner does meanwhile.
        worker.submit(runner.catch_up, projection, progress, until=position).result()
        rebuilt_position = tracking.positions(scratch).get(projection.name, 0)
        tables = [
            _compare_table(tx, scratch, table_shape(tx, table, postgres=postgres), max_shown)
            for table in getattr(projection, "verified_tables", projection.tables)
        ]
    return ProjectionCheck(projection.name, position, rebuilt_position, tables)


def _compare_table(
    live: Transaction, scratch: Database, shape: TableShape, shown: int
) -> TableCheck:
    check = TableCheck(shape.name)
    after: tuple[Any, ...] | None = None
    # Pages of the live table, each with the rebuilt rows in the same key range.
    while live_rows := _page(live, shape, after=after, limit=PAGE_ROWS):
        upto = shape.key_of(live_rows[-1])
        with scratch.transaction() as tx:
            rebuilt_rows = _page(tx, shape, after=after, upto=upto)
        _compare_rows(check, shape, live_rows, rebuilt_rows, shown)
        after = upto
    # Then what only the rebuild has, beyond the live table's last key.
    while True:
        with scratch.transaction() as tx:
            rebuilt_rows = _page(tx, shape, after=after, limit=PAGE_ROWS)
        if not rebuilt_rows:
            return check
        _compare_rows(check, shape, [], rebuilt_rows, shown)
        after = shape.key_of(rebuilt_rows[-1])


def _page(
    tx: Transaction,
    shape: TableShape,
    *,
    after: tuple[Any, ...] | None,
    upto: tuple[Any, ...] | None = None,
    limit: int | None = None,
) -> list[tuple[Any, ...]]:
    sql = shape.page_sql(after=after is not None, upto=upto is not None, limit=limit is not None)
    params = [*(after or ()), *(upto or ()), *(() if limit is None else (limit,))]
    tx.execute(sql, params)
    return tx.fetchall()


def _compare_rows(
    check: TableCheck,
    shape: TableShape,
    live_rows: list[tuple[Any, ...]],
    rebuilt_rows: list[tuple[Any, ...]],
    shown: int,
) -> None:
    check.live_rows += len(live_rows)
    check.rebuilt_rows += len(rebuilt_rows)
    width = len(shape.key)
    live = {row[:width]: row for row in map(comparable_row, live_rows)}
    rebuilt = {row[:width]: row for row in map(comparable_row, rebuilt_rows)}
    for key in [*live, *(key for key in rebuilt if key not in live)]:
        ours, theirs = live.get(key), rebuilt.get(key)
        if ours == theirs:
            continue
        check.differences += 1
        if len(check.shown) < shown:
            columns = shape.ordered_columns
            check.shown.append(
                Difference(
                    shape.name,
                    dict(zip(shape.key, key, strict=True)),
                    None if ours is None else dict(zip(columns, ours, strict=True)),
                    None if theirs is None else dict(zip(columns, theirs, strict=True)),
                )
            )
