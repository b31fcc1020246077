"""Production roles on PostgreSQL: the owner migrates, a role without DDL rights serves.

The service role gets exactly `SERVICE_GRANTS` (README.md, "Production roles on PostgreSQL",
copies them): no ownership, no CREATE. The stored events refuse UPDATE, DELETE and TRUNCATE by
trigger for every role, the owner and the superuser included.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

import psycopg
import pytest
from api_client import Api, delivery_body, family_body, member_body, running_api, source_body
from psycopg import sql

from casework.projections import tracking
from casework.projections.registry import all_projections
from casework.projections.runner import ProjectionRunner
from casework.service import Casework
from casework.settings import Settings
from casework.store.bootstrap import migrate_store
from conftest import postgres_settings

pytestmark = pytest.mark.postgres

# What the service role needs, for a schema migrated by its owner (run again after each
# `casework migrate` that adds tables). UPDATE on stored_events is there only because
# `LOCK TABLE stored_events IN EXCLUSIVE MODE` requires it; the triggers refuse the UPDATE itself.
SERVICE_GRANTS = (
    "GRANT USAGE ON SCHEMA {schema} TO {role}",
    "GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
    "REVOKE DELETE ON {schema}.stored_events FROM {role}",
    "REVOKE INSERT, UPDATE, DELETE ON {schema}.master_key_check, {schema}._yoyo_migration, "
    "{schema}._yoyo_log, {schema}._yoyo_version, {schema}.yoyo_lock FROM {role}",
)
REWRITES = {
    "UPDATE": "UPDATE stored_events SET topic = topic",
    "DELETE": "DELETE FROM stored_events",
    "TRUNCATE": "TRUNCATE stored_events",
}


@dataclass(frozen=True)
class Roles:
    owner: Settings  # the migration role (here the superuser `postgres`)
    service: Settings  # the restricted role, with CASEWORK_MIGRATE_DATABASE_URL unset
    schema: str
    role: str


def as_user(url: str, user: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=f"{user}@{parts.hostname}:{parts.port or 5432}").geturl()


def grant(
    conn: psycopg.Connection[object], schema: str, role: str, statements: tuple[str, ...]
) -> None:
    names = {"schema": sql.Identifier(schema), "role": sql.Identifier(role)}
    for statement in statements:
        conn.execute(sql.SQL(statement).format(**names))


@contextmanager
def service_role(owner_url: str, schema: str) -> Iterator[str]:
    """A login role holding `SERVICE_GRANTS` on the schema; dropped afterwards."""
    role = f"cw_service_{secrets.token_hex(4)}"
    with psycopg.connect(owner_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN").format(sql.Identifier(role)))
        try:
            grant(conn, schema, role, SERVICE_GRANTS)
            yield role
        finally:
            # Its sessions must be gone first (the pool closes them with the app).
            conn.execute(sql.SQL("DROP OWNED BY {}").format(sql.Identifier(role)))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(role)))


@pytest.fixture
def roles(postgres_url: str) -> Iterator[Roles]:
    owner = postgres_settings(postgres_url, f"roles_{secrets.token_hex(3)}")
    migrate_store(owner)
    schema = owner.database.postgres_schema
    assert schema is not None
    with service_role(postgres_url, schema) as role:
        service = replace(owner, database_url=as_user(owner.database_url, role))
        yield Roles(owner, service, schema, role)


@pytest.fixture
def service_api(roles: Roles) -> Iterator[Api]:
    app = Casework(roles.service)
    try:
        with running_api(app) as api:
            yield api
    finally:
        app.close()


def privileges(roles: Roles) -> tuple[bool, bool, bool]:
    """(owns a table, may CREATE in the schema, may CREATE in the database)."""
    with psycopg.connect(roles.owner.database.postgres_conninfo) as conn:
        row = conn.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_tables WHERE schemaname = %s AND tableowner = %s), "
            "has_schema_privilege(%s, %s, 'CREATE'), "
            "has_database_privilege(%s, current_database(), 'CREATE')",
            (roles.schema, roles.role, roles.role, roles.schema, roles.role),
        ).fetchone()
    assert row is not None
    return row[0], row[1], row[2]


def event_count(settings: Settings) -> int:
    location = settings.database
    with psycopg.connect(location.postgres_conninfo) as conn:
        conn.execute(
            sql.SQL("SET search_path = {}").format(
                sql.Identifier(location.postgres_schema or "public")
            )
        )
        row = conn.execute("SELECT count(*) FROM stored_events").fetchone()
    return int(row[0]) if row else 0


def refusal(settings: Settings, statement: str) -> str:
    """The error a rewrite of the stored events gets when `settings`' role tries it."""
    location = settings.database
    with psycopg.connect(location.postgres_conninfo) as conn:
        conn.execute(
            sql.SQL("SET search_path = {}").format(
                sql.Identifier(location.postgres_schema or "public")
            )
        )
        with pytest.raises(psycopg.Error) as refused:
            conn.execute(statement)
        conn.rollback()
    return str(refused.value)


