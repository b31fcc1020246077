"""Idempotency on PostgreSQL: the whole contract, and repeats that really race.

Two kinds of race: repeats through one app (its in-flight set answers the later ones 409
`idempotency-in-progress`) and repeats through two apps over one database, as two server
processes would be (the kept answer's primary key decides, and the loser replays the winner).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from api_client import Api, family_body
from test_concurrency_api import insert_lock_held, post, results, send_together
from test_idempotency import ASSESSMENT, IdempotencyContract, assert_replayed, head

from builders import register
from casework.http.app import create_app

pytestmark = pytest.mark.postgres


class TestIdempotencyOnPostgres(IdempotencyContract):
    @pytest.fixture
    def api(self, pg_api: Api) -> Api:
        return pg_api


def test_a_repeat_while_the_first_waits_gets_409_then_the_replay(pg_api: Api) -> None:
    # given an assessment under a key, stuck behind the insert lock
    family = register(pg_api.casework).aggregate_id
    path = f"/families/{family}/welfare-assessments"
    before = head(pg_api)
    with insert_lock_held(pg_api) as lock:
        [first_future] = send_together(
            pg_api, [post(pg_api, path, ASSESSMENT, "kader", Idempotency_Key="wait")]
        )
        lock.wait_for(1)
        # when the client repeats it while it still runs (from another thread: were it to
        # wait for the lock too, the test fails on a timeout instead of hanging)
        [busy] = results(
            send_together(pg_api, [post(pg_api, path, ASSESSMENT, "kader", Idempotency_Key="wait")])
        )
    [first] = results([first_future])
    # then the repeat is told to wait, the first applies once, and a later repeat replays it
    assert busy.status_code == 409, busy.text
    assert busy.json()["type"] == "idempotency-in-progress"
    assert first.status_code == 200, first.text
    assert head(pg_api) == before + 1
    later = pg_api.post(path, ASSESSMENT, who="kader", Idempotency_Key="wait")
    assert_replayed(first, later)
    assert head(pg_api) == before + 1


def test_repeats_racing_through_one_app_write_once(pg_api: Api) -> None:
    # given a family, and four copies of one request under one key
    family = register(pg_api.casework).aggregate_id
    path = f"/families/{family}/welfare-assessments"
    before = head(pg_api)
    sends = [post(pg_api, path, ASSESSMENT, "kader", Idempotency_Key="burst")] * 4
    # when they are sent at the same moment, and the writes wait until every copy has either
    # been answered or is itself waiting to write
    with insert_lock_held(pg_api) as lock:
        futures = send_together(pg_api, sends)
        lock.wait_until(
            lambda: sum(f.done() for f in futures) + lock.waiting() == len(sends),
            "the copies never all arrived",
        )
    answers = results(futures)
    # then one set of events is written, and every answer is that write's or "in progress"
    assert_one_write_and_its_answers(answers, {200})
    assert head(pg_api) == before + 1
    assert pg_api.get(f"/families/{family}").json()["version"] == 2


@pytest.mark.parametrize("request_kind", ["assessment", "registration"])
def test_repeats_racing_through_two_processes_write_once(pg_api: Api, request_kind: str) -> None:
    # given two apps over one database, each with its own in-flight set (two processes)
    second = create_app(pg_api.casework.settings, pg_api.casework)
    if request_kind == "assessment":
        family = register(pg_api.casework).aggregate_id
        path, body, status = f"/families/{family}/welfare-assessments", ASSESSMENT, 200
    else:
        path, body, status = "/families", family_body(), 201
    send = post(pg_api, path, body, "kader", Idempotency_Key="two-processes")
    before = head(pg_api)
    # when each gets the same request and both have decided before either writes
    with insert_lock_held(pg_api) as lock:
        futures = send_together(pg_api, [send], app=pg_api.client.app)
        futures += send_together(pg_api, [send], app=second)
        lock.wait_for(2)
    answers = results(futures)
    # then one write is stored and both answer with it, byte for byte
    assert [a.status_code for a in answers] == [status, status], [a.text for a in answers]
    assert_replayed(answers[0], answers[1])
    assert head(pg_api) == before + 1


def test_a_write_retried_after_losing_a_race_keeps_the_attempt_that_committed(
    pg_api: Api,
) -> None:
    # given a family, and four different assessments, each under a key of its own
    family = register(pg_api.casework).aggregate_id
    path = f"/families/{family}/welfare-assessments"
    bodies = [{**ASSESSMENT, "desil": desil} for desil in (2, 4, 6, 8)]
    sends = [
        post(pg_api, path, body, "kader", Idempotency_Key=f"retried-{i}")
        for i, body in enumerate(bodies)
    ]
    # when all four have read version 1 before any writes, so three lose and are retried
    with insert_lock_held(pg_api) as lock:
        futures = send_together(pg_api, sends)
        lock.wait_for(len(sends))
    answers = results(futures)
    assert sorted(a.json()["version"] for a in answers) == [2, 3, 4, 5]
    # then each key replays the version and position its committed attempt answered with
    before = head(pg_api)
    for i, (body, first) in enumerate(zip(bodies, answers, strict=True)):
        again = pg_api.post(path, body, who="kader", Idempotency_Key=f"retried-{i}")
        assert_replayed(first, again)
        assert again.json()["welfare_desil"] == body["desil"]
    assert head(pg_api) == before


def assert_one_write_and_its_answers(answers: list[httpx.Response], success: set[int]) -> None:
    """At least one success, all successes identical, the others 409 in progress; no 5xx."""
    statuses = [a.status_code for a in answers]
    assert all(s in success | {409} for s in statuses), [a.text for a in answers]
    done = [a for a in answers if a.status_code in success]
    assert done, statuses
    for other in done[1:]:
        assert_replayed(done[0], other)
    busy: list[Any] = [a.json()["type"] for a in answers if a.status_code == 409]
    assert set(busy) <= {"idempotency-in-progress"}
