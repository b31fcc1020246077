"""The national side against real logical replication: two cells, one national database,
each on a PostgreSQL cluster of its own (issue 24).

The tests share one world (clusters are slow to make) and run in file order: the writes
first, then the reports, then the faults (stopped servers, an altered byte) last.
"""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import msgspec
import psycopg
import pytest
from litestar.testing import TestClient
from national_world import (
    Cell,
    World,
    delivery_body,
    family_id,
    national_world,
    source_body,
)

from casework.cli.main import main
from casework.national.api import create_national_app
from casework.national.discrepancies import national_findings
from casework.national.reconciliation import cell_reports, summed
from casework.national.status import cell_statuses
from casework.national.subscriptions import CellRefused, add_cell
from casework.projections.source_filters import SourceFilter
from waiting import wait_until

pytestmark = pytest.mark.postgres
CATCH_UP_S = 90.0


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    with national_world() as made:
        yield made


@pytest.fixture(scope="module")
def instants(world: World) -> list[datetime]:
    """The writes through each cell's API; two instants between them, for `as_of`."""
    taken: list[datetime] = []
    for cell in world.cells.values():
        _first_half(world, cell)
    time.sleep(0.05)
    taken.append(datetime.now(UTC))
    time.sleep(0.05)
    for cell in world.cells.values():
        _second_half(cell, "2025-07")
    time.sleep(0.05)
    taken.append(datetime.now(UTC))
    time.sleep(0.05)
    for cell in world.cells.values():
        _second_half(cell, "2025-08")
        cell.beat()
    caught_up(world)
    return taken


def _posted(response: Any, status: int = 201) -> Any:
    assert response.status_code == status, response.text
    return response.json()


_sources: dict[str, str] = {}
_families: dict[str, list[tuple[UUID, str]]] = {}


def _first_half(world: World, cell: Cell) -> None:
    api = cell.api
    source = _posted(api.post("/funding-sources", source_body(cell, 900_000), who="finance"))
    _sources[cell.name] = source["id"]
    receipt = {"amount_idr": 200_000, "reference": "SP2D 0012/2025", "received_on": "2025-09-30"}
    _posted(api.post(f"/funding-sources/{source['id']}/receipts", receipt, who="finance"), 201)
    for _ in range(3):
        body = world.family_body(cell)
        answer = _posted(api.post("/families", body, who=cell.caseworker))
        _families.setdefault(cell.name, []).append((family_id(answer), body["members"][0]["nik"]))


def _second_half(cell: Cell, period: str) -> None:
    api, source = cell.api, _sources[cell.name]
    drawn = []
    for family, _ in _families[cell.name]:
        body = delivery_body(source, "sembako", period, 3)
        path = f"/families/{family}/aid-deliveries"
        _posted(api.post(path, body, who=cell.caseworker))
        drawn.append((family, body["delivery_id"]))
    family, delivery = drawn[0]
    void = {"reason": "entered twice"}
    path = f"/families/{family}/aid-deliveries/{delivery}/void"
    _posted(api.post(path, void, who=cell.caseworker), 200)


def caught_up(world: World) -> None:
    """Until every cell's copy, chain and national read models hold its head."""
    heads = {name: cell.head() for name, cell in world.cells.items()}

    def done() -> bool:
        statuses = {s.name: s for s in cell_statuses(world.national)}
        return all(
            statuses[name].replicated_position == head
            and all(position == head for position in statuses[name].read_models.values())
            for name, head in heads.items()
        )

    wait_until(done, f"the national side holds every cell's head {heads}", timeout_s=CATCH_UP_S)


def national_reports(world: World, as_of: datetime | None) -> dict[str, Any]:
    copies = {name: world.copy(name) for name in world.cells}
    try:
        reports = cell_reports(copies, as_of, SourceFilter())
    finally:
        for db in copies.values():
            db.close()
    by_cell = {r.cell: msgspec.to_builtins(r.report) for r in reports}
    by_cell["*"] = msgspec.to_builtins(summed(reports))
    return by_cell


