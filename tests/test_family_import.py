"""Bulk import of families from CSV, on SQLite and PostgreSQL, and through the CLI."""

from __future__ import annotations

import csv
import io
import pickle
import sys
from datetime import date
from pathlib import Path
from uuid import UUID

import pytest

from casework.aggregates.family import Family
from casework.cli.main import main
from casework.importing.families import DoublingSchedule, FamilyImport, ImportCounts, RejectsWriter
from casework.importing.planning import ChunkPlanner
from casework.importing.rows import COLUMNS, BadImportFile, family_chunks, read_families
from casework.service import Casework
from casework.store.database import uuid_from_row

sys.path.insert(0, str(Path(__file__).parents[1] / "bench"))
from datagen import FamilyGenerator, write_csv


def generated(families: int, invalid_share: float = 0.0, seed: int = 7) -> str:
    out = io.StringIO()
    write_csv(out, FamilyGenerator(seed, "53.71", invalid_share).families(families), families)
    return out.getvalue()


def run_import(
    app: Casework, text: str, batch: int = 4, first_analyze: int = 5_000, workers: int = 0
) -> tuple[ImportCounts, list[dict[str, str]]]:
    rejected = io.StringIO()
    rejects = RejectsWriter(lambda: rejected)
    importer = FamilyImport(
        app, rejects, batch=batch, run="test", first_analyze=first_analyze, workers=workers
    )
    importer.add_all(io.StringIO(text), lambda: None)
    return importer.counts, list(csv.DictReader(io.StringIO(rejected.getvalue())))


def family_ids(app: Casework) -> list[str]:
    with app.db.transaction() as tx:
        tx.execute("SELECT DISTINCT originator_id FROM stored_events")
        return [str(row[0]) for row in tx.fetchall()]


@pytest.mark.parametrize("workers", [0, 2])
def test_valid_families_are_imported_readable_and_sealed(app: Casework, workers: int) -> None:
    # Given a generated file of valid families
    text = generated(10)
    rows = list(csv.DictReader(io.StringIO(text)))

    # When it is imported in batches of 4, planned here or by worker processes
    counts, rejects = run_import(app, text, workers=workers)

    # Then every family is registered, by cli:import, and reads back whole
    assert (counts.imported, counts.rejected, counts.already_registered) == (10, 0, 0)
    assert counts.events == 10 and counts.members == len(rows) and rejects == []
    loaded = [app.load(Family, UUID(i)) for i in family_ids(app)]
    assert sorted(f.kk_number or "" for f in loaded) == sorted({r["kk_number"] for r in rows})
    niks = {m.nik for f in loaded for m in f.members.values()}
    assert niks == {r["nik"] for r in rows}
    # And no NIK is stored in the clear
    with app.db.transaction() as tx:
        tx.execute("SELECT state, topic FROM stored_events")
        stored = tx.fetchall()
    assert all(b"cli:import" in bytes(state) for state, _ in stored)
    for row in rows:
        assert not any(row["nik"].encode() in bytes(state) for state, _ in stored)


def test_invalid_families_go_to_the_rejects_file_with_field_and_reason(app: Casework) -> None:
    # Given a file where about a third of the families carry a fault
    text = generated(30, invalid_share=0.35)

    # When it is imported
    counts, rejects = run_import(app, text)

    # Then the faulty families are rejected with their rows and `field: message` reasons
    assert counts.rejected > 0 and counts.imported + counts.rejected == 30
    assert len(family_ids(app)) == counts.imported
    assert {row["kk_number"] for row in rejects} and all(row["reasons"] for row in rejects)
    assert len({row["kk_number"] for row in rejects}) == counts.rejected
    assert set(COLUMNS) <= set(rejects[0])
    fields = {reason.split(":")[0] for row in rejects for reason in row["reasons"].split("; ")}
    assert fields <= {"area_code", "welfare_desil", "members"} | {
        f"members[{i}].{name}" for i in range(10) for name in ("nik", "birth_date", "relationship")
    }


