"""Field rules of family commands, shared by the API, the import and the demo."""

from __future__ import annotations

from datetime import date

from casework.aggregates.family import NewMember
from casework.validation.areas import require_village
from casework.validation.field_checks import FieldChecks
from casework.validation.identity_numbers import check_kk_number, check_nik
from casework.vocabulary import DESIL_MAX, DESIL_MIN, RELATIONSHIPS, SEXES

MAX_NAME = 200
MAX_ADDRESS = 500


def check_member(checks: FieldChecks, member: NewMember, prefix: str, today: date) -> None:
    checks.one_of(member.sex, SEXES, f"{prefix}sex")
    checks.one_of(member.relationship, RELATIONSHIPS, f"{prefix}relationship")
    checks.text(member.name, f"{prefix}name", max_length=MAX_NAME)
    checks.not_future(member.birth_date, f"{prefix}birth_date", today)
    checks.warn_all(
        f"{prefix}nik", checks.run(f"{prefix}nik", lambda: check_nik(member.nik, member.sex))
    )


def check_kk(checks: FieldChecks, kk_number: str, field: str = "kk_number") -> None:
    checks.warn_all(field, checks.run(field, lambda: check_kk_number(kk_number)))


def check_village(checks: FieldChecks, area_code: str, field: str = "area_code") -> str:
    return checks.run(field, lambda: require_village(area_code)) or area_code


def check_address(checks: FieldChecks, address: str, field: str = "address") -> None:
    checks.text(address, field, max_length=MAX_ADDRESS)


def check_desil(checks: FieldChecks, desil: int | None, field: str) -> None:
    if desil is not None:
        checks.require(DESIL_MIN <= desil <= DESIL_MAX, field, f"must be {DESIL_MIN}-{DESIL_MAX}")
