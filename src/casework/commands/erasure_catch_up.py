"""Families erased before erasure ended their programmes: end them now (run by `migrate`).

Until 2026-12, an erasure left the family's UPPKA memberships and DASHAT enrolments active, and
nobody could end them afterwards (an exit names a NIK, and the NIKs were gone). `casework
migrate` appends, for each such family, the closing events an erasure now records itself:
`LeftUppka`/`ExitedDashat` dated on the erasure's date (its `recorded_at` in the deployment's
time zone), reason `erased`, actor `cli:migrate`. Old events keep their meaning. It runs once
per store: a row in `data_fixes` says it is done (the scan reads every event's topic), and
erasures since end these themselves.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

from casework.aggregates.base import Cause
from casework.aggregates.family import Family
from casework.application import CaseworkStore
from casework.store.recorder import as_datetime

ACTOR = "cli:migrate"
FIX = "erasure-ends-participations"


def erasure_dates(app: CaseworkStore) -> dict[UUID, date]:
    """Each erased family and the date of its erasure in the deployment's time zone."""
    with app.db.transaction() as tx:
        tx.execute(
            "SELECT originator_id, recorded_at FROM stored_events WHERE topic = %s",
            (Family.PersonalDataErased.TOPIC,),
        )
        rows = tx.fetchall()
    zone = app.settings.zone
    return {UUID(str(family_id)): as_datetime(at).astimezone(zone).date() for family_id, at in rows}


def end_erased_participations(app: CaseworkStore) -> int | None:
    """Append the closing events every erased family still lacks; the number of families, or
    None when this store was already done."""
    if _done(app):
        return None
    closed = 0
    for family_id, erased_on in erasure_dates(app).items():
        family = app.load(Family, family_id)
        cause = Cause(actor=ACTOR, request_id=f"migrate-{uuid4()}")
        if family.end_participations(cause, on=erased_on):
            app.save_all(family)
            closed += 1
    with app.db.transaction() as tx:
        tx.execute(
            "INSERT INTO data_fixes (name, detail) VALUES (%s, %s)",
            (FIX, f"ended the UPPKA memberships and DASHAT enrolments of {closed} family(ies)"),
        )
    return closed


def _done(app: CaseworkStore) -> bool:
    with app.db.transaction() as tx:
        tx.execute("SELECT 1 FROM data_fixes WHERE name = %s", (FIX,))
        return tx.fetchone() is not None
