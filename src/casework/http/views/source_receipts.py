"""A funding source's receipts (SP2D and transfers), read from its own events in order.

The source's `received_idr` is their sum; finance needs each with its reference to match it
against the treasury's statement. The cursor is the version of the last receipt shown.
"""

from __future__ import annotations

from uuid import UUID

from casework.aggregates.funding_source import FundingSource
from casework.http.schemas.funding import ReceiptOut, ReceiptPage
from casework.http.views.history import version_after
from casework.service import Casework


def receipts_page(app: Casework, source_id: UUID, *, limit: int, cursor: str | None) -> ReceiptPage:
    app.load(FundingSource, source_id)  # 404 unless this id is a funding source
    records = {r.version: r for r in app.event_records(source_id)}
    found: list[tuple[int, ReceiptOut]] = []
    for event in app.repository.event_store.get(source_id, gt=version_after(cursor)):
        if not isinstance(event, FundingSource.FundsReceived):
            continue
        record = records[event.originator_version]
        receipt = ReceiptOut(
            amount_idr=event.amount_idr,
            reference=event.reference,
            received_on=event.received_on,
            recorded_at=record.recorded_at,
            actor=event.actor,
            position=record.position,
        )
        found.append((event.originator_version, receipt))
        if len(found) > limit:
            break
    next_cursor = str(found[limit - 1][0]) if len(found) > limit else None
    return ReceiptPage([receipt for _, receipt in found[:limit]], next_cursor)
