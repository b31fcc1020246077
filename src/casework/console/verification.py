"""Chain verification from the console: started by a form, run in a background thread.

The run recomputes the whole chain (`verify_chain`, as `GET /audit/verify` and `casework
verify` do) and records its result in `console_verifications`, so the page shows the last
result to whoever opens it next. One run at a time per process: a second start while one runs
shows the running one. The checkpoint to copy is `POSITION:HEAD` of the last good run, the
line `casework chain checkpoint` prints.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Annotated, Any

import structlog
from litestar import Controller, Request, Response, get, post
from litestar.response import Redirect, Template

from casework.console.reader import AUDIT_PAGES, Reader
from casework.console.rendering import page
from casework.console.sessions import form_token_matches, now_ms
from casework.console.signin import Form, FormWithToken
from casework.store.chain_check import Checkpoint, verify_chain
from casework.store.database import Database

log = structlog.get_logger("casework.console")


@dataclass(frozen=True)
class VerificationRun:
    started_by: str
    started_ms: int
    finished_ms: int | None
    ok: bool | None
    events_checked: int | None
    head: str | None
    first_bad_position: int | None
    detail: str | None

    @property
    def checkpoint(self) -> str | None:
        if not self.ok or not self.events_checked or self.head is None:
            return None
        return str(Checkpoint(self.events_checked, self.head))


class VerificationRuns:
    def __init__(self, db: Database) -> None:
        self._db = db
        self._lock = threading.Lock()
        self._running: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._running is not None and self._running.is_alive()

    def start(self, started_by: str) -> bool:
        """Start a run unless one is running; whether this call started one."""
        with self._lock:
            if self.running:
                return False
            with self._db.transaction() as tx:
                tx.execute(
                    "INSERT INTO console_verifications (started_by, started_ms) VALUES (%s, %s)",
                    (started_by, now_ms()),
                )
                tx.execute("SELECT max(id) FROM console_verifications")
                row = tx.fetchone()
            run_id = int(row[0]) if row else 0
            self._running = threading.Thread(
                target=self._run, args=(run_id,), name="console-verification", daemon=True
            )
            self._running.start()
            return True

    def _run(self, run_id: int) -> None:
        try:
            report = verify_chain(self._db)
            outcome: tuple[Any, ...] = (
                report.ok,
                report.events_checked,
                report.head,
                report.first_bad_position,
                report.detail,
            )
        except Exception as error:  # recorded, so the page says the run failed and why
            log.exception("console verification failed")
            outcome = (False, None, None, None, f"the verification stopped: {type(error).__name__}")
        with self._db.transaction() as tx:
            tx.execute(
                "UPDATE console_verifications SET finished_ms = %s, ok = %s, events_checked = %s, "
                "head = %s, first_bad_position = %s, detail = %s WHERE id = %s",
                (now_ms(), *outcome, run_id),
            )

    def wait(self, timeout: float) -> None:
        """For tests and shutdown: wait for a running verification to end."""
        thread = self._running
        if thread is not None:
            thread.join(timeout)

    def last(self) -> VerificationRun | None:
        with self._db.single_read() as tx:
            tx.execute(
                "SELECT started_by, started_ms, finished_ms, ok, events_checked, head, "
                "first_bad_position, detail FROM console_verifications ORDER BY id DESC LIMIT 1"
            )
            row = tx.fetchone()
        if row is None:
            return None
        ok = None if row[3] is None else bool(row[3])
        return VerificationRun(row[0], row[1], row[2], ok, *row[4:])


class VerificationPages(Controller):
    path = "/verification"
    opt = {"console_roles": AUDIT_PAGES}  # noqa: RUF012 (litestar reads it as a class field)

    @get("/", sync_to_thread=True)
    def show(self, request: Request[Any, Any, Any], reader: Reader) -> Template:
        runs: VerificationRuns = request.app.state.console_verifications
        last = runs.last()
        return page(
            request,
            reader,
            "verification.html",
            section="verification",
            last=last,
            running=runs.running or (last is not None and last.finished_ms is None),
            form_expired=request.query_params.get("form") == "expired",
        )

    @post("/", sync_to_thread=True, status_code=303)
    def start(
        self,
        request: Request[Any, Any, Any],
        reader: Reader,
        data: Annotated[FormWithToken, Form],
    ) -> Response[Any]:
        if not form_token_matches(reader.session, data.form_token):
            return Redirect("/console/verification?form=expired", status_code=303)
        runs: VerificationRuns = request.app.state.console_verifications
        runs.start(reader.user.name)
        return Redirect("/console/verification", status_code=303)
