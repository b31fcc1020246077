"""A cell's copy as the national code reads it: a database whose search path is the cell's
read-model schema, then its copy, so that the cell's own read-model code (which names its
tables and `stored_events` unqualified) runs unchanged against them.

The events are decoded without personal fields: the national side has no family key, so a
sealed box is never opened (`KeylessFamilyKeys` fails loudly if anything ever tries).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import cast

from casework.national.naming import copy_schema, read_model_schema
from casework.settings import DatabaseLocation
from casework.store.database import PostgresDatabase
from casework.store.family_keys import FamilyKeys
from casework.store.mapper import EventMapper


def cell_genesis(name: str) -> bytes:
    """h_0 of a cell made new: SHA-256("casework/cell/" ‖ name) (CELL_INTERFACE.md)."""
    return hashlib.sha256(b"casework/cell/" + name.encode()).digest()


def open_copy(national: DatabaseLocation, cell: str) -> PostgresDatabase:
    location = DatabaseLocation(
        backend="postgresql",
        postgres_conninfo=national.postgres_conninfo,
        postgres_schema=f"{read_model_schema(cell)},{copy_schema(cell)}",
    )
    return PostgresDatabase(location, max_connections=4)


class KeylessFamilyKeys:
    """Stands for the family keys the national side does not have."""

    def key_for(self, family_id: object, *, create: bool) -> bytes | None:
        raise RuntimeError("the national side holds no family key: personal fields stay sealed")

    def preload(self, family_ids: object) -> None:
        raise RuntimeError("the national side holds no family key: personal fields stay sealed")


class NoLookupKey:
    """Stands for the master key's lookup digests, which only a cell can make."""

    def lookup_hmac(self, scope: str, value: str) -> str:
        raise RuntimeError("the national side holds no lookup key")


@dataclass
class CopySource:
    """What the projection runner reads events from (its `store`): the cell's copy, decoded by
    casework's mapper with no keys. Only these attributes of a store are read by the runner
    for projections that read no personal data, which are the only ones run nationally."""

    db: PostgresDatabase
    mapper: EventMapper
    keys: KeylessFamilyKeys
    master_key: NoLookupKey

    @classmethod
    def of(cls, db: PostgresDatabase) -> CopySource:
        keys = KeylessFamilyKeys()
        return cls(db, EventMapper(cast(FamilyKeys, keys)), keys, NoLookupKey())
