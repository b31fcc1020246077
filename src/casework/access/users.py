"""The user store: who may call the API, with which role, in which areas, until when.

Users are never deleted, only revoked: a user's name is the actor on every event it caused, so
the name stays taken for good. Only the hash of each token's secret is kept (see `tokens`).
"""

from __future__ import annotations

import builtins
import json
import sqlite3
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import psycopg

from casework.access.token_cache import TokenVerdicts
from casework.access.tokens import (
    format_token,
    hash_secret,
    new_secret,
    parse_token,
    secret_matches,
)
from casework.access.user_checks import check_new_user
from casework.errors import Conflict, InvalidValue, NotFound
from casework.store.database import Database, Row, uuid_from_row

__all__ = ["DEFAULT_LIFETIME", "User", "UserStore"]

DEFAULT_LIFETIME = timedelta(days=365)

_COLUMNS = "id, name, role, areas, created_at, expires_at, revoked_at"


@dataclass(frozen=True)
class User:
    id: UUID
    name: str
    role: str
    areas: tuple[str, ...]
    created_at: datetime
    expires_at: datetime
    revoked_at: datetime | None


class UserStore:
    """Users in the `users` table of either backend; the Python side is the same for both."""

    def __init__(self, db: Database, verdicts: TokenVerdicts | None = None) -> None:
        """`verdicts`: keep good tokens' verdicts for a few seconds (the server does; a
        command-line process, which authenticates nobody, need not)."""
        self._db = db
        self._postgres = db.location.is_postgres
        self.verdicts = verdicts

    def add(
        self,
        *,
        name: str,
        role: str,
        areas: Sequence[str],
        expires_at: datetime | None = None,
        now: datetime | None = None,
    ) -> tuple[User, str]:
        """Create a user; returns it with its token, which exists nowhere else from then on."""
        now = _utc_now() if now is None else _to_utc_millis(now)
        expires_at = now + DEFAULT_LIFETIME if expires_at is None else expires_at
        normalised = check_new_user(name, role, areas, expires_at, now)
        user = User(uuid.uuid4(), name, role, normalised, now, _to_utc_millis(expires_at), None)
        secret = new_secret()
        try:
            with self._db.transaction() as tx:
                tx.execute(
                    "INSERT INTO users (id, name, role, areas, created_at, expires_at, token_hash)"
                    " VALUES (%s, %s, %s, %s, %s, %s, %s)",
                    (*self._params(user), hash_secret(secret)),
                )
        except (sqlite3.IntegrityError, psycopg.errors.UniqueViolation) as error:
            # The unique constraint decides, so two racing adds of one name cannot both win.
            if not _is_duplicate_name(error):
                raise
            raise Conflict("duplicate-user", f"a user named {name!r} already exists") from None
        return user, format_token(user.id, secret)

    def authenticate(self, token: str, now: datetime | None = None) -> User | None:
        """The user a token belongs to, if it is well formed, right, unrevoked and unexpired."""
        parsed = parse_token(token)
        if parsed is None:
            return None
        now = _utc_now() if now is None else now
        secret_hash = hash_secret(parsed.secret)
        if self.verdicts is not None:
            kept = self.verdicts.get(parsed.user_id, secret_hash)
            if kept is not None:
                return kept if kept.expires_at > now else None
        with self._db.single_read() as tx:
            tx.execute(f"SELECT {_COLUMNS}, token_hash FROM users WHERE id = %s", (parsed.user_id,))
            row = tx.fetchone()
        if not secret_matches(parsed.secret, None if row is None else bytes(row[-1])):
            return None
        assert row is not None  # secret_matches is False without a stored hash
        user = _usable(_user(row), now)
        if user is not None and self.verdicts is not None:
            self.verdicts.keep(user, secret_hash)
        return user

    def current(self, user_id: UUID, now: datetime | None = None) -> User | None:
        """The user while its token is still good, by the same rule as `authenticate`. The
        console's sessions ask on every page; the row is read each time (no kept verdict), so
        a revocation ends a session at its next page in every process."""
        with self._db.single_read() as tx:
            tx.execute(f"SELECT {_COLUMNS} FROM users WHERE id = %s", (user_id,))
            row = tx.fetchone()
        return None if row is None else _usable(_user(row), now)

    def authenticate_kept(self, token: str, now: datetime | None = None) -> User | None:
        """The user of a token whose good verdict is kept, without reading the store; None
        when no verdict is kept (then `authenticate` reads the store)."""
        parsed = parse_token(token)
        if parsed is None or self.verdicts is None:
            return None
        kept = self.verdicts.get(parsed.user_id, hash_secret(parsed.secret))
        return None if kept is None else _usable(kept, now)

    def get(self, user_id: UUID) -> User:
        return self._one("id", user_id, f"no user {user_id}")

    def by_name(self, name: str) -> User:
        return self._one("name", name, f"no user named {name!r}")

    def list(self) -> builtins.list[User]:
        with self._db.transaction() as tx:
            tx.execute(f"SELECT {_COLUMNS} FROM users ORDER BY name")
            return [_user(row) for row in tx.fetchall()]

    def revoke(self, user_id: UUID, now: datetime | None = None) -> User:
        """Revoke from `now` on; a second revocation keeps the first instant."""
        revoked_at = _utc_now() if now is None else _to_utc_millis(now)
        if self.verdicts is not None:
            self.verdicts.forget(user_id)
        with self._db.transaction() as tx:
            tx.execute(
                "UPDATE users SET revoked_at = %s WHERE id = %s AND revoked_at IS NULL",
                (self._instant(revoked_at), user_id),
            )
            tx.execute(f"SELECT {_COLUMNS} FROM users WHERE id = %s", (user_id,))
            row = tx.fetchone()
        if self.verdicts is not None:
            # Again once committed: a request may have read the row meanwhile and kept it.
            self.verdicts.forget(user_id)
        if row is None:
            raise NotFound(f"no user {user_id}")
        return _user(row)

    def _one(self, column: str, value: object, missing: str) -> User:
        with self._db.single_read() as tx:
            tx.execute(f"SELECT {_COLUMNS} FROM users WHERE {column} = %s", (value,))
            row = tx.fetchone()
        if row is None:
            raise NotFound(missing)
        return _user(row)

    def _params(self, user: User) -> tuple[Any, ...]:
        # PostgreSQL keeps areas as text[]; SQLite has no arrays, so a JSON array there.
        areas = list(user.areas) if self._postgres else json.dumps(list(user.areas))
        created_at, expires_at = self._instant(user.created_at), self._instant(user.expires_at)
        return (user.id, user.name, user.role, areas, created_at, expires_at)

    def _instant(self, value: datetime) -> Any:
        if self._postgres:
            return value
        # The text shape of the other SQLite tables, which also sorts as time does.
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"


