"""Bearer-token authentication, and the refusals that must come before anything else.

The token is looked up by its user id and compared by hash (its verdict then kept for a few
seconds: casework.access.token_cache). API.md fixes the order of refusals: 401 first; then, for
a caseworker, a family that is unknown or outside its areas answers 404 before any 412, 422 or
409 about it, so its existence is never revealed by an answer about its version, its
idempotency key or a body sent to it. Those later answers come from the middleware and handlers
that run after this one, so that 404 is answered here (casework.http.policy judges it).

It makes the request's context (casework.http.request_context) once, as the request's `auth`.
A token whose verdict is kept and a request that names no caseworker's family need no store,
and no worker thread, here.
"""

from __future__ import annotations

from typing import Any

import anyio
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, NotFoundException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult
from litestar.types import Scope

from casework.access.users import User, UserStore
from casework.aggregates.base import Preloaded
from casework.aggregates.family import Family
from casework.http.policy import family_to_judge, family_verdict
from casework.http.request_context import RequestContext
from casework.service import Casework

# Paths anyone may call: liveness, readiness and the published contract.
PUBLIC_PATHS = {"/health", "/ready", "/schema"}


class BearerAuthentication(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise NotAuthorizedException("send Authorization: Bearer <token>")
        users: UserStore = connection.app.state.users
        # A kept verdict needs no store; a caseworker's family does (one worker-thread hop).
        user = users.authenticate_kept(token)
        family_id = None if user is None else family_to_judge(user, connection)
        verdict = None
        if user is None or family_id is not None:
            casework: Casework = connection.app.state.casework
            user, verdict = await anyio.to_thread.run_sync(
                _authenticate, users, casework, token, connection
            )
        if user is None:
            raise NotAuthorizedException("the token is unknown, expired or revoked")
        if isinstance(verdict, NotFoundException):
            raise verdict
        context = RequestContext(
            user=user,
            request_id=request_id_of(connection.scope),
            idempotency_key=connection.headers.get("idempotency-key"),
            preloaded=None if verdict is None else Preloaded(verdict),
        )
        return AuthenticationResult(user=user, auth=context)


def _authenticate(
    users: UserStore,
    casework: Casework,
    token: str,
    connection: ASGIConnection[Any, Any, Any, Any],
) -> tuple[User | None, Family | NotFoundException | None]:
    """In one worker thread: the token's user and, for a caseworker's request on a family,
    whether the family lies in its areas (a hop to a worker thread took about 130 µs here)."""
    user = users.authenticate(token)
    family_id = None if user is None else family_to_judge(user, connection)
    if user is None or family_id is None:
        return user, None
    return user, family_verdict(casework, user, family_id)


def request_id_of(scope: Scope) -> str:
    """The id the request log gave the request (casework.http.request_log)."""
    state = scope.get("state") or {}
    return str(state.get("request_id", ""))
