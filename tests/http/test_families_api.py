"""POST /families and GET /families/{id}: the registration contract and reading a family now."""

from __future__ import annotations

from typing import Any

import pytest
from api_client import Api, family_body, member_body, nik, source_body

from builders import VILLAGE

FAMILY_FIELDS = {
    "id",
    "version",
    "position",
    "kk_number",
    "area_code",
    "area_name",
    "address",
    "welfare_desil",
    "status",
    "members",
    "aid_deliveries",
    "uppka",
    "dashat",
    "registered_at",
    "updated_at",
}
MEMBER_FIELDS = {"nik", "name", "sex", "birth_date", "relationship", "status"}


def assert_problem(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    problem: dict[str, Any] = response.json()
    assert problem["status"] == status
    assert {"type", "title", "status"} <= problem.keys()
    return problem


def error_fields(response: Any) -> set[str]:
    return {error["field"] for error in assert_problem(response, 422)["errors"]}


def post_raw(api: Api, path: str, content: bytes) -> Any:
    headers = {**api.headers("admin"), "Content-Type": "application/json"}
    return api.client.post(path, content=content, headers=headers)


# -- registration -------------------------------------------------------------------------------


def test_registration_answers_201_with_the_family_as_the_contract_shapes_it(any_api: Api) -> None:
    # given a family with a head and a child
    head, child = member_body(), member_body("anak", sex="L")
    body = family_body(head, child)
    # when its caseworker registers it
    response = any_api.post("/families", body, who="kader")
    # then it answers 201 with Location, ETag "1" and exactly the contract's fields
    assert response.status_code == 201, response.text
    family = response.json()
    assert response.headers["location"] == f"/families/{family['id']}"
    assert response.headers["etag"] == '"1"'
    assert set(family) == FAMILY_FIELDS | {"warnings"}
    assert family["version"] == 1
    assert isinstance(family["position"], int)
    assert family["kk_number"] == body["kk_number"]
    assert (family["area_code"], family["area_name"]) == (VILLAGE, "Namosain")
    assert family["address"] == body["address"]
    assert family["welfare_desil"] == 1
    assert family["status"] == "active"
    assert family["aid_deliveries"] == family["uppka"] == family["dashat"] == []
    assert family["registered_at"] == family["updated_at"]
    assert [set(m) for m in family["members"]] == [MEMBER_FIELDS, MEMBER_FIELDS]
    assert family["members"][0] == {**head, "status": "active"}
    assert family["members"][1] == {**child, "status": "active"}


def test_an_undotted_village_code_is_stored_dotted(api: Api) -> None:
    # given a family whose area code is sent in its 10-digit form
    body = family_body(area_code="5371011001")
    # when it is registered
    response = api.post("/families", body, who="kader")
    # then the family lives in the dotted code
    assert response.status_code == 201, response.text
    assert response.json()["area_code"] == VILLAGE


def test_a_nik_implying_the_other_sex_is_a_warning_not_a_rejection(api: Api) -> None:
    # given a male head whose NIK's day says female (day + 40)
    head = {**member_body(sex="L"), "nik": nik("P")}
    # when the family is registered
    response = api.post("/families", family_body(head), who="kader")
    # then it is registered, with a warning on that NIK
    assert response.status_code == 201, response.text
    assert [w["field"] for w in response.json()["warnings"]] == ["members[0].nik"]


def test_a_clean_registration_carries_an_empty_warnings_list(api: Api) -> None:
    response = api.post("/families", family_body(), who="kader")
    assert response.json()["warnings"] == []


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda b: b["members"][0].update(nik="5371011234567890"), "members[0].nik"),
        (lambda b: b["members"][0].update(nik="53710145"), "members[0].nik"),
        (lambda b: b.update(area_code="99.99.99.9999"), "area_code"),
        (lambda b: b.update(area_code="53.71.01"), "area_code"),
        (lambda b: b["members"].append(member_body()), "members"),
        (lambda b: b["members"][0].update(foo=1), "members[0].foo"),
        (lambda b: b.update(welfare_desil="satu"), "welfare_desil"),
        (lambda b: b.update(welfare_desil=11), "welfare_desil"),
        (lambda b: b["members"][0].update(sex="X"), "members[0].sex"),
        (lambda b: b.update(surprise=True), "surprise"),
        (lambda b: b.pop("kk_number"), "kk_number"),
    ],
    ids=[
        "bad-nik",
        "short-nik",
        "unknown-area",
        "district-not-village",
        "two-heads",
        "unknown-member-field",
        "wrong-type",
        "desil-out-of-range",
        "bad-sex",
        "unknown-top-field",
        "missing-kk",
    ],
)
def test_invalid_registrations_answer_422_naming_the_field(
    api: Api, change: Any, field: str
) -> None:
    # given a family body with one invalid value
    body = family_body()
    change(body)
    # when it is sent
    response = api.post("/families", body, who="kader")
    # then 422 names that field, and nothing was written
    assert field in error_fields(response)
    assert api.get("/audit/verify", who="auditor").json()["events_checked"] == 0


