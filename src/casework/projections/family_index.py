"""The family index: the rows behind `GET /families` and the members of each UPPKA group.

One handler per family event mirrors what that event's `apply` changes in what the list shows,
updating the family's own rows in place (never replaying the family). Personal values (KK
number, NIKs, names) arrive as None once the family's key is destroyed; `PersonalDataErased`
sets them to NULL here too, so the live tables and a rebuild after an erasure agree.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from casework.aggregates.family import Family
from casework.projections import family_programs as programs
from casework.projections.base import StoredFact
from casework.projections.batch_writes import BatchWrites
from casework.store.database import Transaction
from casework.vocabulary import HEAD

NAME = "family_index"
_INSERT_MEMBER = (
    "INSERT INTO family_index_members (family_id, member_no, nik, name, name_folded, "
    "relationship, active) VALUES (%s, %s, %s, %s, %s, %s, %s)"
)
_ACTIVE = "(SELECT count(*) FROM family_index_members WHERE family_id = %s AND active = %s)"


def folded(name: str | None) -> str | None:
    """The form of a name that `q` is matched against (case-insensitive, Unicode-aware)."""
    return None if name is None else name.casefold()


class FamilyIndexProjection:
    name = NAME
    tables: tuple[str, ...] = (
        "family_index",
        "family_index_members",
        "family_index_deliveries",
        "family_index_dashat",
        "uppka_members",
        "family_index_programs",
    )
    # The tables with personal columns: what an erasure's purge rewrites once this projection
    # has applied the erasure (casework.commands.erasure).
    personal_tables: tuple[str, ...] = ("family_index", "family_index_members")

    reads_personal_data = True  # KK numbers, names and NIKs are what the list searches
    applies_ahead = True  # its handlers only write: applied while the last batch is written

    @property
    def handles(self) -> frozenset[type[Any]]:
        return frozenset(_HANDLERS)

    def apply(self, writes: BatchWrites, fact: StoredFact) -> None:
        handler = _HANDLERS.get(type(fact.event))
        if handler is None:
            return  # not a family event
        family_id = fact.aggregate_id
        handler(writes, family_id, fact.event)
        if handler is not _registered:  # a new row is written at its version already
            writes.update("family_index", {"family_id": family_id}, {"version": fact.version})


def _registered(writes: BatchWrites, family_id: UUID, event: Family.Registered) -> None:
    # Every member of a new family is active: the count is known, nothing to count in SQL.
    writes.insert(
        "family_index",
        {
            "family_id": family_id,
            "version": 1,
            "area_code": event.area_code,
            "kk_number": event.kk_number,
            "status": "active" if event.members else "inactive",
            "active_members": len(event.members),
        },
    )
    identities = {identity.member_no: identity for identity in event.identities or ()}
    for facts in event.members:
        identity = identities.get(facts.member_no)
        name = identity.name if identity else None
        writes.insert(
            "family_index_members",
            {
                "family_id": family_id,
                "member_no": facts.member_no,
                "nik": identity.nik if identity else None,
                "name": name,
                "name_folded": folded(name),
                "relationship": facts.relationship,
                "active": True,
            },
        )


def _member_added(tx: Transaction, family_id: UUID, event: Family.MemberAdded) -> None:
    _insert_member(tx, family_id, event.member_no, event.nik, event.name, event.relationship)
    _count_members(tx, family_id)


def _member_corrected(tx: Transaction, family_id: UUID, event: Family.MemberCorrected) -> None:
    # None means "unchanged", as in the aggregate.
    tx.execute(
        "UPDATE family_index_members SET nik = coalesce(%s, nik), name = coalesce(%s, name), "
        "name_folded = coalesce(%s, name_folded) WHERE family_id = %s AND member_no = %s",
        (event.nik, event.name, folded(event.name), family_id, event.member_no),
    )


def _member_departed(tx: Transaction, family_id: UUID, event: Family.MemberDeparted) -> None:
    _set_member(tx, family_id, event.member_no, "active = %s", False)
    if event.new_head_member_no is not None:
        _set_member(tx, family_id, event.new_head_member_no, "relationship = %s", HEAD)
    # Someone who left the family no longer takes part in its programmes.
    for table in ("uppka_members", "family_index_dashat"):
        tx.execute(
            f"DELETE FROM {table} WHERE family_id = %s AND member_no = %s",
            (family_id, event.member_no),
        )
    programs.refresh(tx, family_id)
    _count_members(tx, family_id)


def _relocated(tx: Transaction, family_id: UUID, event: Family.Relocated) -> None:
    tx.execute(
        "UPDATE family_index SET area_code = %s, kk_number = coalesce(%s, kk_number) "
        "WHERE family_id = %s",
        (event.area_code, event.kk_number, family_id),
    )


def _erased(tx: Transaction, family_id: UUID, event: Family.PersonalDataErased) -> None:
    tx.execute(
        "UPDATE family_index SET kk_number = NULL, status = 'erased' WHERE family_id = %s",
        (family_id,),
    )
    tx.execute(
        "UPDATE family_index_members SET nik = NULL, name = NULL, name_folded = NULL "
        "WHERE family_id = %s",
        (family_id,),
    )


def _insert_member(
    tx: Transaction,
    family_id: UUID,
    member_no: int,
    nik: str | None,
    name: str | None,
    relationship: str,
) -> None:
    tx.execute(_INSERT_MEMBER, (family_id, member_no, nik, name, folded(name), relationship, True))


def _set_member(tx: Transaction, family_id: UUID, member_no: int, column: str, value: Any) -> None:
    tx.execute(
        f"UPDATE family_index_members SET {column} WHERE family_id = %s AND member_no = %s",
        (value, family_id, member_no),
    )


def _count_members(tx: Transaction, family_id: UUID) -> None:
    """Active members and the status they give (an erased family stays erased)."""
    # Counted inside the UPDATE: nothing to read back, so a pipelined batch need not wait.
    tx.execute(
        f"UPDATE family_index SET active_members = {_ACTIVE}, status = CASE "
        f"WHEN status = 'erased' THEN status WHEN {_ACTIVE} > 0 THEN 'active' "
        "ELSE 'inactive' END WHERE family_id = %s",
        (family_id, True, family_id, True, family_id),
    )


def _version_only(tx: Transaction, family_id: UUID, event: Any) -> None:
    """An event that changes nothing the index shows but the family's version."""


Handler = Callable[[BatchWrites, UUID, Any], None]
_HANDLERS: dict[type[Any], Handler] = {
    Family.Registered: _registered,
    Family.MemberAdded: _member_added,
    Family.MemberCorrected: _member_corrected,
    Family.MemberDeparted: _member_departed,
    Family.Relocated: _relocated,
    Family.WelfareAssessed: _version_only,
    Family.PersonalDataErased: _erased,
    **programs.HANDLERS,
}
