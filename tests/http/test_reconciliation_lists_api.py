"""The lists beside the report: delivery line items, discrepancies and the funding sources."""

from __future__ import annotations

import base64
from typing import Any
from uuid import uuid4

import pytest
from api_client import Api, source_body
from reconciliation_run import Books, a_realistic_run


@pytest.fixture
def run(any_api: Api) -> tuple[Api, Books]:
    return any_api, a_realistic_run(any_api)


def read(api: Api, path: str, who: str = "finance") -> Any:
    response = api.get(path, who=who)
    assert response.status_code == 200, response.text
    return response.json()


def every_page(api: Api, path: str, limit: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        query = f"&cursor={cursor}" if cursor else ""
        page = read(api, f"{path}&limit={limit}{query}")
        items += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return items


def test_delivery_lines_are_the_draws_in_position_order(run: tuple[Api, Books]) -> None:
    api, books = run
    # when finance lists the APBD source's deliveries, three at a time
    path = f"/reconciliation/deliveries?funding_source_id={books.apbd}&min_position={books.last}"
    lines = every_page(api, path, limit=3)
    # then each draw is a line, in position order, the voided one marked so
    drawn = [d for d in books.draws if d.source_id == books.apbd]
    assert [line["delivery_id"] for line in lines] == [d.delivery_id for d in drawn]
    assert [line["position"] for line in lines] == [d.position for d in drawn]
    assert [line["status"] for line in lines] == [
        "voided" if d.voided_at else "delivered" for d in drawn
    ]
    assert {line["delivered_on"] for line in lines} == {"2025-08-11"}
    # and the lines not voided sum to what the report says was drawn
    report = read(api, "/reconciliation?kind=APBD")
    delivered = sum(line["value_idr"] for line in lines if line["status"] == "delivered")
    assert delivered == report["sources"][0]["drawn_idr"] == 300_000
    # and a line names no person: ids, area, programme, period, value, date, status only
    assert set(lines[0]) == {
        "delivery_id",
        "family_id",
        "funding_source_id",
        "area_code",
        "program",
        "period",
        "value_idr",
        "delivered_on",
        "status",
        "position",
    }


def test_delivery_lines_filter_by_programme_and_period(run: tuple[Api, Books]) -> None:
    api, books = run
    page = read(api, f"/reconciliation/deliveries?program=sembako&min_position={books.last}")
    assert len(page["items"]) == 4 and page["next_cursor"] is None
    assert read(api, "/reconciliation/deliveries?period=2025-09")["position"] == books.last
    assert len(read(api, "/reconciliation/deliveries?period=2025-09")["items"]) == 4
    assert read(api, "/reconciliation/deliveries?period=2025-10")["items"] == []
    # and what no list gave or no column holds is refused as such
    for query in ("cursor=abc", "cursor=%C2%B2", "period=2025-13", "program=%00"):
        bad = api.get(f"/reconciliation/deliveries?{query}", who="finance")
        assert bad.status_code == 422, query


def test_discrepancies_name_the_short_and_the_over_received_source(run: tuple[Api, Books]) -> None:
    api, books = run
    # when finance asks for the discrepancies after the run
    page = read(api, f"/reconciliation/discrepancies?min_position={books.last}")
    # then the CSR source has delivered more than it received, the APBD one received more
    # than its budget; each finding in position order, from where it began, with no person
    found = [(f["kind"], f["funding_source_id"]) for f in page["items"]]
    assert found == [("unreceived-funds", books.csr), ("over-received", books.apbd)]
    assert [f["position"] for f in page["items"]] == sorted(f["position"] for f in page["items"])
    assert "family_id" not in page["items"][0]
    assert "35000 IDR" in page["items"][0]["detail"]
    # and in pages of one, the same findings
    assert every_page(api, "/reconciliation/discrepancies?x=1", limit=1) == page["items"]


def test_the_funding_source_list_filters_and_orders_by_code(any_api: Api) -> None:
    # given three sources whose codes are not in the order they were opened in
    opened = []
    for code, kind, area in (
        ("DAK-5371-2025-BOKB", "DAK", "53.71"),
        ("APBD-5301-2025-PADS", "APBD", "53.01"),
        ("CSR-537101-2025-PADS", "CSR", "53.71.01"),
    ):
        body = {**source_body(area=area), "code": code, "kind": kind}
        answer = any_api.post("/funding-sources", body, who="finance")
        assert answer.status_code == 201, answer.text
        opened.append(answer.json())
    last = opened[-1]["position"]

    def codes(query: str) -> list[str]:
        page = read(any_api, f"/funding-sources?min_position={last}&{query}", who="kader")
        return [item["code"] for item in page["items"]]

    # then the list is ordered by code and each filter keeps what it says
    assert codes("") == ["APBD-5301-2025-PADS", "CSR-537101-2025-PADS", "DAK-5371-2025-BOKB"]
    assert codes("kind=DAK") == ["DAK-5371-2025-BOKB"]
    assert codes("area=53.71.01.1001") == ["CSR-537101-2025-PADS", "DAK-5371-2025-BOKB"]
    assert codes("area=5301") == ["APBD-5301-2025-PADS"]
    assert codes("fiscal_year=2024") == []
    # and an item is the source as read on its own
    item = read(any_api, f"/funding-sources?kind=CSR&min_position={last}")["items"][0]
    assert item == read(any_api, f"/funding-sources/{opened[2]['id']}")
    # and pages of two hold every source once
    every = every_page(any_api, f"/funding-sources?min_position={last}", limit=2)
    assert [i["code"] for i in every] == codes("")
    assert any_api.get("/funding-sources?area=53.7", who="kader").status_code == 422
    assert any_api.get("/funding-sources?cursor=%%%", who="kader").status_code == 422
    nul = base64.urlsafe_b64encode(f'["\\u0000","{uuid4()}"]'.encode()).decode()
    assert any_api.get(f"/funding-sources?cursor={nul}", who="kader").status_code == 422
