"""Encodes the library's dataclass events with msgspec, sealing personal fields per family.

An event class lists its personal fields in `PERSONAL_FIELDS`. Those are taken out of the
plain JSON and stored, together, as one AES-GCM box under the family's own data key (bound to
the aggregate id, version and topic, so a box cannot be moved to another event). Everything
else, financial facts included, stays in the clear. When the key is gone (erasure), the
personal fields decode as null and the stored bytes stay exactly as they were.
"""

from __future__ import annotations

import base64
import functools
import struct
from typing import Any
from uuid import UUID

import msgspec
from eventsourcing.domain import DomainEventProtocol
from eventsourcing.persistence import Mapper, StoredEvent, Transcoder
from eventsourcing.utils import get_topic, resolve_topic

from casework.store.crypto import open_sealed, seal
from casework.store.family_keys import FamilyKeys

SEALED = "sealed"


class NoTranscoder(Transcoder):
    """The base Mapper wants a transcoder; msgspec does the work here instead."""

    def encode(self, obj: Any) -> bytes:
        raise NotImplementedError

    def decode(self, data: bytes) -> Any:
        raise NotImplementedError


def _associated(originator_id: UUID, version: int, topic: str) -> bytes:
    return originator_id.bytes + struct.pack(">Q", version) + topic.encode()


def seal_personal(key: bytes, secret: bytes, originator_id: UUID, version: int, topic: str) -> str:
    """The personal part as one AES-GCM box (base64), bound to its aggregate, version and topic.

    Snapshots seal theirs the same way, with the topic "snapshot".
    """
    box = seal(key, secret, _associated(originator_id, version, topic))
    return base64.b64encode(box).decode()


def open_personal(key: bytes, box: str, originator_id: UUID, version: int, topic: str) -> bytes:
    """The sealed bytes back; raises (InvalidTag) when the box or its binding was altered."""
    return open_sealed(key, base64.b64decode(box), _associated(originator_id, version, topic))


@functools.cache
def _decoder_for(event_class: type) -> msgspec.json.Decoder[Any]:
    """A typed decoder per event class, made once (a rebuild decodes millions of events)."""
    return msgspec.json.Decoder(event_class)


class EventMapper(Mapper[UUID]):
    def __init__(self, keys: FamilyKeys) -> None:
        super().__init__(transcoder=NoTranscoder())
        self.keys = keys
        self._decoder = msgspec.json.Decoder()
        self._encoder = msgspec.json.Encoder()

    def to_stored_event(self, domain_event: DomainEventProtocol[UUID]) -> StoredEvent:
        event_class = type(domain_event)
        topic = get_topic(event_class)
        personal: tuple[str, ...] = getattr(event_class, "PERSONAL_FIELDS", ())
        if personal:
            state = self._encode_sealed(domain_event, topic, personal)
        else:
            state = self._encoder.encode(domain_event)
        return StoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=topic,
            state=state,
        )

    def _encode_sealed(
        self, event: DomainEventProtocol[UUID], topic: str, personal: tuple[str, ...]
    ) -> bytes:
        data: dict[str, Any] = msgspec.to_builtins(event)
        secret = {name: data.pop(name) for name in personal}
        key = self.keys.key_for(event.originator_id, create=True)
        assert key is not None
        data[SEALED] = seal_personal(
            key, self._encoder.encode(secret), event.originator_id, event.originator_version, topic
        )
        return self._encoder.encode(data)

    def to_domain_event(
        self, stored_event: StoredEvent, *, with_personal: bool = True
    ) -> DomainEventProtocol[UUID]:
        """The event; `with_personal=False` leaves its personal fields None, as after an
        erasure, and needs no key (for a read model that shows none of them)."""
        originator_id = stored_event.originator_id
        return self.decode(
            resolve_topic(stored_event.topic),
            originator_id if isinstance(originator_id, UUID) else UUID(str(originator_id)),
            stored_event.originator_version,
            stored_event.topic,
            stored_event.state,
            with_personal=with_personal,
        )

    def decode(
        self,
        event_class: type,
        originator_id: UUID,
        version: int,
        topic: str,
        state: bytes,
        *,
        with_personal: bool = True,
    ) -> DomainEventProtocol[UUID]:
        """`to_domain_event` from a stored row's parts, its topic already resolved: a rebuild
        decodes millions of rows and need not make a `StoredEvent` of each first."""
        personal: tuple[str, ...] = getattr(event_class, "PERSONAL_FIELDS", ())
        if not personal:
            event: DomainEventProtocol[UUID] = _decoder_for(event_class).decode(state)
            return event
        data: dict[str, Any] = self._decoder.decode(state)
        box: str = data.pop(SEALED)
        key = self.keys.key_for(originator_id, create=False) if with_personal else None
        if key is None:
            data.update(dict.fromkeys(personal))
        else:
            secret = open_personal(key, box, originator_id, version, topic)
            data.update(self._decoder.decode(secret))
        converted: DomainEventProtocol[UUID] = msgspec.convert(data, type=event_class)
        return converted