def test_a_cell_that_records_another_name_is_refused(world: World) -> None:
    # given cell kupang_a's database, when it is added under another name
    cell = world.cells["kupang_a"]
    with pytest.raises(CellRefused, match="cell_impostor"):
        add_cell(world.national, "impostor", cell.conninfo)
    # then nothing of it is made on the national side
    with psycopg.connect(world.nation.url()) as conn:
        schemas = conn.execute(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE '%impostor%'"
        ).fetchall()
        subscriptions = conn.execute("SELECT subname FROM pg_subscription").fetchall()
    assert schemas == []
    assert sorted(row[0] for row in subscriptions) == [
        "casework_national_kupang_a",
        "casework_national_kupang_b",
    ]


def test_national_reconciliation_equals_each_cells_own(
    world: World, instants: list[datetime]
) -> None:
    # given writes through both cells' APIs, replicated and followed
    for as_of in [None, *instants]:
        # when the national reconciliation is asked (now, and as of two past instants)
        national = national_reports(world, as_of)
        totals: dict[str, int] = {}
        for name, cell in world.cells.items():
            query = "" if as_of is None else f"?as_of={as_of.isoformat().replace('+00:00', 'Z')}"
            own = _posted(cell.api.get(f"/reconciliation{query}", who="finance"), 200)
            # then each cell's figures are that cell's own, to the rupiah
            assert national[name]["position"] == own["position"]
            assert national[name]["sources"] == own["sources"]
            assert national[name]["totals"] == own["totals"]
            for figure, value in own["totals"].items():
                totals[figure] = totals.get(figure, 0) + value
        # and the national totals are their sums
        assert national["*"] == totals
    assert national["*"]["drawn_idr"] > 0


def test_a_kk_active_in_two_cells_and_a_person_served_twice_are_found(
    world: World, instants: list[datetime]
) -> None:
    # given one KK number registered in both cells, and one person (one NIK) on a KK in each,
    # given the same programme and period in both
    a, b = world.cells["kupang_a"], world.cells["kupang_b"]
    body_a = world.family_body(a)
    nik = body_a["members"][0]["nik"]
    body_b = world.family_body(b, kk=body_a["kk_number"], nik=nik)
    families = {}
    for cell, body in ((a, body_a), (b, body_b)):
        family = family_id(_posted(cell.api.post("/families", body, who=cell.caseworker)))
        families[cell.name] = family
        delivery = delivery_body(_sources[cell.name], "ina_kasih", "2025-10", 1, nik=nik)
        _posted(cell.api.post(f"/families/{family}/aid-deliveries", delivery, who=cell.caseworker))
        cell.beat()
    caught_up(world)

    # when the national discrepancies are computed
    def found() -> list[Any]:
        copies = {name: world.copy(name) for name in world.cells}
        national = world.copy("kupang_a")
        try:
            return national_findings(national, copies)
        finally:
            national.close()
            for db in copies.values():
                db.close()

    wanted = {"kk-active-in-two-cells", "recipient-in-two-cells"}
    wait_until(
        lambda: wanted <= {f.kind for f in found()}, "both cross-cell findings", timeout_s=30
    )
    # then both are found, naming the two cells and the two families
    for finding in found():
        if finding.kind in wanted:
            assert finding.cells == ["kupang_a", "kupang_b"]
            assert finding.family_ids == [families["kupang_a"], families["kupang_b"]]

    # when the family in kupang_a is erased there
    erasure = {"reason": "permintaan subjek data", "request_reference": "PDP-2025-001"}
    path = f"/families/{families['kupang_a']}/erasure"
    _posted(a.api.post(path, erasure, who="admin"), 200)
    a.beat()
    caught_up(world)

    # then its digests leave the national copy, and both findings go with them
    def digests_of(family: UUID) -> int:
        with psycopg.connect(world.nation.url()) as conn:
            row = conn.execute(
                "SELECT (SELECT count(*) FROM cell_kupang_a.kk_digests WHERE family_id = %s) "
                "+ (SELECT count(*) FROM cell_kupang_a.recipient_digests WHERE family_id = %s)",
                (family, family),
            ).fetchone()
        return int(row[0]) if row else -1

    wait_until(lambda: digests_of(families["kupang_a"]) == 0, "digests erased", timeout_s=30)
    assert not wanted & {f.kind for f in found()}


