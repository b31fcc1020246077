"""What a valid new user is: every problem reported at once, each under its field."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import partial

from casework.validation.areas import normalise_area_code
from casework.validation.field_checks import FieldChecks
from casework.vocabulary import CASEWORKER, ROLES

MAX_NAME_LENGTH = 100
# Actors of command-line commands are recorded as `cli:<command>`; no user may pose as one.
CLI_ACTOR_PREFIX = "cli:"


def check_new_user(
    name: str, role: str, areas: Sequence[str], expires_at: datetime, now: datetime
) -> tuple[str, ...]:
    """Every problem with a new user at once (ValidationFailed), else the normalised areas."""
    checks = FieldChecks()
    _check_name(checks, name)
    checks.one_of(role, ROLES, "role")
    normalised = _check_areas(checks, role, areas)
    if expires_at.tzinfo is None:
        checks.require(False, "expires_at", "must carry a UTC offset")
    else:
        # Expiries are stored cut to milliseconds, and `now` already is: one less than a
        # millisecond away would be stored equal to `now`, expired from the start.
        later = expires_at >= now + timedelta(milliseconds=1)
        checks.require(later, "expires_at", "must be in the future")
    checks.done()
    return normalised


def _check_name(checks: FieldChecks, name: str) -> None:
    if not name:
        checks.require(False, "name", "must not be empty")
        return
    checks.require(
        len(name) <= MAX_NAME_LENGTH, "name", f"must be at most {MAX_NAME_LENGTH} characters"
    )
    checks.require(name.isprintable(), "name", "must be printable text")
    checks.require(name == name.strip(), "name", "must not start or end with whitespace")
    checks.require(
        not name.casefold().startswith(CLI_ACTOR_PREFIX),
        "name",
        f"must not start with {CLI_ACTOR_PREFIX!r} (reserved for command-line actors)",
    )


def _check_areas(checks: FieldChecks, role: str, areas: Sequence[str]) -> tuple[str, ...]:
    """The areas in dotted form, each once, in the order given."""
    if isinstance(areas, str):  # a lone code would otherwise be read as a list of characters
        checks.require(False, "areas", "must be a list of area codes")
        return ()
    if role == CASEWORKER:
        checks.require(bool(areas), "areas", "a caseworker needs at least one area")
    normalised: dict[str, None] = {}
    for index, raw in enumerate(areas):
        code = checks.run(f"areas[{index}]", partial(normalise_area_code, raw))
        if code is not None:
            normalised[code] = None
    return tuple(normalised)
