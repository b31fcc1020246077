"""Searching a whole database for personal data: every table as text, statistics, raw bytes.

Used to prove an erasure leaves no trace, and (run before it) that the search does find what
is there, so a passing "no trace" is not the search looking in the wrong place.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from pathlib import Path

import psycopg
import pytest
from psycopg import sql

from casework.aggregates.family import Family
from casework.service import Casework


def personal_strings(family: Family) -> list[str]:
    """Every name (as typed and as the list search folds it), NIK, KK number and address."""
    found: list[str] = [family.kk_number or "", family.address or ""]
    for member in family.members.values():
        found += [member.nik or "", member.name or "", (member.name or "").casefold()]
    assert all(found), "the family must still hold its personal data here"
    return found


def keyed_digests(app: Casework, family: Family) -> list[str]:
    """The keyed digests that stand for its KK number (the claim) and NIKs (recipients)."""
    assert family.kk_number is not None
    niks = [m.nik for m in family.members.values() if m.nik is not None]
    return [app.kk_claim_key(family.kk_number)] + [
        app.master_key.lookup_hmac("nik", nik) for nik in niks
    ]


def key_pieces(wrapped_key: bytes, size: int = 12) -> list[bytes]:
    """The wrapped key in slices, so that a half-overwritten copy is found too."""
    return [wrapped_key[i : i + size] for i in range(0, len(wrapped_key) - size + 1, size)]


def wrapped_key(app: Casework, family: Family) -> bytes:
    with app.db.transaction() as tx:
        tx.execute("SELECT wrapped_key FROM family_keys WHERE family_id = %s", (family.id,))
        row = tx.fetchone()
    assert row is not None and row[0] is not None
    return bytes(row[0])


# -- SQLite: the database file and its WAL, byte for byte ------------------------------------


def sqlite_files_holding(app: Casework, needles: Iterable[bytes]) -> set[bytes]:
    path = app.db.location.sqlite_path
    assert path is not None
    contents = [p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists()]
    return {needle for needle in needles if any(needle in data for data in contents)}


# -- PostgreSQL: every table of the schema as text, its statistics, its raw pages -------------


def schema_of(app: Casework) -> str:
    schema = app.db.location.postgres_schema
    assert schema is not None
    return schema


def connect(app: Casework) -> psycopg.Connection[tuple[object, ...]]:
    return psycopg.connect(app.db.location.postgres_conninfo, autocommit=True)


def postgres_tables_holding(app: Casework, needles: Sequence[str]) -> dict[str, set[str]]:
    """table → the needles found in its rows as text (bytea shows as hex: searched as such)."""
    found: dict[str, set[str]] = {}
    with connect(app) as conn:
        tables = conn.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = %s", (schema_of(app),)
        ).fetchall()
        for (table,) in tables:
            rows = conn.execute(
                sql.SQL("SELECT t::text FROM {} t").format(sql.Identifier(schema_of(app), table))
            ).fetchall()
            text = "\n".join(str(row[0]) for row in rows)
            hits = {n for n in needles if n in text or n.encode().hex() in text}
            if hits:
                found[str(table)] = hits
    return found


def postgres_statistics_holding(app: Casework, needles: Sequence[str]) -> set[str]:
    """Needles among the sample values ANALYZE keeps (pg_stats: MCVs, histogram bounds)."""
    with connect(app) as conn:
        rows = conn.execute(
            "SELECT s::text FROM pg_stats s WHERE schemaname = %s", (schema_of(app),)
        ).fetchall()
    text = "\n".join(str(row[0]) for row in rows)
    return {n for n in needles if n in text}


def analyze(app: Casework) -> None:
    with connect(app) as conn:
        for table in ("family_keys", "family_index", "family_index_members"):
            conn.execute(sql.SQL("ANALYZE {}").format(sql.Identifier(schema_of(app), table)))


def postgres_pages_holding(app: Casework, needles: Iterable[bytes]) -> set[bytes]:
    """Needles in any page (free space and dead tuples included) of any relation of the schema:
    tables, their indexes and TOAST. Needs pageinspect; skips (fails under CI) without it."""
    wanted = list(needles)
    found: set[bytes] = set()
    with connect(app) as conn:
        get_raw_page = _pageinspect(conn)
        for relation, blocks in _relations(conn, schema_of(app)):
            for block in range(blocks):
                row = conn.execute(get_raw_page, (relation, block)).fetchone()
                page = bytes(row[0]) if row else b""
                found |= {needle for needle in wanted if needle in page}
    return found


def _pageinspect(conn: psycopg.Connection[tuple[object, ...]]) -> sql.Composed:
    try:
        conn.execute("CREATE EXTENSION IF NOT EXISTS pageinspect")
    except psycopg.Error as error:
        message = f"pageinspect unavailable, raw pages not searched: {error}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    row = conn.execute(
        "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pageinspect'"
    ).fetchone()
    assert row is not None
    return sql.SQL("SELECT {}.get_raw_page(%s, %s)").format(sql.Identifier(str(row[0])))


def _relations(conn: psycopg.Connection[tuple[object, ...]], schema: str) -> list[tuple[str, int]]:
    """(name, blocks) of every table, index and materialised view of the schema, and TOAST."""
    rows = conn.execute(
        "SELECT r.oid::regclass::text, "
        "pg_relation_size(r.oid) / current_setting('block_size')::int "
        "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
        "JOIN pg_class r ON r.oid IN (c.oid, c.reltoastrelid) "
        "WHERE n.nspname = %s AND c.relkind IN ('r', 'i', 'm')",
        (schema,),
    ).fetchall()
    return [(str(name), int(str(blocks))) for name, blocks in rows]
