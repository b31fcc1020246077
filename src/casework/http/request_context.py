"""One request's context: who calls, in which areas, under which request id and key.

Authentication makes it, once, and litestar keeps it as the request's `auth`
(`request.auth`). The idempotency middleware gives it the slot where the answer is kept; the
`cause` dependency turns it into the `Cause` the command is given as a parameter, carrying
that slot and the family authentication loaded. Nothing about a request travels through
context variables or loose scope keys.
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.access.users import User
from casework.aggregates.base import Cause, Preloaded
from casework.store.kept_responses import PendingRequest
from casework.vocabulary import CASEWORKER


@dataclass
class RequestContext:
    user: User
    request_id: str
    idempotency_key: str | None
    # The caseworker's family named in the path, as authentication loaded it to judge the
    # areas (casework.http.policy): the command's first load of it takes it.
    preloaded: Preloaded | None = None
    # Set by the idempotency middleware for a POST under a key: where the answer is kept.
    answer: PendingRequest | None = None

    @property
    def areas(self) -> tuple[str, ...] | None:
        """The areas the caller is bound to; None for a role bound to none."""
        return self.user.areas if self.user.role == CASEWORKER else None

    def cause(self) -> Cause:
        return Cause(
            actor=self.user.name,
            request_id=self.request_id,
            answer=self.answer,
            preloaded=self.preloaded,
        )
