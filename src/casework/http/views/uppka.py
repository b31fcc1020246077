"""An UPPKA group as the API shows it (its member list comes from the family index)."""

from __future__ import annotations

from casework.aggregates.uppka_group import UppkaGroup
from casework.http.schemas.uppka import UppkaGroupOut
from casework.service import Casework
from casework.validation.areas import area_name


def uppka_group_view(
    app: Casework, group: UppkaGroup, *, position: int | None = None
) -> UppkaGroupOut:
    if position is None:
        position = app.event_recorder.position_of(group.id, group.version)
    return UppkaGroupOut(
        id=group.id,
        version=group.version,
        position=position,
        code=group.code,
        name=group.name,
        area_code=group.area_code,
        area_name=area_name(group.area_code),
        business_type=group.business_type,
    )
