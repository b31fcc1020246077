"""`duplicate-recipient`: one person given one programme in one period through two KKs."""

from __future__ import annotations

from typing import Any

from api_client import Api, delivery_body, family_body, member_body, source_body


def findings(api: Api, position: int, kind: str = "duplicate-recipient") -> list[dict[str, Any]]:
    response = api.get(f"/reconciliation/discrepancies?min_position={position}", who="finance")
    assert response.status_code == 200, response.text
    return [item for item in response.json()["items"] if item["kind"] == kind]


def test_one_nik_on_two_kks_is_found_until_a_delivery_is_voided(any_api: Api) -> None:
    # given one person listed on two families' KKs, and a source
    source = any_api.post("/funding-sources", source_body(), who="finance").json()
    person = member_body()
    first = any_api.post("/families", family_body(person), who="kader").json()
    second = any_api.post("/families", family_body(dict(person)), who="kader").json()
    # when she is given Ina Kasih for the same month through both
    any_api.post(
        f"/families/{first['id']}/aid-deliveries",
        delivery_body(source["id"], recipient_nik=person["nik"]),
        who="kader",
    )
    twice = delivery_body(source["id"], recipient_nik=person["nik"])
    delivered = any_api.post(f"/families/{second['id']}/aid-deliveries", twice, who="kader")
    # then the later delivery is a finding, naming the family and source but no person
    found = findings(any_api, delivered.json()["position"])
    assert [(f["family_id"], f["funding_source_id"]) for f in found] == [
        (second["id"], source["id"])
    ]
    assert person["nik"] not in found[0]["detail"] and person["name"] not in found[0]["detail"]
    # and once that delivery is voided the finding is gone
    voided = any_api.post(
        f"/families/{second['id']}/aid-deliveries/{twice['delivery_id']}/void",
        {"reason": "listed on two KKs"},
        who="kader",
    ).json()
    assert findings(any_api, voided["position"]) == []


def test_another_month_or_another_person_is_not_a_duplicate(api: Api) -> None:
    source = api.post("/funding-sources", source_body(), who="finance").json()
    person = member_body()
    first = api.post("/families", family_body(person), who="kader").json()
    second = api.post("/families", family_body(dict(person)), who="kader").json()
    api.post(
        f"/families/{first['id']}/aid-deliveries",
        delivery_body(source["id"], recipient_nik=person["nik"], period="2025-07"),
        who="kader",
    )
    last = api.post(
        f"/families/{second['id']}/aid-deliveries",
        delivery_body(source["id"], recipient_nik=person["nik"], period="2025-08"),
        who="kader",
    ).json()
    assert findings(api, last["position"]) == []
