"""National benchmark: two cells written over HTTP while the national side follows them.

    python bench/national_bench.py            # 20 s a phase, 8 clients a cell, 1,000,000 events
    options: --seconds 20 --clients 8 --events 1000000 --families 1000

Three PostgreSQL clusters made for the run (tests/national/clusters.py: pg_createcluster,
`wal_level = logical`, dropped at the end): cells `bench_a` and `bench_b` (each `casework serve`
in a subprocess, areas 53.71) and the national database (`casework national run` in a
subprocess, subscribed to both). Load: wrk with bench/caseworker.lua (the caseworker mix of
bench/http_bench.py: about 70% deliveries, 20% registrations, 10% reads) on both cells at once.

Prints:
- each cell's events/s while the national database is up, and while it is down (stopped with
  `pg_ctlcluster stop -m fast` for the whole phase), and how long the national side then took
  to catch up;
- the national lag while both cells write: sampled every 25 ms, the age of the oldest event
  a cell had stored that the national read models had not applied yet (0 when caught up);
  p50 and p99 over the samples of the up phase;
- the national rebuild over at least `--events` replicated events (topped up by the bulk
  family import on both cells, replicated as any write): the chain check and both national
  read models rebuilt from position 0 on the national database, against a sequential fetch of
  the same copies' rows through the bare driver, in the same run.
Nothing is asserted.
"""

from __future__ import annotations

import argparse
import base64
import bisect
import json
import os
import secrets
import signal
import subprocess
import sys
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tests" / "national"))
from clusters import Cluster, clusters  # noqa: E402
from datagen import FamilyGenerator  # noqa: E402
from http_bench import (  # noqa: E402
    PROGRAMS,
    call,
    free_port,
    lua_data,
    registrations,
    run_wrk,
    wait_ready,
)
from scratch_store import import_generated  # noqa: E402

from casework.national.chain_follow import follow_chain  # noqa: E402
from casework.national.copies import cell_genesis  # noqa: E402
from casework.national.follower import CellFollower  # noqa: E402
from casework.national.naming import read_model_schema  # noqa: E402
from casework.projections.runner import ProjectionRunner  # noqa: E402
from casework.runtime.gc_policy import collecting_rarely  # noqa: E402
from casework.settings import DatabaseLocation, Settings  # noqa: E402

CELLS = ("bench_a", "bench_b")
AREAS = "53.71"
SAMPLE_SECONDS = 0.025


@dataclass
class Cell:
    name: str
    cluster: Cluster
    folder: Path
    env: dict[str, str] = field(default_factory=dict)
    port: int = 0
    server: subprocess.Popen[bytes] | None = None
    token: str = ""
    source: str = ""
    families: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"{self.cluster.url()}?schema=cell_{self.name}"

    def casework(self, *argv: str) -> str:
        return subprocess.run(
            ["casework", *argv], env=self.env, capture_output=True, text=True, check=True
        ).stdout

    def head(self, conn: psycopg.Connection[tuple[int]]) -> int:
        row = conn.execute(f"SELECT coalesce(max(position), 0) FROM cell_{self.name}.stored_events")
        found = row.fetchone()
        return int(found[0]) if found else 0

    def settings(self) -> Settings:
        return Settings(
            database_url=self.url,
            master_key=self.env["CASEWORK_MASTER_KEY"],
            cell_name=self.name,
            cell_areas=AREAS,
        )


