"""Idempotency-Key on every POST (API.md, Conventions): a repeat replays, and writes nothing.

The contract is a class so the same cases run on PostgreSQL (test_idempotency_postgres.py),
which adds the races that need real concurrency.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import httpx
import pytest
from api_client import Api, delivery_body, family_body, member_body, source_body
from litestar import Litestar

from builders import open_source
from casework.access.users import UserStore
from casework.aggregates.base import Cause
from casework.aggregates.family import Family, NewMember
from casework.errors import NotFound
from casework.http.idempotency import _request_hash
from casework.store.kept_responses import (
    KeptResponse,
    KeyAlreadyKept,
    PendingRequest,
    find_kept,
)

# -- helpers shared with the PostgreSQL and concurrency tests ------------------------------------


def head(api: Api) -> int:
    """The store's last event position: unchanged means nothing was written."""
    return api.casework.event_recorder.max_notification_id() or 0


def litestar_of(api: Api) -> Litestar:
    """The Litestar app under the test client's wrappers (its state holds the in-flight set)."""
    app: Any = api.client.app
    while not isinstance(app, Litestar):
        app = app.app if hasattr(app, "app") else app.__closure__[0].cell_contents
    return app


def user_id(api: Api, who: str) -> UUID:
    return UserStore(api.casework.db).by_name(who).id


def kept(api: Api, who: str, key: str) -> KeptResponse | None:
    return find_kept(api.casework.db, user_id(api, who), key)


def kept_count(api: Api) -> int:
    with api.casework.db.transaction() as tx:
        tx.execute("SELECT count(*) FROM kept_responses")
        row = tx.fetchone()
    assert row is not None
    return int(row[0])


def post_raw(api: Api, path: str, content: bytes, who: str = "admin", **headers: str) -> Any:
    """A POST whose body bytes are exactly `content` (the client's own JSON encoding aside)."""
    sent = api.headers(who, Content_Type="application/json", **headers)
    return api.client.post(path, content=content, headers=sent)


def reordered(value: Any) -> Any:
    """The same JSON value with every object's keys in reverse order."""
    if isinstance(value, dict):
        return {key: reordered(value[key]) for key in reversed(value)}
    if isinstance(value, list):
        return [reordered(item) for item in value]
    return value


def assert_replayed(first: httpx.Response, again: httpx.Response) -> None:
    """Same status, byte-identical body, and the same Location and ETag."""
    assert again.status_code == first.status_code, again.text
    assert again.content == first.content
    assert again.headers.get("content-type") == first.headers.get("content-type")
    assert again.headers.get("location") == first.headers.get("location")
    assert again.headers.get("etag") == first.headers.get("etag")


def new_family(api: Api, who: str = "kader") -> dict[str, Any]:
    response = api.post("/families", family_body(), who=who)
    assert response.status_code == 201, response.text
    return dict(response.json())


ASSESSMENT = {"desil": 2, "source": "DTSEN", "assessed_on": "2025-01-10"}


# -- the contract ------------------------------------------------------------------------------


