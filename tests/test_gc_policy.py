"""The bulk jobs' collector policy: rare collections during the job, the defaults after it."""

from __future__ import annotations

import gc

from casework.runtime.gc_policy import BULK_THRESHOLD, collecting_rarely, freeze_startup


def test_collections_are_rare_during_a_bulk_block_and_as_before_after_it() -> None:
    before = gc.get_threshold()
    with collecting_rarely():
        assert gc.get_threshold() == (BULK_THRESHOLD, *before[1:])
        assert gc.get_freeze_count() > 0  # what existed before is out of the collector's sight
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_the_defaults_come_back_when_the_block_fails() -> None:
    before = gc.get_threshold()
    try:
        with collecting_rarely():
            raise RuntimeError("an import that stops half-way")
    except RuntimeError:
        pass
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_a_started_service_has_its_startup_objects_out_of_the_collectors_sight() -> None:
    before = gc.get_threshold()
    try:
        # when a service has started
        freeze_startup()
        # then what it made is frozen, and collection goes on at the thresholds it had
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == before
        # and a bulk block inside the service leaves it frozen afterwards
        frozen = gc.get_freeze_count()
        with collecting_rarely():
            pass
        assert gc.get_freeze_count() >= frozen
    finally:
        gc.unfreeze()
