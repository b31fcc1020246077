"""Every invalid field of a request body, not only the first.

A typed decode stops at the first wrong value, so a form with three mistakes would be sent
three times to learn them. Once the strict decode has failed, the body (already known to be
JSON) is walked against the handler's type: each field of an object, each item of a list, is
converted on its own, and every failure is reported with its path.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

import msgspec

_AT_PATH = re.compile(r" - at `\$\.?(.*)`$")


def body_problems(value: Any, annotation: Any, path: str = "") -> list[tuple[str, str]]:
    """(path, validator message) for each invalid place of `value` as an `annotation`."""
    try:
        msgspec.convert(value, annotation, strict=True)
        return []
    except msgspec.ValidationError as error:
        first = _located(str(error), path)
    except (TypeError, ValueError):
        return []
    base = _bare(annotation)
    if isinstance(base, type) and issubclass(base, msgspec.Struct) and isinstance(value, dict):
        found = _struct_problems(value, base, path)
    elif typing.get_origin(base) in (list, tuple, set, frozenset) and isinstance(value, list):
        if first[0] == path:  # the list itself (its length), not one of its items
            return [first]
        (item,) = typing.get_args(base)[:1] or (Any,)
        found = [p for i, v in enumerate(value) for p in body_problems(v, item, f"{path}[{i}]")]
    else:
        return [first]
    return found or [first]


def _struct_problems(value: dict[str, Any], struct: type[msgspec.Struct], path: str) -> list[Any]:
    hints = typing.get_type_hints(struct, include_extras=True)
    info = msgspec.structs.fields(struct)
    names = {f.encode_name: f for f in info}
    found: list[tuple[str, str]] = []
    prefix = f"{path}." if path else ""
    for key in value:
        if key not in names and struct.__struct_config__.forbid_unknown_fields:
            found.append((f"{prefix}{key}", f"Object contains unknown field `{key}`"))
    for name, field in names.items():
        if name not in value:
            if field.required:
                found.append((f"{prefix}{name}", f"Object missing required field `{name}`"))
            continue
        found += body_problems(value[name], hints[field.name], f"{prefix}{name}")
    return found


def _bare(annotation: Any) -> Any:
    """`Annotated[list[X], …] | None` → `list[X]`."""
    if typing.get_origin(annotation) is typing.Annotated:
        return _bare(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kinds = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _bare(kinds[0]) if len(kinds) == 1 else annotation
    return annotation


def _located(message: str, path: str) -> tuple[str, str]:
    """A validator message's own path, under `path`; and the message without it."""
    at = _AT_PATH.search(message)
    if not at:
        return path, message
    inner = at.group(1)
    joined = f"{path}{inner}" if inner.startswith("[") else ".".join(p for p in (path, inner) if p)
    return joined, message[: at.start()]
