"""Cursors of the read-model lists: opaque to clients, the sort key of the last item given.

A cursor that this service did not give answers 422 on the `cursor` field, never a 500.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

import msgspec

from casework.errors import FieldProblem, ValidationFailed

MAX_CURSOR = 1000


def encode_cursor(key: list[Any]) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(key)).decode().rstrip("=")


def decode_cursor(cursor: str | None, shape: Any) -> Any:
    """The key a cursor carries, checked against `shape` (e.g. `tuple[str, str]`); None: start."""
    if cursor is None:
        return None
    try:
        if len(cursor) > MAX_CURSOR:
            raise ValueError("too long")
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        if b"\\u0000" in raw:  # no text column holds NUL (PostgreSQL refuses it)
            raise ValueError("NUL")
        return msgspec.json.decode(raw, type=shape)
    except (ValueError, binascii.Error, msgspec.DecodeError):
        raise ValidationFailed([FieldProblem("cursor", "is not a cursor this list gave")]) from None
