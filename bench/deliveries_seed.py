"""Aid deliveries for a benchmark store: the aggregates' own rules, many per transaction.

Each delivery is decided by the family and its funding source exactly as a command decides it
(`Family.deliver_aid`, `FundingSource.draw`), takes its delivery-id claim, and is saved with its
draw in the same transaction as the family's other deliveries, so the store holds what the API
would have written (encrypted recipients, the chain, claims), only faster to produce. A family's
deliveries and their draws lie within a few positions of each other, as the API's one delivery
a transaction leaves them (a chunk of families a transaction, faster still, put each delivery
thousands of positions from its draw, which no command does).
"""

from __future__ import annotations

import sys
import time
import uuid
from collections.abc import Callable
from datetime import date
from uuid import UUID

from eventsourcing.utils import get_topic

from casework.aggregates.base import Cause
from casework.aggregates.family import Family, NewDelivery
from casework.aggregates.family_records import DeliveryItem
from casework.aggregates.funding_source import DrawRequest, FundingSource
from casework.service import Casework
from casework.store.claims import Claim, ClaimChanges
from casework.store.database import uuid_from_row

CAUSE = Cause("cli:bench", "bench")
ITEMS = (DeliveryItem("pembalut", 4, "pack", 15_000),)
PROGRAM = "ina_kasih"


def registered_families(app: Casework) -> list[UUID]:
    with app.db.single_read() as tx:
        tx.execute(
            "SELECT originator_id FROM stored_events WHERE topic = %s ORDER BY position",
            (get_topic(Family.Registered),),
        )
        return [uuid_from_row(row[0]) for row in tx.fetchall()]


def open_sources(app: Casework, count: int, fiscal_year: int) -> list[UUID]:
    return [
        app.open_funding_source(
            CAUSE,
            code=f"BENCH-{fiscal_year}-{n:03d}",
            kind=("APBD", "CSR", "DAK")[n % 3],
            name=f"bench source {n}",
            sponsor="bench",
            fiscal_year=fiscal_year,
            budget_idr=10**15,
            area="53.71",
            programs=[PROGRAM],
            reference=f"DPA bench {n}",
        ).aggregate_id
        for n in range(count)
    ]


def seed_deliveries(
    app: Casework,
    families: list[UUID],
    sources: list[UUID],
    *,
    per_family: int,
    fiscal_year: int,
    chunk: int = 250,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """`per_family` deliveries (months 1..12, then the next year's) to every family, each
    drawing on the family's source; returns how many were saved."""
    if per_family > 12:
        raise SystemExit("at most 12 deliveries a family (one a month of the fiscal year)")
    loaded = {source_id: app.load(FundingSource, source_id) for source_id in sources}
    total, done = len(families) * per_family, 0
    for start in range(0, len(families), chunk):
        batch = [app.load(Family, family_id) for family_id in families[start : start + chunk]]
        for index, family in enumerate(batch):
            source = loaded[sources[(start + index) % len(sources)]]
            claims = []
            for month in range(1, per_family + 1):
                delivery_id = uuid.uuid4()
                period = f"{fiscal_year}-{month:02d}"
                value = family.deliver_aid(
                    CAUSE,
                    NewDelivery(
                        delivery_id, PROGRAM, period, source.id,
                        date(fiscal_year, month, 11), None, ITEMS,
                    ),
                )  # fmt: skip
                request = DrawRequest(
                    delivery_id, family.id, PROGRAM, period, value, family.area_code
                )
                source.draw(CAUSE, request)
                claims.append(Claim("delivery", str(delivery_id), family.id))
            app.save_all(family, source, claims=ClaimChanges(take=tuple(claims)))
        done += len(batch) * per_family
        if progress is not None:
            progress(done, total)
    return done


def print_progress(label: str) -> Callable[[int, int], None]:
    started = time.perf_counter()

    def show(done: int, total: int) -> None:
        rate = done / max(time.perf_counter() - started, 1e-9)
        print(f"\r{label}: {done:,}/{total:,} ({rate:,.0f}/s)", end="", file=sys.stderr)
        if done >= total:
            print(file=sys.stderr)

    return show
