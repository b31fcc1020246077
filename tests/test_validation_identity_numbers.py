"""NIK and nomor KK rules from DESIGN.md ("Validation"), example by example and by property."""

from __future__ import annotations

import csv
import datetime
import re
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.errors import InvalidValue
from casework.validation.areas import is_known_district
from casework.validation.identity_numbers import (
    check_kk_number,
    check_nik,
    is_provisional_nik,
    make_kk_number,
    make_nik,
    nik_birth_date,
)

MAN = "5371010507850001"  # Alak, Kota Kupang; born 05-07-85; serial 0001
WOMAN = "5371014507850002"  # same, day 05 + 40
KK = "5371012304150001"  # issued 23-04-15
UNKNOWN_DISTRICT = "537199"  # Kota Kupang has no kecamatan 99
NOT_A_DATE = r"date \(digits 7-12\) is not a real date"
DISTRICT_WARNING = "issued in a district code not in today's list"


def _districts() -> list[str]:
    """Every district in the shipped list, as the six undotted digits PPKKCC."""
    text = (files("casework") / "data" / "wilayah.csv").read_text(encoding="utf-8")
    codes = (row["code"] for row in csv.DictReader(text.splitlines()))
    return sorted(code.replace(".", "") for code in codes if code.count(".") == 2)


DISTRICTS = _districts()


def with_part(number: str, start: int, part: str) -> str:
    """`number` with the digits from `start` (0-based) replaced by `part`."""
    return number[:start] + part + number[start + len(part) :]


def assert_rejected(check: object, number: str, match: str) -> None:
    """Rejected with a message naming the rule, and never echoing the whole number."""
    assert callable(check)
    with pytest.raises(InvalidValue, match=match) as caught:
        check(number)
    if number:
        assert number not in str(caught.value)


# --- NIK: accepted side -------------------------------------------------------------------


def test_given_well_formed_niks_when_checked_then_no_warnings() -> None:
    assert check_nik(MAN) == [] and check_nik(MAN, "L") == []
    assert check_nik(WOMAN) == [] and check_nik(WOMAN, "P") == []


@pytest.mark.parametrize(
    "day_month_year",
    ["010185", "310185", "410185", "710185", "290200", "690200", "290204", "300485", "701285"],
)
def test_given_a_day_at_its_boundaries_when_checked_then_accepted(day_month_year: str) -> None:
    # 31 and 71 are the last days for men and women; 29-02-00 exists because 2000 is leap.
    assert check_nik(with_part(MAN, 6, day_month_year)) == []


# --- NIK: rejected side -------------------------------------------------------------------


@pytest.mark.parametrize(
    "nik",
    [
        "",
        "537101050785000",
        "53710105078500011",
        " " + MAN,
        MAN + "\n",
        MAN[:15] + " ",
        MAN[:15] + "\u0661",
        "\uff15" + MAN[1:],
        "5371-01-05078500",
        "537101050785000a",
    ],
)
def test_given_not_sixteen_ascii_digits_when_checked_then_rejected(nik: str) -> None:
    assert_rejected(check_nik, nik, "NIK must be 16 digits")


def test_given_a_non_string_when_checked_then_rejected() -> None:
    with pytest.raises(InvalidValue, match="16 digits"):
        check_nik(5371010507850001)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("start", "part", "match"),
    [
        (0, "99", "province code 99 .* is unknown"),
        (0, "10", "province code 10 .* is unknown"),
        (2, "00", r"regency code \(digits 3-4\) must not be 00"),
        (4, "00", r"district code \(digits 5-6\) must not be 00"),
        (6, "00", "day 00 is not 01-31"),
        (6, "32", "day 32 is not 01-31"),
        (6, "40", "day 40 is not 01-31"),
        (6, "72", "day 72 is not 01-31 .or 41-71 for women"),
        (6, "99", "day 99 is not"),
        (8, "00", "month 00 is not 01-12"),
        (8, "13", "month 13 is not 01-12"),
        (6, "3104", NOT_A_DATE),  # 31 April never exists
        (6, "7104", NOT_A_DATE),  # nor does it for women
        (6, "300200", NOT_A_DATE),
        (6, "290201", NOT_A_DATE),  # neither 1901 nor 2001 is leap
        (6, "690201", NOT_A_DATE),
        (12, "0000", r"serial number \(digits 13-16\) must not be 0000"),
    ],
)
def test_given_one_broken_part_when_checked_then_rejected_naming_the_rule(
    start: int, part: str, match: str
) -> None:
    assert_rejected(check_nik, with_part(MAN, start, part), "NIK " + match)


