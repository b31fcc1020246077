"""The stack's ceiling for bench/http_bench.py: litestar on uvicorn (one worker), the same routes
as the caseworker workload, each answered with nothing but one raw INSERT+COMMIT (psycopg).

    python bench/ceiling_app.py --url postgresql://…/test --schema S --port 8001

Handlers are plain `def` with `sync_to_thread=True` like casework's; connections come from a
psycopg pool as casework's do. The request body is stored as it came, so the same wrk script
drives both servers.
"""

from __future__ import annotations

import argparse
from typing import Any

import psycopg
import uvicorn
from litestar import Controller, Litestar, Request, get, post
from psycopg_pool import ConnectionPool


@get("/health")
async def health() -> dict[str, str]:
    return {"status": "ok"}


class Ceiling(Controller):
    path = "/families"

    @post("/", sync_to_thread=True, status_code=201)
    def register(self, body: bytes) -> dict[str, int]:
        return {"position": insert(body)}

    @post("/{family_id:str}/aid-deliveries", sync_to_thread=True, status_code=201)
    def deliver(self, family_id: str, body: bytes) -> dict[str, int]:
        return {"position": insert(body)}

    @get("/{family_id:str}", sync_to_thread=True)
    def read(self, family_id: str, request: Request[Any, Any, Any]) -> dict[str, int]:
        return {"position": insert(family_id.encode())}


POOL: ConnectionPool[psycopg.Connection[Any]] | None = None


def insert(payload: bytes) -> int:
    assert POOL is not None
    with POOL.connection() as conn:  # commits on leaving the block
        row = conn.execute("INSERT INTO ceiling (body) VALUES (%s) RETURNING id", (payload,))
        found = row.fetchone()
        assert found is not None
        return int(found[0])


def main() -> None:
    global POOL
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--schema", required=True)
    parser.add_argument("--port", type=int, default=8001)
    args = parser.parse_args()
    POOL = ConnectionPool(
        args.url, min_size=4, max_size=16, kwargs={"options": f"-c search_path={args.schema}"}
    )
    with POOL.connection() as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS ceiling (id bigserial PRIMARY KEY, body bytea)")
    app = Litestar(route_handlers=[health, Ceiling])
    uvicorn.run(app, host="127.0.0.1", port=args.port, access_log=False, log_level="warning")


if __name__ == "__main__":
    main()
