"""Deterministic generator of realistic families, as the CSV `casework import families` reads.

    python bench/datagen.py --families 100000 --out families.csv
    options: --seed 2025 --area 53.71 (any area prefix) --invalid-share 0.02 --out - (stdout)

The same seed and options always give the same bytes. Families live in real villages under
--area; households are shaped like the demo's (couples, wife-headed, single parents, children
younger than their parents, sometimes a grandparent); NIKs and KK numbers are valid (district of
the village, birth or issue date, a serial unique per 12-digit prefix). With --invalid-share, that
share of families carries one deliberate fault (bad NIK, unknown area, two heads, bad birth date,
bad desil, no head) to exercise the rejects file. Rows stream out one family at a time; progress
goes to stderr.
"""

from __future__ import annotations

import argparse
import csv
import random
import sys
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import TextIO

from casework.cli.demo import CLANS, MEN, STREETS, WOMEN
from casework.importing.rows import COLUMNS
from casework.validation.areas import villages_under
from casework.validation.identity_numbers import make_kk_number, make_nik

AGE_ON = date(2025, 1, 1)
FAULTS = ("bad-nik", "unknown-area", "two-heads", "bad-birth-date", "bad-desil", "no-head")
Row = dict[str, str]


class FamilyGenerator:
    def __init__(self, seed: int, area: str, invalid_share: float = 0.0) -> None:
        self.rng = random.Random(seed)
        self.villages = villages_under(area)
        if not self.villages:
            raise SystemExit(f"datagen: no villages under area {area!r}")
        self.invalid_share = invalid_share
        # Serials per 12-digit prefix (district + date): bounded by districts x days.
        self.serials: Counter[str] = Counter()

    def families(self, count: int) -> Iterator[list[Row]]:
        for _ in range(count):
            rows = self.family()
            if self.rng.random() < self.invalid_share:
                self.spoil(rows, self.rng.choice(FAULTS))
            yield rows

    def numbered(self, make: Callable[[int], str]) -> str:
        prefix = make(1)[:12]
        self.serials[prefix] += 1
        return make(self.serials[prefix])

    def family(self) -> list[Row]:
        rng = self.rng
        village = rng.choice(self.villages)
        district6 = village.replace(".", "")[:6]
        people = self.household()
        members = [self.person(district6, *person) for person in people]
        youngest = max(date.fromisoformat(m["birth_date"]) for m in members)
        issued = max(
            date(rng.randint(2008, 2024), rng.randint(1, 12), rng.randint(1, 28)),
            youngest + timedelta(days=45),
        )
        kk = self.numbered(lambda serial: make_kk_number(district6, issued, serial))
        rt, rw = rng.randint(1, 20), rng.randint(1, 8)
        family = {
            "kk_number": kk,
            "area_code": village,
            "address": f"{rng.choice(STREETS)} No. {rng.randint(1, 120)}, RT {rt:02d}/RW {rw:02d}",
            "welfare_desil": str(rng.choices(range(1, 11), (22, 22, 16, 12, 8, 6, 5, 4, 3, 2))[0]),
        }
        return [{**family, **member} for member in members]

    def household(self) -> list[tuple[str, int, str, str]]:
        """(relationship, age on 1 Jan 2025, sex, clan) of each member, the head first."""
        rng = self.rng
        clan = rng.choice(CLANS)
        shape = rng.choices(("couple", "wife-headed", "mother", "father"), (74, 4, 16, 6))[0]
        head_age = rng.randint(23, 64)
        people = [
            ("kepala_keluarga", head_age, "L" if shape in ("couple", "father") else "P", clan)
        ]
        parent_age = head_age
        if shape == "couple":
            parent_age = max(19, head_age - rng.randint(-2, 7))
            people.append(("istri", parent_age, "P", rng.choice(CLANS)))
        elif shape == "wife-headed":
            people.append(("suami", head_age + rng.randint(-2, 6), "L", rng.choice(CLANS)))
        oldest = min(parent_age - 18, 24)
        children = rng.choices(range(5), (10, 24, 30, 22, 14))[0] if oldest >= 0 else 0
        ages = sorted(rng.sample(range(oldest + 1), min(children, oldest + 1)), reverse=True)
        people += [("anak", years, rng.choice("LP"), clan) for years in ages]
        if len(people) < 6 and head_age <= 55 and rng.random() < 0.18:
            sex = rng.choice("LP")
            people.append(("orang_tua", min(head_age + rng.randint(22, 32), 89), sex, clan))
        return people

    def person(self, district6: str, relationship: str, years: int, sex: str, clan: str) -> Row:
        rng = self.rng
        born = date(AGE_ON.year - 1 - years, rng.randint(1, 12), rng.randint(1, 28))
        given = rng.sample(WOMEN if sex == "P" else MEN, 2 if rng.random() < 0.25 else 1)
        return {
            "nik": self.numbered(lambda serial: make_nik(district6, born, sex, serial)),
            "name": " ".join((*given, clan)),
            "sex": sex,
            "birth_date": born.isoformat(),
            "relationship": relationship,
        }

    def spoil(self, rows: list[Row], fault: str) -> None:
        member = self.rng.choice(rows)
        if fault == "bad-nik":
            member["nik"] = member["nik"][:8] + "13" + member["nik"][10:]  # month 13
        elif fault == "unknown-area":
            for row in rows:
                row["area_code"] = row["area_code"][:-4] + "9999"
        elif fault == "two-heads" and len(rows) > 1:
            rows[-1]["relationship"] = "kepala_keluarga"
        elif fault == "bad-birth-date":
            member["birth_date"] = "2031-02-30"
        elif fault == "bad-desil":
            for row in rows:
                row["welfare_desil"] = "11"
        else:
            rows[0]["relationship"] = "famili_lain"  # no head (also a one-member two-heads)


def write_csv(out: TextIO, families: Iterator[list[Row]], total: int) -> tuple[int, int]:
    writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
    writer.writeheader()
    count = rows = 0
    for count, family in enumerate(families, start=1):
        writer.writerows(family)
        rows += len(family)
        if count % 10_000 == 0 or count == total:
            print(f"\rdatagen: {count}/{total} families", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    return count, rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--families", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--area", default="53.71", help="area prefix of the villages")
    parser.add_argument("--invalid-share", type=float, default=0.0, metavar="SHARE")
    parser.add_argument("--out", default="-", help="file to write (- for stdout)")
    args = parser.parse_args(argv)
    generator = FamilyGenerator(args.seed, args.area, args.invalid_share)
    if args.out == "-":
        write_csv(sys.stdout, generator.families(args.families), args.families)
    else:
        with open(args.out, "w", newline="", encoding="utf-8") as out:
            write_csv(out, generator.families(args.families), args.families)
    return 0


if __name__ == "__main__":
    sys.exit(main())
