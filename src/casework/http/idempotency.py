"""Idempotency-Key on every POST: a repeat replays the first answer and writes nothing.

Runs after authentication (keys are scoped to the user). The first request under a key runs
with a `PendingRequest` in its request context, which the command's `Cause` carries: when the
command writes events, the recorder
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
from casework.http.body import ClientGone, read_body, replay_body, send_problem, send_raw
from casework.http.problems import problem_response
from casework.http.request_context import RequestContext
from casework.http.resources import resource_response
from casework.http.schemas.common import FieldMessage
from casework.service import Casework
from casework.store.kept_responses import (
    KeptResponse,
    PendingRequest,
    find_kept,
    keep_plain,
)

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
            await send_problem(
                problem_response(422, "invalid Idempotency-Key", errors=[problem]), send
            )
            return
        try:
            body = await read_body(receive)  # None when over the limit: that 413 is kept too
        except ClientGone:
            return  # nothing is run and nothing kept: the client will send it again
        user: User = scope["user"]
        state = scope["app"].state
        slot = (user.id, key)
        if slot in state.idempotency_in_flight:
            await send_problem(
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

    async def _run_once(
        self, scope: Scope, body: bytes | None, user: User, key: str, send: Send
    ) -> None:
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
        context: RequestContext = scope["auth"]
        context.answer = pending  # the command's cause carries it to the recorder
        if body is None:
            too_large = problem_response(413, "the request body is over 1 MiB")
            await send_problem(too_large, captured.send)
        else:
            await self.app(scope, replay_body(body), captured.send)
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
            await send_problem(
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
        await send_problem(response, send)


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
        await send_raw(send, self.status, self.headers, self.body)


def _request_hash(scope: Scope, body: bytes | None) -> str:
    """Path and body, the body compared as parsed JSON (key order and spacing do not count).

    Every body over the limit counts as one and the same body: all of them answer 413.
    """
    digest = hashlib.sha256(scope["path"].encode("utf-8") + b"\n")
    if body is None:
        canonical = b"\x00over the limit"
    else:
        try:
            canonical = msgspec.json.encode(msgspec.json.decode(body), order="sorted")
        except (msgspec.DecodeError, UnicodeDecodeError, RecursionError):
            canonical = body
    digest.update(canonical)
    return digest.hexdigest()


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return str(value.decode("latin-1"))
    return None
