"""Reading the current members of an UPPKA group from the family index."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from casework.projections.family_queries import scope_condition
from casework.store.database import Database, uuid_from_row


@dataclass(frozen=True)
class GroupMember:
    family_id: UUID
    member_nik: str | None  # None once the family's personal data was erased
    joined_on: date


def current_members(
    db: Database, group_id: UUID, *, areas: tuple[str, ...] | None
) -> list[GroupMember]:
    """Members now, in the order they joined; `areas` keeps those whose families lie there."""
    scope_sql, params = scope_condition(areas)
    with db.transaction() as tx:
        tx.execute(
            "SELECT u.family_id, m.nik, u.joined_on FROM uppka_members u "
            "JOIN family_index f ON f.family_id = u.family_id "
            "JOIN family_index_members m "
            "ON m.family_id = u.family_id AND m.member_no = u.member_no "
            f"WHERE u.group_id = %s AND {scope_sql} "
            "ORDER BY u.joined_on, u.family_id, u.member_no",
            [group_id, *params],
        )
        rows = tx.fetchall()
    return [GroupMember(uuid_from_row(row[0]), row[1], _date(row[2])) for row in rows]


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)
