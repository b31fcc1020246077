"""Money, dates and instants written the way Indonesian offices write them.

Rupiah with a dot between thousands (`Rp 1.800.000.000`), dates as `8 Desember 2026`, instants
in the deployment's time zone with its name (`8 Desember 2026 09.15 WITA`). English pages keep
the same rupiah and the English month names.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

MONTHS = {
    "id": (
        "Januari", "Februari", "Maret", "April", "Mei", "Juni",
        "Juli", "Agustus", "September", "Oktober", "November", "Desember",
    ),
    "en": (
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ),
}  # fmt: skip


def rupiah(amount: int) -> str:
    """`Rp 1.800.000.000`; a negative amount `-Rp 5.000`."""
    digits = f"{abs(amount):,}".replace(",", ".")
    return f"{'-' if amount < 0 else ''}Rp {digits}"


def number(value: int) -> str:
    """A count with Indonesian thousands: `12.345`."""
    return f"{value:,}".replace(",", ".")


@dataclass(frozen=True)
class Writer:
    """Writes dates and instants in one language and one time zone (one per page)."""

    language: str
    zone: ZoneInfo

    def day(self, value: date | None) -> str:
        if value is None:
            return "—"
        return f"{value.day} {MONTHS[self.language][value.month - 1]} {value.year}"

    def period(self, value: str) -> str:
        """`2025-08` → `Agustus 2025`; anything else as it is."""
        year, _, month = value.partition("-")
        if not (year.isdigit() and month.isdigit() and 1 <= int(month) <= 12):
            return value
        return f"{MONTHS[self.language][int(month) - 1]} {year}"

    def instant(self, value: datetime | None) -> str:
        if value is None:
            return "—"
        local = value.astimezone(self.zone)
        separator = "." if self.language == "id" else ":"
        clock = f"{local.hour:02d}{separator}{local.minute:02d}{separator}{local.second:02d}"
        return f"{self.day(local.date())} {clock} {local.tzname()}"

    def picker_value(self, value: datetime | None) -> str:
        """The value of a `datetime-local` input showing this instant in the zone."""
        if value is None:
            return ""
        return value.astimezone(self.zone).strftime("%Y-%m-%dT%H:%M:%S")
