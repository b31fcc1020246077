"""UPPKA groups and memberships, DASHAT enrolments, and the erasure of a family."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

import pytest
from api_client import Api, family_body, member_body

from builders import OTHER_VILLAGE, VILLAGE


def register(api: Api) -> tuple[str, str]:
    """A family of one; answers its id and the head's NIK."""
    head = member_body()
    response = api.post("/families", family_body(head), who="kader")
    assert response.status_code == 201, response.text
    return response.json()["id"], head["nik"]


def group_body(area_code: str = VILLAGE) -> dict[str, Any]:
    return {
        "code": f"UPPKA-{uuid4().hex[:8]}",
        "name": "UPPKA Mawar",
        "area_code": area_code,
        "business_type": "tenun ikat",
    }


def form_group(api: Api) -> str:
    response = api.post("/uppka-groups", group_body(), who="kader")
    assert response.status_code == 201, response.text
    group_id: str = response.json()["id"]
    return group_id


def join(api: Api, family_id: str, group_id: str, member_nik: str) -> Any:
    body = {"group_id": group_id, "member_nik": member_nik, "joined_on": "2025-03-01"}
    return api.post(f"/families/{family_id}/uppka-memberships", body, who="kader")


def leave(api: Api, family_id: str, group_id: str, member_nik: str) -> Any:
    body = {"member_nik": member_nik, "left_on": "2025-10-01", "reason": "pindah usaha"}
    path = f"/families/{family_id}/uppka-memberships/{group_id}/exit"
    return api.post(path, body, who="kader")


def enrol(api: Api, family_id: str, member_nik: str) -> Any:
    body = {
        "member_nik": member_nik,
        "category": "ibu_hamil",
        "kitchen": "DASHAT-NAMOSAIN-01",
        "enrolled_on": "2025-04-01",
    }
    return api.post(f"/families/{family_id}/dashat-enrollments", body, who="kader")


def exit_dashat(api: Api, family_id: str, member_nik: str) -> Any:
    body = {"exited_on": "2025-10-01", "reason": "graduated"}
    path = f"/families/{family_id}/dashat-enrollments/{member_nik}/exit"
    return api.post(path, body, who="kader")


def conflict_type(response: Any) -> str:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    kind: str = response.json()["type"]
    return kind


# -- UPPKA --------------------------------------------------------------------------------------


def test_forming_a_group_answers_201_with_its_location(api: Api) -> None:
    # given a group in the caseworker's village, sent with an undotted code
    body = group_body(area_code="5371011001")
    # when it is formed
    response = api.post("/uppka-groups", body, who="kader")
    # then 201 at /uppka-groups/{id}, in the dotted village
    assert response.status_code == 201, response.text
    group = response.json()
    assert response.headers["location"] == f"/uppka-groups/{group['id']}"
    assert response.headers["etag"] == '"1"'
    assert (group["code"], group["name"], group["business_type"]) == (
        body["code"],
        body["name"],
        body["business_type"],
    )
    assert group["area_code"] == VILLAGE


def test_a_caseworker_may_not_form_a_group_outside_its_areas(api: Api) -> None:
    response = api.post("/uppka-groups", group_body(area_code=OTHER_VILLAGE), who="kader")
    assert response.status_code == 403, response.text


def test_a_group_must_lie_in_a_known_village(api: Api) -> None:
    response = api.post("/uppka-groups", group_body(area_code="53.71.01"), who="admin")
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["area_code"]


@pytest.mark.postgres
def test_a_group_code_with_a_nul_character_is_not_a_500(pg_api: Api) -> None:
    body = {**group_body(), "code": "UPPKA\u0000X"}
    response = pg_api.post("/uppka-groups", body, who="kader")
    assert response.status_code < 500, response.text


def test_a_group_code_already_used_answers_409(api: Api) -> None:
    body = group_body()
    assert api.post("/uppka-groups", body, who="kader").status_code == 201
    response = api.post("/uppka-groups", {**group_body(), "code": body["code"]}, who="kader")
    assert response.status_code == 409, response.text


def test_reading_a_new_group_shows_it_without_members(api: Api) -> None:
    group_id = form_group(api)
    response = api.get(f"/uppka-groups/{group_id}", who="admin")
    assert response.status_code == 200, response.text
    assert (response.json()["id"], response.json()["members"]) == (group_id, [])


