"""Health, readiness, the published OpenAPI document, request ids and chain verification."""

from __future__ import annotations

import re
from typing import Any

import pytest
from api_client import Api, delivery_body, family_body, source_body

# Every path API.md names, with its parameters written `{}` (their names are the project's).
CONTRACT_PATHS = {
    "/families",
    "/families/{}",
    "/families/{}/history",
    "/families/{}/members",
    "/families/{}/members/{}/departure",
    "/families/{}/members/{}/correction",
    "/families/{}/relocation",
    "/families/{}/welfare-assessments",
    "/families/{}/aid-deliveries",
    "/families/{}/aid-deliveries/{}/void",
    "/families/{}/uppka-memberships",
    "/families/{}/uppka-memberships/{}/exit",
    "/families/{}/dashat-enrollments",
    "/families/{}/dashat-enrollments/{}/exit",
    "/families/{}/erasure",
    "/funding-sources",
    "/funding-sources/{}",
    "/funding-sources/{}/receipts",
    "/funding-sources/{}/budget-revisions",
    "/funding-sources/{}/closure",
    "/uppka-groups",
    "/uppka-groups/{}",
    "/reconciliation",
    "/reconciliation/deliveries",
    "/reconciliation/discrepancies",
    "/audit-trail",
    "/audit/verify",
    "/health",
    "/ready",
    "/projections",
    "/users",
    "/users/{}/revocation",
}


def openapi(api: Api) -> dict[str, Any]:
    response = api.get("/schema/openapi.json", who=None)
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()
    return document


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def request_schema_names(document: dict[str, Any]) -> set[str]:
    """The component schemas request bodies use, directly or nested."""
    found: set[str] = set()
    pending = [
        operation["requestBody"]["content"]["application/json"]["schema"]
        for item in document["paths"].values()
        for operation in item.values()
        if isinstance(operation, dict) and "requestBody" in operation
    ]
    while pending:
        text = repr(pending.pop())
        for name in re.findall(r"#/components/schemas/([A-Za-z0-9_]+)", text):
            if name not in found:
                found.add(name)
                pending.append(document["components"]["schemas"][name])
    return found


def test_health_answers_ok_without_a_token(api: Api) -> None:
    response = api.get("/health", who=None)
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_ready_answers_200_without_a_token(api: Api) -> None:
    assert api.get("/ready", who=None).status_code == 200


def test_the_openapi_document_lists_every_path_of_the_contract(api: Api) -> None:
    # given the published document, read without a token
    document = openapi(api)
    # when its paths are compared with API.md's, parameters aside
    published = {re.sub(r"\{[^}]+\}", "{}", path).rstrip("/") or "/" for path in document["paths"]}
    # then none is missing (the project may add more)
    assert CONTRACT_PATHS - published == set()


def test_every_request_schema_forbids_unknown_fields(api: Api) -> None:
    document = openapi(api)
    names = request_schema_names(document)
    assert {"RegisterFamily", "MemberIn", "AidDeliveryIn", "OpenFundingSource"} <= names
    schemas = document["components"]["schemas"]
    assert {n for n in names if schemas[n].get("additionalProperties") is not False} == set()


def test_every_money_field_is_an_integer(api: Api) -> None:
    document = openapi(api)
    money = {
        (name, field): resolve(document, spec)
        for name, schema in document["components"]["schemas"].items()
        for field, spec in schema.get("properties", {}).items()
        if field.endswith("_idr")
    }
    assert {("OpenFundingSource", "budget_idr"), ("ItemIn", "unit_value_idr")} <= set(money)
    assert {key for key, spec in money.items() if spec.get("type") != "integer"} == set()


def test_every_write_documents_its_problems(api: Api) -> None:
    document = openapi(api)
    for path, item in document["paths"].items():
        if "post" in item:
            responses = item["post"]["responses"]
            assert {"401", "422"} <= set(responses), path


@pytest.mark.parametrize(
    ("method", "path", "who"),
    [
        ("GET", "/health", None),
        ("GET", "/families", None),
        ("GET", "/families", "admin"),
        ("GET", "/families/00000000-0000-4000-8000-000000000000", "admin"),
        ("GET", "/no/such/route", "admin"),
        ("POST", "/families", "admin"),
        ("GET", "/schema/openapi.json", None),
    ],
)
def test_every_response_carries_a_request_id(
    api: Api, method: str, path: str, who: str | None
) -> None:
    response = api.client.request(method, path, json={}, headers=api.headers(who))
    assert response.headers.get("x-request-id")


def test_a_sane_client_request_id_is_echoed_back(api: Api) -> None:
    response = api.get("/health", who=None, X_Request_ID="kader-app:42.7")
    assert response.headers["x-request-id"] == "kader-app:42.7"


@pytest.mark.parametrize("sent", ["has spaces in it", "x" * 300, "<script>"])
def test_an_unsafe_client_request_id_is_replaced(api: Api, sent: str) -> None:
    response = api.get("/health", who=None, X_Request_ID=sent)
    assert response.headers["x-request-id"] not in ("", sent)


def test_verify_checks_every_event_written(any_api: Api) -> None:
    # given a family registered (1 event), a source opened (1) and a delivery (2: family, source)
    source = any_api.post("/funding-sources", source_body(), who="finance").json()
    family = any_api.post("/families", family_body(), who="kader").json()
    delivered = any_api.post(
        f"/families/{family['id']}/aid-deliveries", delivery_body(source["id"]), who="kader"
    )
    assert delivered.status_code == 201, delivered.text
    # when the auditor verifies the chain
    response = any_api.get("/audit/verify", who="auditor")
    # then it is intact over all four events
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["ok"] is True
    assert report["events_checked"] == 4
    assert report["first_bad_position"] is None
    assert re.fullmatch(r"[0-9a-f]{64}", report["head"])


def test_verify_is_for_auditors_and_admins(api: Api) -> None:
    assert api.get("/audit/verify", who="admin").status_code == 200
    assert api.get("/audit/verify", who="finance").status_code == 403
    assert api.get("/audit/verify", who="kader").status_code == 403
