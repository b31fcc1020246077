"""The cell's publications list exactly the interface's tables; the heartbeat row (issue 24)."""

from __future__ import annotations

import base64
import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from api_client import running_api
from logical_cluster import logical_cluster

from builders import register
from casework.cell.config import CellConfig
from casework.cell.heartbeat import beat
from casework.cell.status import cell_status
from casework.service import Casework
from casework.settings import Settings
from casework.store.bootstrap import migrate_store
from casework.store.database import Database, open_database
from cell_stores import postgres_cell_settings, sqlite_cell_settings
from waiting import wait_until

NAME = "p53"
# One key for the module's cluster: every test there migrates the same cell.
MASTER_KEY = base64.b64encode(secrets.token_bytes(32)).decode()
STATE_TABLES = {"cell_identity", "cell_heartbeat", "kk_digests", "recipient_digests"}


def _published(url: str) -> dict[str, set[tuple[str, str]]]:
    """Every publication of the cluster's database and the tables it lists."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT pubname, schemaname, tablename FROM pg_publication_tables"
        ).fetchall()
        names = conn.execute("SELECT pubname FROM pg_publication").fetchall()
    listed: dict[str, set[tuple[str, str]]] = {str(name): set() for (name,) in names}
    for pubname, schema, table in rows:
        listed[pubname].add((schema, table))
    return listed


def _options(url: str, name: str) -> tuple[bool, bool, bool, bool]:
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT pubinsert, pubupdate, pubdelete, pubtruncate FROM pg_publication "
            "WHERE pubname = %s",
            (name,),
        ).fetchone()
    assert row is not None
    return (bool(row[0]), bool(row[1]), bool(row[2]), bool(row[3]))


@pytest.fixture(scope="module")
def logical_url() -> Iterator[str]:
    with logical_cluster() as url:
        yield url


def _cell_on(url: str) -> Settings:
    return Settings(
        database_url=f"{url}?schema=cell_{NAME}",
        master_key=MASTER_KEY,
        cell_name=NAME,
        cell_areas="53",
    )


def _cell(settings: Settings) -> CellConfig:
    cell = settings.cell
    assert cell is not None
    return cell


def _expected_state_tables(url: str) -> set[tuple[str, str]]:
    """The interface's state tables; the coverage figures once issue 26 has made theirs."""
    with psycopg.connect(url) as conn:
        coverage = conn.execute(
            "SELECT 1 FROM pg_tables WHERE schemaname = %s AND tablename = 'coverage_figures'",
            (f"cell_{NAME}",),
        ).fetchone()
    tables = STATE_TABLES | ({"coverage_figures"} if coverage else set())
    return {(f"cell_{NAME}", table) for table in tables}


def test_migrate_publishes_exactly_the_interface_tables(logical_url: str) -> None:
    # given a cell on a cluster with wal_level = logical
    settings = _cell_on(logical_url)
    # when it is migrated
    notes: list[str] = []
    migrate_store(settings, report=notes)
    # then there are exactly its two publications, listing exactly the interface's tables
    schema = f"cell_{NAME}"
    assert _published(logical_url) == {
        f"casework_cell_{NAME}": {(schema, "stored_events")},
        f"casework_cell_{NAME}_state": _expected_state_tables(logical_url),
    }
    # the events' inserts only; the rest's inserts, updates and deletes; never a TRUNCATE
    assert _options(logical_url, f"casework_cell_{NAME}") == (True, False, False, False)
    assert _options(logical_url, f"casework_cell_{NAME}_state") == (True, True, True, False)
    assert any(f"published as casework_cell_{NAME}" in note for note in notes)
    # and `casework cell status` names them
    db = open_database(settings.database)
    try:
        status = cell_status(db, _cell(settings), settings)
    finally:
        db.close()
    assert status.publication.startswith(f"published as casework_cell_{NAME} (insert: ")


def test_migrate_puts_a_publication_back_to_exactly_its_tables(logical_url: str) -> None:
    # given the cell's publication, with a table of family keys added to it by hand
    settings = _cell_on(logical_url)
    migrate_store(settings)
    with psycopg.connect(logical_url, autocommit=True) as conn:
        conn.execute(
            f"ALTER PUBLICATION casework_cell_{NAME}_state ADD TABLE cell_{NAME}.family_keys"
        )
    assert (f"cell_{NAME}", "family_keys") in _published(logical_url)[f"casework_cell_{NAME}_state"]
    # when migrate runs again
    migrate_store(settings)
    # then the publication lists the interface's tables again, and no other
    assert _published(logical_url)[f"casework_cell_{NAME}_state"] == _expected_state_tables(
        logical_url
    )


@pytest.mark.postgres
def test_without_logical_wal_migrate_says_the_cell_cannot_publish(postgres_url: str) -> None:
    # given a server whose wal_level is not logical
    with psycopg.connect(postgres_url) as conn:
        row = conn.execute("SHOW wal_level").fetchone()
    assert row is not None
    if row[0] == "logical":
        pytest.skip("the shared server runs wal_level = logical")
    # when a cell is migrated there
    notes: list[str] = []
    migrate_store(postgres_cell_settings(postgres_url), report=notes)
    # then migrate says why it cannot publish
    assert any("cannot publish until wal_level is logical" in note for note in notes), notes


def test_a_cell_on_sqlite_is_told_it_cannot_publish(tmp_path: Path) -> None:
    notes: list[str] = []
    migrate_store(sqlite_cell_settings(tmp_path), report=notes)
    assert any("cell on SQLite" in note and "cannot publish" in note for note in notes), notes


def _heartbeat(db: Database) -> tuple[int, bytes, str]:
    with db.transaction() as tx:
        tx.execute("SELECT head_position, head_hash, beat_at FROM cell_heartbeat")
        rows = tx.fetchall()
    assert len(rows) == 1
    return int(rows[0][0]), bytes(rows[0][1]), str(rows[0][2])


def _head(db: Database) -> tuple[int, bytes]:
    with db.transaction() as tx:
        tx.execute("SELECT position, chain_hash FROM stored_events ORDER BY position DESC LIMIT 1")
        row = tx.fetchone()
    assert row is not None
    return int(row[0]), bytes(row[1])


@pytest.fixture(params=["sqlite", "postgres"])
def cell_settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        return postgres_cell_settings(request.getfixturevalue("postgres_url"))
    return sqlite_cell_settings(tmp_path)


def test_the_heartbeat_carries_the_head(cell_settings: Settings) -> None:
    # given a new cell: migrate leaves its heartbeat at position 0 with the genesis
    migrate_store(cell_settings)
    app = Casework(cell_settings)
    try:
        assert _heartbeat(app.db)[:2] == (0, app.genesis)
        # when families are registered and the cell beats
        register(app)
        register(app)
        assert app.cell is not None
        beat(app.db, app.cell.name, app.genesis)
        # then the row holds the head position and hash
        assert _heartbeat(app.db)[:2] == _head(app.db)
    finally:
        app.close()


def test_the_server_beats_while_it_runs(cell_settings: Settings) -> None:
    # given a cell's server, running
    migrate_store(cell_settings)
    app = Casework(cell_settings)
    try:
        with running_api(app):
            first = _heartbeat(app.db)
            # when a family is registered
            register(app)
            # then the heartbeat soon carries the new head, at a later time
            wait_until(
                lambda: _heartbeat(app.db)[:2] == _head(app.db),
                "the heartbeat carries the head",
                timeout_s=15,
            )
            assert _heartbeat(app.db)[2] > first[2]
    finally:
        app.close()
