"""The order of refusals that API.md fixes: 401 before anything; for a caseworker, a family
unknown or outside its areas is 404 before any 412, 422 or 409 about it."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

import pytest
from api_client import Api, family_body

from builders import register

GOOD_ASSESSMENT: dict[str, Any] = {"desil": 3, "source": "local", "assessed_on": "2025-01-10"}


def assessment_path(family_id: UUID) -> str:
    return f"/families/{family_id}/welfare-assessments"


# What a caseworker could send about a family: each alone would answer 400, 412 or 422.
REFUSABLE: dict[str, tuple[Any, dict[str, str]]] = {
    "invalid field": ({**GOOD_ASSESSMENT, "desil": 99}, {}),
    "unknown field": ({**GOOD_ASSESSMENT, "colour": "red"}, {}),
    "wrong type": ({**GOOD_ASSESSMENT, "desil": "3"}, {}),
    "stale If-Match": (GOOD_ASSESSMENT, {"If_Match": '"99"'}),
    "malformed If-Match": (GOOD_ASSESSMENT, {"If_Match": "three"}),
    "key too long": (GOOD_ASSESSMENT, {"Idempotency_Key": "k" * 201}),
}


@pytest.mark.parametrize("case", sorted(REFUSABLE))
@pytest.mark.parametrize("whose", ["outside its areas", "unknown"])
def test_a_caseworker_hears_404_before_anything_about_the_family(
    api: Api, case: str, whose: str
) -> None:
    # given a family that kader_other may not see, or no family at all
    known = register(api.casework).aggregate_id
    family_id = known if whose == "outside its areas" else uuid4()
    head = api.casework.event_recorder.max_notification_id()
    body, headers = REFUSABLE[case]
    # when kader_other sends it something that would otherwise be refused for what it says
    response = api.post(assessment_path(family_id), body, who="kader_other", **headers)
    # then the answer is the family's 404, the same for both, and nothing is written
    assert response.status_code == 404, response.text
    assert response.json()["type"] == "not-found"
    assert api.casework.event_recorder.max_notification_id() == head


def test_a_malformed_body_to_a_family_outside_the_areas_is_404(api: Api) -> None:
    # given a family outside kader_other's areas
    family_id = register(api.casework).aggregate_id
    # when kader_other sends it a body that is not JSON
    response = api.client.post(
        assessment_path(family_id),
        content=b"{not json",
        headers={**api.headers("kader_other"), "Content-Type": "application/json"},
    )
    # then the family is not found (the body is not looked at)
    assert response.status_code == 404, response.text


def test_a_reused_idempotency_key_on_a_family_outside_the_areas_is_404(api: Api) -> None:
    # given a key kader_other already used for a registration in its own areas
    first = api.post(
        "/families", family_body(area_code="53.71.02.1001"), who="kader_other", Idempotency_Key="k1"
    )
    assert first.status_code == 201, first.text
    family_id = register(api.casework).aggregate_id
    # when kader_other sends the same key to a family outside its areas
    response = api.post(
        assessment_path(family_id), GOOD_ASSESSMENT, who="kader_other", Idempotency_Key="k1"
    )
    # then the family is not found, rather than the key's 422
    assert response.status_code == 404, response.text


@pytest.mark.parametrize("case", sorted(REFUSABLE))
def test_inside_its_areas_the_same_requests_are_refused_for_what_they_say(
    api: Api, case: str
) -> None:
    # given a family inside kader's areas
    family_id = register(api.casework).aggregate_id
    body, headers = REFUSABLE[case]
    # when kader sends it the same request
    response = api.post(assessment_path(family_id), body, who="kader", **headers)
    # then it is refused for what it says: not 404, and not accepted
    assert response.status_code in (400, 412, 422), response.text


@pytest.mark.parametrize("authorization", [None, "Bearer cw_" + "0" * 32 + "_" + "x" * 43])
def test_401_comes_before_anything(api: Api, authorization: str | None) -> None:
    # given a family, and a request with no token or an unknown one, a bad body and stale pin
    family_id = register(api.casework).aggregate_id
    headers = {"If-Match": '"99"', "Idempotency-Key": "k" * 201}
    if authorization is not None:
        headers["Authorization"] = authorization
    # when it is sent
    response = api.client.post(
        assessment_path(family_id), json={"desil": 99, "colour": 1}, headers=headers
    )
    # then the answer is 401
    assert response.status_code == 401, response.text


def test_a_role_that_may_not_call_the_route_hears_403_not_404(api: Api) -> None:
    # given no family at that id
    # when finance (which may not write on families) sends an assessment to it
    response = api.post(assessment_path(uuid4()), GOOD_ASSESSMENT, who="finance")
    # then the role is refused, and nothing is said about the family
    assert response.status_code == 403, response.text
