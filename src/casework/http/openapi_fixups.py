"""Make the published OpenAPI document say what the server really does.

litestar renders msgspec Structs without `additionalProperties: false` (every request Struct
forbids unknown fields), marks the public endpoints as needing the bearer token, and offers
`null` for optional headers, which cannot be sent. Fixed here, so clients
and fuzzers see the real contract.
"""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.openapi.spec import Operation, PathItem, Schema
from litestar.openapi.spec.enums import OpenAPIType

from casework.http.authentication import PUBLIC_PATHS
from casework.http.openapi_words import words_of
from casework.http.schemas.common import Request


def fix_openapi(app: Litestar) -> None:
    openapi = app.openapi_schema
    request_types = {cls.__name__ for cls in _subclasses(Request)}
    for name, schema in (openapi.components.schemas or {}).items():
        if name in request_types:
            schema.additional_properties = False
    for path, item in (openapi.paths or {}).items():
        for method, operation in _by_method(item):
            _name_in_words(method, path, operation)
        for operation in _operations(item):
            if path in PUBLIC_PATHS:
                # litestar drops a handler's empty `security`; these need no token.
                operation.security = [{}]
            for parameter in operation.parameters or []:
                _drop_null_from_optional(parameter)


def _operations(item: PathItem) -> list[Operation]:
    return [operation for _, operation in _by_method(item)]


def _by_method(item: PathItem) -> list[tuple[str, Operation]]:
    found = [("GET", item.get), ("POST", item.post), ("PUT", item.put), ("DELETE", item.delete)]
    return [(method, operation) for method, operation in found if operation is not None]


def _name_in_words(method: str, path: str, operation: Operation) -> None:
    """Summary and description from the contract (casework.http.openapi_words)."""
    words = words_of(method, path, operation.summary)
    if words is not None:
        operation.summary = words[0]
        operation.description = words[1] or operation.description


def _drop_null_from_optional(parameter: Any) -> None:
    """An optional header is absent or a value; it cannot be sent as null. (Query parameters
    keep their null: litestar reads `?min_position=null` as absent.)"""
    schema = parameter.schema
    if parameter.param_in != "header" or parameter.required:
        return
    if not isinstance(schema, Schema) or not schema.one_of:
        return
    kept = [s for s in schema.one_of if not (isinstance(s, Schema) and s.type == OpenAPIType.NULL)]
    if len(kept) == 1 and isinstance(kept[0], Schema):
        kept[0].description = kept[0].description or schema.description
        parameter.schema = kept[0]


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    subclasses: list[type] = type.__subclasses__(cls)
    for sub in subclasses:
        found.add(sub)
        found |= _subclasses(sub)
    return found
