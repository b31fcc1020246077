"""What handlers are given besides the body: the service, who asks, and the pinned version.

Each of them takes the one before it (`cause` the service, `pinned_version` the cause) though
it does not use it. litestar resolves dependencies of the same depth concurrently, in an anyio
task group it opens for every request; for three functions that each return at once, that
cost more than they did: about 0.4 ms of the server's 3.3 ms of CPU a request here (at 32
clients, back to back: 3.41 and 3.24 ms a request before, 2.94 and 2.87 ms chained). Chained,
they are resolved one after the other, with no task group.
"""

from __future__ import annotations

import re
from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import State
from litestar.exceptions import ClientException
from litestar.params import HeaderParameter

from casework.access.users import User
from casework.aggregates.base import Cause
from casework.http.request_context import RequestContext
from casework.service import Casework

IF_MATCH_PATTERN = r'^(W/)?"[0-9]{1,18}"$'
_IF_MATCH = re.compile(r'^\s*(?:W/)?"(\d{1,18})"\s*$')


def provide_casework(state: State) -> Casework:
    casework: Casework = state.casework
    return casework


def provide_cause(
    request: Request[User, Any, Any],
    casework: Casework,  # resolved first, not used: see the module's docstring
    idempotency_key: Annotated[
        str | None,
        HeaderParameter(
            name="Idempotency-Key",
            required=False,
            min_length=1,
            max_length=200,
            description="Repeat a POST safely: the first answer is replayed (24 hours at least).",
        ),
    ] = None,
) -> Cause:
    """The request's cause, made from its context (casework.http.request_context): the actor
    recorded on events is the user's name, the request id ties them to logs."""
    context: RequestContext = request.auth
    return context.cause()


def provide_pinned_version(
    cause: Cause,  # resolved first, not used: see the module's docstring
    if_match: Annotated[
        str | None,
        HeaderParameter(
            name="If-Match",
            required=False,
            pattern=IF_MATCH_PATTERN,
            description='The version the change is based on, as in the ETag: "3".',
        ),
    ] = None,
) -> int | None:
    """A stale pin answers 412; no pin means 'apply to the current version'."""
    if if_match is None or if_match.strip() == "*":
        return None
    match = _IF_MATCH.match(if_match)
    if match is None:
        raise ClientException('If-Match must be a version in quotes, as in the ETag: "3"')
    return int(match.group(1))
