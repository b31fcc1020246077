"""The audit trail and the projections' progress, through the API."""

from __future__ import annotations

from typing import Any

from api_client import Api, delivery_body, family_body, source_body


def write_history(api: Api) -> dict[str, Any]:
    """A source, a family with a delivery and a void: returns ids, names and last position."""
    source = api.post("/funding-sources", source_body(), who="finance").json()
    body = family_body()
    family = api.post("/families", body, who="kader").json()
    delivery = delivery_body(source["id"])
    api.post(f"/families/{family['id']}/aid-deliveries", delivery, who="kader")
    voided = api.post(
        f"/families/{family['id']}/aid-deliveries/{delivery['delivery_id']}/void",
        {"reason": "recorded twice"},
        who="kader",
    ).json()
    return {"source": source, "family": family, "body": body, "position": voided["position"]}


def trail(api: Api, query: str = "", who: str = "auditor") -> dict[str, Any]:
    response = api.get(f"/audit-trail?{query}", who=who)
    assert response.status_code == 200, response.text
    page: dict[str, Any] = response.json()
    return page


def test_every_event_appears_once_in_position_order(api: Api) -> None:
    # given some history written through the API
    written = write_history(api)
    # when the trail is read once it has processed the last write
    items = trail(api, f"min_position={written['position']}&limit=500")["items"]
    # then it lists positions 1..last exactly once, each with actor and request id
    assert [item["position"] for item in items] == list(range(1, written["position"] + 1))
    assert {item["actor"] for item in items} == {"finance", "kader"}
    assert all(item["request_id"] for item in items)
    assert items[1]["type"] == "FamilyRegistered"
    assert items[1]["aggregate_type"] == "Family"


def test_summaries_carry_no_name_nik_or_kk_number(api: Api) -> None:
    written = write_history(api)
    items = trail(api, f"min_position={written['position']}&limit=500")["items"]
    secrets = [written["body"]["kk_number"], written["body"]["address"]]
    for member in written["body"]["members"]:
        secrets += [member["nik"], member["name"]]
    text = " ".join(item["summary"] for item in items)
    assert not [secret for secret in secrets if secret in text]


def test_filters_select_an_aggregate_an_actor_a_type_and_a_time_window(api: Api) -> None:
    written = write_history(api)
    at = f"min_position={written['position']}"
    family_id, source_id = written["family"]["id"], written["source"]["id"]
    family_events = trail(api, f"{at}&family_id={family_id}")["items"]
    assert {item["aggregate_id"] for item in family_events} == {family_id}
    assert [item["type"] for item in family_events] == [
        "FamilyRegistered",
        "FamilyAidDelivered",
        "FamilyAidDeliveryVoided",
    ]
    source_events = trail(api, f"{at}&funding_source_id={source_id}")["items"]
    assert [item["type"] for item in source_events] == [
        "FundingSourceOpened",
        "FundingSourceDrawn",
        "FundingSourceDrawReversed",
    ]
    assert {item["actor"] for item in trail(api, f"{at}&actor=finance")["items"]} == {"finance"}
    assert len(trail(api, f"{at}&type=FundingSourceDrawn")["items"]) == 1
    everything = trail(api, f"{at}&limit=500")["items"]
    start = everything[1]["recorded_at"]
    end = everything[-1]["recorded_at"]
    window = trail(api, f"{at}&from={start}&to={end}".replace("+", "%2B"))["items"]
    assert [item["position"] for item in window] == [
        item["position"] for item in everything if start <= item["recorded_at"] < end
    ]


def test_pages_follow_the_cursor(api: Api) -> None:
    written = write_history(api)
    seen: list[int] = []
    query = f"min_position={written['position']}&limit=2"
    while True:
        page = trail(api, query)
        seen += [item["position"] for item in page["items"]]
        if page["next_cursor"] is None:
            break
        query = f"limit=2&cursor={page['next_cursor']}"
    assert seen == list(range(1, written["position"] + 1))


def test_a_bad_cursor_or_a_naive_instant_is_422(api: Api) -> None:
    assert api.get("/audit-trail?cursor=abc", who="auditor").status_code == 422
    assert api.get("/audit-trail?from=2025-01-01T00:00:00", who="auditor").status_code == 422


def test_projections_report_their_lag(api: Api) -> None:
    written = write_history(api)
    trail(api, f"min_position={written['position']}")
    progress = api.get("/projections", who="auditor").json()["items"]
    audit = next(item for item in progress if item["name"] == "audit_trail")
    assert audit["position"] == audit["head_position"] >= written["position"]
    assert audit["lag"] == 0 and audit["status"] == "current"
    ready = api.get("/ready", who=None).json()
    assert ready["status"] == "ready"
    assert ready["head_position"] == audit["head_position"]


def test_a_position_not_reached_in_time_answers_503_with_retry_after(api: Api) -> None:
    response = api.get("/audit-trail?min_position=999999", who="auditor")
    assert response.status_code == 503
    assert response.headers["retry-after"] == "1"
    assert response.headers["content-type"].startswith("application/problem+json")


def test_a_control_character_in_a_filter_is_422_not_a_database_error(any_api: Api) -> None:
    for query in ("actor=a%00b", "type=%01", "q=x%00"):
        path = "/families" if query.startswith("q=") else "/audit-trail"
        response = any_api.get(f"{path}?{query}", who="admin")
        assert response.status_code == 422, response.text
        assert response.json()["errors"][0]["field"] == query.split("=")[0]
