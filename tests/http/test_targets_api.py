"""Programme targets over HTTP: set, read, revise from a period not yet past, end, overlaps."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import uuid4

from api_client import Api

from casework.aggregates.programme_target import next_period, previous_period

INA_KASIH = "/programmes/ina_kasih/targets"


def this_period(api: Api) -> str:
    return datetime.now(api.casework.settings.zone).strftime("%Y-%m")


def target_body(api: Api, **changes: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "target_id": str(uuid4()),
        "area": "53.71",
        "from": previous_period(this_period(api)),
        "to": next_period(next_period(this_period(api))),
        "unit": "member",
        "cycle": "monthly",
        "who": {"sex": "P", "age_min": 10, "age_max": 55, "max_desil": 4},
    }
    body.update(changes)
    return body


def test_an_admin_sets_a_target_and_reads_it_back(any_api: Api) -> None:
    # Given a target for Kota Kupang
    body = target_body(any_api)
    # When an admin sets it
    created = any_api.post(INA_KASIH, body)
    # Then it is answered with its place, version and terms
    assert created.status_code == 201, created.text
    assert created.headers["Location"] == f"{INA_KASIH}/{body['target_id']}"
    assert created.headers["ETag"] == '"1"'
    target = created.json()
    assert (target["area"], target["from"], target["unit"]) == ("53.71", body["from"], "member")
    assert target["who"]["max_desil"] == 4
    assert target["revisions"] == []
    # And every role reads it, in the list and by itself
    assert any_api.get(f"{INA_KASIH}/{body['target_id']}", "finance").json() == target
    listed = any_api.get(INA_KASIH, "kader").json()["items"]
    assert [t["id"] for t in listed] == [body["target_id"]]


def test_only_admins_set_targets(api: Api) -> None:
    for who in ("finance", "auditor", "kader"):
        assert api.post(INA_KASIH, target_body(api), who).status_code == 403


def test_a_caseworker_does_not_see_a_target_outside_its_areas(api: Api) -> None:
    # Given a target in Kecamatan Maulafa (53.71.03), where no test caseworker works
    body = target_body(api, area="53.71.03")
    assert api.post(INA_KASIH, body).status_code == 201
    # Then a caseworker of Alak neither lists nor reads it
    assert api.get(INA_KASIH, "kader").json()["items"] == []
    assert api.get(f"{INA_KASIH}/{body['target_id']}", "kader").status_code == 404


def test_overlapping_targets_are_refused(any_api: Api) -> None:
    # Given a target for Kota Kupang
    first = target_body(any_api)
    assert any_api.post(INA_KASIH, first).status_code == 201
    # When another names a kecamatan inside it over a shared period
    inside = target_body(any_api, area="53.71.01", **{"from": first["to"], "to": first["to"]})
    refused = any_api.post(INA_KASIH, inside)
    # Then it is refused as overlapping
    assert refused.status_code == 409
    assert refused.json()["type"].endswith("overlapping-target")
    # But the same area after the first target's periods is accepted
    later = next_period(first["to"])
    assert (
        any_api.post(INA_KASIH, target_body(any_api, **{"from": later, "to": later})).status_code
        == 201
    )
    # And so is another area, or another programme over the same area
    assert any_api.post(INA_KASIH, target_body(any_api, area="53.01")).status_code == 201
    sembako = target_body(any_api, unit="family")
    assert any_api.post("/programmes/sembako/targets", sembako).status_code == 201


def test_a_revision_takes_effect_from_this_period_or_later(any_api: Api) -> None:
    # Given a target
    body = target_body(any_api)
    target_path = f"{INA_KASIH}/{body['target_id']}"
    assert any_api.post(INA_KASIH, body).status_code == 201
    # When a revision would take effect last month
    past = any_api.post(f"{target_path}/revision", {"effective_from": body["from"], "who": {}})
    # Then it is refused, and says why
    assert past.status_code == 422
    assert past.json()["errors"][0]["field"] == "effective_from"
    assert "past periods never change" in past.json()["errors"][0]["message"]
    # When it takes effect next month
    upcoming = next_period(this_period(any_api))
    revised = any_api.post(
        f"{target_path}/revision",
        {"effective_from": upcoming, "who": {"sex": "P", "age_min": 12}},
        If_Match='"1"',
    )
    # Then the target stands with its revision
    assert revised.status_code == 200, revised.text
    target = revised.json()
    assert target["version"] == 2
    assert target["who"]["age_min"] == 12
    assert target["first"]["who"]["age_min"] == 10
    assert [r["effective_from"] for r in target["revisions"]] == [upcoming]
    # And a stale pin is refused
    stale = any_api.post(f"{target_path}/revision", {"effective_from": upcoming}, If_Match='"1"')
    assert stale.status_code == 412


def test_an_ended_target_covers_nothing_after_its_end(api: Api) -> None:
    # Given a target
    body = target_body(api)
    target_path = f"{INA_KASIH}/{body['target_id']}"
    assert api.post(INA_KASIH, body).status_code == 201
    # When it ends after this period
    ended = api.post(f"{target_path}/end", {"after": this_period(api)})
    # Then it reads ended, and a new target may take over from the next period
    assert ended.status_code == 200, ended.text
    assert (ended.json()["status"], ended.json()["ended_after"]) == ("ended", this_period(api))
    upcoming = next_period(this_period(api))
    successor = target_body(api, **{"from": upcoming, "to": upcoming})
    assert api.post(INA_KASIH, successor).status_code == 201
    # And it cannot end twice, nor before last period
    assert api.post(f"{target_path}/end", {"after": this_period(api)}).status_code == 409
    early = previous_period(previous_period(this_period(api)))
    other = target_body(api, area="53.01")
    assert api.post(INA_KASIH, other).status_code == 201
    too_early = api.post(f"{INA_KASIH}/{other['target_id']}/end", {"after": early})
    assert too_early.status_code == 422


def test_bad_targets_are_refused_in_words(api: Api) -> None:
    body = target_body(
        api,
        area="99.99",
        unit="household",
        who={"sex": "X", "age_min": 30, "age_max": 20, "dashat_categories": ["ibu"]},
        **{"from": "2025-13", "to": "2025-01"},
    )
    refused = api.post(INA_KASIH, body)
    assert refused.status_code == 422
    fields = {e["field"] for e in refused.json()["errors"]}
    assert {"area", "from", "unit", "who.sex", "who.age_max", "who.dashat_categories[0]"} <= fields
    unknown = api.post("/programmes/bansos/targets", target_body(api))
    assert unknown.status_code == 422
    assert "ina_kasih" in unknown.json()["errors"][0]["message"]
    assert api.get("/programmes/bansos/targets").status_code == 422


def test_a_target_id_is_used_once(api: Api) -> None:
    body = target_body(api)
    assert api.post(INA_KASIH, body).status_code == 201
    again = api.post(INA_KASIH, target_body(api, target_id=body["target_id"], area="53.01"))
    assert again.status_code == 409
