"""FundingSource rules, given/when/then, on the aggregate alone (API.md "Funding sources")."""

from __future__ import annotations

from datetime import date

import pytest

from aggregate_builders import (
    AREA,
    CAUSE,
    LATER,
    SOURCE_ID,
    draw_request,
    open_source,
    refused,
    replayed,
    state,
)
from casework.aggregates.funding_source import FundingSource
from casework.validation.areas import area_covers

BUDGET = 1_000_000
OUTSIDE_KOTA_KUPANG = "53.72.01.1001"
KABUPATEN_KUPANG_VILLAGE = "53.01.04.2003"  # Bokonusan, Semau


def test_opening_records_the_terms_and_the_cause() -> None:
    source = open_source(budget_idr=BUDGET, programs=("ina_kasih", "sembako"))

    [event] = source.collect_events()
    assert isinstance(event, FundingSource.Opened)
    assert (event.actor, event.request_id, event.originator_id) == (
        CAUSE.actor,
        CAUSE.request_id,
        SOURCE_ID,
    )
    assert (source.version, source.status, source.fiscal_year) == (1, "open", 2025)
    assert (source.budget_idr, source.received_idr, source.drawn_idr) == (BUDGET, 0, 0)
    assert source.programs == ("ina_kasih", "sembako") and source.area == "53.71"


# -- draws -----------------------------------------------------------------------------------


def test_a_draw_is_recorded_with_its_financial_facts() -> None:
    source = open_source(budget_idr=BUDGET)
    request = draw_request(60_000)

    source.draw(LATER, request)

    assert (source.drawn_idr, source.balance_idr, source.version) == (60_000, 940_000, 2)
    event = source.collect_events()[-1]
    assert isinstance(event, FundingSource.Drawn)
    assert (event.delivery_id, event.family_id, event.value_idr, event.area_code) == (
        request.delivery_id,
        request.family_id,
        60_000,
        AREA,
    )
    assert (event.actor, event.request_id) == (LATER.actor, LATER.request_id)


def test_a_closed_source_refuses_draws() -> None:
    source = open_source()
    source.close(CAUSE, reason="fiscal year ended")
    with refused("funding-closed", source):
        source.draw(CAUSE, draw_request(1_000))


def test_a_programme_the_source_does_not_fund_is_not_eligible() -> None:
    source = open_source(programs=("ina_kasih",))
    with refused("funding-not-eligible", source):
        source.draw(CAUSE, draw_request(1_000, program="sembako"))


def test_the_area_rule_compares_code_parts() -> None:
    assert area_covers("53.71", AREA)
    assert not area_covers("53.71", OUTSIDE_KOTA_KUPANG)
    assert not area_covers("53.7", AREA)


@pytest.mark.parametrize("area_code", [OUTSIDE_KOTA_KUPANG, KABUPATEN_KUPANG_VILLAGE])
def test_a_family_outside_the_sources_area_is_not_eligible(area_code: str) -> None:
    source = open_source(area="53.71")
    with refused("funding-not-eligible", source):
        source.draw(CAUSE, draw_request(1_000, area_code=area_code))


def test_a_village_source_covers_only_that_village() -> None:
    source = open_source(area=AREA)
    source.draw(CAUSE, draw_request(1_000, area_code=AREA))
    with refused("funding-not-eligible", source):
        source.draw(CAUSE, draw_request(1_000, area_code="53.71.01.1002"))


@pytest.mark.parametrize("period", ["2024-12", "2026-01"])
def test_a_period_outside_the_fiscal_year_is_not_eligible(period: str) -> None:
    source = open_source(fiscal_year=2025)
    with refused("funding-not-eligible", source):
        source.draw(CAUSE, draw_request(1_000, period=period))


def test_drawing_exactly_the_budget_is_allowed() -> None:
    source = open_source(budget_idr=BUDGET)
    source.draw(CAUSE, draw_request(400_000))

    source.draw(CAUSE, draw_request(600_000))

    assert (source.drawn_idr, source.balance_idr) == (BUDGET, 0)


def test_one_rupiah_over_the_budget_is_refused() -> None:
    source = open_source(budget_idr=BUDGET)
    source.draw(CAUSE, draw_request(400_000))
    with refused("funding-exhausted", source):
        source.draw(CAUSE, draw_request(600_001))
    assert (source.drawn_idr, source.balance_idr) == (400_000, 600_000)


