"""Periods (`YYYY-MM`) and the dates they hold; dates of instants in the deployment's zone."""

from __future__ import annotations

import calendar
from datetime import date, datetime
from zoneinfo import ZoneInfo


def bounds(period: str) -> tuple[date, date]:
    """The first and the last day of a period."""
    year, month = int(period[:4]), int(period[5:7])
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def local_date(instant: datetime, zone: ZoneInfo) -> date:
    """The date of an instant where the deployment is (a registration at 23:30 UTC is the
    next day in Kupang)."""
    return instant.astimezone(zone).date()


def age_on(birth: date, day: date) -> int:
    """Age in whole years on `day` (someone born on 29 February turns a year older on 1 March
    in a common year)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
