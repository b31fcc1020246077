"""Bearer-token authentication: the token is looked up by its user id and compared by hash."""

from __future__ import annotations

from typing import Any

import anyio
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import AbstractAuthenticationMiddleware, AuthenticationResult

from casework.access.users import UserStore

# Paths anyone may call: liveness, readiness and the published contract.
PUBLIC_PATHS = {"/health", "/ready", "/schema"}


class BearerAuthentication(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("send Authorization: Bearer <token>")
        users: UserStore = connection.app.state.users
        user = await anyio.to_thread.run_sync(users.authenticate, token.strip())
        if user is None:
            raise NotAuthorizedException("the token is unknown, expired or revoked")
        return AuthenticationResult(user=user, auth=None)
