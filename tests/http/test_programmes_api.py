"""Aid deliveries and their voids: the family's record and the funding source's draw, together."""

from __future__ import annotations

from typing import Any

import pytest
from api_client import Api, delivery_body, family_body, member_body, nik, source_body

VALUE = 4 * 15_000  # delivery_body's default: four packs at 15,000 rupiah


def register(api: Api, *members: dict[str, Any]) -> dict[str, Any]:
    response = api.post("/families", family_body(*members), who="kader")
    assert response.status_code == 201, response.text
    family: dict[str, Any] = response.json()
    return family


def open_source(api: Api, **options: Any) -> str:
    response = api.post("/funding-sources", source_body(**options), who="finance")
    assert response.status_code == 201, response.text
    source_id: str = response.json()["id"]
    return source_id


def drawn(api: Api, source_id: str) -> int:
    amount: int = api.get(f"/funding-sources/{source_id}", who="finance").json()["drawn_idr"]
    return amount


def deliver(api: Api, family_id: str, body: dict[str, Any]) -> Any:
    return api.post(f"/families/{family_id}/aid-deliveries", body, who="kader")


def void(api: Api, family_id: str, delivery_id: str) -> Any:
    path = f"/families/{family_id}/aid-deliveries/{delivery_id}/void"
    return api.post(path, {"reason": "recorded on the wrong family"}, who="kader")


def close(api: Api, source_id: str) -> None:
    closed = api.post(f"/funding-sources/{source_id}/closure", {"reason": "TA 2025 ends"})
    assert closed.status_code == 200, closed.text


def conflict_type(response: Any) -> str:
    assert response.status_code == 409, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    kind: str = response.json()["type"]
    return kind


# -- delivering ---------------------------------------------------------------------------------


def test_a_delivery_answers_201_and_is_worth_the_sum_of_its_items(any_api: Api) -> None:
    # given a family and a funding source
    head = member_body()
    family, source_id = register(any_api, head), open_source(any_api)
    body = delivery_body(source_id, recipient_nik=head["nik"])
    body["items"].append(
        {"item": "sabun", "quantity": 3, "unit": "batang", "unit_value_idr": 4_500}
    )
    # when two kinds of items are delivered to the head
    response = deliver(any_api, family["id"], body)
    # then 201, and its value is the sum of quantity times unit value, drawn from the source
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/families/{family['id']}"
    delivery = response.json()["aid_deliveries"][0]
    expected_value = 4 * 15_000 + 3 * 4_500
    assert delivery["value_idr"] == expected_value
    assert delivery["status"] == "delivered"
    # the delivery's own event comes no later than the write's last one (the source's draw)
    assert 0 < delivery["position"] <= response.json()["position"]
    request_fields = {k: v for k, v in delivery.items() if k in body}
    assert request_fields == body
    assert drawn(any_api, source_id) == expected_value


def test_a_recipient_who_is_not_a_member_answers_422_on_recipient_nik(api: Api) -> None:
    family, source_id = register(api), open_source(api)
    response = deliver(api, family["id"], delivery_body(source_id, recipient_nik=nik()))
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["recipient_nik"]
    assert drawn(api, source_id) == 0


def test_an_unknown_funding_source_answers_422(api: Api) -> None:
    family = register(api)
    body = delivery_body("00000000-0000-4000-8000-000000000000")
    response = deliver(api, family["id"], body)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["funding_source_id"]


def test_an_unknown_programme_answers_422(api: Api) -> None:
    family, source_id = register(api), open_source(api)
    body = {**delivery_body(source_id), "program": "bansos_gaib"}
    response = deliver(api, family["id"], body)
    assert response.status_code == 422, response.text
    assert [e["field"] for e in response.json()["errors"]] == ["program"]


@pytest.mark.parametrize(
    ("source", "change", "kind"),
    [
        ({"budget_idr": VALUE - 1}, {}, "funding-exhausted"),
        ({"programs": ("sembako",)}, {}, "funding-not-eligible"),
        ({"area": "53.71.02"}, {}, "funding-not-eligible"),
        ({"area": "53.10"}, {}, "funding-not-eligible"),
        ({}, {"period": "2024-12"}, "funding-not-eligible"),
    ],
    ids=["exhausted", "programme-not-funded", "other-district", "other-city", "other-year"],
)
def test_a_source_that_cannot_pay_refuses_with_409_and_draws_nothing(
    api: Api, source: dict[str, Any], change: dict[str, Any], kind: str
) -> None:
    # given a family and a source that cannot pay for this delivery
    family, source_id = register(api), open_source(api, **source)
    # when the delivery is recorded
    response = deliver(api, family["id"], {**delivery_body(source_id), **change})
    # then 409 names the rule, and neither the family nor the source changed
    assert conflict_type(response) == kind
    assert drawn(api, source_id) == 0
    assert api.get(f"/families/{family['id']}").json()["aid_deliveries"] == []


