"""Two cells and a national database on three clusters, shared by the national tests.

Each cell is today's casework, its store migrated into the schema `cell_<name>`, served in
this process through its HTTP API; the national side follows both, `national run` in a
thread. Everything the tests registered that is personal (names, NIKs, KK numbers, birth
dates, addresses) is kept, for the search of the national database's dump.
"""

from __future__ import annotations

import base64
import itertools
import os
import secrets
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from api_client import Api, running_api
from cell_side import beat
from clusters import Cluster, clusters

from casework.national.copies import open_copy
from casework.national.follower import run_national
from casework.national.schema import migrate_national
from casework.national.subscriptions import add_cell
from casework.projections import tracking
from casework.service import Casework
from casework.settings import DatabaseLocation, Settings
from casework.store.bootstrap import migrate_store
from casework.store.database import PostgresDatabase
from casework.validation.identity_numbers import make_kk_number, make_nik

# Each cell's villages and the caseworker (api_client.USERS) who works there.
CELLS = {
    "kupang_a": ("53.71.01", "53.71.01.1001", "kader"),
    "kupang_b": ("53.71.02", "53.71.02.1001", "kader_other"),
}
MATCHING_KEY = secrets.token_bytes(32)
_nik_serials = itertools.count(1)
_kk_serials = itertools.count(1)
_days = itertools.count(0)


@dataclass
class Personal:
    """What the cells were given that must never reach the national database."""

    names: set[str] = field(default_factory=set)
    niks: set[str] = field(default_factory=set)
    kk_numbers: set[str] = field(default_factory=set)
    birth_dates: set[str] = field(default_factory=set)
    addresses: set[str] = field(default_factory=set)


@dataclass
class Cell:
    name: str
    areas: str
    village: str
    caseworker: str
    cluster: Cluster
    api: Api

    @property
    def conninfo(self) -> str:
        return self.cluster.url()

    def head(self) -> int:
        return tracking.head_position(self.api.casework.db)

    def beat(self) -> None:
        beat(self.conninfo, self.name)


@dataclass
class World:
    cells: dict[str, Cell]
    nation: Cluster
    national: DatabaseLocation
    personal: Personal = field(default_factory=Personal)

    def copy(self, cell: str) -> PostgresDatabase:
        return open_copy(self.national, cell)

    def family_body(self, cell: Cell, *, kk: str | None = None, nik: str | None = None) -> Any:
        day = next(_days)
        born = date(1970 + day % 30, 1 + day % 12, 1 + day % 28)
        district = cell.village.replace(".", "")[:6]
        number = nik or make_nik(district, born, "P", 1 + next(_nik_serials) % 9999)
        name = f"Yohana Tefa {number[-5:]}"
        kk_number = kk or make_kk_number(
            "537101", date(2016, 3, 1 + day % 28), 1 + next(_kk_serials) % 9999
        )
        address = f"Jl. Timor Raya No. {day + 1}, RT 03/RW 02"
        self.personal.names.add(name)
        self.personal.niks.add(number)
        self.personal.kk_numbers.add(kk_number)
        self.personal.birth_dates.add(born.isoformat())
        self.personal.addresses.add(address)
        member = {
            "nik": number,
            "name": name,
            "sex": "P",
            "birth_date": born.isoformat(),
            "relationship": "kepala_keluarga",
        }
        return {
            "kk_number": kk_number,
            "area_code": cell.village,
            "address": address,
            "welfare_desil": 2,
            "members": [member],
        }


def source_body(cell: Cell, budget_idr: int) -> dict[str, Any]:
    return {
        "code": f"APBD-{cell.name}-{uuid4().hex[:8]}",
        "kind": "APBD",
        "name": f"APBD {cell.name} TA 2025",
        "sponsor": "Pemerintah Kota Kupang",
        "fiscal_year": 2025,
        "budget_idr": budget_idr,
        "area": cell.areas,
        "programs": ["ina_kasih", "sembako"],
        "reference": "DPA-SKPD 1.02.0.00.0.00.01",
    }


def delivery_body(
    source_id: str, program: str, period: str, quantity: int, nik: str | None = None
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "delivery_id": str(uuid4()),
        "program": program,
        "period": period,
        "funding_source_id": source_id,
        "delivered_on": "2025-08-11",
        "items": [{"item": "beras", "quantity": quantity, "unit": "kg", "unit_value_idr": 12_500}],
    }
    if nik is not None:
        body["recipient_nik"] = nik
    return body


@contextmanager
def national_world() -> Iterator[World]:
    with ExitStack() as stack:
        made = stack.enter_context(clusters("kupang_a", "kupang_b", "nation"))
        cells: dict[str, Cell] = {}
        for name, (areas, village, caseworker) in CELLS.items():
            cluster = made[name]
            settings = Settings(
                database_url=f"{cluster.url()}?schema=cell_{name}",
                master_key=base64.b64encode(secrets.token_bytes(32)).decode(),
                cell_name=name,
                cell_areas=areas,
                matching_key=base64.b64encode(MATCHING_KEY).decode(),
            )
            migrate_store(settings)
            casework = Casework(settings)
            stack.callback(casework.close)
            api = stack.enter_context(running_api(casework))
            cells[name] = Cell(name, areas, village, caseworker, cluster, api)
        national = DatabaseLocation(backend="postgresql", postgres_conninfo=made["nation"].url())
        migrate_national(national)
        for cell in cells.values():
            add_cell(national, cell.name, cell.conninfo)
        stop = threading.Event()
        runner = threading.Thread(
            target=run_national,
            args=(national, stop),
            kwargs={"poll_seconds": 0.2, "gap_wait": 5.0},
            daemon=True,
        )
        runner.start()
        previous = os.environ.get("CASEWORK_NATIONAL_DATABASE_URL")
        os.environ["CASEWORK_NATIONAL_DATABASE_URL"] = made["nation"].url()
        try:
            yield World(cells, made["nation"], national)
        finally:
            if previous is None:
                os.environ.pop("CASEWORK_NATIONAL_DATABASE_URL", None)
            else:
                os.environ["CASEWORK_NATIONAL_DATABASE_URL"] = previous
            stop.set()
            runner.join(timeout=30)


def family_id(answer: Any) -> UUID:
    return UUID(str(answer["id"]))
