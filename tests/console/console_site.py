"""A served casework with known data, for the console's browser tests.

The app runs under uvicorn in a background thread on a free port (the browser needs a real
socket). The data is written through the HTTP API as clients write it, with names, NIKs and KK
numbers the tests know, so they can look for them on pages where they must not appear.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import uuid4

import httpx
import uvicorn

from builders import DISTRICT, VILLAGE, next_kk
from casework.access.users import UserStore
from casework.http.app import create_app
from casework.service import Casework
from casework.validation.identity_numbers import make_nik
from test_serve import free_port
from waiting import wait_until

USERS = {
    "admin": "admin",
    "finance": "finance",
    "auditor": "auditor",
    "kader": "caseworker",
    "finance_revoked_later": "finance",
}
NAMES = ("Yohana Lusi Ndun", "Markus Tefa Benu", "Agustina Selan")
CORRECTED_NAME = "Yohana Lusia Ndun"


@dataclass
class Site:
    base: str
    casework: Casework
    tokens: dict[str, str]
    user_ids: dict[str, str]
    personal: list[str] = field(default_factory=list)  # names, NIKs, KK numbers written
    source_2025: str = ""
    source_2024: str = ""
    corrected_family: str = ""
    first_as_of: str = ""  # an instant between the first and the second batch of writes

    def api(self, method: str, path: str, who: str = "admin", **kwargs: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        answer = httpx.request(method, self.base + path, headers=headers, timeout=30, **kwargs)
        assert answer.status_code < 300, (path, answer.status_code, answer.text)
        return answer.json()


@contextmanager
def serving(casework: Casework) -> Iterator[str]:
    port = free_port()
    config = uvicorn.Config(
        create_app(casework.settings, casework), host="127.0.0.1", port=port, log_level="warning"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="console-test-server", daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started, "the test server to start", timeout_s=60, every_s=0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=60)


def with_users(casework: Casework) -> tuple[dict[str, str], dict[str, str]]:
    users = UserStore(casework.db)
    tokens, ids = {}, {}
    for name, role in USERS.items():
        areas = ["53.71"] if role == "caseworker" else []
        user, token = users.add(name=name, role=role, areas=areas)
        tokens[name], ids[name] = token, str(user.id)
    return tokens, ids


def seed(site: Site) -> None:
    """Two sources (2025 and 2024), three families with known names, deliveries in two
    months, a void, a receipt short of what was drawn (a discrepancy), a budget revision, a
    closure, a member's name corrected, and an instant between two batches of writes."""
    site.source_2025 = site.api("POST", "/funding-sources", json=_source(2025, "APBD"))["id"]
    site.source_2024 = site.api("POST", "/funding-sources", json=_source(2024, "CSR"))["id"]
    families = [_family(site, name, serial) for serial, name in enumerate(NAMES, start=701)]
    source = f"/funding-sources/{site.source_2025}"
    site.api("POST", f"{source}/receipts", json=_receipt(90_000, "SP2D 0012/2025"))
    deliveries = [_deliver(site, family, "2025-08") for family in families]
    written = site.api("POST", f"{source}/budget-revisions", json={
        "budget_idr": 1_800_000_000, "reason": "Perubahan APBD 2025"})  # fmt: skip
    site.first_as_of = site.api(
        "GET", f"/reconciliation?min_position={written['position']}", who="finance"
    )["as_of"]
    # The second batch, after the instant.
    head = families[0]
    site.corrected_family = head
    nik = site.api("GET", f"/families/{head}")["members"][0]["nik"]
    site.api("POST", f"/families/{head}/members/{nik}/correction", json={"name": CORRECTED_NAME})
    site.personal.append(CORRECTED_NAME)
    _deliver(site, families[1], "2025-09")
    void = deliveries[2]["aid_deliveries"][0]["delivery_id"]
    site.api(
        "POST",
        f"/families/{families[2]}/aid-deliveries/{void}/void",
        json={"reason": "salah catat"},
    )
    last = site.api(
        "POST", f"/funding-sources/{site.source_2024}/closure", json={"reason": "TA 2024 selesai"}
    )
    site.api("GET", f"/reconciliation?min_position={last['position']}", who="finance")
    site.api("GET", f"/audit-trail?min_position={last['position']}&limit=1", who="auditor")


def _source(year: int, kind: str) -> dict[str, Any]:
    return {
        "code": f"{kind}-5371-{year}-{uuid4().hex[:6]}",
        "kind": kind,
        "name": f"{kind} Kota Kupang TA {year} — Ina Kasih",
        "sponsor": "Pemerintah Kota Kupang",
        "fiscal_year": year,
        "budget_idr": 1_500_000_000,
        "area": "53.71",
        "programs": ["ina_kasih"],
        "reference": f"DPA-SKPD {year}",
    }


def _family(site: Site, name: str, serial: int) -> str:
    nik = make_nik(DISTRICT, date(1984, 3, 9), "P", serial)
    kk = next_kk()
    site.personal += [name, nik, kk]
    body = {
        "kk_number": kk,
        "area_code": VILLAGE,
        "address": "Jl. Alak No. 3, RT 02/RW 01",
        "welfare_desil": 1,
        "members": [
            {"nik": nik, "name": name, "sex": "P", "birth_date": "1984-03-09",
             "relationship": "kepala_keluarga"}
        ],
    }  # fmt: skip
    family_id: str = site.api("POST", "/families", json=body, who="kader")["id"]
    return family_id


def _deliver(site: Site, family_id: str, period: str) -> Any:
    return site.api(
        "POST", f"/families/{family_id}/aid-deliveries", json=_aid(site.source_2025, period)
    )


def _receipt(amount: int, reference: str) -> dict[str, Any]:
    return {"amount_idr": amount, "reference": reference, "received_on": "2025-08-01"}


def _aid(source_id: str, period: str) -> dict[str, Any]:
    return {
        "delivery_id": str(uuid4()),
        "program": "ina_kasih",
        "period": period,
        "funding_source_id": source_id,
        "delivered_on": f"{period}-11",
        "items": [{"item": "pembalut", "quantity": 4, "unit": "pack", "unit_value_idr": 15000}],
    }
