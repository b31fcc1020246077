"""Group commit through the application, on SQLite and PostgreSQL: deliveries on one source
decide on each other's queued results, and the outcome is the one committing in turn gives."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from uuid import UUID, uuid4

import pytest

from builders import CAUSE, deliver, open_source, register
from casework.aggregates.family import Family
from casework.aggregates.funding_source import FundingSource
from casework.errors import Conflict
from casework.service import Casework
from casework.store.chain_check import verify_chain
from casework.store.commit_groups import CommitGroups
from casework.store.recorder import Write
from waiting import wait_until

WAIT_S = 30
DELIVERY_IDR = 60_000  # what `builders.pads()` is worth


def groups_of(app: Casework) -> CommitGroups:
    assert app.groups is not None
    return app.groups


@contextmanager
def first_commit_held(app: Casework, until_written: int) -> Iterator[None]:
    """The first commit waits until it and the writes queued behind it number `until_written`
    (it may hold one or two: the next command may queue before the first takes the lead)."""
    groups = groups_of(app)
    write_groups = groups._write_groups
    held = threading.Event()

    def write_after_the_queue_fills(writes: Sequence[Write]) -> list[list[int]]:
        if not held.is_set():
            held.set()
            wait_until(
                lambda: len(writes) + len(groups._queue) >= until_written,
                f"{until_written} writes are queued",
                timeout_s=WAIT_S,
            )
        return write_groups(writes)

    groups._write_groups = write_after_the_queue_fills
    try:
        yield
    finally:
        groups._write_groups = write_groups


def outcome(future: Future[object]) -> str:
    try:
        future.result(WAIT_S)
    except Conflict as refused:
        return refused.kind
    return "delivered"


def deliver_all(
    app: Casework, source_id: UUID, families: list[UUID], delivery_ids: list[UUID]
) -> list[str]:
    with ThreadPoolExecutor(len(families)) as pool:
        futures = [
            pool.submit(deliver, app, family, source_id, delivery_id=delivery_id)
            for family, delivery_id in zip(families, delivery_ids, strict=True)
        ]
        return [outcome(future) for future in futures]


def test_deliveries_behind_a_commit_draw_exactly_the_budget(app: Casework) -> None:
    # given a source with money for eight deliveries, and twelve families
    source = open_source(app, budget_idr=8 * DELIVERY_IDR + DELIVERY_IDR // 2)
    families = [register(app).aggregate_id for _ in range(12)]
    groups = groups_of(app)
    before = (groups.writes_committed, groups.groups_committed)
    # when all twelve deliver at once while the first commit waits for the rest behind it
    with first_commit_held(app, until_written=8):
        outcomes = deliver_all(app, source.aggregate_id, families, [uuid4() for _ in families])
    # then eight are delivered and four refused, in two transactions
    assert Counter(outcomes) == {"delivered": 8, "funding-exhausted": 4}
    assert (groups.writes_committed - before[0], groups.groups_committed - before[1]) == (8, 2)
    # and the source moved one version per delivery and drew exactly their value
    funded = app.load(FundingSource, source.aggregate_id)
    assert funded.version == source.version + 8
    assert funded.drawn_idr == 8 * DELIVERY_IDR
    delivered = [f for f in families if app.load(Family, f).deliveries]
    assert len(delivered) == 8
    # and the chain over every position is whole
    assert verify_chain(app.db).ok


def test_a_taken_delivery_id_in_a_group_refuses_only_its_own_delivery(app: Casework) -> None:
    # given a delivery id that a first delivery will take, and a second family reusing it
    source = open_source(app, budget_idr=100 * DELIVERY_IDR)
    families = [register(app).aggregate_id for _ in range(5)]
    reused = uuid4()
    delivery_ids = [reused, uuid4(), reused, uuid4(), uuid4()]
    # when all five deliver at once, the other four queued behind the first commit
    with first_commit_held(app, until_written=5):
        outcomes = deliver_all(app, source.aggregate_id, families, delivery_ids)
    # then the group that held the reused id failed, and every delivery in it decided again on
    # committed state: only the reused id is refused
    assert Counter(outcomes) == {"delivered": 4, "duplicate-delivery": 1}
    assert outcomes[2] == "duplicate-delivery" or outcomes[0] == "duplicate-delivery"
    funded = app.load(FundingSource, source.aggregate_id)
    assert (funded.version, funded.drawn_idr) == (source.version + 4, 4 * DELIVERY_IDR)
    assert verify_chain(app.db).ok


def test_turned_off_every_command_commits_alone_and_the_rules_hold(app: Casework) -> None:
    # given group commit turned off
    app.groups = None
    source = open_source(app)
    family = register(app).aggregate_id
    # when a delivery is recorded, then its events are the last in the store
    saved = deliver(app, family, source.aggregate_id)
    assert saved.position == app.event_recorder.max_notification_id()
    # and its delivery id stays taken
    (taken,) = app.load(Family, family).deliveries
    with pytest.raises(Conflict):
        deliver(app, family, source.aggregate_id, delivery_id=taken)


def test_an_erasure_queues_behind_the_delivery_it_decided_on(app: Casework) -> None:
    # given a family with a delivery whose commit is held
    source = open_source(app)
    family = register(app).aggregate_id
    with first_commit_held(app, until_written=2), ThreadPoolExecutor(2) as pool:
        delivered = pool.submit(deliver, app, family, source.aggregate_id)
        wait_until(
            lambda: groups_of(app).queued_state(family) is not None,
            "the delivery is queued",
            timeout_s=WAIT_S,
        )
        # when the family is erased while the delivery waits to be committed
        erased = pool.submit(
            app.erase_family, CAUSE, family, reason="permintaan", request_reference="PDP-1"
        )
        delivery, erasure = delivered.result(WAIT_S), erased.result(WAIT_S)
    # then the erasure decided on the delivery and was committed after it, in its own turn
    assert (delivery.version, erasure.version) == (2, 3)
    records = app.event_records(family)
    assert [r.version for r in records] == [1, 2, 3]
    assert [r.position for r in records] == sorted(r.position for r in records)
    assert erasure.position > delivery.position
    assert verify_chain(app.db).ok
