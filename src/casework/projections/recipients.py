"""Recipients of aid, linked across families by a keyed digest of their NIK.

Feeds the `duplicate-recipient` discrepancy: one person given the same programme in the same
period through two families (a person listed on two KKs). The read model holds no NIK, only
`keyed_hash("nik", nik)` under a key derived from the master key, and forgets a family's rows
when its personal data is erased (after which its events decode without NIKs, so a rebuild
arrives at the same tables).
"""

from __future__ import annotations

from casework.aggregates.family import Family
from casework.database import Transaction
from casework.projections.base import StoredFact


class RecipientsProjection:
    name = "recipients"
    tables: tuple[str, ...] = ("recipient_deliveries", "recipient_members")
    # NIK digests are pseudonymous personal data: an erasure's purge rewrites these tables.
    personal_tables = tables
    handles = frozenset(
        {
            Family.Registered,
            Family.MemberAdded,
            Family.MemberCorrected,
            Family.AidDelivered,
            Family.AidDeliveryVoided,
            Family.PersonalDataErased,
        }
    )

    def apply(self, tx: Transaction, fact: StoredFact) -> None:
        event, family_id = fact.event, fact.aggregate_id
        if isinstance(event, Family.Registered):
            for identity in event.identities or ():
                self._member(tx, fact, identity.member_no, identity.nik)
        elif isinstance(event, Family.MemberAdded) or (
            isinstance(event, Family.MemberCorrected) and event.nik is not None
        ):
            self._member(tx, fact, event.member_no, event.nik)
        elif isinstance(event, Family.AidDelivered) and event.recipient_member_no is not None:
            tx.execute(
                "INSERT INTO recipient_deliveries (delivery_id, family_id, funding_source_id, "
                "nik_digest, program, period, position) "
                "SELECT %s, family_id, %s, nik_digest, %s, %s, %s FROM recipient_members "
                "WHERE family_id = %s AND member_no = %s AND nik_digest IS NOT NULL",
                (
                    event.delivery_id,
                    event.funding_source_id,
                    event.program,
                    event.period,
                    fact.position,
                    family_id,
                    event.recipient_member_no,
                ),
            )
        elif isinstance(event, Family.AidDeliveryVoided):
            tx.execute(
                "UPDATE recipient_deliveries SET voided_position = %s WHERE delivery_id = %s",
                (fact.position, event.delivery_id),
            )
        elif isinstance(event, Family.PersonalDataErased):
            for table in self.tables:
                tx.execute(f"DELETE FROM {table} WHERE family_id = %s", (family_id,))

    @staticmethod
    def _member(tx: Transaction, fact: StoredFact, member_no: int, nik: str | None) -> None:
        assert fact.keyed_hash is not None, "the runner supplies the keyed hash"
        digest = fact.keyed_hash("nik", nik) if nik is not None else None
        tx.execute(
            "DELETE FROM recipient_members WHERE family_id = %s AND member_no = %s",
            (fact.aggregate_id, member_no),
        )
        tx.execute(
            "INSERT INTO recipient_members (family_id, member_no, nik_digest) VALUES (%s, %s, %s)",
            (fact.aggregate_id, member_no, digest),
        )
