"""`casework erase`: the erasure from the command line, and its purge run again on its own.

Parsed by a parser of its own holding only this command (the `casework` parser wires it in).
"""

from __future__ import annotations

import argparse

import pytest

from builders import register
from casework.aggregates.family import Family
from casework.cli.erase import add_erase_command, run_erase
from casework.service import Casework


def casework_erase(app: Casework, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="casework")
    add_erase_command(parser.add_subparsers(dest="command", required=True))
    return run_erase(app.settings, parser.parse_args(["erase", *argv]))


def test_erase_records_the_erasure_as_cli_erase_and_says_what_it_did(
    app: Casework, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a family
    family_id = register(app).aggregate_id
    # when it is erased from the command line
    code = casework_erase(app, str(family_id), "--reason", "permintaan", "--reference", "PDP-3")
    # then the family is erased, by cli:erase, and the output says what was done
    assert code == 0
    family = app.load(Family, family_id)
    assert family.status == "erased"
    erasure = next(iter(app.repository.event_store.get(family_id, gt=1)))
    assert erasure.actor == "cli:erase"
    out = capsys.readouterr().out
    assert f"erased family {family_id}: version 2" in out
    assert "released its KK number, destroyed its data key" in out
    assert "purged: " in out


def test_erasing_twice_or_an_unknown_family_fails(
    app: Casework, capsys: pytest.CaptureFixture[str]
) -> None:
    family_id = str(register(app).aggregate_id)
    assert casework_erase(app, family_id, "--reason", "r", "--reference", "PDP-4") == 0
    assert casework_erase(app, family_id, "--reason", "r", "--reference", "PDP-4") == 1
    assert "already-erased" in capsys.readouterr().err
    unknown = "00000000-0000-4000-8000-000000000000"
    assert casework_erase(app, unknown, "--reason", "r", "--reference", "PDP-5") == 1


def test_reason_and_reference_are_required(
    app: Casework, capsys: pytest.CaptureFixture[str]
) -> None:
    family_id = str(register(app).aggregate_id)
    assert casework_erase(app, family_id, "--reason", "r") == 2
    assert casework_erase(app, family_id, "--reason", " ", "--reference", "PDP-6") == 2
    assert "--reason: must not be empty" in capsys.readouterr().err
    assert casework_erase(app, family_id, "--purge-only") == 2
    assert app.load(Family, register(app).aggregate_id).status == "active"


def test_purge_only_runs_the_purge_alone(app: Casework, capsys: pytest.CaptureFixture[str]) -> None:
    family_id = register(app).aggregate_id
    head = app.event_recorder.max_notification_id()
    assert casework_erase(app, "--purge-only") == 0
    assert app.event_recorder.max_notification_id() == head
    assert app.load(Family, family_id).status == "active"
    assert "purged: " in capsys.readouterr().out
