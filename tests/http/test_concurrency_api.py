"""Requests that really overlap, on PostgreSQL: budgets are never overdrawn, pins never both win.

Each request runs through its own TestClient (its own event loop and thread) over the one app.
To be sure they overlap, the test takes the store's insert lock first and lets go only once
every request is waiting for it: all of them have read the same state and decided on it. That
is the race between processes (two servers, an import beside a server): within one process,
commands on one aggregate take turns and never get that far together, so while the lock is
held here they are told to race as separate processes would.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from threading import Barrier
from typing import Any

import httpx
import psycopg
import pytest
from api_client import Api, delivery_body, source_body
from litestar.testing import TestClient

from builders import register
from casework.store.database import postgres_connect_kwargs
from waiting import wait_until

pytestmark = pytest.mark.postgres
THREADS = 8
# How long to wait for requests to queue up on the lock before calling the test broken.
QUEUE_TIMEOUT_S = 60

Send = Callable[[TestClient[Any]], httpx.Response]


class InsertLock:
    """The store's insert lock, held by the test on a connection of its own."""

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self.connection = connection

    def waiting(self) -> int:
        row = self.connection.execute(
            "SELECT count(*) FROM pg_locks WHERE relation = 'stored_events'::regclass "
            "AND NOT granted"
        ).fetchone()
        assert row is not None
        return int(row[0])

    def wait_for(self, writers: int) -> None:
        """Until `writers` transactions are queued behind the lock."""
        self.wait_until(
            lambda: self.waiting() >= writers, f"{writers} writers queue behind the lock"
        )

    def wait_until(self, condition: Callable[[], bool], what: str) -> None:
        wait_until(condition, what, timeout_s=QUEUE_TIMEOUT_S, every_s=0.005)


@contextmanager
def insert_lock_held(api: Api, *, taking_turns: bool = False) -> Iterator[InsertLock]:
    """Hold the lock every event insert takes; it is let go when the block ends."""
    location = api.casework.db.location
    kwargs = postgres_connect_kwargs(location)
    turns = api.casework.turns
    # Without turns, requests race as separate processes do: only versions decide.
    turns.enabled = taking_turns
    try:
        with (
            psycopg.connect(location.postgres_conninfo, **kwargs) as connection,
            connection.transaction(),
        ):
            connection.execute("LOCK TABLE stored_events IN EXCLUSIVE MODE")
            yield InsertLock(connection)
    finally:
        turns.enabled = True


def send_together(api: Api, sends: list[Send], app: Any = None) -> list[Future[httpx.Response]]:
    """Start every request at once, each through its own TestClient over the same app."""
    start = Barrier(len(sends))

    def run(send: Send) -> httpx.Response:
        client = TestClient(app or api.client.app)
        start.wait()
        return send(client)

    pool = ThreadPoolExecutor(len(sends))
    futures = [pool.submit(run, send) for send in sends]
    pool.shutdown(wait=False)
    return futures


def results(futures: list[Future[httpx.Response]]) -> list[httpx.Response]:
    return [future.result(timeout=QUEUE_TIMEOUT_S) for future in futures]


def post(api: Api, path: str, body: Any, who: str, **headers: str) -> Send:
    return lambda client: client.post(path, json=body, headers=api.headers(who, **headers))


# Money for five deliveries of 60,000 (`delivery_body`), and a little more.
BUDGET = 5 * 60_000 + 30_000


def source_for_five(api: Api) -> tuple[str, int, list[str]]:
    """A source of BUDGET, its version, and eight families in kader's area."""
    source = api.post("/funding-sources", source_body(budget_idr=BUDGET), who="finance")
    assert source.status_code == 201, source.text
    source_id = str(source.json()["id"])
    families = [str(register(api.casework).aggregate_id) for _ in range(THREADS)]
    version = api.get(f"/funding-sources/{source_id}", who="finance").json()["version"]
    return source_id, int(version), families


def outcomes_of(answers: list[httpx.Response]) -> Counter[str]:
    """How many were delivered, and how many refused, by status and problem type."""
    return Counter(
        "delivered" if a.status_code == 201 else f"{a.status_code} {a.json().get('type')}"
        for a in answers
    )


def test_a_source_pays_for_exactly_the_deliveries_it_can_afford(pg_api: Api) -> None:
    # given a source with money for five deliveries of 60,000 (and a little more), and
    # eight families in kader's area
    source_id, _, families = source_for_five(pg_api)
    # when eight caseworker requests deliver to them from the source at the same moment
    sends = [
        post(pg_api, f"/families/{family}/aid-deliveries", delivery_body(source_id), "kader")
        for family in families
    ]
    with insert_lock_held(pg_api) as lock:
        futures = send_together(pg_api, sends)
        lock.wait_for(THREADS)
    answers = results(futures)
    # then exactly five are delivered and the rest are told the money ran out, never a 500
    assert outcomes_of(answers) == {"delivered": 5, "409 funding-exhausted": THREADS - 5}, answers
    # and the source has drawn exactly what the families received, within its budget
    now = pg_api.get(f"/funding-sources/{source_id}", who="finance").json()
    delivered = [
        d["value_idr"]
        for family in families
        for d in pg_api.get(f"/families/{family}").json()["aid_deliveries"]
    ]
    assert len(delivered) == 5
    assert now["drawn_idr"] == sum(delivered) == 5 * 60_000
    assert now["drawn_idr"] <= now["budget_idr"] == BUDGET
    assert now["balance_idr"] == BUDGET - now["drawn_idr"]


