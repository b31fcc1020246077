"""Commit groups: queued writes share transactions, and a failure never takes others down."""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from uuid import UUID, uuid4

import psycopg
import pytest
from eventsourcing.persistence import StoredEvent

from casework.store.commit_groups import CommitGroups, DecideAgain
from casework.store.recorder import Write
from waiting import wait_until

WAIT_S = 10


def write_of(events: int = 1, *, label: str = "ok") -> Write:
    aggregate = uuid4()
    return Write([StoredEvent(aggregate, version, label, b"") for version in range(1, events + 1)])


class FakeStore:
    """Numbers the writes of each transaction densely, as the recorder does, and records the
    transactions; the first one can be held back so that others queue behind it."""

    def __init__(
        self, *, fail_when: Callable[[Sequence[Write]], Exception | None] = lambda _: None
    ):
        self.transactions: list[list[Write]] = []
        self.head = 0
        self.hold_first = threading.Event()
        self.hold_first.set()
        self.first_started = threading.Event()
        self.fail_when = fail_when

    def write_groups(self, writes: Sequence[Write]) -> list[list[int]]:
        self.first_started.set()
        self.hold_first.wait(WAIT_S)
        failure = self.fail_when(writes)
        if failure is not None:
            raise failure
        self.transactions.append(list(writes))
        positions = []
        for write in writes:
            positions.append(list(range(self.head + 1, self.head + 1 + len(write.stored_events))))
            self.head += len(write.stored_events)
        return positions


def commit_in_thread(
    pool: ThreadPoolExecutor, groups: CommitGroups, write: Write, read_epoch: int | None = None
) -> Future[list[int]]:
    return pool.submit(groups.commit, write, {}, read_epoch=read_epoch)


def queue_behind_a_held_write(
    store: FakeStore, groups: CommitGroups, pool: ThreadPoolExecutor, writes: list[Write]
) -> tuple[Future[list[int]], list[Future[list[int]]]]:
    """The first write is being committed (and held); the others queue behind it."""
    store.hold_first.clear()
    first = commit_in_thread(pool, groups, write_of())
    assert store.first_started.wait(WAIT_S)
    queued = [commit_in_thread(pool, groups, write) for write in writes]
    wait_until(lambda: len(groups._queue) == len(writes), "the writes queue", timeout_s=WAIT_S)
    store.hold_first.set()
    return first, queued


def test_writes_queued_behind_a_commit_share_the_next_transaction() -> None:
    store = FakeStore()
    groups = CommitGroups(store.write_groups)
    writes = [write_of(2) for _ in range(5)]
    with ThreadPoolExecutor(6) as pool:
        # given a commit in progress and five writes queued behind it
        first, queued = queue_behind_a_held_write(store, groups, pool, writes)
        # then the five commit together, in queue order, with dense positions
        assert first.result(WAIT_S) == [1]
        positions = [future.result(WAIT_S) for future in queued]
    assert [len(t) for t in store.transactions] == [1, 5]
    assert store.transactions[1] == writes
    assert positions == [[2, 3], [4, 5], [6, 7], [8, 9], [10, 11]]
    assert (groups.writes_committed, groups.groups_committed) == (6, 2)


def test_a_group_never_grows_beyond_its_limit() -> None:
    store = FakeStore()
    groups = CommitGroups(store.write_groups, max_group=2)
    with ThreadPoolExecutor(6) as pool:
        first, queued = queue_behind_a_held_write(
            store, groups, pool, [write_of() for _ in range(5)]
        )
        assert [future.result(WAIT_S) for future in [first, *queued]] == [[n] for n in range(1, 7)]
    assert [len(t) for t in store.transactions] == [1, 2, 2, 1]


