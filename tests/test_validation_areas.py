"""Area codes against the real Kemendagri list shipped in casework/data/wilayah.csv."""

from __future__ import annotations

import csv
from importlib.resources import files

import pytest
from hypothesis import given
from hypothesis import strategies as st

from casework.errors import InvalidValue
from casework.validation.areas import (
    area_covers,
    area_level,
    area_name,
    areas_overlap,
    is_known_area,
    is_known_district,
    is_known_province,
    normalise_area_code,
    require_village,
    villages_under,
)

NAMOSAIN = "53.71.01.1001"  # a kelurahan in Alak, Kota Kupang, Nusa Tenggara Timur


def _codes() -> list[str]:
    text = (files("casework") / "data" / "wilayah.csv").read_text(encoding="utf-8")
    return [row["code"] for row in csv.DictReader(text.splitlines())]


ALL_CODES = _codes()


def test_given_the_shipped_list_then_it_has_every_row_and_level() -> None:
    assert len(ALL_CODES) == 91_599
    assert {area_level(code) for code in ALL_CODES} == {
        "province",
        "regency",
        "district",
        "village",
    }


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("53", "53"),
        ("53.71", "53.71"),
        ("53.71.01", "53.71.01"),
        (NAMOSAIN, NAMOSAIN),
        ("5371", "53.71"),
        ("537101", "53.71.01"),
        ("5371011001", NAMOSAIN),
        ("  5371011001\n", NAMOSAIN),  # surrounding whitespace is stripped
        (" 53.71 ", "53.71"),
    ],
)
def test_given_a_known_code_in_any_form_when_normalised_then_dotted(
    raw: str, expected: str
) -> None:
    assert normalise_area_code(raw) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "5",
        "537",
        "53710",
        "53710110",
        "53710110011",
        "53.7",
        "53.71.1",
        "53.71.01.101",
        "53.71.01.10011",
        "53..71",
        "53.71.",
        ".53",
        "53-71",
        "5371 01",
        "53.71.01.1001.1",
        "\u0665\u0663",
        "53\u0667\u0661",
        "abc",
    ],
)
def test_given_a_malformed_code_when_normalised_then_rejected_for_its_shape(raw: str) -> None:
    with pytest.raises(InvalidValue, match="must be dotted"):
        normalise_area_code(raw)


def test_given_a_well_formed_but_unknown_code_when_normalised_then_named_unknown() -> None:
    with pytest.raises(InvalidValue, match=r"^unknown area code 53\.99$"):
        normalise_area_code("5399")
    with pytest.raises(InvalidValue, match="unknown area code 99"):
        normalise_area_code("99")


def test_given_a_non_string_when_normalised_then_rejected() -> None:
    with pytest.raises(InvalidValue):
        normalise_area_code(5371011001)  # type: ignore[arg-type]


def test_given_known_codes_then_names_and_levels_come_from_the_list() -> None:
    assert area_name("53") == "Nusa Tenggara Timur"
    assert area_name("53.71") == "Kota Kupang"
    assert area_name(NAMOSAIN) == "Namosain"
    assert area_name("12.07.28.1007") == "Lubuk Pakam I,II"  # quoted comma in the CSV
    assert [area_level(c) for c in ("53", "53.71", "53.71.01", NAMOSAIN)] == [
        "province",
        "regency",
        "district",
        "village",
    ]
    assert is_known_area(NAMOSAIN) and not is_known_area("53.99") and not is_known_area("5371")


def test_given_an_unknown_or_undotted_code_then_area_name_raises_key_error() -> None:
    with pytest.raises(KeyError):
        area_name("5371011001")
    with pytest.raises(KeyError):
        area_name("53.99")


def test_given_too_many_parts_then_area_level_refuses() -> None:
    with pytest.raises(InvalidValue):
        area_level("53.71.01.1001.01")


def test_given_a_village_then_required_village_passes_and_anything_higher_fails() -> None:
    assert require_village("5371011001") == NAMOSAIN
    for higher in ("53", "53.71", "537101"):
        with pytest.raises(InvalidValue, match="is not a village"):
            require_village(higher)
    with pytest.raises(InvalidValue, match="unknown area code"):
        require_village("53.71.01.9999")


def test_given_prefixes_then_coverage_compares_whole_parts() -> None:
    assert area_covers("53.71", "53.71")
    assert area_covers("53.71", NAMOSAIN)
    assert area_covers("53", NAMOSAIN)
    assert not area_covers("53.7", "53.71")  # no character-prefix false match
    assert not area_covers("53.71", "53.710")
    assert not area_covers(NAMOSAIN, "53.71")  # a child does not cover its parent
    assert not area_covers("53.72", NAMOSAIN)


def test_given_two_areas_then_they_overlap_only_along_one_branch() -> None:
    assert areas_overlap("53.71", NAMOSAIN) and areas_overlap(NAMOSAIN, "53.71")
    assert areas_overlap("53", "53")
    assert not areas_overlap("53.71", "53.72")
    assert not areas_overlap("53.7", "53.71")


def test_given_nik_prefixes_then_provinces_and_districts_are_looked_up() -> None:
    assert is_known_province("53") and not is_known_province("99")
    assert not is_known_province("53.71") and not is_known_province("5\u0663")
    assert is_known_district("537101") and not is_known_district("537199")
    assert not is_known_district("5371") and not is_known_district("53.71.01")


def test_given_a_prefix_then_villages_under_it_are_sorted_village_codes() -> None:
    under = villages_under("53.71")
    assert NAMOSAIN in under and under == sorted(under)
    assert all(area_level(c) == "village" and c.startswith("53.71.") for c in under)
    assert len(under) == 51  # Kota Kupang's kelurahan
    assert villages_under(NAMOSAIN) == [NAMOSAIN]
    assert villages_under("53.99") == []


@given(st.sampled_from(ALL_CODES))
def test_given_any_listed_code_then_forms_agree_and_normalising_is_idempotent(code: str) -> None:
    assert normalise_area_code(code) == code
    assert normalise_area_code(code.replace(".", "")) == code
    assert normalise_area_code(normalise_area_code(code)) == code
    assert is_known_area(code) and area_covers(code, code)


@given(st.sampled_from(ALL_CODES), st.sampled_from(ALL_CODES))
def test_given_two_listed_codes_then_coverage_matches_the_parent_chain(a: str, b: str) -> None:
    parts = b.split(".")
    ancestors = {".".join(parts[:n]) for n in range(1, len(parts) + 1)}
    assert area_covers(a, b) == (a in ancestors)
