"""Commands on a family's members, address and welfare: what they answer and what they refuse."""

from __future__ import annotations

from typing import Any

from api_client import Api, family_body, member_body, nik

from builders import OTHER_VILLAGE, VILLAGE

PROVISIONAL_NIK = "0000000000001234"


def register(api: Api, *members: dict[str, Any], **fields: Any) -> dict[str, Any]:
    body = {**family_body(*members), **fields}
    response = api.post("/families", body, who="kader")
    assert response.status_code == 201, response.text
    family: dict[str, Any] = response.json()
    return family


def conflict_type(response: Any) -> str:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    kind: str = response.json()["type"]
    return kind


def error_fields(response: Any) -> set[str]:
    assert response.status_code == 422, response.text
    return {error["field"] for error in response.json()["errors"]}


def depart(api: Api, family_id: str, member_nik: str, **extra: Any) -> Any:
    body = {"reason": "moved_out", "on": "2025-09-01", **extra}
    return api.post(f"/families/{family_id}/members/{member_nik}/departure", body, who="kader")


# -- members ------------------------------------------------------------------------------------


def test_adding_a_member_answers_201_with_the_family(api: Api) -> None:
    # given a registered family
    family = register(api)
    child = member_body("anak", sex="L")
    # when a child is added
    response = api.post(f"/families/{family['id']}/members", child, who="kader")
    # then 201, version 2, and the child is an active member
    assert response.status_code == 201, response.text
    assert response.headers["etag"] == '"2"'
    assert response.json()["members"][1] == {**child, "status": "active"}
    assert response.json()["warnings"] == []


def test_adding_a_member_whose_nik_is_taken_answers_409_duplicate_member(api: Api) -> None:
    head = member_body()
    family = register(api, head)
    twin = {**member_body("anak"), "nik": head["nik"]}
    response = api.post(f"/families/{family['id']}/members", twin, who="kader")
    assert conflict_type(response) == "duplicate-member"


def test_adding_a_second_head_answers_422(api: Api) -> None:
    family = register(api)
    response = api.post(f"/families/{family['id']}/members", member_body(), who="kader")
    assert error_fields(response) == {"relationship"}


# -- departure ----------------------------------------------------------------------------------


def test_a_member_departs_with_200_and_is_no_longer_active(api: Api) -> None:
    # given a family with a head and a child
    child = member_body("anak")
    family = register(api, member_body(), child)
    # when the child moves out
    response = depart(api, family["id"], child["nik"])
    # then 200, the child has departed and the family is still active
    assert response.status_code == 200, response.text
    statuses = [m["status"] for m in response.json()["members"]]
    assert statuses[0] == "active"
    assert statuses[1] != "active"
    assert response.json()["status"] == "active"


def test_a_member_who_already_departed_answers_409_member_not_active(api: Api) -> None:
    child = member_body("anak")
    family = register(api, member_body(), child)
    assert depart(api, family["id"], child["nik"]).status_code == 200
    assert conflict_type(depart(api, family["id"], child["nik"])) == "member-not-active"


def test_the_head_leaving_others_behind_must_name_a_new_head(api: Api) -> None:
    # given a head and a spouse
    head, wife = member_body(), member_body("istri")
    family = register(api, head, wife)
    # when the head dies without a new head named, then 422 on new_head_nik
    refused = depart(api, family["id"], head["nik"], reason="died")
    assert error_fields(refused) == {"new_head_nik"}
    # and with the spouse named as new head it is accepted
    accepted = depart(api, family["id"], head["nik"], reason="died", new_head_nik=wife["nik"])
    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["members"][1]["relationship"] == "kepala_keluarga"


def test_a_departure_of_an_unknown_nik_answers_404(api: Api) -> None:
    family = register(api)
    assert depart(api, family["id"], nik()).status_code == 404


def test_the_last_member_leaving_makes_the_family_inactive_and_frees_its_kk(
    any_api: Api,
) -> None:
    # given a family of one
    head = member_body()
    family = register(any_api, head)
    # when its only member departs
    response = depart(any_api, family["id"], head["nik"], reason="died")
    # then the family is inactive
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "inactive"
    # and another family may register under its KK number
    again = any_api.post("/families", {**family_body(), "kk_number": family["kk_number"]})
    assert again.status_code == 201, again.text


# -- correction ---------------------------------------------------------------------------------


