"""Planning an import's chunks: each family parsed, checked, built and its events sealed.

Planning is Python from end to end (validation, building the events, sealing the personal
fields under a fresh data key): three quarters of an import's time in a profile here, against
a save that mostly waits on the database. So chunks are planned in worker processes, each
with its own `Casework` on the same store and master key, and the importing process saves
the planned chunks in file order while the workers plan the next ones. With no workers
(`workers=0`) the same planner runs in the importing process.

A worker saves nothing: it returns the sealed events, the KK claim and the wrapped data key
of each family, for the importing process to store together, in one transaction, under the
same rules as a registration through the API, whose `plan_registration` and event mapper it
uses.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any, Self
from uuid import UUID

from eventsourcing.persistence import StoredEvent

from casework.aggregates.base import Cause
from casework.cell.digests import digest_changes
from casework.commands.families import PlannedFamily
from casework.errors import FieldProblem, ValidationFailed
from casework.importing.rows import FamilyRows, FileChunk, read_families
from casework.runtime.gc_policy import collect_rarely
from casework.service import Casework
from casework.settings import Settings
from casework.store.claims import Claim, ClaimChanges

ACTOR = "cli:import"


@dataclass(frozen=True)
class PreparedFamily:
    """A family ready to store: its sealed events, its KK claim and its wrapped data key."""

    family_id: UUID
    claim: Claim
    events: list[StoredEvent]
    wrapped_key: bytes
    members: int
    warned: bool
    # The matching digest of its KK number (b"": no CASEWORK_MATCHING_KEY); a registration
    # has no deliveries, so this is all the digests it writes.
    kk_digest: bytes = b""


@dataclass
class PlannedChunk:
    prepared: list[PreparedFamily] = field(default_factory=list)
    rejected: list[tuple[FamilyRows, list[FieldProblem]]] = field(default_factory=list)

    def __reduce__(self) -> tuple[Any, ...]:
        # Sent from a worker to the importing process as flat columns: pickling some ten
        # objects a family (ids, claims, events, each with its own state) took 12-15 µs a
        # family each way here, the columns 3-5 (about 5% of an import's CPU).
        return (_unpacked, (_packed(self.prepared), self.rejected))


# One family's columns in `_packed`: a 16-byte id, then the claim, key and counts; its
# events are `versions`/`topics`/`states` entries, `events` of them.
_Packed = tuple[
    bytes,
    list[str],
    list[str],
    list[bytes],
    list[int],
    list[bool],
    list[int],
    list[int],
    list[str],
    list[bytes],
    list[bytes],
]


def _packed(prepared: list[PreparedFamily]) -> _Packed:
    events = [event for family in prepared for event in family.events]
    return (
        b"".join(family.family_id.bytes for family in prepared),
        [family.claim.scope for family in prepared],
        [family.claim.key for family in prepared],
        [family.wrapped_key for family in prepared],
        [family.members for family in prepared],
        [family.warned for family in prepared],
        [len(family.events) for family in prepared],
        [event.originator_version for event in events],
        [event.topic for event in events],
        [event.state for event in events],
        [family.kk_digest for family in prepared],
    )


def _unpacked(
    packed: _Packed, rejected: list[tuple[FamilyRows, list[FieldProblem]]]
) -> PlannedChunk:
    ids, scopes, keys, wrapped, members, warned, counts, versions, topics, states, kk = packed
    prepared: list[PreparedFamily] = []
    first = 0
    for index, count in enumerate(counts):
        family_id = UUID(bytes=ids[16 * index : 16 * index + 16])
        events = [
            StoredEvent(family_id, versions[at], topics[at], states[at])
            for at in range(first, first + count)
        ]
        first += count
        claim = Claim(scopes[index], keys[index], family_id)
        prepared.append(
            PreparedFamily(
                family_id, claim, events, wrapped[index], members[index], warned[index], kk[index]
            )
        )
    return PlannedChunk(prepared, rejected)


class ChunkPlanner:
    def __init__(self, app: Casework, run: str) -> None:
        self.app, self.run = app, run

    def plan(self, chunk: FileChunk) -> PlannedChunk:
        planned = PlannedChunk()
        lines: dict[str, int] = {}  # KK number -> line, for the families of this chunk
        for family in read_families(chunk.lines(), first_line=chunk.first_line):
            problems = family.problems or self._listed_again(family, lines)
            if problems:
                planned.rejected.append((family, problems))
                continue
            try:
                registration = self._plan(family)
            except ValidationFailed as failed:
                planned.rejected.append((family, list(failed.problems)))
                continue
            lines[family.kk_number] = family.line
            planned.prepared.append(self._prepare(registration))
        return planned

    @staticmethod
    def _listed_again(family: FamilyRows, lines: dict[str, int]) -> list[FieldProblem]:
        earlier = lines.get(family.kk_number)
        if earlier is None:
            return []
        message = f"listed again in this file (first at line {earlier})"
        return [FieldProblem("kk_number", message)]

    def _plan(self, family: FamilyRows) -> PlannedFamily:
        cause = Cause(actor=ACTOR, request_id=f"import-{self.run}-line-{family.line}")
        return self.app.plan_registration(
            cause,
            kk_number=family.kk_number,
            area_code=family.area_code,
            address=family.address,
            welfare_desil=family.welfare_desil,
            members=family.members,
        )

    def _prepare(self, planned: PlannedFamily) -> PreparedFamily:
        family = planned.family
        # Decided as a registration's save decides them (casework.cell.digests).
        digests = digest_changes(
            self.app.matching_key,
            [(family, family.pending_events)],
            ClaimChanges(take=(planned.claim,)),
        )
        # The key is made and cached first, so sealing the events below finds it.
        wrapped = self.app.keys.new_key(family.id)
        events = [self.app.mapper.to_stored_event(event) for event in family.collect_events()]
        return PreparedFamily(
            family.id,
            planned.claim,
            events,
            wrapped,
            len(family.members),
            bool(planned.warnings),
            digests.kk[0][0] if digests.kk else b"",
        )


def _planned_now(planner: ChunkPlanner, chunk: FileChunk) -> Future[PlannedChunk]:
    done: Future[PlannedChunk] = Future()
    try:
        done.set_result(planner.plan(chunk))
    except BaseException as error:  # raised to whoever asks for the result, as a worker's
        done.set_exception(error)
    return done


class Planners:
    """Where chunks are planned: `workers` processes, or the importing process when 0."""

    def __init__(self, app: Casework, run: str, workers: int) -> None:
        self.workers = max(workers, 0)
        self._pool: ProcessPoolExecutor | None = None
        self._here: ChunkPlanner | None = None
        if self.workers:
            # spawn, not fork: the importing process holds database connections and threads.
            self._pool = ProcessPoolExecutor(
                self.workers,
                mp_context=multiprocessing.get_context("spawn"),
                initializer=_start_worker,
                initargs=(app.settings, run),
            )
        else:
            self._here = ChunkPlanner(app, run)

    @property
    def ahead(self) -> int:
        """Chunks to have submitted beyond the one being saved: two per worker keeps each
        busy while the importing process saves; none without workers."""
        return 2 * self.workers

    def submit(self, chunk: FileChunk) -> Future[PlannedChunk]:
        if self._pool is None:
            assert self._here is not None
            return _planned_now(self._here, chunk)
        return self._pool.submit(_plan_in_worker, chunk)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=True, cancel_futures=True)


# A worker process's planner, made once by `_start_worker`.
_worker_planner: ChunkPlanner | None = None


def _start_worker(settings: Settings, run: str) -> None:
    global _worker_planner
    _worker_planner = ChunkPlanner(Casework(settings), run)
    collect_rarely()


def _plan_in_worker(chunk: FileChunk) -> PlannedChunk:
    assert _worker_planner is not None, "set up by the pool's initializer"
    return _worker_planner.plan(chunk)
