"""Recipients of aid, linked across families by a keyed digest of their NIK.

Feeds the `duplicate-recipient` discrepancy: one person given the same programme in the same
period through two families (a person listed on two KKs). The read model holds no NIK, only
`keyed_hash("nik", nik)` under a key derived from the master key, and forgets a family's rows
when its personal data is erased (after which its events decode without NIKs, so a rebuild
arrives at the same tables).
"""

from __future__ import annotations

from uuid import UUID

from casework.aggregates.family import Family
from casework.projections.base import StoredFact
from casework.projections.batch_writes import BatchWrites, RowsStatement

# A delivery names its recipient by member number; the line carries that member's NIK digest
# (none when the member has no NIK or the family was erased: then there is no line).
_RECORD_DELIVERY = RowsStatement(
    postgres=(
        "INSERT INTO recipient_deliveries (delivery_id, family_id, funding_source_id, "
        "nik_digest, program, period, position) "
        "SELECT v.delivery_id, m.family_id, v.funding_source_id, m.nik_digest, v.program, "
        "v.period, v.position FROM json_to_recordset(%s::json) AS v(delivery_id uuid, "
        "family_id uuid, member_no bigint, funding_source_id uuid, program text, period text, "
        "position bigint) JOIN recipient_members m "
        "ON m.family_id = v.family_id AND m.member_no = v.member_no "
        "WHERE m.nik_digest IS NOT NULL"
    ),
    sqlite=(
        "INSERT INTO recipient_deliveries (delivery_id, family_id, funding_source_id, "
        "nik_digest, program, period, position) "
        "SELECT %s, family_id, %s, nik_digest, %s, %s, %s FROM recipient_members "
        "WHERE family_id = %s AND member_no = %s AND nik_digest IS NOT NULL"
    ),
    columns=(
        "delivery_id", "funding_source_id", "program", "period", "position", "family_id",
        "member_no",
    ),
)  # fmt: skip


class RecipientsProjection:
    name = "recipients"
    tables: tuple[str, ...] = ("recipient_deliveries", "recipient_members")
    # NIK digests are pseudonymous personal data: an erasure's purge rewrites these tables.
    personal_tables = tables
    reads_personal_data = True  # the NIKs, to digest
    applies_ahead = True  # its handlers only write: applied while the last batch is written
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

    def apply(self, writes: BatchWrites, fact: StoredFact) -> None:
        event, family_id = fact.event, fact.aggregate_id
        if isinstance(event, Family.Registered):
            # A new family has no rows yet: its members are plain inserts.
            for identity in event.identities or ():
                writes.insert(
                    "recipient_members",
                    {
                        "family_id": family_id,
                        "member_no": identity.member_no,
                        "nik_digest": _digest(fact, identity.nik),
                    },
                )
        elif isinstance(event, Family.MemberAdded) or (
            isinstance(event, Family.MemberCorrected) and event.nik is not None
        ):
            _replace_member(writes, family_id, event.member_no, _digest(fact, event.nik))
        elif isinstance(event, Family.AidDelivered) and event.recipient_member_no is not None:
            writes.hold(
                _RECORD_DELIVERY,
                {
                    "delivery_id": event.delivery_id,
                    "family_id": family_id,
                    "member_no": event.recipient_member_no,
                    "funding_source_id": event.funding_source_id,
                    "program": event.program,
                    "period": event.period,
                    "position": fact.position,
                },
            )
        elif isinstance(event, Family.AidDeliveryVoided):
            writes.execute(
                "UPDATE recipient_deliveries SET voided_position = %s WHERE delivery_id = %s",
                (fact.position, event.delivery_id),
            )
        elif isinstance(event, Family.PersonalDataErased):
            for table in self.tables:
                writes.execute(f"DELETE FROM {table} WHERE family_id = %s", (family_id,))


def _digest(fact: StoredFact, nik: str | None) -> str | None:
    assert fact.keyed_hash is not None, "the runner supplies the keyed hash"
    return fact.keyed_hash("nik", nik) if nik is not None else None


def _replace_member(
    writes: BatchWrites, family_id: UUID, member_no: int, digest: str | None
) -> None:
    writes.execute(
        "DELETE FROM recipient_members WHERE family_id = %s AND member_no = %s",
        (family_id, member_no),
    )
    writes.execute(
        "INSERT INTO recipient_members (family_id, member_no, nik_digest) VALUES (%s, %s, %s)",
        (family_id, member_no, digest),
    )
