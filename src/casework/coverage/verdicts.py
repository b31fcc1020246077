"""Computing and keeping verdicts: for some families of one target's period, or for all of it.

Everything here runs inside one transaction that holds the coverage projection's position
lock (a projection batch, or a reader opening a period), so verdicts are always computed from
timelines exactly as far as that position. A verdict row is never updated: a changed one is
closed (`to_position`) and a new one inserted, so `as_of` reads the rows in force at a position.
Families with kept rows for a period (erased since: coverage_kept) are never recomputed there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from casework.aggregates.programme_target import ProgrammeTarget
from casework.coverage import targets as target_records
from casework.coverage import timeline as timelines
from casework.coverage.rules import DeliveryFacts, UnitRow, unit_rows
from casework.coverage.timeline import Timeline
from casework.store.database import Transaction, any_of, uuid_from_row

UNIT_COLUMNS = (
    ("target_id", "uuid"),
    ("program", "text"),
    ("period", "text"),
    ("family_id", "uuid"),
    ("member_no", "integer"),
    ("area_code", "text"),
    ("served", "integer"),
    ("value_idr", "bigint"),
    ("from_position", "bigint"),
)
CHUNK = 5000


def under(column: str, area: str | None) -> tuple[str, list[Any]]:
    """`column` is `area` or lies inside it (dotted codes, compared by parts); None: any."""
    if area is None:
        return "1 = 1", []
    return f"({column} = %s OR {column} LIKE %s)", [area, f"{area}.%"]


@dataclass
class Verdicts:
    """One transaction's work on verdicts, at the projection position `position`."""

    tx: Transaction
    postgres: bool
    position: int
    # (program, period) -> villages whose figures need counting again before commit.
    touched: dict[tuple[str, str], set[str]] = field(default_factory=dict)

    # -- reading -----------------------------------------------------------------------------

    def target(self, target_id: UUID) -> ProgrammeTarget | None:
        self.tx.execute("SELECT state FROM coverage_targets WHERE target_id = %s", (target_id,))
        row = self.tx.fetchone()
        return (
            None
            if row is None
            else target_records.target_of(target_id, target_records.decode(row[0]))
        )

    def targets(self, program: str | None = None) -> list[ProgrammeTarget]:
        sql, params = "SELECT target_id, state FROM coverage_targets", []
        if program is not None:
            sql, params = sql + " WHERE program = %s", [program]
        self.tx.execute(sql, params)
        return [
            target_records.target_of(uuid_from_row(tid), target_records.decode(state))
            for tid, state in self.tx.fetchall()
        ]

    def opened_periods(self, target_id: UUID) -> list[str]:
        self.tx.execute(
            "SELECT period FROM coverage_periods WHERE target_id = %s ORDER BY period",
            (target_id,),
        )
        return [str(row[0]) for row in self.tx.fetchall()]

    def all_opened(self) -> dict[UUID, list[str]]:
        self.tx.execute("SELECT target_id, period FROM coverage_periods ORDER BY period")
        opened: dict[UUID, list[str]] = {}
        for target_id, period in self.tx.fetchall():
            opened.setdefault(uuid_from_row(target_id), []).append(str(period))
        return opened

    def timelines(self, family_ids: Sequence[UUID]) -> dict[UUID, Timeline]:
        found: dict[UUID, Timeline] = {}
        for chunk in _chunks(family_ids):
            where, params = any_of("family_id", chunk, postgres=self.postgres)
            self.tx.execute(
                f"SELECT family_id, timeline FROM coverage_families WHERE {where}", params
            )
            for family_id, text in self.tx.fetchall():
                found[uuid_from_row(family_id)] = timelines.decode(text)
        return found

    def families_in(self, area: str) -> list[UUID]:
        """Every family that ever lived in `area` (the scope of a target's period)."""
        where, params = under("area_code", area)
        self.tx.execute(
            f"SELECT DISTINCT family_id FROM coverage_family_areas WHERE {where}", params
        )
        return [uuid_from_row(row[0]) for row in self.tx.fetchall()]

    def families_with_rows(self, target_id: UUID, period: str) -> list[UUID]:
        self.tx.execute(
            "SELECT DISTINCT family_id FROM coverage_units WHERE target_id = %s AND period = %s "
            "AND to_position IS NULL",
            (target_id, period),
        )
        return [uuid_from_row(row[0]) for row in self.tx.fetchall()]

    def deliveries(
        self, family_ids: Sequence[UUID], program: str, period: str
    ) -> dict[UUID, list[DeliveryFacts]]:
        found: dict[UUID, list[DeliveryFacts]] = {}
        for chunk in _chunks(family_ids):
            where, params = any_of("family_id", chunk, postgres=self.postgres)
            self.tx.execute(
                "SELECT family_id, delivery_id, recipient_member_no, value_idr, area_code "
                f"FROM coverage_deliveries WHERE {where} AND program = %s AND period = %s "
                "AND voided = %s ORDER BY delivery_id",
                [*params, program, period, False],
            )
            for family_id, delivery_id, recipient, value, area in self.tx.fetchall():
                found.setdefault(uuid_from_row(family_id), []).append(
                    DeliveryFacts(uuid_from_row(delivery_id), recipient, int(value), str(area))
                )
        return found

    def _current(
        self, target_id: UUID, period: str, family_ids: Sequence[UUID]
    ) -> dict[UUID, set[UnitRow]]:
        found: dict[UUID, set[UnitRow]] = {}
        for chunk in _chunks(family_ids):
            where, params = any_of("family_id", chunk, postgres=self.postgres)
            self.tx.execute(
                "SELECT family_id, member_no, area_code, served, value_idr FROM coverage_units "
                f"WHERE target_id = %s AND period = %s AND to_position IS NULL AND {where}",
                [target_id, period, *params],
            )
            for family_id, member_no, area, served, value in self.tx.fetchall():
                found.setdefault(uuid_from_row(family_id), set()).add(
                    UnitRow(int(member_no), str(area), int(served), int(value))
                )
        return found

    def _kept(self, target_id: UUID, period: str, family_ids: Sequence[UUID]) -> set[UUID]:
        kept: set[UUID] = set()
        for chunk in _chunks(family_ids):
            where, params = any_of("family_id", chunk, postgres=self.postgres)
            self.tx.execute(
                "SELECT DISTINCT family_id FROM coverage_kept "
                f"WHERE target_id = %s AND period = %s AND {where}",
                [target_id, period, *params],
            )
            kept.update(uuid_from_row(row[0]) for row in self.tx.fetchall())
        return kept

    # -- computing ---------------------------------------------------------------------------

    def recompute(
        self,
        target: ProgrammeTarget,
        period: str,
        family_ids: Iterable[UUID],
        known: dict[UUID, Timeline] | None = None,
    ) -> None:
        """Judge these families again for the target's period and keep what changed (rows of
        a family the target no longer covers are closed). `known`: timelines already read."""
        terms = target.terms_for(period)
        ids = sorted(set(family_ids))
        for chunk in _chunks(ids):
            found = dict(known or {})
            missing = [f for f in chunk if f not in found]
            found.update(self.timelines(missing))
            deliveries = self.deliveries(chunk, target.program, period)
            current = self._current(target.id, period, chunk)
            kept = self._kept(target.id, period, chunk)
            closing: list[UUID] = []
            inserting: list[tuple[Any, ...]] = []
            for family_id in chunk:
                if family_id in kept:
                    continue
                new: set[UnitRow] = set()
                if terms is not None:
                    new = set(
                        unit_rows(
                            found.get(family_id), terms, period, deliveries.get(family_id, [])
                        )
                    )
                old = current.get(family_id, set())
                if new == old:
                    continue
                if old:
                    closing.append(family_id)
                inserting.extend(self._row(target, period, family_id, row) for row in new)
                areas = {row.area_code for row in old | new}
                self.touched.setdefault((target.program, period), set()).update(areas)
            self._close(target.id, period, closing)
            self.tx.insert_rows("coverage_units", UNIT_COLUMNS, inserting)

    def _row(
        self, target: ProgrammeTarget, period: str, family_id: UUID, row: UnitRow
    ) -> tuple[Any, ...]:
        return (
            target.id,
            target.program,
            period,
            family_id,
            row.member_no,
            row.area_code,
            row.served,
            row.value_idr,
            self.position,
        )

    def _close(self, target_id: UUID, period: str, family_ids: list[UUID]) -> None:
        for chunk in _chunks(family_ids):
            where, params = any_of("family_id", chunk, postgres=self.postgres)
            self.tx.execute(
                "UPDATE coverage_units SET to_position = %s WHERE target_id = %s AND period = %s "
                f"AND to_position IS NULL AND {where}",
                [self.position, target_id, period, *params],
            )

    def open_period(self, target: ProgrammeTarget, period: str) -> None:
        """Compute a period's verdicts over the target's whole scope, and keep them."""
        self.tx.execute(
            "INSERT INTO coverage_periods (target_id, period, opened_position) VALUES (%s, %s, %s)",
            (target.id, period, self.position),
        )
        self.recompute_scope(target, period)

    def recompute_scope(self, target: ProgrammeTarget, period: str) -> None:
        """Every family the target's period may concern: those that ever lived in its area
        as in force for the period, and those holding rows from earlier terms."""
        terms = target.terms_for(period)
        families = set(self.families_with_rows(target.id, period))
        if terms is not None:
            families.update(self.families_in(terms.area))
        self.recompute(target, period, families)

    # -- erasure -----------------------------------------------------------------------------

    def keep_before(self, family_id: UUID, period: str) -> None:
        """An erasure: the family's verdicts of periods before `period` are kept as counted,
        and every row of it is closed (it is eligible nowhere from `period` on)."""
        self.tx.execute(
            "INSERT INTO coverage_kept (target_id, program, period, family_id, member_no, "
            "area_code, served, value_idr, from_position) "
            "SELECT target_id, program, period, family_id, member_no, area_code, served, "
            "value_idr, from_position FROM coverage_units WHERE family_id = %s "
            "AND to_position IS NULL AND period < %s ON CONFLICT DO NOTHING",
            (family_id, period),
        )
        self.tx.execute(
            "SELECT DISTINCT program, period, area_code FROM coverage_units "
            "WHERE family_id = %s AND to_position IS NULL",
            (family_id,),
        )
        for program, row_period, area in self.tx.fetchall():
            self.touched.setdefault((str(program), str(row_period)), set()).add(str(area))
        self.tx.execute(
            "UPDATE coverage_units SET to_position = %s WHERE family_id = %s "
            "AND to_position IS NULL",
            (self.position, family_id),
        )

    # -- figures -----------------------------------------------------------------------------

    def count_figures(self) -> None:
        """Count the touched villages' figures again (coverage_figures: one row per village)."""
        for (program, period), areas in self.touched.items():
            for chunk in _chunks(sorted(areas)):
                where, params = any_of("area_code", chunk, postgres=self.postgres)
                self.tx.execute(
                    f"DELETE FROM coverage_figures WHERE program = %s AND period = %s AND {where}",
                    [program, period, *params],
                )
                self.tx.execute(
                    _COUNT.format(where=where),
                    [self.position, program, period, *params, program, period, *params],
                )
        self.touched.clear()


_COUNT = (
    "INSERT INTO coverage_figures (program, period, area_code, eligible, served, not_served, "
    "served_not_eligible, value_idr, position) "
    "SELECT program, period, area_code, "
    "sum(CASE WHEN member_no >= 0 THEN 1 ELSE 0 END), "
    "sum(CASE WHEN member_no >= 0 THEN served ELSE 0 END), "
    "sum(CASE WHEN member_no >= 0 THEN 1 - served ELSE 0 END), "
    "sum(CASE WHEN member_no < 0 THEN served ELSE 0 END), "
    "sum(CASE WHEN member_no >= 0 THEN value_idr ELSE 0 END), %s "
    "FROM (SELECT program, period, area_code, member_no, served, value_idr FROM coverage_units "
    "WHERE program = %s AND period = %s AND to_position IS NULL AND {where} "
    "UNION ALL SELECT program, period, area_code, member_no, served, value_idr "
    "FROM coverage_kept WHERE program = %s AND period = %s AND {where}) AS u "
    "GROUP BY program, period, area_code"
)


def _chunks(values: Sequence[Any]) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), CHUNK):
        yield values[start : start + CHUNK]
