"""For random family histories, the coverage read model's verdicts equal a brute-force count.

Each history is made with the Family aggregate's own commands (so it is one the service could
have stored), its events stamped with chosen instants, and fed in random batches to the real
projection over a SQLite store whose period was opened before the first event: what the read
model keeps up to date must equal what the brute force finds, day by day, from the history.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from uuid import UUID, uuid4
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.aggregates.base import Cause
from casework.aggregates.family import Family, NewDelivery, NewMember
from casework.aggregates.family_records import DeliveryItem
from casework.aggregates.programme_target import ProgrammeTarget, Who
from casework.coverage.projection import CoverageProjection
from casework.coverage.verdicts import Verdicts
from casework.errors import CaseworkError
from casework.projections.base import StoredFact
from casework.projections.batch_writes import BatchWrites
from casework.service import Casework
from casework.settings import Settings
from casework.store.bootstrap import migrate_store
from casework.store.database import uuid_from_row
from casework.validation.identity_numbers import make_kk_number, make_nik

ZONE = ZoneInfo("Asia/Makassar")
PERIOD = "2026-03"
FIRST, LAST = date(2026, 3, 1), date(2026, 3, 31)
AREA = "53.71"
VILLAGES = ("53.71.01.1001", "53.71.02.1001", "53.01.01.2001")  # the last outside AREA
CAUSE = Cause("oracle", "oracle")
_serials = itertools.count(1)
_positions = itertools.count(1)


# -- histories ---------------------------------------------------------------------------------

days = st.integers(min_value=0, max_value=70).map(lambda n: date(2026, 2, 10) + timedelta(n))
births = st.dates(min_value=date(1965, 1, 1), max_value=date(2020, 12, 31))
action = st.one_of(
    st.tuples(st.just("add"), st.sampled_from("LP"), births),
    st.tuples(st.just("depart"), st.integers(1, 5), days),
    st.tuples(st.just("relocate"), st.sampled_from(VILLAGES)),
    st.tuples(st.just("assess"), days, st.integers(1, 10)),
    st.tuples(st.just("enrol"), st.integers(1, 5), st.sampled_from(["ibu_hamil", "catin"]), days),
    st.tuples(st.just("exit"), st.integers(1, 5), days),
    st.tuples(st.just("correct"), st.integers(1, 5), births),
    st.tuples(
        st.just("deliver"),
        st.sampled_from([None, 1, 2, 3]),
        st.sampled_from(["2026-03", "2026-04"]),
    ),
    st.tuples(st.just("void"), st.integers(0, 3)),
    st.tuples(
        st.just("erase"),
    ),
)
history = st.tuples(
    st.sampled_from(VILLAGES),
    st.one_of(st.none(), st.integers(1, 10)),
    st.lists(st.tuples(st.sampled_from("LP"), births), min_size=1, max_size=3),
    st.lists(st.tuples(st.integers(0, 2), action), max_size=12),
    days,
)
who = st.builds(
    Who,
    sex=st.sampled_from([None, "P"]),
    age_min=st.sampled_from([None, 10]),
    age_max=st.sampled_from([None, 55]),
    max_desil=st.sampled_from([None, 4]),
    dashat_categories=st.sampled_from([None, ("ibu_hamil",)]),
)


@dataclass
class Recorded:
    """A family's events, each with the day it was recorded on."""

    family: Family
    facts: list[tuple[date, Any]] = field(default_factory=list)

    def take(self, day: date) -> None:
        self.facts.extend((day, event) for event in self.family.collect_events())


def make_history(drawn: Any) -> Recorded:
    village, desil, members, actions, start = drawn
    people = [
        new_member(sex, born, "kepala_keluarga" if i == 0 else "anak")
        for i, (sex, born) in enumerate(members)
    ]
    family = Family.register(
        CAUSE,
        uuid4(),
        kk_number=make_kk_number("537101", date(2015, 4, 23), next(_serials)),
        area_code=village,
        address="Jl. Oracle 1",
        welfare_desil=desil,
        members=people,
    )
    recorded = Recorded(family)
    recorded.take(start)
    day = start
    deliveries: list[UUID] = []
    for gap, (kind, *args) in actions:
        day += timedelta(days=gap * 9)
        try:
            act(family, kind, args, day, deliveries)
        except CaseworkError:
            family.collect_events()  # refused: nothing recorded
            continue
        recorded.take(day)
    return recorded


