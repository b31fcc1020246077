"""The composition root: `create_app(settings)` builds the service, the API and its policies."""

from __future__ import annotations

from typing import Any

from litestar import Litestar
from litestar.datastructures import State
from litestar.di import Provide
from litestar.middleware import DefineMiddleware
from litestar.openapi import OpenAPIConfig
from litestar.openapi.spec import Components, SecurityScheme

from casework.access.token_cache import TokenVerdicts
from casework.access.users import UserStore
from casework.cell.heartbeat import Heartbeat, start_heartbeat
from casework.console.mount import PREFIX as CONSOLE
from casework.console.mount import console_router, console_state
from casework.console.rendering import template_config
from casework.http.authentication import PUBLIC_PATHS, BearerAuthentication
from casework.http.body import MAX_BODY
from casework.http.controllers.audit import AuditController
from casework.http.controllers.coverage import CoverageController
from casework.http.controllers.families import FamilyController
from casework.http.controllers.finance import ReconciliationController
from casework.http.controllers.funding_sources import FundingSourceController
from casework.http.controllers.operations import OperationsController, ProjectionController
from casework.http.controllers.programmes import ProgrammeController
from casework.http.controllers.targets import TargetController
from casework.http.controllers.uppka_groups import UppkaGroupController
from casework.http.controllers.users import UserController
from casework.http.dependencies import provide_casework, provide_cause, provide_pinned_version
from casework.http.docs_page import assets_router, render_plugins
from casework.http.idempotency import IdempotencyMiddleware
from casework.http.openapi_fixups import fix_openapi
from casework.http.plain_query import PlainQuery
from casework.http.problems import EXCEPTION_HANDLERS
from casework.http.request_log import RequestLog
from casework.http.strict_body import StrictBody
from casework.projections.following import BackgroundProjections
from casework.projections.registry import all_projections
from casework.service import Casework
from casework.settings import Settings

CONTROLLERS = [
    OperationsController,
    FamilyController,
    ProgrammeController,
    FundingSourceController,
    TargetController,
    CoverageController,
    UppkaGroupController,
    ReconciliationController,
    AuditController,
    ProjectionController,
    UserController,
]


def create_litestar(
    settings: Settings,
    casework: Casework | None = None,
    *,
    run_projections: bool = True,
    verdicts: TokenVerdicts | None = None,
) -> Litestar:
    """The litestar application over an open service (opened here unless given).

    With `run_projections` (the single-machine default) the read models are kept up to date
    by a background runner in this process; without, by `casework project run` elsewhere.
    `verdicts`: where good tokens' verdicts are kept (a new cache unless given).
    """
    service = casework or Casework(settings)
    owns_service = casework is None
    background = (
        BackgroundProjections(service, all_projections(settings.zone)) if run_projections else None
    )
    users = UserStore(service.db, verdicts or TokenVerdicts())
    state = State(
        {
            "casework": service,
            "users": users,
            "idempotency_in_flight": set(),
            **console_state(service, users),
        }
    )

    heartbeat: list[Heartbeat] = []

    def start_projections() -> None:
        if background is not None:
            background.start()
        # A cell publishes its head every few seconds while its server runs.
        heartbeat.extend(filter(None, [start_heartbeat(service)]))

    def close_service() -> None:
        for beating in heartbeat:
            beating.close()
        if background is not None:
            background.close()
        if owns_service:
            service.close()

    app = Litestar(
        route_handlers=[*CONTROLLERS, console_router(), assets_router()],
        template_config=template_config(),
        state=state,
        dependencies={
            "casework": Provide(provide_casework, sync_to_thread=False),
            "cause": Provide(provide_cause, sync_to_thread=False),
            "pinned_version": Provide(provide_pinned_version, sync_to_thread=False),
        },
        middleware=[
            DefineMiddleware(BearerAuthentication, exclude=_public_path_patterns()),
            IdempotencyMiddleware,
            PlainQuery,
            StrictBody,
        ],
        exception_handlers=EXCEPTION_HANDLERS,
        request_max_body_size=MAX_BODY,
        openapi_config=OpenAPIConfig(
            title="casework",
            version="1.0.0",
            description="Case files of family-welfare programmes (see API.md).",
            path="/schema",
            render_plugins=render_plugins(),
            use_handler_docstrings=True,
            components=Components(
                security_schemes={"bearer": SecurityScheme(type="http", scheme="bearer")}
            ),
            security=[{"bearer": []}],
        ),
        on_startup=[fix_openapi, start_projections],
        on_shutdown=[close_service],
        debug=False,
    )
    return app


def create_app(
    settings: Settings,
    casework: Casework | None = None,
    *,
    run_projections: bool = True,
    verdicts: TokenVerdicts | None = None,
) -> Any:
    """The ASGI application to serve: the API wrapped in the per-request log."""
    litestar = create_litestar(
        settings, casework, run_projections=run_projections, verdicts=verdicts
    )
    return RequestLog(litestar)


def _public_path_patterns() -> list[str]:
    # The console signs its readers in with a session of its own (casework.console).
    return [f"^{path}" for path in sorted(PUBLIC_PATHS)] + [f"^{CONSOLE}(/|$)"]
