"""Reconciliation through the API after a realistic run: the figures equal the test's own sums
of the deliveries, receipts and revisions, to the rupiah, now and as of past instants; the CSV
and Excel exports hold the same numbers."""

from __future__ import annotations

import csv
import io
from datetime import datetime
from typing import Any
from urllib.parse import quote
from uuid import UUID

import openpyxl
import pytest
from api_client import Api
from reconciliation_run import Books, a_realistic_run
from workbooks import column_widths

from casework.aggregates.funding_source import FundingSource

SCALARS = (
    "funding_source_id",
    "code",
    "kind",
    "fiscal_year",
    "budget_idr",
    "received_idr",
    "drawn_idr",
    "voided_idr",
    "balance_idr",
    "unreceived_idr",
    "deliveries",
)
AMOUNTS = ("budget_idr", "received_idr", "drawn_idr", "voided_idr", "balance_idr")


@pytest.fixture
def run(any_api: Api) -> tuple[Api, Books]:
    return any_api, a_realistic_run(any_api)


def report(api: Api, query: str = "", **headers: str) -> Any:
    response = api.get(f"/reconciliation?{query}", who="finance", **headers)
    assert response.status_code == 200, response.text
    return response


def recorded_at(api: Api, source_id: str, position: int) -> datetime:
    records = api.casework.event_records(UUID(source_id))
    return next(r.recorded_at for r in records if r.position == position)


def assert_reconciles(books: Books, body: dict[str, Any]) -> None:
    """Every figure of the report equals the books' own sums as of its position."""
    position = body["position"]
    by_id = {s["funding_source_id"]: s for s in body["sources"]}
    assert set(by_id) == {books.apbd, books.csr}
    for source_id, source in by_id.items():
        assert {k: source[k] for k in SCALARS[4:]} == books.figures(source_id, position)
        assert source["by_program"] == books.by_program(source_id, position)
        assert sum(p["value_idr"] for p in source["by_program"]) == source["drawn_idr"]
    for amount in AMOUNTS:
        assert body["totals"][amount] == sum(s[amount] for s in body["sources"])


def test_now_the_report_equals_the_sums_of_the_run(run: tuple[Api, Books]) -> None:
    api, books = run
    # when finance asks for the report once the ledger has seen the last write
    body = report(api, f"min_position={books.last}").json()
    # then it is as of that write, and every figure is the books' own
    assert body["position"] == books.last
    assert_reconciles(books, body)
    # and, by hand: APBD drew 4 x 60,000 + 4 x 30,000 and gave 60,000 back;
    # CSR drew 4 x 45,000, gave 45,000 back and received 100,000
    apbd, csr = sorted(body["sources"], key=lambda s: s["kind"])
    assert (apbd["kind"], apbd["drawn_idr"], apbd["voided_idr"]) == ("APBD", 300_000, 60_000)
    assert (csr["drawn_idr"], csr["received_idr"], csr["unreceived_idr"]) == (
        135_000,
        100_000,
        35_000,
    )
    assert body["totals"]["drawn_idr"] == 435_000


@pytest.mark.parametrize("step", ["first receipt", "first void"])
def test_as_of_a_past_instant_the_report_is_as_it_stood(run: tuple[Api, Books], step: str) -> None:
    api, books = run
    report(api, f"min_position={books.last}")
    # given the instant a past write was recorded at
    instant = recorded_at(api, books.apbd, books.at[step])
    # when the report is asked as of that instant
    body = report(api, f"as_of={quote(instant.isoformat())}").json()
    # then it says so, includes that write, and its figures are the books' as of its position
    assert datetime.fromisoformat(body["as_of"]) == instant
    assert books.at[step] <= body["position"] < books.last
    assert_reconciles(books, body)
    # and they are what a replay of the source up to that instant gives
    apbd = next(s for s in body["sources"] if s["funding_source_id"] == books.apbd)
    replayed = api.casework.load_at(FundingSource, UUID(books.apbd), as_of=instant)
    assert (apbd["budget_idr"], apbd["received_idr"], apbd["drawn_idr"], apbd["voided_idr"]) == (
        replayed.budget_idr,
        replayed.received_idr,
        replayed.drawn_idr,
        replayed.voided_idr,
    )


