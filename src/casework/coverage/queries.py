"""Reading coverage: figures per village (now, or as of a position) and the due list.

Figures now come from coverage_figures, counted as the verdicts changed; figures as of a
position are counted from the verdict rows in force at that position (rows are closed, never
updated, and verdicts kept after an erasure carry the position they were counted at).
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from casework.coverage.verdicts import under
from casework.errors import FieldProblem, ValidationFailed
from casework.store.database import Database, any_of, uuid_from_row
from casework.vocabulary import HEAD


@dataclass(frozen=True)
class VillageFigures:
    area_code: str
    eligible: int
    served: int
    not_served: int
    served_not_eligible: int
    value_idr: int


def figures_now(db: Database, program: str, period: str, area: str | None) -> list[VillageFigures]:
    where, params = under("area_code", area)
    with db.single_read() as tx:
        tx.execute(
            "SELECT area_code, eligible, served, not_served, served_not_eligible, value_idr "
            f"FROM coverage_figures WHERE program = %s AND period = %s AND {where} "
            "ORDER BY area_code",
            [program, period, *params],
        )
        rows = tx.fetchall()
    return [_figures(row) for row in rows]


def figures_at(
    db: Database, program: str, period: str, area: str | None, position: int
) -> list[VillageFigures]:
    where, params = under("area_code", area)
    with db.single_read() as tx:
        tx.execute(
            "SELECT area_code, "
            "sum(CASE WHEN member_no >= 0 THEN 1 ELSE 0 END), "
            "sum(CASE WHEN member_no >= 0 THEN served ELSE 0 END), "
            "sum(CASE WHEN member_no >= 0 THEN 1 - served ELSE 0 END), "
            "sum(CASE WHEN member_no < 0 THEN served ELSE 0 END), "
            "sum(CASE WHEN member_no >= 0 THEN value_idr ELSE 0 END) "
            "FROM (SELECT area_code, member_no, served, value_idr FROM coverage_units "
            f"WHERE program = %s AND period = %s AND {where} AND from_position <= %s "
            "AND (to_position IS NULL OR to_position > %s) "
            "UNION ALL SELECT area_code, member_no, served, value_idr FROM coverage_kept "
            f"WHERE program = %s AND period = %s AND {where} AND from_position <= %s) AS u "
            "GROUP BY area_code ORDER BY area_code",
            [program, period, *params, position, position, program, period, *params, position],
        )
        rows = tx.fetchall()
    return [_figures(row) for row in rows]


def _figures(row: Any) -> VillageFigures:
    area, *counts = row
    return VillageFigures(str(area), *(int(c) for c in counts))


# -- the due list ----------------------------------------------------------------------------


@dataclass(frozen=True)
class DueMember:
    nik: str | None
    name: str | None


@dataclass(frozen=True)
class DueFamily:
    family_id: UUID
    kk_number: str | None
    area_code: str
    head_name: str | None
    members_due: list[DueMember]


def due_families(
    db: Database,
    program: str,
    period: str,
    area: str | None,
    *,
    cursor: str | None,
    limit: int,
) -> tuple[list[DueFamily], str | None]:
    """The families with an eligible unit not yet served, ordered by village and KK number
    (then id), a page at a time; the cursor is the last family's (area, KK, id)."""
    after = _cursor_key(cursor)
    where, params = under("u.area_code", area)
    postgres = db.location.is_postgres
    sql = (
        "SELECT u.family_id, u.area_code, coalesce(f.kk_number, '') AS kk "
        "FROM coverage_units u JOIN family_index f ON f.family_id = u.family_id "
        "WHERE u.program = %s AND u.period = %s AND u.to_position IS NULL "
        f"AND u.member_no >= 0 AND u.served = 0 AND {where} "
    )
    values: list[Any] = [program, period, *params]
    if after is not None:
        sql += "AND (u.area_code, coalesce(f.kk_number, ''), u.family_id) > (%s, %s, %s) "
        values.extend(after)
    sql += "GROUP BY u.family_id, u.area_code, f.kk_number ORDER BY u.area_code, kk, u.family_id "
    sql += "LIMIT %s"
    values.append(limit + 1)
    with db.single_read() as tx:
        tx.execute(sql, values)
        rows = tx.fetchall()
        more = len(rows) > limit
        rows = rows[:limit]
        ids = [uuid_from_row(row[0]) for row in rows]
        members = _members(tx, ids, program, period, postgres=postgres)
    page = [
        DueFamily(
            family_id,
            kk or None,
            str(village),
            members.heads.get(family_id),
            members.due.get(family_id, []),
        )
        for family_id, (_, village, kk) in zip(ids, rows, strict=True)
    ]
    next_cursor = None
    if more and page:
        last = page[-1]
        next_cursor = _encode_cursor([last.area_code, last.kk_number or "", str(last.family_id)])
    return page, next_cursor


@dataclass
class _Members:
    heads: dict[UUID, str | None]
    due: dict[UUID, list[DueMember]]


def _members(tx: Any, ids: list[UUID], program: str, period: str, *, postgres: bool) -> _Members:
    found = _Members({}, {})
    if not ids:
        return found
    where, params = any_of("m.family_id", ids, postgres=postgres)
    tx.execute(
        "SELECT m.family_id, m.name FROM family_index_members m "
        f"WHERE {where} AND m.relationship = %s AND m.active = %s",
        [*params, HEAD, True],
    )
    for family_id, name in tx.fetchall():
        found.heads[uuid_from_row(family_id)] = name
    unit_where, unit_params = any_of("u.family_id", ids, postgres=postgres)
    tx.execute(
        "SELECT u.family_id, m.nik, m.name FROM coverage_units u "
        "JOIN family_index_members m ON m.family_id = u.family_id AND m.member_no = u.member_no "
        f"WHERE {unit_where} AND u.program = %s AND u.period = %s AND u.to_position IS NULL "
        "AND u.member_no > 0 AND u.served = 0 ORDER BY u.family_id, u.member_no",
        [*unit_params, program, period],
    )
    for family_id, nik, name in tx.fetchall():
        found.due.setdefault(uuid_from_row(family_id), []).append(DueMember(nik, name))
    return found


def _encode_cursor(key: list[str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode()


def _cursor_key(cursor: str | None) -> list[Any] | None:
    if cursor is None:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
        if not (isinstance(key, list) and len(key) == 3 and all(isinstance(k, str) for k in key)):
            raise ValueError("not a key")
        return [key[0], key[1], UUID(key[2])]
    except (ValueError, TypeError):
        raise ValidationFailed([FieldProblem("cursor", "is not a cursor this list gave")]) from None
