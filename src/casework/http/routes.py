"""Route decorators that say, next to each handler, who may call it and what it answers with.

Handlers call the synchronous service, so they run in a worker thread (`sync_to_thread`). A
command route names the resource its answer shows; the idempotency middleware reads that to
keep the answer in the same transaction as the command's events.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import get, post
from litestar.openapi import ResponseSpec

from casework.http.schemas.common import Problem

Decorator = Callable[[Callable[..., Any]], Any]

_PROBLEM_TITLES = {
    400: "Malformed request (not JSON, or a bad header)",
    401: "No token, or an unknown, expired or revoked one",
    403: "The role or the caseworker's areas do not allow it",
    404: "No such resource (or outside the caseworker's areas)",
    409: "A business rule refuses it; `type` names the rule",
    412: "If-Match names a version that is no longer current",
    413: "Body over 1 MiB",
    422: "Invalid fields; `errors` names each by its path",
    503: "The read model did not reach min_position in time, or the database is down",
}


def problem_responses(*statuses: int) -> dict[int, ResponseSpec]:
    """The problem documents a route may answer with, for the OpenAPI document."""
    return {
        status: ResponseSpec(
            data_container=Problem,
            description=_PROBLEM_TITLES[status],
            media_type="application/problem+json",
            generate_examples=False,
        )
        for status in statuses
    }


QUERY_PROBLEMS = problem_responses(400, 401, 403, 404, 422, 503)
COMMAND_PROBLEMS = problem_responses(400, 401, 403, 404, 409, 412, 413, 422)


def query(path: str, *, roles: frozenset[str], **options: Any) -> Decorator:
    return get(path, sync_to_thread=True, opt={"roles": roles}, responses=QUERY_PROBLEMS, **options)


def command(
    path: str,
    *,
    roles: frozenset[str],
    resource: str | None,
    resource_param: str | None = None,
    status: int = 200,
    **options: Any,
) -> Decorator:
    """A POST; `resource_param` names the path parameter holding the answered resource's id
    (none for a creation: the id is that of the aggregate the command starts)."""
    opt = {"roles": roles, "resource": resource, "resource_param": resource_param}
    return post(
        path,
        sync_to_thread=True,
        status_code=status,
        opt=opt,
        responses=COMMAND_PROBLEMS,
        **options,
    )


def family_command(path: str, *, roles: frozenset[str], status: int = 200) -> Decorator:
    """A command on the family named by `{family_id}`; it answers with that family."""
    return command(path, roles=roles, resource="family", resource_param="family_id", status=status)


def source_command(path: str, *, roles: frozenset[str], status: int = 200) -> Decorator:
    """A command on the funding source named by `{source_id}`; it answers with that source."""
    return command(
        path, roles=roles, resource="funding-source", resource_param="source_id", status=status
    )
