"""How often the cycle collector runs while a bulk job builds and drops objects by the million.

CPython starts a young-generation collection every 700 net allocations of container objects,
and every tenth of those walks the middle generation too. An import makes and drops hundreds
of such objects a family (rows, members, events, their pickled copies), so with the default
thresholds a 100,000-family import spent 1.4 s of the importing process's 5.8 s of CPU, and
0.6 s of each planning worker's 8.4 s, in the collector (timed with gc.callbacks); collecting
rarely brought both to about 0.1 s. Almost nothing an import makes is cyclic, so collecting
rarely costs no memory to speak of: reference counting frees the rest as it always does.
A projection rebuild is the same kind of job (see `ProjectionRunner.rebuild`).

A long-running service has the opposite problem: its objects from startup (the modules of
litestar, psycopg, structlog and the rest, the area list), about 50,000 here, are walked by
every full collection, which took 20-30 ms here whenever one came, a pause in whatever request
was running: the p99 of a family's load (`bench/replay.py`) was ten times its p50. Frozen
once the service has started, they are left out of every collection (`freeze_startup`).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

# Young-generation threshold for bulk work: a chunk's worth of objects between collections.
BULK_THRESHOLD = 100_000


def collect_rarely() -> None:
    """For a process that does nothing but bulk work (an import's planning worker): what
    exists now (modules, the app) is moved out of the collector's sight, and young
    collections start every BULK_THRESHOLD allocations."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(BULK_THRESHOLD, *gc.get_threshold()[1:])


@contextmanager
def collecting_rarely() -> Iterator[None]:
    """`collect_rarely` for the duration of a block, in a process that goes on afterwards."""
    thresholds = gc.get_threshold()
    service = gc.get_freeze_count() > 0  # a frozen service's startup stays frozen
    collect_rarely()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        if not service:
            gc.unfreeze()


def freeze_startup() -> None:
    """For a service that has started and now runs until stopped (`casework serve`, `casework
    project run`): what exists now lives as long as the process, so the collector stops
    walking it. Collection goes on at the default thresholds for everything made later."""
    gc.collect()
    gc.freeze()
