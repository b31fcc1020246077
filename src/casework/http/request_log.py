"""One JSON line per request, and its id echoed in `X-Request-ID`.

Wraps the whole application (so unknown routes and refused tokens are logged too). It logs
who and what (actor, role, method, route template, status, duration), never a body, a query
string or a concrete path: those can hold a NIK.
"""

from __future__ import annotations

import re
import time
import uuid
from typing import Any

import structlog
from litestar.enums import ScopeType
from litestar.types import ASGIApp, Message, Receive, Scope, Send

log = structlog.get_logger("casework.request")
# A client's own request id is kept when it is short and plain; otherwise we make one.
_CLIENT_ID = re.compile(r"^[A-Za-z0-9._:-]{1,100}$")


class RequestLog:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != ScopeType.HTTP:
            await self.app(scope, receive, send)
            return
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        started = time.perf_counter()

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = list(message.get("headers", []))
                headers.append((b"x-request-id", request_id.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            user: Any = scope.get("user")
            log.info(
                "request",
                request_id=request_id,
                actor_id=str(user.id) if user is not None else None,
                role=getattr(user, "role", None),
                method=scope.get("method"),
                route=scope.get("path_template") or "(no route)",
                status=status,
                duration_ms=round((time.perf_counter() - started) * 1000, 2),
            )


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name.lower() == b"x-request-id":
            candidate = value.decode("latin-1")
            if _CLIENT_ID.match(candidate):
                return candidate
    return uuid.uuid4().hex
