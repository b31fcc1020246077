"""Who may do what: roles per route and a caseworker's areas, enforced here and nowhere else.

Each route declares the roles it admits in its `opt["roles"]`; one guard checks them. Routes on
a family (`{family_id}` in the path) are also scoped: a caseworker sees and changes only the
families inside its areas, and one outside them answers 404 so its existence is not revealed.
A request that would *place* something in an area (registration, relocation, a new UPPKA group)
asks `require_area`, which answers 403.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import anyio
from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from casework.access.users import User
from casework.aggregates.family import Family
from casework.errors import InvalidValue, NotFound
from casework.handed_over import hand_over
from casework.service import Casework
from casework.validation.areas import area_covers, normalise_area_code
from casework.vocabulary import ADMIN, AUDITOR, CASEWORKER, FINANCE

EVERYONE = frozenset({CASEWORKER, FINANCE, AUDITOR, ADMIN})
FAMILY_WRITERS = frozenset({CASEWORKER, ADMIN})
FAMILY_READERS = frozenset({CASEWORKER, AUDITOR, ADMIN})
FUNDING_WRITERS = frozenset({FINANCE, ADMIN})
FINANCE_READERS = frozenset({FINANCE, AUDITOR, ADMIN})
AUDIT_READERS = frozenset({AUDITOR, ADMIN})
ADMINS = frozenset({ADMIN})


def covers(user: User, area_code: str) -> bool:
    """Whether the user may work in this area (only caseworkers are bound to areas)."""
    if user.role != CASEWORKER:
        return True
    return any(area_covers(held, area_code) for held in user.areas)


def require_area(user: User, area_code: str) -> None:
    """403 when a caseworker would place something outside its areas.

    An area code that does not parse is left to the command, which answers 422 for it.
    """
    try:
        area = normalise_area_code(area_code)
    except InvalidValue:
        return
    if not covers(user, area):
        raise PermissionDeniedException("the area is outside your areas")


async def authorize(
    connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler
) -> None:
    """The guard on every authenticated route."""
    if connection.scope.get("method") == "OPTIONS":
        return  # a preflight carries no token, and answers only which methods exist
    user: User = connection.user
    roles: frozenset[str] = handler.opt["roles"]
    if user.role not in roles:
        raise PermissionDeniedException(f"the {user.role} role may not do this")
    family_id = connection.path_params.get("family_id")
    if family_id is not None and user.role == CASEWORKER:
        verdict = connection.scope.get("state", {}).pop(_FAMILY_VERDICT, _UNKNOWN)
        if verdict is _UNKNOWN:
            casework: Casework = connection.app.state.casework
            verdict = await anyio.to_thread.run_sync(family_verdict, casework, user, family_id)
        if isinstance(verdict, NotFoundException):
            raise verdict
        hand_over(verdict)  # the handler's load of the family need not read the store again


# Where authentication leaves the area verdict it found in the same worker-thread call
# (`judge_family_early`), so that the guard need not hop to a thread again to load the family.
_FAMILY_VERDICT = "casework.family_verdict"
_UNKNOWN = object()


def judge_family_early(
    casework: Casework, user: User, connection: ASGIConnection[Any, Any, Any, Any]
) -> None:
    """Called in authentication's worker thread: where the guard will ask whether a
    caseworker's family lies in its areas, find out now. The guard still checks the role
    first, so a role that may not call the route learns nothing of the family."""
    family_id = connection.path_params.get("family_id")
    if user.role != CASEWORKER or family_id is None or connection.scope.get("method") == "OPTIONS":
        return
    state = connection.scope.setdefault("state", {})
    state[_FAMILY_VERDICT] = family_verdict(casework, user, family_id)


def family_verdict(casework: Casework, user: User, family_id: UUID) -> Family | NotFoundException:
    """The family, as just loaded, when it lies in the caseworker's areas; else the 404 to
    answer."""
    try:
        family = casework.load(Family, family_id)
    except NotFound:
        return NotFoundException(f"no family {family_id}")
    return family if covers(user, family.area_code) else NotFoundException(f"no family {family_id}")