# -- reversals -------------------------------------------------------------------------------


def test_reversing_a_draw_gives_its_value_back() -> None:
    source = open_source(budget_idr=BUDGET)
    kept, voided = draw_request(100_000), draw_request(60_000)
    source.draw(CAUSE, kept)
    source.draw(CAUSE, voided)

    source.reverse_draw(LATER, voided, reason="wrong recipient")

    assert (source.drawn_idr, source.voided_idr, source.balance_idr) == (100_000, 60_000, 900_000)
    event = source.collect_events()[-1]
    assert isinstance(event, FundingSource.DrawReversed)
    assert (event.delivery_id, event.family_id, event.value_idr, event.program) == (
        voided.delivery_id,
        voided.family_id,
        60_000,
        "ina_kasih",
    )


def test_a_closed_source_still_takes_reversals() -> None:
    source = open_source(budget_idr=BUDGET)
    request = draw_request(250_000)
    source.draw(CAUSE, request)
    source.close(CAUSE, reason="fiscal year ended")

    source.reverse_draw(CAUSE, request, reason="voided after closure")

    assert (source.drawn_idr, source.voided_idr, source.balance_idr) == (0, 250_000, BUDGET)


def test_a_reversal_makes_room_for_another_draw() -> None:
    source = open_source(budget_idr=100_000)
    first = draw_request(100_000)
    source.draw(CAUSE, first)
    source.reverse_draw(CAUSE, first, reason="voided")

    source.draw(CAUSE, draw_request(100_000))

    assert (source.drawn_idr, source.balance_idr) == (100_000, 0)


# -- budget, receipts, closure ---------------------------------------------------------------


def test_the_budget_may_be_revised_down_to_what_is_drawn_but_not_below() -> None:
    source = open_source(budget_idr=BUDGET)
    source.draw(CAUSE, draw_request(300_000))

    source.revise_budget(CAUSE, budget_idr=300_000, reason="APBD-P")

    assert (source.budget_idr, source.balance_idr) == (300_000, 0)
    with refused("budget-below-drawn", source):
        source.revise_budget(CAUSE, budget_idr=299_999, reason="APBD-P")


def test_a_closed_source_refuses_budget_revisions_and_a_second_closure() -> None:
    source = open_source()
    source.close(CAUSE, reason="fiscal year ended")

    assert source.status == "closed"
    with refused("already-closed", source):
        source.revise_budget(CAUSE, budget_idr=2 * BUDGET, reason="too late")
    with refused("already-closed", source):
        source.close(CAUSE, reason="again")


def test_receipts_add_up_and_are_accepted_after_closure() -> None:
    source = open_source(budget_idr=BUDGET)
    source.receive(
        CAUSE, amount_idr=500_000, reference="SP2D 0012/2025", received_on=date(2025, 3, 1)
    )
    source.close(CAUSE, reason="fiscal year ended")

    source.receive(
        CAUSE, amount_idr=200_000, reference="SP2D 0391/2025", received_on=date(2026, 1, 9)
    )

    assert source.received_idr == 700_000
    assert source.balance_idr == BUDGET  # receipts are not the budget


def test_replaying_the_events_rebuilds_the_same_source() -> None:
    source = open_source(budget_idr=BUDGET)
    source.receive(CAUSE, amount_idr=400_000, reference="SP2D 1", received_on=date(2025, 2, 1))
    first, second = draw_request(120_000), draw_request(80_000, period="2025-09")
    source.draw(CAUSE, first)
    source.draw(CAUSE, second)
    source.reverse_draw(CAUSE, first, reason="voided")
    source.revise_budget(CAUSE, budget_idr=900_000, reason="APBD-P")
    source.close(CAUSE, reason="fiscal year ended")

    rebuilt = replayed(source)

    assert rebuilt.version == source.version == 7
    assert state(rebuilt) == state(source)
    assert (rebuilt.drawn_idr, rebuilt.voided_idr, rebuilt.balance_idr) == (
        80_000,
        120_000,
        820_000,
    )
    assert (rebuilt.draws_count, rebuilt.closed) == (1, True)
