"""Answers that carry one aggregate: body, `ETag`, and `Location` for a 201.

A command's answer and its idempotent replay are both built here, from the aggregate at the
version the command produced and the position it reported, so the two are byte-identical.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar, cast
from uuid import UUID

import msgspec
from litestar import Response

from casework.aggregates.base import CaseworkAggregate
from casework.aggregates.family import Family
from casework.aggregates.funding_source import FundingSource
from casework.aggregates.programme_target import ProgrammeTarget
from casework.aggregates.uppka_group import UppkaGroup
from casework.application import Saved
from casework.errors import FieldProblem
from casework.http.views.families import family_view
from casework.http.views.funding import funding_source_view
from casework.http.views.targets import target_view
from casework.http.views.uppka import uppka_group_view
from casework.service import Casework

S = TypeVar("S")


@dataclass(frozen=True)
class Resource:
    kind: type[CaseworkAggregate]
    collection: str
    render: Callable[[Casework, Any, int | None, Sequence[FieldProblem] | None], Any]
    # Where a new one lives, when its path holds more than its id (a programme's target).
    collection_of: Callable[[Any], str] | None = None


RESOURCES = {
    "family": Resource(
        Family,
        "/families",
        lambda app, family, position, warnings: family_view(
            app, family, position=position, warnings=warnings
        ),
    ),
    "funding-source": Resource(
        FundingSource,
        "/funding-sources",
        lambda app, source, position, _: funding_source_view(app, source, position=position),
    ),
    "uppka-group": Resource(
        UppkaGroup,
        "/uppka-groups",
        lambda app, group, position, _: uppka_group_view(app, group, position=position),
    ),
    "programme-target": Resource(
        ProgrammeTarget,
        "/programmes",
        lambda app, target, position, _: target_view(app, target, position=position),
        collection_of=lambda target: f"/programmes/{target.program}/targets",
    ),
}


def json_response(
    body: S, *, status: int = 200, headers: dict[str, str] | None = None
) -> Response[S]:
    """Encode here, not in the framework, so a replay sends exactly the same bytes."""
    encoded = msgspec.json.encode(body)
    return cast(
        Response[S],
        Response(encoded, status_code=status, media_type="application/json", headers=headers),
    )


def resource_response(
    app: Casework,
    kind: str,
    resource_id: UUID,
    *,
    version: int,
    position: int | None = None,
    warnings: Sequence[FieldProblem] | None = None,
    status: int = 200,
    loaded: CaseworkAggregate | None = None,
) -> Response[Any]:
    """The resource as it stood at `version` (the current state when nothing came after);
    `loaded` is the aggregate at that version when the caller holds it already."""
    resource = RESOURCES[kind]
    aggregate = loaded if loaded is not None and loaded.version == version else None
    if aggregate is None:
        aggregate = app.load(resource.kind, resource_id)
    if aggregate.version != version:
        aggregate = app.load_at(resource.kind, resource_id, version=version)
    body = resource.render(app, aggregate, position, warnings)
    headers = {"ETag": f'"{version}"'}
    if status == 201:
        collection = resource.collection
        if resource.collection_of is not None:
            collection = resource.collection_of(aggregate)
        headers["Location"] = f"{collection}/{resource_id}"
    return json_response(body, status=status, headers=headers)


def written(app: Casework, kind: str, saved: Saved, *, status: int = 200) -> Response[Any]:
    """The answer to a command: the resource it changed, with the write's position."""
    return resource_response(
        app,
        kind,
        saved.aggregate_id,
        version=saved.version,
        position=saved.position,
        warnings=saved.warnings,
        status=status,
        loaded=saved.aggregate,
    )
