"""What the tests do on a cell's behalf: a heartbeat now (the cell's server beats every 2 s;
a test need not wait for it to bound `as_of`)."""

from __future__ import annotations

import psycopg
from psycopg import sql


def beat(conninfo: str, cell: str) -> None:
    """The heartbeat row: the cell's head now."""
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