def start_cell(cell: Cell, families: int, generator: FamilyGenerator) -> None:
    cell.env = {
        **os.environ,
        "CASEWORK_DATABASE_URL": cell.url,
        "CASEWORK_CELL": cell.name,
        "CASEWORK_CELL_AREAS": AREAS,
        "CASEWORK_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
    }
    cell.casework("migrate")
    admin = cell.casework("user", "add", "admin", "--role", "admin").strip().splitlines()[-1]
    worker = cell.casework("user", "add", "kader", "--role", "caseworker", "--area", AREAS)
    cell.token = worker.strip().splitlines()[-1]
    cell.port = free_port()
    log = (cell.folder / f"{cell.name}.log").open("wb")
    cell.server = subprocess.Popen(
        ["casework", "serve", "--port", str(cell.port)], env=cell.env, stdout=log, stderr=log
    )
    wait_ready(cell.port, cell.server)
    body = {
        "code": f"BENCH-{cell.name}",
        "kind": "APBD",
        "name": "bench",
        "sponsor": "bench",
        "fiscal_year": 2025,
        "budget_idr": 10**15,
        "area": AREAS,
        "programs": PROGRAMS,
        "reference": "DPA bench",
    }
    cell.source = str(call(cell.port, admin, "POST", "/funding-sources", body)["id"])  # type: ignore[index]
    bodies = list(registrations(generator, families))
    with ThreadPoolExecutor(8) as pool:
        made = list(pool.map(lambda b: call(cell.port, cell.token, "POST", "/families", b), bodies))
    cell.families = [str(family["id"]) for family in made]  # type: ignore[index]


class LagSampler:
    """Each cell's head and the national read models' position, every 25 ms."""

    def __init__(self, cells: list[Cell], national: Cluster) -> None:
        self.cells, self.national = cells, national
        self.heads: dict[str, list[tuple[float, int]]] = {c.name: [] for c in cells}
        self.applied: dict[str, list[tuple[float, int]]] = {c.name: [] for c in cells}
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        cell_conns = {c.name: psycopg.connect(c.cluster.url(), autocommit=True) for c in self.cells}
        national = None
        while not self.stop.is_set():
            now = time.monotonic()
            for cell in self.cells:
                self.heads[cell.name].append((now, cell.head(cell_conns[cell.name])))
            try:
                if national is None or national.closed:
                    national = psycopg.connect(self.national.url(), autocommit=True)
                for cell in self.cells:
                    row = national.execute(
                        "SELECT least((SELECT min(position) FROM "
                        f"{read_model_schema(cell.name)}.projection_tracking), "
                        "(SELECT position FROM national.chain_heads WHERE cell = %s))",
                        (cell.name,),
                    ).fetchone()
                    self.applied[cell.name].append((now, int(row[0] or 0) if row else 0))
            except psycopg.Error:
                national = None  # the national database is down: no sample
            self.stop.wait(SAMPLE_SECONDS)
        for conn in cell_conns.values():
            conn.close()

    def lags(self, start: float, end: float) -> list[float]:
        """Per national sample in [start, end]: how long the oldest unapplied event had been
        stored (its cell's first sample showing it), 0 when caught up."""
        found = []
        for name, samples in self.applied.items():
            heads = self.heads[name]
            times = [t for t, _ in heads]
            positions = [h for _, h in heads]
            for moment, applied in samples:
                if not start <= moment <= end:
                    continue
                first = bisect.bisect_left(positions, applied + 1)
                if first >= len(heads) or times[first] > moment:
                    found.append(0.0)
                else:
                    found.append(moment - times[first])
        return found


def write_phase(cells: list[Cell], clients: int, seconds: int, offset: int) -> dict[str, float]:
    """Both cells under wrk at once; each cell's events/s over the phase."""
    conns = {c.name: psycopg.connect(c.cluster.url(), autocommit=True) for c in cells}
    before = {c.name: c.head(conns[c.name]) for c in cells}
    generator = FamilyGenerator(seed=offset, area=AREAS)
    data_files = {}
    for index, cell in enumerate(cells):
        bodies = [json.dumps(b) for b in registrations(generator, int(seconds * 800) + 500)]
        path = cell.folder / f"wrk-{cell.name}-{offset}.lua"
        data = {"token": cell.token, "source": cell.source, "families": cell.families}
        extra = {"programs": PROGRAMS, "offset": offset + index * 1_000_000}
        lua_data(path, {**data, **extra, "run": secrets.randbits(28)}, bodies)
        data_files[cell.name] = path
    started = time.monotonic()
    with ThreadPoolExecutor(len(cells)) as pool:
        list(pool.map(lambda c: run_wrk(c.port, clients, seconds, data_files[c.name]), cells))
    took = time.monotonic() - started
    rates = {c.name: (c.head(conns[c.name]) - before[c.name]) / took for c in cells}
    for conn in conns.values():
        conn.close()
    return rates