def act(family: Family, kind: str, args: list[Any], day: date, deliveries: list[UUID]) -> None:
    if kind == "add":
        family.add_member(CAUSE, new_member(args[0], args[1], "anak"))
    elif kind == "depart":
        member = family.member(args[0])
        others = [m for m in family.active_members() if m.member_no != member.member_no]
        new_head = (
            others[0].member_no if member.relationship == "kepala_keluarga" and others else None
        )
        family.depart_member(
            CAUSE, member.member_no, reason="moved_out", on=args[1], new_head_no=new_head
        )
    elif kind == "relocate":
        family.relocate(CAUSE, area_code=args[0], address="Jl. Baru", kk_number=None)
    elif kind == "assess":
        family.assess_welfare(CAUSE, desil=args[1], source="PK", assessed_on=args[0])
    elif kind == "enrol":
        family.enrol_in_dashat(CAUSE, args[0], category=args[1], kitchen="K1", enrolled_on=args[2])
    elif kind == "exit":
        family.exit_dashat(CAUSE, args[0], exited_on=args[1], reason="graduated")
    elif kind == "correct":
        family.member(args[0])
        family.correct_member(CAUSE, args[0], name=None, sex=None, birth_date=args[1], nik=None)
    elif kind == "deliver":
        delivery_id = uuid4()
        family.deliver_aid(
            CAUSE,
            NewDelivery(
                delivery_id,
                "ina_kasih",
                args[1],
                uuid4(),
                day,
                args[0],
                (DeliveryItem("pembalut", 1, "pack", 15000),),
            ),
        )
        deliveries.append(delivery_id)
    elif kind == "void":
        if args[0] < len(deliveries):
            family.void_delivery(CAUSE, deliveries[args[0]], reason="wrong")
    elif kind == "erase":
        family.erase_personal_data(CAUSE, reason="UU PDP", request_reference="PDP", on=day)


def new_member(sex: str, born: date, relationship: str) -> NewMember:
    nik = make_nik("537101", born, sex, next(_serials))
    return NewMember(nik=nik, name="Oracle", sex=sex, birth_date=born, relationship=relationship)


# -- brute force -------------------------------------------------------------------------------


def anniversary(born: date, years: int) -> date:
    try:
        return born.replace(year=born.year + years)
    except ValueError:  # 29 February in a common year
        return date(born.year + years, 3, 1)


def brute_force(recorded: Recorded, target: Who, unit: str) -> set[tuple[int, str, int, int]]:
    """The verdict rows, found by walking the history and the period's days one by one."""
    joined: dict[int, date] = {}
    left: dict[int, date] = {}
    sexes: dict[int, str] = {}
    birth: dict[int, date | None] = {}
    areas: list[tuple[date, str]] = []
    assessments: list[tuple[date, int]] = []
    dashat: list[list[Any]] = []
    delivered: dict[UUID, list[Any]] = {}
    erased_on: date | None = None
    registered_on = recorded.facts[0][0]
    for day, event in recorded.facts:
        if isinstance(event, Family.Registered):
            areas.append((day, event.area_code))
            if event.welfare_desil is not None:
                assessments.append((day, event.welfare_desil))
            identities = {i.member_no: i for i in event.identities or ()}
            for facts in event.members:
                joined[facts.member_no], sexes[facts.member_no] = day, facts.sex
                birth[facts.member_no] = identities[facts.member_no].birth_date
        elif isinstance(event, Family.MemberAdded):
            joined[event.member_no], sexes[event.member_no] = day, event.sex
            birth[event.member_no] = event.birth_date
        elif isinstance(event, Family.MemberCorrected):
            birth[event.member_no] = event.birth_date or birth[event.member_no]
        elif isinstance(event, Family.MemberDeparted):
            left[event.member_no] = event.on
            for enrolment in dashat:
                if enrolment[0] == event.member_no and enrolment[3] is None:
                    enrolment[3] = event.on
        elif isinstance(event, Family.Relocated):
            areas.append((day, event.area_code))
        elif isinstance(event, Family.WelfareAssessed):
            assessments.append((event.assessed_on, event.desil))
        elif isinstance(event, Family.EnrolledInDashat):
            dashat.append([event.member_no, event.category, event.enrolled_on, None])
        elif isinstance(event, Family.ExitedDashat):
            for enrolment in dashat:
                if enrolment[0] == event.member_no and enrolment[3] is None:
                    enrolment[3] = event.exited_on
        elif isinstance(event, Family.AidDelivered):
            delivered[event.delivery_id] = [
                event.period,
                event.recipient_member_no,
                event.value_idr,
                event.area_code,
            ]
        elif isinstance(event, Family.AidDeliveryVoided):
            delivered.pop(event.delivery_id)
        elif isinstance(event, Family.PersonalDataErased):
            erased_on = day
            birth = dict.fromkeys(birth)
    period_days = [FIRST + timedelta(n) for n in range((LAST - FIRST).days + 1)]
    if registered_on > LAST:
        area = None
    elif registered_on > FIRST:
        area = areas[0][1]
    else:
        area = [a for d, a in areas if d <= FIRST][-1]
    eligible: list[int] = []
    erased_before = erased_on is not None and erased_on <= LAST
    if area is not None and area.startswith(AREA + ".") and not erased_before:
        dated = [a for a in assessments if a[0] <= LAST]
        latest = max(enumerate(dated), key=lambda pair: (pair[1][0], pair[0]), default=None)
        desil_ok = target.max_desil is None or (
            latest is not None and latest[1][1] <= target.max_desil
        )
        for no in sorted(joined):
            days_in = [
                d for d in period_days if joined[no] <= d and (no not in left or d <= left[no])
            ]
            born = birth[no]
            age = (
                None
                if born is None
                else sum(1 for k in range(1, 120) if anniversary(born, k) <= FIRST)
            )
            ok = desil_ok and bool(days_in)
            ok = ok and (target.sex is None or sexes[no] == target.sex)
            if target.age_min is not None or target.age_max is not None:
                ok = ok and age is not None
                ok = ok and (target.age_min is None or (age is not None and age >= target.age_min))
                ok = ok and (target.age_max is None or (age is not None and age <= target.age_max))
            if target.dashat_categories is not None:
                ok = ok and any(
                    e[0] == no
                    and e[1] in target.dashat_categories
                    and any(e[2] <= d and (e[3] is None or d <= e[3]) for d in period_days)
                    for e in dashat
                )
            if ok:
                eligible.append(no)
    if unit == "family":
        eligible = [0] if eligible else []
    rows: set[tuple[int, str, int, int]] = set()
    this_period = [d for d in delivered.values() if d[0] == PERIOD]
    used: set[int] = set()
    for no in eligible:
        serving = [i for i, d in enumerate(this_period) if no == 0 or d[1] == no]
        used.update(serving)
        rows.add((no, area or "", 1 if serving else 0, sum(this_period[i][2] for i in serving)))
    strays: dict[str, list[int]] = {}
    for i, d in enumerate(this_period):
        if i not in used and d[3].startswith(AREA + "."):
            strays.setdefault(d[3], []).append(d[2])
    for village, values in strays.items():
        rows.add((-1, village, len(values), sum(values)))
    return rows


