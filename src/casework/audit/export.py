"""Audit packages: one family's or funding source's events, decoded, as JSON Lines.

A package is a header line (what, which, when it was exported, the store's head position and
chain hash then, the format), one line per event of the aggregate in version order, and a
trailer with the count. Each event line carries, beside its decoded data (personal fields null
once the family's key is destroyed), the exact stored state (base64), its stored chain hash and
the stored hash of the event before it in the whole store. With those an auditor recomputes
each event's hash with nothing but SHA-256 (`CHAIN` below, DESIGN.md "Tamper evidence"), and
checks the head against a checkpoint kept outside the database (`casework verify --expect`).
"""

from __future__ import annotations

import base64
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, BinaryIO
from uuid import UUID

import msgspec
from eventsourcing.persistence import StoredEvent
from eventsourcing.utils import resolve_topic

from casework.aggregates.event_names import event_facts, event_type
from casework.aggregates.family import Family
from casework.aggregates.funding_source import FundingSource
from casework.application import CaseworkStore
from casework.store.recorder import as_datetime

FORMAT, FORMAT_VERSION = "casework-audit-package", 1
CHAIN = (
    "h_n = SHA-256(h_(n-1) || b_n), h_0 = the header's genesis (32 zero bytes, or SHA-256("
    "'casework/cell/' || name) for a cell begun empty); b_n = u64be(position) || aggregate id "
    "(16 bytes) || u64be(version) || u32be(len topic) || topic (UTF-8) || u32be(len state) || "
    "state, where state is the base64-decoded state_base64"
)
KINDS: dict[str, type[Any]] = {"family": Family, "funding-source": FundingSource}
BATCH = 1000


class UnknownAggregate(LookupError):
    """No aggregate of that kind has that id."""


@dataclass(frozen=True)
class Package:
    """What a package will hold: the aggregate and its events up to the head read first."""

    what: str
    aggregate_id: UUID
    head_position: int
    head_hash: bytes
    events: int


def plan_package(store: CaseworkStore, what: str, aggregate_id: UUID) -> Package:
    """What the package of one family or funding source holds; UnknownAggregate if none."""
    kind = KINDS[what]
    with store.db.transaction() as tx:
        tx.execute("SELECT position, chain_hash FROM stored_events ORDER BY position DESC LIMIT 1")
        head = tx.fetchone() or (0, store.genesis)
        tx.execute(
            "SELECT count(*), min(CASE WHEN originator_version = 1 THEN topic END) "
            "FROM stored_events WHERE originator_id = %s AND position <= %s",
            (aggregate_id, head[0]),
        )
        row = tx.fetchone()
    count, first_topic = row if row else (0, None)
    if not count or first_topic is None or _aggregate_of(first_topic) is not kind:
        raise UnknownAggregate(f"no {what} {aggregate_id}")
    return Package(what, aggregate_id, int(head[0]), bytes(head[1]), int(count))


def write_package(
    store: CaseworkStore,
    package: Package,
    out: BinaryIO,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write the package as JSON Lines; the number of events written."""
    encoder = msgspec.json.Encoder()

    def line(record: dict[str, Any]) -> None:
        out.write(encoder.encode(record) + b"\n")

    line(_header(package, store.genesis))
    written, after = 0, 0
    while rows := _rows(store, package, after):
        for row in rows:
            line(_event_line(store, package.aggregate_id, row))
        written, after = written + len(rows), int(rows[-1][1])
        if progress is not None:
            progress(written, package.events)
    line({"record": "trailer", "events": written})
    return written


def _header(package: Package, genesis: bytes) -> dict[str, Any]:
    return {
        "record": "header",
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "what": package.what,
        "id": str(package.aggregate_id),
        "exported_at": datetime.now(UTC),
        "head_position": package.head_position,
        "head_chain_hash": package.head_hash.hex(),
        "chain": CHAIN,
        "genesis": genesis.hex(),
    }


def _rows(store: CaseworkStore, package: Package, after_version: int) -> list[tuple[Any, ...]]:
    with store.db.transaction() as tx:
        tx.execute(
            "SELECT e.position, e.originator_version, e.topic, e.state, e.recorded_at, "
            "e.chain_hash, p.chain_hash FROM stored_events e "
            "LEFT JOIN stored_events p ON p.position = e.position - 1 "
            "WHERE e.originator_id = %s AND e.originator_version > %s AND e.position <= %s "
            "ORDER BY e.originator_version LIMIT %s",
            (package.aggregate_id, after_version, package.head_position, BATCH),
        )
        rows: list[tuple[Any, ...]] = tx.fetchall()
    return rows


def _event_line(store: CaseworkStore, aggregate_id: UUID, row: tuple[Any, ...]) -> dict[str, Any]:
    position, version, topic, state, recorded_at, chain_hash, previous_hash = row
    state = bytes(state)
    if position == 1:
        previous_hash = store.genesis
    line: dict[str, Any] = {
        "record": "event",
        "position": position,
        "version": version,
        "recorded_at": as_datetime(recorded_at).astimezone(UTC),
        "actor": None,
        "request_id": None,
        "type": None,
        "topic": topic,
        "data": None,
        "state_base64": base64.b64encode(state).decode(),
        # None only where the event before it is missing from the store (`casework verify`).
        "previous_chain_hash": None if previous_hash is None else bytes(previous_hash).hex(),
        "chain_hash": bytes(chain_hash).hex(),
    }
    try:
        event: Any = store.mapper.to_domain_event(StoredEvent(aggregate_id, version, topic, state))
    except Exception as error:  # an altered event is still exported, byte for byte
        line["decode_error"] = f"{type(error).__name__}: {error}"[:200]
        return line
    line["actor"], line["request_id"] = event.actor, event.request_id
    line["type"] = event_type(event)
    line["data"] = event_facts(event)
    return line


def _aggregate_of(topic: str) -> type[Any]:
    """The aggregate class an event topic belongs to (its events are nested in it)."""
    event_class = resolve_topic(topic)
    outer = event_class.__qualname__.split(".")[0]
    return next((kind for kind in KINDS.values() if kind.__name__ == outer), event_class)
