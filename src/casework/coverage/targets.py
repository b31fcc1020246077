"""A target as the coverage read model keeps it: the aggregate's state, encoded, so the
projection can ask which terms were in force for a period without loading the aggregate."""

from __future__ import annotations

from uuid import UUID

import msgspec

from casework.aggregates.programme_target import ProgrammeTarget, Revision, Terms


class TargetRecord(msgspec.Struct):
    program: str
    from_period: str
    first: Terms
    revisions: list[Revision]
    ended_after: str | None


_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(TargetRecord)


def record_of(target: ProgrammeTarget) -> TargetRecord:
    return TargetRecord(
        target.program, target.from_period, target.first, list(target.revisions), target.ended_after
    )


def target_of(target_id: UUID, record: TargetRecord) -> ProgrammeTarget:
    """A ProgrammeTarget holding the record's state (only its queries are used)."""
    target = object.__new__(ProgrammeTarget)
    target.__dict__.update(
        _id=target_id,
        program=record.program,
        cycle="monthly",
        from_period=record.from_period,
        first=record.first,
        revisions=list(record.revisions),
        ended_after=record.ended_after,
    )
    return target


def encode(record: TargetRecord) -> str:
    return _ENCODER.encode(record).decode()


def decode(text: str | bytes) -> TargetRecord:
    return _DECODER.decode(text)