def test_a_member_joins_with_201_and_leaves_with_200(api: Api) -> None:
    # given a family and a group
    (family_id, head_nik), group_id = register(api), form_group(api)
    # when the head joins
    joined = join(api, family_id, group_id, head_nik)
    # then 201 and an active membership
    assert joined.status_code == 201, joined.text
    assert joined.json()["uppka"] == [
        {
            "group_id": group_id,
            "member_nik": head_nik,
            "joined_on": "2025-03-01",
            "left_on": None,
            "status": "active",
        }
    ]
    # and when the head leaves, 200 and the membership has ended
    left = leave(api, family_id, group_id, head_nik)
    assert left.status_code == 200, left.text
    membership = left.json()["uppka"][0]
    assert (membership["left_on"], membership["status"]) == ("2025-10-01", "ended")


def test_joining_twice_answers_409_already_member(api: Api) -> None:
    (family_id, head_nik), group_id = register(api), form_group(api)
    assert join(api, family_id, group_id, head_nik).status_code == 201
    assert conflict_type(join(api, family_id, group_id, head_nik)) == "already-member"


def test_leaving_a_group_one_is_not_in_answers_409_not_a_member(api: Api) -> None:
    (family_id, head_nik), group_id = register(api), form_group(api)
    assert conflict_type(leave(api, family_id, group_id, head_nik)) == "not-a-member"
    assert join(api, family_id, group_id, head_nik).status_code == 201
    assert leave(api, family_id, group_id, head_nik).status_code == 200
    assert conflict_type(leave(api, family_id, group_id, head_nik)) == "not-a-member"


def test_joining_an_unknown_group_answers_422(api: Api) -> None:
    family_id, head_nik = register(api)
    response = join(api, family_id, str(uuid4()), head_nik)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["group_id"]


# -- DASHAT -------------------------------------------------------------------------------------


def test_a_member_is_enrolled_with_201_and_exits_with_200(api: Api) -> None:
    # given a family
    family_id, head_nik = register(api)
    # when the head is enrolled in a DASHAT kitchen
    enrolled = enrol(api, family_id, head_nik)
    # then 201 and an active enrolment
    assert enrolled.status_code == 201, enrolled.text
    assert enrolled.json()["dashat"] == [
        {
            "member_nik": head_nik,
            "category": "ibu_hamil",
            "kitchen": "DASHAT-NAMOSAIN-01",
            "enrolled_on": "2025-04-01",
            "exited_on": None,
            "status": "active",
        }
    ]
    # and when she exits, 200 and the enrolment has ended
    exited = exit_dashat(api, family_id, head_nik)
    assert exited.status_code == 200, exited.text
    enrolment = exited.json()["dashat"][0]
    assert (enrolment["exited_on"], enrolment["status"]) == ("2025-10-01", "ended")


def test_enrolling_twice_answers_409_already_enrolled(api: Api) -> None:
    family_id, head_nik = register(api)
    assert enrol(api, family_id, head_nik).status_code == 201
    assert conflict_type(enrol(api, family_id, head_nik)) == "already-enrolled"


def test_exiting_without_an_enrolment_answers_409_not_enrolled(api: Api) -> None:
    family_id, head_nik = register(api)
    assert conflict_type(exit_dashat(api, family_id, head_nik)) == "not-enrolled"
    assert enrol(api, family_id, head_nik).status_code == 201
    assert exit_dashat(api, family_id, head_nik).status_code == 200
    assert conflict_type(exit_dashat(api, family_id, head_nik)) == "not-enrolled"


@pytest.mark.parametrize("category", ["lansia", ""])
def test_an_unknown_dashat_category_answers_422(api: Api, category: str) -> None:
    family_id, head_nik = register(api)
    body = {
        "member_nik": head_nik,
        "category": category,
        "kitchen": "DASHAT-01",
        "enrolled_on": "2025-04-01",
    }
    response = api.post(f"/families/{family_id}/dashat-enrollments", body, who="kader")
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["category"]


# -- erasure ------------------------------------------------------------------------------------


def test_erasure_answers_with_the_erased_family(api: Api) -> None:
    # given a family
    family_id, _ = register(api)
    # when the admin asks for its personal data to be erased
    body = {"reason": "permintaan subjek data", "request_reference": "PDP-2025-001"}
    response = api.post(f"/families/{family_id}/erasure", body, who="admin")
    # then 200 with the family, erased (tests/http/test_erasure_api.py covers the rest)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "erased"
    assert api.get(f"/families/{family_id}").json()["status"] == "erased"
