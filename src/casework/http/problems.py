"""Every refusal as RFC 9457 problem details, mapped from domain and framework errors in one place.

A 409's `type` is the business rule that refused (`duplicate-kk`, `funding-exhausted`, ...);
other statuses have one fixed type each. Nothing a client sends may surface as a 500: an
unexpected error answers a bare 500 without detail and is logged, never echoed.
"""

from __future__ import annotations

import re
from typing import Any

import msgspec
import psycopg
import structlog
from litestar import Request, Response
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    ValidationException,
)
from litestar.types import ExceptionHandlersMap
from psycopg_pool import PoolTimeout

from casework.errors import Conflict, NotFound, OutsideCell, StaleVersion, ValidationFailed
from casework.http.field_types import ABSENT, allowed_values
from casework.http.field_words import plain
from casework.http.schemas.common import FieldMessage, Problem
from casework.store.kept_responses import KeyAlreadyKept

PROBLEM_JSON = "application/problem+json"
log = structlog.get_logger("casework.http")

_TYPES = {
    400: ("malformed-request", "The request could not be read"),
    401: ("unauthorized", "A valid bearer token is required"),
    403: ("forbidden", "Your role or areas do not allow this"),
    404: ("not-found", "No such resource"),
    405: ("method-not-allowed", "Method not allowed"),
    409: ("conflict", "The request conflicts with the current state"),
    412: ("stale-version", "The resource changed since the version in If-Match"),
    413: ("payload-too-large", "The request body is over 1 MiB"),
    422: ("validation-failed", "Some fields are invalid"),
    500: ("internal-error", "Internal error"),
    503: ("unavailable", "Service unavailable"),
}


def problem_response(
    status: int,
    detail: str = "",
    *,
    kind: str | None = None,
    errors: list[FieldMessage] | None = None,
    headers: dict[str, str] | None = None,
) -> Response[bytes]:
    """The problem document; a 422 naming fields summarises them in its `detail` unless told
    otherwise ("2 fields are invalid: members[0].nik, items[0].unit_value_idr")."""
    default_kind, title = _TYPES.get(status, ("error", "Error"))
    if errors and (not detail or detail == _TYPES[422][1]):
        detail = summary(errors)
    problem = Problem(kind or default_kind, title, status, detail, errors or [])
    return Response(
        msgspec.json.encode(problem),
        status_code=status,
        media_type=PROBLEM_JSON,
        headers=headers,
    )


def summary(errors: list[FieldMessage]) -> str:
    """`detail` of a 422: how many fields, and which (each named once, in order)."""
    fields = list(dict.fromkeys(e.field for e in errors))
    shown = ", ".join(fields[:10]) + (f" and {len(fields) - 10} more" if len(fields) > 10 else "")
    if len(fields) == 1:
        return f"1 field is invalid: {shown}"
    return f"{len(fields)} fields are invalid: {shown}"


def _validation_failed(_: Request[Any, Any, Any], error: ValidationFailed) -> Response[bytes]:
    errors = [FieldMessage(p.field, p.message) for p in error.problems]
    return problem_response(422, errors=errors)


def _outside_cell(_: Request[Any, Any, Any], error: OutsideCell) -> Response[bytes]:
    errors = [FieldMessage(p.field, p.message) for p in error.problems]
    return problem_response(
        422, "The area lies outside this cell", kind="outside-cell", errors=errors
    )


def _not_found(_: Request[Any, Any, Any], error: NotFound) -> Response[bytes]:
    return problem_response(404, str(error))


def _conflict(_: Request[Any, Any, Any], error: Conflict) -> Response[bytes]:
    return problem_response(409, error.detail, kind=error.kind)


def _stale(_: Request[Any, Any, Any], error: StaleVersion) -> Response[bytes]:
    return problem_response(412, str(error), headers={"ETag": f'"{error.actual}"'})


def _superseded(_: Request[Any, Any, Any], __: KeyAlreadyKept) -> Response[bytes]:
    # The idempotency middleware replaces this answer with the one kept first.
    return problem_response(409, "answered by an earlier request", kind="idempotency-in-progress")


