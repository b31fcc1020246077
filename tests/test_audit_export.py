"""`casework export`: an aggregate's audit package, checked the way an auditor's script would."""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import stat
import struct
from datetime import date
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import msgspec
import pytest

from builders import CAUSE, deliver, member, open_source, register
from casework.audit import export as audit_export
from casework.cli import export as cli_export
from casework.cli.export import add_export_commands, run_export
from casework.http.views.history import history_page
from casework.service import Casework
from casework.store.chain_check import verify_chain


def export(app: Casework, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="casework")
    add_export_commands(parser.add_subparsers(dest="command", required=True))
    return run_export(app.settings, parser.parse_args(["export", *argv]))


def package(app: Casework, tmp_path: Path, what: str, aggregate_id: UUID) -> list[dict[str, Any]]:
    out = tmp_path / f"{aggregate_id}.jsonl"
    assert export(app, what, str(aggregate_id), "--out", str(out)) == 0
    return [json.loads(line) for line in out.read_text().splitlines()]


def busy_family(app: Casework) -> tuple[UUID, UUID]:
    """A family whose events are interleaved with other aggregates' in the store."""
    source = open_source(app).aggregate_id
    family = register(app).aggregate_id
    deliver(app, register(app).aggregate_id, source)
    app.add_member(CAUSE, family, member("anak", sex="L", born=date(2012, 1, 9)))
    voided = uuid4()
    deliver(app, family, source, delivery_id=voided)
    app.void_delivery(CAUSE, family, voided, reason="recorded twice")
    deliver(app, family, source)
    return family, source


def stored(app: Casework, aggregate_id: UUID) -> list[tuple[int, int, bytes]]:
    with app.db.transaction() as tx:
        tx.execute(
            "SELECT position, originator_version, chain_hash FROM stored_events "
            "WHERE originator_id = %s ORDER BY originator_version",
            (aggregate_id,),
        )
        return [(row[0], row[1], bytes(row[2])) for row in tx.fetchall()]


def stored_hash(app: Casework, position: int) -> bytes:
    if position == 0:
        return bytes(32)
    with app.db.transaction() as tx:
        tx.execute("SELECT chain_hash FROM stored_events WHERE position = %s", (position,))
        row = tx.fetchone()
    assert row is not None
    return bytes(row[0])


def chain_input(aggregate_id: UUID, line: dict[str, Any]) -> bytes:
    """b_n as DESIGN.md writes it out, from the package alone."""
    topic, state = line["topic"].encode(), base64.b64decode(line["state_base64"])
    return (
        struct.pack(">Q", line["position"])
        + aggregate_id.bytes
        + struct.pack(">Q", line["version"])
        + struct.pack(">I", len(topic))
        + topic
        + struct.pack(">I", len(state))
        + state
    )


def test_the_package_lists_every_event_once_in_order(app: Casework, tmp_path: Path) -> None:
    # given a family with five events among other aggregates' events
    family, _ = busy_family(app)
    # when its package is exported
    lines = package(app, tmp_path, "family", family)
    header, events, trailer = lines[0], lines[1:-1], lines[-1]
    # then the header names it and the store head, and the trailer counts its events
    head = verify_chain(app.db)
    assert header["record"] == "header" and header["format_version"] == 1
    assert (header["what"], header["id"]) == ("family", str(family))
    assert (header["head_position"], header["head_chain_hash"]) == (head.events_checked, head.head)
    assert header["exported_at"].endswith("Z")
    assert trailer == {"record": "trailer", "events": 5}
    # and every event of the family is there once, in version order, with its stored position
    assert [(e["position"], e["version"]) for e in events] == [
        (position, version) for position, version, _ in stored(app, family)
    ]
    assert [e["type"] for e in events] == [
        "FamilyRegistered",
        "FamilyMemberAdded",
        "FamilyAidDelivered",
        "FamilyAidDeliveryVoided",
        "FamilyAidDelivered",
    ]
    assert {e["actor"] for e in events} == {CAUSE.actor}
    assert {e["request_id"] for e in events} == {CAUSE.request_id}


def test_each_exported_hash_recomputes_from_the_exported_bytes(
    app: Casework, tmp_path: Path
) -> None:
    # given an exported family package
    family, _ = busy_family(app)
    events = package(app, tmp_path, "family", family)[1:-1]
    for line in events:
        # the previous hash in the package is the one stored for the event before it
        previous = bytes.fromhex(line["previous_chain_hash"])
        assert previous == stored_hash(app, line["position"] - 1)
        # and SHA-256 of it and the chain input rebuilt from the package is the exported hash,
        # which is the stored one
        recomputed = hashlib.sha256(previous + chain_input(family, line)).hexdigest()
        assert recomputed == line["chain_hash"] == stored_hash(app, line["position"]).hex()


