"""Errors a person can act on (API.md, additions of 2026-12-08): every 422 says in words what
to send, `detail` names the invalid fields, unknown filter values are refused with the list of
allowed ones, and an instant whose `+` arrived as a space is read as `+`."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote

import pytest
from api_client import Api, delivery_body, family_body, member_body, source_body

# What a validator says and a caseworker should never read.
VALIDATOR_SPEAK = re.compile(r"Expected|regex|Invalid enum|`|\^|\$'|\bstr\b|\bint\b|float")


def errors_of(response: Any) -> dict[str, str]:
    assert response.status_code == 422, response.text
    body = response.json()
    messages = {e["field"]: e["message"] for e in body["errors"]}
    for message in messages.values():
        assert not VALIDATOR_SPEAK.search(message), message
    return messages


def source_with(**changes: Any) -> dict[str, Any]:
    body = source_body()
    body.update(changes)
    return body


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"kind": "apbd"}, "kind", "must be one of APBD, CSR, DAK; got 'apbd'"),
        (
            {"budget_idr": 15000.0},
            "budget_idr",
            "amounts are whole rupiah: send 15000, not 15000.0",
        ),
        ({"budget_idr": "15000"}, "budget_idr", 'send 15000, not "15000"'),
        ({"budget_idr": 15000.5}, "budget_idr", "without a fraction of a rupiah; got 15000.5"),
        ({"fiscal_year": 1990}, "fiscal_year", "must be at least 2000; got 1990"),
        ({"name": ""}, "name", "must not be empty"),
        ({"name": None}, "name", "must not be null"),
        ({"programs": "ina_kasih"}, "programs", "must be a list [ … ], not text in quotes"),
        ({"colour": "red"}, "colour", "is not a field of this request; this request takes code,"),
    ],
)
def test_a_bad_field_is_explained_in_words(
    api: Api, changes: dict[str, Any], field: str, message: str
) -> None:
    # when finance sends a source with one mistake
    response = api.post("/funding-sources", source_with(**changes), who="finance")
    # then the answer names the field and says what to send, in words
    messages = errors_of(response)
    assert message in messages[field]
    assert response.json()["detail"] == f"1 field is invalid: {field}"


def test_a_missing_field_is_required(api: Api) -> None:
    body = source_body()
    del body["sponsor"]
    assert errors_of(api.post("/funding-sources", body, who="finance")) == {
        "sponsor": "is required"
    }


def test_every_invalid_field_is_named_and_the_detail_sums_them_up(api: Api) -> None:
    # given a registration with a short NIK and a delivery with a fractional amount
    head = member_body()
    head["nik"] = head["nik"][:15]
    child = member_body("anak")
    child["sex"] = "X"
    registered = api.post("/families", family_body(head, child), who="kader")
    # then every bad field is named, each in words, and the detail lists them
    assert errors_of(registered) == {
        "members[0].nik": "NIK must be 16 digits; got 15",
        "members[1].sex": "must be one of L, P; got 'X'",
    }
    assert registered.json()["detail"] == "2 fields are invalid: members[0].nik, members[1].sex"
    family = api.post("/families", family_body(), who="kader").json()
    source = api.post("/funding-sources", source_body(), who="finance").json()
    delivery = delivery_body(source["id"])
    delivery["items"][0]["unit_value_idr"] = 15000.0
    delivery["period"] = "2025-8"
    answer = api.post(f"/families/{family['id']}/aid-deliveries", delivery, who="kader")
    assert errors_of(answer) == {
        "period": "must be a period YYYY-MM, such as 2025-08; got '2025-8'",
        "items[0].unit_value_idr": "amounts are whole rupiah: send 15000, not 15000.0",
    }


def test_an_unquoted_if_match_is_explained(api: Api) -> None:
    family = api.post("/families", family_body(), who="kader").json()
    relocation = {"area_code": "53.71.01.1001", "address": "Jl. Baru 1"}
    response = api.post(
        f"/families/{family['id']}/relocation", relocation, who="kader", if_match="1"
    )
    assert errors_of(response) == {
        "If-Match": "must be the version in double quotes, as the ETag gives it: \"3\"; got '1'"
    }


@pytest.mark.parametrize("path", ["/reconciliation?as_of=", "/audit-trail?from="])
def test_an_instant_whose_plus_arrived_as_a_space_is_read_as_plus(api: Api, path: str) -> None:
    # given an instant sent without encoding its `+` (it arrives as a space)
    unencoded = api.get(f"{path}2025-08-11T10:00:00 07:00", who="auditor")
    encoded = api.get(f"{path}{quote('2025-08-11T10:00:00+07:00')}", who="auditor")
    # then it is read as the +07:00 it was
    assert unencoded.status_code == encoded.status_code == 200, unencoded.text
    assert unencoded.json() == encoded.json()


def test_an_instant_without_offset_says_it_needs_one(api: Api) -> None:
    response = api.get("/reconciliation?as_of=2025-08-11T10:00:00", who="finance")
    assert errors_of(response)["as_of"].startswith("an instant needs an offset such as +07:00 or Z")


def test_an_unknown_event_type_is_refused_with_the_known_ones(api: Api) -> None:
    # when an auditor filters the trail by a type that does not exist
    response = api.get("/audit-trail?type=FundingReceiptRecorded", who="auditor")
    # then 422 names the field and lists the real types, the one meant among them
    message = errors_of(response)["type"]
    assert "FundingSourceFundsReceived" in message and "FamilyRegistered" in message
    assert api.get("/audit-trail?type=FundingSourceFundsReceived", who="auditor").status_code == 200


def enumerated_query_parameters(api: Api) -> list[tuple[str, str, list[str]]]:
    """(path, parameter, allowed values) of every GET's query parameter with an enum."""
    document = api.get("/schema/openapi.json", who=None).json()
    found = []
    for path, operations in document["paths"].items():
        for parameter in operations.get("get", {}).get("parameters", []):
            schema = parameter.get("schema", {})
            values = schema.get("enum") or [
                v for choice in schema.get("oneOf", []) for v in choice.get("enum", [])
            ]
            if parameter["in"] == "query" and values:
                found.append((path, parameter["name"], [v for v in values if v is not None]))
    return found


