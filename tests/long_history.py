"""A family with a long, varied history (deliveries kept and voided, moves, corrections,
welfare, DASHAT), and the pure replay its loads are compared with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import msgspec

from builders import CAUSE, OTHER_VILLAGE, VILLAGE, deliver, member, open_source, register
from casework.aggregates.family import NewMember
from casework.application import Saved
from casework.service import Casework


@dataclass(frozen=True)
class History:
    family_id: UUID
    source_id: UUID
    head: NewMember
    child: NewMember


def long_history(app: Casework, events: int = 350) -> History:
    """Commands through the service until the family has `events` events."""
    head, child = member(), member("anak", sex="L", born=date(2015, 1, 1))
    family_id = register(app, head, child).aggregate_id
    source_id = open_source(app, budget_idr=10**12).aggregate_id
    history = History(family_id, source_id, head, child)
    version, step, deliveries = 1, 0, 0
    to_void: UUID | None = None
    while version < events:
        kind = step % 6
        if kind == 0:
            deliveries += 1
            kept = deliveries <= 12  # one a month to the head; the rest voided just after
            delivery_id = uuid4()
            saved = deliver(
                app,
                family_id,
                source_id,
                period=f"2025-{(deliveries - 1) % 12 + 1:02d}",
                recipient_nik=head.nik if kept else child.nik,
                delivery_id=delivery_id,
            )
            to_void = None if kept else delivery_id
        elif kind == 1 and to_void is not None:
            saved = app.void_delivery(CAUSE, family_id, to_void, reason="wrong recipient")
        else:
            saved = _family_change(app, history, step)
        version, step = saved.version, step + 1
    return history


def _family_change(app: Casework, history: History, step: int) -> Saved:
    family_id, kind = history.family_id, step % 6
    if kind in (1, 2):
        return app.assess_welfare(
            CAUSE, family_id, desil=step % 10 + 1, source="PK", assessed_on=date(2025, 1, 2)
        )
    if kind == 3:
        area = VILLAGE if step % 4 else OTHER_VILLAGE
        return app.relocate_family(CAUSE, family_id, area_code=area, address=f"Jl. Alak No. {step}")
    if kind == 4:
        return app.correct_member(
            CAUSE, family_id, history.head.nik, name=f"{history.head.name} {step}"
        )
    if step % 12 == 5:
        return app.enrol_in_dashat(
            CAUSE,
            family_id,
            member_nik=history.child.nik,
            category="balita",
            kitchen="Dapur DASHAT Namosain",
            enrolled_on=date(2025, 2, 1),
        )
    return app.exit_dashat(
        CAUSE, family_id, history.child.nik, exited_on=date(2025, 3, 1), reason="graduated"
    )


def state(aggregate: Any) -> Any:
    """Everything an aggregate holds (id, version, timestamps included), as plain values."""
    return msgspec.to_builtins({k: v for k, v in vars(aggregate).items() if k != "_pending_events"})