# --- NIK: provisional and warnings --------------------------------------------------------


@pytest.mark.parametrize("nik", ["0000000000000000", "0999999999999999", "0371010507850001"])
def test_given_a_provisional_nik_when_checked_then_rules_are_skipped(nik: str) -> None:
    assert is_provisional_nik(nik)
    assert check_nik(nik) == [] and check_nik(nik, "L") == [] and check_nik(nik, "P") == []
    assert nik_birth_date(nik) is None


@pytest.mark.parametrize(
    "nik", [MAN, "012345678901234", "0" * 17, "\u0660" + "0" * 15, " " + "0" * 15]
)
def test_given_no_leading_zero_or_wrong_shape_then_not_provisional(nik: str) -> None:
    assert not is_provisional_nik(nik)


def test_given_a_sex_the_day_contradicts_when_checked_then_only_warned() -> None:
    [warning] = check_nik(WOMAN, "L")
    assert "implies sex P" in warning and MAN not in warning
    [warning] = check_nik(MAN, "P")
    assert "implies sex L" in warning


def test_given_an_issuing_district_not_in_the_list_when_checked_then_only_warned() -> None:
    assert not is_known_district(UNKNOWN_DISTRICT)
    nik = with_part(WOMAN, 0, UNKNOWN_DISTRICT)
    assert check_nik(nik) == ["NIK " + DISTRICT_WARNING]
    assert len(check_nik(nik, "L")) == 2  # both warnings, still no rejection


# --- NIK: birth date and constructor ------------------------------------------------------


def test_given_niks_then_birth_date_removes_the_womans_offset() -> None:
    assert nik_birth_date(MAN) == (5, 7, 85)
    assert nik_birth_date(WOMAN) == (5, 7, 85)
    with pytest.raises(InvalidValue):
        nik_birth_date(with_part(MAN, 8, "13"))


def test_given_parts_when_making_a_nik_then_the_documented_layout_comes_out() -> None:
    assert make_nik("537101", datetime.date(1985, 7, 5), "L", 1) == MAN
    assert make_nik("537101", datetime.date(1985, 7, 5), "P", 2) == WOMAN
    assert make_nik("537101", datetime.date(2000, 2, 29), "P", 9999) == "5371016902009999"


@pytest.mark.parametrize(
    ("district", "sex", "serial"),
    [
        ("990101", "L", 1),
        ("530001", "L", 1),
        ("537100", "L", 1),
        ("53710", "L", 1),
        ("537101", "X", 1),
        ("537101", "L", 0),
        ("537101", "L", 10000),
    ],
)
def test_given_bad_parts_when_making_a_nik_then_refused(
    district: str, sex: str, serial: int
) -> None:
    with pytest.raises(InvalidValue):
        make_nik(district, datetime.date(1985, 7, 5), sex, serial)


# --- Nomor KK -----------------------------------------------------------------------------


def test_given_a_well_formed_kk_number_when_checked_then_accepted() -> None:
    assert check_kk_number(KK) == []
    assert check_kk_number(with_part(KK, 6, "290200")) == []
    assert check_kk_number(with_part(KK, 6, "3101")) == []
    assert make_kk_number("537101", datetime.date(2015, 4, 23), 1) == KK


