"""A validator's complaint about a field, said as a caseworker would want to read it.

msgspec and litestar speak of types and regular expressions ("Expected `int`, got `float`",
"Expected `str` matching regex '^[0-9]{16}$'", "Invalid enum value 'apbd'"). Every 422 says
instead what to send: "NIK must be 16 digits; got 15", "amounts are whole rupiah: send 15000,
not 15000.0", "must be one of CSR, APBD, DAK; got 'apbd'". A complaint this module does not
know is never shown as it came: it becomes a plain "is not a value this field takes".
"""

from __future__ import annotations

import re
from typing import Any

import msgspec.inspect as mi

from casework.http.field_types import ABSENT

# Patterns of the schemas, by what they mean.
_PATTERN_WORDS = {
    r"^[0-9]{16}$": "must be 16 digits",
    r"^[0-9]{4}-(0[1-9]|1[0-2])$": "must be a period YYYY-MM, such as 2025-08",
    r'^(W/)?"[0-9]{1,18}"$': 'must be the version in double quotes, as the ETag gives it: "3"',
    r"^[^\x00-\x1f\x7f]+$": "must not hold control characters",
}
_EXPECTED = re.compile(r"Expected `(\w+)(?: \| null)?`(?:, got `(\w+)`| (.*))?$")
_BOUND = re.compile(r"(?:of length )?([<>]=?) (\S+)$")
_UNKNOWN = re.compile(r"unknown field `([^`]+)`")
_MISSING = re.compile(r"missing required field `([^`]+)`|Missing required")
_ENUM = re.compile(r"Invalid enum value (.*)$")
_JSON_NAMES = {
    "str": "text in quotes",
    "int": "a whole number",
    "float": "a number",
    "bool": "true or false",
    "object": "an object { … }",
    "array": "a list [ … ]",
    "null": "null",
}


def plain(
    message: str,
    field: str,
    *,
    declared: mi.Type | None = None,
    sent: Any = ABSENT,
    allowed: tuple[Any, ...] = (),
    fields: tuple[str, ...] = (),
    in_query: bool = False,
) -> str:
    """The complaint `message` about `field` in words; `declared` is the field's type, `sent`
    what came, `allowed` its values if it is a closed set, `fields` an object's own fields;
    `in_query` when it came in the query string, where everything arrives as text."""
    if isinstance(declared, mi.LiteralType) and not allowed:
        allowed = declared.values
    if _UNKNOWN.search(message):
        known = f"; this request takes {_listed(fields)}" if fields else ""
        return f"is not a field of this request{known}"
    if _MISSING.search(message):
        return "is required"
    if _ENUM.search(message) or (allowed and "Expected" not in message):
        return one_of(allowed, sent)
    if "Invalid UUID" in message:
        return f"must be an id (a UUID such as 3f2b9a1c-6d4e-4f8a-9b0c-1d2e3f4a5b6c){_got(sent)}"
    if "date" in message and "datetime" not in message and "RFC3339" in message:
        return f"must be a date YYYY-MM-DD, such as 2025-08-11{_got(sent)}"
    if "RFC3339" in message or "datetime" in message:
        return f"must be an instant with an offset, such as 2025-08-11T10:00:00+07:00{_got(sent)}"
    expected = _EXPECTED.search(message)
    if expected:
        kind, got, constraint = expected.groups()
        return _expected(field, kind, got, constraint, sent, in_query)
    return f"is not a value this field takes{_got(sent)}"


def one_of(allowed: tuple[Any, ...], sent: Any = ABSENT) -> str:
    return f"must be one of {_listed(tuple(dict.fromkeys(allowed)))}{_got(sent)}"


def _expected(
    field: str, kind: str, got: str | None, constraint: str | None, sent: Any, in_query: bool
) -> str:
    amount = field.endswith("_idr")
    if got == "float" and kind == "int":
        if isinstance(sent, float) and sent.is_integer():
            whole = f"send {int(sent)}, not {sent}"
            return f"amounts are whole rupiah: {whole}" if amount else f"must be whole: {whole}"
        if amount:
            return f"amounts are whole rupiah, without a fraction of a rupiah{_got(sent)}"
        return f"must be a whole number, such as 4, not a fraction{_got(sent)}"
    if got == "str" and kind == "int" and isinstance(sent, str) and in_query:
        return f"must be a whole number{_got(sent)}"
    if got == "str" and kind == "int" and amount:
        shown = sent if isinstance(sent, str) and sent.isdigit() else "15000"
        return f'amounts are whole rupiah, a number without quotes: send {shown}, not "{shown}"'
    if got == "null":
        return "must not be null"
    if got is not None:
        return f"must be {_JSON_NAMES.get(kind, kind)}, not {_JSON_NAMES.get(got, got)}"
    if constraint and constraint.startswith("matching regex"):
        pattern = constraint[len("matching regex ") :].strip("'")
        words = _PATTERN_WORDS.get(pattern, "is not in the form this field takes")
        return _identity(field, words, sent) if "16 digits" in words else f"{words}{_got(sent)}"
    bound = _BOUND.search(constraint or "")
    if bound:
        return _bounded(field, kind, bound.group(1), bound.group(2), sent)
    return f"must be {_JSON_NAMES.get(kind, kind)}{_got(sent)}"


def _bounded(field: str, kind: str, sign: str, limit: str, sent: Any) -> str:
    if kind == "str" and limit == "16" and field.split(".")[-1] in ("nik", "kk_number"):
        return _identity(field, "must be 16 digits", sent)
    least = sign.startswith(">")
    if kind == "str":
        if least and limit == "1":
            return "must not be empty"
        size = f"; got {len(sent)}" if isinstance(sent, str) else ""
        return f"must be {'at least' if least else 'at most'} {limit} characters{size}"
    if kind == "array":
        size = f"; got {len(sent)}" if isinstance(sent, list) else ""
        return f"must hold {'at least' if least else 'at most'} {limit} items{size}"
    exclusive = len(sign) == 1
    if exclusive:
        return f"must be {'more' if least else 'less'} than {limit}{_got(sent)}"
    return f"must be {'at least' if least else 'at most'} {limit}{_got(sent)}"


def _identity(field: str, words: str, sent: Any) -> str:
    """A NIK or a KK number: 16 digits, and what came instead."""
    name = "the KK number" if field.split(".")[-1].startswith("kk") else "NIK"
    if isinstance(sent, str) and sent.isdigit():
        return f"{name} {words}; got {len(sent)}"
    if isinstance(sent, str):
        return f"{name} {words}, and nothing else (no spaces, dots or letters)"
    return f"{name} {words}"


def _listed(values: tuple[Any, ...]) -> str:
    return ", ".join(str(v) for v in values)


def _got(sent: Any) -> str:
    if sent is ABSENT:
        return ""
    shown = repr(sent) if isinstance(sent, str) else str(sent)
    return f"; got {shown[:60]}"
