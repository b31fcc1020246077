"""A family's past (history, ?version=, ?as_of=), and If-Match on the commands that change it."""

from __future__ import annotations

import time
from typing import Any
from urllib.parse import quote

import pytest
from api_client import Api, family_body, member_body

from builders import OTHER_VILLAGE, VILLAGE

ASSESSMENT = {"desil": 3, "source": "DTSEN", "assessed_on": "2025-06-01"}


def register(api: Api, **headers: str) -> dict[str, Any]:
    response = api.post("/families", family_body(), who="kader", **headers)
    assert response.status_code == 201, response.text
    family: dict[str, Any] = response.json()
    return family


def assess(api: Api, family_id: str, **headers: str) -> Any:
    return api.post(f"/families/{family_id}/welfare-assessments", ASSESSMENT, **headers)


# -- history ------------------------------------------------------------------------------------


def test_history_lists_the_events_in_version_order_with_who_and_which_request(
    api: Api,
) -> None:
    # given a family registered by the caseworker, then changed by the admin, each with a request id
    family = register(api, X_Request_ID="req-register-1")
    added = api.post(
        f"/families/{family['id']}/members", member_body("anak"), X_Request_ID="req-add-2"
    )
    assert added.status_code == 201, added.text
    assert assess(api, family["id"], X_Request_ID="req-assess-3").status_code == 200
    # when the auditor reads its history
    response = api.get(f"/families/{family['id']}/history", who="auditor")
    # then there is one item per event, in version order
    assert response.status_code == 200, response.text
    page = response.json()
    assert page["next_cursor"] is None
    items = page["items"]
    assert [i["version"] for i in items] == [1, 2, 3]
    assert [i["type"] for i in items] == [
        "FamilyRegistered",
        "FamilyMemberAdded",
        "FamilyWelfareAssessed",
    ]
    assert [i["actor"] for i in items] == ["kader", "admin", "admin"]
    assert [i["request_id"] for i in items] == ["req-register-1", "req-add-2", "req-assess-3"]
    assert all(set(i) >= {"position", "recorded_at", "data"} for i in items)
    positions = [i["position"] for i in items]
    assert positions == sorted(positions)
    assert items[0]["position"] == family["position"]


def test_history_request_id_is_the_one_the_write_answered_with(api: Api) -> None:
    # given a write whose request id the server chose
    response = api.post("/families", family_body(), who="kader")
    server_id = response.headers["x-request-id"]
    # when its history is read, then the event carries that id
    history = api.get(f"/families/{response.json()['id']}/history").json()
    assert history["items"][0]["request_id"] == server_id


def test_history_pages_with_limit_and_cursor(api: Api) -> None:
    # given a family with three events
    family = register(api)
    assess(api, family["id"])
    assess(api, family["id"])
    path = f"/families/{family['id']}/history"
    # when it is read two at a time
    first = api.get(f"{path}?limit=2").json()
    second = api.get(f"{path}?limit=2&cursor={first['next_cursor']}").json()
    # then the pages follow on, and the last says there is no more
    assert [i["version"] for i in first["items"]] == [1, 2]
    assert first["next_cursor"] is not None
    assert [i["version"] for i in second["items"]] == [3]
    assert second["next_cursor"] is None


@pytest.mark.parametrize("query", ["limit=501", "limit=0", "cursor=not-a-cursor"])
def test_history_refuses_a_bad_limit_or_cursor_with_422(api: Api, query: str) -> None:
    family = register(api)
    response = api.get(f"/families/{family['id']}/history?{query}")
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


def test_history_of_an_unknown_family_answers_404(api: Api) -> None:
    response = api.get("/families/00000000-0000-4000-8000-000000000000/history")
    assert response.status_code == 404


def assert_not_found(response: Any) -> None:
    assert response.status_code == 404, response.text
    assert response.headers["content-type"].startswith("application/problem+json")


# -- the past -----------------------------------------------------------------------------------


