"""Users and tokens over HTTP (admin only), and what a request without a good token gets."""

from __future__ import annotations

from typing import Any

import pytest
from api_client import Api, source_body


def readable_source(api: Api) -> str:
    response = api.post("/funding-sources", source_body(), who="finance")
    assert response.status_code == 201, response.text
    return f"/funding-sources/{response.json()['id']}"


def add_user(api: Api, **fields: Any) -> Any:
    body = {"name": "mama_yuli", "role": "caseworker", "areas": ["5371011001"], **fields}
    return api.post("/users", body)


def with_token(api: Api, path: str, token: str) -> Any:
    return api.client.get(path, headers={"Authorization": f"Bearer {token}"})


def assert_unauthorized(response: Any) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["status"] == 401


def test_an_admin_adds_a_user_and_sees_its_token_once(api: Api) -> None:
    # given a source anyone may read
    path = readable_source(api)
    # when the admin adds a caseworker for one village
    response = add_user(api)
    # then 201 with the user and a token, and that token reads the source
    assert response.status_code == 201, response.text
    user = response.json()
    assert set(user) == {"id", "name", "role", "areas", "expires_at", "token"}
    assert (user["name"], user["role"], user["areas"]) == (
        "mama_yuli",
        "caseworker",
        ["53.71.01.1001"],
    )
    assert user["token"]
    assert with_token(api, path, user["token"]).status_code == 200


def test_the_list_of_users_shows_no_token(api: Api) -> None:
    # given a user just added
    token = add_user(api).json()["token"]
    # when the admin lists users
    response = api.get("/users")
    # then the user is there, and no token, nor anything holding one, is
    assert response.status_code == 200, response.text
    users = response.json()["items"]
    assert "mama_yuli" in {u["name"] for u in users}
    assert all("token" not in u for u in users)
    assert token not in response.text


def test_a_revoked_users_token_gets_401(api: Api) -> None:
    # given a user whose token works
    path = readable_source(api)
    user = add_user(api).json()
    assert with_token(api, path, user["token"]).status_code == 200
    # when the admin revokes the user
    response = api.post(f"/users/{user['id']}/revocation", {})
    # then 200, and the token no longer opens anything
    assert response.status_code == 200, response.text
    assert response.json()["revoked_at"] is not None
    assert_unauthorized(with_token(api, path, user["token"]))


def test_an_expiry_in_the_past_answers_422(api: Api) -> None:
    # (an expired token's 401 is tested on the user store, where time can be set)
    response = add_user(api, expires_at="2020-01-01T00:00:00+07:00")
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["expires_at"]


def test_an_expiry_without_an_offset_answers_422(api: Api) -> None:
    response = add_user(api, expires_at="2099-01-01T00:00:00")
    assert response.status_code == 422, response.text


def test_a_second_user_with_the_same_name_answers_409(api: Api) -> None:
    assert add_user(api).status_code == 201
    response = add_user(api, role="auditor", areas=[])
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["type"] == "duplicate-user"


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"role": "superuser"}, "role"),
        ({"areas": ["99.99"]}, "areas"),
        ({"areas": ["not-a-code"]}, "areas"),
        ({"name": ""}, "name"),
        ({"token": "mine"}, "token"),
    ],
    ids=["role", "unknown-area", "garbled-area", "empty-name", "unknown-field"],
)
def test_an_invalid_user_answers_422(api: Api, fields: dict[str, Any], field: str) -> None:
    response = add_user(api, **fields)
    assert response.status_code == 422, response.text
    fields_named = [e["field"] for e in response.json()["errors"]]
    assert any(f == field or f.startswith(f"{field}[") for f in fields_named), fields_named


@pytest.mark.parametrize("who", ["finance", "auditor", "kader"])
def test_only_an_admin_manages_users(api: Api, who: str) -> None:
    # when anyone but an admin adds, lists or revokes users, then 403
    admin_id = next(u["id"] for u in api.get("/users").json()["items"] if u["name"] == "admin")
    body = {"name": "x", "role": "admin", "areas": []}
    assert api.post("/users", body, who=who).status_code == 403
    assert api.get("/users", who=who).status_code == 403
    assert api.post(f"/users/{admin_id}/revocation", {}, who=who).status_code == 403
    # and the admin was not revoked
    assert api.get("/users").status_code == 200


def test_revoking_an_unknown_user_answers_404(api: Api) -> None:
    response = api.post("/users/00000000-0000-4000-8000-000000000000/revocation", {})
    assert response.status_code == 404, response.text


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-real-token", "Bearer ", "Basic YWRtaW46YWRtaW4=", "bearer"],
    ids=["none", "garbage", "empty-bearer", "basic", "scheme-only"],
)
def test_a_missing_or_bad_token_gets_401_with_a_bearer_challenge(
    api: Api, authorization: str | None
) -> None:
    path = readable_source(api)
    headers = {} if authorization is None else {"Authorization": authorization}
    assert_unauthorized(api.client.get(path, headers=headers))
    assert_unauthorized(api.client.post("/families", json={}, headers=headers))
