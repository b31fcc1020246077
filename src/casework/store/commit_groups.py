"""Group commit: concurrent commands share one insert transaction, and the next command on an
aggregate decides on the previous one's queued result instead of waiting for its commit.

Taking turns (casework.store.aggregate_locks) stops commands of one process from racing, but a
busy funding source still admits one delivery per commit: load, decide, insert, fsync, and only
then the next. Here a command queues its write, lets go of its turn and waits; the next command
on the same aggregate reads the queued state (`queued_state`) and decides on it at once. One
waiting command at a time is the leader: it takes everything queued and commits it in groups,
each group one transaction under one insert lock, in queue order, so positions still follow
commit order and a reader that has seen position N has seen everything below it.

A command is acknowledged only once its group has committed. When a group fails, nothing of it
was written, and every decision taken on queued state may rest on that failure: the failure
starts a new epoch and forgets all queued state, and a write whose decisions read queued state
of an earlier epoch is not written but sent back to decide again (`DecideAgain`). A write that
read only committed state is queued again by itself, so one command's bad write (a claim that is
taken, a version another process won, a kept Idempotency-Key) gets its own answer and does not
take the others down with it. A lost connection fails every write of the group with that error,
exactly as it would have failed each alone (the client's Idempotency-Key settles whether it was
recorded).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import psycopg

from casework.store.recorder import Write

MAX_GROUP = 64


class DecideAgain(Exception):
    """The command decided on queued state that was never committed: run it again, alone."""


@dataclass(eq=False)
class QueuedWrite:
    write: Write
    # The aggregates as the write leaves them: what the next command on them decides on.
    aggregates: Mapping[UUID, Any]
    # The epoch of the queued state the command read (None: it read committed state only).
    read_epoch: int | None
    # Committed in a group of its own, the command keeping its turn until then (an erasure,
    # or a command deciding again after a group failed).
    alone: bool
    positions: list[int] | None = None
    error: BaseException | None = None
    requeue: bool = False
    done: bool = False


class CommitGroups:
    def __init__(
        self,
        write_groups: Callable[[Sequence[Write]], list[list[int]]],
        *,
        max_group: int = MAX_GROUP,
    ) -> None:
        self._write_groups = write_groups
        self._max_group = max_group
        self._changed = threading.Condition()
        self._queue: list[QueuedWrite] = []
        self._committing = False
        self._queued: dict[UUID, tuple[Any, QueuedWrite]] = {}
        self._epoch = 0
        # How many writes and transactions have committed (the benchmark prints the ratio).
        self.writes_committed = 0
        self.groups_committed = 0

    def queued_state(self, aggregate_id: UUID) -> tuple[Any, int] | None:
        """The aggregate as a queued write leaves it, and the epoch it belongs to."""
        with self._changed:
            queued = self._queued.get(aggregate_id)
            return None if queued is None else (queued[0], self._epoch)

    def commit(
        self,
        write: Write,
        aggregates: Mapping[UUID, Any],
        *,
        read_epoch: int | None,
        alone: bool = False,
        when_queued: Callable[[], None] = lambda: None,
    ) -> list[int]:
        """Queue `write`, call `when_queued` (the command lets go of its turn) and wait until
        it is committed; returns its positions, raises its error or DecideAgain."""
        while True:
            queued = QueuedWrite(write, aggregates, read_epoch, alone)
            with self._changed:
                if read_epoch is not None and read_epoch != self._epoch:
                    raise DecideAgain()
                self._queue.append(queued)
                if not alone:
                    # Published under the same lock as the queueing: whoever reads this state
                    # is queued after the write that produced it.
                    for aggregate_id, aggregate in aggregates.items():
                        self._queued[aggregate_id] = (aggregate, queued)
            if not alone:
                when_queued()
            self._wait_for(queued)
            if queued.error is not None:
                raise queued.error
            if queued.positions is not None:
                return queued.positions
            if queued.requeue and read_epoch is None:
                alone = True  # it read committed state only: the same write, by itself
                continue
            raise DecideAgain()

    def _wait_for(self, queued: QueuedWrite) -> None:
        with self._changed:
            while not queued.done:
                if not self._committing:
                    batch, self._queue = self._queue, []
                    self._committing = True
                    break
                self._changed.wait()
            else:
                return
        try:
            for group in self._groups_of(batch):
                self._commit_group(group)
        finally:
            with self._changed:
                self._committing = False
                left = [queued for queued in batch if not queued.done]
                if left:
                    # Only when the leader itself was interrupted: what they queued may never
                    # be written, so nobody may go on deciding on it.
                    self._epoch += 1
                    self._queued.clear()
                for queued in left:
                    queued.error = RuntimeError("the commit group was interrupted")
                    queued.done = True
                self._changed.notify_all()

    def _groups_of(self, batch: list[QueuedWrite]) -> list[list[QueuedWrite]]:
        groups: list[list[QueuedWrite]] = []
        current: list[QueuedWrite] = []
        for queued in batch:
            if queued.alone:
                if current:
                    groups.append(current)
                    current = []
                groups.append([queued])
                continue
            current.append(queued)
            if len(current) == self._max_group:
                groups.append(current)
                current = []
        if current:
            groups.append(current)
        return groups

    def _commit_group(self, group: list[QueuedWrite]) -> None:
        with self._changed:
            live: list[QueuedWrite] = []
            for queued in group:
                if queued.read_epoch is not None and queued.read_epoch != self._epoch:
                    queued.done = True  # decided on state that failed: decide again
                else:
                    live.append(queued)
            self._changed.notify_all()
        if not live:
            return
        try:
            positions = self._write_groups([queued.write for queued in live])
        except Exception as error:  # handed to the commands that wait for it
            self._fail(live, error)
            return
        with self._changed:
            for queued, written in zip(live, positions, strict=True):
                for aggregate_id in queued.aggregates:
                    latest = self._queued.get(aggregate_id)
                    if latest is not None and latest[1] is queued:
                        del self._queued[aggregate_id]  # committed: the store has it now
                queued.positions = written
                queued.done = True
            self.writes_committed += len(live)
            self.groups_committed += 1
            self._changed.notify_all()

    def _fail(self, live: list[QueuedWrite], error: Exception) -> None:
        with self._changed:
            self._epoch += 1
            self._queued.clear()
            # Alone, the error is the write's own; a lost connection is everyone's.
            shared = len(live) == 1 or isinstance(error, psycopg.OperationalError)
            for queued in live:
                if shared:
                    queued.error = error
                else:
                    queued.requeue = True
                    request = queued.write.request
                    if request is not None:
                        # Rolled back: what the recorder noted about its kept answer is void.
                        request.kept_with_events = False
                        request.superseded = False
                queued.done = True
            self._changed.notify_all()
