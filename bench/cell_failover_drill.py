"""High availability of a cell: kill the PostgreSQL leader of a Patroni cluster under load.

    apt-get install -y patroni etcd-server
    python bench/cell_failover_drill.py          # as root, about two minutes
    options: --nodes 3 --clients 4 --warmup 15 --after 20 --kill postmaster|node --no-strict

Not run in CI: it runs for about two minutes and starts real servers on loopback. Everything it
makes lives under one temporary directory and one Debian cluster, both removed at the end, on
failure and on SIGINT/SIGTERM alike:

- etcd, one member (client 127.0.0.1:2460, peer :2461);
- `--nodes` Patroni nodes (PostgreSQL 15 from /usr/lib/postgresql/15/bin on 5460, 5461, …,
  REST on 8460, 8461, …), run as the `postgres` OS user (PostgreSQL refuses root), in
  synchronous mode (strict unless `--no-strict`) with `wal_level = logical` and a permanent
  logical slot `national_drill` (pgoutput, database `casework`) added to the DCS config
  (`slots:`) once the publication exists;
- a plain "national" cluster (`pg_createcluster 15 drill_national_<hex> --port 5470`) that
  subscribes to the cell's publication `casework_cell_drill` through that slot
  (`create_slot = false`), into a table of the same schema-qualified name;
- `casework migrate` and `casework serve` on the libpq multi-host URL
  `postgresql://postgres@127.0.0.1:5460,…/casework?target_session_attrs=read-write&schema=cell_drill`.

Then `--clients` threads register families and record aid deliveries through the HTTP API
(bodies from bench/datagen.py by way of bench/http_bench.py), and after `--warmup` seconds the
leader is killed:

- `--kill postmaster` (the default): SIGKILL of the leader's postmaster, Patroni left running.
  PostgreSQL dies as in a crash, out of memory or a lost disk. The DCS sets
  `primary_start_timeout: 0`, so the leader's Patroni fails over to the synchronous standby at
  once instead of restarting the crashed primary in place (Patroni's default, which would be a
  restart, not a failover), and rejoins as a replica (pg_rewind). Killing Patroni alone is not
  a database failure: its PostgreSQL would go on serving writes, unmanaged, until a watchdog
  fenced it, which this drill does not have.
- `--kill node`: SIGKILL of the leader's Patroni, then of its postmaster and every backend: the
  machine is gone. Nobody releases the leader key, so the failover waits for its TTL.

It prints progress lines, and at the end: the commands acknowledged (2xx) by the API and how
many of them the store holds after the failover (each by the position it answered and the
aggregate it named), the failover time (from the kill to the first acknowledged command sent
after it), and whether the national copy went on (its count and maximum position grew after the
failover and end equal to the new leader's, with dense positions). Exit status 0 only when
nothing acknowledged is missing and the national copy equals the cell.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import random
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import FrameType
from typing import Any

import httpx
import psycopg
from psycopg import sql

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE))
from datagen import FamilyGenerator  # noqa: E402
from http_bench import PROGRAMS, free_port, registrations, wait_ready  # noqa: E402

PG_BIN = Path("/usr/lib/postgresql/15/bin")
PG_PORT, REST_PORT, NATIONAL_PORT = 5460, 8460, 5470
ETCD_CLIENT, ETCD_PEER = 2460, 2461
CELL = "drill"
SCHEMA = f"cell_{CELL}"
PUBLICATION = f"casework_cell_{CELL}"
SLOT = "national_drill"
DATABASE = "casework"
AREA = "53.71"
OK = range(200, 300)


def log(started: float, message: str) -> None:
    print(f"[{time.monotonic() - started:6.1f}s] {message}", flush=True)


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def wait_for(what: str, check: Any, timeout: float, every: float = 0.5) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(Exception):
            value = check()
            if value:
                return value
        if time.monotonic() > deadline:
            raise SystemExit(f"drill: timed out waiting for {what}")
        time.sleep(every)


def rest(port: int, path: str) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as answer:
        return json.loads(answer.read())


def node_config(folder: Path, scope: str, n: int, nodes: int, strict: bool) -> dict[str, Any]:
    """One Patroni node's configuration (written as JSON, which is YAML)."""
    data = folder / f"node{n}"
    return {
        "scope": scope,
        "namespace": "/casework-drill/",
        "name": f"node{n}",
        "restapi": {
            "listen": f"127.0.0.1:{REST_PORT + n}",
            "connect_address": f"127.0.0.1:{REST_PORT + n}",
        },
        "etcd3": {"hosts": [f"127.0.0.1:{ETCD_CLIENT}"]},
        "bootstrap": {
            "dcs": {
                # loop_wait + 2 * retry_timeout <= ttl. The TTL bounds a failover after a node
                # is lost whole (`--kill node`); a crashed postmaster fails over at once.
                "ttl": 15,
                "loop_wait": 2,
                "retry_timeout": 5,
                "maximum_lag_on_failover": 1048576,
                # A crashed primary is failed over, not restarted in place.
                "primary_start_timeout": 0,
                # Only the synchronous standby may be promoted, and a commit is acknowledged
                # only once it is on that standby: no acknowledged write is lost with the
                # leader. Strict: with no synchronous standby left, writes wait rather than
                # being acknowledged on one copy alone (the cell stops writing instead of
                # risking loss on a second failure); --no-strict prefers availability.
                "synchronous_mode": True,
                "synchronous_mode_strict": strict,
                "synchronous_node_count": 1,
                "postgresql": {
                    "use_pg_rewind": True,
                    "use_slots": True,
                    "parameters": {
                        "wal_level": "logical",
                        "hot_standby_feedback": "on",  # replicas keep the slot's catalog rows
                        "wal_log_hints": "on",
                        "max_wal_senders": 10,
                        "max_replication_slots": 10,
                        "max_slot_wal_keep_size": "1GB",
                        "max_connections": 60,
                    },
                },
            },
            "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, "data-checksums"],
        },
        "postgresql": {
            "listen": f"127.0.0.1:{PG_PORT + n}",
            "connect_address": f"127.0.0.1:{PG_PORT + n}",
            "data_dir": str(data / "data"),
            "bin_dir": str(PG_BIN),
            "pgpass": str(data / "pgpass"),
            "authentication": {
                "superuser": {"username": "postgres", "password": "drill"},
                "replication": {"username": "replicator", "password": "drill"},
            },
            "parameters": {"unix_socket_directories": str(data)},
            "pg_hba": [
                "local all all trust",
                "host all all 127.0.0.1/32 trust",
                "host replication all 127.0.0.1/32 trust",
            ],
        },
        "tags": {"nofailover": False, "noloadbalance": False},
        "log": {"level": "INFO", "dir": str(data), "file_num": 2},
    }


