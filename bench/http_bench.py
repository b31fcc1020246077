"""HTTP commands benchmark: the caseworker mix of issue 7 against `casework serve` on PostgreSQL.

    python bench/http_bench.py            # 1, 8 and 32 clients, 12 s each
    options: --url postgresql://postgres@127.0.0.1:5432/test --clients 1 8 32 --seconds 12
             --families 1500 (registered before the run, the targets of deliveries and reads)

Load generator: wrk (apt-get install wrk) with bench/caseworker.lua: about 70% aid deliveries
(each a new delivery id and family x month x programme, so none is a duplicate), 20%
registrations (fresh valid families from bench/datagen.py) and 10% `GET /families/{id}`, over
keep-alive connections on loopback, two wrk threads. wrk is a closed loop: each connection sends
its next request when the previous answer arrived; latency is per request.

`casework serve` runs as a subprocess (one uvicorn worker, projections in process as shipped, or
with `--projections separate` in a `casework project run` beside it; `--no-group-commit` turns
group commit off) on a scratch schema (dropped at the end) with the server's
`synchronous_commit` (on by default).
Baselines in the same run, at the same client counts:

- the stack's ceiling: bench/ceiling_app.py, litestar on uvicorn with one worker, the same routes,
  each answered with nothing but one INSERT+COMMIT (psycopg pool), driven by the same wrk script;
- pgbench: a one-row INSERT (autocommit) per transaction, `-c N -j min(N,2) -T seconds`;
- the eventsourcing library's default `Application.save` on PostgreSQL (bench/library_save.py),
  as many threads as clients, each saving one event at a time on an aggregate of its own.

Prints commands/s, p50/p99 latency, errors (non-2xx answers and socket errors), the server's RSS,
its CPU and the database's transactions a request, and the ratios ours/ceiling,
ours/pgbench and ours/library. Nothing is asserted.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import psycopg
from psycopg import sql

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from datagen import FamilyGenerator  # noqa: E402
from library_save import measure, report  # noqa: E402
from schemas import create_schema, drop_schema  # noqa: E402

PROGRAMS = ["ina_kasih", "sembako", "mbg", "lainnya", "jaminan_kesehatan"]
HEALTHY = 200


@dataclass
class Figures:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    rss_mb: float = 0.0

    cpu_ms: float = 0.0  # the server's CPU a request
    transactions: float = 0.0  # database transactions a request (the run's database, all sessions)

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_ready(port: int, process: subprocess.Popen[bytes]) -> None:
    for _ in range(300):
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as answer:
                if answer.status == HEALTHY:
                    return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("server did not start")


def call(port: int, token: str, method: str, path: str, body: object | None = None) -> object:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        method=method,
        data=None if body is None else json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as answer:
        return json.loads(answer.read())


def registrations(generator: FamilyGenerator, count: int) -> Iterator[dict[str, object]]:
    for rows in generator.families(count):
        head = rows[0]
        desil = head["welfare_desil"]
        yield {
            "kk_number": head["kk_number"],
            "area_code": head["area_code"],
            "address": head["address"],
            **({"welfare_desil": int(desil)} if desil else {}),
            "members": [
                {key: row[key] for key in ("nik", "name", "sex", "birth_date", "relationship")}
                for row in rows
            ],
        }


def lua_data(path: Path, data: dict[str, object], bodies: list[str]) -> None:
    def lua(value: object) -> str:
        if isinstance(value, list):
            return "{" + ",".join(lua(item) for item in value) + "}"
        if isinstance(value, str):
            return "[==[" + value + "]==]"
        return str(value)

    fields = [f"{key}={lua(value)}" for key, value in data.items()]
    fields.append("registrations=" + lua(bodies))
    path.write_text("return {" + ",\n".join(fields) + "}\n", encoding="utf-8")


def run_wrk(port: int, clients: int, seconds: int, data_file: Path) -> Figures:
    threads = min(2, clients)
    command = ["wrk", "-t", str(threads), "-c", str(clients), "-d", f"{seconds}s"]
    command += ["--timeout", "10s", "-s", str(HERE / "caseworker.lua")]
    command += [f"http://127.0.0.1:{port}", "--", str(threads)]
    env = {**os.environ, "CASEWORK_WRK_DATA": str(data_file)}
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=True).stdout
    found = re.search(r"RESULT (.*)", output)
    if found is None:
        raise SystemExit(f"wrk printed no result:\n{output}")
    values = dict(item.split("=") for item in found.group(1).split())
    for line in re.findall(r"STATUS (.*)", output):
        print(f"      non-2xx answers: {line}")
    return Figures(
        requests=int(values["requests"]),
        seconds=float(values["seconds"]),
        p50_ms=float(values["p50_ms"]),
        p99_ms=float(values["p99_ms"]),
        errors=int(values["status_errors"]) + int(values["socket_errors"]),
    )


def cpu_seconds(pid: int) -> float:
    """User plus system CPU the process has used so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_mb(pid: int) -> float:
    status = Path(f"/proc/{pid}/status").read_text()
    found = re.search(r"VmHWM:\s+(\d+) kB", status)
    return int(found.group(1)) / 1024 if found else 0.0