def test_workers_plan_the_chunks_and_they_are_saved_in_file_order(app: Casework) -> None:
    # Given a file where about a third of the families carry a fault
    text = generated(30, invalid_share=0.35)
    lines = text.splitlines()

    # When it is imported in chunks of 4 families by two worker processes
    counts, rejects = run_import(app, text, batch=4, workers=2)

    # Then the valid families were stored in the file's order
    with app.db.transaction() as tx:
        tx.execute("SELECT originator_id FROM stored_events ORDER BY position")
        ids = [uuid_from_row(row[0]) for row in tx.fetchall()]
    stored = [app.load(Family, family_id).kk_number for family_id in ids]
    rejected = {row["kk_number"] for row in rejects}
    in_file = list(dict.fromkeys(line.split(",")[0] for line in lines[1:]))
    assert stored == [kk for kk in in_file if kk not in rejected]
    assert counts.imported + counts.rejected == 30 and counts.rejected == len(rejected) > 0
    # And each rejected row names its own line of the file
    for row in rejects:
        line = lines[int(row["line"]) - 1]
        assert line.startswith(row["kk_number"]) and row["nik"] in line


def test_a_planned_chunk_reaches_the_importing_process_as_it_was_planned(app: Casework) -> None:
    # Given a chunk of valid and invalid families, planned as a worker plans it
    chunk = next(family_chunks(io.StringIO(generated(12, invalid_share=0.3, seed=3)), 12))
    planned = ChunkPlanner(app, "test").plan(chunk)
    assert planned.prepared and planned.rejected

    # When it is pickled across to the importing process (as flat columns)
    arrived = pickle.loads(pickle.dumps(planned))

    # Then every family, event, claim, key and reject arrives as it was
    assert arrived == planned
    assert [type(event.originator_id) for p in arrived.prepared for event in p.events] == [
        UUID for p in planned.prepared for _ in p.events
    ]


def test_a_rerun_imports_nothing_and_counts_the_families_as_registered(app: Casework) -> None:
    # Given a file already imported
    text = generated(9)
    run_import(app, text)
    families_before = len(family_ids(app))

    # When it is imported again
    counts, _ = run_import(app, text)

    # Then nothing is recorded twice
    assert (counts.imported, counts.already_registered, counts.events) == (0, 9, 0)
    assert len(family_ids(app)) == families_before


def test_a_kk_listed_twice_is_imported_once_and_the_second_reported(app: Casework) -> None:
    # Given a file where the first family appears again, not adjacent, at the end
    lines = generated(3).splitlines(keepends=True)
    first_kk = lines[1].split(",")[0]
    first_family = [line for line in lines[1:] if line.startswith(first_kk)]
    text = "".join(lines + first_family)

    # When it is imported in one batch
    counts, rejects = run_import(app, text, batch=500)

    # Then three families are imported and the repeat is rejected with its reason
    assert (counts.imported, counts.rejected) == (3, 1)
    assert {row["kk_number"] for row in rejects} == {first_kk}
    assert "kk_number: listed again in this file (first at line 2)" in rejects[0]["reasons"]


