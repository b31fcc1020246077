"""Coverage over HTTP: a target, families, deliveries; figures per village and the due list."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import uuid4

from api_client import Api, family_body, member_body

from casework.aggregates.programme_target import next_period

INA_KASIH = "/programmes/ina_kasih/targets"


def this_period(api: Api) -> str:
    return datetime.now(api.casework.settings.zone).strftime("%Y-%m")


def set_target(api: Api, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "target_id": str(uuid4()),
        "area": "53.71",
        "from": this_period(api),
        "to": next_period(next_period(this_period(api))),
        "unit": "member",
        "who": {"sex": "P", "age_min": 10, "age_max": 55, "max_desil": 4},
    }
    body.update(changes)
    answer = api.post(INA_KASIH, body)
    assert answer.status_code == 201, answer.text
    return answer.json()


def this_year_source(api: Api) -> str:
    year = int(this_period(api)[:4])
    body = {
        "code": f"APBD-5371-{year}-{uuid4().hex[:8]}",
        "kind": "APBD",
        "name": f"APBD Kota Kupang TA {year} — Ina Kasih",
        "sponsor": "Pemerintah Kota Kupang",
        "fiscal_year": year,
        "budget_idr": 10_000_000,
        "area": "53.71",
        "programs": ["ina_kasih"],
    }
    answer = api.post("/funding-sources", body, "finance")
    assert answer.status_code == 201, answer.text
    return str(answer.json()["id"])


def register(
    api: Api, *members: dict[str, Any], area_code: str = "53.71.01.1001"
) -> dict[str, Any]:
    answer = api.post(
        "/families",
        family_body(*members, area_code=area_code),
        "kader" if area_code.startswith("53.71.01") else "admin",
    )
    assert answer.status_code == 201, answer.text
    return answer.json()


def deliver(api: Api, family: dict[str, Any], source_id: str, nik: str | None, period: str) -> int:
    body: dict[str, Any] = {
        "delivery_id": str(uuid4()),
        "program": "ina_kasih",
        "period": period,
        "funding_source_id": source_id,
        "delivered_on": date.today().isoformat(),
        "items": [{"item": "pembalut", "quantity": 2, "unit": "pack", "unit_value_idr": 15000}],
    }
    if nik is not None:
        body["recipient_nik"] = nik
    answer = api.post(f"/families/{family['id']}/aid-deliveries", body, "admin")
    assert answer.status_code == 201, answer.text
    return int(answer.json()["position"])


def coverage(api: Api, who: str = "finance", **params: str) -> dict[str, Any]:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    answer = api.get(f"/coverage?program=ina_kasih&{query}", who)
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


def test_coverage_counts_eligible_women_served_and_waiting(any_api: Api) -> None:
    api = any_api
    period = this_period(api)
    # Given a target for women 10-55 of desil 4 or lower in Kota Kupang
    set_target(api)
    source = this_year_source(api)
    # And a family with a mother, a father and a daughter of 12, and one with a grandmother
    mother = member_body("kepala_keluarga", "P", date(1985, 7, 5))
    father = member_body("suami", "L", date(1983, 1, 1))
    daughter = member_body("anak", "P", date(date.today().year - 12, 1, 1))
    first = register(api, mother, father, daughter)
    grandmother = member_body("kepala_keluarga", "P", date(1950, 1, 1))
    second = register(api, grandmother, area_code="53.71.02.1001")
    # When the mother receives pads, and the father too (he is not eligible)
    deliver(api, first, source, mother["nik"], period)
    position = deliver(api, first, source, father["nik"], period)
    # Then the village counts two eligible women, one served, one delivery serving nobody due
    report = coverage(api, period=period, area="53.71", min_position=str(position))
    assert [a["area_code"] for a in report["areas"]] == ["53.71.01.1001"]
    village = report["areas"][0]
    assert (village["eligible"], village["served"], village["not_served"]) == (2, 1, 1)
    assert (village["served_not_eligible"], village["value_idr"]) == (1, 30_000)
    assert report["totals"]["eligible"] == 2
    assert second["area_code"] == "53.71.02.1001"
    # And the kader's due list names the daughter
    due = api.get(f"/coverage/due?program=ina_kasih&period={period}&area=53.71.01", "kader")
    assert due.status_code == 200, due.text
    items = due.json()["items"]
    assert [i["family_id"] for i in items] == [first["id"]]
    assert [m["nik"] for m in items[0]["members_due"]] == [daughter["nik"]]
    assert items[0]["head_name"] == mother["name"]
    # When the daughter is served too, she leaves the list
    position = deliver(api, first, source, daughter["nik"], period)
    due = api.get(
        f"/coverage/due?program=ina_kasih&period={period}&area=53.71.01&min_position={position}",
        "kader",
    )
    assert due.json()["items"] == []
    report = coverage(api, period=period, area="53.71.01")
    assert report["totals"]["served"] == 2


def test_a_caseworker_asks_only_within_its_areas(api: Api) -> None:
    period = this_period(api)
    set_target(api)
    assert (
        api.get(f"/coverage?program=ina_kasih&period={period}&area=53.71", "kader").status_code
        == 403
    )
    assert (
        api.get(
            f"/coverage/due?program=ina_kasih&period={period}&area=53.71.02", "kader"
        ).status_code
        == 403
    )
    assert api.get(f"/coverage/due?program=ina_kasih&period={period}", "kader").status_code == 403
    assert (
        api.get(f"/coverage?program=ina_kasih&period={period}&area=53.71.01", "kader").status_code
        == 200
    )
    assert api.get(f"/coverage/due?program=ina_kasih&period={period}", "finance").status_code == 403
    bad = api.get("/coverage?program=bansos&period=2025-13&area=99")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"program", "period", "area"}
