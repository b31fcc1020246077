"""Who may call what: a role-by-endpoint matrix over every route the app serves (API.md).

The table below is the contract's "Authentication and roles" section written out per route. It
is checked against the routes of the built app, so a new endpoint fails here until someone
decides who may call it. Each case runs on a fresh family, source, group and user, so writes
by an allowed role succeed and their exact status is asserted.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from uuid import UUID, uuid4

import pytest
from api_client import Api, delivery_body, family_body, member_body, running_api, source_body
from litestar import Litestar
from litestar.routes import HTTPRoute

from builders import CAUSE, OTHER_VILLAGE, VILLAGE, deliver, member, open_source, register
from casework.access.users import UserStore
from casework.aggregates.family import Family
from casework.aggregates.programme_target import Who
from casework.http.app import create_litestar
from casework.service import Casework
from casework.settings import Settings
from casework.store.bootstrap import migrate_store

CASEWORKER, FINANCE, AUDITOR, ADMIN = "caseworker", "finance", "auditor", "admin"
EVERYONE = frozenset({CASEWORKER, FINANCE, AUDITOR, ADMIN})
PUBLIC = frozenset({"public"})  # no token needed at all
# The test users of api_client and their roles; None sends no Authorization header.
CALLERS: dict[str | None, str | None] = {
    "admin": ADMIN,
    "finance": FINANCE,
    "auditor": AUDITOR,
    "kader": CASEWORKER,  # holds 53.71.01, where VILLAGE lies
    "kader_other": CASEWORKER,  # holds 53.71.02 only
    None: None,
}
NEARBY_VILLAGE = "53.71.01.1002"  # Nunbaun Sabu, also in Kecamatan Alak


@dataclass(frozen=True)
class World:
    """Fresh resources for one case: a family in VILLAGE with something of everything."""

    family_id: UUID
    head_nik: str
    spouse_nik: str
    child_nik: str
    source_id: UUID
    delivery_id: UUID
    group_id: UUID
    user_id: UUID
    target_id: UUID
    target_period: str  # a period of its own, far ahead, so targets of two worlds never overlap


Call = Callable[[World], tuple[str, Any]]


@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str
    roles: frozenset[str]
    ok: int  # what an allowed caller gets (501: a read model not built yet)
    call: Call
    # "family": a caseworker outside the family's areas gets 404; "places": the body puts
    # something in VILLAGE, so a caseworker not holding it gets 403.
    scope: str | None = None

    @property
    def key(self) -> tuple[str, str]:
        return (self.method, self.template)


def fixed(path: str, body: Any = None) -> Call:
    return lambda _: (path, body)


def on_family(suffix: str, body: Callable[[World], Any] = lambda _: None) -> Call:
    return lambda w: (f"/families/{w.family_id}{suffix}", body(w))


def on_source(suffix: str, body: Any = None) -> Call:
    return lambda w: (f"/funding-sources/{w.source_id}{suffix}", body)


def new_group_body(area_code: str = VILLAGE) -> dict[str, str]:
    return {
        "code": f"UPPKA-{uuid4().hex[:8]}",
        "name": "UPPKA Mawar",
        "area_code": area_code,
        "business_type": "tenun ikat",
    }


F = "/families/{family_id}"
S = "/funding-sources/{source_id}"
FAMILY_READERS = frozenset({CASEWORKER, AUDITOR, ADMIN})
FAMILY_WRITERS = frozenset({CASEWORKER, ADMIN})
FUNDING_WRITERS = frozenset({FINANCE, ADMIN})
FINANCE_READERS = frozenset({FINANCE, AUDITOR, ADMIN})
AUDIT_READERS = frozenset({AUDITOR, ADMIN})
ADMINS = frozenset({ADMIN})

T = "/programmes/{program}/targets"
_target_periods = iter(range(10**6))


def fresh_target_period() -> str:
    number = next(_target_periods)
    return f"{3000 + number // 12}-{number % 12 + 1:02d}"


def new_target_body(period: str | None = None) -> dict[str, Any]:
    period = period or fresh_target_period()
    return {
        "target_id": str(uuid4()),
        "area": VILLAGE,
        "from": period,
        "to": period,
        "unit": "member",
        "who": {"sex": "P", "age_min": 10, "age_max": 55},
    }


def on_target(suffix: str, body: Callable[[World], Any] = lambda _: None) -> Call:
    return lambda w: (f"/programmes/lainnya/targets/{w.target_id}{suffix}", body(w))


ENDPOINTS = [
    # -- operations and the published contract (no token) --
    Endpoint("GET", "/health", PUBLIC, 200, fixed("/health")),
    Endpoint("GET", "/ready", PUBLIC, 200, fixed("/ready")),
    *(
        Endpoint("GET", path, PUBLIC, 200, fixed(path))
        for path in (
            "/schema",
            "/schema/openapi.json",
            "/schema/openapi.yaml",
            "/schema/openapi.yml",
            "/schema/swagger",
            "/schema/oauth2-redirect.html",
        )
    ),
    # The docs page's scripts and styles, from the package (ReDoc, RapiDoc and Elements would
    # need the internet, so they are not served: /schema/redoc is a /schema/{path} 404).
    *(
        Endpoint(method, "/schema/assets/{file_path}", PUBLIC, 200, fixed(asset))
        for method, asset in (
            ("GET", "/schema/assets/swagger-ui-bundle.js"),
            ("HEAD", "/schema/assets/swagger-ui.css"),
        )
    ),
    Endpoint("GET", "/schema/{path}", PUBLIC, 404, fixed("/schema/no-such-page")),
    Endpoint("GET", "/projections", AUDIT_READERS, 200, fixed("/projections")),
    # -- families --
    Endpoint(
        "POST", "/families", FAMILY_WRITERS, 201, lambda _: ("/families", family_body()), "places"
    ),
    Endpoint("GET", "/families", FAMILY_READERS, 200, fixed("/families")),
    Endpoint("GET", F, FAMILY_READERS, 200, on_family(""), "family"),
    Endpoint("GET", F + "/history", FAMILY_READERS, 200, on_family("/history"), "family"),
    Endpoint(
        "POST",
        F + "/members",
        FAMILY_WRITERS,
        201,
        on_family("/members", lambda _: member_body("anak", "L", date(2012, 3, 4))),
        "family",
    ),
    Endpoint(
        "POST",
        F + "/members/{nik}/departure",
        FAMILY_WRITERS,
        200,
        lambda w: (
            f"/families/{w.family_id}/members/{w.spouse_nik}/departure",
            {"reason": "moved_out", "on": "2025-01-10"},
        ),
        "family",
    ),
    Endpoint(
        "POST",
        F + "/members/{nik}/correction",
        FAMILY_WRITERS,
        200,
        lambda w: (
            f"/families/{w.family_id}/members/{w.head_nik}/correction",
            {"name": "Maria Bella Corrected"},
        ),
        "family",
    ),
    Endpoint(
        "POST",
        F + "/relocation",
        FAMILY_WRITERS,
        200,
        on_family("/relocation", lambda _: {"area_code": NEARBY_VILLAGE, "address": "Jl. Baru 1"}),
        "family",
    ),
    Endpoint(
        "POST",
        F + "/welfare-assessments",
        FAMILY_WRITERS,
        200,
        on_family(
            "/welfare-assessments",
            lambda _: {"desil": 2, "source": "PK", "assessed_on": "2025-01-10"},
        ),
        "family",
    ),
    Endpoint(
        "POST",
        F + "/aid-deliveries",
        FAMILY_WRITERS,
        201,
        on_family(
            "/aid-deliveries",
            lambda w: delivery_body(str(w.source_id), recipient_nik=w.head_nik, quantity=1),
        ),
        "family",
    ),
    Endpoint(
        "POST",
        F + "/aid-deliveries/{delivery_id}/void",
        FAMILY_WRITERS,
        200,
        lambda w: (
            f"/families/{w.family_id}/aid-deliveries/{w.delivery_id}/void",
            {"reason": "recorded on the wrong family"},
        ),
        "family",
    ),
    Endpoint(
        "POST",
        F + "/uppka-memberships",
        FAMILY_WRITERS,
        201,
        on_family(
            "/uppka-memberships",
            lambda w: {
                "group_id": str(w.group_id),
                "member_nik": w.spouse_nik,
                "joined_on": "2025-02-01",
            },
        ),
        "family",
    ),
    Endpoint(
        "POST",
        F + "/uppka-memberships/{group_id}/exit",
        FAMILY_WRITERS,
        200,
        lambda w: (
            f"/families/{w.family_id}/uppka-memberships/{w.group_id}/exit",
            {"member_nik": w.head_nik, "left_on": "2025-06-01", "reason": "moved to Kupang"},
        ),
        "family",
    ),
    Endpoint(
        "POST",
        F + "/dashat-enrollments",
        FAMILY_WRITERS,
        201,
        on_family(
            "/dashat-enrollments",
            lambda w: {
                "member_nik": w.head_nik,
                "category": "ibu_menyusui",
                "kitchen": "DASHAT-ALAK-01",
                "enrolled_on": "2025-02-01",
            },
        ),
        "family",
    ),
    Endpoint(
        "POST",
        F + "/dashat-enrollments/{member_nik}/exit",
        FAMILY_WRITERS,
        200,
        lambda w: (
            f"/families/{w.family_id}/dashat-enrollments/{w.child_nik}/exit",
            {"exited_on": "2025-06-01", "reason": "graduated"},
        ),
        "family",
    ),
    Endpoint(
        "POST",
        F + "/erasure",
        ADMINS,
        200,
        on_family("/erasure", lambda _: {"reason": "UU PDP", "request_reference": "PDP-1"}),
        "family",
    ),
    # -- funding sources --
    Endpoint(
        "POST",
        "/funding-sources",
        FUNDING_WRITERS,
        201,
        lambda _: ("/funding-sources", source_body()),
    ),
    Endpoint("GET", "/funding-sources", EVERYONE, 200, fixed("/funding-sources")),
    Endpoint("GET", S, EVERYONE, 200, on_source("")),
    Endpoint("GET", S + "/receipts", FINANCE_READERS, 200, on_source("/receipts")),
    Endpoint("GET", S + "/history", FINANCE_READERS, 200, on_source("/history")),
    Endpoint(
        "POST",
        S + "/receipts",
        FUNDING_WRITERS,
        201,
        on_source(
            "/receipts",
            {"amount_idr": 500_000, "reference": "SP2D 0012/2025", "received_on": "2025-03-01"},
        ),
    ),
    Endpoint(
        "POST",
        S + "/budget-revisions",
        FUNDING_WRITERS,
        200,
        on_source("/budget-revisions", {"budget_idr": 20_000_000, "reason": "APBD-P"}),
    ),
    Endpoint(
        "POST",
        S + "/closure",
        FUNDING_WRITERS,
        200,
        on_source("/closure", {"reason": "end of the fiscal year"}),
    ),
    # -- UPPKA groups --
    Endpoint(
        "POST",
        "/uppka-groups",
        FAMILY_WRITERS,
        201,
        lambda _: ("/uppka-groups", new_group_body()),
        "places",
    ),
    Endpoint(
        "GET",
        "/uppka-groups/{group_id}",
        FAMILY_READERS,
        200,
        lambda w: (f"/uppka-groups/{w.group_id}", None),
    ),
    # -- programme targets --
    Endpoint("POST", T, ADMINS, 201, lambda _: ("/programmes/lainnya/targets", new_target_body())),
    Endpoint("GET", T, EVERYONE, 200, fixed("/programmes/lainnya/targets")),
    Endpoint("GET", T + "/{target_id}", EVERYONE, 200, on_target(""), "family"),
    Endpoint(
        "POST",
        T + "/{target_id}/revision",
        ADMINS,
        200,
        on_target("/revision", lambda w: {"effective_from": w.target_period, "who": {}}),
    ),
    Endpoint(
        "POST",
        T + "/{target_id}/end",
        ADMINS,
        200,
        on_target("/end", lambda w: {"after": w.target_period}),
    ),
    # -- coverage --
    Endpoint(
        "GET",
        "/coverage",
        EVERYONE,
        200,
        fixed(f"/coverage?program=lainnya&period=2025-08&area={VILLAGE}"),
        "places",
    ),
    Endpoint(
        "GET",
        "/coverage/due",
        FAMILY_WRITERS,
        200,
        fixed(f"/coverage/due?program=lainnya&period=2025-08&area={VILLAGE}"),
        "places",
    ),
    # -- reconciliation and audit --
    Endpoint("GET", "/reconciliation", FINANCE_READERS, 200, fixed("/reconciliation")),
    Endpoint(
        "GET",
        "/reconciliation/deliveries",
        FINANCE_READERS,
        200,
        fixed("/reconciliation/deliveries"),
    ),
    Endpoint(
        "GET",
        "/reconciliation/discrepancies",
        FINANCE_READERS,
        200,
        fixed("/reconciliation/discrepancies"),
    ),
    Endpoint("GET", "/audit-trail", AUDIT_READERS, 200, fixed("/audit-trail")),
    Endpoint("GET", "/audit/verify", AUDIT_READERS, 200, fixed("/audit/verify")),
    # -- users --
    Endpoint(
        "POST",
        "/users",
        ADMINS,
        201,
        lambda _: ("/users", {"name": f"pkb-{uuid4().hex[:8]}", "role": "auditor"}),
    ),
    Endpoint("GET", "/users", ADMINS, 200, fixed("/users")),
    Endpoint("GET", "/users/{user_id}", ADMINS, 200, lambda w: (f"/users/{w.user_id}", None)),
    Endpoint(
        "POST",
        "/users/{user_id}/revocation",
        ADMINS,
        200,
        lambda w: (f"/users/{w.user_id}/revocation", None),
    ),
]
TABLE = {endpoint.key: endpoint for endpoint in ENDPOINTS}


def expected_status(endpoint: Endpoint, caller: str | None) -> int:
    if endpoint.roles is PUBLIC:
        return endpoint.ok
    role = CALLERS[caller]
    if role is None:
        return 401
    if role not in endpoint.roles:
        return 403
    if caller == "kader_other" and endpoint.scope == "family":
        return 404  # the family lies outside its areas: its existence is not revealed
    if caller == "kader_other" and endpoint.scope == "places":
        return 403  # it would place something in an area it does not hold
    return endpoint.ok


# -- fixtures ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def matrix_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    """One store for the whole matrix; every case builds its own fresh world in it."""
    settings = Settings(
        database_url=f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'casework.db'}"
    )
    migrate_store(settings)
    casework = Casework(settings)
    with running_api(casework) as running:
        yield running
    casework.close()


def build_world(app: Casework) -> World:
    head = member()
    spouse = member("suami", "L", date(1982, 1, 15))
    child = member("anak", "P", date(2025, 1, 20))
    family_id = register(app, head, spouse, child).aggregate_id
    source_id = open_source(app, budget_idr=10_000_000).aggregate_id
    delivery_id = uuid4()
    deliver(app, family_id, source_id, delivery_id=delivery_id)
    group = app.form_uppka_group(
        CAUSE,
        code=f"UPPKA-{uuid4().hex[:8]}",
        name="UPPKA Melati",
        area_code=VILLAGE,
        business_type="kue kering",
    )
    app.join_uppka(
        CAUSE,
        family_id,
        group_id=group.aggregate_id,
        member_nik=head.nik,
        joined_on=date(2025, 1, 5),
    )
    app.enrol_in_dashat(
        CAUSE,
        family_id,
        member_nik=child.nik,
        category="baduta",
        kitchen="DASHAT-ALAK-01",
        enrolled_on=date(2025, 2, 1),
    )
    user, _ = UserStore(app.db).add(name=f"plkb-{uuid4().hex[:8]}", role="auditor", areas=[])
    target = new_target_body()
    target_id = UUID(target["target_id"])
    app.set_target(
        CAUSE,
        "lainnya",
        target_id=target_id,
        area=VILLAGE,
        from_period=target["from"],
        to_period=target["to"],
        unit="member",
        cycle="monthly",
        who=Who(sex="P"),
    )
    return World(
        family_id,
        head.nik,
        spouse.nik,
        child.nik,
        source_id,
        delivery_id,
        group.aggregate_id,
        user.id,
        target_id,
        target["from"],
    )


def send(api: Api, method: str, path: str, body: Any, who: str | None) -> Any:
    if method == "GET":
        return api.get(path, who=who)
    if method == "HEAD":
        return api.client.head(path, headers=api.headers(who))
    return api.post(path, body, who=who)


def routes_of(app: Litestar) -> dict[tuple[str, str], frozenset[str] | None]:
    """(method, path template) → the roles its handler declares, for every served route."""
    served: dict[tuple[str, str], frozenset[str] | None] = {}
    for route in app.routes:
        assert isinstance(route, HTTPRoute), route
        for handler in route.route_handlers:
            if handler.opt.get("console"):
                continue  # the console's pages have a door of their own (tests/console)
            for method in handler.http_methods - {"OPTIONS"}:
                served[(method, route.path_format)] = handler.opt.get("roles")
    return served


# -- the matrix ----------------------------------------------------------------------------------


def test_every_served_route_is_in_the_table(matrix_api: Api) -> None:
    # given the routes the app serves (the framework's OPTIONS handlers aside)
    served = routes_of(create_litestar(matrix_api.casework.settings, matrix_api.casework))
    # then each one is in the table and the table names no route that does not exist
    assert sorted(set(served) - set(TABLE)) == [], "routes missing from the access table"
    assert sorted(set(TABLE) - set(served)) == [], "table rows for routes that do not exist"


def test_each_route_declares_the_roles_of_the_contract(matrix_api: Api) -> None:
    # given the roles each handler declares in its opt["roles"]
    served = routes_of(create_litestar(matrix_api.casework.settings, matrix_api.casework))
    # then they are those of API.md; the public routes declare none
    declared = {key: roles or PUBLIC for key, roles in served.items()}
    assert {key: declared.get(key) for key in TABLE} == {
        key: endpoint.roles for key, endpoint in TABLE.items()
    }


@pytest.mark.parametrize("caller", list(CALLERS), ids=lambda c: c or "no-token")
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: f"{e.method} {e.template}")
def test_role_matrix(matrix_api: Api, endpoint: Endpoint, caller: str | None) -> None:
    # given fresh resources in VILLAGE (inside kader's areas, outside kader_other's)
    world = build_world(matrix_api.casework)
    path, body = endpoint.call(world)
    # when the caller calls the endpoint with a valid request
    response = send(matrix_api, endpoint.method, path, body, caller)
    # then it gets what its role and areas allow, never a 500
    assert response.status_code == expected_status(endpoint, caller), response.text
    if response.status_code in (401, 403, 404) and endpoint.roles is not PUBLIC:
        assert response.headers["content-type"].startswith("application/problem+json")


@pytest.mark.parametrize(
    "endpoint",
    [e for e in ENDPOINTS if e.roles is not PUBLIC],
    ids=lambda e: f"{e.method} {e.template}",
)
def test_a_refused_request_writes_nothing(matrix_api: Api, endpoint: Endpoint) -> None:
    # given fresh resources and the store's head position
    world = build_world(matrix_api.casework)
    path, body = endpoint.call(world)
    head = matrix_api.casework.event_recorder.max_notification_id()
    # when every caller the endpoint refuses tries it
    refused = [c for c in CALLERS if expected_status(endpoint, c) in (401, 403, 404)]
    statuses = {c: send(matrix_api, endpoint.method, path, body, c).status_code for c in refused}
    # then none of them wrote an event
    assert set(statuses.values()) <= {401, 403, 404}
    assert matrix_api.casework.event_recorder.max_notification_id() == head


# -- areas ---------------------------------------------------------------------------------------


def test_a_caseworker_outside_the_area_cannot_tell_the_family_exists(api: Api) -> None:
    # given a family in VILLAGE
    family_id = register(api.casework).aggregate_id
    # when kader_other reads it, and reads a family id that does not exist at all
    outside = api.get(f"/families/{family_id}", who="kader_other")
    unknown = api.get(f"/families/{uuid4()}", who="kader_other")
    # then both answers are the same 404
    assert (outside.status_code, unknown.status_code) == (404, 404)
    assert outside.json()["type"] == unknown.json()["type"] == "not-found"
    # and kader, whose area holds the village, reads it
    assert api.get(f"/families/{family_id}", who="kader").status_code == 200


def test_a_caseworker_holding_a_whole_city_works_in_every_village_of_it(api: Api) -> None:
    # given a caseworker whose area is Kota Kupang (53.71), above both districts
    _, token = UserStore(api.casework.db).add(name="kader_kota", role=CASEWORKER, areas=["53.71"])
    api.tokens["kader_kota"] = token
    # when it registers families in both districts and reads one back
    here = api.post("/families", family_body(), who="kader_kota")
    there = api.post("/families", family_body(area_code=OTHER_VILLAGE), who="kader_kota")
    # then all of it is allowed
    assert (here.status_code, there.status_code) == (201, 201), there.text
    assert api.get(f"/families/{there.json()['id']}", who="kader_kota").status_code == 200


@pytest.mark.parametrize("area_code", [OTHER_VILLAGE, "5371021001"], ids=["dotted", "undotted"])
def test_a_caseworker_cannot_register_a_family_outside_its_areas(api: Api, area_code: str) -> None:
    head = api.casework.event_recorder.max_notification_id()
    # when kader registers a family in a village of another district
    response = api.post("/families", family_body(area_code=area_code), who="kader")
    # then it is forbidden and nothing is written
    assert response.status_code == 403, response.text
    assert response.json()["type"] == "forbidden"
    assert api.casework.event_recorder.max_notification_id() == head


@pytest.mark.parametrize("area_code", [OTHER_VILLAGE, "5371021001"], ids=["dotted", "undotted"])
def test_a_caseworker_cannot_move_its_family_out_of_its_areas(api: Api, area_code: str) -> None:
    # given a family kader registered in its own area
    family = api.post("/families", family_body(), who="kader").json()
    # when kader relocates it into another district
    moved = api.post(
        f"/families/{family['id']}/relocation",
        {"area_code": area_code, "address": "Jl. Oebobo 7"},
        who="kader",
    )
    # then it is forbidden and the family stays where it was
    assert moved.status_code == 403, moved.text
    assert api.casework.load(Family, UUID(family["id"])).area_code == VILLAGE
    # while an admin may move it there
    by_admin = api.post(
        f"/families/{family['id']}/relocation",
        {"area_code": area_code, "address": "Jl. Oebobo 7"},
    )
    assert by_admin.status_code == 200, by_admin.text
    # after which kader no longer sees it
    assert api.get(f"/families/{family['id']}", who="kader").status_code == 404


def test_a_caseworker_cannot_form_an_uppka_group_outside_its_areas(api: Api) -> None:
    head = api.casework.event_recorder.max_notification_id()
    # when kader forms a group in a village of another district
    response = api.post("/uppka-groups", new_group_body(OTHER_VILLAGE), who="kader")
    # then it is forbidden and nothing is written; in its own area it may
    assert response.status_code == 403, response.text
    assert api.casework.event_recorder.max_notification_id() == head
    assert api.post("/uppka-groups", new_group_body(), who="kader").status_code == 201


def test_a_caseworker_outside_the_area_cannot_write_on_the_family(api: Api) -> None:
    # given a family in VILLAGE and the store's head position
    family_id = register(api.casework).aggregate_id
    head = api.casework.event_recorder.max_notification_id()
    # when kader_other records an assessment on it, even with an Idempotency-Key
    response = api.post(
        f"/families/{family_id}/welfare-assessments",
        {"desil": 3, "source": "local", "assessed_on": "2025-01-10"},
        who="kader_other",
        Idempotency_Key="outsider-1",
    )
    # then the family is not found and nothing is written
    assert response.status_code == 404, response.text
    assert api.casework.event_recorder.max_notification_id() == head


def test_finance_may_not_read_families(api: Api) -> None:
    family_id = register(api.casework).aggregate_id
    assert api.get(f"/families/{family_id}", who="finance").status_code == 403
    assert api.get(f"/families/{family_id}/history", who="finance").status_code == 403
    assert api.get("/families", who="finance").status_code == 403


def test_every_role_may_read_a_funding_source(api: Api) -> None:
    source_id = open_source(api.casework).aggregate_id
    for who in ("admin", "finance", "auditor", "kader", "kader_other"):
        response = api.get(f"/funding-sources/{source_id}", who=who)
        assert response.status_code == 200, (who, response.text)
        assert response.json()["id"] == str(source_id)


# -- tokens --------------------------------------------------------------------------------------


def test_an_expired_token_is_refused(api: Api) -> None:
    # given an admin whose token expired yesterday
    now = datetime.now(UTC)
    _, token = UserStore(api.casework.db).add(
        name="old-admin",
        role=ADMIN,
        areas=[],
        expires_at=now - timedelta(days=1),
        now=now - timedelta(days=30),
    )
    api.tokens["old-admin"] = token
    # when it reads and writes
    read = api.get("/users", who="old-admin")
    write = api.post("/funding-sources", source_body(), who="old-admin")
    # then both get 401 with a Bearer challenge
    assert (read.status_code, write.status_code) == (401, 401)
    assert read.headers["www-authenticate"] == "Bearer"
    assert read.json()["type"] == "unauthorized"


def test_a_token_still_valid_until_its_expiry_is_accepted(api: Api) -> None:
    now = datetime.now(UTC)
    _, token = UserStore(api.casework.db).add(
        name="new-auditor",
        role=AUDITOR,
        areas=[],
        expires_at=now + timedelta(days=1),
        now=now - timedelta(days=1),
    )
    api.tokens["new-auditor"] = token
    assert api.get("/audit/verify", who="new-auditor").status_code == 200


def test_a_token_revoked_through_the_api_is_refused_from_then_on(api: Api) -> None:
    # given a caseworker issued by an admin, whose token works
    issued = api.post("/users", {"name": "pkb-sari", "role": CASEWORKER, "areas": ["53.71.01"]})
    assert issued.status_code == 201, issued.text
    api.tokens["pkb-sari"] = issued.json()["token"]
    family_id = register(api.casework).aggregate_id
    assert api.get(f"/families/{family_id}", who="pkb-sari").status_code == 200
    # when the admin revokes it
    revoked = api.post(f"/users/{issued.json()['id']}/revocation", None)
    assert revoked.status_code == 200, revoked.text
    # then its token gets 401 for reads and writes; other users are unaffected
    assert api.get(f"/families/{family_id}", who="pkb-sari").status_code == 401
    assert api.post("/families", family_body(), who="pkb-sari").status_code == 401
    assert api.get(f"/families/{family_id}", who="kader").status_code == 200


def test_a_token_revoked_in_the_store_is_refused(api: Api) -> None:
    users = UserStore(api.casework.db)
    user, token = users.add(name="fin-2", role=FINANCE, areas=[])
    api.tokens["fin-2"] = token
    users.revoke(user.id)
    assert api.get("/reconciliation", who="fin-2").status_code == 401


@pytest.mark.parametrize(
    "authorization",
    ["", "Bearer", "Bearer ", "Bearer not-a-token", "Basic YWRtaW46YWRtaW4=", "bearer\tx"],
)
def test_malformed_authorization_is_refused(api: Api, authorization: str) -> None:
    response = api.client.get("/users", headers={"Authorization": authorization})
    assert response.status_code == 401, response.text


def test_a_token_with_a_wrong_secret_is_refused(api: Api) -> None:
    # given the admin's token with its last character changed
    token = api.tokens["admin"]
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    # then it is refused
    response = api.client.get("/users", headers={"Authorization": f"Bearer {forged}"})
    assert response.status_code == 401


# -- OPTIONS (CORS preflight): the framework adds a handler on every path ------------------------

ONE_PER_PATH = list({e.template: e for e in ENDPOINTS}.values())


@pytest.mark.parametrize(
    "endpoint", [e for e in ONE_PER_PATH if e.roles is PUBLIC], ids=lambda e: e.template
)
def test_options_on_a_public_route_answers_without_a_token(
    matrix_api: Api, endpoint: Endpoint
) -> None:
    path, _ = endpoint.call(build_world(matrix_api.casework))
    assert matrix_api.client.options(path).status_code == 204


@pytest.mark.parametrize(
    "endpoint", [e for e in ONE_PER_PATH if e.roles is not PUBLIC], ids=lambda e: e.template
)
def test_options_on_a_guarded_route_is_never_a_500(matrix_api: Api, endpoint: Endpoint) -> None:
    # given a concrete path of a guarded route
    path, _ = endpoint.call(build_world(matrix_api.casework))
    # when a browser sends its CORS preflight (no token), or a client asks with a token
    anonymous = matrix_api.client.options(path)
    with_token = matrix_api.client.options(path, headers=matrix_api.headers("admin"))
    # then neither is a server error ("never a 500 for anything a client sent")
    assert anonymous.status_code in (204, 401), anonymous.text
    assert with_token.status_code in (204, 401), with_token.text
