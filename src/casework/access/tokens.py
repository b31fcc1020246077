"""Bearer tokens: `cw_<user id as 32 hex>_<secret>`, of which only SHA-256(secret) is stored.

The user id in the token lets authentication find the one row by primary key, so checking a
token costs one indexed lookup and one constant-time comparison, never a scan over hashes.
A secret of 32 random bytes needs no slow password hash: it cannot be guessed, only stolen.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from uuid import UUID

PREFIX = "cw"
SECRET_BYTES = 32
# token_urlsafe's alphabet; the length bounds only keep junk out, they are not the format.
_TOKEN = re.compile(r"cw_([0-9a-f]{32})_([A-Za-z0-9_-]{16,128})")
# Compared against when the user id is unknown, so that case takes the same work as a wrong secret.
_NO_HASH = bytes(32)


@dataclass(frozen=True)
class ParsedToken:
    user_id: UUID
    secret: str


def new_secret() -> str:
    return secrets.token_urlsafe(SECRET_BYTES)


def format_token(user_id: UUID, secret: str) -> str:
    return f"{PREFIX}_{user_id.hex}_{secret}"


def parse_token(token: object) -> ParsedToken | None:
    """The parts of a well-formed token, or None for anything else (never raises)."""
    if not isinstance(token, str):
        return None
    match = _TOKEN.fullmatch(token)
    if match is None:
        return None
    return ParsedToken(UUID(hex=match.group(1)), match.group(2))


def hash_secret(secret: str) -> bytes:
    return hashlib.sha256(secret.encode("ascii")).digest()


def secret_matches(secret: str, stored_hash: bytes | None) -> bool:
    """Constant-time check of a presented secret against the stored hash (None: no user)."""
    expected = _NO_HASH if stored_hash is None else bytes(stored_hash)
    return hmac.compare_digest(hash_secret(secret), expected) and stored_hash is not None
