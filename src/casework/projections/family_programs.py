"""The programmes part of the family index: deliveries, UPPKA memberships, DASHAT enrolments.

A family's `programs` are the programme codes of its deliveries that are not voided, plus
`uppka` and `dashat` while a membership or an enrolment is active. Each handler changes the
family's own rows and then recomputes its programme set from them, so the set never drifts.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from casework.aggregates.family import Family
from casework.projections.batch_writes import BatchWrites
from casework.store.database import Transaction
from casework.vocabulary import DASHAT, UPPKA


def refresh(tx: Transaction, family_id: UUID) -> None:
    """Recompute the family's programme set from its deliveries, memberships and enrolments."""
    tx.execute("DELETE FROM family_index_programs WHERE family_id = %s", (family_id,))
    tx.execute(
        "INSERT INTO family_index_programs (family_id, program) "
        "SELECT %s, program FROM family_index_deliveries WHERE family_id = %s "
        "UNION SELECT %s, %s FROM uppka_members WHERE family_id = %s "
        "UNION SELECT %s, %s FROM family_index_dashat WHERE family_id = %s",
        (family_id, family_id, family_id, UPPKA, family_id, family_id, DASHAT, family_id),
    )


def _delivered(writes: BatchWrites, family_id: UUID, event: Family.AidDelivered) -> None:
    writes.insert(
        "family_index_deliveries",
        {"delivery_id": event.delivery_id, "family_id": family_id, "program": event.program},
    )
    # What `refresh` would give: one more delivery adds its programme to the set, if new.
    writes.insert(
        "family_index_programs", {"family_id": family_id, "program": event.program}, if_absent=True
    )


def _voided(tx: Transaction, family_id: UUID, event: Family.AidDeliveryVoided) -> None:
    tx.execute(
        "DELETE FROM family_index_deliveries WHERE delivery_id = %s AND family_id = %s",
        (event.delivery_id, family_id),
    )
    refresh(tx, family_id)


def _joined_uppka(tx: Transaction, family_id: UUID, event: Family.JoinedUppka) -> None:
    tx.execute(
        "INSERT INTO uppka_members (group_id, family_id, member_no, joined_on) "
        "VALUES (%s, %s, %s, %s)",
        (event.group_id, family_id, event.member_no, event.joined_on.isoformat()),
    )
    refresh(tx, family_id)


def _left_uppka(tx: Transaction, family_id: UUID, event: Family.LeftUppka) -> None:
    tx.execute(
        "DELETE FROM uppka_members WHERE group_id = %s AND family_id = %s AND member_no = %s",
        (event.group_id, family_id, event.member_no),
    )
    refresh(tx, family_id)


def _enrolled(tx: Transaction, family_id: UUID, event: Family.EnrolledInDashat) -> None:
    tx.execute(
        "INSERT INTO family_index_dashat (family_id, member_no) VALUES (%s, %s)",
        (family_id, event.member_no),
    )
    refresh(tx, family_id)


def _exited(tx: Transaction, family_id: UUID, event: Family.ExitedDashat) -> None:
    tx.execute(
        "DELETE FROM family_index_dashat WHERE family_id = %s AND member_no = %s",
        (family_id, event.member_no),
    )
    refresh(tx, family_id)


HANDLERS: dict[type[Any], Callable[[BatchWrites, UUID, Any], None]] = {
    Family.AidDelivered: _delivered,
    Family.AidDeliveryVoided: _voided,
    Family.JoinedUppka: _joined_uppka,
    Family.LeftUppka: _left_uppka,
    Family.EnrolledInDashat: _enrolled,
    Family.ExitedDashat: _exited,
}
