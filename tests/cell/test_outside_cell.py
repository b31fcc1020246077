"""`outside-cell`: a cell places nothing in an area it does not serve, on every path (issue 24).

The cell here serves Kota Kupang (53.71); Kota Balikpapan (64.71) lies outside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from api_client import Api, family_body, running_api, source_body

from casework.cli.demo import DemoRefused, load_demo
from casework.service import Casework
from casework.store.bootstrap import migrate_store
from casework.validation.areas import villages_under
from cell_stores import postgres_cell_settings, sqlite_cell_settings
from test_family_import import generated, run_import

OUTSIDE_VILLAGE = villages_under("64.71")[0]


@pytest.fixture(params=["sqlite", "postgres"])
def cell_app(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Casework]:
    """A cell serving 53.71, on both backends."""
    if request.param == "postgres":
        request.applymarker(pytest.mark.postgres)
        settings = postgres_cell_settings(request.getfixturevalue("postgres_url"), "53.71")
    else:
        settings = sqlite_cell_settings(tmp_path, areas="53.71")
    migrate_store(settings)
    app = Casework(settings)
    yield app
    app.close()


@pytest.fixture
def cell_api(cell_app: Casework) -> Iterator[Api]:
    with running_api(cell_app) as running:
        yield running


def head(api: Api) -> int:
    return api.casework.event_recorder.max_notification_id() or 0


def assert_outside_cell(answer: httpx.Response, field: str) -> None:
    assert answer.status_code == 422, answer.text
    problem: dict[str, Any] = answer.json()
    assert problem["type"] == "outside-cell"
    assert [error["field"] for error in problem["errors"]] == [field]
    assert "outside cell" in problem["errors"][0]["message"]


def test_a_registration_outside_the_cell_is_refused_and_nothing_is_stored(
    cell_api: Api,
) -> None:
    # given a cell serving 53.71
    before = head(cell_api)
    # when a family is registered in Balikpapan
    answer = cell_api.post("/families", family_body(area_code=OUTSIDE_VILLAGE))
    # then it is refused as outside the cell, naming the field, and nothing is stored
    assert_outside_cell(answer, "area_code")
    assert head(cell_api) == before
    # and a family in Kota Kupang is registered as ever
    assert cell_api.post("/families", family_body()).status_code == 201


def test_a_caseworker_hears_its_own_403_first(cell_api: Api) -> None:
    # when a caseworker of Alak registers a family outside both its areas and the cell's
    answer = cell_api.post("/families", family_body(area_code=OUTSIDE_VILLAGE), who="kader")
    # then the answer is its own 403
    assert answer.status_code == 403, answer.text


def test_a_relocation_out_of_the_cell_is_refused(cell_api: Api) -> None:
    # given a family of Kota Kupang
    created = cell_api.post("/families", family_body())
    family_id = created.json()["id"]
    # when it is relocated to Balikpapan
    answer = cell_api.post(
        f"/families/{family_id}/relocation",
        {"area_code": OUTSIDE_VILLAGE, "address": "Jl. Baru 1"},
    )
    # then it is refused as outside the cell
    assert_outside_cell(answer, "area_code")


def test_an_uppka_group_outside_the_cell_is_refused(cell_api: Api) -> None:
    body = {
        "code": "UPPKA-BPN-1",
        "name": "UPPKA Anggrek",
        "area_code": OUTSIDE_VILLAGE,
        "business_type": "tenun ikat",
    }
    assert_outside_cell(cell_api.post("/uppka-groups", body), "area_code")


def test_a_funding_source_outside_the_cell_is_refused(cell_api: Api) -> None:
    # a province-wide source covers more than the cell serves: it belongs to no single cell
    for area in ("64", "53"):
        answer = cell_api.post("/funding-sources", source_body(area=area), who="finance")
        assert_outside_cell(answer, "area")
    assert cell_api.post("/funding-sources", source_body(), who="finance").status_code == 201


def test_a_programme_target_outside_the_cell_is_refused(cell_api: Api) -> None:
    body = {
        "target_id": "6f1c7a52-6d55-4c4e-9d0e-0a5b7e9c2f11",
        "area": "64.71",
        "from": "2030-01",
        "to": "2030-12",
        "unit": "member",
        "cycle": "monthly",
        "who": {"sex": "P", "age_min": 10, "age_max": 55},
    }
    assert_outside_cell(cell_api.post("/programmes/ina_kasih/targets", body), "area")


def test_an_import_rejects_families_outside_the_cell_and_says_so(tmp_path: Path) -> None:
    # given a cell serving one district of Kota Kupang (Alak, 53.71.01)
    settings = sqlite_cell_settings(tmp_path, areas="53.71.01")
    migrate_store(settings)
    app = Casework(settings)
    try:
        # when families from all over the city are imported
        counts, rejects = run_import(app, generated(40))
        # then those outside Alak are rejected, each saying it lies outside the cell
        outside = [row for row in rejects if not row["area_code"].startswith("53.71.01")]
        assert outside, "the generated file must hold families outside Alak"
        # (a family's rows are listed one per member)
        assert counts.rejected == len({row["kk_number"] for row in outside})
        assert len(rejects) == len(outside)
        for row in outside:
            assert "area_code: " in row["reasons"]
            assert "outside cell p53" in row["reasons"]
        assert counts.imported > 0
    finally:
        app.close()


def test_the_demo_refuses_a_cell_without_kota_kupang(tmp_path: Path) -> None:
    # given a cell serving Kalimantan Timur only
    settings = sqlite_cell_settings(tmp_path, name="p64", areas="64")
    migrate_store(settings)
    app = Casework(settings)
    try:
        # when the demo runs, then it refuses, saying why, and stores nothing
        with pytest.raises(DemoRefused, match=r"Kota Kupang \(53.71\), which lies outside cell"):
            load_demo(app, families=3)
        assert app.event_recorder.max_notification_id() is None
    finally:
        app.close()


def test_the_demo_loads_in_a_cell_serving_only_the_city(tmp_path: Path) -> None:
    # given a cell serving Kota Kupang only (not the whole province)
    settings = sqlite_cell_settings(tmp_path, areas="53.71")
    migrate_store(settings)
    app = Casework(settings)
    try:
        # when the demo runs, then it loads (its provincial source held at city level)
        summary = load_demo(app, families=5)
        assert summary.families == 5
    finally:
        app.close()
