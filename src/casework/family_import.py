"""`casework import families`: many families registered per transaction, same rules as the API.

Each family is checked and built by the registration command's own `plan_registration`
(warnings do not reject). Valid families are saved a batch at a time in one `save_all` with
all their KK claims, after one query skips those whose KK is already registered, so a re-run
records nothing twice. Their data keys are created for the whole batch in one transaction
first (an orphan key of a batch that then fails is harmless). A claim conflict at save (a KK
registered meanwhile) splits the batch until the offending family is alone and skipped, so
one family never loses the others.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import TextIO

from casework.aggregates.base import Cause
from casework.commands.families import PlannedFamily
from casework.errors import Conflict, FieldProblem, ValidationFailed
from casework.family_import_rows import COLUMNS, FamilyRows
from casework.service import Casework
from casework.store.claims import ClaimChanges

ACTOR = "cli:import"
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
        first_analyze: int = FIRST_ANALYZE,
    ) -> None:
        self.app, self.rejects, self.batch_size, self.run = app, rejects, max(batch, 1), run
        self.counts = ImportCounts()
        self._analysis = DoublingSchedule(first_analyze)
        self._batch: list[PlannedFamily] = []
        self._lines: dict[str, int] = {}  # KK number -> line, for the families of this batch

    def add_all(self, families: Iterable[FamilyRows], on_batch: Callable[[], None]) -> None:
        """Plan each batch while the one before it is saved in a worker thread: a batch's
        planning (validation, events) is Python, its save mostly waiting on the database
        (a quarter of an import's time, in a profile here)."""
        with ThreadPoolExecutor(1, thread_name_prefix="import-save") as saver:
            saving: Future[None] | None = None
            for family in families:
                self.add(family)
                if len(self._batch) >= self.batch_size:
                    saving = self._hand_over(saver, saving)
                    on_batch()
            self._hand_over(saver, saving).result()
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

    def add(self, family: FamilyRows) -> None:
        if family.problems:
            self._reject(family, family.problems)
            return
        earlier = self._lines.get(family.kk_number)
        if earlier is not None:
            message = f"listed again in this file (first at line {earlier})"
            self._reject(family, [FieldProblem("kk_number", message)])
            return
        cause = Cause(actor=ACTOR, request_id=f"import-{self.run}-line-{family.line}")
        try:
            planned = self.app.plan_registration(
                cause,
                kk_number=family.kk_number,
                area_code=family.area_code,
                address=family.address,
                welfare_desil=family.welfare_desil,
                members=family.members,
            )
        except ValidationFailed as failed:
            self._reject(family, failed.problems)
            return
        self._batch.append(planned)
        self._lines[family.kk_number] = family.line

    def _hand_over(self, saver: ThreadPoolExecutor, previous: Future[None] | None) -> Future[None]:
        """Start saving the batch planned so far, once the save before it is done: one save
        at a time, in file order, so each sees the KK claims of the batches before it."""
        batch, self._batch = self._batch, []
        self._lines.clear()
        if previous is not None:
            previous.result()  # raises what that save raised
        return saver.submit(self._save_batch, batch)

    def _save_batch(self, batch: list[PlannedFamily]) -> None:
        held = self._claimed({planned.claim.key for planned in batch})
        fresh = [planned for planned in batch if planned.claim.key not in held]
        self.counts.already_registered += len(batch) - len(fresh)
        if fresh:
            self.app.keys.create_for_new([planned.family.id for planned in fresh])
            self._save(fresh)
        if self._analysis.due(self.counts.imported):
            self._refresh_statistics()

    def _save(self, planned: list[PlannedFamily]) -> None:
        pending = [list(p.family.pending_events) for p in planned]
        try:
            self.app.save_all(
                *(p.family for p in planned),
                claims=ClaimChanges(take=tuple(p.claim for p in planned)),
            )
        except Conflict:
            # Nothing was written, but saving collected the events: give them back.
            for p, events in zip(planned, pending, strict=True):
                p.family.pending_events[:] = events
            # A KK registered since the lookup: halve until the family that holds it is alone.
            if len(planned) == 1:
                self.counts.already_registered += 1
                return
            middle = len(planned) // 2
            self._save(planned[:middle])
            self._save(planned[middle:])
            return
        self.counts.imported += len(planned)
        self.counts.events += sum(len(events) for events in pending)
        self.counts.members += sum(len(p.family.members) for p in planned)
        self.counts.warnings += sum(1 for p in planned if p.warnings)

    def _claimed(self, keys: set[str]) -> set[str]:
        if not keys:
            return set()
        marks = ", ".join(["%s"] * len(keys))
        with self.app.db.transaction() as tx:
            tx.execute(
                "SELECT claim_key FROM unique_claims "
                f"WHERE scope = 'kk' AND claim_key IN ({marks})",
                list(keys),
            )
            return {row[0] for row in tx.fetchall()}

    def _reject(self, family: FamilyRows, problems: Iterable[FieldProblem]) -> None:
        self.counts.rejected += 1
        self.rejects.write(family, problems)
