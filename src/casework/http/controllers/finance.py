"""Reconciliation for finance staff and auditors: read models built by the projections."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from litestar import Controller, Response

from casework.http.policy import FINANCE_READERS, authorize
from casework.http.problems import not_yet_built
from casework.http.queries import FiscalYear, Limit, MinPosition
from casework.http.routes import query

MinPosition = MinPosition
Limit = Limit


class ReconciliationController(Controller):
    path = "/reconciliation"
    guards = (authorize,)
    tags = ("reconciliation",)

    @query("/", roles=FINANCE_READERS)
    def report(
        self,
        fiscal_year: FiscalYear = None,
        kind: Literal["CSR", "APBD", "DAK"] | None = None,
        area: str | None = None,
        as_of: datetime | None = None,
        format: Literal["json", "csv", "xlsx"] | None = None,
        min_position: MinPosition = None,
    ) -> Response[bytes]:
        """Per funding source: budget, received, drawn net of voids, voided, balance."""
        return not_yet_built("the funding ledger")

    @query("/deliveries", roles=FINANCE_READERS)
    def deliveries(
        self,
        funding_source_id: UUID | None = None,
        period: str | None = None,
        program: str | None = None,
        min_position: MinPosition = None,
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Response[bytes]:
        """Delivery line items in position order, without personal data."""
        return not_yet_built("the funding ledger")

    @query("/discrepancies", roles=FINANCE_READERS)
    def discrepancies(
        self,
        min_position: MinPosition = None,
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Response[bytes]:
        """Findings such as unreceived funds or one person given twice through two KKs."""
        return not_yet_built("the funding ledger")
