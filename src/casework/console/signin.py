"""Signing in with a token, signing out, and the language switch.

The session cookie is HttpOnly (no script reads it), SameSite=Strict (no other site's page or
link sends it) and Secure over TLS. Signing out ends the session in the database, so a copied
cookie is worth nothing afterwards either.
"""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from casework.console.reader import (
    LANGUAGE_COOKIE,
    LANGUAGES,
    SESSION_COOKIE,
    is_secure,
    language_of,
)
from casework.console.rendering import page
from casework.console.sessions import Session, SessionStore, SignInRefused, form_token_matches

HOME = "/console/reconciliation"
SIGN_IN = "/console/sign-in"
MAX_TOKEN = 500  # a token is about 70 characters; anything longer is not one


class SignInForm(msgspec.Struct):
    token: str = ""


class FormWithToken(msgspec.Struct):
    form_token: str = ""


Form = Body(media_type=RequestEncodingType.URL_ENCODED)


def session_cookie(request: Request[Any, Any, Any], value: str, *, max_age: int | None) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value=value,
        path="/console",
        httponly=True,
        samesite="strict",
        secure=is_secure(request),
        max_age=max_age,
    )


class SignInController(Controller):
    path = "/"

    @get("/", sync_to_thread=False)
    def start(self) -> Redirect:
        return Redirect(HOME)

    @get("/sign-in", sync_to_thread=False)
    def form(self, request: Request[Any, Any, Any], ended: bool = False) -> Template:
        return page(request, None, "sign_in.html", message="session_ended" if ended else None)

    @post("/sign-in", sync_to_thread=True, status_code=303)
    def sign_in(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[SignInForm, Form],
    ) -> Response[Any]:
        sessions: SessionStore = request.app.state.console_sessions
        token = data.token.strip()
        started = sessions.start(token) if 0 < len(token) <= MAX_TOKEN else None
        if not isinstance(started, Session):
            reason = started.reason if isinstance(started, SignInRefused) else "unknown-token"
            return page(request, None, "sign_in.html", status=401, message=reason)
        redirect = Redirect(HOME, status_code=303)
        redirect.set_cookie(session_cookie(request, started.session_id, max_age=None))
        return redirect

    @post("/sign-out", sync_to_thread=True, status_code=303)
    def sign_out(
        self,
        request: Request[Any, Any, Any],
        data: Annotated[FormWithToken, Form],
    ) -> Response[Any]:
        sessions: SessionStore = request.app.state.console_sessions
        session_id = request.cookies.get(SESSION_COOKIE, "")
        session = sessions.resume(session_id) if session_id else None
        if session is not None and form_token_matches(session, data.form_token):
            sessions.end(session_id)
        redirect = Redirect(SIGN_IN, status_code=303)
        redirect.set_cookie(session_cookie(request, "", max_age=0))
        return redirect

    @get("/language", sync_to_thread=False)
    def language(
        self, request: Request[Any, Any, Any], to: str = "id", next: str = HOME
    ) -> Redirect:
        """Remembered for the browser's session (a cookie without an expiry)."""
        chosen = to if to in LANGUAGES else language_of(request)
        # Only back into the console: never a redirect to another site.
        target = next if next.startswith("/console") and "//" not in next else HOME
        redirect = Redirect(target)
        redirect.set_cookie(
            Cookie(
                key=LANGUAGE_COOKIE,
                value=chosen,
                path="/console",
                httponly=True,
                samesite="strict",
                secure=is_secure(request),
            )
        )
        return redirect
