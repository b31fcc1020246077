"""GET /families and GET /uppka-groups/{id}: filters, order, paging, area scope, min_position."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from api_client import Api, delivery_body, family_body, member_body, source_body

from builders import OTHER_VILLAGE, VILLAGE

OTHER_DISTRICT_VILLAGE = "53.71.03.1001"  # neither caseworker's


def register(api: Api, *members: dict[str, Any], area_code: str = VILLAGE) -> dict[str, Any]:
    response = api.post("/families", family_body(*members, area_code=area_code))
    assert response.status_code == 201, response.text
    family: dict[str, Any] = response.json()
    return family


def listed(api: Api, query: str = "", who: str = "admin", at: int = 0) -> dict[str, Any]:
    response = api.get(f"/families?min_position={at}&{query}", who=who)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def ids(page: dict[str, Any]) -> list[str]:
    return [item["id"] for item in page["items"]]


def test_summaries_are_ordered_by_area_then_kk_number(any_api: Api) -> None:
    # given families in two villages, registered in no particular order
    families = [register(any_api, area_code=area) for area in (OTHER_VILLAGE, VILLAGE, VILLAGE)]
    last = families[-1]["position"]
    # when the list is read once it has processed the last registration
    page = listed(any_api, at=last)
    # then it is in area code, then KK number order, and says what each summary holds
    expected = sorted(families, key=lambda f: (f["area_code"], f["kk_number"]))
    assert ids(page) == [f["id"] for f in expected]
    assert page["next_cursor"] is None
    first = expected[0]
    assert page["items"][0] == {
        "id": first["id"],
        "version": 1,
        "kk_number": first["kk_number"],
        "area_code": VILLAGE,
        "area_name": first["area_name"],
        "head_name": first["members"][0]["name"],
        "members": 1,
        "status": "active",
        "programs": [],
    }


def test_filters_by_area_prefix_kk_number_program_and_name_part(any_api: Api) -> None:
    head = member_body()
    head["name"] = "Maria_Bella Ndolu"
    here = register(any_api, head, member_body("anak"))
    there = register(any_api, area_code=OTHER_VILLAGE)
    source = any_api.post("/funding-sources", source_body(), who="finance").json()
    delivered = any_api.post(
        f"/families/{there['id']}/aid-deliveries", delivery_body(source["id"])
    ).json()
    at = delivered["position"]
    # area: a dotted or undotted prefix, by whole parts
    assert ids(listed(any_api, "area=53.71.02", at=at)) == [there["id"]]
    assert ids(listed(any_api, "area=5371011001", at=at)) == [here["id"]]
    assert set(ids(listed(any_api, "area=53.71", at=at))) == {here["id"], there["id"]}
    # kk_number: exactly
    assert ids(listed(any_api, f"kk_number={here['kk_number']}", at=at)) == [here["id"]]
    # program: a delivery not voided
    ina_kasih = listed(any_api, "program=ina_kasih", at=at)
    assert ids(ina_kasih) == [there["id"]]
    assert ina_kasih["items"][0]["programs"] == ["ina_kasih"]
    # q: any member's name, case-insensitive, wildcards taken literally
    assert ids(listed(any_api, "q=bella%20NDOLU", at=at)) == [here["id"]]
    child_name = here["members"][1]["name"].upper()
    assert ids(listed(any_api, f"q={child_name}&area=53.71.01", at=at)) == [here["id"]]
    assert ids(listed(any_api, "q=a_b", at=at)) == [here["id"]]
    assert ids(listed(any_api, "q=a%25b", at=at)) == []


def test_an_unknown_area_or_a_foreign_cursor_is_refused_naming_the_field(api: Api) -> None:
    for query, field in [
        ("area=99.99", "area"),
        ("area=53.7", "area"),
        ("cursor=not-a-cursor", "cursor"),
        (f"cursor={uuid4()}", "cursor"),
    ]:
        response = api.get(f"/families?{query}")
        assert response.status_code == 422, query
        assert [e["field"] for e in response.json()["errors"]] == [field]


def test_pages_follow_each_other_without_gap_or_repeat(api: Api) -> None:
    families = [register(api) for _ in range(5)]
    at = families[-1]["position"]
    everything = ids(listed(api, at=at))
    seen: list[str] = []
    cursor = ""
    while True:
        page = listed(api, f"limit=2{cursor}", at=at)
        assert len(page["items"]) <= 2
        seen += ids(page)
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == everything
    assert len(seen) == 5


def test_a_caseworker_lists_only_families_in_its_areas(any_api: Api) -> None:
    here = register(any_api)
    there = register(any_api, area_code=OTHER_VILLAGE)
    elsewhere = register(any_api, area_code=OTHER_DISTRICT_VILLAGE)
    at = elsewhere["position"]
    assert ids(listed(any_api, who="kader", at=at)) == [here["id"]]
    assert ids(listed(any_api, who="kader_other", at=at)) == [there["id"]]
    assert ids(listed(any_api, "area=53.71.02", who="kader", at=at)) == []
    assert len(ids(listed(any_api, who="auditor", at=at))) == 3
    # and a cursor naming a family outside its areas is not one its list gave
    response = any_api.get(f"/families?cursor={there['id']}", who="kader")
    assert response.status_code == 422


def test_the_list_reflects_a_write_read_with_its_position(api: Api) -> None:
    family = register(api, member_body(), member_body("anak"))
    child_nik = family["members"][1]["nik"]
    departed = api.post(
        f"/families/{family['id']}/members/{child_nik}/departure",
        {"reason": "moved_out", "on": "2025-03-01"},
    ).json()
    (item,) = listed(api, at=departed["position"])["items"]
    assert (item["version"], item["members"]) == (2, 1)


def test_an_uppka_group_shows_its_current_members_scoped_to_the_callers_areas(
    any_api: Api,
) -> None:
    # given a group with members from two districts, one of whom left
    group = any_api.post(
        "/uppka-groups",
        {
            "code": f"UPPKA-{uuid4().hex[:8]}",
            "name": "Mawar",
            "area_code": VILLAGE,
            "business_type": "tenun ikat",
        },
    ).json()
    here, there = register(any_api), register(any_api, area_code=OTHER_VILLAGE)
    left = register(any_api)
    for family, joined_on in ((here, "2025-01-05"), (there, "2025-02-01"), (left, "2025-01-01")):
        membership = {
            "group_id": group["id"],
            "member_nik": family["members"][0]["nik"],
            "joined_on": joined_on,
        }
        written = any_api.post(f"/families/{family['id']}/uppka-memberships", membership)
        assert written.status_code == 201, written.text
    exit_body = {"member_nik": left["members"][0]["nik"], "left_on": "2025-03-01", "reason": "x"}
    done = any_api.post(
        f"/families/{left['id']}/uppka-memberships/{group['id']}/exit", exit_body
    ).json()
    path = f"/uppka-groups/{group['id']}?min_position={done['position']}"
    # when an admin reads it: its current members, in the order they joined
    response = any_api.get(path)
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"1"'
    body = response.json()
    assert (body["id"], body["code"], body["version"]) == (group["id"], group["code"], 1)
    assert body["members"] == [
        {
            "family_id": here["id"],
            "member_nik": here["members"][0]["nik"],
            "joined_on": "2025-01-05",
        },
        {
            "family_id": there["id"],
            "member_nik": there["members"][0]["nik"],
            "joined_on": "2025-02-01",
        },
    ]
    # and each caseworker sees only the members whose families lie in its areas
    kader = any_api.get(path, who="kader").json()["members"]
    assert [m["family_id"] for m in kader] == [here["id"]]
    other = any_api.get(path, who="kader_other").json()["members"]
    assert [m["family_id"] for m in other] == [there["id"]]


def test_an_unknown_uppka_group_is_not_found(api: Api) -> None:
    assert api.get(f"/uppka-groups/{uuid4()}").status_code == 404
