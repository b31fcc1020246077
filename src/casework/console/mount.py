"""The console under `/console`: its pages, its stylesheet, and what it answers on refusal.

Everything the console needs is in this package (templates, stylesheet); the app mounts the
router built here and gives it the session store and the time zone in its state.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from litestar import Request, Response, Router
from litestar.datastructures import State
from litestar.di import Provide
from litestar.response import Redirect
from litestar.static_files import create_static_files_router

from casework.access.users import UserStore
from casework.console.audit import AuditPages
from casework.console.coverage import CoveragePages
from casework.console.deliveries import DeliveryPages
from casework.console.reader import (
    SESSION_COOKIE,
    NotForRoleError,
    SignInNeededError,
    provide_reader,
)
from casework.console.reconciliation import ReconciliationPages
from casework.console.rendering import page, static_directory
from casework.console.sessions import SessionStore
from casework.console.signin import SIGN_IN, SignInController, session_cookie
from casework.console.sources import SourcePages
from casework.console.verification import VerificationPages, VerificationRuns
from casework.errors import NotFound
from casework.service import Casework

PREFIX = "/console"


def console_state(casework: Casework, users: UserStore) -> dict[str, Any]:
    """What the console keeps in the app's state."""
    return {
        "console_sessions": SessionStore(casework.db, users),
        "console_zone": ZoneInfo(casework.settings.time_zone),
        "console_verifications": VerificationRuns(casework.db),
    }


def console_router() -> Router:
    static = create_static_files_router(
        path="/static", directories=[static_directory()], include_in_schema=False
    )
    return Router(
        path=PREFIX,
        route_handlers=[
            SignInController,
            ReconciliationPages,
            SourcePages,
            DeliveryPages,
            CoveragePages,
            AuditPages,
            VerificationPages,
            static,
        ],
        dependencies={"reader": Provide(provide_reader, sync_to_thread=True)},
        exception_handlers={
            SignInNeededError: _to_sign_in,
            NotForRoleError: _forbidden,
            NotFound: _not_found,
        },
        include_in_schema=False,
        # StrictBody and the bearer check leave the console's routes to the console.
        opt={"console": True},
    )


def _to_sign_in(request: Request[Any, Any, State], _: Exception) -> Response[Any]:
    redirect = Redirect(f"{SIGN_IN}?ended=true" if request.cookies.get(SESSION_COOKIE) else SIGN_IN)
    redirect.set_cookie(session_cookie(request, "", max_age=0))
    return redirect


def _forbidden(request: Request[Any, Any, State], _: Exception) -> Response[Any]:
    return page(request, None, "problem.html", status=403, title="forbidden_title", detail=None)


def _not_found(request: Request[Any, Any, State], _: Exception) -> Response[Any]:
    return page(request, None, "problem.html", status=404, title="not_found_title", detail=None)
