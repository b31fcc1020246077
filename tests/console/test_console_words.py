"""The console's words and figures: every key a template asks for exists in both languages,
and money and dates are written the Indonesian way."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from importlib import resources
from zoneinfo import ZoneInfo

from casework.console.formatting import Writer, number, rupiah
from casework.console.i18n import MESSAGES

# Keys built in templates from a value: the values each may take.
BUILT_KEYS = {
    "role_": ("finance", "auditor", "admin"),
    "status_": (
        *("open", "closed", "delivered", "voided", "current", "behind"),
        *("active", "inactive", "erased", "departed"),
    ),
}


def template_keys() -> set[str]:
    folder = resources.files("casework.console") / "templates"
    keys: set[str] = set()
    for template in folder.iterdir():
        text = template.read_text()
        keys |= set(re.findall(r"""\bt\(\s*["']([a-z_-]+)["']\s*\)""", text))
        for prefix in re.findall(r"""\bt\(\s*["']([a-z_]+_)["']\s*\+""", text):
            keys |= {prefix + value for value in BUILT_KEYS[prefix]}
    return keys


def test_every_key_a_template_asks_for_has_both_languages() -> None:
    keys = template_keys()
    assert len(keys) > 50
    assert sorted(keys - set(MESSAGES)) == []
    assert all(all(words) for words in MESSAGES.values())


def test_rupiah_have_dots_between_thousands() -> None:
    assert rupiah(1_800_000_000) == "Rp 1.800.000.000"
    assert rupiah(0) == "Rp 0"
    assert rupiah(-5_000) == "-Rp 5.000"
    assert number(12_345) == "12.345"


def test_dates_and_instants_in_indonesian_and_the_deployments_zone() -> None:
    kupang = Writer("id", ZoneInfo("Asia/Makassar"))
    assert kupang.day(date(2026, 12, 8)) == "8 Desember 2026"
    assert kupang.period("2025-08") == "Agustus 2025"
    assert kupang.instant(datetime(2026, 12, 8, 1, 15, 0, tzinfo=UTC)) == (
        "8 Desember 2026 09.15.00 WITA"
    )
    jakarta = Writer("en", ZoneInfo("Asia/Jakarta"))
    assert jakarta.instant(datetime(2026, 12, 7, 23, 5, 9, tzinfo=UTC)) == (
        "8 December 2026 06:05:09 WIB"
    )
