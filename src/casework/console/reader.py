"""Who reads a console page: the session behind its cookie, checked on every request.

Every page handler takes a `reader`. Resolving it resumes the session (which asks for the
token's verdict), then checks the page's roles (`opt["console_roles"]`): no session sends the
browser to sign in, a role the page is not for gets a 403 page. The API's bearer guard does not
run under `/console`; this is the console's one door.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request

from casework.access.users import User
from casework.console.formatting import Writer
from casework.console.sessions import Session, SessionStore

SESSION_COOKIE = "casework_console"
LANGUAGE_COOKIE = "casework_console_language"
LANGUAGES = ("id", "en")
FINANCE_PAGES = frozenset({"finance", "auditor", "admin"})
AUDIT_PAGES = frozenset({"auditor", "admin"})


class SignInNeededError(Exception):
    """No session, or one that has ended: the browser is sent to the sign-in page."""


class NotForRoleError(Exception):
    """The page is not for the reader's role (403)."""


@dataclass(frozen=True)
class Reader:
    session: Session
    language: str
    zone: ZoneInfo

    @property
    def user(self) -> User:
        return self.session.user

    @property
    def audits(self) -> bool:
        """Auditors and admins also see the audit pages and families' timelines."""
        return self.user.role in AUDIT_PAGES

    @property
    def writer(self) -> Writer:
        return Writer(self.language, self.zone)


def language_of(request: Request[Any, Any, Any]) -> str:
    """Bahasa Indonesia whatever the browser asks for, unless the reader switched."""
    chosen = request.cookies.get(LANGUAGE_COOKIE, "id")
    return chosen if chosen in LANGUAGES else "id"


def zone_of(request: Request[Any, Any, Any]) -> ZoneInfo:
    zone: ZoneInfo = request.app.state.console_zone
    return zone


def provide_reader(request: Request[Any, Any, Any]) -> Reader:
    """Runs in a worker thread (it reads and touches the session's row)."""
    session_id = request.cookies.get(SESSION_COOKIE)
    if not session_id:
        raise SignInNeededError
    sessions: SessionStore = request.app.state.console_sessions
    session = sessions.resume(session_id)
    if session is None:
        raise SignInNeededError
    roles: frozenset[str] = request.route_handler.opt.get("console_roles", AUDIT_PAGES)
    request.scope["user"] = session.user  # the request log names who read the page
    if session.user.role not in roles:
        raise NotForRoleError
    return Reader(session, language_of(request), zone_of(request))


def is_secure(request: Request[Any, Any, Any]) -> bool:
    """Over TLS the cookie is Secure. uvicorn sets the scheme from X-Forwarded-Proto when the
    proxy is trusted (`--forwarded-allow-ips`), so a TLS-terminating proxy counts too."""
    return request.url.scheme == "https"
