"""NIK (Nomor Induk Kependudukan) and nomor KK (Kartu Keluarga): structural validation.

Both are 16 digits `PPKKCC DDMMYY SSSS`: where the number was issued (province, regency,
district), a date, and a serial. In a NIK the date is the birth date, with 40 added to the
day for women; in a nomor KK it is the issue date.

`check_*` raise InvalidValue on the first hard rule break and return warnings for soft ones.
Messages name the rule and the part, never the whole number: they may end up in logs.
"""

from __future__ import annotations

import datetime
import re

from casework.errors import InvalidValue
from casework.validation.areas import is_known_district, is_known_province

# `[0-9]`, not `\d` or str.isdigit: those accept non-ASCII digits (Arabic-Indic '\u0661').
_SIXTEEN_DIGITS = re.compile(r"[0-9]{16}")
_SIX_DIGITS = re.compile(r"[0-9]{6}")

# A woman's NIK carries her birth day plus 40 (41-71).
_WOMAN_DAY_OFFSET = 40

UNKNOWN_DISTRICT_WARNING = "{what} issued in a district code not in today's list"
SEX_MISMATCH_WARNING = "NIK day implies sex {implied}, but the member's sex is {given}"


def _check_region(digits: str, what: str) -> None:
    """Province known, regency and district parts not 00 (digits 1-6)."""
    if not is_known_province(digits[:2]):
        raise InvalidValue(f"{what} province code {digits[:2]} (digits 1-2) is unknown")
    if digits[2:4] == "00":
        raise InvalidValue(f"{what} regency code (digits 3-4) must not be 00")
    if digits[4:6] == "00":
        raise InvalidValue(f"{what} district code (digits 5-6) must not be 00")


def _check_date(day: int, month: int, yy: int, what: str) -> None:
    """Month 01-12 and day/month/yy a real date in 19yy or 20yy (the century is unknown)."""
    if not 1 <= month <= 12:
        raise InvalidValue(f"{what} month {month:02d} is not 01-12")
    # Only 29 Feb depends on the century: 2000 is leap, 1900 not. Both are tried to state the
    # rule as written, though any 19yy leap year is matched by a leap 20yy.
    for century in (1900, 2000):
        try:
            datetime.date(century + yy, month, day)
            return
        except ValueError:
            continue
    raise InvalidValue(
        f"{what} date (digits 7-12) is not a real date: "
        f"{day:02d}-{month:02d} exists in neither 19{yy:02d} nor 20{yy:02d}"
    )


def _check_serial(digits: str, what: str) -> None:
    if digits[12:] == "0000":
        raise InvalidValue(f"{what} serial number (digits 13-16) must not be 0000")


def _district_warnings(digits: str, what: str) -> list[str]:
    # The prefix says where the number was issued; codes change, so an old one is no error.
    if is_known_district(digits[:6]):
        return []
    return [UNKNOWN_DISTRICT_WARNING.format(what=what)]


def _require_sixteen_digits(value: str, what: str) -> str:
    if not isinstance(value, str) or not _SIXTEEN_DIGITS.fullmatch(value):
        raise InvalidValue(f"{what} must be 16 digits")
    return value


def is_provisional_nik(nik: str) -> bool:
    """A provisional NIK (for a member without one yet): 16 ASCII digits starting with 0."""
    return isinstance(nik, str) and bool(_SIXTEEN_DIGITS.fullmatch(nik)) and nik[0] == "0"


def check_nik(nik: str, sex: str | None = None) -> list[str]:
    """Validate a NIK; return warnings, raise InvalidValue on the first hard problem.

    `sex` ("L" or "P") is the member's recorded sex; a mismatch with the sex the day implies
    is only a warning, since either side may hold the typo.
    """
    digits = _require_sixteen_digits(nik, "NIK")
    if digits[0] == "0":
        return []  # provisional (is_provisional_nik): no structure to check
    _check_region(digits, "NIK")
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    if 1 <= day <= 31:
        implied = "L"
    elif 1 + _WOMAN_DAY_OFFSET <= day <= 31 + _WOMAN_DAY_OFFSET:
        implied, day = "P", day - _WOMAN_DAY_OFFSET
    else:
        raise InvalidValue(f"NIK day {day:02d} is not 01-31 (or 41-71 for women)")
    _check_date(day, month, yy, "NIK")
    _check_serial(digits, "NIK")
    warnings = _district_warnings(digits, "NIK")
    if sex in ("L", "P") and sex != implied:
        warnings.append(SEX_MISMATCH_WARNING.format(implied=implied, given=sex))
    return warnings


def check_kk_number(kk: str) -> list[str]:
    """Validate a nomor KK; return warnings, raise InvalidValue on the first hard problem."""
    digits = _require_sixteen_digits(kk, "nomor KK")
    _check_region(digits, "nomor KK")
    day, month, yy = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    if not 1 <= day <= 31:  # an issue date has no +40 for women
        raise InvalidValue(f"nomor KK day {day:02d} is not 01-31")
    _check_date(day, month, yy, "nomor KK")
    _check_serial(digits, "nomor KK")
    return _district_warnings(digits, "nomor KK")


def nik_birth_date(nik: str) -> tuple[int, int, int] | None:
    """(day, month, two-digit year) of a valid NIK, the +40 removed; None if provisional."""
    check_nik(nik)
    if is_provisional_nik(nik):
        return None
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    return (day - _WOMAN_DAY_OFFSET if day > _WOMAN_DAY_OFFSET else day, month, yy)


def _prefix_and_serial(district6: str, serial: int, what: str) -> str:
    """Check a constructor's district and serial so it only ever builds accepted numbers."""
    if not isinstance(district6, str) or not _SIX_DIGITS.fullmatch(district6):
        raise InvalidValue("district must be 6 digits PPKKCC")
    _check_region(district6 + "0" * 10, what)
    if not 1 <= serial <= 9999:
        raise InvalidValue("serial must be 1-9999")
    return district6


def make_nik(district6: str, birth: datetime.date, sex: str, serial: int) -> str:
    """Build a NIK that check_nik accepts (warning only if district6 is not in today's list)."""
    prefix = _prefix_and_serial(district6, serial, "NIK")
    if sex not in ("L", "P"):
        raise InvalidValue("sex must be L or P")
    day = birth.day + (_WOMAN_DAY_OFFSET if sex == "P" else 0)
    return f"{prefix}{day:02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def make_kk_number(district6: str, issued: datetime.date, serial: int) -> str:
    """Build a nomor KK that check_kk_number accepts."""
    prefix = _prefix_and_serial(district6, serial, "nomor KK")
    return f"{prefix}{issued.day:02d}{issued.month:02d}{issued.year % 100:02d}{serial:04d}"
