"""Migration 0011 moves the dates of written delivery lines onto the lines, and keeps the rest.

A ledger built before it holds every date in `funding_ledger_delivery_dates`: after it, a line
carries its own, and only a date whose draw the ledger has not reached still waits there.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from uuid import uuid4

import pytest

from casework.settings import Settings
from casework.store.bootstrap import migrate_store
from casework.store.database import open_database
from casework.store.migrations import apply_migrations
from conftest import postgres_settings, sqlite_settings


@pytest.fixture(params=["sqlite", "postgres"])
def settings(request: pytest.FixtureRequest, tmp_path: Path) -> Settings:
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        url: str = request.getfixturevalue("postgres_url")
        return postgres_settings(url, "dates_migration")
    return sqlite_settings(tmp_path)


def test_written_lines_take_their_dates_and_the_waiting_one_stays(settings: Settings) -> None:
    # given a ledger of the schema before 0011: one line with its date, one date without a line
    apply_migrations(settings.migration_database, until="0010.begin-insert")
    written, waiting = uuid4(), uuid4()
    db = open_database(settings.database)
    with db.transaction() as tx:
        tx.execute(
            "INSERT INTO funding_ledger_deliveries (delivery_id, position, funding_source_id, "
            "family_id, area_code, program, period, value_idr) "
            "VALUES (%s, 7, %s, %s, '53.71.01.1001', 'ina_kasih', '2025-08', 60000)",
            (written, uuid4(), uuid4()),
        )
        tx.executemany(
            "INSERT INTO funding_ledger_delivery_dates (delivery_id, delivered_on) VALUES (%s, %s)",
            [(written, date(2025, 8, 11)), (waiting, date(2025, 8, 12))],
        )
    # when the rest is applied
    migrate_store(settings)
    # then the line has its date, and only the other date still waits
    with db.transaction() as tx:
        tx.execute("SELECT delivered_on FROM funding_ledger_deliveries")
        assert [str(row[0]) for row in tx.fetchall()] == ["2025-08-11"]
        tx.execute("SELECT delivered_on FROM funding_ledger_delivery_dates")
        assert [str(row[0]) for row in tx.fetchall()] == ["2025-08-12"]
    db.close()
