"""Configuration: one database URL, everything else with a safe default."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from casework.cell.config import CellConfig

DEFAULT_DATABASE_URL = "sqlite:///casework.db"
# The zone of Jakarta (WIB); Kota Kupang runs Asia/Makassar (WITA), Papua Asia/Jayapura (WIT).
DEFAULT_TIME_ZONE = "Asia/Jakarta"


class ConfigurationError(ValueError):
    """A setting cannot be understood; the message says which and why."""


@dataclass(frozen=True)
class DatabaseLocation:
    """Where the store lives: a SQLite file or a PostgreSQL database (and schema)."""

    backend: str  # "sqlite" or "postgresql"
    sqlite_path: Path | None = None
    postgres_conninfo: str = ""
    postgres_schema: str | None = None

    @property
    def is_postgres(self) -> bool:
        return self.backend == "postgresql"


def parse_database_url(url: str) -> DatabaseLocation:
    """Accept `sqlite:///relative.db`, `sqlite:////absolute.db` or `postgresql://…[?schema=s]`."""
    parts = urlsplit(url)
    if parts.scheme == "sqlite":
        raw_path = url[len("sqlite:///") :] if url.startswith("sqlite:///") else ""
        if not raw_path:
            raise ConfigurationError(f"SQLite URL needs a file path: {url!r}")
        return DatabaseLocation(backend="sqlite", sqlite_path=Path(raw_path))
    if parts.scheme in ("postgresql", "postgres"):
        query = parse_qs(parts.query)
        schema = query.pop("schema", [None])[0]
        rest = "&".join(f"{key}={value}" for key, values in query.items() for value in values)
        conninfo = parts._replace(scheme="postgresql", query=rest).geturl()
        return DatabaseLocation(
            backend="postgresql", postgres_conninfo=conninfo, postgres_schema=schema
        )
    raise ConfigurationError(
        f"unsupported database URL scheme {parts.scheme!r}: use sqlite or postgresql"
    )


OFF = frozenset({"0", "off", "no", "false"})


def time_zone_named(name: str) -> ZoneInfo:
    """The IANA zone `name` (`Asia/Makassar`), or a ConfigurationError that says what to give."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise ConfigurationError(
            f"CASEWORK_TIME_ZONE {name!r} is not an IANA time zone name: give one such as "
            "Asia/Jakarta (WIB), Asia/Makassar (WITA) or Asia/Jayapura (WIT)"
        ) from error


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    migrate_database_url: str | None = None
    # Base64 of 32 bytes; when unset the key file below is used (and created by `migrate`).
    master_key: str | None = None
    master_key_file: Path | None = None
    # How often an unpinned command is retried on fresh state after losing a race.
    command_retries: int = 40
    # Commands of this process on the same aggregate take turns instead of racing (False: they
    # race as commands of separate processes do, and versions alone decide).
    command_turns: bool = True
    # Commands taking turns queue their writes for a commit group: one transaction for many,
    # and the next command on an aggregate decides on the queued state (casework.store.
    # commit_groups). False: each command commits alone before letting go of its turn.
    group_commit: bool = True
    # A snapshot of an aggregate every this many of its events (0: no snapshots, pure replay).
    snapshot_interval: int = 100
    # The deployment's IANA time zone: where a rule needs the date of an event that carries no
    # business date of its own (an erasure, a registration), it is its recorded_at's date here.
    time_zone: str = DEFAULT_TIME_ZONE
    # CASEWORK_CELL and CASEWORK_CELL_AREAS as given; checked by `cell` (casework.cell.config).
    cell_name: str | None = None
    cell_areas: str | None = None
    # CASEWORK_MATCHING_KEY: base64 of 32 bytes shared by every cell (casework.cell.digests).
    matching_key: str | None = None

    def __post_init__(self) -> None:
        time_zone_named(self.time_zone)  # refuse a misspelt zone at start, not at first use

    @property
    def zone(self) -> ZoneInfo:
        return time_zone_named(self.time_zone)

    @property
    def cell(self) -> CellConfig | None:
        """The cell this deployment is (None: not a cell, as before cells existed).

        On PostgreSQL a cell keeps every table in the schema `cell_<name>`, so that the
        national side can hold every cell's copy under the same, schema-qualified names; a URL
        naming another schema is refused here, before anything connects.
        """
        # Imported here: casework.cell.config raises this module's ConfigurationError.
        from casework.cell.config import parse_cell

        cell = parse_cell(self.cell_name, self.cell_areas)
        if cell is None:
            return None
        for variable, location in (
            ("CASEWORK_DATABASE_URL", self.database),
            ("CASEWORK_MIGRATE_DATABASE_URL", self.migration_database),
        ):
            if location.is_postgres and location.postgres_schema != cell.schema:
                given = location.postgres_schema or "none (the public schema)"
                raise ConfigurationError(
                    f"cell {cell.name} keeps its tables in the schema {cell.schema}: "
                    f"{variable} names the schema {given}; add ?schema={cell.schema}"
                )
        return cell

    @property
    def database(self) -> DatabaseLocation:
        return parse_database_url(self.database_url)

    @property
    def migration_database(self) -> DatabaseLocation:
        return parse_database_url(self.migrate_database_url or self.database_url)

    @property
    def key_file(self) -> Path:
        """The master key file: beside the SQLite database, else in the working directory."""
        if self.master_key_file is not None:
            return self.master_key_file
        location = self.database
        if location.sqlite_path is not None:
            return location.sqlite_path.with_name(location.sqlite_path.name + ".key")
        return Path("casework-master.key")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        key_file = env.get("CASEWORK_MASTER_KEY_FILE")
        return cls(
            database_url=env.get("CASEWORK_DATABASE_URL", DEFAULT_DATABASE_URL),
            migrate_database_url=env.get("CASEWORK_MIGRATE_DATABASE_URL"),
            master_key=env.get("CASEWORK_MASTER_KEY"),
            master_key_file=Path(key_file) if key_file else None,
            group_commit=env.get("CASEWORK_GROUP_COMMIT", "on").lower() not in OFF,
            time_zone=env.get("CASEWORK_TIME_ZONE") or DEFAULT_TIME_ZONE,
            cell_name=env.get("CASEWORK_CELL") or None,
            cell_areas=env.get("CASEWORK_CELL_AREAS") or None,
            matching_key=env.get("CASEWORK_MATCHING_KEY") or None,
        )
