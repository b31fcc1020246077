"""A family's history speaks as requests do: members by `nik`, never by internal numbers; after
an erasure those NIKs read null (API.md, additions of 2026-12-08)."""

from __future__ import annotations

from typing import Any

from api_client import Api, delivery_body, family_body, member_body, nik, source_body

INTERNAL = {"member_no", "identities", "recipient_member_no", "new_head_member_no"}


def names_nothing_internal(data: Any) -> bool:
    if isinstance(data, dict):
        return not INTERNAL & set(data) and all(names_nothing_internal(v) for v in data.values())
    if isinstance(data, list):
        return all(names_nothing_internal(v) for v in data)
    return True


def a_busy_family(api: Api) -> tuple[str, str, str, str]:
    """A head and a child; the child's NIK corrected, then aid, UPPKA and DASHAT for the head,
    and the head departs naming the child as the new head. (family id, head, old, new NIK)."""
    head, child = member_body(), member_body("anak", "L")
    family = api.post("/families", family_body(head, child), who="kader").json()
    path = f"/families/{family['id']}"
    corrected = nik("L")
    fix = api.post(f"{path}/members/{child['nik']}/correction", {"nik": corrected}, who="kader")
    assert fix.status_code == 200, fix.text
    source = api.post("/funding-sources", source_body(), who="finance").json()
    delivery = delivery_body(source["id"], recipient_nik=head["nik"])
    assert api.post(f"{path}/aid-deliveries", delivery, who="kader").status_code == 201
    group = {"code": "UPPKA-H1", "name": "Melati", "area_code": "53.71.01.1001",
             "business_type": "tenun"}  # fmt: skip
    group_id = api.post("/uppka-groups", group, who="kader").json()["id"]
    joined = {"group_id": group_id, "member_nik": head["nik"], "joined_on": "2025-01-05"}
    assert api.post(f"{path}/uppka-memberships", joined, who="kader").status_code == 201
    enrol = {"member_nik": head["nik"], "category": "catin", "kitchen": "K1",
             "enrolled_on": "2025-01-05"}  # fmt: skip
    assert api.post(f"{path}/dashat-enrollments", enrol, who="kader").status_code == 201
    departure = {"reason": "died", "on": "2025-03-01", "new_head_nik": corrected}
    left = api.post(f"{path}/members/{head['nik']}/departure", departure, who="kader")
    assert left.status_code == 200, left.text
    return family["id"], head["nik"], child["nik"], corrected


def test_history_names_members_by_the_nik_of_the_time(api: Api) -> None:
    # given a family whose events name members in every way there is
    family_id, head, old_nik, new_nik = a_busy_family(api)
    # when an auditor reads its history
    items = api.get(f"/families/{family_id}/history", who="auditor").json()["items"]
    data = {i["type"]: i["data"] for i in items}
    # then no event speaks of member numbers or identities
    assert all(names_nothing_internal(i["data"]) for i in items), items
    # and every member is named by the NIK it had when the event was recorded
    registered = data["FamilyRegistered"]["members"]
    assert [(m["nik"], m["relationship"]) for m in registered] == [
        (head, "kepala_keluarga"),
        (old_nik, "anak"),
    ]
    assert set(registered[0]) == {"nik", "name", "sex", "birth_date", "relationship"}
    assert (data["FamilyMemberCorrected"]["member_nik"], data["FamilyMemberCorrected"]["nik"]) == (
        old_nik,
        new_nik,
    )
    assert data["FamilyAidDelivered"]["recipient_nik"] == head
    assert data["FamilyJoinedUppka"]["member_nik"] == head
    assert data["FamilyEnrolledInDashat"]["member_nik"] == head
    departed = data["FamilyMemberDeparted"]
    assert (departed["member_nik"], departed["new_head_nik"]) == (head, new_nik)


def test_an_erased_family_s_history_shows_null_where_niks_were(api: Api) -> None:
    # given the same family, erased
    family_id, *_ = a_busy_family(api)
    erasure = {"reason": "permintaan subjek data", "request_reference": "PDP-2025-001"}
    assert api.post(f"/families/{family_id}/erasure", erasure).status_code == 200
    # when its history is read
    items = api.get(f"/families/{family_id}/history", who="auditor").json()["items"]
    data = {i["type"]: i["data"] for i in items}
    # then the member fields are there, and null
    assert all(names_nothing_internal(i["data"]) for i in items)
    assert [m["nik"] for m in data["FamilyRegistered"]["members"]] == [None, None]
    assert data["FamilyAidDelivered"]["recipient_nik"] is None
    assert data["FamilyMemberDeparted"]["member_nik"] is None
    assert data["FamilyMemberCorrected"]["member_nik"] is None
