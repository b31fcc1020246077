"""A benchmark's store: a scratch PostgreSQL schema (dropped at the end), filled with families."""

from __future__ import annotations

import argparse
import base64
import secrets
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from casework.cli.imports import default_workers
from casework.settings import Settings
from casework.store.bootstrap import migrate_store

sys.path.insert(0, str(Path(__file__).parent))
from datagen import FamilyGenerator, write_csv
from import_bench import import_file
from schemas import drop_schema


@contextmanager
def scratch_settings(
    url: str, prefix: str, *, keep: bool = False, reuse: str | None = None
) -> Iterator[Settings]:
    """Settings for a fresh schema `<prefix>_<random>` under a fresh master key, dropped at the
    end unless `keep`; or, with `reuse="SCHEMA:KEY"` (what a kept run printed), a store that an
    earlier run built, which is kept again (and migrated first, if an older casework built it).
    A store of millions of events takes most of an hour to build here, and the rebuilds on it
    are what is measured."""
    if reuse is not None:
        schema, _, key = reuse.partition(":")
        keep = True
    else:
        schema = f"{prefix}_{secrets.token_hex(4)}"
        key = base64.b64encode(secrets.token_bytes(32)).decode()
    settings = Settings(database_url=f"{url}?schema={schema}", master_key=key)
    if reuse is not None:
        migrate_store(settings)
    try:
        yield settings
    finally:
        if keep:
            print(f"store kept; measure it again with --reuse {schema}:{key}", flush=True)
        else:
            drop_schema(url, schema)


def add_store_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--keep", action="store_true", help="keep the store for --reuse")
    parser.add_argument(
        "--reuse", metavar="SCHEMA:KEY", help="measure a store a --keep run built (no build)"
    )


def import_generated(settings: Settings, families: int, seed: int, batch: int = 500) -> float:
    """Generate `families` in Kota Kupang and import them (the CLI's code); the seconds taken."""
    with tempfile.TemporaryDirectory() as folder:
        csv_path = Path(folder) / "families.csv"
        generator = FamilyGenerator(seed=seed, area="53.71")
        with csv_path.open("w", newline="", encoding="utf-8") as out:
            write_csv(out, generator.families(families), families)
        _counts, seconds = import_file(settings, csv_path, batch, default_workers())
    return seconds
