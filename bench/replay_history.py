"""The family `bench/replay.py` loads: a long history recorded through the service.

Five members; every sixth command a delivery (the first twelve kept, one a month, the rest to a
child and voided by the next command, as a wrong recipient would be), and in between welfare
assessments, moves, name corrections and DASHAT enrolments and exits.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from casework.aggregates.base import Cause
from casework.aggregates.family import NewMember
from casework.aggregates.family_records import DeliveryItem
from casework.application import Saved
from casework.service import Casework
from casework.validation.identity_numbers import make_kk_number, make_nik

CAUSE = Cause(actor="cli:bench", request_id="bench-replay")
DISTRICT = "537101"
VILLAGES = ("53.71.01.1001", "53.71.02.1001")
ITEMS = [DeliveryItem("pembalut", 4, "pack", 15_000), DeliveryItem("sabun", 2, "batang", 5_000)]


def _members() -> list[NewMember]:
    people = [
        ("kepala_keluarga", "L", date(1980, 3, 14), "Yohanes Bria Seran"),
        ("istri", "P", date(1984, 9, 2), "Maria Goreti Nahak"),
        ("anak", "P", date(2008, 6, 21), "Theresia Bete Seran"),
        ("anak", "L", date(2012, 1, 30), "Fransiskus Mau Seran"),
        ("anak", "P", date(2023, 11, 5), "Agustina Luruk Seran"),
    ]
    return [
        NewMember(make_nik(DISTRICT, born, sex, serial), name, sex, born, relationship)
        for serial, (relationship, sex, born, name) in enumerate(people, start=1)
    ]


def record_history(app: Casework, events: int) -> UUID:
    members = _members()
    family_id = app.register_family(
        CAUSE,
        kk_number=make_kk_number(DISTRICT, date(2015, 4, 23), 1),
        area_code=VILLAGES[0],
        address="Jl. Alak No. 3, RT 02/RW 01",
        welfare_desil=1,
        members=members,
    ).aggregate_id
    source_id = app.open_funding_source(
        CAUSE,
        code="APBD-5371-2025-BENCH",
        kind="APBD",
        name="APBD Kota Kupang TA 2025",
        sponsor="Pemerintah Kota Kupang",
        fiscal_year=2025,
        budget_idr=10**13,
        area="53.71",
        programs=["ina_kasih"],
        reference="DPA-SKPD 1.02.0.00.0.00.01",
    ).aggregate_id
    version, step, deliveries, to_void = 1, 0, 0, None
    while version < events:
        if step % 6 == 0:
            deliveries += 1
            kept = deliveries <= 12
            delivery_id = uuid4()
            saved = app.deliver_aid(
                CAUSE,
                family_id,
                delivery_id=delivery_id,
                program="ina_kasih",
                period=f"2025-{(deliveries - 1) % 12 + 1:02d}",
                funding_source_id=source_id,
                delivered_on=date(2025, 8, 11),
                items=ITEMS,
                recipient_nik=members[1].nik if kept else members[2].nik,
            )
            to_void = None if kept else delivery_id
        elif step % 6 == 1 and to_void is not None:
            saved = app.void_delivery(CAUSE, family_id, to_void, reason="wrong recipient")
        else:
            saved = _change(app, family_id, members, step)
        version, step = saved.version, step + 1
    return family_id


def _change(app: Casework, family_id: UUID, members: list[NewMember], step: int) -> Saved:
    kind = step % 6
    if kind in (1, 2):
        return app.assess_welfare(
            CAUSE, family_id, desil=step % 10 + 1, source="PK", assessed_on=date(2025, 1, 2)
        )
    if kind == 3:
        village = VILLAGES[step % 2]
        return app.relocate_family(
            CAUSE, family_id, area_code=village, address=f"Jl. Alak No. {step}, RT 02/RW 01"
        )
    if kind == 4:
        head = members[0]
        return app.correct_member(CAUSE, family_id, head.nik, name=f"{head.name} ({step})")
    if step % 12 == 5:
        return app.enrol_in_dashat(
            CAUSE,
            family_id,
            member_nik=members[4].nik,
            category="baduta",
            kitchen="Dapur DASHAT Namosain",
            enrolled_on=date(2025, 2, 1),
        )
    return app.exit_dashat(
        CAUSE, family_id, members[4].nik, exited_on=date(2025, 3, 1), reason="graduated"
    )
