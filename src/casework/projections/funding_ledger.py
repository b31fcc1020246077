"""The funding ledger behind `/reconciliation`: built from funding-source events alone.

Per event that moves money (or opens or closes a source) one entry, holding the source's
figures after it and, for a draw or its reversal, those of its programme and period; the
current figures beside them, to compute the next entry; and a line per delivery. The only
other event read is the family's AidDelivered, for the delivery date (not personal data).
"""

from __future__ import annotations

from dataclasses import astuple
from typing import Any
from uuid import UUID

from casework.aggregates.family import Family
from casework.aggregates.funding_source import FundingSource
from casework.database import Transaction
from casework.projections.base import StoredFact
from casework.projections.ledger_figures import ENTRY_KINDS, Figures, entry_amount

_FIGURES = (
    "budget_idr, received_idr, drawn_idr, voided_idr, deliveries, "
    "unreceived_since, over_received_since"
)
_DRAWS = (FundingSource.Drawn, FundingSource.DrawReversed)


class FundingLedgerProjection:
    name = "funding_ledger"
    tables: tuple[str, ...] = (
        "funding_ledger_entries",
        "funding_ledger_programs",
        "funding_ledger_deliveries",
        "funding_ledger_delivery_dates",
        "funding_ledger_sources",
    )

    @property
    def handles(self) -> frozenset[type[Any]]:
        return frozenset({Family.AidDelivered, *ENTRY_KINDS})

    def __init__(self) -> None:
        # The figures this batch has written, so a busy source's next draw need not read back
        # its last: a batch is one transaction and this projection the only writer of its rows
        # (the position row is locked), so they are the table's. A new transaction (the next
        # batch, or a retry after a rollback) starts empty.
        self._batch: Transaction | None = None
        self._sources: dict[UUID, Figures] = {}
        self._programmes: dict[tuple[UUID, str, str], tuple[int, int]] = {}

    def _in_batch(self, tx: Transaction) -> None:
        if tx is not self._batch:
            self._batch, self._sources, self._programmes = tx, {}, {}

    def apply(self, tx: Transaction, fact: StoredFact) -> None:
        self._in_batch(tx)
        event = fact.event
        if isinstance(event, Family.AidDelivered):
            tx.execute(
                "INSERT INTO funding_ledger_delivery_dates (delivery_id, delivered_on) "
                "VALUES (%s, %s) ON CONFLICT (delivery_id) DO NOTHING",
                (event.delivery_id, event.delivered_on),
            )
            return
        kind = ENTRY_KINDS.get(type(event))
        if kind is None:
            return
        if isinstance(event, FundingSource.Opened):
            _open(tx, fact.aggregate_id, event)
            before = Figures()
        else:
            known = self._sources.get(fact.aggregate_id)
            before = _current(tx, fact.aggregate_id) if known is None else known
        after = before.after(event, fact.position)
        self._sources[fact.aggregate_id] = after
        tx.execute(
            f"UPDATE funding_ledger_sources SET ({_FIGURES}) = "
            "(%s, %s, %s, %s, %s, %s, %s) WHERE funding_source_id = %s",
            (*astuple(after), fact.aggregate_id),
        )
        programme: tuple[int, int] | tuple[None, None] = (None, None)
        if isinstance(event, _DRAWS):
            programme = self._programme_after(tx, fact.aggregate_id, event)
            _delivery_line(tx, fact, event)
        tx.execute(
            "INSERT INTO funding_ledger_entries (position, recorded_at, funding_source_id, "
            f"entry, amount_idr, delivery_id, program, period, {_FIGURES}, "
            "program_deliveries, program_value_idr) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            (
                fact.position,
                fact.stored_recorded_at,
                fact.aggregate_id,
                kind,
                entry_amount(event),
                getattr(event, "delivery_id", None),
                getattr(event, "program", None),
                getattr(event, "period", None),
                *astuple(after),
                *programme,
            ),
        )

    def _programme_after(self, tx: Transaction, source_id: UUID, event: Any) -> tuple[int, int]:
        """The programme and period's (deliveries, value) after a draw or its reversal."""
        sign = 1 if isinstance(event, FundingSource.Drawn) else -1
        key: tuple[UUID, str, str] = (source_id, event.program, event.period)
        before = self._programmes[key] if key in self._programmes else _programme(tx, key)
        deliveries, value = (0, 0) if before is None else before
        after = (deliveries + sign, value + sign * event.value_idr)
        _write_programme(tx, key, after, new=before is None)
        self._programmes[key] = after
        return after


def _open(tx: Transaction, source_id: UUID, event: FundingSource.Opened) -> None:
    tx.execute(
        "INSERT INTO funding_ledger_sources (funding_source_id, code, kind, fiscal_year, area, "
        f"{_FIGURES}) VALUES (%s, %s, %s, %s, %s, 0, 0, 0, 0, 0, NULL, NULL)",
        (source_id, event.code, event.kind, event.fiscal_year, event.area),
    )


def _current(tx: Transaction, source_id: UUID) -> Figures:
    tx.execute(
        f"SELECT {_FIGURES} FROM funding_ledger_sources WHERE funding_source_id = %s",
        (source_id,),
    )
    row = tx.fetchone()
    return Figures() if row is None else Figures(*row)


def _programme(tx: Transaction, key: tuple[UUID, str, str]) -> tuple[int, int] | None:
    tx.execute(
        "SELECT deliveries, value_idr FROM funding_ledger_programs "
        "WHERE funding_source_id = %s AND program = %s AND period = %s",
        key,
    )
    row = tx.fetchone()
    return None if row is None else (int(row[0]), int(row[1]))


def _write_programme(
    tx: Transaction, key: tuple[UUID, str, str], after: tuple[int, int], *, new: bool
) -> None:
    if new:
        tx.execute(
            "INSERT INTO funding_ledger_programs "
            "(funding_source_id, program, period, deliveries, value_idr) "
            "VALUES (%s, %s, %s, %s, %s)",
            (*key, *after),
        )
    else:
        tx.execute(
            "UPDATE funding_ledger_programs SET deliveries = %s, value_idr = %s "
            "WHERE funding_source_id = %s AND program = %s AND period = %s",
            (*after, *key),
        )


def _delivery_line(tx: Transaction, fact: StoredFact, event: Any) -> None:
    if isinstance(event, FundingSource.DrawReversed):
        tx.execute(
            "UPDATE funding_ledger_deliveries SET voided_position = %s WHERE delivery_id = %s",
            (fact.position, event.delivery_id),
        )
        return
    tx.execute(
        "INSERT INTO funding_ledger_deliveries (delivery_id, position, funding_source_id, "
        "family_id, area_code, program, period, value_idr) "
        "VALUES (%s, %s, %s, %s, %s, %s, %s, %s)",
        (
            event.delivery_id,
            fact.position,
            fact.aggregate_id,
            event.family_id,
            event.area_code,
            event.program,
            event.period,
            event.value_idr,
        ),
    )
