"""A cell's configuration, recorded identity and chain genesis (issue 24)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from builders import register
from casework.cli.main import main
from casework.service import Casework
from casework.settings import ConfigurationError, Settings
from casework.store import chain
from casework.store.bootstrap import migrate_store
from casework.store.chain_check import verify_chain
from casework.store.database import uuid_from_row
from cell_stores import as_cell, postgres_cell_settings, sqlite_cell_settings
from conftest import sqlite_settings


def _identity(app: Casework) -> list[tuple[object, ...]]:
    with app.db.transaction() as tx:
        tx.execute("SELECT name, areas, genesis FROM cell_identity")
        return [(row[0], row[1], bytes(row[2])) for row in tx.fetchall()]


def _first_hash(app: Casework) -> bytes:
    with app.db.transaction() as tx:
        tx.execute("SELECT chain_hash FROM stored_events WHERE position = 1")
        row = tx.fetchone()
    assert row is not None
    return bytes(row[0])


@pytest.mark.parametrize(
    ("name", "areas", "complaint"),
    [
        ("P53", "53", "lower-case"),
        ("p-53", "53", "lower-case"),
        ("p53", "", "CASEWORK_CELL_AREAS must list"),
        ("p53", "99", "unknown area code 99"),
        ("p53", "53,5x", "CASEWORK_CELL_AREAS '5x'"),
        (None, "53", "CASEWORK_CELL is not"),
        ("x" * 41, "53", "at most 40"),
    ],
)
def test_a_malformed_cell_configuration_is_refused_with_its_reason(
    tmp_path: Path, name: str | None, areas: str, complaint: str
) -> None:
    # given a cell configured wrongly
    settings = sqlite_cell_settings(tmp_path)
    settings = as_cell(settings, name, areas)
    # when it is read, then it is refused with words that say why
    with pytest.raises(ConfigurationError, match=complaint):
        _ = settings.cell


def test_cell_areas_are_normalised_to_dotted_prefixes(tmp_path: Path) -> None:
    # given areas undotted, repeated and spaced
    settings = sqlite_cell_settings(tmp_path, areas=" 5371, 53.71 ,64")
    # when read, then they are dotted, once each, sorted
    cell = settings.cell
    assert cell is not None
    assert cell.areas == ("53.71", "64")
    assert cell.covers("53.71.01.1001")
    assert not cell.covers("53.72.01.2001")


def test_a_cell_on_postgresql_must_use_its_own_schema() -> None:
    # given a cell whose URL names another schema (or none)
    for url in ("postgresql://h/db?schema=cw", "postgresql://h/db"):
        settings = Settings(database_url=url, cell_name="p53", cell_areas="53")
        # then it is refused, naming the schema it must use
        with pytest.raises(ConfigurationError, match=r"\?schema=cell_p53"):
            _ = settings.cell


def test_without_a_cell_nothing_changes(tmp_path: Path) -> None:
    # given a store that is not a cell
    settings = sqlite_settings(tmp_path)
    migrate_store(settings)
    app = Casework(settings)
    try:
        # when a family is registered
        register(app)
        # then nothing is recorded as a cell and the chain starts from 32 zero bytes
        assert _identity(app) == []
        assert app.genesis == bytes(32)
        assert verify_chain(app.db).ok
    finally:
        app.close()


def _new_cell_chain(settings: Settings) -> None:
    # given a new cell, migrated
    notes: list[str] = []
    migrate_store(settings, report=notes)
    cell = settings.cell
    assert cell is not None
    app = Casework(settings)
    try:
        # when a family is registered
        register(app)
        # then the identity holds the cell's genesis, and the chain starts from it
        genesis = hashlib.sha256(b"casework/cell/" + cell.name.encode()).digest()
        assert _identity(app) == [(cell.name, cell.areas_text, genesis)]
        assert f"recorded cell {cell.name}" in notes[0]
        with app.db.transaction() as tx:
            tx.execute(
                "SELECT originator_id, originator_version, topic, state, chain_hash "
                "FROM stored_events WHERE position = 1"
            )
            first = tx.fetchone()
        assert first is not None
        aggregate_id, version, topic, state, stored_hash = first
        expected = chain.next_hash(
            genesis, 1, uuid_from_row(aggregate_id), version, topic, bytes(state)
        )
        assert bytes(stored_hash) == expected
        # and every verifier checks it from that genesis, which matters
        report = verify_chain(app.db)
        assert report.ok, report.detail
        assert not verify_chain(app.db, genesis=bytes(32)).ok
    finally:
        app.close()


def test_a_new_cell_chains_from_its_own_genesis_on_sqlite(tmp_path: Path) -> None:
    _new_cell_chain(sqlite_cell_settings(tmp_path))


@pytest.mark.postgres
def test_a_new_cell_chains_from_its_own_genesis_on_postgresql(postgres_url: str) -> None:
    _new_cell_chain(postgres_cell_settings(postgres_url))


def test_a_store_with_events_becomes_a_cell_with_zero_genesis(tmp_path: Path) -> None:
    # given a store that is not a cell and holds a family
    plain = sqlite_cell_settings(tmp_path)
    plain = as_cell(plain, None, None)
    migrate_store(plain)
    app = Casework(plain)
    register(app)
    app.close()
    # when it becomes a cell
    cell = as_cell(plain, "p53", "53")
    migrate_store(cell)
    app = Casework(cell)
    try:
        # then it keeps 32 zero bytes as its genesis, recorded as such, and still verifies
        register(app)
        assert _identity(app) == [("p53", "53", bytes(32))]
        assert app.genesis == bytes(32)
        assert verify_chain(app.db).ok
    finally:
        app.close()


@pytest.mark.parametrize(
    ("name", "areas", "complaint"),
    [
        ("p64", "53", "this store is cell p53, but CASEWORK_CELL is p64"),
        (None, None, "this store is cell p53: set CASEWORK_CELL=p53"),
        ("p53", "53,64", "run `casework migrate` to record them"),
    ],
)
def test_a_process_of_another_cell_is_refused_before_it_writes(
    tmp_path: Path, name: str | None, areas: str | None, complaint: str
) -> None:
    # given cell p53, migrated
    settings = sqlite_cell_settings(tmp_path)
    migrate_store(settings)
    # when a process starts with another configuration, then it is refused
    with pytest.raises(ConfigurationError, match=complaint):
        Casework(as_cell(settings, name, areas))


def test_a_migrate_of_another_cell_is_refused_and_writes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    # given cell p53, migrated
    settings = sqlite_cell_settings(tmp_path)
    migrate_store(settings)
    # when `casework migrate` runs as cell p64
    monkeypatch.setenv("CASEWORK_DATABASE_URL", settings.database_url)
    monkeypatch.setenv("CASEWORK_CELL", "p64")
    monkeypatch.setenv("CASEWORK_CELL_AREAS", "64")
    code = main(["migrate"])
    # then it exits 2 saying why, and the store is still p53
    assert code == 2
    assert "this store is cell p53, but CASEWORK_CELL is p64" in capsys.readouterr().err
    app = Casework(settings)
    try:
        assert [row[0] for row in _identity(app)] == ["p53"]
    finally:
        app.close()


def test_a_migrate_records_new_areas(tmp_path: Path) -> None:
    # given cell p53 serving 53
    settings = sqlite_cell_settings(tmp_path)
    migrate_store(settings)
    # when migrate runs with more areas
    wider = as_cell(settings, "p53", "53,64")
    notes: list[str] = []
    migrate_store(wider, report=notes)
    # then the areas are recorded and a process with them starts
    app = Casework(wider)
    try:
        assert _identity(app)[0][1] == "53,64"
        assert notes[0] == "cell p53: areas 53 -> 53,64"
    finally:
        app.close()


def test_a_cell_process_against_a_store_not_yet_a_cell_is_told_to_migrate(
    tmp_path: Path,
) -> None:
    # given a store migrated without CASEWORK_CELL
    settings = sqlite_cell_settings(tmp_path)
    migrate_store(as_cell(settings, None, None))
    # when a cell process starts on it, then it is told to migrate first
    with pytest.raises(ConfigurationError, match="run `casework migrate` with CASEWORK_CELL"):
        Casework(settings)
