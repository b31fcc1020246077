"""Funding sources: opening, receipts, budget revisions, closure, and who may read one."""

from __future__ import annotations

from typing import Any

import pytest
from api_client import Api, delivery_body, family_body, source_body

SOURCE_FIELDS = {
    "id",
    "version",
    "position",
    "code",
    "kind",
    "name",
    "sponsor",
    "fiscal_year",
    "budget_idr",
    "area",
    "programs",
    "reference",
    "received_idr",
    "drawn_idr",
    "balance_idr",
    "status",
}
# litestar decodes bodies with msgspec's lax mode: "1000" and 10.0 become the integers 1000 and 10.
RECEIPT = {"amount_idr": 400_000, "reference": "SP2D 0012/2025", "received_on": "2025-07-15"}


def open_source(api: Api, **options: Any) -> dict[str, Any]:
    response = api.post("/funding-sources", source_body(**options), who="finance")
    assert response.status_code == 201, response.text
    source: dict[str, Any] = response.json()
    return source


def post_to(api: Api, source: dict[str, Any], action: str, body: dict[str, Any]) -> Any:
    return api.post(f"/funding-sources/{source['id']}/{action}", body, who="finance")


def close(api: Api, source: dict[str, Any]) -> Any:
    return post_to(api, source, "closure", {"reason": "TA 2025 ends"})


def revise(api: Api, source: dict[str, Any], budget_idr: int) -> Any:
    return post_to(api, source, "budget-revisions", {"budget_idr": budget_idr, "reason": "APBD-P"})


def conflict_type(response: Any) -> str:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    kind: str = response.json()["type"]
    return kind


def error_fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    return {error["field"] for error in response.json()["errors"]}


def test_opening_a_source_answers_201_with_its_figures(any_api: Api) -> None:
    # given a budget line of Kota Kupang
    body = source_body(budget_idr=1_800_000_000)
    # when finance opens it
    response = any_api.post("/funding-sources", body, who="finance")
    # then 201 with Location, ETag and exactly the contract's fields
    assert response.status_code == 201, response.text
    source = response.json()
    assert set(source) == SOURCE_FIELDS
    assert response.headers["location"] == f"/funding-sources/{source['id']}"
    assert response.headers["etag"] == '"1"'
    assert {k: source[k] for k in body} == body
    assert (source["version"], source["status"]) == (1, "open")
    assert (source["received_idr"], source["drawn_idr"]) == (0, 0)
    assert source["balance_idr"] == 1_800_000_000
    assert isinstance(source["position"], int)


def test_a_second_source_with_the_same_code_answers_409_duplicate_code(api: Api) -> None:
    first = open_source(api)
    response = api.post("/funding-sources", {**source_body(), "code": first["code"]})
    assert conflict_type(response) == "duplicate-code"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"budget_idr": -1}, "budget_idr"),
        ({"budget_idr": 1000.5}, "budget_idr"),
        ({"budget_idr": 10**30}, "budget_idr"),
        ({"budget_idr": "1000"}, "budget_idr"),
        ({"kind": "HIBAH"}, "kind"),
        ({"area": "99.99"}, "area"),
        ({"programs": []}, "programs"),
        ({"currency": "IDR"}, "currency"),
    ],
    ids=["negative", "float", "huge", "string", "kind", "area", "no-programs", "unknown-field"],
)
def test_invalid_sources_answer_422_naming_the_field(
    api: Api, change: dict[str, Any], field: str
) -> None:
    response = api.post("/funding-sources", {**source_body(), **change}, who="finance")
    assert field in error_fields(response)


@pytest.mark.parametrize(
    "amount",
    [
        10.0,
        1e3,
        10.5,
        10**30,
        -5,
    ],
)
def test_a_receipt_amount_must_be_a_non_negative_integer_of_rupiah(
    api: Api, amount: float | int
) -> None:
    source = open_source(api)
    response = post_to(api, source, "receipts", {**RECEIPT, "amount_idr": amount})
    assert error_fields(response) == {"amount_idr"}


