"""Query strings without control characters, refused before any handler sees them.

A query value reaches SQL filters (actor, type, programme, name part …); PostgreSQL text cannot
hold NUL, and no filter means a control character. One check here, not one per parameter.
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from litestar.types import ASGIApp, Receive, Scope, Send

from casework.http.body import send_problem
from casework.http.problems import problem_response
from casework.http.schemas.common import FieldMessage
from casework.validation.field_checks import CONTROL_CHARACTERS


class PlainQuery:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        raw = scope.get("query_string", b"")
        if raw:
            query = raw.decode("latin-1")
            for name, value in parse_qsl(query, keep_blank_values=True, encoding="utf-8"):
                if CONTROL_CHARACTERS.search(value) or CONTROL_CHARACTERS.search(name):
                    problem = FieldMessage(name, "must not hold control characters")
                    await send_problem(
                        problem_response(422, "Some fields are invalid", errors=[problem]), send
                    )
                    return
        await self.app(scope, receive, send)