def wait_caught_up(cells: list[Cell], national: Cluster, timeout: float = 1800) -> float:
    conns = {c.name: psycopg.connect(c.cluster.url(), autocommit=True) for c in cells}
    heads = {c.name: c.head(conns[c.name]) for c in cells}
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        try:
            with psycopg.connect(national.url(), autocommit=True) as conn:
                done = all(
                    (
                        conn.execute(
                            f"SELECT min(position) FROM {read_model_schema(name)}"
                            ".projection_tracking"
                        ).fetchone()
                        or (0,)
                    )[0]
                    == head
                    for name, head in heads.items()
                )
        except psycopg.Error:
            done = False
        if done:
            return time.monotonic() - started
        time.sleep(0.1)
    raise SystemExit("the national side did not catch up")


def sequential_fetch(national: Cluster, cells: list[Cell]) -> tuple[int, float]:
    """Every replicated event's row, in position order, through the bare driver."""
    fetched, started = 0, time.perf_counter()
    with psycopg.connect(national.url()) as conn:
        for cell in cells:
            with conn.cursor(name=f"fetch_{cell.name}", binary=True) as cursor:
                cursor.itersize = 10_000
                cursor.execute(
                    "SELECT position, originator_id, originator_version, topic, state, "
                    f"recorded_at, chain_hash FROM cell_{cell.name}.stored_events ORDER BY position"
                )
                for _ in cursor:
                    fetched += 1
    return fetched, time.perf_counter() - started


def rebuild(national: DatabaseLocation, cells: list[Cell]) -> dict[str, float]:
    """The chain check and both read models of every cell, from position 0; seconds each."""
    took = {"chain": 0.0}
    with psycopg.connect(national.postgres_conninfo, autocommit=True) as conn:
        for cell in cells:
            conn.execute(
                "UPDATE national.chain_heads SET position = 0, head_hash = %s, "
                "gap_seen_at = NULL WHERE cell = %s",
                (_genesis(conn, cell.name), cell.name),
            )
            conn.execute("DELETE FROM national.chain_breaks WHERE cell = %s", (cell.name,))
            added = conn.execute(
                "SELECT added_at FROM national.cells WHERE name = %s", (cell.name,)
            ).fetchone()
            assert added is not None, f"cell {cell.name} is not added"
            follower = CellFollower(national, cell.name, added[0])
            runner: ProjectionRunner = follower.runner
            with collecting_rarely():
                started = time.perf_counter()
                position = follow_chain(follower.db, cell.name).position
                took["chain"] += time.perf_counter() - started
                for projection in runner.projections:
                    started = time.perf_counter()
                    with follower.db.transaction() as tx:
                        tx.execute(f"TRUNCATE {', '.join(projection.tables)}")
                        tx.execute(
                            "UPDATE projection_tracking SET position = 0 WHERE name = %s",
                            (projection.name,),
                        )
                    runner.catch_up(projection, until=position)
                    took[projection.name] = took.get(projection.name, 0.0) + (
                        time.perf_counter() - started
                    )
            follower.close()
    return took


def _genesis(conn: psycopg.Connection[tuple[bytes]], cell: str) -> bytes:
    row = conn.execute(f"SELECT genesis FROM cell_{cell}.cell_identity").fetchone()
    return bytes(row[0]) if row else cell_genesis(cell)


