"""Where and when events were stored, kept per aggregate so answers need not read them back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

from builders import CAUSE, register
from casework.service import Casework
from casework.store.record_cache import EventRecord, EventRecordCache
from casework.store.recorder import as_datetime

AT = datetime(2025, 1, 1, tzinfo=UTC)


def test_a_kept_list_serves_only_when_it_holds_every_version_asked_for() -> None:
    cache = EventRecordCache()
    family = uuid4()
    cache.extend([(family, EventRecord(1, 10, AT)), (family, EventRecord(2, 12, AT))])
    assert [r.position for r in cache.through(family, 2) or []] == [10, 12]
    assert cache.through(family, 3) is None  # version 3 was stored elsewhere: read it back
    # an event that does not follow the last kept version is not kept (a gap)
    cache.extend([(family, EventRecord(4, 20, AT))])
    assert cache.through(family, 4) is None
    # a list read from the store replaces what was kept, but only one from version 1 on
    cache.replace(family, [EventRecord(v, 10 + v, AT) for v in (1, 2, 3, 4)])
    assert [r.version for r in cache.through(family, 4) or []] == [1, 2, 3, 4]
    cache.replace(family, [EventRecord(2, 0, AT)])
    assert cache.through(family, 4) is not None


def test_the_least_recently_used_aggregates_make_room() -> None:
    cache = EventRecordCache(size=2)
    first, second, third = uuid4(), uuid4(), uuid4()
    for aggregate in (first, second):
        cache.extend([(aggregate, EventRecord(1, 1, AT))])
    assert cache.through(first, 1) is not None  # first is now the most recently used
    cache.extend([(third, EventRecord(1, 3, AT))])
    assert cache.through(second, 1) is None
    assert cache.through(first, 1) is not None and cache.through(third, 1) is not None


def _stored_records(app: Casework, family_id: object) -> list[tuple[int, int, datetime]]:
    with app.db.transaction() as tx:
        tx.execute(
            "SELECT originator_version, position, recorded_at FROM stored_events "
            "WHERE originator_id = %s ORDER BY originator_version",
            (family_id,),
        )
        rows = tx.fetchall()
    return [(int(v), int(p), as_datetime(r)) for v, p, r in rows]


def test_the_records_of_a_write_are_kept_as_the_store_holds_them(app: Casework) -> None:
    # given a family registered and assessed through the commands
    saved = register(app)
    app.assess_welfare(
        CAUSE, saved.aggregate_id, desil=3, source="PK", assessed_on=date(2025, 1, 1)
    )
    # then the records kept for it are those the store holds, without reading them back
    kept = app.event_recorder.records.through(saved.aggregate_id, 2)
    assert kept is not None
    assert [(r.version, r.position, r.recorded_at) for r in kept] == _stored_records(
        app, saved.aggregate_id
    )


def test_events_another_process_stored_are_read_from_the_store(app: Casework) -> None:
    # given a family this process registered, and another process's event on it
    saved = register(app)
    other = Casework(app.settings)
    try:
        other.assess_welfare(
            CAUSE, saved.aggregate_id, desil=4, source="PK", assessed_on=date(2025, 2, 1)
        )
    finally:
        other.close()
    # then its records through version 2 come from the store, the other's event included
    records = app.event_records(saved.aggregate_id, through=2)
    assert [(r.version, r.position, r.recorded_at) for r in records] == _stored_records(
        app, saved.aggregate_id
    )
