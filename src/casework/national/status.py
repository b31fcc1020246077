"""What the national side knows of each cell (`casework national status`, `/national/cells`).

- replicated position: the last event in the cell's copy;
- the cell's last replicated heartbeat: its head position and time;
- lag in events: how many the cell had at its heartbeat that the copy does not hold yet;
- lag in seconds: how long ago the latest instant up to which the copy is known complete was
  (the heartbeat's time once its head has arrived, else the last replicated event's time);
- each read model's position (the chain check's among them), and the chain's last verdict.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import psycopg
from psycopg import sql

from casework.national.naming import copy_schema, read_model_schema, subscription_name
from casework.settings import DatabaseLocation


@dataclass(frozen=True)
class CellStatus:
    name: str
    areas: str
    following: bool
    subscription: str  # streaming | stopped | none
    replicated_position: int
    head_position: int | None
    heartbeat_at: datetime | None
    lag_events: int | None
    lag_seconds: float | None
    chain_ok: bool
    first_bad_position: int | None
    broken_detail: str | None
    read_models: dict[str, int] = field(default_factory=dict)


def cell_statuses(national: DatabaseLocation, only: str | None = None) -> list[CellStatus]:
    with psycopg.connect(national.postgres_conninfo, autocommit=True) as conn:
        cells = conn.execute(
            "SELECT c.name, c.following, h.position, b.first_bad_position, b.detail "
            "FROM national.cells c LEFT JOIN national.chain_heads h ON h.cell = c.name "
            "LEFT JOIN national.chain_breaks b ON b.cell = c.name ORDER BY c.name"
        ).fetchall()
        return [_status(conn, *row) for row in cells if only is None or row[0] == only]


def _status(
    conn: psycopg.Connection[Any],
    name: str,
    following: bool,
    chain_position: int | None,
    bad: int | None,
    detail: str | None,
) -> CellStatus:
    copy, models = sql.Identifier(copy_schema(name)), sql.Identifier(read_model_schema(name))
    head = conn.execute(
        sql.SQL(
            "SELECT e.position, e.recorded_at FROM {}.stored_events e "
            "ORDER BY e.position DESC LIMIT 1"
        ).format(copy)
    ).fetchone()
    replicated, replicated_at = (int(head[0]), head[1]) if head else (0, None)
    identity = conn.execute(sql.SQL("SELECT areas FROM {}.cell_identity").format(copy)).fetchone()
    beat = conn.execute(
        sql.SQL("SELECT head_position, beat_at FROM {}.cell_heartbeat").format(copy)
    ).fetchone()
    positions = {
        str(model): int(position)
        for model, position in conn.execute(
            sql.SQL("SELECT name, position FROM {}.projection_tracking ORDER BY name").format(
                models
            )
        )
    }
    positions["chain"] = int(chain_position or 0)
    running = conn.execute(
        "SELECT s.subenabled, st.pid IS NOT NULL FROM pg_subscription s "
        "LEFT JOIN pg_stat_subscription st ON st.subid = s.oid AND st.relid IS NULL "
        "WHERE s.subname = %s",
        (subscription_name(name),),
    ).fetchone()
    subscription = "none" if running is None else "streaming" if running[1] else "stopped"
    head_position, beat_at = (int(beat[0]), beat[1]) if beat else (None, None)
    lag_events = None if head_position is None else max(head_position - replicated, 0)
    complete_at = beat_at if lag_events == 0 else replicated_at
    lag_seconds = None
    if complete_at is not None:
        lag_seconds = max((datetime.now(UTC) - complete_at).total_seconds(), 0.0)
    return CellStatus(
        name=name,
        areas=str(identity[0]) if identity else "",
        following=following,
        subscription=subscription,
        replicated_position=replicated,
        head_position=head_position,
        heartbeat_at=beat_at,
        lag_events=lag_events,
        lag_seconds=lag_seconds,
        chain_ok=bad is None,
        first_bad_position=bad,
        broken_detail=detail,
        read_models=positions,
    )
