"""Console sessions: a random id in an HttpOnly cookie, only its SHA-256 in the database.

A session lives while three things hold: it was used in the last 30 minutes, it began less than
12 hours ago, and its user's token is still good (neither revoked nor expired). The token's
verdict is asked of the user store on every page, through the same rule the API applies to a
bearer token, so revoking a user ends its console sessions at their next request.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from uuid import UUID

from casework.access.users import User, UserStore
from casework.store.database import Database, uuid_from_row

IDLE_MS = 30 * 60 * 1000
LONGEST_MS = 12 * 60 * 60 * 1000
# Finance staff, auditors and admins work in the console; caseworkers use their apps.
CONSOLE_ROLES = frozenset({"finance", "auditor", "admin"})


def now_ms() -> int:
    return time.time_ns() // 1_000_000


@dataclass(frozen=True)
class SignInRefused:
    reason: str  # "unknown-token" or "role-not-allowed"


@dataclass(frozen=True)
class Session:
    session_id: str  # the cookie's value; never stored
    user: User

    @property
    def form_token(self) -> str:
        return form_token(self.session_id)


def alive(started_ms: int, last_seen_ms: int, now: int) -> bool:
    """Within 30 minutes of its last use and 12 hours of its start."""
    return now - last_seen_ms < IDLE_MS and now - started_ms < LONGEST_MS


def form_token(session_id: str) -> str:
    """The token a form of this session carries: derived from the session id, which a page of
    another site cannot read, so it cannot forge the form either."""
    return hashlib.sha256(b"casework-console-form:" + session_id.encode()).hexdigest()


def form_token_matches(session: Session, sent: str) -> bool:
    return hmac.compare_digest(session.form_token, sent)


class SessionStore:
    def __init__(self, db: Database, users: UserStore, clock: Callable[[], int] = now_ms) -> None:
        self._db = db
        self._users = users
        self.clock = clock

    def start(self, token: str) -> Session | SignInRefused:
        user = self._users.authenticate(token.strip())
        if user is None:
            return SignInRefused("unknown-token")
        if user.role not in CONSOLE_ROLES:
            return SignInRefused("role-not-allowed")
        session_id = secrets.token_urlsafe(32)
        now = self.clock()
        with self._db.transaction() as tx:
            tx.execute(
                "INSERT INTO console_sessions (id_hash, user_id, started_ms, last_seen_ms) "
                "VALUES (%s, %s, %s, %s)",
                (_hash(session_id), user.id, now, now),
            )
        return Session(session_id, user)

    def resume(self, session_id: str) -> Session | None:
        """The session, used now, if it is still alive; else ended, and None."""
        now = self.clock()
        with self._db.transaction() as tx:
            tx.execute(
                "SELECT user_id, started_ms, last_seen_ms FROM console_sessions "
                "WHERE id_hash = %s AND ended_ms IS NULL",
                (_hash(session_id),),
            )
            row = tx.fetchone()
        if row is None:
            return None
        user_id: UUID = uuid_from_row(row[0])
        user = self._users.current(user_id) if alive(int(row[1]), int(row[2]), now) else None
        if user is None or user.role not in CONSOLE_ROLES:
            self.end(session_id)
            return None
        with self._db.transaction() as tx:
            tx.execute(
                "UPDATE console_sessions SET last_seen_ms = %s WHERE id_hash = %s",
                (now, _hash(session_id)),
            )
        return Session(session_id, user)

    def end(self, session_id: str) -> None:
        with self._db.transaction() as tx:
            tx.execute(
                "UPDATE console_sessions SET ended_ms = %s WHERE id_hash = %s AND ended_ms IS NULL",
                (self.clock(), _hash(session_id)),
            )


def _hash(session_id: str) -> bytes:
    return hashlib.sha256(session_id.encode()).digest()