def test_filters_keep_the_overlapping_sources(run: tuple[Api, Books]) -> None:
    api, books = run

    def kept(query: str) -> list[str]:
        body = report(api, f"min_position={books.last}&{query}").json()
        return sorted(s["kind"] for s in body["sources"])

    assert kept("kind=CSR") == ["CSR"]
    assert kept("area=53.71.02") == ["APBD"]  # the city's budget reaches the other district
    assert kept("area=5371011001") == ["APBD", "CSR"]  # undotted, a village of both
    assert kept("fiscal_year=2026") == []
    assert api.get("/reconciliation?area=99.99", who="finance").status_code == 422
    assert api.get("/reconciliation?as_of=2025-08-11T10:00:00", who="finance").status_code == 422


def test_the_csv_has_one_row_per_source_and_sums_cleanly(run: tuple[Api, Books]) -> None:
    api, books = run
    body = report(api, f"min_position={books.last}").json()
    # when the report is asked as CSV, by format or by Accept
    by_format = report(api, "format=csv")
    by_accept = report(api, "", accept="text/csv")
    # then it is CSV (its charset said once) whose columns are the scalar fields and whose
    # rows are the sources, in a file named after what it holds and the position
    assert by_format.headers["content-type"] == "text/csv; charset=utf-8"
    assert by_format.headers["content-disposition"] == (
        f'attachment; filename="reconciliation-all-at-{body["position"]}.csv"'
    )
    assert by_format.content == by_accept.content
    rows = list(csv.DictReader(io.StringIO(by_format.text)))
    assert tuple(rows[0]) == SCALARS
    assert [r["funding_source_id"] for r in rows] == [
        s["funding_source_id"] for s in body["sources"]
    ]
    # and each amount column sums to the total: there is no totals row to count twice
    for amount in AMOUNTS:
        assert sum(int(r[amount]) for r in rows) == body["totals"][amount]


def test_the_workbook_holds_the_same_numbers(run: tuple[Api, Books]) -> None:
    api, books = run
    body = report(api, f"min_position={books.last}").json()
    names = {s["id"]: s["name"] for s in api.get("/funding-sources", who="finance").json()["items"]}
    # when the report is asked as an Excel workbook
    answer = report(api, "format=xlsx&fiscal_year=2025")
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    position = body["position"]
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="reconciliation-2025-at-{position}.xlsx"'
    )
    workbook = openpyxl.load_workbook(io.BytesIO(answer.content), data_only=True)
    # then its sources sheet has the sources, each named after its code, amounts as formatted
    # numbers, and a totals row
    rows = list(workbook["sources"].iter_rows(values_only=True))
    columns = (*SCALARS[:2], "name", *SCALARS[2:])
    assert rows[0] == columns
    for row, source in zip(rows[1:-1], body["sources"], strict=True):
        shown = dict(zip(columns, row, strict=True))
        name = names[source["funding_source_id"]]
        assert shown == {**{k: source[k] for k in SCALARS}, "name": name}
    totals = dict(zip(columns, rows[-1], strict=True))
    assert totals["funding_source_id"] == "total"
    assert {k: totals[k] for k in AMOUNTS} == body["totals"]
    cell = workbook["sources"]["F2"]
    assert isinstance(cell.value, int) and cell.number_format == "#,##0"
    # and its columns are wide enough for what they hold: a whole UUID, a whole name
    widths = column_widths(workbook["sources"])
    assert widths[1] >= 36
    assert widths[3] >= max(len(n) for n in names.values())
    # and its by-programme sheet holds every programme and period, summing to drawn
    programmes = list(workbook["by programme"].iter_rows(values_only=True))
    expected = [
        (
            s["funding_source_id"],
            s["code"],
            names[s["funding_source_id"]],
            p["program"],
            p["period"],
            p["deliveries"],
            p["value_idr"],
        )
        for s in body["sources"]
        for p in s["by_program"]
    ]
    assert programmes[1:-1] == expected
    assert programmes[-1][-1] == body["totals"]["drawn_idr"]


def test_an_empty_ledger_reports_nothing(api: Api) -> None:
    body = report(api).json()
    assert body == {
        "as_of": None,
        "position": 0,
        "sources": [],
        "totals": dict.fromkeys(AMOUNTS, 0),
    }


def test_a_position_not_reached_in_time_answers_503(api: Api) -> None:
    response = api.get("/reconciliation?min_position=1000000", who="finance")
    assert response.status_code == 503
    assert "retry-after" in response.headers
