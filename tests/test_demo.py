"""`casework demo`: a realistic sample for an empty store, with nothing personal in the clear."""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any
from uuid import UUID

import pytest

from casework.aggregates.family import Family
from casework.cli.demo import DemoRefused, DemoSummary, load_demo
from casework.service import Casework
from casework.settings import Settings
from casework.store.bootstrap import migrate_store

FAMILIES = 40


@dataclass
class LoadedDemo:
    app: Casework
    path: Path
    summary: DemoSummary
    progress: list[tuple[int, int]]


def empty_store(directory: Path) -> tuple[Casework, Path]:
    path = directory / "demo.db"
    settings = Settings(database_url=f"sqlite:///{path}")
    migrate_store(settings)
    return Casework(settings), path


def query(path: Path, sql: str, params: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


def event_kinds(path: Path) -> list[tuple[str, int, str]]:
    return query(
        path, "SELECT originator_id, originator_version, topic FROM stored_events ORDER BY position"
    )


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LoadedDemo]:
    # Given an empty, migrated SQLite store; when the demo loads 40 families into it.
    app, path = empty_store(tmp_path_factory.mktemp("demo"))
    calls: list[tuple[int, int]] = []
    summary = load_demo(
        app, families=FAMILIES, progress=lambda done, total: calls.append((done, total))
    )
    yield LoadedDemo(app, path, summary, calls)
    app.close()


def test_the_demo_loads_plausible_counts(demo: LoadedDemo) -> None:
    summary = demo.summary
    assert summary.families == FAMILIES
    assert all(count > 0 for count in asdict(summary).values()), summary
    assert summary.voids >= 1
    assert summary.funding_sources == 3
    assert 3 <= summary.uppka_groups <= 5
    assert FAMILIES < summary.members <= 6 * FAMILIES
    assert summary.deliveries > summary.voids
    assert summary.last_position == demo.app.event_recorder.max_notification_id()


def test_progress_is_reported_family_by_family(demo: LoadedDemo) -> None:
    assert demo.progress == [(done, FAMILIES) for done in range(1, FAMILIES + 1)]


def test_the_demo_walks_every_kind_of_change(demo: LoadedDemo) -> None:
    topics = Counter(topic for _, _, topic in event_kinds(demo.path))
    for kind in (
        "family.registered",
        "family.aid-delivered",
        "family.aid-delivery-voided",
        "family.welfare-assessed",
        "family.member-departed",
        "family.relocated",
        "family.member-corrected",
        "family.joined-uppka",
        "family.enrolled-in-dashat",
        "funding-source.opened",
        "funding-source.funds-received",
        "funding-source.drawn",
        "funding-source.draw-reversed",
        "uppka-group.formed",
    ):
        assert topics[f"casework.{kind}"] > 0, kind
    # Every delivery drew on its source, every void gave the value back.
    assert topics["casework.family.aid-delivered"] == topics["casework.funding-source.drawn"]
    assert topics["casework.family.aid-delivery-voided"] == demo.summary.voids
    # The departed head was replaced: the family still has exactly one active head.
    departed = query(
        demo.path, "SELECT originator_id FROM stored_events WHERE topic LIKE '%member-departed'"
    )
    family = demo.app.load(Family, UUID(departed[0][0]))
    heads = [m for m in family.active_members() if m.relationship == "kepala_keluarga"]
    assert len(heads) == 1


def test_loading_twice_is_refused(demo: LoadedDemo) -> None:
    # Given a store that holds the demo; when it is loaded again; then it is refused unchanged.
    with pytest.raises(DemoRefused):
        load_demo(demo.app, families=FAMILIES)
    assert demo.app.event_recorder.max_notification_id() == demo.summary.last_position


def test_the_same_seed_gives_the_same_sample(demo: LoadedDemo, tmp_path: Path) -> None:
    # Given another empty store; when the demo loads with the same (default) seed.
    app, path = empty_store(tmp_path)
    try:
        summary = load_demo(app, families=FAMILIES)
    finally:
        app.close()
    # Then the counts, the aggregate ids and the order of events are the same.
    assert summary == demo.summary
    assert event_kinds(path) == event_kinds(demo.path)


def test_no_name_nik_kk_or_address_is_stored_in_the_clear(demo: LoadedDemo) -> None:
    # Given every personal value of the demo's families, read back through the service.
    registered = query(
        demo.path,
        "SELECT originator_id FROM stored_events WHERE topic = 'casework.family.registered'",
    )
    assert len(registered) == FAMILIES
    personal: set[str] = set()
    for (family_id,) in registered:
        family = demo.app.load(Family, UUID(family_id))
        assert family.kk_number is not None and family.address is not None
        personal |= {family.kk_number, family.address}
        for member in family.members.values():
            assert member.nik is not None and member.name is not None
            personal |= {member.nik, member.name}
    assert len(personal) > 2 * FAMILIES + demo.summary.members * 3 // 2
    # When the stored event states and the raw database files are read.
    states = [bytes(state) for (state,) in query(demo.path, "SELECT state FROM stored_events")]
    files = [
        p.read_bytes()
        for p in (demo.path, Path(f"{demo.path}-wal"), Path(f"{demo.path}-shm"))
        if p.exists()
    ]
    # Then none of them appears anywhere, though clear facts are found by the same search.
    leaked = sorted(v for v in personal if any(v.encode() in blob for blob in states + files))
    assert leaked == []
    assert any(b"APBD-5371-2025-INAKASIH" in blob for blob in files)
    assert any(b"pembalut" in state for state in states)
