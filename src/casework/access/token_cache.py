"""Token verdicts kept for a few seconds, so a request does not read the users table.

Only a token that was found good is kept (a wrong one is never cached: a stranger cannot fill
memory with guesses, and a token's first request always reads the table). Each verdict is
reused for `TTL` seconds, and its expiry instant is checked on every use. A revocation made
by this process forgets the user's verdicts at once; one made elsewhere (`casework user
revoke`, another server process) is seen once the verdict ages out: within `TTL` seconds,
below the 5 seconds API.md allows.

Verdicts are keyed by the user id and the secret's hash, never by the token itself.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING
from uuid import UUID

if TYPE_CHECKING:
    from casework.access.users import User

TTL = 4.0
MAX_ENTRIES = 10_000


class TokenVerdicts:
    def __init__(self, ttl: float = TTL, clock: Callable[[], float] = time.monotonic) -> None:
        self.ttl = ttl
        self.clock = clock
        self._kept: dict[tuple[UUID, bytes], tuple[User, float]] = {}
        # Worker threads read and write it; a dict's single operations are atomic, but the
        # forgetting below walks the dict.
        self._lock = threading.Lock()

    def get(self, user_id: UUID, secret_hash: bytes) -> User | None:
        """The user, if its token was found good less than `ttl` seconds ago."""
        kept = self._kept.get((user_id, secret_hash))
        if kept is None:
            return None
        user, checked_at = kept
        if self.clock() - checked_at >= self.ttl:
            return None
        return user

    def keep(self, user: User, secret_hash: bytes) -> None:
        with self._lock:
            if len(self._kept) >= MAX_ENTRIES:
                self._kept.clear()  # far more users than a deployment has: start again
            self._kept[(user.id, secret_hash)] = (user, self.clock())

    def forget(self, user_id: UUID) -> None:
        """Drop every verdict of the user (revoked, or changed, in this process)."""
        with self._lock:
            for key in [key for key in self._kept if key[0] == user_id]:
                del self._kept[key]