def test_decoded_data_matches_the_history_endpoint(app: Casework, tmp_path: Path) -> None:
    family, _ = busy_family(app)
    events = package(app, tmp_path, "family", family)[1:-1]
    # the history as the endpoint answers it, in JSON
    page = history_page(app, family, limit=100, cursor=None)
    history = json.loads(msgspec.json.encode(page.items))
    assert len(history) == len(events)
    for item, line in zip(history, events, strict=True):
        shown = {k: line[k] for k in ("version", "position", "type", "actor", "request_id")}
        assert shown == {k: item[k] for k in shown}
        # The package keeps the stored words (its chain is recomputed from them); the history
        # names members by NIK, as requests do. Events naming no member read the same.
        if not {"member_no", "members", "recipient_member_no"} & set(line["data"]):
            assert line["data"] == item["data"]
        assert line["recorded_at"] == item["recorded_at"]
    assert events[0]["data"]["kk_number"] is not None


def test_a_funding_source_package_holds_its_draws(app: Casework, tmp_path: Path) -> None:
    family, source = busy_family(app)
    lines = package(app, tmp_path, "funding-source", source)
    events = lines[1:-1]
    assert [e["type"] for e in events] == [
        "FundingSourceOpened",
        "FundingSourceDrawn",
        "FundingSourceDrawn",
        "FundingSourceDrawReversed",
        "FundingSourceDrawn",
    ]
    assert events[1]["data"]["value_idr"] == 60_000
    assert {e["data"]["family_id"] for e in events[2:]} == {str(family)}
    assert lines[-1]["events"] == 5


def test_personal_fields_are_null_once_the_family_key_is_destroyed(
    app: Casework, tmp_path: Path
) -> None:
    # given a family whose data key was destroyed (as erasure does)
    family, _ = busy_family(app)
    before = package(app, tmp_path, "family", family)
    with app.db.transaction() as tx:
        tx.execute(
            "UPDATE family_keys SET wrapped_key = NULL, erased_at = CURRENT_TIMESTAMP "
            "WHERE family_id = %s",
            (family,),
        )
    # when exported again
    after = package(app, tmp_path, "family", family)
    # then personal fields read null, everything else, stored bytes and hashes included, stays
    registered = after[1]["data"]
    assert registered["kk_number"] is None and registered["address"] is None
    assert after[2]["data"]["name"] is None and after[2]["data"]["nik"] is None
    assert after[3]["data"] == before[3]["data"]
    for old, new in zip(before[1:-1], after[1:-1], strict=True):
        kept = ("position", "state_base64", "chain_hash", "previous_chain_hash", "type")
        assert {k: old[k] for k in kept} == {k: new[k] for k in kept}


def test_an_unknown_id_exits_1_and_writes_nothing(
    app: Casework, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    family, source = busy_family(app)
    out = tmp_path / "nothing.jsonl"
    assert export(app, "family", str(uuid4()), "--out", str(out)) == 1
    assert export(app, "family", str(source), "--out", str(out)) == 1
    assert export(app, "funding-source", str(family), "--out", str(out)) == 1
    assert not out.exists()
    assert f"no funding-source {family}" in capsys.readouterr().err


def test_without_out_the_package_goes_to_stdout(
    app: Casework, capsysbinary: pytest.CaptureFixture[bytes]
) -> None:
    _, source = busy_family(app)
    assert export(app, "funding-source", str(source)) == 0
    captured = capsysbinary.readouterr()
    lines = [json.loads(line) for line in captured.out.splitlines()]
    assert [line["record"] for line in lines] == ["header"] + ["event"] * 5 + ["trailer"]
    assert b"exported 5 event(s)" in captured.err


def test_large_aggregates_report_progress_and_the_file_is_private(
    app: Casework,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given batches of two events, so five events are "large"
    monkeypatch.setattr(audit_export, "BATCH", 2)
    monkeypatch.setattr(cli_export, "BATCH", 2)
    _, source = busy_family(app)
    lines = package(app, tmp_path, "funding-source", source)
    # then all five are exported, progress was shown, and only the owner can read the file
    assert [line["version"] for line in lines[1:-1]] == [1, 2, 3, 4, 5]
    assert "events: 5/5 (100%)" in capsys.readouterr().err
    mode = (tmp_path / f"{source}.jsonl").stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
