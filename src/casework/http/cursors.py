"""List cursors: the position (or other key) after which the next page starts, as text."""

from __future__ import annotations

from casework.errors import FieldProblem, ValidationFailed


def position_after(cursor: str | None) -> int:
    """0 for the first page; a cursor this API gave, else 422 naming `cursor`."""
    if cursor is None:
        return 0
    # isascii: isdigit() is also true of "²" and other digits int() refuses.
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
        raise ValidationFailed([FieldProblem("cursor", "is not a cursor this list gave")])
    return int(cursor)
