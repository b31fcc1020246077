"""National coverage: each cell's villages as the cell counted them, summed.

The figures are never recounted here: each cell's coverage read model writes coverage_figures
and publishes it, so the national copy holds the cell's own rows; this reads them with the
cell's own query. A cell only has figures for a period once the period was opened there (its
first ask), which is why a period no cell has asked about answers with no rows.
"""

from __future__ import annotations

import msgspec

from casework.coverage.queries import figures_now
from casework.http.controllers.coverage import coverage_report
from casework.http.schemas.coverage import CoverageTotals
from casework.national.api_schemas import NationalCoverage, NationalCoverageArea
from casework.national.service import NationalService
from casework.national.status import cell_statuses


def national_coverage(
    national: NationalService, program: str, period: str, area: str | None
) -> NationalCoverage:
    copies = national.copies()
    # What each copy holds of its cell: the position replicated (as /national/cells says).
    positions = {
        s.name: s.replicated_position for s in cell_statuses(national.location) if s.name in copies
    }
    areas: list[NationalCoverageArea] = []
    for name in sorted(copies):
        villages = figures_now(copies[name], program, period, area)
        report = coverage_report(program, period, None, positions.get(name, 0), villages)
        areas += [
            NationalCoverageArea(cell=name, **msgspec.structs.asdict(row)) for row in report.areas
        ]
    totals = CoverageTotals(
        sum(a.eligible for a in areas),
        sum(a.served for a in areas),
        sum(a.not_served for a in areas),
        sum(a.served_not_eligible for a in areas),
        sum(a.value_idr for a in areas),
    )
    return NationalCoverage(program, period, positions, areas, totals)