# -- the read model ----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Casework]:
    settings_ = Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('oracle') / 'c.db'}")
    migrate_store(settings_)
    app = Casework(settings_)
    yield app
    app.close()


def instant(day: date) -> datetime:
    """Noon in Kupang on `day` (so the local date is `day`)."""
    return datetime.combine(day, time(12), ZONE).astimezone(UTC)


def feed(app: Casework, projection: CoverageProjection, facts: list[StoredFact]) -> None:
    with app.db.transaction(insert_lock=True) as tx:
        writes = BatchWrites(tx, postgres=False)
        projection.prepare_batch(writes, facts)
        for fact in facts:
            projection.apply(writes, fact)
        projection.finish_batch(writes)
        writes.flush()


def stored(aggregate_id: UUID, day: date, event: Any) -> StoredFact:
    return StoredFact(
        next(_positions), instant(day), aggregate_id, event.originator_version, "", event
    )


def kept_rows(app: Casework, target_id: UUID, family_id: UUID) -> set[tuple[int, str, int, int]]:
    with app.db.single_read() as tx:
        tx.execute(
            "SELECT member_no, area_code, served, value_idr FROM coverage_units "
            "WHERE target_id = %s "
            "AND family_id = %s AND period = %s AND to_position IS NULL",
            (target_id, family_id, PERIOD),
        )
        return {(int(a), str(b), int(c), int(d)) for a, b, c, d in tx.fetchall()}


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    drawn=history,
    target=who,
    unit=st.sampled_from(["member", "family"]),
    cuts=st.lists(st.integers(1, 20), max_size=3),
)
def test_the_read_model_equals_a_brute_force_count(
    store: Casework, drawn: Any, target: Who, unit: str, cuts: list[int]
) -> None:
    # given a target of its own, whose period is opened before any event of the family
    projection = CoverageProjection(ZONE)
    target_aggregate = ProgrammeTarget.set(
        CAUSE,
        uuid4(),
        program="ina_kasih",
        area=AREA,
        from_period=PERIOD,
        to_period=PERIOD,
        unit=unit,
        cycle="monthly",
        who=target,
    )
    set_event = target_aggregate.collect_events()[0]
    feed(store, projection, [stored(target_aggregate.id, FIRST, set_event)])
    with store.db.transaction(insert_lock=True) as tx:
        verdicts = Verdicts(tx, False, 0)
        loaded = verdicts.target(target_aggregate.id)
        assert loaded is not None
        verdicts.open_period(loaded, PERIOD)
    # when a random family history is fed to the projection in random batches
    recorded = make_history(drawn)
    facts = [stored(recorded.family.id, day, event) for day, event in recorded.facts]
    bounds = sorted({0, len(facts), *(min(c, len(facts)) for c in cuts)})
    for start, end in itertools.pairwise(bounds):
        if start < end:
            feed(store, projection, facts[start:end])
    # then its verdicts for the period are the brute force's
    expected = brute_force(recorded, target, unit)
    assert kept_rows(store, target_aggregate.id, recorded.family.id) == expected
    assert uuid_from_row(str(recorded.family.id)) == recorded.family.id
