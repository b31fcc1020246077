"""The tamper-evidence chain: h_n = SHA-256(h_(n-1) ‖ b_n), h_0 = 32 zero bytes.

b_n = u64be(position) ‖ aggregate id (16 bytes) ‖ u64be(version) ‖ u32be(len topic) ‖ topic
(UTF-8) ‖ u32be(len state) ‖ state, with the exact stored state bytes. Written out here so an
auditor can recompute it with nothing but a SQL client and a SHA-256.
"""

from __future__ import annotations

import hashlib
import struct
from uuid import UUID

GENESIS = bytes(32)


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
