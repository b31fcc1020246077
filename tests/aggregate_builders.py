"""Builders and assertions for the pure-domain aggregate tests (no store, no service)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from typing import Any, TypeVar
from uuid import UUID, uuid4

import pytest

from casework.aggregates.base import CaseworkAggregate, Cause
from casework.aggregates.family import Family, NewDelivery, NewMember
from casework.aggregates.family_records import DeliveryItem
from casework.aggregates.funding_source import DrawRequest, FundingSource
from casework.errors import Conflict, ValidationFailed
from casework.validation.identity_numbers import make_kk_number, make_nik
from casework.vocabulary import HEAD

A = TypeVar("A", bound=CaseworkAggregate)

DISTRICT = "537101"  # Alak, Kota Kupang
AREA = "53.71.01.1001"  # Namosain, a village in Alak
OTHER_AREA = "53.71.02.1001"  # Oepura, Maulafa: still Kota Kupang
CAUSE = Cause(actor="kader.namosain", request_id="req-0001")
LATER = Cause(actor="plkb.alak", request_id="req-0002")
KK = make_kk_number(DISTRICT, date(2015, 4, 23), 1)
NEW_KK = make_kk_number("537102", date(2025, 2, 3), 17)
ADDRESS = "Jl. Alak No. 3, RT 02/RW 01"
SOURCE_ID = UUID("6f1c2a44-0000-4000-8000-000000000001")
HEAD_BORN = date(1985, 7, 5)


def nik(serial: int, sex: str = "L", born: date = date(2010, 3, 14)) -> str:
    return make_nik(DISTRICT, born, sex, serial)


def provisional_nik(serial: int) -> str:
    """What a village system assigns to someone without a NIK: 16 digits starting with 0."""
    return f"0{serial:015d}"


HEAD_NIK = nik(1, "P", HEAD_BORN)


def member(
    serial: int,
    relationship: str = "anak",
    *,
    sex: str = "L",
    born: date = date(2010, 3, 14),
    nik_value: str | None = None,
) -> NewMember:
    return NewMember(
        nik=nik_value or nik(serial, sex, born),
        name=f"Anggota {serial}",
        sex=sex,
        birth_date=born,
        relationship=relationship,
    )


def head() -> NewMember:
    return NewMember(HEAD_NIK, "Maria Bella", "P", HEAD_BORN, HEAD)


def registered_family(*others: NewMember, cause: Cause = CAUSE) -> Family:
    """A family of Namosain headed by Maria Bella (member 1); `others` are members 2, 3, ..."""
    return Family.register(
        cause,
        uuid4(),
        kk_number=KK,
        area_code=AREA,
        address=ADDRESS,
        welfare_desil=1,
        members=[head(), *others],
    )


def pads(packs: int = 4, unit_value_idr: int = 15_000) -> DeliveryItem:
    return DeliveryItem("pembalut", packs, "pack", unit_value_idr)


def new_delivery(
    *,
    delivery_id: UUID | None = None,
    program: str = "ina_kasih",
    period: str = "2025-08",
    recipient: int | None = None,
    items: tuple[DeliveryItem, ...] = (pads(),),
) -> NewDelivery:
    return NewDelivery(
        delivery_id=delivery_id or uuid4(),
        program=program,
        period=period,
        funding_source_id=SOURCE_ID,
        delivered_on=date(2025, 8, 11),
        recipient_member_no=recipient,
        items=items,
    )


def open_source(
    *,
    budget_idr: int = 1_000_000,
    area: str = "53.71",
    programs: tuple[str, ...] = ("ina_kasih",),
    fiscal_year: int = 2025,
    cause: Cause = CAUSE,
) -> FundingSource:
    return FundingSource.open(
        cause,
        SOURCE_ID,
        code="APBD-5371-2025-INAKASIH",
        kind="APBD",
        name="APBD Kota Kupang TA 2025 - Ina Kasih",
        sponsor="Pemerintah Kota Kupang",
        fiscal_year=fiscal_year,
        budget_idr=budget_idr,
        area=area,
        programs=programs,
        reference="DPA-SKPD 1.02.0.00.0.00.01",
    )


def draw_request(
    value_idr: int,
    *,
    delivery_id: UUID | None = None,
    program: str = "ina_kasih",
    period: str = "2025-08",
    area_code: str = AREA,
) -> DrawRequest:
    return DrawRequest(
        delivery_id=delivery_id or uuid4(),
        family_id=UUID("0b8e6c1d-0000-4000-8000-000000000002"),
        program=program,
        period=period,
        value_idr=value_idr,
        area_code=area_code,
    )


def replayed(aggregate: A) -> A:
    """Rebuild an aggregate from its pending events alone (this collects them)."""
    events = aggregate.collect_events()
    assert len(events) == aggregate.version
    rebuilt: Any = events[0].mutate(None)
    for event in events[1:]:
        rebuilt = event.mutate(rebuilt)
    assert isinstance(rebuilt, type(aggregate))
    return rebuilt


def state(aggregate: CaseworkAggregate) -> dict[str, Any]:
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def _unchanged(aggregate: CaseworkAggregate | None, before: tuple[int, int] | None) -> None:
    if aggregate is not None:
        after = (aggregate.version, len(aggregate._pending_events))
        assert after == before, "a refused command must record no event"


def _snapshot(aggregate: CaseworkAggregate | None) -> tuple[int, int] | None:
    if aggregate is None:
        return None
    return (aggregate.version, len(aggregate._pending_events))


@contextmanager
def refused(kind: str, aggregate: CaseworkAggregate | None = None) -> Iterator[None]:
    """Expect a Conflict of `kind`; with `aggregate`, also that no event was recorded."""
    before = _snapshot(aggregate)
    with pytest.raises(Conflict) as caught:
        yield
    assert caught.value.kind == kind, str(caught.value)
    _unchanged(aggregate, before)


@contextmanager
def invalid(field: str, aggregate: CaseworkAggregate | None = None) -> Iterator[None]:
    """Expect ValidationFailed naming exactly `field`; with `aggregate`, no event recorded."""
    before = _snapshot(aggregate)
    with pytest.raises(ValidationFailed) as caught:
        yield
    assert [p.field for p in caught.value.problems] == [field], str(caught.value)
    _unchanged(aggregate, before)
