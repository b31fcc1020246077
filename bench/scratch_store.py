"""A benchmark's store: a scratch PostgreSQL schema (dropped at the end), filled with families."""

from __future__ import annotations

import base64
import secrets
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from casework.settings import Settings

sys.path.insert(0, str(Path(__file__).parent))
from datagen import FamilyGenerator, write_csv
from import_bench import import_file


@contextmanager
def scratch_settings(url: str, prefix: str) -> Iterator[Settings]:
    """Settings for a fresh schema `<prefix>_<random>` under a fresh master key."""
    schema = f"{prefix}_{secrets.token_hex(4)}"
    key = base64.b64encode(secrets.token_bytes(32)).decode()
    try:
        yield Settings(database_url=f"{url}?schema={schema}", master_key=key)
    finally:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(schema)))


def import_generated(settings: Settings, families: int, seed: int, batch: int = 500) -> float:
    """Generate `families` in Kota Kupang and import them (the CLI's code); the seconds taken."""
    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "families.csv"
        generator = FamilyGenerator(seed=seed, area="53.71")
        with csv_path.open("w", newline="", encoding="utf-8") as out:
            write_csv(out, generator.families(families), families)
        _counts, seconds = import_file(settings, csv_path, batch)
    return seconds
