"""Request bodies decoded strictly, before the framework sees them.

litestar converts a body to its Struct in lax mode (it shares the conversion with query
strings), so `"budget_idr": "1000"` or `10.0` would pass as rupiah. Here the body is decoded
with msgspec in strict mode against the handler's own `data` type: JSON types must be exact,
and a failure answers 422 with the field path (or 400 when the body is not JSON at all:
invalid UTF-8, bad syntax, nesting too deep). A body that passes is handed on unchanged. A POST
whose handler takes no body still refuses one over 1 MiB (413) or one that is not JSON (400).
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
from litestar.types import ASGIApp, Receive, Scope, Send

from casework.http.body import ClientGone, read_body, replay_body, send_problem
from casework.http.body_problems import body_problems
from casework.http.field_types import field_names, type_at, value_at
from casework.http.field_words import plain
from casework.http.problems import problem_response
from casework.http.schemas.common import FieldMessage

# msgspec names the failing place as "- at `$.members[0].nik`", or names a missing/unknown key.
_AT_PATH = re.compile(r" - at `\$\.?(.*)`$")
_NAMED_FIELD = re.compile(r"(?:missing required|unknown) field `([^`]+)`")


class StrictBody:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["route_handler"].opt.get("console"):
            await self.app(scope, receive, send)  # the console's forms are not JSON
            return
        body_type = _body_type(scope)
        if body_type is None and scope.get("method") != "POST":
            await self.app(scope, receive, send)
            return
        try:
            body = await read_body(receive)
        except ClientGone:
            return  # the client left before its body was read: nothing to decode or answer
        if body is None:
            await send_problem(problem_response(413, "the request body is over 1 MiB"), send)
            return
        try:
            try:
                if body_type is None:
                    # A POST that takes no body ignores one, but only if it is JSON at all.
                    if body.strip():
                        msgspec.json.decode(body)
                else:
                    msgspec.json.decode(body, type=body_type, strict=True)
            except msgspec.ValidationError as error:
                # A typed decode stops at the first wrong value; malformed JSON after it is
                # still malformed (400), so look at the syntax before blaming a field.
                sent = msgspec.json.decode(body)
                found = body_problems(sent, body_type) or [_first(str(error))]
                problems = [_in_words(path, text, body, body_type) for path, text in found]
                await send_problem(problem_response(422, errors=problems), send)
                return
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError) as error:
            await send_problem(problem_response(400, _unreadable(error)), send)
            return
        await self.app(scope, replay_body(body), send)


def _body_type(scope: Scope) -> Any:
    parameters = scope["route_handler"].parsed_fn_signature.parameters
    data = parameters.get("data")
    return None if data is None else data.annotation


def _first(message: str) -> tuple[str, str]:
    """The path and text of the decoder's own (first) complaint."""
    at = _AT_PATH.search(message)
    place = at.group(1) if at else ""
    text = message[: at.start()] if at else message
    named = _NAMED_FIELD.search(text)
    path = f"{place}.{named.group(1)}" if named and place else named.group(1) if named else place
    return path, text


def _in_words(path: str, text: str, body: bytes, body_type: Any) -> FieldMessage:
    """The complaint about `path` as a caseworker reads it (casework.http.field_words)."""
    place = path.rsplit(".", 1)[0] if "." in path else ""
    words = plain(
        text,
        path,
        declared=type_at(body_type, path),
        sent=value_at(body, path),
        fields=field_names(type_at(body_type, place)),
    )
    return FieldMessage(path or "body", words)


def _unreadable(error: Exception) -> str:
    """Why the body could not be read, in words (never a parser's type name)."""
    if isinstance(error, UnicodeDecodeError):
        return "the body must be JSON in UTF-8; it holds bytes that are not UTF-8 text"
    if isinstance(error, RecursionError):
        return "the body must be JSON; it nests objects or lists too deep to read"
    where = str(error).replace("JSON is malformed: ", "")
    return f"the body must be JSON, and it is not: {where}"
