"""A funding source as the API shows it."""

from __future__ import annotations

from casework.aggregates.funding_source import FundingSource
from casework.http.schemas.funding import FundingSourceOut
from casework.service import Casework


def funding_source_view(
    app: Casework, source: FundingSource, *, position: int | None = None
) -> FundingSourceOut:
    if position is None:
        position = app.event_recorder.position_of(source.id, source.version)
    return FundingSourceOut(
        id=source.id,
        version=source.version,
        position=position,
        code=source.code,
        kind=source.kind,
        name=source.name,
        sponsor=source.sponsor,
        fiscal_year=source.fiscal_year,
        budget_idr=source.budget_idr,
        area=source.area,
        programs=list(source.programs),
        reference=source.reference,
        received_idr=source.received_idr,
        drawn_idr=source.drawn_idr,
        balance_idr=source.balance_idr,
        status=source.status,
    )
