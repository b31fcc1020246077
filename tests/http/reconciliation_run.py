"""A realistic run through the API, and the test's own books of it to reconcile against.

Two sources (an APBD line of Kota Kupang for Ina Kasih and sembako, a CSR agreement of one
district for Ina Kasih), four families, twelve deliveries over three months, two voids,
receipts (one short, one beyond the budget) and a budget revision. The books record every
write at the position the API answered with, so the expected figures as of any position are
plain sums over them: independent of the ledger under test.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any
from uuid import uuid4

from api_client import Api, delivery_body, family_body, source_body


@dataclass
class Draw:
    position: int
    source_id: str
    family_id: str
    delivery_id: str
    program: str
    period: str
    value_idr: int
    voided_at: int | None = None


@dataclass
class Books:
    apbd: str = ""
    csr: str = ""
    draws: list[Draw] = field(default_factory=list)
    receipts: list[tuple[int, str, int]] = field(default_factory=list)
    budgets: list[tuple[int, str, int]] = field(default_factory=list)
    at: dict[str, int] = field(default_factory=dict)  # the position after each named step
    last: int = 0

    def figures(self, source_id: str, position: int) -> dict[str, int]:
        """The scalar figures of `sources[]` as of `position`, summed from the books."""
        budget = [b for p, s, b in self.budgets if s == source_id and p <= position][-1]
        received = sum(a for p, s, a in self.receipts if s == source_id and p <= position)
        drawn = [d for d in self.draws if d.source_id == source_id and d.position <= position]
        voided = [d for d in drawn if d.voided_at is not None and d.voided_at <= position]
        net = sum(d.value_idr for d in drawn) - sum(d.value_idr for d in voided)
        return {
            "budget_idr": budget,
            "received_idr": received,
            "drawn_idr": net,
            "voided_idr": sum(d.value_idr for d in voided),
            "balance_idr": budget - net,
            "unreceived_idr": max(net - received, 0),
            "deliveries": len(drawn) - len(voided),
        }

    def by_program(self, source_id: str, position: int) -> list[dict[str, Any]]:
        groups: dict[tuple[str, str], list[int]] = defaultdict(list)
        for d in self.draws:
            live = d.voided_at is None or d.voided_at > position
            if d.source_id == source_id and d.position <= position and live:
                groups[(d.program, d.period)].append(d.value_idr)
        return [
            {"program": program, "period": period, "deliveries": len(v), "value_idr": sum(v)}
            for (program, period), v in sorted(groups.items())
        ]


def posted(response: Any, status: int = 201) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    return body


def open_sources(api: Api, books: Books) -> None:
    apbd = source_body(budget_idr=2_000_000, programs=("ina_kasih", "sembako"))
    csr = {**source_body(budget_idr=500_000, area="53.71.01"), "kind": "CSR"}
    csr["code"] = f"CSR-537101-2025-{uuid4().hex[:8]}"
    for name, body in (("apbd", apbd), ("csr", csr)):
        source = posted(api.post("/funding-sources", body, who="finance"))
        setattr(books, name, source["id"])
        books.budgets.append((source["position"], source["id"], body["budget_idr"]))


def receive(api: Api, books: Books, source_id: str, amount: int) -> None:
    body = {"amount_idr": amount, "reference": "SP2D 0012/2025", "received_on": "2025-09-30"}
    answer = posted(api.post(f"/funding-sources/{source_id}/receipts", body, who="finance"))
    books.receipts.append((answer["position"], source_id, amount))
    books.last = answer["position"]


def deliver(
    api: Api, books: Books, family_id: str, source_id: str, program: str, period: str, qty: int
) -> Draw:
    body = {**delivery_body(source_id, quantity=qty, period=period), "program": program}
    answer = posted(api.post(f"/families/{family_id}/aid-deliveries", body, who="kader"))
    draw = Draw(
        answer["position"], source_id, family_id, body["delivery_id"], program, period, qty * 15_000
    )
    books.draws.append(draw)
    books.last = answer["position"]
    return draw


def void(api: Api, books: Books, draw: Draw) -> None:
    path = f"/families/{draw.family_id}/aid-deliveries/{draw.delivery_id}/void"
    answer = posted(api.post(path, {"reason": "entered twice"}, who="kader"), 200)
    draw.voided_at = books.last = answer["position"]


def a_realistic_run(api: Api) -> Books:
    books = Books()
    open_sources(api, books)
    families = [posted(api.post("/families", family_body(), who="kader"))["id"] for _ in range(4)]
    receive(api, books, books.apbd, 300_000)
    books.at["first receipt"] = books.last
    july = [deliver(api, books, f, books.apbd, "ina_kasih", "2025-07", 4) for f in families]
    august = [deliver(api, books, f, books.apbd, "sembako", "2025-08", 2) for f in families]
    september = [deliver(api, books, f, books.csr, "ina_kasih", "2025-09", 3) for f in families]
    void(api, books, july[1])
    books.at["first void"] = books.last
    void(api, books, september[2])
    revised = {"budget_idr": 2_500_000, "reason": "APBD-P 2025"}
    answer = posted(
        api.post(f"/funding-sources/{books.apbd}/budget-revisions", revised, who="finance"), 200
    )
    books.budgets.append((answer["position"], books.apbd, 2_500_000))
    receive(api, books, books.csr, 100_000)  # short of the 135,000 drawn on it
    receive(api, books, books.apbd, 2_700_000)  # 3,000,000 received: beyond the budget
    assert len(july + august + september) == 12
    return books
