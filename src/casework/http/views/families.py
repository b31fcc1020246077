"""A family as the API shows it (one aggregate, at the version it was loaded at)."""

from __future__ import annotations

from collections.abc import Sequence

import msgspec

from casework.aggregates.family import Family
from casework.errors import FieldProblem
from casework.http.schemas.common import FieldMessage
from casework.http.schemas.families import (
    AidDeliveryOut,
    DashatOut,
    FamilyOut,
    ItemOut,
    MemberOut,
    UppkaOut,
)
from casework.service import Casework
from casework.store.record_cache import EventRecord
from casework.validation.areas import area_name


def family_view(
    app: Casework,
    family: Family,
    *,
    position: int | None = None,
    warnings: Sequence[FieldProblem] | None = None,
) -> FamilyOut:
    """`position` is the write's last position when answering a command, else the family's."""
    records = {r.version: r for r in app.event_records(family.id, through=family.version)}
    return FamilyOut(
        id=family.id,
        version=family.version,
        position=records[family.version].position if position is None else position,
        kk_number=family.kk_number,
        area_code=family.area_code,
        area_name=area_name(family.area_code),
        address=family.address,
        welfare_desil=family.welfare.desil if family.welfare else None,
        status=family.status,
        members=[
            MemberOut(m.nik, m.name, m.sex, m.birth_date, m.relationship, m.status)
            for m in family.members.values()
        ],
        aid_deliveries=_deliveries(family, records),
        uppka=[
            UppkaOut(u.group_id, _nik(family, u.member_no), u.joined_on, u.left_on, u.status)
            for u in family.uppka
        ],
        dashat=[
            DashatOut(
                _nik(family, d.member_no),
                d.category,
                d.kitchen,
                d.enrolled_on,
                d.exited_on,
                d.status,
            )
            for d in family.dashat
        ],
        registered_at=records[1].recorded_at,
        updated_at=records[family.version].recorded_at,
        # Only a command's answer carries warnings (maybe none); a plain read has no such field.
        warnings=msgspec.UNSET
        if warnings is None
        else [FieldMessage(w.field, w.message) for w in warnings],
    )


def _deliveries(family: Family, records: dict[int, EventRecord]) -> list[AidDeliveryOut]:
    return [
        AidDeliveryOut(
            delivery_id=d.delivery_id,
            program=d.program,
            period=d.period,
            funding_source_id=d.funding_source_id,
            delivered_on=d.delivered_on,
            recipient_nik=_nik(family, d.recipient_member_no),
            items=[ItemOut(i.item, i.quantity, i.unit, i.unit_value_idr) for i in d.items],
            value_idr=d.value_idr,
            status="voided" if d.status == "voided" else "delivered",
            position=records[d.version].position,
        )
        for d in family.deliveries.values()
    ]


def _nik(family: Family, member_no: int | None) -> str | None:
    if member_no is None:
        return None
    member = family.members.get(member_no)
    return member.nik if member else None
