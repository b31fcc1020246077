"""CASEWORK_CELL and CASEWORK_CELL_AREAS: the cell's name and the area prefixes it serves.

The name becomes part of PostgreSQL identifiers (`cell_<name>` schema, `casework_cell_<name>`
and `casework_cell_<name>_state` publications, the national side's subscription and slot), so
it is kept to lower-case ASCII letters, digits and `_`, short enough for the longest of them
to stay within PostgreSQL's 63 bytes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from casework.errors import InvalidValue
from casework.settings import ConfigurationError
from casework.validation.areas import area_covers, normalise_area_code

CELL_NAME = re.compile(r"^[a-z0-9_]+$")
# `casework_national_<name>` (the national slot) is the longest identifier built on the name.
MAX_NAME = 40


@dataclass(frozen=True)
class CellConfig:
    name: str
    # Dotted area prefixes (`53`, `64.71`), sorted, without duplicates.
    areas: tuple[str, ...]

    @property
    def schema(self) -> str:
        """The PostgreSQL schema every table of the cell lives in."""
        return f"cell_{self.name}"

    @property
    def areas_text(self) -> str:
        """As `cell_identity.areas` holds them: comma-separated dotted prefixes."""
        return ",".join(self.areas)

    def covers(self, area_code: str) -> bool:
        """Whether a dotted area code lies within one of the cell's prefixes."""
        return any(area_covers(prefix, area_code) for prefix in self.areas)


def parse_cell(name: str | None, areas: str | None) -> CellConfig | None:
    """The cell the two variables describe; None when CASEWORK_CELL is unset (no cell)."""
    if not name:
        if areas:
            raise ConfigurationError("CASEWORK_CELL_AREAS is set but CASEWORK_CELL is not")
        return None
    if CELL_NAME.fullmatch(name) is None:
        raise ConfigurationError(
            f"CASEWORK_CELL {name!r} must be lower-case letters a-z, digits and '_' only"
        )
    if len(name) > MAX_NAME:
        raise ConfigurationError(f"CASEWORK_CELL must be at most {MAX_NAME} characters")
    return CellConfig(name, parse_areas(areas or ""))


def parse_areas(text: str) -> tuple[str, ...]:
    """Comma-separated prefixes, dotted or undotted, each in the area reference list."""
    raw = [part.strip() for part in text.split(",") if part.strip()]
    if not raw:
        raise ConfigurationError(
            "CASEWORK_CELL_AREAS must list the area prefixes the cell serves, e.g. 53 or 53,64.71"
        )
    areas: set[str] = set()
    for part in raw:
        try:
            areas.add(normalise_area_code(part))
        except InvalidValue as error:
            raise ConfigurationError(f"CASEWORK_CELL_AREAS {part!r}: {error}") from None
    return tuple(sorted(areas))
