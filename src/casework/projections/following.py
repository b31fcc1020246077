"""Running the projections in the background of a process, woken as soon as events commit.

In this process the recorder calls back after each insert; on PostgreSQL a LISTEN on
`casework_events` also hears other processes' writes. Either way a poll every
`POLL_SECONDS` is the backstop, so a lost notification delays a read model, never stalls it.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence

import psycopg
import structlog

from casework.application import CaseworkStore
from casework.projections.base import Projection
from casework.projections.runner import ProjectionRunner
from casework.store.database import postgres_connect_kwargs

log = structlog.get_logger("casework.projections")
POLL_SECONDS = 1.0


class BackgroundProjections:
    def __init__(self, store: CaseworkStore, projections: Sequence[Projection]) -> None:
        self.store = store
        self.runner = ProjectionRunner(store, projections)
        self.stop = threading.Event()
        self.wake = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self.store.event_recorder.listeners.append(self.wake.set)
        follow = threading.Thread(
            target=self.runner.follow,
            args=(self.stop, self.wake, POLL_SECONDS),
            name="casework-projections",
            daemon=True,
        )
        self._threads.append(follow)
        if self.store.db.location.is_postgres:
            listen = threading.Thread(target=self._listen, name="casework-listen", daemon=True)
            self._threads.append(listen)
        for thread in self._threads:
            thread.start()

    def close(self) -> None:
        self.stop.set()
        self.wake.set()
        if self.wake.set in self.store.event_recorder.listeners:
            self.store.event_recorder.listeners.remove(self.wake.set)
        for thread in self._threads:
            thread.join(timeout=10)

    def _listen(self) -> None:
        location = self.store.db.location
        while not self.stop.is_set():
            try:
                with psycopg.connect(
                    location.postgres_conninfo, **postgres_connect_kwargs(location)
                ) as conn:
                    conn.execute("LISTEN casework_events")
                    while not self.stop.is_set():
                        for _ in conn.notifies(timeout=POLL_SECONDS, stop_after=1):
                            self.wake.set()
            except psycopg.Error as error:
                log.warning("listen connection lost", error_type=type(error).__name__)
                self.stop.wait(POLL_SECONDS)
