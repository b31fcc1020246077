"""Funding sources (CSR, APBD, DAK): opened and managed by finance, readable by everyone."""

from __future__ import annotations

from uuid import UUID, uuid4

from litestar import Controller, Response

from casework.aggregates.base import Cause
from casework.aggregates.funding_source import FundingSource
from casework.http.policy import EVERYONE, FINANCE_READERS, FUNDING_WRITERS, authorize
from casework.http.queries import FiscalYear, Limit, MinPosition
from casework.http.read_models import read_model_position
from casework.http.resources import json_response, resource_response, written
from casework.http.routes import command, query, source_command
from casework.http.schemas.families import HistoryPage
from casework.http.schemas.funding import (
    BudgetRevisionIn,
    ClosureIn,
    FundingSourceOut,
    FundingSourcePage,
    OpenFundingSource,
    ReceiptIn,
    ReceiptPage,
)
from casework.http.source_params import source_filter
from casework.http.views.history import source_history_page
from casework.http.views.source_receipts import receipts_page
from casework.projections.funding_sources_queries import funding_sources
from casework.service import Casework
from casework.vocabulary import FundingKind

SOURCE = "funding-source"
SOURCES_LIST = "funding_sources"  # the projection behind the list


class FundingSourceController(Controller):
    path = "/funding-sources"
    guards = (authorize,)
    tags = ("funding sources",)

    @command("/", roles=FUNDING_WRITERS, resource=SOURCE, status=201)
    def open(
        self, data: OpenFundingSource, casework: Casework, cause: Cause
    ) -> Response[FundingSourceOut]:
        saved = casework.open_funding_source(
            cause,
            code=data.code,
            kind=data.kind,
            name=data.name,
            sponsor=data.sponsor,
            fiscal_year=data.fiscal_year,
            budget_idr=data.budget_idr,
            area=data.area,
            programs=data.programs,
            reference=data.reference,
            source_id=uuid4(),
        )
        return written(casework, SOURCE, saved, status=201)

    @query("/", roles=EVERYONE)
    def index(
        self,
        casework: Casework,
        fiscal_year: FiscalYear = None,
        kind: FundingKind | None = None,
        area: str | None = None,
        min_position: MinPosition = None,
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Response[FundingSourcePage]:
        """Funding sources ordered by code, filtered by fiscal year, kind and area (a source
        is kept when its area and the asked one overlap). A read model."""
        sources = source_filter(fiscal_year, kind, area)
        position = read_model_position(casework, SOURCES_LIST, min_position)
        items, next_cursor = funding_sources(casework.db, sources, cursor=cursor, limit=limit)
        return json_response(FundingSourcePage(items, next_cursor, position))

    @query("/{source_id:uuid}", roles=EVERYONE)
    def read(self, source_id: UUID, casework: Casework) -> Response[FundingSourceOut]:
        source = casework.load(FundingSource, source_id)
        return resource_response(casework, SOURCE, source_id, version=source.version, loaded=source)

    @query("/{source_id:uuid}/receipts", roles=FINANCE_READERS)
    def receipts(
        self,
        source_id: UUID,
        casework: Casework,
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Response[ReceiptPage]:
        """Every receipt recorded on the source (SP2D or transfer), in position order: amount,
        reference, date received, when and by whom it was recorded."""
        return json_response(receipts_page(casework, source_id, limit=limit, cursor=cursor))

    @query("/{source_id:uuid}/history", roles=FINANCE_READERS)
    def history(
        self,
        source_id: UUID,
        casework: Casework,
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Response[HistoryPage]:
        """Every event of the source in version order with its data in full: receipts and
        their references, budget revisions and closures with their reasons, each draw and
        its reversal with the delivery and family ids. Free text is shown as written."""
        return json_response(source_history_page(casework, source_id, limit=limit, cursor=cursor))

    @source_command("/{source_id:uuid}/receipts", roles=FUNDING_WRITERS, status=201)
    def record_receipt(
        self,
        source_id: UUID,
        data: ReceiptIn,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[FundingSourceOut]:
        saved = casework.record_receipt(
            cause,
            source_id,
            amount_idr=data.amount_idr,
            reference=data.reference,
            received_on=data.received_on,
            expected_version=pinned_version,
        )
        return written(casework, SOURCE, saved, status=201)

    @source_command("/{source_id:uuid}/budget-revisions", roles=FUNDING_WRITERS)
    def revise_budget(
        self,
        source_id: UUID,
        data: BudgetRevisionIn,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[FundingSourceOut]:
        saved = casework.revise_budget(
            cause,
            source_id,
            budget_idr=data.budget_idr,
            reason=data.reason,
            expected_version=pinned_version,
        )
        return written(casework, SOURCE, saved)

    @source_command("/{source_id:uuid}/closure", roles=FUNDING_WRITERS)
    def close(
        self,
        source_id: UUID,
        data: ClosureIn,
        casework: Casework,
        cause: Cause,
        pinned_version: int | None,
    ) -> Response[FundingSourceOut]:
        saved = casework.close_funding_source(
            cause, source_id, reason=data.reason, expected_version=pinned_version
        )
        return written(casework, SOURCE, saved)