def test_a_closed_source_refuses_with_409_funding_closed(any_api: Api) -> None:
    family, source_id = register(any_api), open_source(any_api)
    close(any_api, source_id)
    response = deliver(any_api, family["id"], delivery_body(source_id))
    assert conflict_type(response) == "funding-closed"
    assert drawn(any_api, source_id) == 0


def test_a_delivery_id_used_by_another_family_answers_409_duplicate_delivery(
    any_api: Api,
) -> None:
    # given a delivery recorded on one family
    first, second, source_id = register(any_api), register(any_api), open_source(any_api)
    body = delivery_body(source_id)
    assert deliver(any_api, first["id"], body).status_code == 201
    # when another family's delivery reuses its delivery_id
    response = deliver(any_api, second["id"], {**body, "period": "2025-09"})
    # then 409 duplicate-delivery, and the source drew only once
    assert conflict_type(response) == "duplicate-delivery"
    assert drawn(any_api, source_id) == VALUE


def test_the_same_delivery_id_twice_on_one_family_answers_409(api: Api) -> None:
    family, source_id = register(api), open_source(api)
    body = delivery_body(source_id)
    assert deliver(api, family["id"], body).status_code == 201
    response = deliver(api, family["id"], {**body, "period": "2025-09"})
    assert conflict_type(response) == "duplicate-delivery"
    assert drawn(api, source_id) == VALUE


@pytest.mark.parametrize("to_head", [True, False], ids=["same-recipient", "no-recipient"])
def test_the_same_programme_period_and_recipient_twice_answers_409(api: Api, to_head: bool) -> None:
    # given a delivery of ina_kasih for August (to the head, or to nobody in particular)
    head = member_body()
    family, source_id = register(api, head), open_source(api)
    recipient = head["nik"] if to_head else None
    assert deliver(api, family["id"], delivery_body(source_id, recipient_nik=recipient)).is_success
    # when a second delivery, with its own id, repeats programme, period and recipient
    response = deliver(api, family["id"], delivery_body(source_id, recipient_nik=recipient))
    # then 409 duplicate-delivery, and the source drew only once
    assert conflict_type(response) == "duplicate-delivery"
    assert drawn(api, source_id) == VALUE


def test_another_recipient_or_period_is_not_a_duplicate(api: Api) -> None:
    head, daughter = member_body(), member_body("anak")
    family, source_id = register(api, head, daughter), open_source(api)
    for body in (
        delivery_body(source_id, recipient_nik=head["nik"]),
        delivery_body(source_id, recipient_nik=daughter["nik"]),
        delivery_body(source_id, recipient_nik=head["nik"], period="2025-09"),
    ):
        assert deliver(api, family["id"], body).status_code == 201
    assert drawn(api, source_id) == 3 * VALUE


# -- voiding ------------------------------------------------------------------------------------


def test_a_void_answers_200_and_returns_the_value_to_the_source(any_api: Api) -> None:
    # given a delivery that drew from a source
    family, source_id = register(any_api), open_source(any_api)
    body = delivery_body(source_id)
    assert deliver(any_api, family["id"], body).status_code == 201
    # when it is voided
    response = void(any_api, family["id"], body["delivery_id"])
    # then 200, the delivery shows voided and the source has its money back
    assert response.status_code == 200, response.text
    assert response.json()["aid_deliveries"][0]["status"] == "voided"
    assert response.json()["aid_deliveries"][0]["value_idr"] == VALUE
    assert drawn(any_api, source_id) == 0


def test_voiding_twice_answers_409_already_voided(api: Api) -> None:
    family, source_id = register(api), open_source(api)
    body = delivery_body(source_id)
    assert deliver(api, family["id"], body).status_code == 201
    assert void(api, family["id"], body["delivery_id"]).status_code == 200
    assert conflict_type(void(api, family["id"], body["delivery_id"])) == "already-voided"
    assert drawn(api, source_id) == 0


def test_a_void_returns_the_value_also_when_the_source_is_closed(api: Api) -> None:
    # given a delivery from a source closed since
    family, source_id = register(api), open_source(api)
    body = delivery_body(source_id)
    assert deliver(api, family["id"], body).status_code == 201
    close(api, source_id)
    # when the delivery is voided, then the closed source gets its value back
    assert void(api, family["id"], body["delivery_id"]).status_code == 200
    assert drawn(api, source_id) == 0


def test_a_voided_delivery_frees_its_programme_and_period(api: Api) -> None:
    family, source_id = register(api), open_source(api)
    body = delivery_body(source_id)
    assert deliver(api, family["id"], body).status_code == 201
    assert void(api, family["id"], body["delivery_id"]).status_code == 200
    assert deliver(api, family["id"], delivery_body(source_id)).status_code == 201


def test_voiding_an_unknown_delivery_answers_404(api: Api) -> None:
    family = register(api)
    response = void(api, family["id"], "00000000-0000-4000-8000-000000000000")
    assert response.status_code == 404, response.text
