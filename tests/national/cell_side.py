"""What the tests do on a cell's behalf: a heartbeat now (the cell's server beats every 2 s;
a test need not wait for it), and the matching digests of CELL_INTERFACE.md, written as the
cell will write them under CASEWORK_MATCHING_KEY once that lands on the cell side.
"""

from __future__ import annotations

import hashlib
import hmac
from uuid import UUID

import psycopg
from psycopg import sql


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
