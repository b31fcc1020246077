"""Delivery lines as files: `/reconciliation/deliveries` as CSV and xlsx, filtered, every line,
read back (API.md, additions of 2026-12-08)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from typing import Any

import openpyxl
import pytest
from api_client import Api, running_api
from reconciliation_run import Books, a_realistic_run
from workbooks import column_widths

from casework.service import Casework
from casework.settings import Settings
from casework.store.bootstrap import migrate_store

LINE_FIELDS = (
    "delivery_id",
    "family_id",
    "funding_source_id",
    "area_code",
    "program",
    "period",
    "value_idr",
    "delivered_on",
    "status",
    "position",
)


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Api, Books]]:
    """One realistic run shared by the module's tests (they only read)."""
    settings = Settings(database_url=f"sqlite:///{tmp_path_factory.mktemp('files') / 'c.db'}")
    migrate_store(settings)
    app = Casework(settings)
    with running_api(app) as api:
        books = a_realistic_run(api)
        yield api, books
    app.close()


def lines_json(api: Api, books: Books, query: str = "") -> list[dict[str, Any]]:
    """Every line as JSON, page after page."""
    items: list[dict[str, Any]] = []
    cursor = ""
    while True:
        page = api.get(
            f"/reconciliation/deliveries?min_position={books.last}&limit=5{cursor}{query}",
            who="finance",
        ).json()
        items += page["items"]
        if page["next_cursor"] is None:
            return items
        cursor = f"&cursor={page['next_cursor']}"


def test_csv_by_format_or_accept_holds_every_line(run: tuple[Api, Books]) -> None:
    api, books = run
    expected = lines_json(api, books)
    assert len(expected) > 5  # more than one page of JSON
    # when the lines are asked as CSV, by format or by Accept
    by_format = api.get("/reconciliation/deliveries?format=csv", who="finance")
    by_accept = api.get("/reconciliation/deliveries", who="finance", accept="text/csv")
    # then both are the same CSV, its charset said once, named for the position
    assert by_format.status_code == 200, by_format.text
    assert by_format.content == by_accept.content
    assert by_format.headers["content-type"] == "text/csv; charset=utf-8"
    assert by_format.headers["content-disposition"] == (
        f'attachment; filename="deliveries-all-at-{books.last}.csv"'
    )
    # and it holds every line, no paging, with the JSON line's fields as columns
    rows = list(csv.DictReader(io.StringIO(by_format.text)))
    assert tuple(rows[0]) == LINE_FIELDS
    assert rows == [{k: str(v) for k, v in line.items()} for line in expected]


def test_filters_apply_to_the_file(run: tuple[Api, Books]) -> None:
    api, books = run
    # given the lines of one source and period
    query = f"&funding_source_id={books.apbd}&period=2025-08"
    expected = lines_json(api, books, query)
    assert expected
    # when they are asked as CSV with the same filters
    answer = api.get(f"/reconciliation/deliveries?format=csv{query}", who="finance")
    # then the file holds exactly those, and its name says the period
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["delivery_id"] for r in rows] == [line["delivery_id"] for line in expected]
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="deliveries-2025-08-at-{books.last}.csv"'
    )


def test_the_workbook_names_each_source_and_reads_well(run: tuple[Api, Books]) -> None:
    api, books = run
    expected = lines_json(api, books)
    sources = api.get("/funding-sources", who="finance").json()["items"]
    names = {s["id"]: (s["code"], s["name"]) for s in sources}
    # when the lines are asked as a workbook
    answer = api.get("/reconciliation/deliveries?format=xlsx", who="finance")
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert answer.headers["content-disposition"] == (
        f'attachment; filename="deliveries-all-at-{books.last}.xlsx"'
    )
    workbook = openpyxl.load_workbook(io.BytesIO(answer.content), data_only=True)
    sheet = workbook["deliveries"]
    rows = list(sheet.iter_rows(values_only=True))
    # then each line carries its source's code and name beside its id
    columns = (*LINE_FIELDS[:3], "code", "name", *LINE_FIELDS[3:])
    assert rows[0] == columns
    for row, line in zip(rows[1:-1], expected, strict=True):
        shown = dict(zip(columns, row, strict=True))
        code, name = names[line["funding_source_id"]]
        assert shown == {**{k: line[k] for k in LINE_FIELDS}, "code": code, "name": name}
    # and a totals row sums the values as a number formatted for rupiah
    assert rows[-1][0] == "total"
    assert rows[-1][columns.index("value_idr")] == sum(line["value_idr"] for line in expected)
    assert sheet["I2"].number_format == "#,##0"
    # and every column is wide enough for its heading and its longest cell
    widths = column_widths(sheet)
    for index, column in enumerate(sheet.iter_cols(values_only=True), start=1):
        longest = max(len(f"{v:,}" if isinstance(v, int) else str(v)) for v in column if v)
        assert widths[index] >= longest, column[0]
