"""Make the published schemas say what the request Structs enforce.

litestar renders msgspec Structs without `additionalProperties: false`, although every request
Struct forbids unknown fields; this adds it, so clients and fuzzers see the real contract.
"""

from __future__ import annotations

from litestar import Litestar

from casework.http.schemas.common import Request


def forbid_unknown_request_fields(app: Litestar) -> None:
    request_types = {cls.__name__ for cls in _subclasses(Request)}
    components = app.openapi_schema.components
    for name, schema in (components.schemas or {}).items():
        if name in request_types:
            schema.additional_properties = False


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    subclasses: list[type] = type.__subclasses__(cls)
    for sub in subclasses:
        found.add(sub)
        found |= _subclasses(sub)
    return found
