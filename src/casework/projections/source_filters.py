"""The filters funding sources are listed and reconciled by: fiscal year, kind and area.

`area` keeps the sources whose area overlaps the asked one: the source's area is the asked
one, one of its ancestors (a city's budget reaches every village in it), or lies inside it.
Areas are compared by their dotted parts, as `casework.validation.areas.areas_overlap` does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SourceFilter:
    fiscal_year: int | None = None
    kind: str | None = None
    area: str | None = None  # dotted and known (the caller normalised it)

    def where(self, alias: str) -> tuple[str, list[Any]]:
        """SQL conditions on the table `alias` (starting with AND), and their parameters."""
        sql = ""
        params: list[Any] = []
        if self.fiscal_year is not None:
            sql += f" AND {alias}.fiscal_year = %s"
            params.append(self.fiscal_year)
        if self.kind is not None:
            sql += f" AND {alias}.kind = %s"
            params.append(self.kind)
        if self.area is not None:
            ancestors = _ancestors_and_self(self.area)
            marks = ", ".join(["%s"] * len(ancestors))
            # Codes hold digits and dots only, so LIKE has no wildcard to escape.
            sql += f" AND ({alias}.area IN ({marks}) OR {alias}.area LIKE %s)"
            params.extend([*ancestors, f"{self.area}.%"])
        return sql, params


def _ancestors_and_self(area: str) -> list[str]:
    parts = area.split(".")
    return [".".join(parts[:count]) for count in range(1, len(parts) + 1)]