def test_the_national_database_holds_no_personal_data(
    world: World, instants: list[datetime]
) -> None:
    # given families registered in both cells, replicated and followed
    assert instants
    caught_up(world)
    # when the national database is dumped
    dump = subprocess.run(
        ["pg_dump", "--data-only", "-d", world.nation.url()],
        check=True,
        capture_output=True,
        timeout=120,
    ).stdout.decode()
    # then it holds events (sealed), and none of the personal values given to the cells
    assert "FamilyRegistered" in dump
    personal = world.personal
    every = personal.names | personal.niks | personal.kk_numbers | personal.addresses
    every |= personal.birth_dates
    assert len(personal.niks) >= 6
    found = sorted(value for value in every if value in dump)
    assert found == []


def _token(capsys: pytest.CaptureFixture[str], name: str, role: str) -> str:
    capsys.readouterr()
    assert main(["national", "user", "add", name, "--role", role]) == 0
    return capsys.readouterr().out.strip().splitlines()[-1]


def test_the_national_api_answers_with_positions_per_cell(
    world: World, instants: list[datetime], capsys: pytest.CaptureFixture[str]
) -> None:
    # given national users of each role, and the cells replicated and followed
    caught_up(world)
    finance = {"Authorization": f"Bearer {_token(capsys, 'nf', 'finance')}"}
    auditor = {"Authorization": f"Bearer {_token(capsys, 'na', 'auditor')}"}
    heads = {name: cell.head() for name, cell in world.cells.items()}
    wanted = ",".join(f"{name}:{head}" for name, head in heads.items())
    with TestClient(create_national_app(world.national)) as client:
        # when the cells view is asked
        cells = client.get("/national/cells", headers=finance)
        # then it names both, caught up, chains ok
        assert cells.status_code == 200, cells.text
        items = {item["name"]: item for item in cells.json()["items"]}
        assert {name: item["replicated_position"] for name, item in items.items()} == heads
        assert all(item["chain_ok"] for item in items.values())
        # when the reconciliation is asked at the heads the client saw
        answer = client.get(f"/national/reconciliation?min_positions={wanted}", headers=finance)
        assert answer.status_code == 200, answer.text
        report = answer.json()
        # then every source carries its cell, and by_cell sums to the totals
        assert report["positions"] == heads
        assert {s["cell"] for s in report["sources"]} == set(heads)
        for figure, total in report["totals"].items():
            assert sum(c[figure] for c in report["by_cell"]) == total
        assert set(report["as_of_by_cell"]) == set(heads)
        # and as CSV, one row per source with its cell
        csv = client.get("/national/reconciliation?format=csv", headers=finance)
        assert csv.status_code == 200
        assert csv.text.splitlines()[0].startswith("cell,funding_source_id")
        assert len(csv.text.splitlines()) == 1 + len(report["sources"])
        # when a position no cell reached is asked, or an unknown cell: 503 and 422
        beyond = client.get(
            "/national/reconciliation?min_positions=kupang_a:999999", headers=finance
        )
        assert beyond.status_code == 503
        unknown = client.get("/national/reconciliation?min_positions=nowhere:1", headers=finance)
        assert unknown.status_code == 422
        # when finance asks for the audit trail: refused; an auditor pages through it
        assert client.get("/national/audit-trail", headers=finance).status_code == 403
        seen: list[tuple[str, int]] = []
        cursor = ""
        while True:
            page = client.get(f"/national/audit-trail?limit=40{cursor}", headers=auditor).json()
            seen += [(item["cell"], item["position"]) for item in page["items"]]
            if page["next_cursor"] is None:
                break
            cursor = f"&cursor={page['next_cursor']}"
        # then every event of every cell once, in (cell, position) order
        assert seen == sorted(seen)
        assert seen == [(name, p) for name in sorted(heads) for p in range(1, heads[name] + 1)]
        # and the discrepancies answer with positions too
        found = client.get("/national/discrepancies", headers=finance)
        assert found.status_code == 200, found.text
        assert found.json()["positions"] == heads


