"""Hostile input on every POST route: refused with a 4xx problem document, or stored verbatim.

The routes come from the built app (as in test_access_matrix.py), and each gets a valid body
from that file's table, so a new POST endpoint fails here until it has one. Against each:

- a body over 1 MiB answers 413; nesting past the decoder's depth and invalid UTF-8 answer 400;
- a huge integer in any integer field, negative money in any `*_idr` field and an unknown field
  answer 422;
- injection strings (SQL, HTML, a path, NUL and other control characters, 10,000 characters,
  right-to-left text and emoji) in every text field of the valid body answer a 4xx problem
  document, or a 2xx after which the text is stored exactly as sent (in the answer, or in the
  decoded events the request wrote). Never a 5xx.

A POST that takes no body (a revocation) still refuses a body over 1 MiB or one that is not
JSON. And a client that disconnects before its body is read leaves no answer under its
Idempotency-Key (found by tests/faults/test_postgres_restart.py).

After every refused request the store is as it was: the same head position, and the same
number of rows in every table.
"""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from api_client import Api, source_body
from test_access_matrix import ENDPOINTS, Endpoint, build_world, routes_of

from casework.http.app import create_litestar
from casework.projections import tracking
from casework.projections.registry import all_projections

POSTS = [e for e in ENDPOINTS if e.method == "POST"]
PROBLEM = "application/problem+json"
HOSTILE_TEXT = {
    "sql": "'; DROP TABLE stored_events; --",
    "sql-or": "x' OR '1'='1",
    "html": "<script>alert(1)</script>",
    "path": "../../etc/passwd",
    "nul": "a\x00b",
    "controls": "\x01\x07\x08\x1b[31m\r\n\t\x7f",
    "long": "x" * 10_000,
    "rtl-emoji": "\u202emaria\u202c 👩‍👧‍👦 مريم",
}
HUGE_INTEGERS = [2**63, 10**30, -(2**63) - 1]


def ids(endpoint: Endpoint) -> str:
    return f"{endpoint.method} {endpoint.template}"


# -- the store, to show a refusal wrote nothing ---------------------------------------------------


def store_state(api: Api) -> tuple[int, dict[str, int]]:
    """The head position, and the row count of every table once the read models reach it."""
    head = api.casework.event_recorder.max_notification_id() or 0
    deadline = time.monotonic() + 30
    names = {projection.name for projection in all_projections()}
    while not caught_up(tracking.positions(api.casework.db), names, head):
        assert time.monotonic() < deadline, "the read models never reached the head"
        time.sleep(0.01)
    with api.casework.db.transaction() as tx:
        tx.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        tables = [str(row[0]) for row in tx.fetchall()]
        counts: dict[str, int] = {}
        for table in tables:
            tx.execute(f'SELECT count(*) FROM "{table}"')
            row = tx.fetchone()
            counts[table] = int(row[0]) if row else 0
    return head, counts


def caught_up(positions: dict[str, int], names: set[str], head: int) -> bool:
    return all(positions.get(name, 0) >= head for name in names)


