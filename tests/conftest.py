"""Fixtures: a migrated store on SQLite (a temp file) and on PostgreSQL (a schema per test).

PostgreSQL tests skip when no server answers, except under CI (`CI` set), where a missing
server is a loud failure: those tests must run there.
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from api_client import Api, running_api
from psycopg import sql

from casework.service import Casework
from casework.settings import Settings
from casework.store.bootstrap import migrate_store

POSTGRES_URL = os.environ.get(
    "CASEWORK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
RUN_ID = secrets.token_hex(4)
_created_schemas: list[str] = []


def _postgres_available() -> str | None:
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=3) as conn:
            conn.execute("SELECT 1")
    except psycopg.Error as error:
        return str(error)
    return None


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    problem = _postgres_available()
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL is required under CI but unreachable: {problem}")
        pytest.skip(f"PostgreSQL unreachable: {problem}")
    yield POSTGRES_URL
    with psycopg.connect(POSTGRES_URL, autocommit=True) as conn:
        for schema in _created_schemas:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def _fresh_master_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def sqlite_settings(tmp_path: Path) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'casework.db'}")


def postgres_settings(postgres_url: str, name: str) -> Settings:
    schema = f"cw_test_{RUN_ID}_{name}"[:63]
    _created_schemas.append(schema)
    return Settings(database_url=f"{postgres_url}?schema={schema}", master_key=_fresh_master_key())


@pytest.fixture
def sqlite_app(tmp_path: Path) -> Iterator[Casework]:
    settings = sqlite_settings(tmp_path)
    migrate_store(settings)
    app = Casework(settings)
    yield app
    app.close()


_counter = iter(range(10**9))


@pytest.fixture
def postgres_app(postgres_url: str) -> Iterator[Casework]:
    settings = postgres_settings(postgres_url, str(next(_counter)))
    migrate_store(settings)
    app = Casework(settings)
    yield app
    app.close()


@pytest.fixture
def api(sqlite_app: Casework) -> Iterator[Api]:
    """The HTTP API over a SQLite store, with a token for each kind of user."""
    with running_api(sqlite_app) as running:
        yield running


@pytest.fixture
def pg_api(postgres_app: Casework) -> Iterator[Api]:
    with running_api(postgres_app) as running:
        yield running


@pytest.fixture(params=["sqlite", "postgres"])
def any_api(request: pytest.FixtureRequest) -> Iterator[Api]:
    """The same HTTP test on both backends."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    casework: Casework = request.getfixturevalue(f"{request.param}_app")
    with running_api(casework) as running:
        yield running


@pytest.fixture(params=["sqlite", "postgres"])
def app(request: pytest.FixtureRequest) -> Casework:
    """The same application tests, unchanged, on both backends."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
    fixture: Casework = request.getfixturevalue(f"{request.param}_app")
    return fixture
