"""Console sessions on both backends: how they start, live, and end.

The store's clock is a number the test moves, so 30 idle minutes and 12 hours pass at once.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from casework.access.users import UserStore
from casework.console.sessions import (
    IDLE_MS,
    LONGEST_MS,
    Session,
    SessionStore,
    SignInRefused,
    form_token_matches,
)
from casework.service import Casework

START_MS = 1_800_000_000_000
MINUTE_MS = 60_000


class Clock:
    def __init__(self) -> None:
        self.now = START_MS

    def __call__(self) -> int:
        return self.now


def signed_in(app: Casework, role: str = "finance") -> tuple[SessionStore, Clock, Session]:
    users = UserStore(app.db)
    _, token = users.add(name=f"{role}-user", role=role, areas=[])
    clock = Clock()
    sessions = SessionStore(app.db, users, clock)
    session = sessions.start(token)
    assert isinstance(session, Session)
    return sessions, clock, session


def test_a_session_lives_while_used_within_30_minutes(app: Casework) -> None:
    sessions, clock, session = signed_in(app)
    for _ in range(3):
        clock.now += IDLE_MS - MINUTE_MS
        assert sessions.resume(session.session_id) is not None


def test_a_session_ends_after_30_idle_minutes(app: Casework) -> None:
    sessions, clock, session = signed_in(app)
    clock.now += IDLE_MS
    assert sessions.resume(session.session_id) is None
    clock.now = START_MS + MINUTE_MS  # ended for good, whatever the clock says later
    assert sessions.resume(session.session_id) is None


def test_a_session_ends_after_12_hours_however_busy(app: Casework) -> None:
    sessions, clock, session = signed_in(app)
    while clock.now + 20 * MINUTE_MS < START_MS + LONGEST_MS:
        clock.now += 20 * MINUTE_MS
        assert sessions.resume(session.session_id) is not None
    clock.now = START_MS + LONGEST_MS
    assert sessions.resume(session.session_id) is None


def test_a_revoked_user_loses_its_session(app: Casework) -> None:
    sessions, _, session = signed_in(app)
    UserStore(app.db).revoke(session.user.id)
    assert sessions.resume(session.session_id) is None


def test_an_expired_token_ends_its_session(app: Casework) -> None:
    users = UserStore(app.db)
    soon = datetime.now(UTC) + timedelta(seconds=1)
    user, token = users.add(name="brief", role="auditor", areas=[], expires_at=soon)
    sessions = SessionStore(app.db, users)
    session = sessions.start(token)
    assert isinstance(session, Session)
    assert users.current(user.id, now=soon + timedelta(milliseconds=1)) is None
    assert users.current(user.id, now=soon - timedelta(milliseconds=500)) == user


def test_a_caseworker_cannot_start_a_session(app: Casework) -> None:
    users = UserStore(app.db)
    _, token = users.add(name="kader", role="caseworker", areas=["53.71"])
    refused = SessionStore(app.db, users).start(token)
    assert refused == SignInRefused("role-not-allowed")


def test_only_a_hash_of_the_session_id_is_stored(app: Casework) -> None:
    _, _, session = signed_in(app)
    with app.db.transaction() as tx:
        tx.execute("SELECT id_hash FROM console_sessions")
        stored = [bytes(row[0]) for row in tx.fetchall()]
    assert len(stored) == 1
    assert session.session_id.encode() not in stored[0]
    assert len(stored[0]) == 32


def test_a_form_token_belongs_to_its_session(app: Casework) -> None:
    sessions, _, session = signed_in(app, "auditor")
    users = UserStore(app.db)
    _, other_token = users.add(name="other", role="auditor", areas=[])
    other = sessions.start(other_token)
    assert isinstance(other, Session)
    assert form_token_matches(session, session.form_token)
    assert not form_token_matches(session, other.form_token)
    assert not form_token_matches(session, "")
