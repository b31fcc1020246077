"""The parts of CELL_INTERFACE.md's cell side these tests need that have not landed on main
yet (the cell's identity has: `casework migrate` records it): the coverage table, the two
publications, a heartbeat, and the matching digests. Each step is skipped where the cell's own
code has already done it, so the tests run the same once it has.
"""

from __future__ import annotations

import hashlib
import hmac
from uuid import UUID

import psycopg
from psycopg import sql

STATE_TABLES = (
    "cell_identity",
    "cell_heartbeat",
    "kk_digests",
    "recipient_digests",
    "coverage_figures",
)

_TABLES = """
CREATE TABLE IF NOT EXISTS cell_identity (name text PRIMARY KEY, areas text NOT NULL,
    genesis bytea NOT NULL, recorded_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS cell_heartbeat (name text PRIMARY KEY, head_position bigint NOT NULL,
    head_hash bytea NOT NULL, beat_at timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS kk_digests (digest bytea PRIMARY KEY, family_id uuid NOT NULL);
CREATE TABLE IF NOT EXISTS recipient_digests (delivery_id uuid PRIMARY KEY,
    digest bytea NOT NULL, family_id uuid NOT NULL, program text NOT NULL, period text NOT NULL);
CREATE TABLE IF NOT EXISTS coverage_figures (program text, period text, area_code text,
    eligible bigint NOT NULL, served bigint NOT NULL, not_served bigint NOT NULL,
    served_not_eligible bigint NOT NULL, value_idr bigint NOT NULL, position bigint NOT NULL,
    PRIMARY KEY (program, period, area_code));
"""


def publish(conninfo: str, cell: str, areas: str) -> None:
    """The cell's published tables, identity and publications, where still missing."""
    schema = f"cell_{cell}"
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(schema)))
        conn.execute(_TABLES)
        identity = conn.execute("SELECT name, areas FROM cell_identity").fetchall()
        assert identity == [(cell, areas)], "`casework migrate` records the cell's identity"
        existing = {row[0] for row in conn.execute("SELECT pubname FROM pg_publication").fetchall()}
        events, state = f"casework_cell_{cell}", f"casework_cell_{cell}_state"
        if events not in existing:
            conn.execute(
                sql.SQL("CREATE PUBLICATION {} FOR TABLE {} WITH (publish = 'insert')").format(
                    sql.Identifier(events), sql.Identifier(schema, "stored_events")
                )
            )
        if state not in existing:
            tables = sql.SQL(", ").join(sql.Identifier(schema, t) for t in STATE_TABLES)
            conn.execute(
                sql.SQL("CREATE PUBLICATION {} FOR TABLE {}").format(sql.Identifier(state), tables)
            )


def beat(conninfo: str, cell: str) -> None:
    """The heartbeat row: the cell's head now (the cell's server writes it every 5 s)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(sql.SQL("SET search_path TO {}").format(sql.Identifier(f"cell_{cell}")))
        conn.execute(
            "INSERT INTO cell_heartbeat (name, head_position, head_hash, beat_at) "
            "SELECT %s, position, chain_hash, now() FROM stored_events "
            "ORDER BY position DESC LIMIT 1 "
            "ON CONFLICT (name) DO UPDATE SET head_position = excluded.head_position, "
            "head_hash = excluded.head_hash, beat_at = excluded.beat_at",
            (cell,),
        )


def digest(key: bytes, text: str) -> bytes:
    return hmac.digest(key, text.encode(), hashlib.sha256)


def write_kk_digest(conninfo: str, cell: str, key: bytes, kk: str, family_id: UUID) -> None:
    """What the cell writes for an active KK under CASEWORK_MATCHING_KEY (until it does)."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            sql.SQL("INSERT INTO {} VALUES (%s, %s) ON CONFLICT DO NOTHING").format(
                sql.Identifier(f"cell_{cell}", "kk_digests")
            ),
            (digest(key, f"kk:{kk}"), family_id),
        )


def write_recipient_digest(
    conninfo: str,
    cell: str,
    key: bytes,
    delivery: tuple[UUID, UUID, str, str],
    nik: str,
) -> None:
    """What the cell writes for a delivery's recipient (until it does)."""
    delivery_id, family_id, program, period = delivery
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute(
            sql.SQL("INSERT INTO {} VALUES (%s, %s, %s, %s, %s) ON CONFLICT DO NOTHING").format(
                sql.Identifier(f"cell_{cell}", "recipient_digests")
            ),
            (delivery_id, digest(key, f"nik:{nik}:{program}:{period}"), family_id, program, period),
        )
