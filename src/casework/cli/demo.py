"""`casework demo`: a realistic, deterministic sample of Kota Kupang for an EMPTY store.

It is the data a newcomer first sees, so it walks every path the service offers (funding
sources and receipts, registrations, deliveries from APBD, CSR and DAK money, UPPKA, DASHAT, a
void, a welfare assessment, a death with a new head, a move, corrections) through the
application service only, and leaves one finding of each discrepancy a store detects (see
`Discrepancies`). Everything is drawn from one `random.Random(seed)`: ids, numbers, names and
dates, so the same seed on the same day always gives the same history.

It is dated from the day it runs (in CASEWORK_TIME_ZONE): the current fiscal year, with
deliveries in its months up to today, so "this month" is never empty. The year's story is
told over nine "season" months, spread over the months that have passed.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from uuid import UUID

from casework.aggregates.base import Cause
from casework.aggregates.family import NewMember
from casework.aggregates.family_records import DeliveryItem
from casework.aggregates.funding_source import FundingSource
from casework.aggregates.programme_target import Who, next_period
from casework.errors import Conflict, ValidationFailed
from casework.service import Casework
from casework.validation.areas import area_name, villages_under
from casework.validation.identity_numbers import make_kk_number, make_nik
from casework.vocabulary import HEAD

AREA = "53.71"
SEASON = 9  # the months the year's story is told over, spread over the months up to today


def words(text: str, separator: str | None = None) -> tuple[str, ...]:
    return tuple(text.split(separator))


# Given names by sex, clan (family) names of Timor, Rote and Sabu, streets of Kupang.
WOMEN = words(
    "Maria Fransiska Yuliana Agustina Margaretha Elisabeth Katarina Theresia Veronika Yohana "
    "Ester Debora Novita Sarlota Oktaviana Yosefina Helena Melania Susana Dorkas Naomi Martha"
)
MEN = words(
    "Yohanes Agustinus Fransiskus Petrus Paulus Yosef Markus Simon Daniel Yakobus Stefanus "
    "Aloysius Dominggus Yermias Obed Melkianus Zakarias Gabriel Abraham Kornelis Matheus Lukas"
)
CLANS = words(
    "Bella Ndun Manafe Messakh Tefa Lay Nalle Foenay Kolo Benu Tanesib Sinlae Amalo Lado Mbura "
    "Riwu Bire Lomi Dethan Haning Pah Nenobais Taneo Fanggidae Saudale Adoe Kase Selan Nope"
)
STREETS = words(
    "Jl. Alak|Jl. Timor Raya|Jl. El Tari|Jl. Frans Seda|Jl. Soeharto|Jl. Adisucipto|Jl. Amabi|"
    "Jl. Perintis Kemerdekaan|Jl. Sumba|Jl. Nangka",
    "|",
)
VOID_REASONS = ("tercatat dua kali", "penerima tidak hadir, paket dikembalikan ke gudang")


def items(spec: str) -> list[DeliveryItem]:
    """Items written `item:quantity:unit:unit_value_idr|...`, to keep the tables short."""
    rows = (part.split(":") for part in spec.split("|"))
    return [
        DeliveryItem(item=i, quantity=int(q), unit=u, unit_value_idr=int(v)) for i, q, u, v in rows
    ]


PADS = items("pembalut:4:pack:15000")
SEMBAKO = items("beras:10:kg:13000|minyak goreng:2:liter:18000|telur:10:butir:2500")
MEALS = items("paket makanan bergizi:20:porsi:12500")
# Business type -> the group's name and the start-up capital of its uppka_modal delivery.
BUSINESSES = {
    "tenun ikat": ("Ina Tenun", items("benang tenun:20:ikat:45000|pewarna alami:5:kg:60000")),
    "kue kering": ("Kasih Ibu", items("tepung terigu:25:kg:12000|mentega:10:kg:55000")),
    "sayur organik": (
        "Hijau Lestari",
        items("benih sayur:20:bungkus:15000|kompos:10:karung:35000"),
    ),
    "olahan ikan": ("Bahari Mandiri", items("ikan segar:30:kg:40000|kemasan:200:pcs:1500")),
    "anyaman lontar": ("Lontar Jaya", items("daun lontar:50:ikat:10000|pewarna:5:botol:25000")),
}


class DemoRefused(RuntimeError):
    """The store already holds events (the demo loads only into an empty database), or it is a
    cell that does not serve Kota Kupang."""


@dataclass(frozen=True)
class DemoSummary:
    families: int
    members: int
    deliveries: int
    voids: int
    funding_sources: int
    uppka_groups: int
    dashat_enrolments: int
    last_position: int
    uppka_memberships: int = 0


@dataclass
class Household:
    family_id: UUID
    kk_number: str
    village: str
    address: str
    desil: int
    members: list[NewMember]


def periods_after(period: str, months: int) -> str:
    for _ in range(months):
        period = next_period(period)
    return period


def age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def load_demo(
    app: Casework,
    *,
    families: int = 300,
    seed: int = 2025,
    progress: Callable[[int, int], None] | None = None,
    today: date | None = None,
) -> DemoSummary:
    """Load the sample, dated up to `today` (default: today in the deployment's time zone);
    DemoRefused when the store is not empty or is a cell without 53.71."""
    if app.cell is not None and not app.cell.covers(AREA):
        raise DemoRefused(
            f"the demo registers families in Kota Kupang ({AREA}), which lies outside cell "
            f"{app.cell.name} (areas {app.cell.areas_text}); run it in a cell that serves {AREA}"
        )
    if app.event_recorder.max_notification_id() is not None:
        raise DemoRefused("the database already holds events; the demo needs an empty one")
    if families < 1:
        raise ValueError("families must be at least 1")
    today = today or datetime.now(app.settings.zone).date()
    return _Demo(app, random.Random(seed), today).run(families, progress)


class _Demo:
    def __init__(self, app: Casework, rng: random.Random, today: date) -> None:
        self.app, self.rng, self.today = app, rng, today
        self.year = today.year
        self.age_on = date(self.year, 1, 1)  # the ages of planned members are as of this day
        self.given: set[tuple[UUID, str, str, str | None]] = set()  # (family, prog, period, nik)
        self.villages = villages_under(AREA)
        self.requests = 0
        self.counts: Counter[str] = Counter()
        self.serials: Counter[str] = Counter()  # per 12-digit prefix of NIKs and KK numbers
        self.sources: dict[str, UUID] = {}
        self.budgets: dict[str, int] = {}
        self.groups: dict[str, tuple[UUID, list[DeliveryItem]]] = {}  # village -> (id, capital)
        self.delivered: list[tuple[UUID, UUID]] = []  # (family, delivery), candidates for a void
        self.founded: set[UUID] = set()  # UPPKA groups that have their first member
        self.in_uppka: set[UUID] = set()  # families with an UPPKA member
        self.typo: tuple[UUID, str, str] | None = None  # (family, NIK, the right name)
        self.provisional: tuple[UUID, str, str] | None = None  # (family, provisional, real NIK)

    # -- plumbing ----------------------------------------------------------------------------

    def cause(self) -> Cause:
        self.requests += 1
        return Cause(actor="cli:demo", request_id=f"demo-{self.requests}")

    def uuid(self) -> UUID:
        return UUID(int=self.rng.getrandbits(128), version=4)

    def month(self, season_month: int) -> int:
        """The calendar month of the story's `season_month` (1..SEASON), never after today's."""
        return 1 + (season_month - 1) * (self.today.month - 1) // (SEASON - 1)

    def day(self, season_month: int, first: int = 1, last: int = 28) -> date:
        """A day of the story's `season_month`."""
        return self.on(self.month(min(season_month, SEASON)), first, last)

    def on(self, month: int, first: int = 1, last: int = 28) -> date:
        """A day of a calendar month of this year, never after today."""
        if month == self.today.month:
            last = min(last, self.today.day)
            first = min(first, last)
        return date(self.year, month, self.rng.randint(first, last))

    def numbered(self, make: Callable[[int], str]) -> str:
        """A NIK or KK number with the next serial free after its first 12 digits. NIKs and KK
        numbers share the count: a KK issued on a man's birthday would read like his NIK."""
        prefix = make(1)[:12]
        self.serials[prefix] += 1
        return make(self.serials[prefix])

    # -- the whole run -----------------------------------------------------------------------

    def run(self, families: int, progress: Callable[[int, int], None] | None) -> DemoSummary:
        self.open_sources(families)
        households = [self.plan_household() for _ in range(families)]
        self.form_groups(households)
        for done, household in enumerate(households, start=1):
            self.register(household)
            self.deliver_ina_kasih(household)
            self.deliver_sembako(household)
            self.enrol_dashat(household)
            self.join_uppka(household)
            if progress is not None:
                progress(done, families)
        self.later_changes(households)
        Discrepancies(self).stage(households)
        self.target_ina_kasih(households)
        last = self.app.event_recorder.max_notification_id()
        assert last is not None
        c = self.counts
        return DemoSummary(
            families=c["families"],
            members=c["members"],
            deliveries=c["deliveries"],
            voids=c["voids"],
            funding_sources=len(self.sources),
            uppka_groups=len(self.groups),
            dashat_enrolments=c["dashat"],
            last_position=last,
            uppka_memberships=c["uppka"],
        )

    def open_sources(self, families: int) -> None:
        # Budgets are realistic for 300 families and grow with a bigger demo, never exhausted.
        # Receipts: (reference, share of the budget, season month). The bank's transfer comes
        # later, for part of what was spent (Discrepancies).
        y = self.year
        specs = (
            (
                f"APBD-5371-{y}-INAKASIH",
                "APBD",
                f"APBD Kota Kupang TA {y} — Ina Kasih",
                "Pemerintah Kota Kupang",
                max(1_800_000_000, families * 6_000_000),
                AREA,
                ["ina_kasih"],
                "DPA-SKPD 1.02.0.00.0.00.01",
                ((f"SP2D 0012/{y}", 3, 2), (f"SP2D 0158/{y}", 3, 5)),
            ),
            (
                f"CSR-BANKNTT-{y}-01",
                "CSR",
                f"CSR Bank NTT {y} — Ina Kasih dan Sembako",
                "PT Bank NTT",
                max(450_000_000, families * 1_500_000),
                AREA,
                ["ina_kasih", "sembako"],
                f"PKS 017/CSR-BNTT/II/{y}",
                (),
            ),
            (
                f"DAK-BOKB-53-{y}",
                "DAK",
                f"DAK BOKB Provinsi NTT TA {y}",
                "BKKBN",
                max(300_000_000, families * 1_000_000),
                # The province's source; a cell serving only the city holds it at city level.
                "53" if self.app.cell is None or self.app.cell.covers("53") else AREA,
                ["dashat", "uppka_modal"],
                f"Juknis BOKB {y}",
                ((f"SP2D 0203/{y}", 2, 2), (f"SP2D 0388/{y}", 2, 5)),
            ),
        )
        for code, kind, name, sponsor, budget, area, programs, reference, receipts in specs:
            source_id = self.uuid()
            self.app.open_funding_source(
                self.cause(),
                code=code,
                kind=kind,
                name=name,
                sponsor=sponsor,
                fiscal_year=y,
                budget_idr=budget,
                area=area,
                programs=programs,
                reference=reference,
                source_id=source_id,
            )
            self.sources[kind] = source_id
            self.budgets[kind] = budget
            for receipt, share, month in receipts:
                self.app.record_receipt(
                    self.cause(),
                    source_id,
                    amount_idr=budget // share,
                    reference=receipt,
                    received_on=self.day(month),
                )

    # -- households --------------------------------------------------------------------------

    def plan_household(self) -> Household:
        rng = self.rng
        village = rng.choice(self.villages)
        district6 = village.replace(".", "")[:6]
        clan = rng.choice(CLANS)
        shape = rng.choices(("couple", "wife-headed", "mother", "father"), (74, 4, 16, 6))[0]
        head_sex = "L" if shape in ("couple", "father") else "P"
        head_age = rng.randint(23, 64)
        # (relationship, age on 1 January of this year, sex, clan)
        people = [(HEAD, head_age, head_sex, clan)]
        parent_age = head_age
        if shape == "couple":
            parent_age = max(19, head_age - rng.randint(-2, 7))
            people.append(("istri", parent_age, "P", rng.choice((clan, rng.choice(CLANS)))))
        elif shape == "wife-headed":
            people.append(("suami", head_age + rng.randint(-2, 6), "L", rng.choice(CLANS)))
        oldest_child = min(parent_age - 18, 24)
        children = rng.choices(range(5), (10, 24, 30, 22, 14))[0] if oldest_child >= 0 else 0
        ages = sorted(rng.sample(range(oldest_child + 1), min(children, oldest_child + 1)))
        people += [("anak", years, rng.choice("LP"), clan) for years in reversed(ages)]
        if len(people) < 6 and head_age <= 55 and rng.random() < 0.18:
            sex, elder_age = rng.choice("LP"), min(head_age + rng.randint(22, 32), 89)
            people.append(("orang_tua", elder_age, sex, clan if sex == "L" else rng.choice(CLANS)))
        family_id = self.uuid()
        members = [self.person(family_id, district6, *p) for p in people[:6]]
        youngest = max(m.birth_date for m in members)
        issued = max(
            self.day(rng.randint(1, 12)).replace(year=rng.randint(2008, self.year - 1)),
            youngest + timedelta(days=45),
        )
        issued = min(issued, self.today)
        kk = self.numbered(lambda serial: make_kk_number(district6, issued, serial))
        if self.typo is None and len(members) > 1:
            right = members[-1]
            wrong = right.name[:2] + right.name[1:]  # a doubled letter, as typed in a hurry
            members[-1] = replace(right, name=wrong)
            self.typo = (family_id, right.nik, right.name)
        desil = rng.choices(range(1, 7), (30, 30, 20, 12, 5, 3))[0]
        return Household(family_id, kk, village, self.address(), desil, members)

    def address(self) -> str:
        rng = self.rng
        rt, rw = rng.randint(1, 20), rng.randint(1, 8)
        return f"{rng.choice(STREETS)} No. {rng.randint(1, 120)}, RT {rt:02d}/RW {rw:02d}"

    def person(
        self, family_id: UUID, district6: str, relationship: str, years: int, sex: str, clan: str
    ) -> NewMember:
        born = date(self.age_on.year - 1 - years, self.rng.randint(1, 12), self.rng.randint(1, 28))
        given = self.rng.sample(WOMEN if sex == "P" else MEN, 2 if self.rng.random() < 0.25 else 1)
        name = " ".join((*given, clan))
        nik = self.numbered(lambda serial: make_nik(district6, born, sex, serial))
        if relationship == "anak" and years == 0 and self.provisional is None:
            provisional = "0" + "".join(self.rng.choices("0123456789", k=15))  # from the village
            self.provisional = (family_id, provisional, nik)
            nik = provisional
        return NewMember(nik, name, sex, born, relationship)

    def register(self, household: Household) -> None:
        self.app.register_family(
            self.cause(),
            kk_number=household.kk_number,
            area_code=household.village,
            address=household.address,
            welfare_desil=household.desil,
            members=household.members,
            family_id=household.family_id,
        )
        self.counts["families"] += 1
        self.counts["members"] += len(household.members)

    # -- programmes --------------------------------------------------------------------------

    def deliver(
        self,
        household: Household,
        program: str,
        on: date,
        source: str,
        items: tuple[DeliveryItem, ...] | list[DeliveryItem],
        recipient: str | None,
    ) -> None:
        delivery_id = self.uuid()
        self.app.deliver_aid(
            self.cause(),
            household.family_id,
            delivery_id=delivery_id,
            program=program,
            period=f"{on:%Y-%m}",
            funding_source_id=self.sources[source],
            delivered_on=on,
            items=list(items),
            recipient_nik=recipient,
        )
        self.counts["deliveries"] += 1
        self.delivered.append((household.family_id, delivery_id))
        self.given.add((household.family_id, program, f"{on:%Y-%m}", recipient))

    def deliver_ina_kasih(self, household: Household) -> None:
        """Pads each month for the women and girls (10-50) of a pre-prosperous family."""
        if household.desil > 4:
            return
        now = self.today.month
        for month in range(self.rng.randint(1, min(3, now)), now + 1):
            if self.rng.random() < 0.1:
                continue  # nobody came to the distribution point that month
            on = self.on(month, 5, 25)
            source = "APBD" if month % 2 else "CSR"  # the city's line and the bank take turns
            for member in household.members:
                if member.sex == "P" and 10 <= age(member.birth_date, on) <= 50:
                    self.deliver(household, "ina_kasih", on, source, PADS, member.nik)

    def deliver_sembako(self, household: Household) -> None:
        if household.desil <= 2 and self.rng.random() < 0.6:
            # Mid-year and this month (once, early in the year).
            for month in sorted({(self.today.month + 1) // 2, self.today.month}):
                self.deliver(household, "sembako", self.on(month, 10, 20), "CSR", SEMBAKO, None)

    def enrol_dashat(self, household: Household) -> None:
        rng, on = self.rng, self.day(self.rng.randint(1, 6))
        has_baby = any(
            m.relationship == "anak" and age(m.birth_date, on) < 1 for m in household.members
        )
        candidates: list[tuple[NewMember, str]] = []
        for m in household.members:
            years = age(m.birth_date, on)
            mother = m.sex == "P" and m.relationship in (HEAD, "istri")
            if m.relationship == "anak" and years < 5:
                candidates.append((m, "baduta" if years < 2 else "balita"))
            elif mother and has_baby and 18 <= years <= 45:
                candidates.append((m, "ibu_menyusui"))
            elif mother and 20 <= years <= 38 and rng.random() < 0.12:
                candidates.append((m, "ibu_hamil"))
            elif (
                m.sex == "P"
                and m.relationship == "anak"
                and 19 <= years <= 28
                and rng.random() < 0.3
            ):
                candidates.append((m, "catin"))
        if not candidates or rng.random() > (0.7 if household.desil <= 3 else 0.3):
            return
        district = area_name(household.village.rsplit(".", 1)[0]).upper().replace(" ", "-")
        kitchen = f"DASHAT-{district}-{int(household.village[-2:]) % 3 + 1:02d}"
        for member, category in candidates:
            self.app.enrol_in_dashat(
                self.cause(),
                household.family_id,
                member_nik=member.nik,
                category=category,
                kitchen=kitchen,
                enrolled_on=on,
            )
            self.counts["dashat"] += 1
            if rng.random() < 0.5:
                now = self.today.month
                for month in sorted({min(on.month + 1, now), min(on.month + 2, now)}):
                    self.deliver(household, "dashat", self.on(month), "DAK", MEALS, member.nik)

    def form_groups(self, households: list[Household]) -> None:
        """3-5 UPPKA groups, in villages where demo families live."""
        villages = sorted({h.village for h in households})
        count = min(self.rng.randint(3, 5), len(villages))
        chosen = zip(
            self.rng.sample(villages, count),
            self.rng.sample(sorted(BUSINESSES), count),
            strict=True,
        )
        for number, (village, business) in enumerate(chosen, start=1):
            group_id = self.uuid()
            self.app.form_uppka_group(
                self.cause(),
                code=f"UPPKA-5371-{number:03d}",
                name=f"UPPKA {BUSINESSES[business][0]} {area_name(village)}",
                area_code=village,
                business_type=business,
                group_id=group_id,
            )
            self.groups[village] = (group_id, BUSINESSES[business][1])

    def join_uppka(self, household: Household) -> None:
        """The first family of a group's village founds it (and gets start-up capital); others
        of the village, and a few of its district (kecamatan), join it."""
        district = household.village[:8]
        village = household.village if household.village in self.groups else None
        village = village or next((v for v in self.groups if v.startswith(district)), None)
        if village is None:
            return
        group_id, capital = self.groups[village]
        founder = group_id not in self.founded and village == household.village
        if not founder and self.rng.random() > (0.6 if village == household.village else 0.12):
            return
        women = [
            m
            for m in household.members
            if m.sex == "P"
            and m.relationship in (HEAD, "istri")
            and 20 <= age(m.birth_date, self.age_on) <= 60
        ]
        member = women[0] if women else household.members[0]
        joined = self.day(self.rng.randint(2, 7))
        self.app.join_uppka(
            self.cause(),
            household.family_id,
            group_id=group_id,
            member_nik=member.nik,
            joined_on=joined,
        )
        self.counts["uppka"] += 1
        self.in_uppka.add(household.family_id)
        if founder:
            self.founded.add(group_id)
            self.deliver(
                household,
                "uppka_modal",
                self.on(min(joined.month + 1, self.today.month)),
                "DAK",
                capital,
                member.nik,
            )

    # -- what happened later in the year -----------------------------------------------------

    def later_changes(self, households: list[Household]) -> None:
        self.void_some()
        self.reassess_some(households)
        widowed = self.widow_one(households)
        self.move_one([h for h in households if h is not widowed] or households)
        self.correct_members()

    def target_ina_kasih(self, households: list[Household]) -> None:
        """Who Ina Kasih is for in Kota Kupang (women and girls of 10-50 of families of desil 4
        or lower), from this month for a year, so a newcomer sees this month's coverage and
        who is still waiting; about half of them got their pads this month, when the sources
        fund this year."""
        period = f"{self.today:%Y-%m}"
        self.app.set_target(
            self.cause(),
            "ina_kasih",
            target_id=self.uuid(),
            area=AREA,
            from_period=period,
            to_period=periods_after(period, 11),
            unit="member",
            cycle="monthly",
            who=Who(sex="P", age_min=10, age_max=50, max_desil=4),
        )
        if int(period[:4]) != self.year:
            return  # the demo's sources fund its own year only
        today = self.today
        for household in households:
            if household.desil > 4 or self.rng.random() < 0.5:
                continue
            for member in household.members:
                if member.sex == "P" and 10 <= age(member.birth_date, today) <= 50:
                    # Refused when served already this month, or no longer in the family.
                    with suppress(Conflict, ValidationFailed):
                        self.deliver(household, "ina_kasih", today, "APBD", PADS, member.nik)

    def void_some(self) -> None:
        rng = self.rng
        voids = rng.sample(
            self.delivered, min(len(self.delivered), max(1, len(self.delivered) // 150))
        )
        for family_id, delivery_id in voids:
            reason = rng.choice(VOID_REASONS)
            self.app.void_delivery(self.cause(), family_id, delivery_id, reason=reason)
            self.counts["voids"] += 1

    def reassess_some(self, households: list[Household]) -> None:
        rng = self.rng
        for h in rng.sample(households, max(1, len(households) // 20)):
            self.app.assess_welfare(
                self.cause(),
                h.family_id,
                desil=max(1, h.desil + rng.choice((-1, 1, 2))),
                source=rng.choice(("DTSEN", "PK")),
                assessed_on=self.day(7),
            )

    def widow_one(self, households: list[Household]) -> Household | None:
        """A husband and head dies; his wife heads the family now."""
        widowed = next(
            (
                h
                for h in households
                if len(h.members) >= 3
                and h.members[1].relationship == "istri"
                and h.family_id not in self.in_uppka
            ),
            None,
        )
        if widowed is not None:
            self.app.depart_member(
                self.cause(),
                widowed.family_id,
                widowed.members[0].nik,
                reason="died",
                on=self.day(8),
                new_head_nik=widowed.members[1].nik,
            )
        return widowed

    def move_one(self, households: list[Household]) -> None:
        """A family moves to another district, where a new KK is issued."""
        rng = self.rng
        mover = rng.choice(households)
        village = rng.choice([v for v in self.villages if v[:8] != mover.village[:8]])
        district6, issued = village.replace(".", "")[:6], self.day(9)
        kk = self.numbered(lambda serial: make_kk_number(district6, issued, serial))
        self.app.relocate_family(
            self.cause(),
            mover.family_id,
            area_code=village,
            kk_number=kk,
            address=self.address(),
        )

    def correct_members(self) -> None:
        if self.typo is not None:
            family_id, nik, name = self.typo
            self.app.correct_member(self.cause(), family_id, nik, name=name)
        if self.provisional is not None:  # the baby's NIK came from Dukcapil
            family_id, provisional, nik = self.provisional
            self.app.correct_member(self.cause(), family_id, provisional, new_nik=nik)


class Discrepancies:
    """One finding of each kind `/reconciliation/discrepancies` shows, so a newcomer sees what
    each looks like. A new kind of finding adds a method here and a line to `stage`.

    - `unreceived-funds`: the bank transfers only half of what its CSR line paid out so far;
    - `over-received`: the DAK allocation, already transferred in full, is cut by a tenth by a
      budget revision (APBN-P);
    - `duplicate-recipient`: a daughter who married is registered on her husband's new KK while
      still on her parents', and is given Ina Kasih in the same month through both.
    """

    def __init__(self, demo: _Demo) -> None:
        self.demo, self.app = demo, demo.app

    def stage(self, households: list[Household]) -> None:
        self.duplicate_recipient(households)
        self.unreceived_funds()
        self.over_received()

    def unreceived_funds(self) -> None:
        source_id = self.demo.sources["CSR"]
        drawn = self.app.load(FundingSource, source_id).drawn_idr
        if drawn > 0:
            self.app.record_receipt(
                self.demo.cause(),
                source_id,
                amount_idr=drawn // 2,
                reference=f"Transfer Bank NTT 0017/CSR/II/{self.demo.year}",
                received_on=self.demo.day(SEASON),
            )

    def over_received(self) -> None:
        source = self.app.load(FundingSource, self.demo.sources["DAK"])
        cut = max(source.drawn_idr, source.budget_idr * 9 // 10)
        if cut < source.received_idr:
            self.app.revise_budget(
                self.demo.cause(),
                source.id,
                budget_idr=cut,
                reason="APBN-P: alokasi DAK BOKB dipotong 10%",
            )

    def duplicate_recipient(self, households: list[Household]) -> None:
        """A young woman of an Ina Kasih family, registered again on a new KK."""
        demo, now = self.demo, self.demo.today
        period = f"{now:%Y-%m}"
        found = next(
            (
                (h, m)
                for h in households
                if h.desil <= 4 and h.family_id not in demo.in_uppka
                for m in h.members
                if m.relationship == "anak" and m.sex == "P" and 18 <= age(m.birth_date, now) <= 30
            ),
            None,
        )
        if found is None:
            return
        parents, bride = found
        district6 = parents.village.replace(".", "")[:6]
        groom_born = date(bride.birth_date.year - 2, 3, 14)
        groom = NewMember(
            demo.numbered(lambda serial: make_nik(district6, groom_born, "L", serial)),
            f"{demo.rng.choice(MEN)} {demo.rng.choice(CLANS)}",
            "L",
            groom_born,
            HEAD,
        )
        kk = demo.numbered(lambda serial: make_kk_number(district6, now, serial))
        couple = Household(
            demo.uuid(), kk, parents.village, demo.address(), parents.desil,
            [groom, replace(bride, relationship="istri")],
        )  # fmt: skip
        demo.register(couple)
        on = demo.on(now.month, 1, 28)
        for household in (parents, couple):
            if (household.family_id, "ina_kasih", period, bride.nik) not in demo.given:
                demo.deliver(household, "ina_kasih", on, "APBD", PADS, bride.nik)