@pytest.mark.parametrize("content", [b"{bad", b"[1, 2", b"nul"], ids=["object", "array", "word"])
def test_malformed_json_answers_400(api: Api, content: bytes) -> None:
    assert_problem(post_raw(api, "/families", content), 400)


def test_an_empty_body_is_refused_as_a_problem_not_an_error(api: Api) -> None:
    response = post_raw(api, "/families", b"")
    assert response.status_code in (400, 422)
    assert_problem(response, response.status_code)


def test_a_body_that_is_not_utf8_answers_400(api: Api) -> None:
    # given a JSON body holding a byte that is not UTF-8
    content = b'{"kk_number": "\xff\xfe"}'
    # when it is posted, then it is a malformed request, never a 500
    assert_problem(post_raw(api, "/families", content), 400)


def test_deeply_nested_json_is_refused_without_a_500(api: Api) -> None:
    # given a small body nested far deeper than any request (well under 1 MiB)
    content = b"[" * 100_000 + b"]" * 100_000
    # when it is posted, then it is refused as the client's fault
    response = post_raw(api, "/families", content)
    assert response.status_code in (400, 422), response.text


def test_a_body_over_one_mebibyte_answers_413(api: Api) -> None:
    content = b'{"address": "' + b"x" * (1024 * 1024) + b'"}'
    assert_problem(post_raw(api, "/families", content), 413)


def test_a_second_active_family_with_the_same_kk_gets_409_duplicate_kk(any_api: Api) -> None:
    # given a registered family
    first = family_body()
    assert any_api.post("/families", first, who="kader").status_code == 201
    # when another family claims its KK number
    second = {**family_body(), "kk_number": first["kk_number"]}
    response = any_api.post("/families", second, who="kader")
    # then 409 duplicate-kk
    assert assert_problem(response, 409)["type"] == "duplicate-kk"


# -- reading one family -------------------------------------------------------------------------


def test_get_answers_the_family_with_its_etag(api: Api) -> None:
    registered = api.post("/families", family_body(), who="kader").json()
    response = api.get(f"/families/{registered['id']}", who="kader")
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    family = response.json()
    # a read carries no warnings; otherwise it is the registration's answer
    assert set(family) == FAMILY_FIELDS
    assert family == {k: v for k, v in registered.items() if k != "warnings"}


def test_get_an_unknown_id_answers_404(api: Api) -> None:
    response = api.get("/families/00000000-0000-4000-8000-000000000000")
    assert assert_problem(response, 404)["type"] == "not-found"


def test_get_a_funding_source_id_as_a_family_answers_404(api: Api) -> None:
    source = api.post("/funding-sources", source_body(), who="finance").json()
    assert_problem(api.get(f"/families/{source['id']}"), 404)


def test_the_list_of_families_is_a_page(api: Api) -> None:
    # the list itself is tested in test_family_list_api.py
    response = api.get("/families")
    assert response.status_code == 200, response.text
    assert set(response.json()) == {"items", "next_cursor"}
