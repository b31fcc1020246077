"""`casework user add|revoke|list` on a temporary SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from casework.access.users import UserStore
from casework.cli.main import main
from casework.settings import parse_database_url
from casework.store.database import open_database


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'casework.db'}"
    monkeypatch.setenv("CASEWORK_DATABASE_URL", url)
    for name in (
        "CASEWORK_MIGRATE_DATABASE_URL",
        "CASEWORK_MASTER_KEY",
        "CASEWORK_MASTER_KEY_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    return url


@pytest.fixture
def migrated(database_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    assert main(["migrate"]) == 0
    capsys.readouterr()
    return database_url


@pytest.fixture
def users(migrated: str) -> Iterator[UserStore]:
    db = open_database(parse_database_url(migrated))
    yield UserStore(db)
    db.close()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_user_add_prints_a_working_token_on_the_last_line(
    users: UserStore, capsys: pytest.CaptureFixture[str]
) -> None:
    # When a caseworker for Kota Kupang is added, its area given undotted
    code, out, _ = run(capsys, "user", "add", "maria", "--role", "caseworker", "--area", "5371")

    # Then the last line alone is a token that authenticates as that user
    assert code == 0
    token = out.splitlines()[-1]
    user = users.authenticate(token)
    assert user is not None
    assert (user.name, user.role, user.areas) == ("maria", "caseworker", ("53.71",))
    assert "maria" in out.splitlines()[0]


def test_user_add_honours_expires_in_days(
    users: UserStore, capsys: pytest.CaptureFixture[str]
) -> None:
    # When an auditor is added for 7 days
    before = datetime.now(UTC) - timedelta(milliseconds=1)
    code, _, _ = run(capsys, "user", "add", "yohana", "--role", "auditor", "--expires-in-days", "7")
    after = datetime.now(UTC)

    # Then its token expires 7 days after the command ran
    assert code == 0
    expires_at = users.by_name("yohana").expires_at
    assert before + timedelta(days=7) <= expires_at <= after + timedelta(days=7)


def test_user_revoke_stops_the_token(users: UserStore, capsys: pytest.CaptureFixture[str]) -> None:
    # Given an admin with a working token
    _, out, _ = run(capsys, "user", "add", "desi", "--role", "admin")
    token = out.splitlines()[-1]
    assert users.authenticate(token) is not None

    # When it is revoked by name
    code, out, _ = run(capsys, "user", "revoke", "desi")

    # Then its token no longer authenticates
    assert code == 0
    assert "desi" in out
    assert users.authenticate(token) is None


def test_user_revoke_of_an_unknown_name_fails(
    migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run(capsys, "user", "revoke", "nobody")
    assert code == 1
    assert out == ""
    assert "nobody" in err


def test_user_list_shows_users_but_never_a_token(
    migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given two users, one revoked
    tokens = []
    for argv in (
        ["maria", "--role", "caseworker", "--area", "53.71"],
        ["ani", "--role", "finance"],
    ):
        _, out, _ = run(capsys, "user", "add", *argv)
        tokens.append(out.splitlines()[-1])
    run(capsys, "user", "revoke", "ani")

    # When users are listed
    code, out, _ = run(capsys, "user", "list")

    # Then both appear, by name, with role and areas, and no token or secret is printed
    assert code == 0
    lines = out.splitlines()
    assert lines[1].split()[:3] == ["ani", "finance", "-"]
    assert lines[2].split()[:3] == ["maria", "caseworker", "53.71"]
    assert lines[1].split()[-1] != "-"  # revoked: an instant
    assert lines[2].split()[-1] == "-"
    for token in tokens:
        assert token not in out
        assert token.split("_", 2)[2] not in out
    assert "cw_" not in out


def test_user_add_reports_each_bad_field_and_exits_2(
    migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # When a user is added with a bad name, role and area
    code, out, err = run(capsys, "user", "add", "cli:x", "--role", "boss", "--area", "99")

    # Then each problem is a line naming its field, and nothing is printed as a result
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        "casework user add: name: must not start with 'cli:' (reserved for command-line actors)",
        "casework user add: role: must be one of caseworker, finance, auditor, admin; got 'boss'",
        "casework user add: areas[0]: unknown area code 99",
    ]


def test_user_add_of_a_taken_name_exits_1(
    migrated: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Given a user named maria
    run(capsys, "user", "add", "maria", "--role", "admin")

    # When another maria is added
    code, out, err = run(capsys, "user", "add", "maria", "--role", "finance")

    # Then it is refused, and no token is printed
    assert code == 1
    assert out == ""
    assert "maria" in err and "already exists" in err


def test_user_commands_need_a_migrated_store(
    database_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(capsys, "user", "list")
    assert code == 2
    assert "casework migrate" in err