def test_national_coverage_equals_the_cells_own(
    world: World, instants: list[datetime], capsys: pytest.CaptureFixture[str]
) -> None:
    # given an Ina Kasih target over the first cell's areas for this month
    cell = world.cells["kupang_a"]
    period = datetime.now(cell.api.casework.settings.zone).strftime("%Y-%m")
    target = {
        "target_id": str(uuid4()),
        "area": cell.areas,
        "from": period,
        "to": period,
        "unit": "member",
        "cycle": "monthly",
        "who": {"sex": "P", "age_min": 10, "age_max": 70, "max_desil": 4},
    }
    _posted(cell.api.post("/programmes/ina_kasih/targets", target, who="admin"))
    # and this month's pads delivered to one of its families, from this year's source
    source = source_body(cell, 900_000) | {"fiscal_year": int(period[:4])}
    source_id = _posted(cell.api.post("/funding-sources", source, who="finance"))["id"]
    family, nik = _families[cell.name][0]
    body = delivery_body(source_id, "ina_kasih", period, 1, nik=nik)
    body["delivered_on"] = f"{period}-01"
    _posted(cell.api.post(f"/families/{family}/aid-deliveries", body, who=cell.caseworker))
    head = cell.head()
    # when the cell's own coverage is asked (which opens the period), caught up
    asked = f"program=ina_kasih&period={period}&area={cell.areas}"
    own = cell.api.get(f"/coverage?{asked}&min_position={head}", "finance")
    assert own.status_code == 200, own.text
    cells_own = own.json()
    assert cells_own["totals"]["eligible"] >= 1
    assert cells_own["totals"]["served"] == 1
    finance = {"Authorization": f"Bearer {_token(capsys, 'ncov', 'finance')}"}
    with TestClient(create_national_app(world.national)) as client:

        def national() -> Any:
            answer = client.get(f"/national/coverage?{asked}", headers=finance)
            assert answer.status_code == 200, answer.text
            return answer.json()

        # then, once replicated, the national figures equal the cell's, row by row
        def same() -> bool:
            got = national()
            rows = [{k: v for k, v in a.items() if k != "cell"} for a in got["areas"]]
            return got["totals"] == cells_own["totals"] and rows == cells_own["areas"]

        wait_until(same, "the national coverage equals the cell's", timeout_s=CATCH_UP_S)
        answer = national()
        assert {a["cell"] for a in answer["areas"]} == {cell.name}
        assert set(answer["positions"]) == set(world.cells)
        # and bad parameters are refused, naming the values allowed
        bad = client.get("/national/coverage?program=bansos&period=2025-13", headers=finance)
        assert bad.status_code == 422
        assert "ina_kasih" in bad.text
        assert "YYYY-MM" in bad.text


class _Load:
    """Families registered through one cell's API without pause; the ids it acknowledged."""

    def __init__(self, world: World, cell: Cell) -> None:
        self.world, self.cell = world, cell
        self.acknowledged: list[UUID] = []
        self.refused = 0
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self.stop.is_set():
            body = self.world.family_body(self.cell)
            try:
                answer = self.cell.api.post("/families", body, who=self.cell.caseworker)
            except Exception:  # the cell's database is down: the client sees an error
                self.refused += 1
                time.sleep(0.05)
                continue
            if answer.status_code == 201:
                self.acknowledged.append(family_id(answer.json()))
            else:
                self.refused += 1
                time.sleep(0.05)


def test_nothing_is_lost_or_doubled_across_stops(
    world: World, instants: list[datetime], capsys: pytest.CaptureFixture[str]
) -> None:
    assert instants
    loads = [_Load(world, cell) for cell in world.cells.values()]
    for load in loads:
        load.thread.start()
    try:
        # given both cells writing: when the national database stops and starts again
        wait_until(lambda: all(len(x.acknowledged) > 5 for x in loads), "load", timeout_s=60)
        world.nation.stop()
        time.sleep(2.0)
        world.nation.start()
        # and when one cell's database stops and starts again
        wait_until(lambda: all(len(x.acknowledged) > 15 for x in loads), "load", timeout_s=60)
        a = world.cells["kupang_a"]
        a.cluster.stop()
        time.sleep(2.0)
        a.cluster.start()
        wait_until(lambda: len(loads[0].acknowledged) > 30, "writes after restart", timeout_s=90)
    finally:
        for load in loads:
            load.stop.set()
            load.thread.join(timeout=60)
    for cell in world.cells.values():
        cell.beat()
    caught_up(world)
    # then every acknowledged registration is in the national copy once, positions dense
    for load in loads:
        copy = world.copy(load.cell.name)
        try:
            with copy.single_read() as tx:
                tx.execute(
                    "SELECT count(*), max(position), count(DISTINCT originator_id) "
                    "FILTER (WHERE originator_version = 1 AND topic LIKE '%%FamilyRegistered') "
                    "FROM stored_events"
                )
                count, highest, _ = tx.fetchone() or (0, 0, 0)
                tx.execute(
                    "SELECT originator_id FROM stored_events WHERE originator_id = ANY(%s) "
                    "AND originator_version = 1",
                    (load.acknowledged,),
                )
                present = [row[0] for row in tx.fetchall()]
                tx.execute("SELECT count(*) FROM audit_trail")
                trail = tx.fetchone()
        finally:
            copy.close()
        assert count == highest == load.cell.head()
        assert sorted(present) == sorted(load.acknowledged)
        assert trail is not None and trail[0] == highest
    # and every replicated chain verifies, and status shows no lag
    assert main(["national", "verify"]) == 0
    capsys.readouterr()
    assert main(["national", "status"]) == 0
    status = capsys.readouterr().out
    assert status.count("lag: 0 event(s)") == 2
    assert status.count("chain: ok") == 2


