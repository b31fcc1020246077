"""The national discrepancies: each cell's own findings, computed by the cell's own code over
its copy, and the findings no single cell can see.

- `kk-active-in-two-cells`: one KK number active in two cells (the same keyed digest);
- `recipient-in-two-cells`: one NIK given the same programme in the same period in two cells;
- `cell-chain-broken`: a cell's copy has an event missing or changed (from `national run` or
  the last `national verify`).
The digests are keyed with the cells' shared matching key, which the national side does not
have: it compares them, it cannot reverse them. A family is named by its id only.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from psycopg import sql

from casework.national.naming import copy_schema
from casework.projections import tracking
from casework.projections.ledger_findings import findings
from casework.store.database import Database, PostgresDatabase

ALL = 10**9


@dataclass(frozen=True)
class NationalFinding:
    kind: str
    detail: str
    cell: str | None = None  # a cell's own finding
    cells: list[str] = field(default_factory=list)  # a cross-cell finding's cells
    family_ids: list[UUID] = field(default_factory=list)
    funding_source_id: UUID | None = None
    position: int | None = None  # where a cell's own finding began, or the first bad one


def national_findings(
    national: PostgresDatabase, copies: Mapping[str, Database]
) -> list[NationalFinding]:
    found: list[NationalFinding] = []
    for cell in sorted(copies):
        db = copies[cell]
        position = tracking.positions(db).get("funding_ledger", 0)
        own, _ = findings(db, position, cursor=None, limit=ALL)
        found += [
            NationalFinding(
                kind=f.kind,
                detail=f.detail,
                cell=cell,
                family_ids=[] if f.family_id is None else [f.family_id],
                funding_source_id=f.funding_source_id,
                position=f.position,
            )
            for f in own
        ]
    cells = sorted(copies)
    if cells:
        found += _kk_in_two_cells(national, cells) + _recipients_in_two_cells(national, cells)
    return found + _broken_chains(national)


def _union(cells: list[str], table: str, columns: str) -> sql.Composed:
    parts = [
        sql.SQL("SELECT {} AS cell, " + columns + " FROM {}").format(
            sql.Literal(cell), sql.Identifier(copy_schema(cell), table)
        )
        for cell in cells
    ]
    return sql.SQL(" UNION ALL ").join(parts)


def _kk_in_two_cells(national: PostgresDatabase, cells: list[str]) -> list[NationalFinding]:
    query = sql.SQL(
        "SELECT array_agg(cell ORDER BY cell), array_agg(family_id ORDER BY cell) "
        "FROM ({}) u GROUP BY digest HAVING count(DISTINCT cell) > 1 ORDER BY 1, 2"
    ).format(_union(cells, "kk_digests", "digest, family_id"))
    return [
        NationalFinding(
            kind="kk-active-in-two-cells",
            detail="one KK number is active in cells " + _named(where, families),
            cells=list(where),
            family_ids=list(families),
        )
        for where, families in _rows(national, query)
    ]


def _recipients_in_two_cells(national: PostgresDatabase, cells: list[str]) -> list[NationalFinding]:
    query = sql.SQL(
        "SELECT program, period, array_agg(cell ORDER BY cell), "
        "array_agg(family_id ORDER BY cell) FROM ({}) u "
        "GROUP BY digest, program, period HAVING count(DISTINCT cell) > 1 ORDER BY 1, 2, 3"
    ).format(_union(cells, "recipient_digests", "digest, program, period, family_id"))
    return [
        NationalFinding(
            kind="recipient-in-two-cells",
            detail=f"one person received {program} for {period} in cells "
            + _named(where, families),
            cells=list(where),
            family_ids=list(families),
        )
        for program, period, where, families in _rows(national, query)
    ]


def _broken_chains(national: Database) -> list[NationalFinding]:
    with national.single_read() as tx:
        tx.execute(
            "SELECT cell, first_bad_position, detail, found_by FROM national.chain_breaks "
            "ORDER BY cell"
        )
        rows = tx.fetchall()
    return [
        NationalFinding(
            kind="cell-chain-broken",
            detail=f"cell {cell}'s replicated copy, position {position}: {detail} "
            f"(found by national {found_by}; `casework national resync {cell}` copies it again)",
            cell=cell,
            cells=[cell],
            position=int(position),
        )
        for cell, position, detail, found_by in rows
    ]


def _named(cells: list[str], families: list[Any]) -> str:
    return " and ".join(
        f"{cell} (family {family})" for cell, family in zip(cells, families, strict=True)
    )


def _rows(national: PostgresDatabase, query: sql.Composed) -> list[tuple[Any, ...]]:
    with national.pool.connection() as conn:
        return list(conn.execute(query).fetchall())
