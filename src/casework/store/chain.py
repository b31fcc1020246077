"""The tamper-evidence chain: h_n = SHA-256(h_(n-1) ‖ b_n), from the store's genesis h_0.

h_0 is 32 zero bytes for a store that is not a cell (or that held events when it became one),
and SHA-256("casework/cell/" ‖ name) for a cell started empty (`cell_genesis`), so that two
cells' chains never start alike; the store records its h_0 in `cell_identity`.

b_n = u64be(position) ‖ aggregate id (16 bytes) ‖ u64be(version) ‖ u32be(len topic) ‖ topic
(UTF-8) ‖ u32be(len state) ‖ state, with the exact stored state bytes. Written out here so an
auditor can recompute it with nothing but a SQL client and a SHA-256.
"""

from __future__ import annotations

import hashlib
import struct
from uuid import UUID

GENESIS = bytes(32)


def cell_genesis(name: str) -> bytes:
    """h_0 of a cell that began empty."""
    return hashlib.sha256(b"casework/cell/" + name.encode()).digest()


def event_bytes(position: int, aggregate_id: UUID, version: int, topic: str, state: bytes) -> bytes:
    topic_bytes = topic.encode("utf-8")
    return b"".join(
        (
            struct.pack(">Q", position),
            aggregate_id.bytes,
            struct.pack(">Q", version),
            struct.pack(">I", len(topic_bytes)),
            topic_bytes,
            struct.pack(">I", len(state)),
            state,
        )
    )


def next_hash(
    previous: bytes, position: int, aggregate_id: UUID, version: int, topic: str, state: bytes
) -> bytes:
    digest = hashlib.sha256(previous)
    digest.update(event_bytes(position, aggregate_id, version, topic, state))
    return digest.digest()
