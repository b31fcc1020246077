"""An HTTP test client holding a token per kind of user, and JSON bodies for the contract."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import uuid4

import httpx
from litestar.testing import TestClient

from builders import DISTRICT, VILLAGE, next_kk
from casework.access.users import UserStore
from casework.http.app import create_app
from casework.service import Casework
from casework.validation.identity_numbers import make_nik

# Who the tests act as: name → (role, areas). The caseworkers hold one district each.
USERS = {
    "admin": ("admin", ()),
    "finance": ("finance", ()),
    "auditor": ("auditor", ()),
    "kader": ("caseworker", ("53.71.01",)),  # Kecamatan Alak, where VILLAGE lies
    "kader_other": ("caseworker", ("53.71.02",)),  # where OTHER_VILLAGE lies
}
_serials = iter(range(5000, 10**6))


@dataclass
class Api:
    client: TestClient[Any]
    casework: Casework
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, who: str | None, **extra: str) -> dict[str, str]:
        headers = {k.replace("_", "-"): v for k, v in extra.items()}
        if who is not None:
            headers["Authorization"] = f"Bearer {self.tokens[who]}"
        return headers

    def get(self, path: str, who: str | None = "admin", **headers: str) -> httpx.Response:
        return self.client.get(path, headers=self.headers(who, **headers))

    def post(
        self, path: str, body: Any, who: str | None = "admin", **headers: str
    ) -> httpx.Response:
        return self.client.post(path, json=body, headers=self.headers(who, **headers))


@contextmanager
def running_api(casework: Casework) -> Iterator[Api]:
    users = UserStore(casework.db)
    tokens = {
        name: users.add(name=name, role=role, areas=list(areas))[1]
        for name, (role, areas) in USERS.items()
    }
    with TestClient(create_app(casework.settings, casework)) as client:
        yield Api(client, casework, tokens)


def nik(sex: str = "P", born: date = date(1985, 7, 5)) -> str:
    return make_nik(DISTRICT, born, sex, next(_serials))


def member_body(
    relationship: str = "kepala_keluarga", sex: str = "P", born: date = date(1985, 7, 5)
) -> dict[str, Any]:
    number = nik(sex, born)
    return {
        "nik": number,
        "name": f"Maria Bella {number[-4:]}",
        "sex": sex,
        "birth_date": born.isoformat(),
        "relationship": relationship,
    }


def family_body(*members: dict[str, Any], area_code: str = VILLAGE) -> dict[str, Any]:
    return {
        "kk_number": next_kk(),
        "area_code": area_code,
        "address": "Jl. Alak No. 3, RT 02/RW 01",
        "welfare_desil": 1,
        "members": list(members) or [member_body()],
    }


def source_body(
    budget_idr: int = 1_000_000, programs: tuple[str, ...] = ("ina_kasih",), area: str = "53.71"
) -> dict[str, Any]:
    return {
        "code": f"APBD-5371-2025-{uuid4().hex[:8]}",
        "kind": "APBD",
        "name": "APBD Kota Kupang TA 2025 — Ina Kasih",
        "sponsor": "Pemerintah Kota Kupang",
        "fiscal_year": 2025,
        "budget_idr": budget_idr,
        "area": area,
        "programs": list(programs),
        "reference": "DPA-SKPD 1.02.0.00.0.00.01",
    }


def delivery_body(
    source_id: str, *, recipient_nik: str | None = None, quantity: int = 4, period: str = "2025-08"
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "delivery_id": str(uuid4()),
        "program": "ina_kasih",
        "period": period,
        "funding_source_id": source_id,
        "delivered_on": "2025-08-11",
        "items": [
            {"item": "pembalut", "quantity": quantity, "unit": "pack", "unit_value_idr": 15000}
        ],
    }
    if recipient_nik is not None:
        body["recipient_nik"] = recipient_nik
    return body
