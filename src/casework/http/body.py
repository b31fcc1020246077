"""Reading a request body once and handing it on; answering from inside a middleware."""

from __future__ import annotations

from typing import Any

from litestar import Response
from litestar.types import Receive, Send

MAX_BODY = 1024 * 1024


class ClientGone(Exception):
    """The client disconnected before its body was read: there is nobody to answer.

    (uvicorn answers `http.disconnect` once the client has gone, even when the body had
    arrived whole; treating that as an empty body would answer, and keep, a request the client
    never made.)
    """


async def read_body(receive: Receive) -> bytes | None:
    """The whole body, or None when it is over the limit; ClientGone when the client left."""
    chunks, size = [], 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise ClientGone
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


def replay_body(body: bytes) -> Receive:
    """The body, already read, handed on to the application as if it were still coming."""
    sent = False

    async def receive() -> Any:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def send_problem(response: Response[Any], send: Send) -> None:
    """Send an answer whose body is already encoded (problems and rebuilt resources are)."""
    body = response.content
    assert isinstance(body, bytes)
    headers = [
        (k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()
    ]
    headers.append((b"content-type", str(response.media_type).encode("latin-1")))
    headers.append((b"content-length", str(len(body)).encode("latin-1")))
    await send_raw(send, response.status_code or 200, headers, body)


async def send_raw(
    send: Send, status: int, headers: list[tuple[bytes, bytes]], body: bytes
) -> None:
    start: Any = {"type": "http.response.start", "status": status, "headers": headers}
    end: Any = {"type": "http.response.body", "body": body, "more_body": False}
    await send(start)
    await send(end)