def assert_problem(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    assert response.json()["status"] == status


def post_raw(api: Api, path: str, content: bytes) -> httpx.Response:
    headers = api.headers("admin")
    headers["Content-Type"] = "application/json"
    return api.client.post(path, content=content, headers=headers)


@pytest.fixture
def world_call(api: Api) -> Iterator[Any]:
    def call(endpoint: Endpoint) -> tuple[str, Any]:
        return endpoint.call(build_world(api.casework))

    yield call


# -- walking a body --------------------------------------------------------------------------------

Path = tuple[str | int, ...]


def leaves(value: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from leaves(item, (*path, key))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value):
            yield from leaves(item, (*path, index))
    else:
        yield path, value


def replaced(body: Any, path: Path, value: Any) -> Any:
    copy = json.loads(json.dumps(body))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return copy


def strings_in(value: Any) -> Iterator[str]:
    for _, leaf in leaves(value):
        if isinstance(leaf, str):
            yield leaf


# -- the routes ----------------------------------------------------------------------------------


def test_every_served_post_route_is_attacked(api: Api) -> None:
    served = routes_of(create_litestar(api.casework.settings, api.casework))
    posts = {key for key in served if key[0] == "POST"}
    assert posts == {e.key for e in POSTS}


# -- malformed bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize("endpoint", POSTS, ids=ids)
def test_an_oversized_body_is_refused_with_413(
    api: Api, world_call: Any, endpoint: Endpoint
) -> None:
    path, body = world_call(endpoint)
    before = store_state(api)
    padded = dict(body or {}, padding="x" * (1024 * 1024 + 1))
    assert_problem(post_raw(api, path, json.dumps(padded).encode()), 413)
    assert store_state(api) == before


@pytest.mark.parametrize("endpoint", POSTS, ids=ids)
@pytest.mark.parametrize(
    "content",
    [
        pytest.param(b"[" * 5000 + b"]" * 5000, id="deep-list"),
        pytest.param(b'{"a":' * 5000 + b"1" + b"}" * 5000, id="deep-object"),
        pytest.param(b'{"name": "\xff\xfe\xc0\xaf"}', id="invalid-utf8"),
        pytest.param(b'{"name": "a\xed\xa0\x80b"}', id="surrogate-utf8"),
    ],
)
def test_a_body_that_is_not_json_is_refused_with_400(
    api: Api, world_call: Any, endpoint: Endpoint, content: bytes
) -> None:
    path, _ = world_call(endpoint)
    before = store_state(api)
    assert_problem(post_raw(api, path, content), 400)
    assert store_state(api) == before


def bodies_with_fields(kind: str) -> list[Any]:
    """(endpoint, path in its body) for every integer field, or every `*_idr` field."""
    cases = []
    for endpoint in POSTS:
        sample = endpoint.call(SAMPLE_WORLD)[1]
        for path, leaf in leaves(sample):
            is_int = isinstance(leaf, int) and not isinstance(leaf, bool)
            if is_int and (kind == "int" or str(path[-1]).endswith("_idr")):
                label = ".".join(map(str, path))
                cases.append(pytest.param(endpoint, path, id=f"{ids(endpoint)} {label}"))
    return cases


class _SampleWorld:
    """Stands in for a World when only the shape of a body matters."""

    def __getattr__(self, name: str) -> str:
        return "00000000-0000-4000-8000-000000000000"


SAMPLE_WORLD: Any = _SampleWorld()


@pytest.mark.parametrize(("endpoint", "path"), bodies_with_fields("int"))
@pytest.mark.parametrize("huge", HUGE_INTEGERS, ids=str)
def test_a_huge_integer_is_refused_with_422(
    api: Api, world_call: Any, endpoint: Endpoint, path: Path, huge: int
) -> None:
    url, body = world_call(endpoint)
    before = store_state(api)
    assert_problem(api.post(url, replaced(body, path, huge)), 422)
    assert store_state(api) == before


@pytest.mark.parametrize(("endpoint", "path"), bodies_with_fields("idr"))
@pytest.mark.parametrize("money", [-1, -15_000], ids=str)
def test_negative_money_is_refused_with_422(
    api: Api, world_call: Any, endpoint: Endpoint, path: Path, money: int
) -> None:
    url, body = world_call(endpoint)
    before = store_state(api)
    assert_problem(api.post(url, replaced(body, path, money)), 422)
    assert store_state(api) == before


@pytest.mark.parametrize("endpoint", [e for e in POSTS if e.call(SAMPLE_WORLD)[1]], ids=ids)
def test_an_unknown_field_is_refused_with_422(
    api: Api, world_call: Any, endpoint: Endpoint
) -> None:
    url, body = world_call(endpoint)
    before = store_state(api)
    response = api.post(url, dict(body, is_admin=True))
    assert_problem(response, 422)
    assert "is_admin" in response.text
    assert store_state(api) == before


# -- injection strings ---------------------------------------------------------------------------


def text_fields() -> list[Any]:
    cases = []
    for endpoint in POSTS:
        sample = endpoint.call(SAMPLE_WORLD)[1]
        for path, leaf in leaves(sample):
            if isinstance(leaf, str):
                label = ".".join(map(str, path))
                cases.append(pytest.param(endpoint, path, id=f"{ids(endpoint)} {label}"))
    return cases


@pytest.mark.parametrize(("endpoint", "path"), text_fields())
def test_injection_strings_are_refused_or_stored_verbatim(
    api: Api, endpoint: Endpoint, path: Path
) -> None:
    for name, text in HOSTILE_TEXT.items():
        world = build_world(api.casework)
        url, body = endpoint.call(world)
        before = store_state(api)
        response = api.post(url, replaced(body, path, text))
        assert response.status_code < 500, (name, response.text[:500])
        if response.status_code >= 400:
            assert_problem(response, response.status_code)
            assert store_state(api) == before, name
        else:
            assert 200 <= response.status_code < 300, (name, response.status_code)
            # the text is stored exactly as sent: in the answer, or in the events it wrote
            stored = set(strings_in(response.json())) | set(strings_in(events_after(api, before)))
            assert text in stored, (name, path, response.text[:500])


def events_after(api: Api, before: tuple[int, dict[str, int]]) -> list[Any]:
    """The events stored after `before`, decoded (and decrypted) as the application reads them."""
    head = before[0]
    notifications = api.casework.event_recorder.select_notifications(start=head + 1, limit=100)
    events = [api.casework.mapper.to_domain_event(n) for n in notifications]
    return [dataclasses.asdict(event) for event in events]


# -- a client that leaves ------------------------------------------------------------------------


def test_a_client_that_leaves_before_its_body_is_read_leaves_nothing_under_its_key(
    api: Api,
) -> None:
    """uvicorn answers `http.disconnect` to a client that has gone, even with its body whole.

    Found under a PostgreSQL outage: a client timed out while authentication waited for a
    connection, the middleware then read an empty body, answered 400 and kept that under the
    key, and the client's retry with its real body got 422 `idempotency-key-reused`.
    """
    body = source_body()
    headers = [
        (b"authorization", f"Bearer {api.tokens['admin']}".encode()),
        (b"idempotency-key", b"gone-1"),
        (b"content-type", b"application/json"),
    ]
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": "/funding-sources",
        "raw_path": b"/funding-sources",
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("testserver", 80),
        "state": {},
    }
    sent: list[Any] = []

    async def gone() -> Any:
        return {"type": "http.disconnect"}

    async def send(message: Any) -> None:
        sent.append(message)

    before = store_state(api)
    with api.client.portal() as portal:
        portal.call(api.client.app, scope, gone, send)
    assert [m for m in sent if m["type"] == "http.response.start"] == []
    assert store_state(api) == before
    # the client's retry with its real body is run as the first request under the key
    retried = api.post("/funding-sources", body, Idempotency_Key="gone-1")
    assert retried.status_code == 201, retried.text
