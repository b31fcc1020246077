"""The deployment's time zone (CASEWORK_TIME_ZONE): an IANA name, Asia/Jakarta by default."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from builders import CAUSE, member, register
from casework.aggregates.family import Family
from casework.cli.main import main
from casework.service import Casework
from casework.settings import ConfigurationError, Settings
from casework.store.bootstrap import migrate_store


def test_the_zone_defaults_to_jakarta() -> None:
    # given an environment that names no zone
    settings = Settings.from_env({})
    # then the deployment runs on Western Indonesian Time
    assert settings.time_zone == "Asia/Jakarta"
    assert datetime(2026, 1, 1, 17, 30, tzinfo=UTC).astimezone(settings.zone).day == 2


def test_an_iana_name_is_taken_as_given() -> None:
    # given Kota Kupang's zone
    settings = Settings.from_env({"CASEWORK_TIME_ZONE": "Asia/Makassar"})
    # then instants are read in WITA (UTC+8)
    assert settings.time_zone == "Asia/Makassar"
    assert datetime(2026, 1, 1, 16, 0, tzinfo=UTC).astimezone(settings.zone).hour == 0


@pytest.mark.parametrize("name", ["WITA", "Asia/Kupang", "../etc/passwd", "+08:00"])
def test_a_name_that_is_no_zone_is_refused(name: str) -> None:
    # when the environment names something that is not an IANA zone
    with pytest.raises(ConfigurationError, match="not an IANA time zone name"):
        Settings.from_env({"CASEWORK_TIME_ZONE": name})


def test_every_command_stops_at_start_on_a_bad_zone(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given a misspelt zone
    monkeypatch.setenv("CASEWORK_TIME_ZONE", "Asia/Kupang")
    # when any command runs
    code = main(["status"])
    # then it stops with a message, not a traceback
    assert code == 2
    error = capsys.readouterr().err
    assert "CASEWORK_TIME_ZONE 'Asia/Kupang' is not an IANA time zone name" in error


def test_today_is_the_deployment_s_today(tmp_path: Path) -> None:
    # given a deployment far east of UTC (UTC+14: its date is often UTC's tomorrow)
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'c.db'}", time_zone="Etc/GMT-14")
    migrate_store(settings)
    app = Casework(settings)
    try:
        # when a caseworker records a departure dated today, where the deployment is
        local_today = datetime.now(ZoneInfo("Etc/GMT-14")).date()
        family_id = register(app, member(), member("anak")).aggregate_id
        child = [m for m in app.load(Family, family_id).members.values()][-1]
        assert child.nik is not None
        app.depart_member(CAUSE, family_id, child.nik, reason="moved_out", on=local_today)
        # then it is not "in the future": the rules read dates in the deployment's zone
        assert app.today() in (local_today, local_today - timedelta(days=1))
        assert app.load(Family, family_id).members[child.member_no].departed_on == local_today
    finally:
        app.close()
