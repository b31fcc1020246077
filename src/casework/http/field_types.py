"""What a field of a request was meant to be, and what was sent there, found by its path.

A validator says "Expected `str` matching regex …" about `members[0].nik`; to say instead what
a caseworker should send, the message needs the field's declared type (its allowed values, its
pattern, its bounds) and the value that was sent. Both are found here by walking the path
(`members[0].nik`, `items[1].unit_value_idr`) through msgspec's view of the type and through
the decoded body.
"""

from __future__ import annotations

import re
import types
import typing
from typing import Any

import msgspec
import msgspec.inspect as mi

_STEP = re.compile(r"([^.\[\]]+)|\[(\d+)\]")
ABSENT = object()


def steps(path: str) -> list[str | int]:
    """`members[0].nik` → ["members", 0, "nik"]."""
    return [int(index) if index else name for name, index in _STEP.findall(path)]


def type_at(root: Any, path: str) -> mi.Type | None:
    """msgspec's description of the type at `path` under `root` (None when unknown)."""
    try:
        node: mi.Type | None = mi.type_info(root)
    except (TypeError, ValueError):
        return None
    for step in steps(path):
        node = _inner(node)
        sequence = mi.ListType | mi.SetType | mi.FrozenSetType | mi.VarTupleType
        if isinstance(step, int) and isinstance(node, sequence):
            node = node.item_type
        elif isinstance(step, str) and isinstance(node, mi.StructType):
            node = next((f.type for f in node.fields if f.encode_name == step), None)
        else:
            return None
    return _inner(node)


def _inner(node: mi.Type | None) -> mi.Type | None:
    """An optional type's own type (`str | None` → `str`)."""
    if isinstance(node, mi.UnionType):
        kinds = [t for t in node.types if not isinstance(t, mi.NoneType)]
        if len(kinds) == 1:
            return kinds[0]
        literals = [v for t in kinds if isinstance(t, mi.LiteralType) for v in t.values]
        if len(literals) and all(isinstance(t, mi.LiteralType) for t in kinds):
            return mi.LiteralType(tuple(literals))
    return node


def field_names(node: mi.Type | None) -> tuple[str, ...]:
    """The fields an object at this place may have."""
    return tuple(f.encode_name for f in node.fields) if isinstance(node, mi.StructType) else ()


def value_at(body: bytes, path: str) -> Any:
    """The value sent at `path` (ABSENT when the body or the path holds none)."""
    try:
        value: Any = msgspec.json.decode(body)
    except (msgspec.DecodeError, RecursionError):
        return ABSENT
    for step in steps(path):
        in_list = isinstance(step, int) and isinstance(value, list) and step < len(value)
        if in_list or (isinstance(step, str) and isinstance(value, dict) and step in value):
            value = value[step]
        else:
            return ABSENT
    return value


def allowed_values(annotation: Any) -> tuple[Any, ...]:
    """The values a `Literal` annotation (possibly optional, annotated or a union) allows."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return allowed_values(typing.get_args(annotation)[0])
    if origin is typing.Literal:
        found: list[Any] = []
        for arg in typing.get_args(annotation):
            found += allowed_values(arg) if typing.get_origin(arg) else [arg]
        return tuple(found)
    if origin in (typing.Union, types.UnionType):
        return tuple(v for arg in typing.get_args(annotation) for v in allowed_values(arg))
    return ()