def test_two_changes_pinned_on_one_version_do_not_both_apply(pg_api: Api) -> None:
    # given a family at version 1
    family = register(pg_api.casework).aggregate_id
    path = f"/families/{family}/welfare-assessments"
    # when two clients each record an assessment pinned on version 1, at the same moment
    sends = [
        post(
            pg_api,
            path,
            {"desil": desil, "source": "PK", "assessed_on": "2025-01-10"},
            "kader",
            If_Match='"1"',
        )
        for desil in (3, 7)
    ]
    with insert_lock_held(pg_api) as lock:
        futures = send_together(pg_api, sends)
        lock.wait_for(2)
    answers = results(futures)
    # then one applies and the other is told its version is stale
    assert sorted(a.status_code for a in answers) == [200, 412], [a.text for a in answers]
    winner = next(a for a in answers if a.status_code == 200)
    loser = next(a for a in answers if a.status_code == 412)
    assert loser.headers["etag"] == '"2"'
    now = pg_api.get(f"/families/{family}").json()
    assert now["version"] == 2
    assert now["welfare_desil"] == winner.json()["welfare_desil"]


def test_unpinned_changes_on_one_family_all_apply(pg_api: Api) -> None:
    # given a family at version 1
    family = register(pg_api.casework).aggregate_id
    path = f"/families/{family}/welfare-assessments"
    body = {"desil": 4, "source": "local", "assessed_on": "2025-01-10"}
    # when four clients record an assessment at the same moment, none pinning a version
    with insert_lock_held(pg_api) as lock:
        futures = send_together(pg_api, [post(pg_api, path, body, "kader") for _ in range(4)])
        lock.wait_for(4)
    answers = results(futures)
    # then the losers of each race are retried on fresh state, and all of them apply
    assert [a.status_code for a in answers] == [200] * 4, [a.text for a in answers]
    assert sorted(a.json()["version"] for a in answers) == [2, 3, 4, 5]
    assert pg_api.get(f"/families/{family}").json()["version"] == 5


def test_deliveries_of_one_process_take_turns_on_the_source(pg_api: Api) -> None:
    # given a source with money for five deliveries of 60,000, and eight families
    source_id, before, families = source_for_five(pg_api)
    # when eight requests deliver from it at once through one process, taking turns on it
    sends = [
        post(pg_api, f"/families/{family}/aid-deliveries", delivery_body(source_id), "kader")
        for family in families
    ]
    answers = results(send_together(pg_api, sends))
    # then the outcome is the one the race between processes gives: five, and no more
    assert outcomes_of(answers) == {"delivered": 5, "409 funding-exhausted": THREADS - 5}, answers
    now = pg_api.get(f"/funding-sources/{source_id}", who="finance").json()
    assert now["drawn_idr"] == 5 * 60_000
    # and each delivery moved the source by exactly one version
    assert now["version"] == before + 5


def test_deliveries_queued_behind_a_commit_decide_on_it_and_commit_together(pg_api: Api) -> None:
    # given a source with money for five deliveries of 60,000, and eight families
    source_id, before, families = source_for_five(pg_api)
    groups = pg_api.casework.groups
    assert groups is not None
    committed = (groups.writes_committed, groups.groups_committed)
    # when eight deliveries under Idempotency-Keys arrive while the first one's commit waits
    # for the insert lock
    sends = [
        post(
            pg_api,
            f"/families/{family}/aid-deliveries",
            delivery_body(source_id),
            "kader",
            Idempotency_Key=f"grouped-{n}",
        )
        for n, family in enumerate(families)
    ]
    with insert_lock_held(pg_api, taking_turns=True) as lock:
        futures = send_together(pg_api, sends)
        lock.wait_for(1)
        # the others decide on its queued result: four more fit the budget and queue behind
        # it, and three are refused without waiting for any commit (the budget is spent only
        # once the five are queued)
        lock.wait_until(lambda: sum(f.done() for f in futures) == 3, "three are refused")
    answers = results(futures)
    # then the outcome is the one taking turns gives: five delivered, three refused
    assert outcomes_of(answers) == {"delivered": 5, "409 funding-exhausted": THREADS - 5}, answers
    now = pg_api.get(f"/funding-sources/{source_id}", who="finance").json()
    assert (now["drawn_idr"], now["version"]) == (5 * 60_000, before + 5)
    # and the five were committed in two transactions: the first, then the four behind it
    assert (groups.writes_committed, groups.groups_committed) == (
        committed[0] + 5,
        committed[1] + 2,
    )
    # and each answer was kept with its events: resending its key gives it back
    for send, answer in zip(sends, answers, strict=True):
        again = send(pg_api.client)
        assert (again.status_code, again.json()) == (answer.status_code, answer.json())
    assert pg_api.get(f"/funding-sources/{source_id}", who="finance").json()["version"] == (
        before + 5
    )
