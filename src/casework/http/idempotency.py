"""Idempotency-Key on every POST: a repeat replays the first answer and writes nothing.

Runs after authentication (keys are scoped to the user). The first request under a key runs
with a `PendingRequest` in a context variable: when its command writes events, the recorder
keeps the answer in the same transaction; any other answer below 500 is kept once it is known.
A repeat with the same path and body (equal as parsed JSON) gets the kept answer, rebuilt with
its `Location` and `ETag`; with another path or body, 422; while the first still runs, 409.

Concurrent repeats are caught in-process by the `in_flight` set; across processes, the key's
primary key makes the second writer roll back and replay the first writer's answer instead.
"""

from __future__ import annotations

import hashlib
from typing import Any
from uuid import UUID

import anyio
import msgspec
from litestar import Response
from litestar.types import ASGIApp, Message, Receive, Scope, Send

from casework.access.users import User
from casework.http.problems import problem_response
from casework.http.resources import resource_response
from casework.http.schemas.common import FieldMessage
from casework.service import Casework
from casework.store.kept_responses import (
    KeptResponse,
    PendingRequest,
    current_request,
    find_kept,
    keep_plain,
)

MAX_BODY = 1024 * 1024
MAX_KEY_LENGTH = 200
KEY_HEADER = b"idempotency-key"
# Headers a replay repeats from the first answer.
REPLAYED_HEADERS = ("location", "etag")


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, KEY_HEADER)
        opt = scope["route_handler"].opt
        if key is None or scope.get("method") != "POST" or opt.get("idempotency") is False:
            await self.app(scope, receive, send)
            return
        if not 0 < len(key) <= MAX_KEY_LENGTH:
            problem = FieldMessage("Idempotency-Key", f"must be 1 to {MAX_KEY_LENGTH} characters")
            await _send(problem_response(422, "invalid Idempotency-Key", errors=[problem]), send)
            return
        body = await _read_body(receive)
        if body is None:
            await _send(problem_response(413, "the request body is over 1 MiB"), send)
            return
        user: User = scope["user"]
        state = scope["app"].state
        slot = (user.id, key)
        if slot in state.idempotency_in_flight:
            await _send(
                problem_response(
                    409, "a request with this key is still running", kind="idempotency-in-progress"
                ),
                send,
            )
            return
        state.idempotency_in_flight.add(slot)
        try:
            await self._run_once(scope, body, user, key, send)
        finally:
            state.idempotency_in_flight.discard(slot)

    async def _run_once(self, scope: Scope, body: bytes, user: User, key: str, send: Send) -> None:
        casework: Casework = scope["app"].state.casework
        request_hash = _request_hash(scope, body)
        kept = await anyio.to_thread.run_sync(find_kept, casework.db, user.id, key)
        if kept is not None:
            await self._replay_or_refuse(kept, request_hash, scope, send)
            return
        opt = scope["route_handler"].opt
        pending = PendingRequest(user.id, key, request_hash)
        pending.resource_kind = opt.get("resource")
        pending.status = getattr(scope["route_handler"], "status_code", 200)
        param = opt.get("resource_param")
        if param is not None:
            pending.resource_id = UUID(str(scope["path_params"][param]))
        captured = _CapturedResponse()
        token = current_request.set(pending)
        try:
            await self.app(scope, _replay_body(body), captured.send)
        finally:
            current_request.reset(token)
        if not pending.superseded and captured.status < 500 and not pending.kept_with_events:
            first = await anyio.to_thread.run_sync(
                keep_plain,
                casework.db,
                pending,
                captured.status,
                captured.body,
                captured.replayed_headers(),
            )
            pending.superseded = not first
        if pending.superseded:
            # Another process answered this key first and wrote; send its answer, not ours.
            kept = await anyio.to_thread.run_sync(find_kept, casework.db, user.id, key)
            if kept is not None:
                await self._replay_or_refuse(kept, request_hash, scope, send)
                return
        await captured.forward(send)

    async def _replay_or_refuse(
        self, kept: KeptResponse, request_hash: str, scope: Scope, send: Send
    ) -> None:
        if kept.request_hash != request_hash:
            problem = FieldMessage("Idempotency-Key", "was already used with another path or body")
            await _send(
                problem_response(
                    422,
                    "the key was used for another request",
                    errors=[problem],
                    kind="idempotency-key-reused",
                ),
                send,
            )
            return
        casework: Casework = scope["app"].state.casework
        response = await anyio.to_thread.run_sync(_rebuild, casework, kept)
        await _send(response, send)


def _rebuild(casework: Casework, kept: KeptResponse) -> Response[Any]:
    if kept.resource_kind is not None and kept.resource_id is not None:
        assert kept.resource_version is not None
        return resource_response(
            casework,
            kept.resource_kind,
            kept.resource_id,
            version=kept.resource_version,
            position=kept.position,
            warnings=kept.warnings,
            status=kept.status,
        )
    media_type = kept.headers.pop("content-type", "application/json")
    return Response(
        kept.body or b"", status_code=kept.status, headers=kept.headers, media_type=media_type
    )


class _CapturedResponse:
    """Holds the first answer until it is kept, so what the client gets is what was kept."""

    def __init__(self) -> None:
        self.status = 500
        self.headers: list[tuple[bytes, bytes]] = []
        self.chunks: list[bytes] = []

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.chunks.append(message.get("body", b""))

    @property
    def body(self) -> bytes:
        return b"".join(self.chunks)

    def replayed_headers(self) -> dict[str, str]:
        wanted = {*REPLAYED_HEADERS, "content-type"}
        return {
            name.decode("latin-1"): value.decode("latin-1")
            for name, value in self.headers
            if name.decode("latin-1").lower() in wanted
        }

    async def forward(self, send: Send) -> None:
        await _send_raw(send, self.status, self.headers, self.body)


def _request_hash(scope: Scope, body: bytes) -> str:
    """Path and body, the body compared as parsed JSON (key order and spacing do not count)."""
    digest = hashlib.sha256(scope["path"].encode("utf-8") + b"\n")
    try:
        canonical = msgspec.json.encode(msgspec.json.decode(body), order="sorted")
    except (msgspec.DecodeError, msgspec.EncodeError):
        canonical = body
    digest.update(canonical)
    return digest.hexdigest()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None


async def _read_body(receive: Receive) -> bytes | None:
    """The whole body, or None when it is over the limit."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            return None
        chunks.append(chunk)
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _replay_body(body: bytes) -> Receive:
    """The body, already read here, handed on to the application as if it were still coming."""
    sent = False

    async def receive() -> Any:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _send(response: Response[Any], send: Send) -> None:
    """Send an answer whose body is already encoded (problems and rebuilt resources are)."""
    body = response.content
    assert isinstance(body, bytes)
    headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()
    ]
    headers.append((b"content-type", str(response.media_type).encode("latin-1")))
    headers.append((b"content-length", str(len(body)).encode("latin-1")))
    await _send_raw(send, response.status_code or 200, headers, body)


async def _send_raw(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    start: Any = {"type": "http.response.start", "status": status, "headers": headers}
    end: Any = {"type": "http.response.body", "body": body, "more_body": False}
    await send(start)
    await send(end)
