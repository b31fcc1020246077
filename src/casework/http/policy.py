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

from litestar.connection import ASGIConnection
from litestar.exceptions import NotFoundException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from casework.access.users import User
from casework.aggregates.family import Family
from casework.errors import InvalidValue, NotFound
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
    """The guard on every authenticated route: the route's role. (A caseworker's family was
    judged at authentication: see `family_to_judge`.)"""
    if connection.scope.get("method") == "OPTIONS":
        return  # a preflight carries no token, and answers only which methods exist
    user: User = connection.user
    refusal = _role_refusal(user, handler)
    if refusal is not None:
        raise refusal


def _role_refusal(user: User, handler: BaseRouteHandler) -> PermissionDeniedException | None:
    roles: frozenset[str] = handler.opt["roles"]
    if user.role not in roles:
        allowed = ", ".join(sorted(roles))
        return PermissionDeniedException(
            f"the {user.role} role may not do this; it is for {allowed}"
        )
    return None


def family_to_judge(user: User, connection: ASGIConnection[Any, Any, Any, Any]) -> UUID | None:
    """The family whose areas authentication must judge, before idempotency, the body or the
    version are looked at: a caseworker's, named in the path of a route its role may call.

    Its 404 is answered at once, so no answer about the key, the body or the version can
    reveal that the family exists (nor is it kept under the key: a repeat is judged again,
    and answered the same while the family lies outside). A role that may not call the route
    learns nothing of the family: the guard answers its 403 later, kept and replayed."""
    family_id: UUID | None = connection.path_params.get("family_id")
    if user.role != CASEWORKER or family_id is None or connection.scope.get("method") == "OPTIONS":
        return None
    if _role_refusal(user, connection.scope["route_handler"]) is not None:
        return None
    return family_id


def family_verdict(casework: Casework, user: User, family_id: UUID) -> Family | NotFoundException:
    """The family, as just loaded, when it lies in the caseworker's areas; else the 404 to
    answer."""
    try:
        family = casework.load(Family, family_id)
    except NotFound:
        return NotFoundException(f"no family {family_id}")
    return family if covers(user, family.area_code) else NotFoundException(f"no family {family_id}")
