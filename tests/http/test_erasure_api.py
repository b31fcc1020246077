"""POST /families/{id}/erasure (API.md, "Personal-data erasure"), on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from api_client import Api, delivery_body, family_body, member_body, source_body

ERASURE = {"reason": "permintaan subjek data", "request_reference": "PDP-2025-001"}
PERSONAL = ("kk_number", "address")
PERSONAL_OF_MEMBER = ("nik", "name", "birth_date")


def a_family_with_a_delivery(api: Api, **headers: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """A family of two (registered under `headers`), and the answer to a delivery to its head."""
    body = family_body(member_body(), member_body("anak", sex="L"))
    family = api.post("/families", body, who="kader", **headers)
    assert family.status_code == 201, family.text
    source = api.post("/funding-sources", source_body(), who="finance").json()
    head_nik = body["members"][0]["nik"]
    delivery = delivery_body(source["id"], recipient_nik=head_nik)
    delivered = api.post(f"/families/{family.json()['id']}/aid-deliveries", delivery, who="kader")
    assert delivered.status_code == 201, delivered.text
    return family.json(), delivered.json()


def erase(api: Api, family_id: str, **headers: str) -> Any:
    return api.post(f"/families/{family_id}/erasure", ERASURE, who="admin", **headers)


def assert_erased(body: dict[str, Any]) -> None:
    assert [body[f] for f in PERSONAL] == [None, None]
    assert all(m[f] is None for m in body["members"] for f in PERSONAL_OF_MEMBER)
    assert all(d["recipient_nik"] is None for d in body["aid_deliveries"])


def without_personal(body: dict[str, Any]) -> dict[str, Any]:
    """The family's other facts: what an erasure must leave as they were."""
    kept = {k: v for k, v in body.items() if k not in (*PERSONAL, "version", "position")}
    kept["members"] = [
        {k: v for k, v in m.items() if k not in PERSONAL_OF_MEMBER} for m in body["members"]
    ]
    kept["aid_deliveries"] = [
        {k: v for k, v in d.items() if k != "recipient_nik"} for d in body["aid_deliveries"]
    ]
    for changed in ("status", "updated_at"):
        kept.pop(changed)
    return kept


def test_the_family_answers_erased_with_every_other_fact_intact(any_api: Api) -> None:
    # given a family of two with a delivery
    family, delivered = a_family_with_a_delivery(any_api)
    # when the admin erases its personal data
    response = erase(any_api, family["id"])
    # then 200 with the family: erased, personal fields null, everything else as it was
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "erased"
    assert body["version"] == delivered["version"] + 1
    assert response.headers["etag"] == f'"{body["version"]}"'
    assert_erased(body)
    assert without_personal(body) == without_personal(delivered)
    read = any_api.get(f"/families/{family['id']}").json()
    assert read == {k: v for k, v in body.items() if k != "warnings"}
    # and every past version reads with nulls too
    first = any_api.get(f"/families/{family['id']}?version=1").json()
    assert first["status"] == "active"
    assert_erased(first)


def test_the_history_keeps_its_events_with_personal_fields_null(any_api: Api) -> None:
    family, _ = a_family_with_a_delivery(any_api)
    erased = erase(any_api, family["id"]).json()
    page = any_api.get(f"/families/{family['id']}/history", who="auditor").json()
    items = page["items"]
    assert [i["type"] for i in items] == [
        "FamilyRegistered",
        "FamilyAidDelivered",
        "FamilyPersonalDataErased",
    ]
    assert [i["actor"] for i in items] == ["kader", "kader", "admin"]
    assert items[-1]["position"] == erased["position"]
    registered = items[0]["data"]
    assert [registered[f] for f in ("kk_number", "address")] == [None] * 2
    assert [(m["nik"], m["name"], m["birth_date"]) for m in registered["members"]] == [
        (None,) * 3
    ] * 2
    assert registered["area_code"] == family["area_code"]
    assert items[-1]["data"] == ERASURE


def test_reconciliation_does_not_change(any_api: Api) -> None:
    family, delivered = a_family_with_a_delivery(any_api)
    query = f"/reconciliation?min_position={delivered['position']}"
    before = any_api.get(query, who="finance").json()
    erased = erase(any_api, family["id"]).json()
    after = any_api.get(f"/reconciliation?min_position={erased['position']}", who="finance")
    assert after.status_code == 200, after.text
    assert (after.json()["sources"], after.json()["totals"]) == (
        before["sources"],
        before["totals"],
    )


def test_the_list_shows_it_erased_and_no_longer_finds_it_by_name_or_kk(any_api: Api) -> None:
    family, _ = a_family_with_a_delivery(any_api)
    name, kk = family["members"][0]["name"], family["kk_number"]
    at = erase(any_api, family["id"]).json()["position"]
    listed = any_api.get(f"/families?min_position={at}").json()["items"]
    summary = next(s for s in listed if s["id"] == family["id"])
    assert (summary["status"], summary["kk_number"], summary["head_name"]) == ("erased", None, None)
    assert summary["programs"] == ["ina_kasih"]
    for query in (f"q={name}", f"kk_number={kk}"):
        assert any_api.get(f"/families?min_position={at}&{query}").json()["items"] == []


def test_its_kk_number_may_be_registered_again(any_api: Api) -> None:
    family, _ = a_family_with_a_delivery(any_api)
    again = {**family_body(), "kk_number": family["kk_number"]}
    assert any_api.post("/families", again).json()["type"] == "duplicate-kk"
    erase(any_api, family["id"])
    assert any_api.post("/families", again).status_code == 201


def test_kept_answers_replay_with_nulls(any_api: Api) -> None:
    # given a registration and an erasure, each under an Idempotency-Key
    body = family_body()
    first = any_api.post("/families", body, who="kader", Idempotency_Key="reg-1")
    assert first.status_code == 201, first.text
    erased = erase(any_api, first.json()["id"], Idempotency_Key="erase-1")
    # when both are repeated
    registration = any_api.post("/families", body, who="kader", Idempotency_Key="reg-1")
    erasure = erase(any_api, first.json()["id"], Idempotency_Key="erase-1")
    # then each replays its first answer, with the personal data now null in both
    assert (registration.status_code, erasure.status_code) == (201, 200)
    assert registration.headers["location"] == first.headers["location"]
    assert registration.json()["version"] == 1
    assert_erased(registration.json())
    assert erasure.content == erased.content
    assert body["members"][0]["name"] not in registration.text + erasure.text


def test_erasing_twice_is_a_conflict(any_api: Api) -> None:
    family, _ = a_family_with_a_delivery(any_api)
    assert erase(any_api, family["id"]).status_code == 200
    again = erase(any_api, family["id"])
    assert again.status_code == 409, again.text
    assert again.json()["type"] == "already-erased"


def test_reason_and_reference_must_say_something(any_api: Api) -> None:
    family, _ = a_family_with_a_delivery(any_api)
    blank = {"reason": " ", "request_reference": "\t"}
    response = any_api.post(f"/families/{family['id']}/erasure", blank)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["reason", "request_reference"]
    assert any_api.get(f"/families/{family['id']}").json()["status"] == "active"