@dataclass
class Sent:
    kind: str  # registration | delivery
    family: str | None
    sent: float
    answered: float = 0.0
    status: int | None = None  # None: no answer (timeout, connection refused)
    answer: dict[str, Any] = field(default_factory=dict)


class Load:
    """Client threads: 30% registrations, 70% deliveries on families they registered."""

    def __init__(self, base: str, token: str, source: str, seed: int) -> None:
        self.base, self.token, self.source = base, token, source
        self.bodies = registrations(FamilyGenerator(seed=seed, area=AREA), 10**6)
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.sent: list[Sent] = []

    def registration(self) -> dict[str, object]:
        with self.lock:
            return next(self.bodies)

    def run(self, seed: int) -> None:
        chooser = random.Random(seed)
        families: dict[str, int] = {}  # family id -> deliveries sent to it
        headers = {"Authorization": f"Bearer {self.token}"}
        with httpx.Client(base_url=self.base, headers=headers, timeout=30) as client:
            while not self.stop.is_set():
                open_families = [f for f, n in families.items() if n < 12 * len(PROGRAMS)]
                if not open_families or chooser.random() < 0.3:
                    record = Sent("registration", None, time.monotonic())
                    path, body = "/families", self.registration()
                else:
                    family = chooser.choice(open_families)
                    n = families[family]
                    families[family] += 1
                    month, program = n % 12 + 1, PROGRAMS[n // 12]
                    record = Sent("delivery", family, time.monotonic())
                    path = f"/families/{family}/aid-deliveries"
                    body = {
                        "delivery_id": str(uuid.uuid4()),
                        "program": program,
                        "period": f"2025-{month:02d}",
                        "funding_source_id": self.source,
                        "delivered_on": f"2025-{month:02d}-11",
                        "items": [
                            {
                                "item": "paket",
                                "quantity": 2,
                                "unit": "pack",
                                "unit_value_idr": 15000,
                            }
                        ],
                    }
                try:
                    answer = client.post(path, json=body)
                    record.status = answer.status_code
                    with contextlib.suppress(ValueError):
                        record.answer = answer.json()
                except httpx.HTTPError:
                    pass
                record.answered = time.monotonic()
                with self.lock:
                    self.sent.append(record)
                if record.status in OK and record.kind == "registration":
                    families[str(record.answer["id"])] = 0
                elif record.status is None or record.status >= 500:
                    time.sleep(0.2)  # the store is away: do not spin

    def acknowledged(self) -> list[Sent]:
        with self.lock:
            return [s for s in self.sent if s.status in OK]


class Drill:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.started = time.monotonic()
        self.folder = Path(tempfile.mkdtemp(prefix="cell_drill_"))
        self.national = f"drill_national_{secrets.token_hex(3)}"
        self.national_made = False
        self.etcd: subprocess.Popen[bytes] | None = None
        self.patroni: dict[int, subprocess.Popen[bytes]] = {}
        self.server: subprocess.Popen[bytes] | None = None
        self.load: Load | None = None
        self.clients: list[threading.Thread] = []
        hosts = ",".join(f"127.0.0.1:{PG_PORT + n}" for n in range(args.nodes))
        self.cell_url = f"postgresql://postgres@{hosts}/{DATABASE}?target_session_attrs=read-write"
        self.national_url = f"postgresql://postgres@127.0.0.1:{NATIONAL_PORT}/national"
        self.master_key = base64.b64encode(secrets.token_bytes(32)).decode()
        self.env: dict[str, str] = {}

    def say(self, message: str) -> None:
        log(self.started, message)

    # -- the cell's machinery -----------------------------------------------------------------

    def check_ports(self) -> None:
        ports = [ETCD_CLIENT, ETCD_PEER, NATIONAL_PORT]
        ports += [PG_PORT + n for n in range(self.args.nodes)]
        ports += [REST_PORT + n for n in range(self.args.nodes)]
        taken = [port for port in ports if not port_free(port)]
        if taken:
            raise SystemExit(f"drill: ports already in use: {taken}")
        for tool in ("patroni", "etcd", "pg_createcluster"):
            if shutil.which(tool) is None:
                raise SystemExit(
                    f"drill: {tool} not found (apt-get install -y patroni etcd-server)"
                )

    def start_etcd(self) -> None:
        out = (self.folder / "etcd.log").open("wb")
        self.etcd = subprocess.Popen(
            [
                "etcd",
                "--name=drill",
                f"--data-dir={self.folder / 'etcd'}",
                f"--listen-client-urls=http://127.0.0.1:{ETCD_CLIENT}",
                f"--advertise-client-urls=http://127.0.0.1:{ETCD_CLIENT}",
                f"--listen-peer-urls=http://127.0.0.1:{ETCD_PEER}",
                f"--initial-advertise-peer-urls=http://127.0.0.1:{ETCD_PEER}",
                f"--initial-cluster=drill=http://127.0.0.1:{ETCD_PEER}",
                "--initial-cluster-state=new",
            ],
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        wait_for("etcd", lambda: rest(ETCD_CLIENT, "/health").get("health") == "true", 30)
        self.say(f"etcd up on 127.0.0.1:{ETCD_CLIENT}")

    def start_patroni(self, n: int) -> None:
        folder = self.folder / f"node{n}"
        out = (folder / "patroni.out").open("wb")
        self.patroni[n] = subprocess.Popen(
            ["patroni", str(folder / "patroni.yml")],
            stdout=out,
            stderr=out,
            user="postgres",
            group="postgres",
            cwd=folder,
            start_new_session=True,
        )

    def start_cell(self) -> None:
        scope = f"cell-drill-{secrets.token_hex(3)}"
        os.chmod(self.folder, 0o755)
        for n in range(self.args.nodes):
            folder = self.folder / f"node{n}"
            folder.mkdir(mode=0o700)
            config = node_config(self.folder, scope, n, self.args.nodes, not self.args.no_strict)
            (folder / "patroni.yml").write_text(json.dumps(config, indent=2))
            shutil.chown(folder, "postgres", "postgres")
            shutil.chown(folder / "patroni.yml", "postgres", "postgres")
        self.start_patroni(0)  # the first one bootstraps; the others clone it
        wait_for("a leader", lambda: self.leader() is not None, 90)
        for n in range(1, self.args.nodes):
            self.start_patroni(n)
        wait_for("every node streaming", self.all_running, 120)
        with psycopg.connect(self.cell_url, dbname="postgres", autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
        self.say(f"cell up: {self.describe()}")

    def members(self) -> list[dict[str, Any]]:
        for n in range(self.args.nodes):
            with contextlib.suppress(Exception):
                return list(rest(REST_PORT + n, "/cluster")["members"])
        return []

    def leader(self) -> str | None:
        found = [m["name"] for m in self.members() if m["role"] == "leader"]
        return found[0] if found and self.leader_running(found[0]) else None

    def leader_running(self, name: str) -> bool:
        return any(m["name"] == name and m["state"] == "running" for m in self.members())

    def all_running(self) -> bool:
        members = self.members()
        return (
            len(members) == self.args.nodes
            and all(m["state"] in ("running", "streaming") for m in members)
            and any(m["role"] == "sync_standby" for m in members)
        )

    def describe(self) -> str:
        return ", ".join(
            f"{m['name']}={m['role']}/{m['state']}" for m in sorted(self.members(), key=str)
        )

    def add_permanent_slot(self) -> None:
        """The national subscription's slot, permanent: Patroni creates it on the leader and
        keeps a copy on every replica (advanced to the leader's position every loop_wait), so a
        promoted standby already has it. Added to the DCS only once the publication exists:
        pgoutput reads the publication as of each change it decodes, and a slot made before
        the publication fails every START_REPLICATION with 'publication … does not exist' on
        the first change it decodes (seen here when the slot was in bootstrap.dcs: Patroni made
        it as soon as the database existed, before `casework migrate`)."""
        slots = {SLOT: {"type": "logical", "database": DATABASE, "plugin": "pgoutput"}}
        leader = self.leader()
        assert leader is not None
        request = urllib.request.Request(
            f"http://127.0.0.1:{REST_PORT + int(leader.removeprefix('node'))}/config",
            data=json.dumps({"slots": slots}).encode(),
            method="PATCH",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as answer:
            answer.read()
        self.say(f"permanent logical slot {SLOT} added to the DCS (pgoutput, {DATABASE})")

    def slot_everywhere(self) -> bool:
        """The permanent slot exists on the leader and on every replica."""
        for n in range(self.args.nodes):
            url = f"postgresql://postgres@127.0.0.1:{PG_PORT + n}/{DATABASE}"
            with psycopg.connect(url, connect_timeout=2) as conn:
                found = conn.execute(
                    "SELECT 1 FROM pg_replication_slots WHERE slot_name = %s", (SLOT,)
                ).fetchone()
            if found is None:
                return False
        return True

    # -- casework on the cell -------------------------------------------------------------------

    def casework_env(self) -> dict[str, str]:
        leader = self.leader()
        assert leader is not None
        port = PG_PORT + int(leader.removeprefix("node"))
        return {
            **os.environ,
            "CASEWORK_DATABASE_URL": f"{self.cell_url}&schema={SCHEMA}",
            # yoyo (the migrations) parses the URL itself and takes no multi-host URL: migrate
            # on the leader's own address.
            "CASEWORK_MIGRATE_DATABASE_URL": (
                f"postgresql://postgres@127.0.0.1:{port}/{DATABASE}?schema={SCHEMA}"
            ),
            "CASEWORK_MASTER_KEY": self.master_key,
            "CASEWORK_CELL": CELL,
            "CASEWORK_CELL_AREAS": "53",
        }

    def casework(self, *argv: str) -> str:
        return subprocess.run(
            ["casework", *argv], env=self.env, capture_output=True, text=True, check=True
        ).stdout

    def start_casework(self) -> tuple[str, str, str]:
        self.env = self.casework_env()
        self.casework("migrate")
        self.ensure_publication()
        admin = self.casework("user", "add", "drill-admin", "--role", "admin")
        worker = self.casework("user", "add", "drill-kader", "--role", "caseworker", "--area", AREA)
        port = free_port()
        out = (self.folder / "casework-serve.log").open("wb")
        self.server = subprocess.Popen(
            ["casework", "serve", "--port", str(port)],
            env=self.env,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )
        wait_ready(port, self.server)
        base = f"http://127.0.0.1:{port}"
        source = httpx.post(
            f"{base}/funding-sources",
            headers={"Authorization": f"Bearer {admin.strip().splitlines()[-1]}"},
            json={
                "code": "DRILL-2025",
                "kind": "APBD",
                "name": "drill",
                "sponsor": "drill",
                "fiscal_year": 2025,
                "budget_idr": 10**15,
                "area": AREA,
                "programs": PROGRAMS,
                "reference": "DPA drill",
            },
            timeout=30,
        )
        source.raise_for_status()
        self.say(f"casework serving on {base} against {self.env['CASEWORK_DATABASE_URL']}")
        return base, str(source.json()["id"]), worker.strip().splitlines()[-1]

    def ensure_publication(self) -> None:
        with psycopg.connect(self.cell_url, dbname=DATABASE, autocommit=True) as conn:
            found = conn.execute("SELECT 1 FROM pg_publication WHERE pubname = %s", (PUBLICATION,))
            if found.fetchone() is not None:
                self.say(f"publication {PUBLICATION} made by casework migrate")
                return
            # FALLBACK until `casework migrate` creates the cell's publication itself (when
            # wal_level = logical): the drill makes one of the stored events alone, inserts only.
            # Remove once migrate does it on main.
            conn.execute(
                sql.SQL(
                    "CREATE PUBLICATION {} FOR TABLE {}.stored_events WITH (publish = 'insert')"
                ).format(sql.Identifier(PUBLICATION), sql.Identifier(SCHEMA))
            )
            self.say(f"publication {PUBLICATION} made by the drill (fallback: migrate made none)")

    # -- the national side -------------------------------------------------------------------

    def start_national(self) -> None:
        subprocess.run(
            # Trust on loopback, as the machine's own cluster (Debian's default asks a password).
            [
                *("pg_createcluster", "15", self.national, "--port", str(NATIONAL_PORT)),
                *("--start", "--", "--auth-local=trust", "--auth-host=trust"),
            ],
            check=True,
            capture_output=True,
        )
        self.national_made = True
        admin = f"postgresql://postgres@127.0.0.1:{NATIONAL_PORT}/postgres"
        wait_for("the national cluster", lambda: reachable(admin), 30)
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute("CREATE DATABASE national")
        # Every table of the publication, with the cell's columns and primary key (the
        # stored events; more once migrate publishes more), under the same qualified name.
        with psycopg.connect(self.cell_url, dbname=DATABASE) as cell:
            tables = cell.execute(
                "SELECT schemaname, tablename FROM pg_publication_tables WHERE pubname = %s",
                (PUBLICATION,),
            ).fetchall()
            definitions = []
            for schema, table in tables:
                relation = f"{schema}.{table}"
                columns = cell.execute(
                    "SELECT attname, format_type(atttypid, atttypmod), attnotnull FROM pg_attribute"
                    " WHERE attrelid = %s::regclass AND attnum > 0 AND NOT attisdropped"
                    " ORDER BY attnum",
                    (relation,),
                ).fetchall()
                key = cell.execute(
                    "SELECT pg_get_constraintdef(oid) FROM pg_constraint"
                    " WHERE conrelid = %s::regclass AND contype = 'p'",
                    (relation,),
                ).fetchone()
                parts = [
                    f"{sql.Identifier(name).as_string(cell)} {kind}{' NOT NULL' if notnull else ''}"
                    for name, kind, notnull in columns
                ]
                if key is not None:
                    parts.append(key[0])
                definitions.append((schema, table, ", ".join(parts)))
        with psycopg.connect(self.national_url, autocommit=True) as conn:
            for schema, table, body in definitions:
                conn.execute(
                    sql.SQL("CREATE SCHEMA IF NOT EXISTS {}").format(sql.Identifier(schema))
                )
                conn.execute(
                    sql.SQL("CREATE TABLE {}.{} (" + body + ")").format(
                        sql.Identifier(schema), sql.Identifier(table)
                    )
                )
            hosts = ",".join("127.0.0.1" for _ in range(self.args.nodes))
            ports = ",".join(str(PG_PORT + n) for n in range(self.args.nodes))
            conninfo = (
                f"host={hosts} port={ports} dbname={DATABASE} user=postgres"
                " target_session_attrs=read-write"
            )
            conn.execute(
                sql.SQL(
                    "CREATE SUBSCRIPTION national_drill CONNECTION {} PUBLICATION {}"
                    " WITH (create_slot = false, slot_name = {})"
                ).format(sql.Literal(conninfo), sql.Identifier(PUBLICATION), sql.Literal(SLOT))
            )
        self.say(
            f"national cluster {self.national} on {NATIONAL_PORT} subscribed to {PUBLICATION}"
            f" through slot {SLOT} ({len(definitions)} table(s))"
        )

    def national_figures(self) -> tuple[int, int]:
        with psycopg.connect(self.national_url, connect_timeout=2) as conn:
            row = conn.execute(
                sql.SQL("SELECT count(*), coalesce(max(position), 0) FROM {}.stored_events").format(
                    sql.Identifier(SCHEMA)
                )
            ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    def cell_figures(self) -> tuple[int, int]:
        with psycopg.connect(self.cell_url, dbname=DATABASE, connect_timeout=3) as conn:
            row = conn.execute(
                sql.SQL("SELECT count(*), coalesce(max(position), 0) FROM {}.stored_events").format(
                    sql.Identifier(SCHEMA)
                )
            ).fetchone()
        assert row is not None
        return int(row[0]), int(row[1])

    # -- the kill ------------------------------------------------------------------------------

    def postmaster(self, name: str) -> int:
        pid_file = self.folder / name / "data" / "postmaster.pid"
        return int(pid_file.read_text().split()[0])

    def kill_leader(self) -> tuple[str, float, float]:
        """Kill the leader; return its name, the monotonic time and the wall time (against the
        events' recorded_at: the old leader recorded nothing after it) just after the kill."""
        leader = self.leader()
        assert leader is not None
        postmaster = self.postmaster(leader)
        n = int(leader.removeprefix("node"))
        if self.args.kill == "node":
            self.patroni[n].kill()
            backends = children(postmaster)
            os.kill(postmaster, signal.SIGKILL)
            killed, killed_at = time.monotonic(), time.time()
            for pid in backends:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            self.say(f"KILLED node {leader}: Patroni and postmaster {postmaster} with its backends")
        else:
            os.kill(postmaster, signal.SIGKILL)
            killed, killed_at = time.monotonic(), time.time()
            self.say(f"KILLED the postmaster of leader {leader} (pid {postmaster}, SIGKILL)")
        return leader, killed, killed_at

    # -- the run -------------------------------------------------------------------------------

    def run(self) -> int:
        args = self.args
        self.check_ports()
        self.say(f"working in {self.folder}")
        self.start_etcd()
        self.start_cell()
        base, source, token = self.start_casework()
        self.add_permanent_slot()
        wait_for("the permanent slot on every node", self.slot_everywhere, 90)
        self.say(f"slot {SLOT} present on every node")
        self.start_national()

        self.load = Load(base, token, source, seed=args.seed)
        self.clients = [
            threading.Thread(target=self.load.run, args=(args.seed + n,), daemon=True)
            for n in range(args.clients)
        ]
        for client in self.clients:
            client.start()
        end_warmup = time.monotonic() + args.warmup
        while time.monotonic() < end_warmup:
            time.sleep(2)
            self.progress()
        # Replicas advance their copy of the slot only every loop_wait: give them one.
        national_at_kill = self.national_figures()
        old_leader, killed, killed_at = self.kill_leader()

        new_leader: str | None = None
        leader_seen = first_write = None
        national_trail: list[tuple[float, int, int]] = []
        deadline = killed + args.max_failover
        stop_at: float | None = None
        last_progress = 0.0
        while True:
            now = time.monotonic()
            if leader_seen is None:
                with contextlib.suppress(Exception):
                    name = self.leader()
                    if name is not None and name != old_leader:
                        new_leader, leader_seen = name, now - killed
                        self.say(f"Patroni: new leader {name} ({leader_seen:.1f} s after the kill)")
            if first_write is None:
                after = [s for s in self.load.acknowledged() if s.sent > killed]
                if after:
                    first_write = min(s.answered for s in after) - killed
                    self.say(f"first acknowledged write after the kill: {first_write:.1f} s")
                    stop_at = now + args.after
            if now - last_progress >= 2:
                last_progress = now
                figures = self.progress()
                if figures is not None:
                    national_trail.append((now - killed, *figures))
            if stop_at is not None and now >= stop_at:
                break
            if stop_at is None and now > deadline:
                self.say(f"no acknowledged write within {args.max_failover} s of the kill")
                break
            time.sleep(0.2)
        self.load.stop.set()
        for client in self.clients:
            client.join(timeout=40)
        self.say(f"load stopped; cell: {self.describe()}")
        return self.report(
            old_leader,
            new_leader,
            leader_seen,
            first_write,
            national_at_kill,
            national_trail,
            killed_at,
        )

    def progress(self) -> tuple[int, int] | None:
        assert self.load is not None
        with self.load.lock:
            sent = len(self.load.sent)
            acked = sum(1 for s in self.load.sent if s.status in OK)
        national: tuple[int, int] | None = None
        with contextlib.suppress(Exception):
            national = self.national_figures()
        leader = None
        with contextlib.suppress(Exception):
            leader = self.leader()
        shown = f"count {national[0]} max {national[1]}" if national else "unreachable"
        self.say(
            f"sent {sent} acknowledged {acked} failed {sent - acked}; "
            f"leader {leader or '-'}; national {shown}"
        )
        return national

    def report(
        self,
        old_leader: str,
        new_leader: str | None,
        leader_seen: float | None,
        first_write: float | None,
        national_at_kill: tuple[int, int],
        national_trail: list[tuple[float, int, int]],
        killed_at: float,
    ) -> int:
        assert self.load is not None
        sent = self.load.sent
        acked = [s for s in sent if s.status in OK]
        refused = [s for s in sent if s.status is not None and s.status not in OK]
        unanswered = [s for s in sent if s.status is None]
        statuses: dict[str, int] = {}
        for s in refused:
            key = f"{s.status} {s.answer.get('type', '')}".strip()
            statuses[key] = statuses.get(key, 0) + 1
        wait_for("the new leader to take connections", lambda: self.cell_figures(), 60)
        positions = {int(s.answer["position"]): s for s in acked}
        with psycopg.connect(self.cell_url, dbname=DATABASE) as conn:
            rows = conn.execute(
                sql.SQL(
                    "SELECT position, originator_id::text FROM {}.stored_events"
                    " WHERE position = ANY(%s)"
                ).format(sql.Identifier(SCHEMA)),
                (list(positions),),
            ).fetchall()
            # The last event the old leader committed: recorded before the kill.
            before = conn.execute(
                sql.SQL(
                    "SELECT coalesce(max(position), 0) FROM {}.stored_events"
                    " WHERE recorded_at <= to_timestamp(%s)"
                ).format(sql.Identifier(SCHEMA)),
                (killed_at,),
            ).fetchone()
            old_head = int(before[0]) if before else 0
            registered = {
                str(row[0])
                for row in conn.execute(
                    sql.SQL(
                        "SELECT originator_id FROM {}.stored_events WHERE originator_version = 1"
                    ).format(sql.Identifier(SCHEMA))
                )
            }
        stored: dict[int, str] = {int(row[0]): str(row[1]) for row in rows}
        present = 0
        for position, s in positions.items():
            owner = stored.get(position)
            # A registration's last event is its family's; a delivery's is the family's
            # aid-delivered or the source's draw.
            expected = (
                {str(s.answer["id"])} if s.kind == "registration" else {s.family, self.source_id}
            )
            family_ok = s.kind != "registration" or str(s.answer["id"]) in registered
            present += owner in expected and family_ok
        count, top = self.cell_figures()
        dense = count == top

        # The national copy: wait (bounded) until it equals the new leader.
        caught_up = False
        deadline = time.monotonic() + self.args.catch_up
        national = (0, 0)
        while time.monotonic() < deadline:
            with contextlib.suppress(Exception):
                national = self.national_figures()
                if national == (count, top):
                    caught_up = True
                    break
            time.sleep(1)
        # The copy went on past the old leader's last event: it came from the new leader.
        passed = [row[0] for row in national_trail if row[2] > old_head]
        first_new = min(passed, default=None)

        print("\n=== cell failover drill ===")
        print(
            f"nodes {self.args.nodes}, clients {self.args.clients}, kill: {self.args.kill}, "
            f"synchronous_mode_strict: {not self.args.no_strict}"
        )
        print(
            f"commands sent {len(sent)}: acknowledged (2xx) {len(acked)} "
            f"(registrations {sum(s.kind == 'registration' for s in acked)}, "
            f"deliveries {sum(s.kind == 'delivery' for s in acked)}), "
            f"refused/errors {len(refused)} {statuses}, unanswered {len(unanswered)}"
        )
        print(
            f"acknowledged present in the store after failover: {present} / {len(acked)} "
            f"(missing {len(acked) - present})"
        )
        print(
            f"failover: old leader {old_leader}, new leader {new_leader}; Patroni showed it "
            f"{fmt(leader_seen)} after the kill; first acknowledged write {fmt(first_write)} "
            "after the kill"
        )
        print(
            f"store on the new leader: {count} events, max position {top}, dense: {dense}; "
            f"the old leader's last event: position {old_head}"
        )
        print(
            f"national: at the kill {national_at_kill[0]} events (max {national_at_kill[1]}); "
            f"past the old leader's last event (from the new leader) {fmt(first_new)} "
            "after the kill; "
            f"end {national[0]} events (max {national[1]}), dense: {national[0] == national[1]}, "
            f"equal to the new leader: {caught_up}"
        )
        ok = present == len(acked) and caught_up and dense and None not in (first_write, first_new)
        print("RESULT:", "ok" if ok else "FAILED")
        return 0 if ok else 1

    @property
    def source_id(self) -> str:
        assert self.load is not None
        return self.load.source

    # -- cleanup -------------------------------------------------------------------------------

    def close(self) -> None:
        self.say("cleaning up")
        if self.load is not None:
            self.load.stop.set()
        for process in (self.server,):
            if process is not None and process.poll() is None:
                process.terminate()
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=20)
                if process.poll() is None:
                    process.kill()
        if self.national_made:
            subprocess.run(
                ["pg_dropcluster", "--stop", "15", self.national], capture_output=True, check=False
            )
        for process in self.patroni.values():
            if process.poll() is None:
                process.terminate()
        for process in self.patroni.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=30)
            if process.poll() is None:
                process.kill()
        # A postmaster left without its Patroni (killed, or too slow to stop).
        for n in range(self.args.nodes):
            with contextlib.suppress(Exception):
                pid = self.postmaster(f"node{n}")
                os.kill(pid, signal.SIGKILL)
                for child in children(pid):
                    os.kill(child, signal.SIGKILL)
        if self.etcd is not None and self.etcd.poll() is None:
            self.etcd.terminate()
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.etcd.wait(timeout=10)
            if self.etcd.poll() is None:
                self.etcd.kill()
        if self.args.keep:
            print(f"kept {self.folder} (logs)")
        else:
            shutil.rmtree(self.folder, ignore_errors=True)


def reachable(url: str) -> bool:
    with psycopg.connect(url, connect_timeout=2):
        return True


def children(pid: int) -> list[int]:
    with contextlib.suppress(OSError):
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
        return [int(child) for child in text.split()]
    return []


def fmt(seconds: float | None) -> str:
    return "never" if seconds is None else f"{seconds:.1f} s"


@contextlib.contextmanager
def signals_raise() -> Iterator[None]:
    """SIGTERM and SIGINT raise, so that the cleanup in `finally` runs."""

    def stop(number: int, frame: FrameType | None) -> None:
        raise SystemExit(f"drill: stopped by signal {number}")

    previous = {s: signal.signal(s, stop) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--nodes", type=int, default=3, choices=(2, 3))
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--warmup", type=float, default=15.0, help="seconds of load before")
    parser.add_argument("--after", type=float, default=20.0, help="seconds of load after")
    parser.add_argument("--max-failover", type=float, default=120.0, help="seconds")
    parser.add_argument("--catch-up", type=float, default=60.0, help="seconds for national")
    parser.add_argument("--kill", choices=("postmaster", "node"), default="postmaster")
    parser.add_argument("--no-strict", action="store_true", help="synchronous_mode_strict off")
    parser.add_argument("--seed", type=int, default=secrets.randbelow(10**6))
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    args = parser.parse_args(argv)
    if os.geteuid() != 0:
        raise SystemExit("drill: run as root (Patroni is started as the postgres user)")
    drill = Drill(args)
    with signals_raise():
        try:
            return drill.run()
        finally:
            drill.close()


if __name__ == "__main__":
    sys.exit(main())
