"""Finance sees receipts and reasons: a source's receipts and its history (API.md, additions of
2026-12-08), for finance, auditors and admins, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from api_client import Api, delivery_body, family_body, source_body

RECEIPT_FIELDS = {"amount_idr", "reference", "received_on", "recorded_at", "actor", "position"}


def a_source_with_receipts_and_a_delivery(api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """A source with two receipts, a delivery voided, a budget revision and a closure."""
    source = api.post("/funding-sources", source_body(), who="finance").json()
    path = f"/funding-sources/{source['id']}"
    for amount, sp2d in ((400_000, "SP2D 0012/2025"), (250_000, "SP2D 0031/2025")):
        body = {"amount_idr": amount, "reference": sp2d, "received_on": "2025-07-15"}
        assert api.post(f"{path}/receipts", body, who="finance").status_code == 201
    family = api.post("/families", family_body(), who="kader").json()
    delivery = delivery_body(source["id"])
    delivered = api.post(f"/families/{family['id']}/aid-deliveries", delivery, who="kader")
    assert delivered.status_code == 201, delivered.text
    voided = api.post(
        f"/families/{family['id']}/aid-deliveries/{delivery['delivery_id']}/void",
        {"reason": "salah penerima"},
        who="kader",
    )
    assert voided.status_code == 200, voided.text
    revised = {"budget_idr": 900_000, "reason": "APBD-P: dikurangi"}
    assert api.post(f"{path}/budget-revisions", revised, who="finance").status_code == 200
    closed = api.post(f"{path}/closure", {"reason": "TA 2025 ends"}, who="finance")
    assert closed.status_code == 200, closed.text
    return source, family


def test_finance_lists_each_receipt_with_its_reference(any_api: Api) -> None:
    # given a source with two receipts among other events
    source, _ = a_source_with_receipts_and_a_delivery(any_api)
    # when finance asks for its receipts
    response = any_api.get(f"/funding-sources/{source['id']}/receipts", who="finance")
    # then both are listed in position order with their SP2D references
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["next_cursor"] is None
    assert all(set(item) == RECEIPT_FIELDS for item in page["items"])
    assert [(r["amount_idr"], r["reference"]) for r in page["items"]] == [
        (400_000, "SP2D 0012/2025"),
        (250_000, "SP2D 0031/2025"),
    ]
    assert [r["actor"] for r in page["items"]] == ["finance", "finance"]
    assert page["items"][0]["position"] < page["items"][1]["position"]
    assert (
        sum(r["amount_idr"] for r in page["items"])
        == any_api.get(f"/funding-sources/{source['id']}", who="finance").json()["received_idr"]
    )


def test_receipts_page_with_limit_and_cursor(api: Api) -> None:
    # given a source with two receipts
    source, _ = a_source_with_receipts_and_a_delivery(api)
    path = f"/funding-sources/{source['id']}/receipts"
    # when they are read one at a time
    first = api.get(f"{path}?limit=1", who="finance").json()
    second = api.get(f"{path}?limit=1&cursor={first['next_cursor']}", who="finance").json()
    # then each page holds one, and the second is the last
    assert [r["reference"] for r in first["items"] + second["items"]] == [
        "SP2D 0012/2025",
        "SP2D 0031/2025",
    ]
    assert second["next_cursor"] is None
    # and a cursor the list did not give is refused with words
    bad = api.get(f"{path}?cursor=abc", who="finance")
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "cursor"


def test_finance_reads_the_history_with_reasons_amounts_and_ids(any_api: Api) -> None:
    # given a source with receipts, a draw, its reversal, a revision and a closure
    source, family = a_source_with_receipts_and_a_delivery(any_api)
    # when finance asks for its history
    response = any_api.get(f"/funding-sources/{source['id']}/history", who="finance")
    # then every event is there in version order, with its data in full
    assert response.status_code == 200, response.text
    items = response.json()["items"]
    assert [i["type"] for i in items] == [
        "FundingSourceOpened",
        "FundingSourceFundsReceived",
        "FundingSourceFundsReceived",
        "FundingSourceDrawn",
        "FundingSourceDrawReversed",
        "FundingSourceBudgetRevised",
        "FundingSourceClosed",
    ]
    assert [i["version"] for i in items] == list(range(1, 8))
    drawn, reversed_, revised, closed = (i["data"] for i in items[3:])
    assert (drawn["family_id"], drawn["value_idr"]) == (family["id"], 60_000)
    assert reversed_["reason"] == "salah penerima"
    assert reversed_["delivery_id"] == drawn["delivery_id"]
    assert (revised["budget_idr"], revised["reason"]) == (900_000, "APBD-P: dikurangi")
    assert closed["reason"] == "TA 2025 ends"
    assert items[1]["data"]["reference"] == "SP2D 0012/2025"


@pytest.mark.parametrize("what", ["receipts", "history"])
@pytest.mark.parametrize(("who", "status"), [("auditor", 200), ("admin", 200), ("kader", 403)])
def test_who_may_read_receipts_and_history(api: Api, what: str, who: str, status: int) -> None:
    # given a source
    source = api.post("/funding-sources", source_body(), who="finance").json()
    # then finance, auditors and admins may read its receipts and history; caseworkers not
    assert api.get(f"/funding-sources/{source['id']}/{what}", who=who).status_code == status


@pytest.mark.parametrize("what", ["receipts", "history"])
def test_an_unknown_source_answers_404(api: Api, what: str) -> None:
    # given an id that is no funding source (a family's)
    family = api.post("/families", family_body(), who="kader").json()
    # then 404
    assert api.get(f"/funding-sources/{family['id']}/{what}", who="finance").status_code == 404
