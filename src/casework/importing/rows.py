"""Reading the import CSV: rows streamed, a family's adjacent rows grouped, values parsed.

The file is UTF-8 with a header, one row per member, a family's rows adjacent:
`kk_number, area_code, address, welfare_desil, nik, name, sex, birth_date, relationship`.
Parsing problems (a desil that is not a number, a date that is not YYYY-MM-DD, family columns
that differ between rows of one family) are field problems like the command's own.
"""

from __future__ import annotations

import csv
import io
import operator
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import BinaryIO

from casework.aggregates.family import NewMember
from casework.errors import FieldProblem
from casework.vocabulary import DESIL_MAX, DESIL_MIN

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


def read_families(lines: Iterable[str], *, first_line: int = 2) -> Iterator[FamilyRows]:
    """The families of the file in order, each parsed; memory holds one family at a time.
    `first_line` is the file's line number of the first line after the header (a chunk's)."""
    # csv.reader, not DictReader: a dict per row built once, of the columns wanted only.
    reader = csv.reader(lines)
    wanted = _wanted_columns(next(reader, []))
    names = [name for name, _ in wanted]
    pick = operator.itemgetter(*(index for _, index in wanted))
    width_needed = max(index for _, index in wanted) + 1
    offset = first_line - 2  # reader.line_num counts the header as line 1
    current: FamilyRows | None = None
    for row in reader:
        if not row:
            continue  # a blank line
        if len(row) >= width_needed:
            values = dict(zip(names, map(str.strip, pick(row)), strict=True))
        else:  # a short row: its missing columns read as empty
            values = {name: row[i].strip() if i < len(row) else "" for name, i in wanted}
        if current is not None and values["kk_number"] == current.kk_number:
            current.rows.append(values)
            continue
        if current is not None:
            yield parsed(current)
        current = FamilyRows(reader.line_num + offset, [values])
    if current is not None:
        yield parsed(current)


def _wanted_columns(header: list[str]) -> list[tuple[str, int]]:
    """Each column's index in the header (of a repeated name, the last, as DictReader had)."""
    missing = [name for name in COLUMNS if name not in header]
    if missing:
        raise BadImportFile(f"the header lacks column(s): {', '.join(missing)}")
    last_index = {name: index for index, name in enumerate(header)}
    return [(name, last_index[name]) for name in COLUMNS]


@dataclass(frozen=True)
class FileChunk:
    """Whole families' lines as read, with the header: one batch, for a worker to parse."""

    header: str
    first_line: int  # the file's line number of the first of `text`
    text: str

    def lines(self) -> Iterator[str]:
        """The header, then the text split as the file was read: at "\\n" only."""
        yield self.header
        yield from io.StringIO(self.text, newline="\n")


def family_chunks(lines: Iterable[str], families_per_chunk: int) -> Iterator[FileChunk]:
    """The file cut into chunks of `families_per_chunk` families, at family boundaries.

    Only the KK column is looked at here (csv.reader, so a quoted value spanning lines stays
    whole); parsing the rest is the worker's. Checks the header first (BadImportFile)."""
    source = iter(lines)
    header = next(source, "")
    kk_index = dict(_wanted_columns(next(csv.reader([header]), [])))["kk_number"]
    taken: list[str] = []  # the lines csv.reader has read for the record it is on

    def taking() -> Iterator[str]:
        for line in source:
            taken.append(line)
            yield line

    reader = csv.reader(taking())
    text: list[str] = []
    first_line, families, kk = 2, 0, None
    for row in reader:
        record_line = reader.line_num + 2 - len(taken)  # where this record began
        record = "".join(taken)
        taken.clear()
        row_kk = (row[kk_index] if kk_index < len(row) else "").strip() if row else kk
        if row_kk != kk:
            if families == families_per_chunk:
                yield FileChunk(header, first_line, "".join(text))
                text, first_line, families = [], record_line, 0
            families, kk = families + 1, row_kk
        text.append(record)
    if families:
        yield FileChunk(header, first_line, "".join(text))


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
            family.problems.append(
                FieldProblem("welfare_desil", f"must be a whole number {DESIL_MIN}-{DESIL_MAX}")
            )
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
