"""Indonesian area codes (Kemendagri): normalising, looking up and comparing them.

A code has one to four dot-separated parts: province `53`, regency/city `53.71`,
district (kecamatan) `53.71.01` and village (desa/kelurahan) `53.71.01.1001`. The API stores
the dotted form; the undotted digits (`5371011001`) are accepted on input. The reference list
is the package data file `casework/data/wilayah.csv` (see `casework/data/README.md`).
"""

from __future__ import annotations

import csv
import functools
import re
from collections.abc import Mapping
from importlib.resources import files

from casework.errors import InvalidValue

# `[0-9]`, not `\d`: `\d` also matches non-ASCII digits (Arabic-Indic '\u0661').
_DOTTED = re.compile(r"[0-9]{2}(\.[0-9]{2}(\.[0-9]{2}(\.[0-9]{4})?)?)?")
_UNDOTTED = re.compile(r"[0-9]{2}|[0-9]{4}|[0-9]{6}|[0-9]{10}")

# Indexed by the number of dot-separated parts.
_LEVELS = {1: "province", 2: "regency", 3: "district", 4: "village"}


@functools.cache
def _names() -> Mapping[str, str]:
    """The reference list as code -> name, read once on first use so imports stay cheap."""
    resource = files("casework") / "data" / "wilayah.csv"
    lines = resource.read_text(encoding="utf-8").splitlines()
    # csv, not str.split: a few names contain quoted commas ("Lubuk Pakam I,II").
    return {row["code"]: row["name"] for row in csv.DictReader(lines)}


@functools.cache
def _villages() -> tuple[str, ...]:
    """Every village code, sorted, so prefix queries need not re-sort 90k codes each time."""
    return tuple(sorted(code for code in _names() if code.count(".") == 3))


def _parts(code: str) -> list[str]:
    return code.split(".")


def normalise_area_code(raw: str) -> str:
    """Return the dotted form of a known area code given dotted or as 2, 4, 6 or 10 digits.

    Raises InvalidValue if the shape is wrong or the code is not in the reference list.
    """
    if not isinstance(raw, str):  # JSON may carry a number; don't let int("53") slip through
        raise InvalidValue("area code must be a string")
    text = raw.strip()
    if _DOTTED.fullmatch(text):
        code = text
    elif _UNDOTTED.fullmatch(text):
        # Cut PP KK CC DDDD at fixed offsets; shorter inputs stop at their level.
        cuts = [(0, 2), (2, 4), (4, 6), (6, 10)]
        code = ".".join(text[a:b] for a, b in cuts if b <= len(text))
    else:
        raise InvalidValue("area code must be dotted like 53.71.01.1001 or 2, 4, 6 or 10 digits")
    if code not in _names():
        raise InvalidValue(f"unknown area code {code}")
    return code


def area_name(code: str) -> str:
    """Name of a known dotted code (e.g. "Namosain"); KeyError for anything else."""
    return _names()[code]


def is_known_area(code: str) -> bool:
    """Whether the dotted code is in the reference list."""
    return code in _names()


def area_level(code: str) -> str:
    """ "province", "regency", "district" or "village", by the number of dotted parts."""
    level = _LEVELS.get(len(_parts(code)))
    if level is None:
        raise InvalidValue("area code must have 1 to 4 dot-separated parts")
    return level


def require_village(raw: str) -> str:
    """Normalise a code and insist it is a village: families live at village level."""
    code = normalise_area_code(raw)
    if area_level(code) != "village":
        raise InvalidValue(f"area code {code} is not a village (desa/kelurahan) code")
    return code


def area_covers(prefix: str, code: str) -> bool:
    """Whether `prefix` is `code` or one of its ancestors.

    Parts are compared, not characters, so `53.7` does not cover `53.71`.
    """
    wanted = _parts(prefix)
    return _parts(code)[: len(wanted)] == wanted


def areas_overlap(a: str, b: str) -> bool:
    """Whether two areas share ground; with a tree of areas that means one covers the other."""
    return area_covers(a, b) or area_covers(b, a)


def is_known_province(two_digits: str) -> bool:
    """Whether two ASCII digits (a NIK's first two) are a province in the reference list."""
    # The list's two-character codes are all provinces of ASCII digits: no pattern needed.
    return len(two_digits) == 2 and two_digits in _names()


def is_known_district(six_digits: str) -> bool:
    """Whether six ASCII digits PPKKCC (a NIK's first six) are a district, `PP.KK.CC`."""
    # Only six ASCII digits can make a listed `PP.KK.CC`: no pattern needed.
    if len(six_digits) != 6:
        return False
    return f"{six_digits[:2]}.{six_digits[2:4]}.{six_digits[4:]}" in _names()


def villages_under(prefix: str) -> list[str]:
    """Sorted dotted village codes covered by `prefix` (empty if none)."""
    return [code for code in _villages() if area_covers(prefix, code)]