class IdempotencyContract:
    def test_a_repeat_replays_the_first_answer_and_writes_nothing(self, api: Api) -> None:
        # given a family registered under a key
        body = family_body()
        first = api.post("/families", body, who="kader", Idempotency_Key="reg-1")
        assert first.status_code == 201, first.text
        position = head(api)
        # when the same request is sent again with the same key
        again = api.post("/families", body, who="kader", Idempotency_Key="reg-1")
        # then the first answer comes back, Location and ETag too, and nothing is written
        assert_replayed(first, again)
        assert first.headers["location"] == f"/families/{first.json()['id']}"
        assert first.headers["etag"] == '"1"'
        assert head(api) == position

    def test_a_repeat_of_a_funding_source_replays_its_location(self, api: Api) -> None:
        body = source_body()
        first = api.post("/funding-sources", body, who="finance", Idempotency_Key="open-1")
        assert first.status_code == 201, first.text
        position = head(api)
        again = api.post("/funding-sources", body, who="finance", Idempotency_Key="open-1")
        assert_replayed(first, again)
        assert again.headers["location"] == f"/funding-sources/{first.json()['id']}"
        assert head(api) == position

    def test_the_same_body_with_keys_reordered_and_respaced_is_a_repeat(self, api: Api) -> None:
        # given a source opened under a key, its name holding a non-ASCII dash
        body = source_body()
        first = api.post("/funding-sources", body, who="finance", Idempotency_Key="open-2")
        assert first.status_code == 201, first.text
        position = head(api)
        # when the same JSON is sent with its keys reversed, indented and \u-escaped
        raw = json.dumps(reordered(body), indent=3, ensure_ascii=True).encode()
        assert raw != json.dumps(body).encode()
        again = post_raw(api, "/funding-sources", raw, who="finance", Idempotency_Key="open-2")
        # then it is the same request: replayed, nothing written
        assert_replayed(first, again)
        assert head(api) == position

    def test_nested_objects_reordered_are_still_the_same_body(self, api: Api) -> None:
        body = family_body(member_body(), member_body("anak", "L", date(2015, 1, 2)))
        first = api.post("/families", body, who="kader", Idempotency_Key="reg-nested")
        assert first.status_code == 201, first.text
        raw = json.dumps(reordered(body), separators=(" ,", " : ")).encode()
        again = post_raw(api, "/families", raw, who="kader", Idempotency_Key="reg-nested")
        assert_replayed(first, again)

    def test_the_same_key_with_another_body_is_refused(self, api: Api) -> None:
        # given a key used for one family
        first = api.post("/families", family_body(), who="kader", Idempotency_Key="reg-2")
        assert first.status_code == 201, first.text
        position = head(api)
        # when it comes again with another family
        other = api.post("/families", family_body(), who="kader", Idempotency_Key="reg-2")
        # then 422 names the key, and nothing is written
        assert other.status_code == 422, other.text
        assert other.json()["type"] == "idempotency-key-reused"
        assert [e["field"] for e in other.json()["errors"]] == ["Idempotency-Key"]
        assert head(api) == position

    def test_the_same_key_on_another_path_is_refused(self, api: Api) -> None:
        # given a key used to register a family
        family = api.post("/families", family_body(), who="admin", Idempotency_Key="k-path")
        assert family.status_code == 201, family.text
        position = head(api)
        # when the same user sends the key with another request, even one on that family
        source = api.post("/funding-sources", source_body(), Idempotency_Key="k-path")
        assessed = api.post(
            f"/families/{family.json()['id']}/welfare-assessments",
            ASSESSMENT,
            Idempotency_Key="k-path",
        )
        # then both are refused and nothing is written
        assert (source.status_code, assessed.status_code) == (422, 422)
        assert head(api) == position

    def test_keys_belong_to_their_user(self, api: Api) -> None:
        # given admin used a key
        mine = api.post("/families", family_body(), who="admin", Idempotency_Key="shared")
        assert mine.status_code == 201, mine.text
        # when kader uses the same key for its own request, with the same path or another
        theirs = api.post("/families", family_body(), who="kader", Idempotency_Key="shared")
        source = api.post(
            "/funding-sources", source_body(), who="finance", Idempotency_Key="shared"
        )
        # then each runs normally
        assert (theirs.status_code, source.status_code) == (201, 201), theirs.text
        assert theirs.json()["id"] != mine.json()["id"]

    def test_the_same_body_from_another_user_is_not_a_replay(self, api: Api) -> None:
        # given finance opened a source under a key
        body = source_body()
        first = api.post("/funding-sources", body, who="finance", Idempotency_Key="k-user")
        assert first.status_code == 201, first.text
        # when admin sends the very same request with the same key
        again = api.post("/funding-sources", body, who="admin", Idempotency_Key="k-user")
        # then it runs as admin's own request and meets the code finance took
        assert again.status_code == 409, again.text
        assert again.json()["type"] == "duplicate-code"

    def test_a_key_over_200_characters_is_refused(self, api: Api) -> None:
        position = head(api)
        too_long = api.post("/families", family_body(), who="kader", Idempotency_Key="k" * 201)
        assert too_long.status_code == 422, too_long.text
        assert [e["field"] for e in too_long.json()["errors"]] == ["Idempotency-Key"]
        assert head(api) == position
        longest = api.post("/families", family_body(), who="kader", Idempotency_Key="k" * 200)
        assert longest.status_code == 201, longest.text
        again = api.post("/funding-sources", source_body(), Idempotency_Key="k" * 201)
        assert again.status_code == 422

    def test_a_refused_duplicate_kk_is_replayed_even_once_the_kk_is_free(self, api: Api) -> None:
        # given a family, and a second registration of its KK number under a key
        taken = new_family(api)
        copy = family_body()
        copy["kk_number"] = taken["kk_number"]
        first = api.post("/families", copy, who="kader", Idempotency_Key="dup-kk")
        assert first.status_code == 409, first.text
        assert first.json()["type"] == "duplicate-kk"
        # when the first family's only member leaves (which frees its KK number)
        left = api.post(
            f"/families/{taken['id']}/members/{taken['members'][0]['nik']}/departure",
            {"reason": "died", "on": "2025-03-01"},
            who="kader",
        )
        assert left.status_code == 200, left.text
        position = head(api)
        # then the repeat still gets the first 409, and writes nothing
        again = api.post("/families", copy, who="kader", Idempotency_Key="dup-kk")
        assert_replayed(first, again)
        assert head(api) == position
        # while the same request under a new key now registers it
        fresh = api.post("/families", copy, who="kader", Idempotency_Key="dup-kk-2")
        assert fresh.status_code == 201, fresh.text

    def test_a_refused_invalid_request_is_replayed(self, api: Api) -> None:
        body = family_body()
        body["area_code"] = "99.99.99.9999"
        first = api.post("/families", body, who="kader", Idempotency_Key="bad-area")
        assert first.status_code == 422, first.text
        again = api.post("/families", body, who="kader", Idempotency_Key="bad-area")
        assert_replayed(first, again)
        stored = kept(api, "kader", "bad-area")
        assert stored is not None and stored.status == 422

    def test_a_forbidden_request_is_replayed(self, api: Api) -> None:
        # given finance, which may not register families, tried under a key
        body = family_body()
        first = api.post("/families", body, who="finance", Idempotency_Key="no-role")
        assert first.status_code == 403, first.text
        # then the repeat replays the 403, and another body under the key is refused
        again = api.post("/families", body, who="finance", Idempotency_Key="no-role")
        other = api.post("/families", family_body(), who="finance", Idempotency_Key="no-role")
        assert_replayed(first, again)
        assert other.status_code == 422, other.text

    def test_malformed_json_is_answered_400_and_replayed(self, api: Api) -> None:
        # given a body that is not JSON, under a key
        first = post_raw(api, "/families", b'{"kk_number": ', who="kader", Idempotency_Key="bad")
        assert first.status_code == 400, first.text
        # when it is repeated, and when a valid body comes with the same key
        again = post_raw(api, "/families", b'{"kk_number": ', who="kader", Idempotency_Key="bad")
        valid = api.post("/families", family_body(), who="kader", Idempotency_Key="bad")
        # then the repeat replays the 400, and the valid body is another request
        assert_replayed(first, again)
        assert valid.status_code == 422, valid.text

    def test_a_5xx_is_not_kept(self, api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
        # given erasure failing on a fault of the server (a 500), tried under a key
        def fault(*_: Any, **__: Any) -> Any:
            raise RuntimeError("a fault of the server")

        monkeypatch.setattr(api.casework, "erase_family", fault)
        family = new_family(api)
        path = f"/families/{family['id']}/erasure"
        first = api.post(path, {"reason": "UU PDP", "request_reference": "A"}, Idempotency_Key="e")
        assert first.status_code == 500, first.text
        # then nothing is kept: the key is free for another body, which runs again
        assert kept(api, "admin", "e") is None
        again = api.post(path, {"reason": "UU PDP", "request_reference": "B"}, Idempotency_Key="e")
        assert again.status_code == 500, again.text

    def test_a_413_is_kept(self, api: Api) -> None:
        # given a body over 1 MiB sent under a key
        oversized = family_body()
        oversized["address"] = "x" * (1024 * 1024 + 1)
        first = api.post("/families", oversized, who="kader", Idempotency_Key="big")
        assert first.status_code == 413, first.text
        # when another body comes under the same key
        other = api.post("/families", family_body(), who="kader", Idempotency_Key="big")
        # then the key is taken by the kept 413
        assert other.status_code == 422, other.text

    def test_a_401_is_not_kept(self, api: Api) -> None:
        # given a request under a key with a bad token
        body = family_body()
        rows = kept_count(api)
        refused = api.client.post(
            "/families",
            json=body,
            headers={"Authorization": "Bearer nope", "Idempotency-Key": "k-401"},
        )
        # then it is refused and nothing is kept
        assert refused.status_code == 401
        assert kept_count(api) == rows
        # and the same request with a good token runs
        accepted = api.post("/families", body, who="kader", Idempotency_Key="k-401")
        assert accepted.status_code == 201, accepted.text

    def test_a_replay_shows_the_write_as_it_was_answered(self, api: Api) -> None:
        # given aid delivered under a key (version 2 of the family)
        family = new_family(api)
        source = open_source(api.casework).aggregate_id
        body = delivery_body(str(source))
        path = f"/families/{family['id']}/aid-deliveries"
        first = api.post(path, body, who="kader", Idempotency_Key="deliver-1")
        assert first.status_code == 201, first.text
        assert first.json()["version"] == 2
        # when the family changes afterwards
        later = api.post(f"/families/{family['id']}/welfare-assessments", ASSESSMENT, who="kader")
        assert later.json()["version"] == 3
        # then the repeat still answers with version 2, its position and its ETag
        again = api.post(path, body, who="kader", Idempotency_Key="deliver-1")
        assert_replayed(first, again)
        assert again.headers["etag"] == '"2"'
        assert again.json()["position"] == first.json()["position"]
        assert again.json()["welfare_desil"] == 1

    def test_warnings_are_replayed(self, api: Api) -> None:
        # given a member whose NIK says female but who is recorded as male (a soft rule break)
        head_of_family = member_body()
        head_of_family["sex"] = "L"
        body = family_body(head_of_family)
        first = api.post("/families", body, who="kader", Idempotency_Key="warned")
        assert first.status_code == 201, first.text
        assert first.json()["warnings"], first.text
        # then the repeat carries the same warnings
        again = api.post("/families", body, who="kader", Idempotency_Key="warned")
        assert_replayed(first, again)

    def test_a_stale_if_match_is_replayed_with_its_etag(self, api: Api) -> None:
        # given a family at version 2
        family = new_family(api)
        path = f"/families/{family['id']}/welfare-assessments"
        assert api.post(path, ASSESSMENT, who="kader").status_code == 200
        # when a change pinned on version 1 is sent under a key, and repeated after version 3
        first = api.post(path, ASSESSMENT, who="kader", If_Match='"1"', Idempotency_Key="stale")
        assert first.status_code == 412, first.text
        assert first.headers["etag"] == '"2"'
        assert api.post(path, ASSESSMENT, who="kader").status_code == 200
        again = api.post(path, ASSESSMENT, who="kader", If_Match='"1"', Idempotency_Key="stale")
        # then the repeat is the first 412, unchanged
        assert_replayed(first, again)

    def test_a_pinned_write_is_replayed_not_checked_again(self, api: Api) -> None:
        # given an assessment pinned on version 1 under a key, which made version 2
        family = new_family(api)
        path = f"/families/{family['id']}/welfare-assessments"
        first = api.post(path, ASSESSMENT, who="kader", If_Match='"1"', Idempotency_Key="pin")
        assert first.status_code == 200, first.text
        # when the client, unsure it arrived, sends it again with the same pin
        again = api.post(path, ASSESSMENT, who="kader", If_Match='"1"', Idempotency_Key="pin")
        # then it gets the first answer, not a 412 for its now stale pin
        assert_replayed(first, again)
        assert again.headers["etag"] == '"2"'

    def test_a_failed_write_leaves_no_events_and_keeps_its_409(self, api: Api) -> None:
        # given a source with less money left than the delivery is worth
        family = new_family(api)
        source = open_source(api.casework, budget_idr=50_000).aggregate_id
        path = f"/families/{family['id']}/aid-deliveries"
        body = delivery_body(str(source), quantity=4)  # 60,000
        position = head(api)
        # when the delivery is sent under a key
        first = api.post(path, body, who="kader", Idempotency_Key="broke")
        # then it is refused, nothing is written, and the refusal is kept
        assert first.status_code == 409, first.text
        assert first.json()["type"] == "funding-exhausted"
        assert head(api) == position
        stored = kept(api, "kader", "broke")
        assert stored is not None and stored.status == 409 and stored.position is None
        # and once the budget is raised, the repeat is still the kept 409 (nothing runs)
        revised = api.post(
            f"/funding-sources/{source}/budget-revisions",
            {"budget_idr": 1_000_000, "reason": "APBD-P"},
            who="finance",
        )
        assert revised.status_code == 200, revised.text
        position = head(api)
        again = api.post(path, body, who="kader", Idempotency_Key="broke")
        assert_replayed(first, again)
        assert head(api) == position
        # while a new key runs it
        assert api.post(path, body, who="kader", Idempotency_Key="broke-2").status_code == 201

    def test_a_repeat_while_the_first_still_runs_gets_409(self, api: Api) -> None:
        # given a request under this key that is still running
        in_flight = litestar_of(api).state.idempotency_in_flight
        slot = (user_id(api, "kader"), "slow")
        in_flight.add(slot)
        body = family_body()
        position = head(api)
        try:
            # when the repeat arrives
            busy = api.post("/families", body, who="kader", Idempotency_Key="slow")
        finally:
            in_flight.discard(slot)
        # then it is told so, nothing is written and nothing is kept
        assert busy.status_code == 409, busy.text
        assert busy.json()["type"] == "idempotency-in-progress"
        assert head(api) == position
        assert kept(api, "kader", "slow") is None
        # and once the first is done, the key works
        assert api.post("/families", body, who="kader", Idempotency_Key="slow").status_code == 201

    def test_the_answer_is_kept_in_the_transaction_of_its_events(self, api: Api) -> None:
        # given a registration run straight on the service, as the middleware runs it: with a
        # pending request for admin's key (a process that dies right after its commit)
        body = family_body()
        pending = PendingRequest(
            user_id(api, "admin"),
            "crash-1",
            request_hash("/families", body),
            resource_kind="family",
            status=201,
        )
        saved = register_directly(api, body, answer=pending)
        # then the answer was kept by the write itself
        assert pending.kept_with_events
        stored = kept(api, "admin", "crash-1")
        assert stored is not None
        assert (stored.status, stored.resource_id, stored.resource_version, stored.position) == (
            201,
            saved.aggregate_id,
            1,
            saved.position,
        )
        # and the client's retry over HTTP gets that write's answer, writing nothing
        position = head(api)
        retry = api.post("/families", body, Idempotency_Key="crash-1")
        assert retry.status_code == 201, retry.text
        assert retry.json()["id"] == str(saved.aggregate_id)
        assert retry.json()["position"] == saved.position
        assert retry.headers["location"] == f"/families/{saved.aggregate_id}"
        assert retry.headers["etag"] == '"1"'
        assert head(api) == position

    def test_a_write_whose_answer_cannot_be_kept_is_rolled_back(self, api: Api) -> None:
        # given a key whose answer is already kept
        first = api.post("/families", family_body(), Idempotency_Key="taken")
        assert first.status_code == 201, first.text
        position = head(api)
        # when another write runs under the same key (a second process that lost the race)
        body = family_body()
        pending = PendingRequest(
            user_id(api, "admin"),
            "taken",
            request_hash("/families", body),
            resource_kind="family",
            status=201,
        )
        family_id = uuid4()
        with pytest.raises(KeyAlreadyKept):
            register_directly(api, body, family_id, answer=pending)
        # then its events were rolled back with the answer that could not be kept
        assert pending.superseded
        assert head(api) == position
        with pytest.raises(NotFound):
            api.casework.load(Family, family_id)
        # and the KK number it claimed is still free
        assert api.post("/families", body, who="kader").status_code == 201

    def test_post_users_takes_no_key(self, api: Api) -> None:
        # a kept answer would have to keep the token, which is shown once only
        one = api.post("/users", {"name": "pkb-1", "role": "auditor"}, Idempotency_Key="u")
        two = api.post("/users", {"name": "pkb-2", "role": "auditor"}, Idempotency_Key="u")
        assert (one.status_code, two.status_code) == (201, 201), two.text
        assert one.json()["token"] != two.json()["token"]

    def test_a_revocation_is_replayed(self, api: Api) -> None:
        user, _ = UserStore(api.casework.db).add(name="pkb-3", role="auditor", areas=[])
        path = f"/users/{user.id}/revocation"
        first = api.post(path, None, Idempotency_Key="revoke-1")
        assert first.status_code == 200, first.text
        again = api.post(path, None, Idempotency_Key="revoke-1")
        assert_replayed(first, again)


def request_hash(path: str, body: Any) -> str:
    """What the middleware files a request under: its path and its body as parsed JSON."""
    scope: Any = {"path": path}
    return _request_hash(scope, json.dumps(body).encode())


def register_directly(
    api: Api,
    body: dict[str, Any],
    family_id: UUID | None = None,
    answer: PendingRequest | None = None,
) -> Any:
    """POST /families's body, registered through the service without HTTP (with `answer`, as
    the idempotency middleware runs it: the cause carries where the answer is kept)."""
    members = [
        NewMember(
            m["nik"], m["name"], m["sex"], date.fromisoformat(m["birth_date"]), m["relationship"]
        )
        for m in body["members"]
    ]
    return api.casework.register_family(
        Cause(actor="admin", request_id="direct", answer=answer),
        kk_number=body["kk_number"],
        area_code=body["area_code"],
        address=body["address"],
        welfare_desil=body["welfare_desil"],
        members=members,
        family_id=family_id or uuid4(),
    )


class TestIdempotencyOnSqlite(IdempotencyContract):
    """The contract on the default store."""