def test_the_service_role_has_no_ddl_rights_and_serves_everything(
    roles: Roles, service_api: Api
) -> None:
    # given a schema migrated by its owner, and a service role that owns nothing there
    assert privileges(roles) == (False, False, False)
    # when a family is registered, a source opened and aid delivered, as the service role
    body = family_body(member_body(), member_body("anak", sex="L"))
    family = service_api.post("/families", body, who="kader", Idempotency_Key="reg-1")
    assert family.status_code == 201, family.text
    source = service_api.post("/funding-sources", source_body(), who="finance")
    assert source.status_code == 201, source.text
    delivery = delivery_body(source.json()["id"], recipient_nik=body["members"][0]["nik"])
    path = f"/families/{family.json()['id']}/aid-deliveries"
    delivered = service_api.post(path, delivery, who="kader", Idempotency_Key="aid-1")
    assert delivered.status_code == 201, delivered.text
    # then it reads back: the family, its kept answer, and every read model (run by this role)
    read = service_api.get(f"/families/{family.json()['id']}").json()
    assert [d["delivery_id"] for d in read["aid_deliveries"]] == [delivery["delivery_id"]]
    assert read["members"][0]["name"] == body["members"][0]["name"]
    replay = service_api.post(path, delivery, who="kader", Idempotency_Key="aid-1")
    assert replay.status_code == 201 and replay.json() == delivered.json()
    at = delivered.json()["position"]
    report = service_api.get(f"/reconciliation?min_position={at}", who="finance")
    assert report.status_code == 200, report.text
    assert report.json()["totals"]["drawn_idr"] == 60_000
    trail = service_api.get(f"/audit-trail?min_position={at}&limit=500", who="auditor").json()
    assert [item["position"] for item in trail["items"]] == list(range(1, at + 1))
    listed = service_api.get(f"/families?min_position={at}").json()["items"]
    assert [f["id"] for f in listed] == [family.json()["id"]]
    assert service_api.get("/audit/verify", who="auditor").json()["ok"] is True
    assert event_count(roles.owner) == at


def test_an_erasure_as_the_service_role_stands_and_reports_the_purge_it_could_not_do(
    roles: Roles, service_api: Api
) -> None:
    # given a family, served by the restricted role (no CASEWORK_MIGRATE_DATABASE_URL)
    family = service_api.post("/families", family_body(), who="kader").json()
    # when the admin erases its personal data
    erased = service_api.post(
        f"/families/{family['id']}/erasure",
        {"reason": "permintaan subjek data", "request_reference": "PDP-2025-9"},
    )
    # then the erasure stands (200, the names gone) ...
    assert erased.status_code == 200, erased.text
    assert erased.json()["members"][0]["name"] is None
    # ... and the purge, which needs the owner, says what it could not do instead of failing
    purge = service_api.casework.purge_personal_data()
    assert purge.done == ()
    assert any("pg_read_all_stats" in step for step in purge.failed), purge.failed
    assert any("family_keys" in step and "owner" in step for step in purge.failed), purge.failed
    # while the owner, as the migration role, purges every table
    owner = Casework(replace(roles.service, migrate_database_url=roles.owner.database_url))
    try:
        by_owner = owner.purge_personal_data()
    finally:
        owner.close()
    assert by_owner.failed == ()
    assert "VACUUM (FULL, ANALYZE) family_keys" in by_owner.done


