"""Waiting in a test for what another thread or process brings about."""

from __future__ import annotations

import time
from collections.abc import Callable


def wait_until(
    condition: Callable[[], bool], what: str, *, timeout_s: float, every_s: float = 0.01
) -> None:
    """Until `condition()` holds; fails the test, naming `what`, after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(every_s)
