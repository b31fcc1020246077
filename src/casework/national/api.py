"""The national HTTP API (`casework national serve`): the cells, the reconciliation roll-up,
the discrepancies and the union audit trail, for the national side's own users.

Built from the project's API pieces: bearer tokens over a users table (the national schema's
own), role guards per route, problem details, the request log. National finance users see
figures only; the audit trail (pseudonymous: ids, codes, actors) is for auditors and admins.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, cast
from uuid import UUID

import anyio
from litestar import Controller, Litestar, Request, Response
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import NotAuthorizedException
from litestar.middleware import (
    AbstractAuthenticationMiddleware,
    AuthenticationResult,
    DefineMiddleware,
)
from litestar.params import QueryParameter

from casework.access.users import UserStore
from casework.http.controllers.coverage import checked_query
from casework.http.policy import AUDIT_READERS, FINANCE_READERS, authorize
from casework.http.problems import EXCEPTION_HANDLERS
from casework.http.queries import FiscalYear, Instant, Limit, parse_instant
from casework.http.request_log import RequestLog
from casework.http.resources import json_response
from casework.http.routes import query
from casework.http.source_params import AsOf, instant, source_filter
from casework.http.views.export_files import CSV, XLSX, attachment
from casework.http.views.reconciliation_export import ExportOperation
from casework.national.api_schemas import (
    CellItem,
    CellsPage,
    FindingsPage,
    NationalCoverage,
    NationalReconciliation,
    NationalTrailPage,
)
from casework.national.api_views import findings_page, reconciliation_report, trail_page
from casework.national.coverage import national_coverage
from casework.national.exports import national_csv, national_xlsx
from casework.national.service import NationalService, parse_min_positions
from casework.national.status import cell_statuses
from casework.settings import DatabaseLocation

MinPositions = Annotated[
    str | None,
    QueryParameter(
        max_length=4000,
        description="cell:N,cell:N — wait (at most 5 s) until each cell's read model has "
        "processed that cell's position N.",
    ),
]
CellName = Annotated[str | None, QueryParameter(pattern=r"^[a-z0-9_]{1,45}$")]
Format = Literal["json", "csv", "xlsx"]


def provide_national(state: State) -> NationalService:
    national: NationalService = state.national
    return national


class NationalController(Controller):
    path = "/national"
    guards = (authorize,)
    tags = ("national",)

    @query("/cells", roles=FINANCE_READERS)
    def cells(self, national: NationalService) -> Response[CellsPage]:
        """Every cell followed: its replicated position, heartbeat, lag and chain verdict."""
        statuses = cell_statuses(national.location)
        items = [
            CellItem(
                name=s.name,
                areas=s.areas,
                replicated_position=s.replicated_position,
                head_position=s.head_position,
                heartbeat_at=s.heartbeat_at,
                lag_events=s.lag_events,
                lag_seconds=s.lag_seconds,
                chain_ok=s.chain_ok,
                first_bad_position=s.first_bad_position,
            )
            for s in statuses
        ]
        positions = {s.name: s.replicated_position for s in statuses}
        return json_response(CellsPage(items, positions))

    @query("/reconciliation", roles=FINANCE_READERS, operation_class=ExportOperation)
    def reconciliation(
        self,
        request: Request[Any, Any, Any],
        national: NationalService,
        fiscal_year: FiscalYear = None,
        kind: Literal["CSR", "APBD", "DAK"] | None = None,
        area: str | None = None,
        cell: CellName = None,
        as_of: AsOf = None,
        format: Format | None = None,
        min_positions: MinPositions = None,
    ) -> Response[NationalReconciliation]:
        """Every cell's reconciliation, each source with its cell, the totals per cell and
        summed; as of now or of an instant (per cell, at most its last replicated heartbeat:
        `as_of_by_cell` says). Also as CSV or an Excel workbook."""
        report = reconciliation_report(
            national,
            source_filter(fiscal_year, kind, area),
            instant(as_of),
            cell,
            parse_min_positions(min_positions),
        )
        best = request.accept.best_match(["application/json", "text/csv", XLSX], "application/json")
        chosen = format or ("csv" if best == "text/csv" else "xlsx" if best == XLSX else "json")
        if chosen == "json":
            return json_response(report)
        body, media_type = (
            (national_csv(report), CSV) if chosen == "csv" else (national_xlsx(report), XLSX)
        )
        # Named as a cell's files are, with each cell's position: `…-at-p53.120-p64.7.csv`.
        at = "-".join(f"{cell}.{p}" for cell, p in sorted(report.positions.items())) or "none"
        name = f"national-reconciliation-{fiscal_year or 'all'}-at-{at}.{chosen}"
        return cast(Response[NationalReconciliation], attachment(body, media_type, name))

    @query("/coverage", roles=FINANCE_READERS)
    def coverage(
        self, national: NationalService, program: str, period: str, area: str | None = None
    ) -> Response[NationalCoverage]:
        """Coverage per village of every cell (each row with its `cell`), as each cell counted
        it, and summed; 422 naming a bad programme, period or area."""
        asked = checked_query(program, period, area)
        return json_response(national_coverage(national, program, period, asked))

    @query("/discrepancies", roles=FINANCE_READERS)
    def discrepancies(
        self,
        national: NationalService,
        min_positions: MinPositions = None,
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Response[FindingsPage]:
        """Every cell's own findings (with its `cell`), and the cross-cell ones:
        `kk-active-in-two-cells`, `recipient-in-two-cells`, `cell-chain-broken`."""
        page = findings_page(national, parse_min_positions(min_positions), limit, cursor)
        return json_response(page)

    @query("/audit-trail", roles=AUDIT_READERS)
    def audit_trail(
        self,
        national: NationalService,
        cell: CellName = None,
        family_id: UUID | None = None,
        funding_source_id: UUID | None = None,
        actor: str | None = None,
        type: str | None = None,
        from_: Annotated[str | None, QueryParameter(name="from", format="date-time")] = None,
        to: Instant = None,
        min_positions: MinPositions = None,
        limit: Limit = 50,
        cursor: str | None = None,
    ) -> Response[NationalTrailPage]:
        """Every cell's audit trail, each item with its `cell`, in (cell, position) order:
        a page's cursor stays valid while the cells go on."""
        page = trail_page(
            national,
            cell,
            tuple(i for i in (family_id, funding_source_id) if i is not None),
            (actor, type, parse_instant(from_, "from"), parse_instant(to, "to")),
            parse_min_positions(min_positions),
            (limit, cursor),
        )
        return json_response(page)


class NationalAuthentication(AbstractAuthenticationMiddleware):
    async def authenticate_request(
        self, connection: ASGIConnection[Any, Any, Any, Any]
    ) -> AuthenticationResult:
        header = connection.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise NotAuthorizedException("send Authorization: Bearer <token>")
        users: UserStore = connection.app.state.users
        user = await anyio.to_thread.run_sync(users.authenticate, token.strip())
        if user is None:
            raise NotAuthorizedException("the token is unknown, expired or revoked")
        return AuthenticationResult(user=user, auth=None)


def create_national_app(national: DatabaseLocation) -> Any:
    service = NationalService(national)
    app = Litestar(
        route_handlers=[NationalController],
        state=State({"national": service, "users": UserStore(service.db)}),
        dependencies={"national": Provide(provide_national, sync_to_thread=False)},
        middleware=[DefineMiddleware(NationalAuthentication, exclude=["^/schema"])],
        exception_handlers=EXCEPTION_HANDLERS,
        on_shutdown=[service.close],
        debug=False,
    )
    return RequestLog(app)