def test_one_bad_write_gets_its_error_and_the_others_of_its_group_commit() -> None:
    # given a store that refuses any transaction holding one particular write
    bad = write_of(label="bad")
    store = FakeStore(fail_when=lambda writes: ValueError("bad") if bad in writes else None)
    groups = CommitGroups(store.write_groups)
    good = [write_of(), write_of()]
    with ThreadPoolExecutor(4) as pool:
        # when it is queued between two good writes
        first, (before, bad_one, after) = queue_behind_a_held_write(
            store, groups, pool, [good[0], bad, good[1]]
        )
        # then the bad write alone fails, with its own error
        with pytest.raises(ValueError, match="bad"):
            bad_one.result(WAIT_S)
        # and the good ones are committed, each by itself after the failed group
        first.result(WAIT_S)
        before.result(WAIT_S)
        after.result(WAIT_S)
    # (one transaction each, and the bad one never)
    assert [len(t) for t in store.transactions] == [1, 1, 1]
    retried = [t[0] for t in store.transactions[1:]]
    assert all(write in retried for write in good)
    assert store.head == 3


def test_a_decision_on_queued_state_that_failed_is_taken_again() -> None:
    # given a queued write whose group will fail
    doomed = write_of(label="doomed")
    store = FakeStore(fail_when=lambda writes: ValueError("doomed") if doomed in writes else None)
    groups = CommitGroups(store.write_groups)
    aggregate = uuid4()
    with ThreadPoolExecutor(4) as pool:
        store.hold_first.clear()
        first = pool.submit(
            groups.commit, doomed, {aggregate: "state after doomed"}, read_epoch=None
        )
        assert store.first_started.wait(WAIT_S)
        # when another command decides on the state it leaves and queues its own write
        state, epoch = groups.queued_state(aggregate) or (None, -1)
        assert state == "state after doomed"
        dependent = pool.submit(groups.commit, write_of(), {aggregate: "next"}, read_epoch=epoch)
        wait_until(lambda: len(groups._queue) == 1, "the dependent queues", timeout_s=WAIT_S)
        store.hold_first.set()
        # then the first fails with its error, and the dependent is sent back to decide again
        with pytest.raises(ValueError, match="doomed"):
            first.result(WAIT_S)
        with pytest.raises(DecideAgain):
            dependent.result(WAIT_S)
    # and nothing of either was written, and the failed state is forgotten
    assert store.transactions == []
    assert groups.queued_state(aggregate) is None


def test_queued_state_is_visible_until_its_write_commits() -> None:
    store = FakeStore()
    groups = CommitGroups(store.write_groups)
    aggregate: UUID = uuid4()
    seen: list[object] = []
    with ThreadPoolExecutor(1) as pool:
        store.hold_first.clear()
        future = pool.submit(
            groups.commit,
            write_of(),
            {aggregate: "after"},
            read_epoch=None,
            when_queued=lambda: seen.append(groups.queued_state(aggregate)),
        )
        assert store.first_started.wait(WAIT_S)
        assert groups.queued_state(aggregate) == ("after", 0)
        store.hold_first.set()
        assert future.result(WAIT_S) == [1]
    assert seen == [("after", 0)]
    assert groups.queued_state(aggregate) is None


def test_a_lost_connection_fails_every_write_of_the_group_with_it() -> None:
    lost = psycopg.OperationalError("server closed the connection unexpectedly")
    armed = threading.Event()
    store = FakeStore(fail_when=lambda writes: lost if armed.is_set() else None)
    groups = CommitGroups(store.write_groups)
    with ThreadPoolExecutor(4) as pool:
        store.hold_first.clear()
        first = commit_in_thread(pool, groups, write_of())
        assert store.first_started.wait(WAIT_S)
        queued = [commit_in_thread(pool, groups, write_of()) for _ in range(3)]
        wait_until(lambda: len(groups._queue) == 3, "three writes queue", timeout_s=WAIT_S)
        armed.set()
        store.hold_first.set()
        # no write is retried alone: whether the commit happened is unknown to everyone alike
        for future in [first, *queued]:
            with pytest.raises(psycopg.OperationalError):
                future.result(WAIT_S)
    assert store.transactions == []
