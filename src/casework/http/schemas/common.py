"""Types shared by every resource: warnings, problems, bounded strings and amounts."""

from __future__ import annotations

from typing import Annotated

import msgspec

from casework.vocabulary import MAX_IDR

# Short free text (names, codes, references) and long free text (addresses, reasons).
ShortText = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
LongText = Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
Code = Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
Rupiah = Annotated[int, msgspec.Meta(ge=0, le=MAX_IDR)]
PositiveRupiah = Annotated[int, msgspec.Meta(ge=1, le=MAX_IDR)]
Nik = Annotated[str, msgspec.Meta(min_length=16, max_length=16, pattern=r"^[0-9]{16}$")]
# NIK and nomor KK share one shape; their structural rules are checked by the service.
KkNumber = Nik
AreaCode = Annotated[str, msgspec.Meta(max_length=20)]
Period = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4}-(0[1-9]|1[0-2])$")]


class Request(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """Base of every request body: an unknown field is an error, never silently dropped."""


class FieldMessage(msgspec.Struct):
    field: str
    message: str


class Problem(msgspec.Struct, omit_defaults=True):
    """RFC 9457 problem details, with the field paths of invalid input."""

    type: str
    title: str
    status: int
    detail: str = ""
    errors: list[FieldMessage] = msgspec.field(default_factory=list)
