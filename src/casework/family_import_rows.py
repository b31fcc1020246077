"""Reading the import CSV: rows streamed, a family's adjacent rows grouped, values parsed.

The file is UTF-8 with a header, one row per member, a family's rows adjacent:
`kk_number, area_code, address, welfare_desil, nik, name, sex, birth_date, relationship`.
Parsing problems (a desil that is not a number, a date that is not YYYY-MM-DD, family columns
that differ between rows of one family) are field problems like the command's own.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from casework.aggregates.family import NewMember
from casework.errors import FieldProblem

COLUMNS = (
    "kk_number",
    "area_code",
    "address",
    "welfare_desil",
    "nik",
    "name",
    "sex",
    "birth_date",
    "relationship",
)
FAMILY_COLUMNS = ("area_code", "address", "welfare_desil")


class BadImportFile(ValueError):
    """The file cannot be read as the import format at all (header, encoding)."""


@dataclass
class FamilyRows:
    """One family as listed in the file: its raw rows (for the rejects file) and parsed values."""

    line: int  # of its first row, counting the header as line 1
    rows: list[dict[str, str]]
    members: list[NewMember] = field(default_factory=list)
    welfare_desil: int | None = None
    problems: list[FieldProblem] = field(default_factory=list)

    @property
    def kk_number(self) -> str:
        return self.rows[0]["kk_number"]

    @property
    def area_code(self) -> str:
        return self.rows[0]["area_code"]

    @property
    def address(self) -> str:
        return self.rows[0]["address"]


class ByteCounter:
    """Bytes of the file read so far, for the progress report."""

    def __init__(self) -> None:
        self.done = 0

    def lines(self, handle: BinaryIO) -> Iterator[str]:
        for number, raw in enumerate(handle, start=1):
            self.done += len(raw)
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError:
                raise BadImportFile(f"line {number} is not UTF-8") from None
            yield text.removeprefix("\ufeff") if number == 1 else text


def read_families(lines: Iterable[str]) -> Iterator[FamilyRows]:
    """The families of the file in order, each parsed; memory holds one family at a time."""
    # csv.reader, not DictReader: a dict per row built once, of the columns wanted only.
    reader = csv.reader(lines)
    header = next(reader, None) or []
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise BadImportFile(f"the header lacks column(s): {', '.join(missing)}")
    last_index = {name: index for index, name in enumerate(header)}  # a repeated name: last
    wanted = [(name, last_index[name]) for name in COLUMNS]
    current: FamilyRows | None = None
    for row in reader:
        if not row:
            continue  # a blank line
        width = len(row)
        values = {name: row[index].strip() if index < width else "" for name, index in wanted}
        if current is not None and values["kk_number"] == current.kk_number:
            current.rows.append(values)
            continue
        if current is not None:
            yield parsed(current)
        current = FamilyRows(reader.line_num, [values])
    if current is not None:
        yield parsed(current)


def parsed(family: FamilyRows) -> FamilyRows:
    first = family.rows[0]
    for name in FAMILY_COLUMNS:
        if any(row[name] != first[name] for row in family.rows[1:]):
            family.problems.append(FieldProblem(name, "differs between rows of this family"))
    desil = first["welfare_desil"]
    if desil:
        try:
            family.welfare_desil = int(desil)
        except ValueError:
            family.problems.append(FieldProblem("welfare_desil", "must be a whole number 1-10"))
    for index, row in enumerate(family.rows):
        born = _date(row["birth_date"])
        if born is None:
            family.problems.append(
                FieldProblem(f"members[{index}].birth_date", "must be a date YYYY-MM-DD")
            )
            continue
        family.members.append(
            NewMember(row["nik"], row["name"], row["sex"], born, row["relationship"])
        )
    return family


def _date(text: str) -> date | None:
    try:
        return date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        return None