@pytest.mark.parametrize(
    ("start", "part", "match"),
    [
        (0, "99", "province code 99"),
        (0, "05", "province code 05"),  # no provisional nomor KK
        (2, "00", "regency code"),
        (4, "00", "district code"),
        (6, "00", "day 00 is not 01-31"),
        (6, "32", "day 32 is not 01-31"),
        (6, "41", "day 41 is not 01-31"),  # an issue date has no +40
        (8, "00", "month 00 is not 01-12"),
        (8, "13", "month 13 is not 01-12"),
        (6, "290201", NOT_A_DATE),
        (12, "0000", "serial number"),
    ],
)
def test_given_one_broken_kk_part_when_checked_then_rejected(
    start: int, part: str, match: str
) -> None:
    assert_rejected(check_kk_number, with_part(KK, start, part), "nomor KK " + match)


@pytest.mark.parametrize("kk", ["", KK[:15], KK + "1", " " + KK[1:], KK[:15] + "\u0661"])
def test_given_not_sixteen_ascii_digits_when_kk_checked_then_rejected(kk: str) -> None:
    assert_rejected(check_kk_number, kk, "nomor KK must be 16 digits")


def test_given_a_kk_from_a_district_not_in_the_list_then_only_warned() -> None:
    assert check_kk_number(with_part(KK, 0, UNKNOWN_DISTRICT)) == ["nomor KK " + DISTRICT_WARNING]


# --- Properties ---------------------------------------------------------------------------

districts = st.sampled_from(DISTRICTS)
dates = st.dates(datetime.date(1900, 1, 1), datetime.date(2099, 12, 31))
serials = st.integers(1, 9999)
sexes = st.sampled_from(["L", "P"])


def test_given_the_district_sample_then_it_is_real() -> None:
    assert len(DISTRICTS) > 7000 and "537101" in DISTRICTS


@given(districts, dates, sexes, serials)
def test_any_made_nik_is_accepted_and_reads_back(
    d: str, born: datetime.date, sex: str, n: int
) -> None:
    nik = make_nik(d, born, sex, n)
    assert re.fullmatch(r"[0-9]{16}", nik) and nik.startswith(d)
    assert check_nik(nik, sex) == []
    assert nik_birth_date(nik) == (born.day, born.month, born.year % 100)
    other = "P" if sex == "L" else "L"
    assert len(check_nik(nik, other)) == 1


@given(districts, dates, serials)
def test_any_made_kk_number_is_accepted(d: str, issued: datetime.date, n: int) -> None:
    assert check_kk_number(make_kk_number(d, issued, n)) == []


@given(districts, dates, sexes, serials, st.integers(13, 99))
def test_a_month_of_13_to_99_always_rejects(
    d: str, born: datetime.date, sex: str, n: int, month: int
) -> None:
    nik = with_part(make_nik(d, born, sex, n), 8, f"{month:02d}")
    assert_rejected(check_nik, nik, f"month {month} is not 01-12")
    kk = with_part(make_kk_number(d, born, n), 8, f"{month:02d}")
    assert_rejected(check_kk_number, kk, f"month {month} is not 01-12")


@given(districts, dates, sexes)
def test_a_serial_of_0000_always_rejects(d: str, born: datetime.date, sex: str) -> None:
    assert_rejected(check_nik, with_part(make_nik(d, born, sex, 1), 12, "0000"), "serial")


not_sixteen_ascii_digits = st.one_of(
    st.text(),
    st.text(st.characters(categories=["Nd"]), min_size=16, max_size=16),
    st.text("0123456789", max_size=40).filter(lambda s: len(s) != 16),
).filter(lambda s: re.fullmatch(r"[0-9]{16}", s) is None)


@given(not_sixteen_ascii_digits)
def test_any_string_that_is_not_sixteen_ascii_digits_is_rejected(text: str) -> None:
    with pytest.raises(InvalidValue, match="must be 16 digits"):
        check_nik(text)
    with pytest.raises(InvalidValue, match="must be 16 digits"):
        check_kk_number(text)
    assert not is_provisional_nik(text)
