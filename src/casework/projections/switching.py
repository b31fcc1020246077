"""How soon the interpreter hands the GIL over while a projection's batches are applied ahead.

Applied ahead, a batch has three threads at work (`ProjectionRunner._catch_up_ahead`): this
one applying batch n, a writer sending batch n-1, a reader reading n+1. The writer and the
reader mostly wait on the database, and each time an answer comes they need the GIL back
before they can send the next statement; by default the thread holding it keeps it up to 5 ms
(`sys.getswitchinterval()`), and the database waits that long for the next statement. At 0.5
ms the ledger's rebuild of the first 1.5M events of the 5.25M-event store took 27.2, 29.6, 35.0
and 36.9 s against 34.5, 34.8, 41.1 and 41.0 s by default, in back-to-back pairs, on the same
CPU time. The interval is the process's: it is set while any run ahead lasts, then restored.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

AHEAD_SWITCH_SECONDS = 0.0005


class _Switching:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._runs = 0  # runs ahead in progress, in any thread
        self._default = 0.0

    def begin(self) -> None:
        with self._lock:
            if self._runs == 0:
                self._default = sys.getswitchinterval()
                sys.setswitchinterval(AHEAD_SWITCH_SECONDS)
            self._runs += 1

    def end(self) -> None:
        with self._lock:
            self._runs -= 1
            if self._runs == 0:
                sys.setswitchinterval(self._default)


_SWITCHING = _Switching()


@contextmanager
def switching_often() -> Iterator[None]:
    """The GIL handed over every AHEAD_SWITCH_SECONDS for the block's duration (and for as
    long as another thread's block lasts); the interval found before, once all have ended."""
    _SWITCHING.begin()
    try:
        yield
    finally:
        _SWITCHING.end()
