"""Collects field problems and warnings for one command, so a client hears of all at once."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import TypeVar

from casework.errors import FieldProblem, InvalidValue, ValidationFailed
from casework.vocabulary import MAX_IDR

T = TypeVar("T")

PERIOD = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class FieldChecks:
    def __init__(self) -> None:
        self.problems: list[FieldProblem] = []
        self.warnings: list[FieldProblem] = []

    def run(self, field: str, check: Callable[[], T]) -> T | None:
        """Run a validator; an InvalidValue becomes a problem at `field`."""
        try:
            return check()
        except InvalidValue as error:
            self.problems.append(FieldProblem(field, str(error)))
            return None

    def warn_all(self, field: str, messages: list[str] | None) -> None:
        if messages:
            self.warnings.extend(FieldProblem(field, message) for message in messages)

    def require(self, condition: bool, field: str, message: str) -> None:
        if not condition:
            self.problems.append(FieldProblem(field, message))

    # The checks below run for every field of every command (and of every family an import
    # reads), so a message is only built once its check has failed.

    def one_of(self, value: str, allowed: tuple[str, ...], field: str) -> None:
        if value not in allowed:
            shown = f"; got {value[:60]!r}" if isinstance(value, str) else ""
            self.problems.append(FieldProblem(field, f"must be one of {', '.join(allowed)}{shown}"))

    def text(self, value: str, field: str, *, max_length: int = 500) -> None:
        if not value.strip():
            self.problems.append(FieldProblem(field, "must not be empty"))
        if len(value) > max_length:
            self.problems.append(FieldProblem(field, f"must be at most {max_length} characters"))
        # Control characters are never part of a name, code or address (and PostgreSQL text
        # cannot hold NUL); line breaks and tabs may appear in a reason or an address.
        if CONTROL_CHARACTERS.search(value) is not None:
            self.problems.append(FieldProblem(field, "must not hold control characters"))

    def rupiah(self, value: int, field: str, *, allow_zero: bool = False) -> None:
        low = 0 if allow_zero else 1
        self.require(
            low <= value <= MAX_IDR, field, f"must be a whole number of rupiah {low}..{MAX_IDR}"
        )

    def period(self, value: str, field: str) -> None:
        self.require(PERIOD.match(value) is not None, field, "must be a month YYYY-MM")

    def not_future(self, value: date, field: str, today: date) -> None:
        self.require(value <= today, field, "must not be in the future")

    def done(self) -> list[FieldProblem]:
        """Raise when anything was wrong; else hand back the warnings."""
        if self.problems:
            raise ValidationFailed(list(self.problems))
        return list(self.warnings)
