"""Reconciliation as of a position, from the funding ledger's entries.

Each source's figures are those of its last entry at or before the position, each programme
and period's those of its last draw or reversal there: a few index lookups per source, however
long the history. A source opened after the position is not in the report.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from casework.projections.read_rows import (
    ProgramFigures,
    ReconciliationReport,
    SourceFigures,
    Totals,
)
from casework.projections.reflected import Reflected
from casework.projections.source_filters import SourceFilter
from casework.store.database import Database, uuid_from_row

# The source's last entry at or before the position (%s), by the (source, position) index.
_LAST_ENTRY = (
    "SELECT x.position FROM funding_ledger_entries x "
    "WHERE x.funding_source_id = s.funding_source_id AND x.position <= %s "
    "ORDER BY x.position DESC LIMIT 1"
)
_LAST_PROGRAMME_ENTRY = (
    "SELECT x.position FROM funding_ledger_entries x "
    "WHERE x.funding_source_id = g.funding_source_id AND x.program = g.program "
    "AND x.period = g.period AND x.position <= %s ORDER BY x.position DESC LIMIT 1"
)


def reconciliation(db: Database, at: Reflected, sources: SourceFilter) -> ReconciliationReport:
    where, params = sources.where("s")
    with db.transaction() as tx:
        tx.execute(
            "SELECT s.funding_source_id, s.code, s.kind, s.fiscal_year, e.budget_idr, "
            "e.received_idr, e.drawn_idr, e.voided_idr, e.deliveries "
            "FROM funding_ledger_sources s "
            f"JOIN funding_ledger_entries e ON e.position = ({_LAST_ENTRY}) "
            f"WHERE 1 = 1{where} ORDER BY s.code, s.funding_source_id",
            (at.position, *params),
        )
        rows = tx.fetchall()
        tx.execute(
            "SELECT g.funding_source_id, g.program, g.period, "
            "e.program_deliveries, e.program_value_idr "
            "FROM funding_ledger_programs g "
            "JOIN funding_ledger_sources s ON s.funding_source_id = g.funding_source_id "
            f"JOIN funding_ledger_entries e ON e.position = ({_LAST_PROGRAMME_ENTRY}) "
            f"WHERE e.program_deliveries > 0{where} ORDER BY g.program, g.period",
            (at.position, *params),
        )
        programmes = _by_source(tx.fetchall())
    figures = [_source(row, programmes[uuid_from_row(row[0])]) for row in rows]
    return ReconciliationReport(at.as_of, at.position, figures, _totals(figures))


def _source(row: tuple[Any, ...], by_program: list[ProgramFigures]) -> SourceFigures:
    source_id, code, kind, fiscal_year, budget, received, drawn, voided, deliveries = row
    return SourceFigures(
        funding_source_id=uuid_from_row(source_id),
        code=code,
        kind=kind,
        fiscal_year=int(fiscal_year),
        budget_idr=int(budget),
        received_idr=int(received),
        drawn_idr=int(drawn),
        voided_idr=int(voided),
        balance_idr=int(budget) - int(drawn),
        unreceived_idr=max(int(drawn) - int(received), 0),
        deliveries=int(deliveries),
        by_program=by_program,
    )


def _by_source(rows: list[tuple[Any, ...]]) -> defaultdict[UUID, list[ProgramFigures]]:
    grouped: defaultdict[UUID, list[ProgramFigures]] = defaultdict(list)
    for source_id, program, period, deliveries, value in rows:
        grouped[uuid_from_row(source_id)].append(
            ProgramFigures(program, period, int(deliveries), int(value))
        )
    return grouped


def _totals(sources: list[SourceFigures]) -> Totals:
    return Totals(
        budget_idr=sum(s.budget_idr for s in sources),
        received_idr=sum(s.received_idr for s in sources),
        drawn_idr=sum(s.drawn_idr for s in sources),
        voided_idr=sum(s.voided_idr for s in sources),
        balance_idr=sum(s.balance_idr for s in sources),
    )