def test_a_kk_registered_meanwhile_does_not_lose_the_batch(
    app: Casework, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a family of the file registered by someone else after the import looked it up
    text = generated(5)
    rejected = io.StringIO()
    importer = FamilyImport(app, RejectsWriter(lambda: rejected), batch=500, run="test")
    monkeypatch.setattr(importer, "_claimed", lambda keys: set())
    run_import(app, "".join(text.splitlines(keepends=True)[:1] + _rows_of_family(text, 2)))

    # When the whole file is imported in one batch
    importer.add_all(io.StringIO(text), lambda: None)

    # Then the other four are imported and the taken one is counted as registered
    assert (importer.counts.imported, importer.counts.already_registered) == (4, 1)
    assert len(family_ids(app)) == 5


def _rows_of_family(text: str, index: int) -> list[str]:
    lines = text.splitlines(keepends=True)[1:]
    kks = list(dict.fromkeys(line.split(",")[0] for line in lines))
    return [line for line in lines if line.startswith(kks[index])]


def test_the_cli_imports_a_file_and_prints_the_summary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a migrated SQLite store and a file with some faulty families
    monkeypatch.setenv("CASEWORK_DATABASE_URL", f"sqlite:///{tmp_path / 'casework.db'}")
    for name in (
        "CASEWORK_MIGRATE_DATABASE_URL",
        "CASEWORK_MASTER_KEY",
        "CASEWORK_MASTER_KEY_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    assert main(["migrate"]) == 0
    source = tmp_path / "families.csv"
    source.write_text(generated(20, invalid_share=0.3), encoding="utf-8")

    # When it is imported twice
    assert main(["import", "families", str(source), "--batch", "7"]) == 0
    first = capsys.readouterr()
    assert main(["import", "families", str(source)]) == 0
    second = capsys.readouterr().out

    # Then the first run reports what it imported and rejected, the second only skips
    summary = dict(line.split(": ", 1) for line in first.out.splitlines())
    imported = int(summary["families imported"])
    rejected = int(summary["families rejected"].split()[0])
    assert imported > 0 and rejected > 0 and imported + rejected == 20
    assert int(summary["events written"]) == imported
    assert {"families/s", "events/s"} <= set(summary)
    assert "import [" in first.err
    assert (tmp_path / "families.rejects.csv").exists()
    assert f"families skipped (already registered): {imported}" in second
    assert "families imported: 0" in second


def analyzed_tables(app: Casework) -> set[str]:
    with app.db.transaction() as tx:
        if app.db.location.sqlite_path is not None:
            tx.execute("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if tx.fetchone() is None:  # created by the first ANALYZE
                return set()
            tx.execute("SELECT DISTINCT tbl FROM sqlite_stat1")
        else:
            tx.execute(
                "SELECT relname FROM pg_stat_user_tables "
                "WHERE schemaname = current_schema() AND last_analyze IS NOT NULL"
            )
        return {str(row[0]) for row in tx.fetchall()}


def test_an_import_refreshes_the_planner_statistics_of_what_it_grew(app: Casework) -> None:
    # Given a store whose event table was never analyzed
    assert "stored_events" not in analyzed_tables(app)

    # When families are imported
    run_import(app, generated(5))

    # Then the tables the import grew have statistics the planner can use
    assert {"stored_events", "unique_claims", "family_keys"} <= analyzed_tables(app)


def test_a_long_import_refreshes_the_statistics_as_the_tables_double(
    postgres_app: Casework,
) -> None:
    # When 16 families are imported 4 a batch, statistics first refreshed at 4 families
    run_import(postgres_app, generated(16), batch=4, first_analyze=4)

    # Then the claims were analyzed at 4, 8 and 16 families and once more at the end
    with postgres_app.db.transaction() as tx:
        tx.execute(
            "SELECT analyze_count FROM pg_stat_user_tables "
            "WHERE schemaname = current_schema() AND relname = 'unique_claims'"
        )
        assert tx.fetchone() == (4,)


def test_a_doubling_schedule_is_due_at_its_first_count_then_each_time_the_count_doubles() -> None:
    schedule = DoublingSchedule(first=100)
    due = [count for count in range(0, 1_000, 50) if schedule.due(count)]
    assert due == [100, 200, 400, 800]


def test_the_file_is_read_by_column_name_skipping_blank_lines_and_short_rows_lack_values() -> None:
    # Given a file whose columns are in another order, with an extra column and a blank line
    header = ["note", *reversed(COLUMNS)]
    first = [
        "x",
        "FAMILY_HEAD",
        "1980-01-31",
        "L",
        "Ana",
        "5371010101800001",
        "3",
        "Jl. A",
        "5371011001",
        "5371010101010001",
    ]
    short = ["y", "WIFE"]  # ends after relationship: no birth date, sex, name, NIK …
    text = "\r\n".join(",".join(row) for row in (header, first, [], short)) + "\r\n"

    # When it is read
    families = list(read_families(io.StringIO(text)))

    # Then each value is found under its name, the blank line is no row, the short row's
    # missing values are empty
    assert len(families) == 2
    family = families[0]
    assert (family.kk_number, family.area_code, family.address) == (
        "5371010101010001",
        "5371011001",
        "Jl. A",
    )
    assert family.members[0].nik == "5371010101800001"
    assert family.members[0].birth_date == date(1980, 1, 31)
    assert families[1].rows[0]["relationship"] == "WIFE"
    assert families[1].rows[0]["kk_number"] == ""
    assert families[1].line == 4
    assert [p.field for p in families[1].problems] == ["members[0].birth_date"]


def test_a_file_whose_header_lacks_a_column_is_refused_as_a_whole() -> None:
    header = ",".join(name for name in COLUMNS if name != "sex")
    with pytest.raises(BadImportFile, match="sex"):
        list(read_families(io.StringIO(header + "\n")))
