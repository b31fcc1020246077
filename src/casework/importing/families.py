"""`casework import families`: many families registered per transaction, same rules as the API.

The file is cut into chunks of a batch of families each. Each family is checked and built by
the registration command's own `plan_registration` (warnings do not reject) and its events
sealed, in worker processes (casework.importing.planning). Here the chunks are saved in
file order, each in one transaction with all its KK claims and data keys, after one query
skips those whose KK is already registered, so a re-run records nothing twice. A claim
conflict at save (a KK registered meanwhile) splits the batch until the offending family is
alone and skipped, so one family never loses the others.
"""

from __future__ import annotations

import csv
from collections import deque
from collections.abc import Callable, Iterable
from concurrent.futures import Future
from dataclasses import dataclass
from typing import TextIO

from casework.errors import FieldProblem
from casework.importing.planning import PlannedChunk, Planners, PreparedFamily
from casework.importing.rows import COLUMNS, FamilyRows, family_chunks
from casework.runtime.gc_policy import collecting_rarely
from casework.service import Casework
from casework.store.claims import ClaimChanges, ClaimTaken
from casework.store.database import any_of
from casework.store.digest_rows import DigestChanges
from casework.store.recorder import Write

DEFAULT_BATCH = 500
# The tables an import adds rows to (events, KK claims, family keys).
GROWN_BY_IMPORT = ("stored_events", "unique_claims", "family_keys")
# Families imported before the planner's statistics are first refreshed, then again each time
# that count doubles: a handful of ANALYZEs for a million families.
FIRST_ANALYZE = 5_000


class DoublingSchedule:
    """Due once the count reaches `first`, then each time it has doubled since it was due."""

    def __init__(self, first: int) -> None:
        self._next = max(first, 1)

    def due(self, count: int) -> bool:
        if count < self._next:
            return False
        self._next = 2 * count
        return True


@dataclass
class ImportCounts:
    imported: int = 0
    already_registered: int = 0
    rejected: int = 0
    events: int = 0
    members: int = 0
    warnings: int = 0


class RejectsWriter:
    """The rejected families' rows as read, with their reasons (`field: message; …`)."""

    def __init__(self, open_file: Callable[[], TextIO]) -> None:
        self._open = open_file
        self._file: TextIO | None = None
        self._writer: csv.DictWriter[str] | None = None

    def write(self, family: FamilyRows, problems: Iterable[FieldProblem]) -> None:
        if self._writer is None:
            self._file = self._open()
            self._writer = csv.DictWriter(self._file, [*COLUMNS, "line", "reasons"])
            self._writer.writeheader()
        reasons = "; ".join(f"{p.field}: {p.message}" for p in problems)
        for offset, row in enumerate(family.rows):
            self._writer.writerow({**row, "line": family.line + offset, "reasons": reasons})

    def close(self) -> None:
        if self._file is not None:
            self._file.close()


class FamilyImport:
    def __init__(
        self,
        app: Casework,
        rejects: RejectsWriter,
        *,
        batch: int = DEFAULT_BATCH,
        run: str = "",
        workers: int = 0,
        first_analyze: int = FIRST_ANALYZE,
    ) -> None:
        self.app, self.rejects, self.batch_size, self.run = app, rejects, max(batch, 1), run
        self.workers = workers
        self.counts = ImportCounts()
        self._analysis = DoublingSchedule(first_analyze)

    def add_all(self, lines: Iterable[str], on_batch: Callable[[], None]) -> None:
        """Import the file's lines (header first): chunks of `batch` families are planned by
        the workers (casework.importing.planning) and saved here one at a time, in file
        order, so each save sees the KK claims of the chunks before it."""
        with collecting_rarely(), Planners(self.app, self.run, self.workers) as planners:
            planning: deque[Future[PlannedChunk]] = deque()
            for chunk in family_chunks(lines, self.batch_size):
                planning.append(planners.submit(chunk))
                if len(planning) > planners.ahead:
                    self._save_chunk(planning.popleft().result())
                    on_batch()
            while planning:
                self._save_chunk(planning.popleft().result())
                on_batch()
        if self.counts.imported:
            self._refresh_statistics()

    def _refresh_statistics(self) -> None:
        """A bulk load outgrows the planner's statistics until autovacuum (off on some
        servers) analyzes the tables. Until then a family's load, a prepared statement on a
        generic plan, was seen here to estimate thousands of rows and take 48 ms, not 0.1;
        and the import's own KK lookup to filter every claim on a scan of the scope alone,
        0.4 s a batch by 70,000 families, so it is refreshed during the import too."""
        with self.app.db.transaction() as tx:
            for table in GROWN_BY_IMPORT:
                tx.execute(f"ANALYZE {table}")

    def _save_chunk(self, planned: PlannedChunk) -> None:
        for family, problems in planned.rejected:
            self._reject(family, problems)
        batch = planned.prepared
        held = self._claimed({prepared.claim.key for prepared in batch})
        fresh = [prepared for prepared in batch if prepared.claim.key not in held]
        self.counts.already_registered += len(batch) - len(fresh)
        if fresh:
            self._save(fresh)
        if self._analysis.due(self.counts.imported):
            self._refresh_statistics()

    def _save(self, batch: list[PreparedFamily]) -> None:
        write = Write(
            [event for prepared in batch for event in prepared.events],
            ClaimChanges(take=tuple(prepared.claim for prepared in batch)),
            # The keys commit with the events sealed under them, or not at all.
            new_keys=[(prepared.family_id, prepared.wrapped_key) for prepared in batch],
            digests=DigestChanges(
                kk=tuple(
                    (prepared.kk_digest, prepared.family_id)
                    for prepared in batch
                    if prepared.kk_digest
                )
            ),
        )
        try:
            self.app.event_recorder.insert_writes([write])
        except ClaimTaken:
            # A KK registered since the lookup: halve until the family that holds it is alone.
            if len(batch) == 1:
                self.counts.already_registered += 1
                return
            middle = len(batch) // 2
            self._save(batch[:middle])
            self._save(batch[middle:])
            return
        self.counts.imported += len(batch)
        self.counts.events += len(write.stored_events)
        self.counts.members += sum(prepared.members for prepared in batch)
        self.counts.warnings += sum(1 for prepared in batch if prepared.warned)

    def _claimed(self, keys: set[str]) -> set[str]:
        if not keys:
            return set()
        postgres = self.app.db.location.is_postgres
        match, params = any_of("claim_key", list(keys), postgres=postgres)
        with self.app.db.single_read() as tx:
            tx.execute(
                f"SELECT claim_key FROM unique_claims WHERE scope = 'kk' AND {match}", params
            )
            return {row[0] for row in tx.fetchall()}

    def _reject(self, family: FamilyRows, problems: Iterable[FieldProblem]) -> None:
        self.counts.rejected += 1
        self.rejects.write(family, problems)
