"""`casework cell status`: name, areas, genesis, head, publication and heartbeat (issue 24)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from builders import register
from casework.cell.heartbeat import beat
from casework.cli.main import main
from casework.service import Casework
from casework.settings import Settings
from casework.store.bootstrap import migrate_store
from cell_stores import postgres_cell_settings, sqlite_cell_settings


def run_status(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> int:
    for variable, value in (
        ("CASEWORK_DATABASE_URL", settings.database_url),
        ("CASEWORK_MASTER_KEY", settings.master_key),
        ("CASEWORK_CELL", settings.cell_name),
        ("CASEWORK_CELL_AREAS", settings.cell_areas),
    ):
        if value is None:
            monkeypatch.delenv(variable, raising=False)
        else:
            monkeypatch.setenv(variable, value)
    return main(["cell", "status"])


def status_of(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, dict[str, str], str]:
    code = run_status(settings, monkeypatch)
    out, err = capsys.readouterr()
    fields = dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)
    return code, fields, err


def _status_after_a_registration(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> dict[str, str]:
    # given a cell with one family, that has beaten once
    migrate_store(settings)
    app = Casework(settings)
    try:
        register(app)
        assert app.cell is not None
        beat(app.db, app.cell.name, app.genesis)
        head_position = app.event_recorder.max_notification_id()
    finally:
        app.close()
    capsys.readouterr()
    # when its status is asked for
    code, fields, _ = status_of(settings, monkeypatch, capsys)
    # then it names the cell, its areas, genesis and head, and the heartbeat at that head
    assert code == 0
    assert settings.cell is not None
    name = settings.cell.name
    assert fields["cell"] == name
    assert fields["areas"] == "53"
    assert fields["genesis"] == hashlib.sha256(f"casework/cell/{name}".encode()).hexdigest()
    assert fields["head position"] == str(head_position)
    assert len(fields["head hash"]) == 64
    assert fields["last heartbeat"].endswith(f"at position {head_position}")
    assert fields["matching digests"] == "off (no CASEWORK_MATCHING_KEY)"
    return fields


def test_cell_status_on_sqlite_says_it_cannot_publish(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fields = _status_after_a_registration(sqlite_cell_settings(tmp_path), monkeypatch, capsys)
    assert fields["publication"].startswith("none: a cell on SQLite")


@pytest.mark.postgres
def test_cell_status_on_postgresql_says_why_it_does_not_publish(
    postgres_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fields = _status_after_a_registration(postgres_cell_settings(postgres_url), monkeypatch, capsys)
    # the shared server runs wal_level = replica
    assert "cannot publish until wal_level is logical" in fields["publication"]


def test_cell_status_outside_a_cell_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'plain.db'}")
    code, _, err = status_of(settings, monkeypatch, capsys)
    assert code == 2
    assert "not a cell" in err
