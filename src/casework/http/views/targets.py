"""A programme target as the API shows it."""

from __future__ import annotations

from casework.aggregates.programme_target import ProgrammeTarget, Who
from casework.http.schemas.targets import TargetOut, TargetRevisionOut, WhoIn, WhoOut
from casework.service import Casework
from casework.validation.areas import area_name


def target_view(
    app: Casework, target: ProgrammeTarget, *, position: int | None = None
) -> TargetOut:
    if position is None:
        position = app.event_recorder.position_of(target.id, target.version)
    now = target.current
    first = target.first
    return TargetOut(
        id=target.id,
        program=target.program,
        version=target.version,
        position=position,
        status=target.status,
        area=now.area,
        area_name=area_name(now.area),
        from_=target.from_period,
        to=now.to_period,
        unit=now.unit,
        cycle=target.cycle,
        who=who_out(now.who),
        ended_after=target.ended_after,
        first=TargetRevisionOut(
            target.from_period, first.area, first.to_period, who_out(first.who), 1
        ),
        revisions=[
            TargetRevisionOut(
                r.effective_from,
                r.area,
                r.to_period,
                None if r.who is None else who_out(r.who),
                r.version,
            )
            for r in target.revisions
        ],
    )


def who_out(who: Who) -> WhoOut:
    categories = who.dashat_categories
    return WhoOut(
        who.sex,
        who.age_min,
        who.age_max,
        who.max_desil,
        None if categories is None else list(categories),
    )


def who_in(body: WhoIn) -> Who:
    categories = body.dashat_categories
    return Who(
        sex=body.sex,
        age_min=body.age_min,
        age_max=body.age_max,
        max_desil=body.max_desil,
        dashat_categories=None if categories is None else tuple(categories),
    )
