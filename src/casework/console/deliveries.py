"""Delivery lines and discrepancies: the API's read-model queries, a page of 50 at a time.

Neither holds personal data (a delivery line names its family by id only), so finance staff
see them whole; a family id links to its timeline only for readers who may open it.
"""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, Response, get
from litestar.response import Template

from casework.console import filters
from casework.console.reader import FINANCE_PAGES, Reader
from casework.console.reconciliation import report_for
from casework.console.rendering import page
from casework.errors import NotFound
from casework.http.controllers.finance import LEDGER, RECIPIENTS, deliveries_file
from casework.http.read_models import read_model_position
from casework.projections.delivery_lines import DeliveryFilter, delivery_lines
from casework.projections.ledger_findings import findings
from casework.projections.reflected import reflected
from casework.projections.source_filters import SourceFilter
from casework.service import Casework

PAGE = 50


class DeliveryPages(Controller):
    path = "/"
    opt = {"console_roles": FINANCE_PAGES}  # noqa: RUF012 (litestar reads it as a class field)

    @get("/deliveries", sync_to_thread=True)
    def deliveries(
        self,
        request: Request[Any, Any, Any],
        reader: Reader,
        casework: Casework,
        funding_source_id: str | None = None,
        period: str | None = None,
        program: str | None = None,
        cursor: str | None = None,
    ) -> Template:
        problems = filters.Problems()
        only = _delivery_filter(funding_source_id, period, program, problems)
        position = read_model_position(casework, LEDGER, None)
        items: list[Any] = []
        next_cursor = None
        if not problems:
            after = filters.cursor_position(cursor)
            items, next_cursor = delivery_lines(
                casework.db, position, only, after=after, limit=PAGE
            )
        sources = report_for(casework, SourceFilter(), None).sources
        return page(
            request,
            reader,
            "deliveries.html",
            section="deliveries",
            items=items,
            next_cursor=next_cursor,
            position=position,
            only=only,
            sources=sources,
            codes={s.funding_source_id: s.code for s in sources},
            problems=problems,
            period_text=period or "",
            program_text=program or "",
            query_without_cursor=filters.query_without_cursor(request.query_params.multi_items()),
            download_query=filters.query_without_cursor(request.query_params.multi_items()),
        )

    @get("/deliveries/download/{chosen:str}", sync_to_thread=True)
    def download(
        self,
        chosen: str,
        reader: Reader,  # noqa: ARG002, RUF100 (resolving it is the door: signed in, admitted)
        casework: Casework,
        funding_source_id: str | None = None,
        period: str | None = None,
        program: str | None = None,
    ) -> Response[Any]:
        """Every line the filters keep, as the API's CSV or workbook."""
        if chosen not in ("csv", "xlsx"):
            raise NotFound(f"no download as {chosen!r}: csv or xlsx")
        problems = filters.Problems()
        only = _delivery_filter(funding_source_id, period, program, problems)
        if problems:
            detail = "; ".join(f"{field}: {message}" for field, message in problems.items)
            return Response(detail.encode(), status_code=422, media_type="text/plain")
        position = read_model_position(casework, LEDGER, None)
        return deliveries_file(casework, position, only, chosen)

    @get("/discrepancies", sync_to_thread=True)
    def discrepancies(
        self,
        request: Request[Any, Any, Any],
        reader: Reader,
        casework: Casework,
        cursor: str | None = None,
    ) -> Template:
        # As `GET /reconciliation/discrepancies`: at the position both read models reached.
        processed = min(
            read_model_position(casework, LEDGER, None),
            read_model_position(casework, RECIPIENTS, None),
        )
        at = reflected(casework.db, processed, None)
        items, next_cursor = findings(casework.db, at.position, cursor=cursor, limit=PAGE)
        sources = report_for(casework, SourceFilter(), None).sources
        return page(
            request,
            reader,
            "discrepancies.html",
            section="discrepancies",
            items=items,
            next_cursor=next_cursor,
            at=at,
            codes={s.funding_source_id: s.code for s in sources},
        )


def _delivery_filter(
    source: str | None, period: str | None, program: str | None, problems: filters.Problems
) -> DeliveryFilter:
    return DeliveryFilter(
        filters.identifier(source, "funding_source_id", problems),
        filters.period(period, problems),
        filters.program(program, problems),
    )