@pytest.mark.postgres
def test_a_code_with_a_nul_character_is_not_a_500(pg_api: Api) -> None:
    # given a code holding a NUL character, which PostgreSQL text cannot store
    body = {**source_body(), "code": "APBD-2025\u0000X"}
    # when it is sent, then it is refused (or stored), never an internal error
    response = pg_api.post("/funding-sources", body, who="finance")
    assert response.status_code < 500, response.text


def test_a_receipt_answers_201_and_grows_received(api: Api) -> None:
    # given an open source
    source = open_source(api)
    # when two transfers arrive
    first = post_to(api, source, "receipts", RECEIPT)
    second = post_to(api, source, "receipts", {**RECEIPT, "reference": "SP2D 0013/2025"})
    # then each answers 201 and received_idr is their sum; the balance is against budget
    assert (first.status_code, second.status_code) == (201, 201), second.text
    assert second.headers["etag"] == '"3"'
    assert second.json()["received_idr"] == 800_000
    assert second.json()["balance_idr"] == source["budget_idr"]


def test_a_receipt_is_still_accepted_after_closure(api: Api) -> None:
    source = open_source(api)
    assert close(api, source).status_code == 200
    response = post_to(api, source, "receipts", RECEIPT)
    assert response.status_code == 201, response.text
    assert response.json()["received_idr"] == RECEIPT["amount_idr"]


def test_a_budget_revision_answers_200_with_the_new_budget(api: Api) -> None:
    source = open_source(api, budget_idr=1_000_000)
    response = revise(api, source, 2_500_000)
    assert response.status_code == 200, response.text
    assert (response.json()["budget_idr"], response.json()["balance_idr"]) == (2_500_000, 2_500_000)


def test_a_budget_below_what_was_drawn_answers_409_budget_below_drawn(api: Api) -> None:
    # given a source that paid a 60,000 delivery
    source = open_source(api, budget_idr=1_000_000)
    family = api.post("/families", family_body(), who="kader").json()
    delivered = api.post(
        f"/families/{family['id']}/aid-deliveries", delivery_body(source["id"]), who="kader"
    )
    assert delivered.status_code == 201, delivered.text
    # when the budget is revised below that, then 409 and the budget stands
    assert conflict_type(revise(api, source, 59_999)) == "budget-below-drawn"
    now = api.get(f"/funding-sources/{source['id']}").json()
    assert (now["budget_idr"], now["drawn_idr"], now["balance_idr"]) == (
        1_000_000,
        60_000,
        940_000,
    )
    # and down to exactly what was drawn is allowed
    assert revise(api, source, 60_000).json()["balance_idr"] == 0


def test_a_budget_revision_after_closure_answers_409_already_closed(api: Api) -> None:
    source = open_source(api)
    assert close(api, source).status_code == 200
    assert conflict_type(revise(api, source, 2_000_000)) == "already-closed"


def test_closure_answers_200_and_a_second_closure_409_already_closed(any_api: Api) -> None:
    source = open_source(any_api)
    closed = close(any_api, source)
    assert closed.status_code == 200, closed.text
    assert closed.json()["status"] == "closed"
    assert conflict_type(close(any_api, source)) == "already-closed"


@pytest.mark.parametrize("who", ["finance", "auditor", "kader", "kader_other", "admin"])
def test_every_role_may_read_a_source(api: Api, who: str) -> None:
    source = open_source(api)
    response = api.get(f"/funding-sources/{source['id']}", who=who)
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"1"'
    assert response.json() == source


def test_reading_an_unknown_source_answers_404(api: Api) -> None:
    response = api.get("/funding-sources/00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404


def test_reading_a_family_id_as_a_source_answers_404(api: Api) -> None:
    family = api.post("/families", family_body(), who="kader").json()
    assert api.get(f"/funding-sources/{family['id']}").status_code == 404


@pytest.mark.parametrize("who", ["kader", "auditor"])
def test_only_finance_and_admin_write_sources(api: Api, who: str) -> None:
    assert api.post("/funding-sources", source_body(), who=who).status_code == 403
