"""Filter values from a page's query string, read leniently: a bad one is named on the page.

Pages take every filter as text and read it here, so a mistyped year or area is a sentence
beside its field (in the page's language), never an error page. The words are the API's own
messages where the API has one (area codes).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlencode
from uuid import UUID
from zoneinfo import ZoneInfo

from casework.errors import InvalidValue
from casework.validation.areas import normalise_area_code

KINDS = ("CSR", "APBD", "DAK")


@dataclass
class Problems:
    """The fields whose values could not be read, with why (shown above the results)."""

    items: list[tuple[str, str]] = field(default_factory=list)

    def add(self, field_label: str, message: str) -> None:
        self.items.append((field_label, message))

    def __bool__(self) -> bool:
        return bool(self.items)


def blank(value: str | None) -> str | None:
    return value.strip() or None if value is not None else None


def fiscal_year(value: str | None, problems: Problems) -> int | None:
    text = blank(value)
    if text is None:
        return None
    if text.isdigit() and 2000 <= int(text) <= 2100:
        return int(text)
    problems.add("fiscal_year", f"a year from 2000 to 2100; got {text!r}")
    return None


def kind(value: str | None, problems: Problems) -> str | None:
    text = blank(value)
    if text is None or text in KINDS:
        return text
    problems.add("kind", f"one of {', '.join(KINDS)}; got {text!r}")
    return None


def area(value: str | None, problems: Problems) -> str | None:
    text = blank(value)
    if text is None:
        return None
    try:
        return normalise_area_code(text)
    except InvalidValue as error:
        problems.add("area", str(error))
        return None


def instant(value: str | None, zone: ZoneInfo, label: str, problems: Problems) -> datetime | None:
    """A `datetime-local` value (read in the deployment's zone) or an instant with an offset."""
    text = blank(value)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T"))
    except ValueError:
        problems.add(label, f"a date and time such as 2025-12-31T23:59; got {text!r}")
        return None
    local = parsed if parsed.utcoffset() is not None else parsed.replace(tzinfo=zone)
    return local.astimezone(UTC)


def period(value: str | None, problems: Problems) -> str | None:
    text = blank(value)
    if text is None:
        return None
    year, dash, month = text.partition("-")
    if dash and len(year) == 4 and year.isdigit() and month in {f"{m:02d}" for m in range(1, 13)}:
        return text
    problems.add("period", f"a month as YYYY-MM, such as 2025-08; got {text!r}")
    return None


def program(value: str | None, problems: Problems) -> str | None:
    text = blank(value)
    if text is None:
        return None
    if text.replace("_", "").isalnum() and text.islower() and len(text) <= 50:
        return text
    problems.add("program", f"a programme code such as ina_kasih; got {text!r}")
    return None


def identifier(value: str | None, label: str, problems: Problems) -> UUID | None:
    text = blank(value)
    if text is None:
        return None
    try:
        return UUID(text)
    except ValueError:
        problems.add(label, f"an id such as 3f2b8c1e-…; got {text!r}")
        return None


def text_filter(value: str | None, label: str, problems: Problems) -> str | None:
    text = blank(value)
    if text is not None and len(text) > 200:
        problems.add(label, "at most 200 characters")
        return None
    return text


def cursor_position(value: str | None) -> int:
    """A page's cursor: the position after which it starts (anything else starts at the top)."""
    text = blank(value)
    return int(text) if text is not None and text.isdigit() and len(text) <= 18 else 0


def query_without_cursor(items: Iterable[tuple[str, str]]) -> str:
    """The page's query string for its next page's link, which adds its own cursor."""
    return urlencode([(name, value) for name, value in items if name != "cursor"])
