"""The funding-source list: filtered by fiscal year, kind and area, ordered by code."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import msgspec

from casework.projections.paging import decode_cursor, encode_cursor
from casework.projections.read_rows import FundingSourceOut
from casework.projections.source_filters import SourceFilter
from casework.store.database import Database, uuid_from_row

_COLUMNS = (
    "funding_source_id, version, position, code, kind, name, sponsor, fiscal_year, budget_idr, "
    "area, programs, reference, received_idr, drawn_idr, status"
)


def funding_sources(
    db: Database, sources: SourceFilter, *, cursor: str | None, limit: int
) -> tuple[list[FundingSourceOut], str | None]:
    """A page of sources after the cursor (the last code and id given), and the next cursor."""
    where, params = sources.where("s")
    after: tuple[str, UUID] | None = decode_cursor(cursor, tuple[str, UUID])
    if after is not None:
        where += " AND (s.code > %s OR (s.code = %s AND s.funding_source_id > %s))"
        params.extend([after[0], after[0], after[1]])
    with db.transaction() as tx:
        tx.execute(
            f"SELECT {_COLUMNS} FROM funding_source_list s WHERE 1 = 1{where} "
            "ORDER BY s.code, s.funding_source_id LIMIT %s",
            (*params, limit + 1),
        )
        rows = tx.fetchall()
    items = [_source(row) for row in rows[:limit]]
    last = items[-1] if items else None
    next_cursor = encode_cursor([last.code, str(last.id)]) if last and len(rows) > limit else None
    return items, next_cursor


def _source(row: tuple[Any, ...]) -> FundingSourceOut:
    source_id, version, position, code, kind, name, sponsor, year, budget, *rest = row
    area, programs, reference, received, drawn, status = rest
    return FundingSourceOut(
        id=uuid_from_row(source_id),
        version=int(version),
        position=int(position),
        code=code,
        kind=kind,
        name=name,
        sponsor=sponsor,
        fiscal_year=int(year),
        budget_idr=int(budget),
        area=area,
        programs=msgspec.json.decode(programs, type=list[str]),
        reference=reference,
        received_idr=int(received),
        drawn_idr=int(drawn),
        balance_idr=int(budget) - int(drawn),
        status=status,
    )