def test_the_service_role_rebuilds_every_read_model(roles: Roles, service_api: Api) -> None:
    # given a history served by the restricted role, its read models caught up
    family = service_api.post("/families", family_body(), who="kader").json()
    source = service_api.post("/funding-sources", source_body(), who="finance").json()
    delivery = delivery_body(source["id"])
    path = f"/families/{family['id']}/aid-deliveries"
    at = service_api.post(path, delivery, who="kader").json()["position"]
    trail = service_api.get(f"/audit-trail?min_position={at}&limit=500", who="auditor").json()
    # when that role rebuilds each read model (`casework project rebuild NAME`), which it
    # may not TRUNCATE: only SELECT, INSERT, UPDATE and DELETE are granted
    runner = ProjectionRunner(service_api.casework, all_projections())
    for projection in all_projections():
        # (the app's own follower may apply some of the events meanwhile: no count to check)
        runner.rebuild(projection)
    # then each is back at the head, with the same rows as before
    assert all(position == at for position in tracking.positions(service_api.casework.db).values())
    again = service_api.get(f"/audit-trail?min_position={at}&limit=500", who="auditor").json()
    assert again == trail
    report = service_api.get(f"/reconciliation?min_position={at}", who="finance").json()
    assert report["totals"]["drawn_idr"] == 60_000


@pytest.mark.parametrize("operation", sorted(REWRITES))
@pytest.mark.parametrize("who", ["service", "service-granted-everything", "owner-superuser"])
def test_stored_events_refuse_rewrites_for_every_role(
    roles: Roles, service_api: Api, who: str, operation: str
) -> None:
    # given a stored history
    assert service_api.post("/families", family_body(), who="kader").status_code == 201
    before = event_count(roles.owner)
    settings = roles.owner if who == "owner-superuser" else roles.service
    if who == "service-granted-everything":
        with psycopg.connect(roles.owner.database.postgres_conninfo, autocommit=True) as conn:
            grant(
                conn, roles.schema, roles.role, ("GRANT ALL ON {schema}.stored_events TO {role}",)
            )
    # when the role tries to rewrite it
    error = refusal(settings, REWRITES[operation])
    # then the trigger refuses (the plain service role may be refused by its privileges first)
    privilege_first = who == "service" and operation != "UPDATE"
    expected = "permission denied" if privilege_first else f"append-only: {operation} refused"
    assert expected in error
    assert event_count(roles.owner) == before


def test_the_insert_lock_needs_update_on_the_stored_events(roles: Roles) -> None:
    # given the service role without UPDATE on the stored events
    with psycopg.connect(roles.owner.database.postgres_conninfo, autocommit=True) as conn:
        grant(
            conn, roles.schema, roles.role, ("REVOKE UPDATE ON {schema}.stored_events FROM {role}",)
        )
    # when it takes the insert lock, then PostgreSQL refuses it
    error = refusal(roles.service, "LOCK TABLE stored_events IN EXCLUSIVE MODE")
    assert "permission denied" in error


def test_an_owner_given_its_schema_migrates_without_create_on_the_database(
    postgres_url: str,
) -> None:
    # given a schema the DBA created for a non-superuser owner, with nothing else granted
    settings = postgres_settings(postgres_url, f"owner_{secrets.token_hex(3)}")
    schema = settings.database.postgres_schema
    assert schema is not None
    owner = f"cw_owner_{secrets.token_hex(4)}"
    names = {"schema": sql.Identifier(schema), "role": sql.Identifier(owner)}
    with psycopg.connect(postgres_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {role} LOGIN").format(**names))
        conn.execute(sql.SQL("CREATE SCHEMA {schema} AUTHORIZATION {role}").format(**names))
        try:
            # when it runs `casework migrate`, then the schema is migrated
            migrate_store(replace(settings, database_url=as_user(settings.database_url, owner)))
            assert event_count(settings) == 0
        finally:
            conn.execute(sql.SQL("DROP SCHEMA {schema} CASCADE").format(**names))
            conn.execute(sql.SQL("DROP ROLE {role}").format(**names))