def percentile(values: list[float], share: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--families", type=int, default=1000)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as scratch, clusters(*CELLS, "nation") as made:
        folder = Path(scratch)
        cells = [Cell(name, made[name], folder) for name in CELLS]
        national_cluster = made["nation"]
        national = DatabaseLocation(backend="postgresql", postgres_conninfo=national_cluster.url())
        generator = FamilyGenerator(seed=2025, area=AREAS)
        for cell in cells:
            start_cell(cell, args.families, generator)
        env = {**os.environ, "CASEWORK_NATIONAL_DATABASE_URL": national_cluster.url()}
        for command in (
            ["migrate"],
            *(["add-cell", cell.name, "--url", cell.cluster.url()] for cell in cells),
        ):
            subprocess.run(["casework", "national", *command], env=env, check=True)
        run_log = (folder / "national-run.log").open("wb")
        runner = subprocess.Popen(
            ["casework", "national", "run"], env=env, stdout=run_log, stderr=run_log
        )
        sampler = LagSampler(cells, national_cluster)
        try:
            print(f"setup: {args.families} families a cell; waiting for the national side")
            wait_caught_up(cells, national_cluster)
            sampler.thread.start()
            started = time.monotonic()
            up = write_phase(cells, args.clients, args.seconds, 10_000_000)
            ended = time.monotonic()
            wait_caught_up(cells, national_cluster)
            lags = sampler.lags(started, ended)
            national_cluster.ctl("stop", "-m", "fast")
            down = write_phase(cells, args.clients, args.seconds, 20_000_000)
            restarted = time.monotonic()
            national_cluster.start()
            wait_caught_up(cells, national_cluster)
            catch_up = time.monotonic() - restarted
            sampler.stop.set()
            sampler.thread.join()
            print(
                f"\nwhile both cells write over HTTP ({args.clients} wrk clients a cell, "
                f"{args.seconds} s a phase):"
            )
            for cell in cells:
                print(
                    f"  {cell.name}: {up[cell.name]:8.0f} events/s with the national database "
                    f"up, {down[cell.name]:8.0f} events/s with it down"
                )
            print(
                f"  national lag: p50 {percentile(lags, 0.5) * 1000:.0f} ms, "
                f"p99 {percentile(lags, 0.99) * 1000:.0f} ms, max {max(lags) * 1000:.0f} ms "
                f"({len(lags)} samples)"
            )
            print(f"  after {args.seconds} s down: caught up {catch_up:.1f} s after its start")
            total = _replicated(national_cluster, cells)
            missing = args.events - total
            if missing > 0:
                print(f"\ntopping up {missing} events by the bulk import, half on each cell")
                for index, cell in enumerate(cells):
                    import_generated(cell.settings(), missing // 2 + 1, seed=7000 + index)
                so_far = _replicated(national_cluster, cells)
                print(f"waiting for the national side to follow ({so_far} so far)")
                wait_caught_up(cells, national_cluster)
            runner.send_signal(signal.SIGTERM)
            runner.wait(120)
            total = _replicated(national_cluster, cells)
            fetched, fetch_s = sequential_fetch(national_cluster, cells)
            took = rebuild(national, cells)
            fetched_again, fetch_again_s = sequential_fetch(national_cluster, cells)
            rebuild_s = sum(took.values())
            fetch_rate = (fetched / fetch_s + fetched_again / fetch_again_s) / 2
            print(f"\nnational rebuild over {total} replicated events (both cells):")
            print(
                f"  sequential fetch of the copies: {fetched / fetch_s:,.0f} events/s before, "
                f"{fetched_again / fetch_again_s:,.0f} after (mean {fetch_rate:,.0f})"
            )
            for stage, seconds in took.items():
                print(
                    f"  {stage}: {seconds:.1f} s, {total / seconds:,.0f} events/s, "
                    f"{total / seconds / fetch_rate:.0%} of the fetch"
                )
            print(
                f"  whole rebuild (chain + read models, one after the other): {rebuild_s:.1f} s, "
                f"{total / rebuild_s:,.0f} events/s, {total / rebuild_s / fetch_rate:.0%} "
                "of the fetch"
            )
        finally:
            sampler.stop.set()
            if runner.poll() is None:
                runner.terminate()
                runner.wait(60)
            for cell in cells:
                if cell.server is not None:
                    cell.server.terminate()
                    cell.server.wait(60)
    return 0


def _replicated(national: Cluster, cells: list[Cell]) -> int:
    with psycopg.connect(national.url(), autocommit=True) as conn:
        total = 0
        for cell in cells:
            row = conn.execute(f"SELECT count(*) FROM cell_{cell.name}.stored_events").fetchone()
            total += int(row[0]) if row else 0
    return total


if __name__ == "__main__":
    sys.exit(main())
