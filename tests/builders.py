"""Small builders for valid families, sources and deliveries used across application tests."""

from __future__ import annotations

import itertools
from datetime import date
from uuid import UUID, uuid4

from casework.aggregates.base import Cause
from casework.aggregates.family import NewMember
from casework.aggregates.family_records import DeliveryItem
from casework.application import Saved
from casework.service import Casework
from casework.validation.identity_numbers import make_kk_number, make_nik

VILLAGE = "53.71.01.1001"  # Namosain, Kecamatan Alak, Kota Kupang
OTHER_VILLAGE = "53.71.02.1001"
DISTRICT = "537101"
CAUSE = Cause(actor="tester", request_id="req-test")
_serials = itertools.count(1)


def next_kk() -> str:
    return make_kk_number(DISTRICT, date(2015, 4, 23), next(_serials))


def member(
    relationship: str = "kepala_keluarga", sex: str = "P", born: date = date(1985, 7, 5)
) -> NewMember:
    nik = make_nik(DISTRICT, born, sex, next(_serials))
    return NewMember(
        nik=nik, name=f"Maria Bella {nik[-4:]}", sex=sex, birth_date=born, relationship=relationship
    )


def register(app: Casework, *members: NewMember, kk_number: str | None = None) -> Saved:
    return app.register_family(
        CAUSE,
        kk_number=kk_number or next_kk(),
        area_code=VILLAGE,
        address="Jl. Alak No. 3, RT 02/RW 01",
        welfare_desil=1,
        members=list(members) or [member()],
    )


def open_source(
    app: Casework, budget_idr: int = 1_000_000, programs: tuple[str, ...] = ("ina_kasih",)
) -> Saved:
    return app.open_funding_source(
        CAUSE,
        code=f"APBD-5371-2025-{uuid4().hex[:8]}",
        kind="APBD",
        name="APBD Kota Kupang TA 2025 — Ina Kasih",
        sponsor="Pemerintah Kota Kupang",
        fiscal_year=2025,
        budget_idr=budget_idr,
        area="53.71",
        programs=list(programs),
        reference="DPA-SKPD 1.02.0.00.0.00.01",
    )


def pads(quantity: int = 4, unit_value_idr: int = 15_000) -> list[DeliveryItem]:
    return [DeliveryItem("pembalut", quantity, "pack", unit_value_idr)]


def deliver(
    app: Casework,
    family_id: UUID,
    source_id: UUID,
    *,
    period: str = "2025-08",
    recipient_nik: str | None = None,
    delivery_id: UUID | None = None,
    items: list[DeliveryItem] | None = None,
    expected_version: int | None = None,
) -> Saved:
    return app.deliver_aid(
        CAUSE,
        family_id,
        delivery_id=delivery_id or uuid4(),
        program="ina_kasih",
        period=period,
        funding_source_id=source_id,
        delivered_on=date(2025, 8, 11),
        items=items or pads(),
        recipient_nik=recipient_nik,
        expected_version=expected_version,
    )