def run_pgbench(url: str, schema: str, clients: int, seconds: int) -> Figures:
    with tempfile.NamedTemporaryFile("w", suffix=".sql", delete=False) as script:
        script.write(f"INSERT INTO {schema}.pgbench_rows (body) VALUES ('x');\n")
    command = ["pgbench", "-n", "-f", script.name, "-c", str(clients)]
    command += ["-j", str(min(2, clients)), "-T", str(seconds), "-r", url]
    try:
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(script.name)
    tps = float(re.search(r"tps = ([\d.]+)", output).group(1))  # type: ignore[union-attr]
    latency = float(re.search(r"latency average = ([\d.]+)", output).group(1))  # type: ignore[union-attr]
    failed = re.search(r"number of failed transactions: (\d+)", output)
    return Figures(
        requests=round(tps * seconds),
        seconds=float(seconds),
        p50_ms=latency,
        p99_ms=float("nan"),
        errors=int(failed.group(1)) if failed else 0,
    )


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.schema = f"bench_http_{secrets.token_hex(4)}"
        self.library_schema = f"{self.schema}_library"
        self.folder = Path(tempfile.mkdtemp(prefix="http_bench_"))
        self.generator = FamilyGenerator(seed=args.seed, area="53.71")
        self.env = {
            **os.environ,
            "CASEWORK_DATABASE_URL": f"{args.url}?schema={self.schema}",
            "CASEWORK_MASTER_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "CASEWORK_GROUP_COMMIT": "off" if args.no_group_commit else "on",
        }
        self.offset = 0

    def casework(self, *argv: str) -> str:
        done = subprocess.run(
            ["casework", *argv], env=self.env, capture_output=True, text=True, check=True
        )
        return done.stdout

    def start(self, command: list[str], port: int) -> subprocess.Popen[bytes]:
        log = (self.folder / f"server-{port}.log").open("wb")
        process = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        wait_ready(port, process)
        return process

    def data_file(self, token: str, source: str, families: list[str], level: int) -> Path:
        expected = int(self.args.seconds * 3000 * 0.2) + 500
        bodies = [json.dumps(body) for body in registrations(self.generator, expected)]
        path = self.folder / f"data-{level}-{self.offset}.lua"
        data = {"token": token, "source": source, "families": families, "programs": PROGRAMS}
        lua_data(path, {**data, "offset": self.offset, "run": secrets.randbits(28)}, bodies)
        self.offset += 2_000_000
        return path

    def setup(self, port: int, admin: str, worker: str) -> tuple[str, list[str]]:
        source = call(
            port,
            admin,
            "POST",
            "/funding-sources",
            {
                "code": "BENCH-2025",
                "kind": "APBD",
                "name": "bench",
                "sponsor": "bench",
                "fiscal_year": 2025,
                "budget_idr": 10**15,
                "area": "53.71",
                "programs": PROGRAMS,
                "reference": "DPA bench",
            },
        )
        bodies = list(registrations(self.generator, self.args.families))
        with ThreadPoolExecutor(8) as pool:
            made = list(
                pool.map(lambda body: call(port, worker, "POST", "/families", body), bodies)
            )
        return str(source["id"]), [str(family["id"]) for family in made]  # type: ignore[index]

    def levels(
        self, port: int, pid: int, token: str, source: str, families: list[str]
    ) -> list[Figures]:
        results = []
        for clients in self.args.clients:
            data = self.data_file(token, source, families, clients)
            head = self.event_head()
            cpu, transactions = cpu_seconds(pid), self.transactions()
            figures = run_wrk(port, clients, self.args.seconds, data)
            figures.rss_mb = rss_mb(pid)
            # Steadier than the rates on a VM whose speed drifts: what a request costs.
            figures.cpu_ms = 1000 * (cpu_seconds(pid) - cpu) / max(figures.requests, 1)
            time.sleep(1.1)  # backends report their counts to pg_stat_database within 1 s
            figures.transactions = (self.transactions() - transactions) / max(figures.requests, 1)
            results.append(figures)
            print(
                f"  {clients:>3} clients: {figures.rate:8.0f}/s  p50 {figures.p50_ms:7.2f} ms"
                f"  p99 {figures.p99_ms:7.2f} ms  errors {figures.errors}"
                f"  peak RSS {figures.rss_mb:.0f} MB  {figures.cpu_ms:.2f} ms CPU and "
                f"{figures.transactions:.1f} transactions a request{self.grouping_since(head)}",
                flush=True,
            )
        return results

    def transactions(self) -> int:
        """Transactions the database has committed or rolled back, every session's."""
        with psycopg.connect(self.args.url, autocommit=True) as conn:
            row = conn.execute(
                "SELECT xact_commit + xact_rollback FROM pg_stat_database "
                "WHERE datname = current_database()"
            ).fetchone()
        return int(row[0]) if row else 0

    def event_head(self) -> int | None:
        """The last stored position (None: no casework store in the schema, the ceiling)."""
        with psycopg.connect(self.args.url, autocommit=True) as conn:
            table = sql.Identifier(self.schema, "stored_events")
            try:
                row = conn.execute(sql.SQL("SELECT max(position) FROM {}").format(table)).fetchone()
            except psycopg.errors.UndefinedTable:
                return None
        return int(row[0] or 0) if row else 0

    def grouping_since(self, head: int | None) -> str:
        """Events per insert transaction since `head` (rows of one transaction share xmin)."""
        if head is None:
            return ""
        with psycopg.connect(self.args.url, autocommit=True) as conn:
            table = sql.Identifier(self.schema, "stored_events")
            query = sql.SQL(
                "SELECT count(*), count(DISTINCT xmin::text) FROM {} WHERE position > %s"
            ).format(table)
            row = conn.execute(query, (head,)).fetchone()
        events, transactions = (int(row[0]), int(row[1])) if row else (0, 0)
        if not transactions:
            return ""
        return f"  {events / transactions:.1f} events a transaction"

    def run(self) -> None:
        args = self.args
        for _ in range(60):  # PostgreSQL may be restarting (other suites share the server)
            try:
                psycopg.connect(args.url).close()
                break
            except psycopg.OperationalError:
                time.sleep(1)
        print(self.casework("migrate").strip())
        worker = self.casework("user", "add", "bench", "--role", "caseworker", "--area", "53.71")
        admin = self.casework("user", "add", "boss", "--role", "admin")
        worker_token = worker.strip().splitlines()[-1]
        admin_token = admin.strip().splitlines()[-1]
        port = free_port()
        serve = ["casework", "serve", "--port", str(port)]
        runner = None
        if args.projections == "separate":
            serve.append("--no-projections")
            runner = subprocess.Popen(
                ["casework", "project", "run"],
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=(self.folder / "runner.log").open("wb"),
            )
        server = self.start(serve, port)
        try:
            started = time.perf_counter()
            source, families = self.setup(port, admin_token, worker_token)
            took = time.perf_counter() - started
            print(f"setup: {len(families)} families registered over HTTP in {took:.1f} s")
            print(
                f"casework serve (pid {server.pid}), caseworker mix, {args.seconds} s a level, "
                f"projections {args.projections}, group commit "
                f"{'off' if args.no_group_commit else 'on'}:"
            )
            ours = self.levels(port, server.pid, worker_token, source, families)
        finally:
            server.terminate()
            server.wait(60)
            if runner is not None:
                runner.terminate()
                runner.wait(60)
        ceiling_port = free_port()
        ceiling = self.start(
            [
                sys.executable,
                str(HERE / "ceiling_app.py"),
                "--url",
                args.url,
                "--schema",
                self.schema,
                "--port",
                str(ceiling_port),
            ],
            ceiling_port,
        )
        try:
            print("ceiling (litestar + uvicorn, 1 worker, one INSERT+COMMIT a request):")
            top = self.levels(ceiling_port, ceiling.pid, worker_token, source, families)
        finally:
            ceiling.terminate()
            ceiling.wait(60)
        with psycopg.connect(args.url, autocommit=True) as conn:
            table = sql.Identifier(self.schema, "pgbench_rows")
            conn.execute(
                sql.SQL("CREATE TABLE {} (id bigserial PRIMARY KEY, body text)").format(table)
            )
            print(f"synchronous_commit={conn.execute('SHOW synchronous_commit').fetchone()[0]}")  # type: ignore[index]
        print("pgbench (one-row INSERT + COMMIT a transaction):")
        raw = []
        for clients in args.clients:
            figures = run_pgbench(args.url, self.schema, clients, args.seconds)
            raw.append(figures)
            print(
                f"  {clients:>3} clients: {figures.rate:8.0f}/s  "
                f"latency avg {figures.p50_ms:.2f} ms"
                f"  failed {figures.errors}",
                flush=True,
            )
        print("eventsourcing's default Application.save (one event a save, threads = clients):")
        library = []
        create_schema(args.url, self.library_schema)
        for clients in args.clients:
            saves = measure(args.url, self.library_schema, clients, args.seconds)
            library.append(saves)
            print(report(clients, saves), flush=True)
        print()
        print(
            f"{'clients':>7} {'casework/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} "
            f"{'RSS MB':>6} {'ceiling/s':>9} {'ours/ceil':>9} {'pgbench/s':>9} {'ours/pgb':>8} "
            f"{'library/s':>9} {'ours/lib':>8}"
        )
        rows = zip(args.clients, ours, top, raw, library, strict=True)
        for clients, mine, best, bare, saves in rows:
            print(
                f"{clients:>7} {mine.rate:>10.0f} {mine.p50_ms:>7.2f} {mine.p99_ms:>7.2f} "
                f"{mine.errors:>6} {mine.rss_mb:>6.0f} {best.rate:>9.0f} "
                f"{mine.rate / best.rate:>9.0%} {bare.rate:>9.0f} {mine.rate / bare.rate:>8.1%} "
                f"{saves.rate:>9.0f} {mine.rate / saves.rate:>8.0%}"
            )

    def close(self) -> None:
        drop_schema(self.args.url, self.schema)
        drop_schema(self.args.url, self.library_schema)
        shutil.rmtree(self.folder, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--clients", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--seconds", type=int, default=12)
    parser.add_argument("--families", type=int, default=1500)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--projections",
        choices=["in-process", "separate"],
        default="in-process",
        help="read models kept by the server (as shipped) or by `casework project run`",
    )
    parser.add_argument("--no-group-commit", action="store_true", help="CASEWORK_GROUP_COMMIT=off")
    bench = Bench(parser.parse_args(argv))
    try:
        bench.run()
    finally:
        bench.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