def _usable(user: User, now: datetime | None) -> User | None:
    """The token's verdict: good unless revoked or expired."""
    now = _utc_now() if now is None else now
    if user.revoked_at is not None or user.expires_at <= now:
        return None
    return user


def _is_duplicate_name(error: Exception) -> bool:
    if isinstance(error, psycopg.errors.UniqueViolation):
        return error.diag.constraint_name == "users_name_unique"
    return "users.name" in str(error)


def _user(row: Row) -> User:
    areas = json.loads(row[3]) if isinstance(row[3], str) else row[3]
    return User(
        id=uuid_from_row(row[0]),
        name=row[1],
        role=row[2],
        areas=tuple(areas),
        created_at=_as_utc(row[4]),
        expires_at=_as_utc(row[5]),
        revoked_at=None if row[6] is None else _as_utc(row[6]),
    )


def _as_utc(value: datetime | str) -> datetime:
    instant = value if isinstance(value, datetime) else datetime.fromisoformat(value)
    return instant.astimezone(UTC)


def _to_utc_millis(value: datetime) -> datetime:
    """UTC, cut to milliseconds: what SQLite keeps, so both backends hand back equal values."""
    if value.tzinfo is None:
        raise InvalidValue("instants must carry a UTC offset")
    utc = value.astimezone(UTC)
    return utc.replace(microsecond=utc.microsecond // 1000 * 1000)


def _utc_now() -> datetime:
    return _to_utc_millis(datetime.now(UTC))