def test_a_correction_fixes_a_name_with_200(api: Api) -> None:
    head = member_body()
    family = register(api, head)
    path = f"/families/{family['id']}/members/{head['nik']}/correction"
    response = api.post(path, {"name": "Maria Bela"}, who="kader")
    assert response.status_code == 200, response.text
    assert response.json()["members"][0]["name"] == "Maria Bela"


def test_a_sex_correction_contradicting_the_nik_warns(api: Api) -> None:
    # given a head whose NIK says female
    head = member_body(sex="P")
    family = register(api, head)
    # when her sex is corrected to male
    path = f"/families/{family['id']}/members/{head['nik']}/correction"
    response = api.post(path, {"sex": "L"}, who="kader")
    # then it is accepted with a warning on the NIK, as at registration
    assert response.status_code == 200, response.text
    assert response.json()["warnings"] != []


def test_a_correction_replaces_a_provisional_nik(api: Api) -> None:
    # given a child registered with a provisional NIK (village systems start them with 0)
    child = {**member_body("anak"), "nik": PROVISIONAL_NIK}
    family = register(api, member_body(), child)
    assert family["members"][1]["nik"] == PROVISIONAL_NIK
    # when the real NIK is recorded
    real = nik("P")
    path = f"/families/{family['id']}/members/{PROVISIONAL_NIK}/correction"
    response = api.post(path, {"nik": real}, who="kader")
    # then the member carries it
    assert response.status_code == 200, response.text
    assert response.json()["members"][1]["nik"] == real


def test_a_correction_to_another_members_nik_answers_409_duplicate_member(api: Api) -> None:
    head, child = member_body(), member_body("anak")
    family = register(api, head, child)
    path = f"/families/{family['id']}/members/{child['nik']}/correction"
    response = api.post(path, {"nik": head["nik"]}, who="kader")
    assert conflict_type(response) == "duplicate-member"


def test_an_empty_correction_answers_422(api: Api) -> None:
    head = member_body()
    family = register(api, head)
    path = f"/families/{family['id']}/members/{head['nik']}/correction"
    assert api.post(path, {}, who="kader").status_code == 422


# -- relocation and welfare ---------------------------------------------------------------------


def test_a_relocation_moves_the_family_with_200(api: Api) -> None:
    family = register(api)
    body = {"area_code": "5371021001", "address": "Jl. Oebobo 7"}
    response = api.post(f"/families/{family['id']}/relocation", body)
    assert response.status_code == 200, response.text
    moved = response.json()
    assert (moved["area_code"], moved["address"]) == (OTHER_VILLAGE, "Jl. Oebobo 7")
    assert moved["area_name"] != family["area_name"]


def test_relocating_onto_another_active_familys_kk_answers_409_duplicate_kk(
    any_api: Api,
) -> None:
    # given two active families
    first, second = register(any_api), register(any_api)
    # when the second takes the first's KK number on a move
    body = {"area_code": VILLAGE, "address": "Jl. Alak 9", "kk_number": first["kk_number"]}
    response = any_api.post(f"/families/{second['id']}/relocation", body, who="kader")
    # then 409 duplicate-kk, and the second keeps its own number
    assert conflict_type(response) == "duplicate-kk"
    assert any_api.get(f"/families/{second['id']}").json()["kk_number"] == second["kk_number"]


def test_a_relocation_with_a_new_kk_frees_the_old_one(api: Api) -> None:
    # given a family that moves under a new KK number
    family = register(api)
    new_kk = family_body()["kk_number"]
    body = {"area_code": VILLAGE, "address": "Jl. Alak 9", "kk_number": new_kk}
    assert api.post(f"/families/{family['id']}/relocation", body).status_code == 200
    # when another family registers under the old number, then it may
    again = api.post("/families", {**family_body(), "kk_number": family["kk_number"]})
    assert again.status_code == 201, again.text


def test_a_welfare_assessment_answers_200_with_the_new_desil(api: Api) -> None:
    family = register(api)
    body = {"desil": 4, "source": "PK", "assessed_on": "2025-06-01"}
    response = api.post(f"/families/{family['id']}/welfare-assessments", body, who="kader")
    assert response.status_code == 200, response.text
    assert response.json()["welfare_desil"] == 4


def test_a_welfare_assessment_from_an_unknown_source_answers_422(api: Api) -> None:
    family = register(api)
    body = {"desil": 4, "source": "BPS", "assessed_on": "2025-06-01"}
    response = api.post(f"/families/{family['id']}/welfare-assessments", body, who="kader")
    assert error_fields(response) == {"source"}
