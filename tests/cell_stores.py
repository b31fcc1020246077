"""Stores configured as cells (CASEWORK_CELL), on SQLite and on PostgreSQL (schema cell_<name>)."""

from __future__ import annotations

import base64
import secrets
from dataclasses import replace
from pathlib import Path

from casework.settings import Settings
from conftest import RUN_ID, _created_schemas

MATCHING_KEY = base64.b64encode(bytes(range(32))).decode()
_names = iter(range(10**9))


def unique_cell_name() -> str:
    """A cell name of its own per test and run, so PostgreSQL schemas never collide."""
    return f"t{RUN_ID}_{next(_names)}"


def sqlite_cell_settings(tmp_path: Path, name: str = "p53", areas: str = "53") -> Settings:
    return Settings(
        database_url=f"sqlite:///{tmp_path / 'cell.db'}", cell_name=name, cell_areas=areas
    )


def postgres_cell_settings(postgres_url: str, areas: str = "53", name: str = "") -> Settings:
    name = name or unique_cell_name()
    schema = f"cell_{name}"
    _created_schemas.append(schema)
    return Settings(
        database_url=f"{postgres_url}?schema={schema}",
        master_key=base64.b64encode(secrets.token_bytes(32)).decode(),
        cell_name=name,
        cell_areas=areas,
    )


def as_cell(settings: Settings, name: str | None, areas: str | None) -> Settings:
    return replace(settings, cell_name=name, cell_areas=areas)
