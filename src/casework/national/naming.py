"""Where the national side keeps things: its settings, and the names derived from a cell's.

A cell's name becomes part of schema, subscription and slot names, so it is checked once here
against the contract (`^[a-z0-9_]+$`) before it is ever put into SQL.
"""

from __future__ import annotations

import os
import re

from casework.settings import ConfigurationError, DatabaseLocation, parse_database_url

NATIONAL_SCHEMA = "national"
_CELL_NAME = re.compile(r"^[a-z0-9_]+$")
# Schema, subscription and slot names are identifiers of at most 63 bytes.
_LONGEST_NAME = 63 - len("casework_national_")


def national_location(environ: dict[str, str] | None = None) -> DatabaseLocation:
    """`CASEWORK_NATIONAL_DATABASE_URL`: a PostgreSQL URL (logical replication is
    PostgreSQL's); any `?schema=` is ignored, the national side names its own schemas."""
    env = os.environ if environ is None else environ
    url = env.get("CASEWORK_NATIONAL_DATABASE_URL")
    if not url:
        raise ConfigurationError(
            "CASEWORK_NATIONAL_DATABASE_URL is not set: give the national reporting "
            "database's PostgreSQL URL (postgresql://user@host:port/database)"
        )
    location = parse_database_url(url)
    if not location.is_postgres:
        raise ConfigurationError(
            "CASEWORK_NATIONAL_DATABASE_URL must be a postgresql:// URL: the national side "
            "is fed by PostgreSQL's logical replication"
        )
    return DatabaseLocation(backend="postgresql", postgres_conninfo=location.postgres_conninfo)


def checked_cell_name(name: str) -> str:
    if not _CELL_NAME.match(name) or len(name) > _LONGEST_NAME:
        raise ConfigurationError(
            f"cell name {name!r}: use lower-case letters, digits and _ only "
            f"(at most {_LONGEST_NAME} characters), as the cell's CASEWORK_CELL"
        )
    return name


def copy_schema(cell: str) -> str:
    """The cell's replicated tables, under the same schema name as on the cell."""
    return f"cell_{cell}"


def read_model_schema(cell: str) -> str:
    """The national read models built from that cell's copy, with their positions."""
    return f"national_{cell}"


def subscription_name(cell: str) -> str:
    """Also the name of its replication slot on the cell."""
    return f"casework_national_{cell}"


def publication_names(cell: str) -> tuple[str, str]:
    """The cell's two publications: its events (inserts only) and its state tables."""
    return f"casework_cell_{cell}", f"casework_cell_{cell}_state"
