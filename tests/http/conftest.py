"""HTTP fixtures: the API over a migrated store, with a token for each kind of user."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from api_client import Api, running_api

from casework.service import Casework


@pytest.fixture
def api(sqlite_app: Casework) -> Iterator[Api]:
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
