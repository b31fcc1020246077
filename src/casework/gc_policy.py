"""How often the cycle collector runs while a bulk job builds and drops objects by the million.

CPython starts a young-generation collection every 700 net allocations of container objects,
and every tenth of those walks the middle generation too. An import makes and drops hundreds
of such objects a family (rows, members, events, their pickled copies), so with the default
thresholds a 100,000-family import spent 1.4 s of the importing process's 5.8 s of CPU, and
0.6 s of each planning worker's 8.4 s, in the collector (timed with gc.callbacks); collecting
rarely brought both to about 0.1 s. Almost nothing an import makes is cyclic, so collecting
rarely costs no memory to speak of: reference counting frees the rest as it always does.
A projection rebuild is the same kind of job (see `ProjectionRunner.rebuild`).
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
    collect_rarely()
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()