def _relocate(api: Api, family_id: str) -> dict[str, Any]:
    body = {"area_code": OTHER_VILLAGE, "address": "Jl. Oebobo 7"}
    response = api.post(f"/families/{family_id}/relocation", body)
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def test_version_answers_the_family_as_it_stood_then(api: Api) -> None:
    # given a family registered and then relocated
    registered = api.post("/families", family_body(), who="kader").json()
    _relocate(api, registered["id"])
    # when version 1 is asked for
    response = api.get(f"/families/{registered['id']}?version=1")
    # then it is the family as registered
    assert response.status_code == 200
    assert response.headers["etag"] == '"1"'
    assert response.json()["version"] == 1
    assert response.json()["area_code"] == VILLAGE


def test_a_version_beyond_the_last_answers_404(api: Api) -> None:
    # given a family at version 1
    registered = api.post("/families", family_body(), who="kader").json()
    # when version 9, which never existed, is asked for
    response = api.get(f"/families/{registered['id']}?version=9")
    # then there is no such resource (not version 1 passed off as the answer)
    assert_not_found(response)


def test_a_version_too_large_to_store_is_a_client_error(api: Api) -> None:
    registered = api.post("/families", family_body(), who="kader").json()
    response = api.get(f"/families/{registered['id']}?version={10**20}")
    assert 400 <= response.status_code < 500, response.text


def test_as_of_between_two_writes_shows_the_earlier_state(api: Api) -> None:
    # given a family registered, then relocated at a later recorded instant
    registered = api.post("/families", family_body(), who="kader").json()
    time.sleep(0.01)  # so the two writes get distinct recorded_at (not asserted on)
    relocated = _relocate(api, registered["id"])
    assert relocated["updated_at"] > registered["registered_at"]
    # when it is read as of the registration's instant
    instant = quote(registered["registered_at"])
    response = api.get(f"/families/{registered['id']}?as_of={instant}", who="auditor")
    # then it shows version 1, before the relocation
    assert response.status_code == 200, response.text
    assert response.json()["version"] == 1
    assert response.json()["area_code"] == VILLAGE
    # and as of the relocation's instant it shows the move
    later = quote(relocated["updated_at"])
    assert api.get(f"/families/{registered['id']}?as_of={later}").json()["version"] == 2


def test_as_of_before_registration_answers_404(api: Api) -> None:
    registered = api.post("/families", family_body(), who="kader").json()
    response = api.get(f"/families/{registered['id']}?as_of=2000-01-01T00:00:00%2B07:00")
    assert_not_found(response)


def test_an_unparsable_as_of_is_a_client_error(api: Api) -> None:
    registered = api.post("/families", family_body(), who="kader").json()
    response = api.get(f"/families/{registered['id']}?as_of=yesterday")
    assert 400 <= response.status_code < 500


# -- If-Match -----------------------------------------------------------------------------------


def test_if_match_with_the_current_version_applies(api: Api) -> None:
    # given a family at version 1
    family = register(api)
    # when a change is pinned to version 1
    response = assess(api, family["id"], If_Match='"1"')
    # then it applies and the family is at version 2
    assert response.status_code == 200, response.text
    assert response.headers["etag"] == '"2"'
    assert response.json()["welfare_desil"] == 3


def test_if_match_with_a_stale_version_answers_412_and_changes_nothing(api: Api) -> None:
    # given a family changed since version 1
    family = register(api)
    assert assess(api, family["id"]).status_code == 200
    # when a change is pinned to version 1
    response = api.post(f"/families/{family['id']}/members", member_body("anak"), If_Match='"1"')
    # then 412, and the family is still at version 2 with one member
    assert response.status_code == 412, response.text
    assert response.json()["type"] == "stale-version"
    now = api.get(f"/families/{family['id']}")
    assert now.headers["etag"] == '"2"'
    assert len(now.json()["members"]) == 1


@pytest.mark.parametrize("if_match", ["garbage", '"-1"', "1.5", '"99999999999999999999"', 'W/"x"'])
def test_a_malformed_if_match_is_a_client_error(api: Api, if_match: str) -> None:
    family = register(api)
    response = assess(api, family["id"], If_Match=if_match)
    assert 400 <= response.status_code < 500, response.text
    assert response.status_code != 200
