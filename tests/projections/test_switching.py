"""The GIL's switch interval while batches are applied ahead: shorter, then as it was."""

from __future__ import annotations

import sys
import threading

from casework.projections.switching import AHEAD_SWITCH_SECONDS, switching_often


def test_the_interval_is_short_during_a_block_and_as_before_after_it() -> None:
    before = sys.getswitchinterval()
    with switching_often():
        assert sys.getswitchinterval() == AHEAD_SWITCH_SECONDS
    assert sys.getswitchinterval() == before


def test_overlapping_blocks_in_two_threads_restore_the_interval_once_both_end() -> None:
    before = sys.getswitchinterval()
    first_in, second_done = threading.Event(), threading.Event()
    seen: list[float] = []

    def second() -> None:
        first_in.wait()
        with switching_often():
            pass
        second_done.set()

    thread = threading.Thread(target=second)
    thread.start()
    with switching_often():
        first_in.set()
        second_done.wait()
        # the other thread's block ended inside this one: the interval stays short
        seen.append(sys.getswitchinterval())
    thread.join()
    assert seen == [AHEAD_SWITCH_SECONDS]
    assert sys.getswitchinterval() == before


def test_the_interval_comes_back_when_the_block_fails() -> None:
    before = sys.getswitchinterval()
    try:
        with switching_often():
            raise RuntimeError("a batch that failed to write")
    except RuntimeError:
        pass
    assert sys.getswitchinterval() == before
