"""The funding-source list: each row as the source's own representation, filters and pages.

The filters are shared with reconciliation, so they are checked here on both read models.
"""

from __future__ import annotations

from uuid import UUID

from test_funding_ledger import a_year, head

from builders import CAUSE, open_source
from casework.aggregates.funding_source import FundingSource
from casework.http.views.funding import funding_source_view
from casework.projections.funding_ledger import FundingLedgerProjection
from casework.projections.funding_sources_list import FundingSourcesListProjection
from casework.projections.funding_sources_queries import funding_sources
from casework.projections.reconciliation_queries import reconciliation
from casework.projections.reflected import Reflected
from casework.projections.runner import ProjectionRunner
from casework.projections.source_filters import SourceFilter
from casework.service import Casework


def caught_up(app: Casework) -> int:
    projections = [FundingSourcesListProjection(), FundingLedgerProjection()]
    runner = ProjectionRunner(app, projections, batch_size=5)
    for projection in projections:
        runner.catch_up(projection)
    return head(app)


def csr_source(app: Casework) -> UUID:
    """A CSR source of Kabupaten Kupang for 2026 (the builders' source: APBD, Kota Kupang)."""
    return app.open_funding_source(
        CAUSE,
        code="CSR-5301-2026-PADS",
        kind="CSR",
        name="CSR pads",
        sponsor="PT Contoh",
        fiscal_year=2026,
        budget_idr=5_000_000,
        area="53.01",
        programs=["ina_kasih"],
        reference="PKS 01/2026",
    ).aggregate_id


def test_a_listed_source_equals_the_source_read_from_its_aggregate(app: Casework) -> None:
    # given a year of receipts, draws, a void, a revision and closure on one source
    year = a_year(app)
    caught_up(app)
    # when the list is read
    items, next_cursor = funding_sources(app.db, SourceFilter(), cursor=None, limit=50)
    # then its one item is the source as its own representation shows it
    assert items == [funding_source_view(app, app.load(FundingSource, year.source_id))]
    assert items[0].status == "closed"
    assert (items[0].budget_idr, items[0].received_idr, items[0].drawn_idr) == (
        1_200_000,
        1_400_000,
        90_000,
    )
    assert next_cursor is None


def test_the_list_comes_in_pages_ordered_by_code(app: Casework) -> None:
    # given five sources opened in no particular order of code
    opened = [open_source(app).aggregate_id for _ in range(5)]
    caught_up(app)
    # when they are read two at a time
    seen, cursor, pages = [], None, 0
    while True:
        items, cursor = funding_sources(app.db, SourceFilter(), cursor=cursor, limit=2)
        seen.extend(items)
        pages += 1
        if cursor is None:
            break
    # then every source comes once, by code
    assert pages == 3
    assert sorted(s.id for s in seen) == sorted(opened)
    assert [s.code for s in seen] == sorted(s.code for s in seen)


def test_reconciled_sources_are_kept_by_year_kind_and_overlapping_area(app: Casework) -> None:
    # given an APBD source of Kota Kupang (2025) and a CSR source of Kabupaten Kupang (2026)
    apbd = open_source(app).aggregate_id
    csr = csr_source(app)
    processed = caught_up(app)

    def kept(only: SourceFilter) -> list[UUID]:
        report = reconciliation(app.db, Reflected(None, processed), only)
        return [source.funding_source_id for source in report.sources]

    # then the filters keep what they say, ordered by code (APBD… before CSR…)
    assert kept(SourceFilter()) == [apbd, csr]
    assert kept(SourceFilter(kind="CSR")) == [csr]
    assert kept(SourceFilter(fiscal_year=2025)) == [apbd]
    assert kept(SourceFilter(area="53.71.01.1001")) == [apbd]  # inside Kota Kupang
    assert kept(SourceFilter(area="53")) == [apbd, csr]  # the province holds both
    assert kept(SourceFilter(area="53.7")) == []  # parts, not characters
    assert kept(SourceFilter(area="53.01", kind="APBD")) == []


def test_listed_sources_are_kept_by_year_kind_and_overlapping_area(app: Casework) -> None:
    # given an APBD source of Kota Kupang (2025) and a CSR source of Kabupaten Kupang (2026)
    apbd = open_source(app).aggregate_id
    csr = csr_source(app)
    caught_up(app)

    def kept(only: SourceFilter) -> list[UUID]:
        items, _ = funding_sources(app.db, only, cursor=None, limit=50)
        return [item.id for item in items]

    # then the filters keep what they say
    assert kept(SourceFilter(kind="CSR", fiscal_year=2026)) == [csr]
    assert kept(SourceFilter(area="53.71")) == [apbd]
    assert kept(SourceFilter(area="53.01.01")) == [csr]  # a district of Kabupaten Kupang
    assert kept(SourceFilter(area="53")) == [apbd, csr]
