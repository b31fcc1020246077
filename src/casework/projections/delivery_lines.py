"""Delivery line items (`/reconciliation/deliveries`): one per draw, in position order.

Read as of the answer's position: a draw after it is not listed yet, a void after it not
shown yet, so a page agrees with the reconciliation at the same position.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any
from uuid import UUID

from casework.projections.read_rows import DeliveryLine
from casework.store.database import Database, uuid_from_row


@dataclass(frozen=True)
class DeliveryFilter:
    funding_source_id: UUID | None = None
    period: str | None = None
    program: str | None = None


def delivery_lines(
    db: Database, position: int, only: DeliveryFilter, *, after: int, limit: int
) -> tuple[list[DeliveryLine], str | None]:
    """A page of line items after position `after`, and the cursor of the next page."""
    sql = (
        "SELECT d.delivery_id, d.family_id, d.funding_source_id, d.area_code, d.program, "
        "d.period, d.value_idr, d.delivered_on, d.voided_position, d.position "
        "FROM funding_ledger_deliveries d "
        "WHERE d.position > %s AND d.position <= %s"
    )
    params: list[Any] = [after, position]
    for column in ("funding_source_id", "period", "program"):
        value = getattr(only, column)
        if value is not None:
            sql += f" AND d.{column} = %s"
            params.append(value)
    sql += " ORDER BY d.position LIMIT %s"
    params.append(limit + 1)
    with db.transaction() as tx:
        tx.execute(sql, params)
        rows = tx.fetchall()
    items = [_line(row, position) for row in rows[:limit]]
    next_cursor = str(items[-1].position) if len(rows) > limit else None
    return items, next_cursor


def every_delivery_line(
    db: Database, position: int, only: DeliveryFilter, *, page: int = 10_000
) -> list[DeliveryLine]:
    """Every line the filter keeps, as of `position` (for files, which are not paged)."""
    lines: list[DeliveryLine] = []
    after = 0
    while True:
        items, next_cursor = delivery_lines(db, position, only, after=after, limit=page)
        lines += items
        if next_cursor is None:
            return lines
        after = items[-1].position


def _line(row: tuple[Any, ...], position: int) -> DeliveryLine:
    delivery_id, family_id, source_id, area, program, period, value, on, voided_at, drawn_at = row
    voided = voided_at is not None and voided_at <= position
    return DeliveryLine(
        delivery_id=uuid_from_row(delivery_id),
        family_id=uuid_from_row(family_id),
        funding_source_id=uuid_from_row(source_id),
        area_code=area,
        program=program,
        period=period,
        value_idr=int(value),
        delivered_on=on if on is None or isinstance(on, date) else date.fromisoformat(on),
        status="voided" if voided else "delivered",
        position=int(drawn_at),
    )
