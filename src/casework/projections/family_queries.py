"""Reading the family index: filters, area scope and keyset paging in list order.

The list is ordered by area code, then KK number (an erased family, without one, first in its
area), then id. A page's cursor is the id of its last family, which carries no personal data;
the next page starts after that family's place in the order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from casework.projections.family_index import folded
from casework.store.database import Database, Transaction, uuid_from_row
from casework.vocabulary import HEAD

ORDER_KEY = "f.area_code, coalesce(f.kk_number, ''), f.family_id"


@dataclass(frozen=True)
class FamilyFilter:
    """What to list. `areas` is the caller's scope: None for everywhere, else area prefixes."""

    area: str | None = None
    program: str | None = None
    kk_number: str | None = None
    name_part: str | None = None
    areas: tuple[str, ...] | None = None
    after: UUID | None = None


@dataclass(frozen=True)
class FamilySummary:
    id: UUID
    version: int
    kk_number: str | None
    area_code: str
    head_name: str | None
    members: int
    status: str
    programs: list[str]


class UnknownCursor(LookupError):
    """The cursor names no family the caller may list."""


def area_condition(prefix: str, column: str = "f.area_code") -> tuple[str, list[Any]]:
    """The code itself and everything under it: a range, since codes compare bytewise and a
    part never ends in `/` (the character after `.`)."""
    return f"({column} >= %s AND {column} < %s)", [prefix, prefix + "/"]


def scope_condition(areas: tuple[str, ...] | None) -> tuple[str, list[Any]]:
    if areas is None:
        return "1 = 1", []
    if not areas:
        return "1 = 0", []
    parts = [area_condition(area) for area in areas]
    return "(" + " OR ".join(sql for sql, _ in parts) + ")", [p for _, ps in parts for p in ps]


def like_pattern(text: str) -> str:
    """`%text%` for LIKE … ESCAPE '\\', the text's own wildcards taken literally."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def list_families(db: Database, where: FamilyFilter, *, limit: int) -> list[FamilySummary]:
    scope_sql, params = scope_condition(where.areas)
    conditions = [scope_sql]
    if where.area is not None:
        sql, area_params = area_condition(where.area)
        conditions.append(sql)
        params += area_params
    if where.kk_number is not None:
        conditions.append("f.kk_number = %s")
        params.append(where.kk_number)
    if where.program is not None:
        conditions.append(
            "EXISTS (SELECT 1 FROM family_index_programs p "
            "WHERE p.family_id = f.family_id AND p.program = %s)"
        )
        params.append(where.program)
    if where.name_part is not None:
        conditions.append(
            "EXISTS (SELECT 1 FROM family_index_members m WHERE m.family_id = f.family_id "
            "AND m.name_folded LIKE %s ESCAPE '\\')"
        )
        params.append(like_pattern(folded(where.name_part) or ""))
    with db.transaction() as tx:
        if where.after is not None:
            conditions.append(f"({ORDER_KEY}) > (%s, %s, %s)")
            params += _place_of(tx, where.after, where.areas)
        tx.execute(
            "SELECT f.family_id, f.version, f.kk_number, f.area_code, f.status, "
            "f.active_members, (SELECT m.name FROM family_index_members m "
            "WHERE m.family_id = f.family_id AND m.active = %s AND m.relationship = %s "
            "ORDER BY m.member_no LIMIT 1) "
            f"FROM family_index f WHERE {' AND '.join(conditions)} "
            f"ORDER BY {ORDER_KEY} LIMIT %s",
            [True, HEAD, *params, limit],
        )
        rows = tx.fetchall()
        programs = _programs_of(tx, [row[0] for row in rows])
    return [
        FamilySummary(
            id=uuid_from_row(row[0]),
            version=int(row[1]),
            kk_number=row[2],
            area_code=row[3],
            head_name=row[6],
            members=int(row[5]),
            status=row[4],
            programs=programs.get(uuid_from_row(row[0]), []),
        )
        for row in rows
    ]


def _place_of(tx: Transaction, family_id: UUID, areas: tuple[str, ...] | None) -> list[Any]:
    """The order key of the cursor's family, if the caller may list it."""
    scope_sql, params = scope_condition(areas)
    tx.execute(
        f"SELECT {ORDER_KEY} FROM family_index f WHERE f.family_id = %s AND {scope_sql}",
        [family_id, *params],
    )
    row = tx.fetchone()
    if row is None:
        raise UnknownCursor(str(family_id))
    return list(row)


def _programs_of(tx: Transaction, family_ids: Sequence[Any]) -> dict[UUID, list[str]]:
    found: dict[UUID, list[str]] = defaultdict(list)
    if not family_ids:
        return found
    tx.execute(
        "SELECT family_id, program FROM family_index_programs "
        f"WHERE family_id IN ({', '.join(['%s'] * len(family_ids))})",
        list(family_ids),
    )
    for family_id, program in sorted(tx.fetchall(), key=lambda row: row[1]):
        found[uuid_from_row(family_id)].append(program)
    return found
