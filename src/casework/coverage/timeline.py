"""What coverage needs of one family, kept as its history of dated facts.

Eligibility is judged per period from what held on which day: when each member was in the
family, where the family lived, which welfare assessments were dated when, which DASHAT
enrolments ran when. A family event adds to or corrects this timeline; nothing in it is a
judgement. Birth dates are personal: an erasure sets them to None (the read model then holds
nothing that names or dates a person).
"""

from __future__ import annotations

from datetime import date
from typing import Any
from zoneinfo import ZoneInfo

import msgspec

from casework.aggregates.family import Family
from casework.coverage.periods import local_date
from casework.projections.base import StoredFact


class MemberSpan(msgspec.Struct, array_like=True):
    no: int
    sex: str
    birth: date | None
    since: date
    until: date | None = None  # the day it departed (still a member that day)


class Stay(msgspec.Struct, array_like=True):
    since: date
    area: str


class Assessment(msgspec.Struct, array_like=True):
    on: date
    desil: int


class Enrolment(msgspec.Struct, array_like=True):
    no: int
    category: str
    since: date
    until: date | None = None


class Timeline(msgspec.Struct, kw_only=True):
    registered_on: date
    erased_on: date | None = None
    members: list[MemberSpan] = msgspec.field(default_factory=list)
    stays: list[Stay] = msgspec.field(default_factory=list)
    # In the order recorded: of two dated the same day, the later recorded is the latest.
    assessments: list[Assessment] = msgspec.field(default_factory=list)
    enrolments: list[Enrolment] = msgspec.field(default_factory=list)

    def member(self, no: int) -> MemberSpan | None:
        return next((m for m in self.members if m.no == no), None)

    def areas(self) -> set[str]:
        return {stay.area for stay in self.stays}


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(Timeline)


def encode(timeline: Timeline) -> str:
    return _ENCODER.encode(timeline).decode()


def decode(text: str | bytes) -> Timeline:
    return _DECODER.decode(text)


def registered(fact: StoredFact, zone: ZoneInfo) -> Timeline:
    event = fact.event
    on = local_date(fact.recorded_at, zone)
    births = {i.member_no: i.birth_date for i in event.identities or ()}
    timeline = Timeline(
        registered_on=on,
        members=[
            MemberSpan(m.member_no, m.sex, births.get(m.member_no), on) for m in event.members
        ],
        stays=[Stay(on, event.area_code)],
    )
    if event.welfare_desil is not None:
        timeline.assessments.append(Assessment(on, event.welfare_desil))
    return timeline


def apply(timeline: Timeline, fact: StoredFact, zone: ZoneInfo) -> None:
    """Add what a later family event says to the timeline (events it does not concern pass)."""
    handler = _HANDLERS.get(type(fact.event))
    if handler is not None:
        handler(timeline, fact.event, local_date(fact.recorded_at, zone))


def _member_added(timeline: Timeline, event: Any, on: date) -> None:
    timeline.members.append(MemberSpan(event.member_no, event.sex, event.birth_date, on))


def _member_corrected(timeline: Timeline, event: Any, _on: date) -> None:
    member = timeline.member(event.member_no)
    if member is not None:
        member.sex = event.sex or member.sex
        member.birth = event.birth_date or member.birth


def _member_departed(timeline: Timeline, event: Any, _on: date) -> None:
    member = timeline.member(event.member_no)
    if member is not None:
        member.until = event.on
    # As the aggregate does: someone who left no longer takes part in DASHAT.
    for enrolment in timeline.enrolments:
        if enrolment.no == event.member_no and enrolment.until is None:
            enrolment.until = event.on


def _relocated(timeline: Timeline, event: Any, on: date) -> None:
    timeline.stays.append(Stay(on, event.area_code))


def _assessed(timeline: Timeline, event: Any, _on: date) -> None:
    timeline.assessments.append(Assessment(event.assessed_on, event.desil))


def _enrolled(timeline: Timeline, event: Any, _on: date) -> None:
    timeline.enrolments.append(Enrolment(event.member_no, event.category, event.enrolled_on))


def _exited(timeline: Timeline, event: Any, _on: date) -> None:
    for enrolment in timeline.enrolments:
        if enrolment.no == event.member_no and enrolment.until is None:
            enrolment.until = event.exited_on


def _erased(timeline: Timeline, _event: Any, on: date) -> None:
    timeline.erased_on = on
    for member in timeline.members:
        member.birth = None


_HANDLERS = {
    Family.MemberAdded: _member_added,
    Family.MemberCorrected: _member_corrected,
    Family.MemberDeparted: _member_departed,
    Family.Relocated: _relocated,
    Family.WelfareAssessed: _assessed,
    Family.EnrolledInDashat: _enrolled,
    Family.ExitedDashat: _exited,
    Family.PersonalDataErased: _erased,
}
TIMELINE_EVENTS = frozenset({Family.Registered, *_HANDLERS})