def test_every_enumerated_query_parameter_refuses_an_unknown_value(api: Api) -> None:
    # given every enumerated query parameter the API documents
    parameters = enumerated_query_parameters(api)
    named = {(path, name) for path, name, _ in parameters}
    assert {
        ("/audit-trail", "type"),
        ("/families", "program"),
        ("/reconciliation", "format"),
    } <= named
    assert ("/reconciliation/deliveries", "program") in named
    for path, name, allowed in parameters:
        concrete = re.sub(r"\{[^}]+\}", "00000000-0000-4000-8000-000000000000", path)
        # when it is sent a value it does not know
        response = api.get(f"{concrete}?{name}=not-a-known-value")
        # then 422 names it and lists every allowed value
        message = errors_of(response)[name]
        assert all(str(value) in message for value in allowed), (path, name, message)


def test_a_body_that_is_not_json_is_explained_without_parser_names(api: Api) -> None:
    response = api.client.post(
        "/funding-sources",
        content=b'{"code": "X", "kind": ',
        headers={**api.headers("finance"), "Content-Type": "application/json"},
    )
    assert response.status_code == 400
    detail = response.json()["detail"]
    assert detail.startswith("the body must be JSON, and it is not")
    assert "DecodeError" not in detail


def test_a_refused_role_is_told_who_may(api: Api) -> None:
    detail = api.get("/audit-trail", who="finance").json()["detail"]
    assert detail == "the finance role may not do this; it is for admin, auditor"


def test_a_path_that_is_no_route_says_where_the_paths_are(api: Api) -> None:
    response = api.get("/families/123", who="kader")
    assert response.status_code == 404
    assert "see /schema" in response.json()["detail"]


def test_a_query_number_that_is_text_is_explained(api: Api) -> None:
    assert errors_of(api.get("/reconciliation?fiscal_year=abc", who="finance")) == {
        "fiscal_year": "must be a whole number; got 'abc'"
    }


def test_an_unknown_programme_in_a_body_is_named_with_what_came(api: Api) -> None:
    body = source_with(programs=["ina-kasih"])
    message = errors_of(api.post("/funding-sources", body, who="finance"))["programs[0]"]
    assert message.endswith("; got 'ina-kasih'") and "ina_kasih" in message
