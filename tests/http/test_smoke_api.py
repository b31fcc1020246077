"""The shortest path a client takes: a family registered, aid delivered from a source."""

from __future__ import annotations

from api_client import Api, delivery_body, family_body, source_body


def test_register_deliver_and_read_back(any_api: Api) -> None:
    # given a funding source opened by finance and a family registered by its caseworker
    source = any_api.post("/funding-sources", source_body(), who="finance")
    assert source.status_code == 201, source.text
    family = any_api.post("/families", family_body(), who="kader")
    assert family.status_code == 201, family.text
    family_id = family.json()["id"]
    head_nik = family.json()["members"][0]["nik"]
    # when aid is delivered to the head
    delivered = any_api.post(
        f"/families/{family_id}/aid-deliveries",
        delivery_body(source.json()["id"], recipient_nik=head_nik),
        who="kader",
    )
    # then the family shows it and the source has drawn its value
    assert delivered.status_code == 201, delivered.text
    assert delivered.headers["etag"] == '"2"'
    assert delivered.json()["aid_deliveries"][0]["value_idr"] == 60_000
    source_now = any_api.get(f"/funding-sources/{source.json()['id']}", who="kader").json()
    assert source_now["drawn_idr"] == 60_000
    assert source_now["balance_idr"] == 1_000_000 - 60_000