# msgspec's messages name a missing or unknown field in the text, not in the path.
_NAMED_FIELD = re.compile(r"(?:missing required|unknown) field `([^`]+)`")


def _framework_validation(
    request: Request[Any, Any, Any], error: ValidationException
) -> Response[bytes]:
    extra = error.extra if isinstance(error.extra, list) else []
    if not extra:
        # Nothing to point at: the body is not JSON (or not UTF-8) at all.
        return problem_response(400, str(error.detail))
    errors = [_field_message(request, item) for item in extra if isinstance(item, dict)]
    return problem_response(422, errors=errors)


def _field_message(request: Request[Any, Any, Any], item: dict[str, Any]) -> FieldMessage:
    """A query or header parameter the framework refused, in words (casework.http.field_words)."""
    message = str(item.get("message", "invalid"))
    key = str(item.get("key", ""))
    path = "" if key in ("data", "") else key
    named = _NAMED_FIELD.search(message)
    if named:
        path = f"{path}.{named.group(1)}" if path else named.group(1)
    sent: Any = ABSENT
    if item.get("source") == "header":
        path = _HEADER_NAMES.get(key, key)
        sent = request.headers.get(path, ABSENT)
    elif item.get("source") == "query" and key in request.query_params:
        sent = request.query_params.get(key)
    annotation = _declared(request, key)
    in_query = item.get("source") == "query"
    words = plain(message, path, sent=sent, allowed=allowed_values(annotation), in_query=in_query)
    return FieldMessage(path or "body", words)


# Header parameters by their Python names, as the framework reports them.
_HEADER_NAMES = {"if_match": "If-Match", "idempotency_key": "Idempotency-Key"}


def _declared(request: Request[Any, Any, Any], key: str) -> Any:
    """The handler's annotation of the parameter the client calls `key` (None if unknown)."""
    try:
        parameters = request.route_handler.parsed_fn_signature.parameters
    except AttributeError:
        return None
    for name, parameter in parameters.items():
        alias = getattr(parameter.kwarg_definition, "name", None)
        if key in (name, alias):
            return parameter.annotation
    return None


def _http_exception(_: Request[Any, Any, Any], error: HTTPException) -> Response[bytes]:
    headers = dict(error.headers or {})
    if isinstance(error, NotAuthorizedException):
        headers["WWW-Authenticate"] = "Bearer"
    detail = error.detail if error.status_code < 500 else ""
    if error.status_code == 404 and detail == "Not Found":
        # No route matched (a path param of the wrong shape lands here too).
        detail = (
            "no such path: see /schema for the API's paths; ids in them are UUIDs such as "
            "3f2b9a1c-6d4e-4f8a-9b0c-1d2e3f4a5b6c"
        )
    return problem_response(error.status_code, detail, headers=headers)


def _database_unavailable(_: Request[Any, Any, Any], error: Exception) -> Response[bytes]:
    # The database is down or unreachable (a restart, a lost connection, a full pool): the
    # request may be retried as it is; 5xx answers are not kept under an Idempotency-Key.
    log.warning("database unavailable", error_type=type(error).__name__)
    return problem_response(503, "the database is unavailable", headers={"Retry-After": "1"})


def _unexpected(request: Request[Any, Any, Any], error: Exception) -> Response[bytes]:
    # The route template, not the path: a path can hold a NIK.
    route = request.scope.get("path_template", "(no route)")
    log.error("unhandled error", error_type=type(error).__name__, route=route)
    return problem_response(500)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ValidationFailed: _validation_failed,
    OutsideCell: _outside_cell,
    NotFound: _not_found,
    Conflict: _conflict,
    StaleVersion: _stale,
    KeyAlreadyKept: _superseded,
    ValidationException: _framework_validation,
    HTTPException: _http_exception,
    psycopg.OperationalError: _database_unavailable,
    PoolTimeout: _database_unavailable,
    Exception: _unexpected,
}
