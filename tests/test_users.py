"""The user store on both backends: tokens, expiry, revocation, validation."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

import pytest

from casework.access.tokens import format_token, parse_token
from casework.access.users import User, UserStore
from casework.errors import Conflict, NotFound, ValidationFailed
from casework.service import Casework

NOW = datetime.now(UTC).replace(microsecond=0)
KUPANG = "53.71"


@pytest.fixture
def users(app: Casework) -> UserStore:
    return UserStore(app.db)


def add_caseworker(users: UserStore, name: str = "maria", **overrides: Any) -> tuple[User, str]:
    fields: dict[str, Any] = {"name": name, "role": "caseworker", "areas": [KUPANG], "now": NOW}
    return users.add(**(fields | overrides))


def problems_of(failed: pytest.ExceptionInfo[ValidationFailed]) -> dict[str, str]:
    return {problem.field: problem.message for problem in failed.value.problems}


# -- tokens ------------------------------------------------------------------------------------


def test_an_added_user_authenticates_with_its_token(users: UserStore) -> None:
    # Given a caseworker added to the store
    added, token = add_caseworker(users)

    # When its token is presented
    found = users.authenticate(token, now=NOW + timedelta(minutes=1))

    # Then it is that user, as stored
    assert found == added
    assert found == users.get(added.id) == users.by_name("maria")
    assert found.role == "caseworker"
    assert found.areas == (KUPANG,)
    assert found.created_at == NOW
    assert found.expires_at == NOW + timedelta(days=365)
    assert found.revoked_at is None
    assert found.created_at.tzinfo is not None and found.created_at.utcoffset() == timedelta(0)


def test_only_the_hash_of_the_secret_is_stored(app: Casework, users: UserStore) -> None:
    # Given a user and its token
    added, token = add_caseworker(users)
    parsed = parse_token(token)
    assert parsed is not None and parsed.user_id == added.id

    # When its row is read back
    with app.db.transaction() as tx:
        tx.execute("SELECT * FROM users")
        (row,) = tx.fetchall()

    # Then the secret is nowhere in it, but its SHA-256 is
    stored = [bytes(cell) if isinstance(cell, memoryview) else cell for cell in row]
    assert hashlib.sha256(parsed.secret.encode()).digest() in stored
    for cell in stored:
        text = cell.decode("latin-1") if isinstance(cell, bytes) else str(cell)
        assert parsed.secret not in text
        assert token not in text


def test_a_wrong_secret_does_not_authenticate(users: UserStore) -> None:
    # Given a user
    added, token = add_caseworker(users)

    # When its id is presented with another secret
    forged = format_token(added.id, "A" * 43)

    # Then nobody is authenticated
    assert users.authenticate(forged, now=NOW) is None
    assert users.authenticate(token, now=NOW) == added


def test_a_token_of_an_unknown_user_does_not_authenticate(users: UserStore) -> None:
    # Given a store with one user
    _, token = add_caseworker(users)
    parsed = parse_token(token)
    assert parsed is not None

    # When its secret is presented under another id, Then nobody is authenticated
    assert users.authenticate(format_token(uuid4(), parsed.secret), now=NOW) is None


def test_malformed_tokens_do_not_authenticate(users: UserStore) -> None:
    # Given a user and variations of its token that are not tokens
    added, token = add_caseworker(users)
    _, hex_id, secret = token.split("_", 2)
    malformed = [
        "",
        "cw",
        "cw__",
        f"cw_{hex_id}",
        f"cw_{hex_id}_",
        f"Bearer {token}",
        f"{token}\n",
        f" {token}",
        f"xx_{hex_id}_{secret}",
        f"cw_{hex_id.upper()}_{secret}",
        f"cw_{hex_id[:-1]}_{secret}",
        f"cw_{hex_id}_{secret}é",
        f"cw_{hex_id}_{secret}" + "A" * 200,
        "cw_" + "z" * 32 + f"_{secret}",
    ]

    # When each is presented, Then none authenticates, and nothing raises
    for candidate in malformed:
        assert users.authenticate(candidate, now=NOW) is None, candidate
    assert users.authenticate(token, now=NOW) == added


# -- expiry and revocation ---------------------------------------------------------------------


def test_a_token_works_until_its_expiry_and_not_from_then_on(users: UserStore) -> None:
    # Given a user whose token expires in a day
    expires_at = NOW + timedelta(days=1)
    added, token = add_caseworker(users, expires_at=expires_at)
    assert added.expires_at == expires_at

    # When it is presented just before and exactly at the expiry
    # Then it works before and is refused from the expiry on
    assert users.authenticate(token, now=expires_at - timedelta(milliseconds=1)) == added
    assert users.authenticate(token, now=expires_at) is None
    assert users.authenticate(token, now=expires_at + timedelta(days=1)) is None


def test_a_revoked_user_no_longer_authenticates(users: UserStore) -> None:
    # Given a user with a working token
    added, token = add_caseworker(users)
    assert users.authenticate(token, now=NOW) is not None

    # When it is revoked
    revoked = users.revoke(added.id, now=NOW + timedelta(hours=1))

    # Then its token is refused, and the store says when it was revoked
    assert revoked.revoked_at == NOW + timedelta(hours=1)
    assert users.authenticate(token, now=NOW + timedelta(hours=2)) is None
    assert users.get(added.id).revoked_at == NOW + timedelta(hours=1)


def test_revoking_twice_keeps_the_first_instant(users: UserStore) -> None:
    # Given a revoked user
    added, _ = add_caseworker(users)
    first = users.revoke(added.id, now=NOW + timedelta(hours=1))

    # When it is revoked again later
    second = users.revoke(added.id, now=NOW + timedelta(hours=5))

    # Then the first revocation stands
    assert second.revoked_at == first.revoked_at == NOW + timedelta(hours=1)


def test_unknown_users_are_not_found(users: UserStore) -> None:
    with pytest.raises(NotFound):
        users.get(uuid4())
    with pytest.raises(NotFound):
        users.by_name("nobody")
    with pytest.raises(NotFound):
        users.revoke(uuid4())


# -- names -------------------------------------------------------------------------------------


def test_a_name_is_taken_for_good(users: UserStore) -> None:
    # Given a user named maria, later revoked
    added, _ = add_caseworker(users)
    users.revoke(added.id)

    # When another maria is added, with another role
    with pytest.raises(Conflict) as conflict:
        users.add(name="maria", role="admin", areas=[])

    # Then the name is refused, and the store still holds one maria
    assert conflict.value.kind == "duplicate-user"
    assert [user.name for user in users.list()] == ["maria"]


def test_users_are_listed_by_name(users: UserStore) -> None:
    # Given users added out of order, with every role
    add_caseworker(users, "yohana")
    users.add(name="ani", role="finance", areas=[])
    users.add(name="Benyamin", role="auditor", areas=[])
    users.add(name="desi", role="admin", areas=[KUPANG])

    # When they are listed, Then they come ordered by name
    assert [user.name for user in users.list()] == sorted(["yohana", "ani", "Benyamin", "desi"])


# -- validation --------------------------------------------------------------------------------


def test_areas_are_normalised_and_deduplicated(users: UserStore) -> None:
    # When a caseworker is added with undotted and repeated codes at several levels
    added, _ = add_caseworker(users, areas=["5371", "53.71", "5371011001", " 53 "])

    # Then each area is stored once, dotted
    assert added.areas == ("53.71", "53.71.01.1001", "53")
    assert users.get(added.id).areas == added.areas


def test_every_problem_is_reported_with_its_field(users: UserStore) -> None:
    # When a user is added with everything wrong
    with pytest.raises(ValidationFailed) as failed:
        users.add(
            name=" cli:x",
            role="boss",
            areas=["53.71", "99", "Kupang"],
            expires_at=NOW - timedelta(seconds=1),
            now=NOW,
        )

    # Then each field is named, the good area left out
    assert set(problems_of(failed)) == {"name", "role", "areas[1]", "areas[2]", "expires_at"}
    assert users.list() == []


@pytest.mark.parametrize(
    ("overrides", "field", "message_part"),
    [
        ({"name": ""}, "name", "empty"),
        ({"name": "x" * 101}, "name", "at most 100"),
        ({"name": "ma\nria"}, "name", "printable"),
        ({"name": "maria\tpah"}, "name", "printable"),
        ({"name": " maria"}, "name", "whitespace"),
        ({"name": "maria "}, "name", "whitespace"),
        ({"name": "cli:migrate"}, "name", "cli:"),
        ({"name": "CLI:serve"}, "name", "cli:"),
        ({"role": "superuser"}, "role", "one of"),
        ({"areas": []}, "areas", "at least one area"),
        ({"areas": "53.71"}, "areas", "list"),
        ({"areas": ["53.71", "53.99"]}, "areas[1]", "unknown"),
        ({"areas": ["53-71"]}, "areas[0]", "dotted"),
        ({"expires_at": NOW}, "expires_at", "future"),
        ({"expires_at": NOW.replace(tzinfo=None) + timedelta(days=1)}, "expires_at", "offset"),
    ],
)
def test_a_bad_field_is_refused(
    users: UserStore, overrides: dict[str, Any], field: str, message_part: str
) -> None:
    # When a caseworker is added with one bad field
    with pytest.raises(ValidationFailed) as failed:
        add_caseworker(users, **overrides)

    # Then that field, and only it, is reported
    problems = problems_of(failed)
    assert list(problems) == [field]
    assert message_part in problems[field]


@pytest.mark.parametrize("role", ["finance", "auditor", "admin"])
def test_roles_other_than_caseworker_need_no_area(users: UserStore, role: str) -> None:
    added, token = users.add(name=f"{role}-1", role=role, areas=[])
    assert added.areas == ()
    assert users.authenticate(token) == added


def test_a_name_of_one_hundred_printable_characters_is_fine(users: UserStore) -> None:
    added, _ = add_caseworker(users, "Maria Goreti " + "x" * 87)
    assert len(added.name) == 100