def test_a_gap_in_a_copy_is_waited_for_then_reported(
    world: World, instants: list[datetime]
) -> None:
    assert instants
    caught_up(world)
    a = world.cells["kupang_a"]
    head = a.head()
    # given an event two past the head in kupang_a's copy, and the one before it never coming
    with psycopg.connect(world.nation.url(), autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute(
            "INSERT INTO cell_kupang_a.stored_events SELECT position + 2, gen_random_uuid(), 1, "
            "topic, state, recorded_at, chain_hash FROM cell_kupang_a.stored_events "
            "WHERE position = %s",
            (head,),
        )

    def status() -> Any:
        return next(s for s in cell_statuses(world.national) if s.name == "kupang_a")

    # then, once the wait is over, the missing position is reported as a broken chain
    wait_until(lambda: not status().chain_ok, "the gap reported", timeout_s=60)
    assert status().first_bad_position == head + 1
    assert "missing" in (status().broken_detail or "")
    # and no read model went past it
    assert set(status().read_models.values()) == {head}
    # when the cell is resynced (from its subscription's own address)
    assert main(["national", "resync", "kupang_a"]) == 0
    a.beat()
    caught_up(world)
    # then its chain is whole again
    assert status().chain_ok


def test_an_altered_byte_is_found_named_and_resync_recovers(
    world: World, instants: list[datetime], capsys: pytest.CaptureFixture[str]
) -> None:
    assert instants
    caught_up(world)
    b = world.cells["kupang_b"]
    # given a copy refuses an ordinary session's change
    with psycopg.connect(world.nation.url(), autocommit=True) as conn:
        for change in (
            "UPDATE cell_kupang_b.stored_events SET topic = topic WHERE position = 3",
            "DELETE FROM cell_kupang_b.cell_heartbeat",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                conn.execute(change)
    # given one byte changed in kupang_b's copy of its event 3 (as a superuser could, past
    # the copy's triggers)
    with psycopg.connect(world.nation.url(), autocommit=True) as conn:
        conn.execute("SET session_replication_role = replica")
        conn.execute(
            "UPDATE cell_kupang_b.stored_events SET state = "
            "set_byte(state, 10, get_byte(state, 10) # 1) WHERE position = 3"
        )
    capsys.readouterr()
    # when the copies are verified
    code = main(["national", "verify"])
    # then verify fails, naming the cell and the position
    out = capsys.readouterr().out
    assert code == 1
    assert "kupang_b: BROKEN: position 3:" in out
    assert "kupang_a: ok" in out
    # and the finding says so
    national = world.copy("kupang_b")
    try:
        broken = [f for f in national_findings(national, {}) if f.kind == "cell-chain-broken"]
    finally:
        national.close()
    assert [(f.cell, f.position) for f in broken] == [("kupang_b", 3)]
    # when the cell is removed: its slot goes from the cell, its copy stays
    assert main(["national", "remove-cell", "kupang_b"]) == 0
    with psycopg.connect(b.conninfo) as conn:
        slots = conn.execute("SELECT slot_name FROM pg_replication_slots").fetchall()
    assert slots == []
    # and when it is resynced from the beginning
    assert main(["national", "resync", "kupang_b", "--url", b.conninfo]) == 0
    b.beat()
    caught_up(world)
    # then its copy verifies again and its figures are its own again
    assert main(["national", "verify"]) == 0
    national_figures = national_reports(world, None)["kupang_b"]
    own = _posted(b.api.get("/reconciliation", who="finance"), 200)
    assert national_figures["sources"] == own["sources"]
