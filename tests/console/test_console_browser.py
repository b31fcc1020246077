"""The console in a real browser: Debian's Chromium driven by Playwright.

One served casework with known data for the whole module (seeding and a browser start cost
seconds); each test opens its own browser context, so cookies never leak between tests. Every
page visited is photographed at 1366x768 and at 390x844 under `test-artefacts/console/`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from uuid import uuid4

import httpx
import pytest
from console_site import CORRECTED_NAME, NAMES, Site, seed, serving, with_users

from casework.service import Casework
from casework.settings import Settings
from casework.store.bootstrap import migrate_store

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
ARTEFACTS = Path(__file__).resolve().parents[2] / "test-artefacts" / "console"
SIZES = {"wide": (1366, 768), "phone": (390, 844)}
FINANCE_PAGES = ("/console/reconciliation", "/console/deliveries", "/console/discrepancies")
AUDIT_PAGES = ("/console/audit-trail", "/console/verification", "/console/lag")
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Site]:
    folder = tmp_path_factory.mktemp("console")
    settings = Settings(database_url=f"sqlite:///{folder / 'casework.db'}")
    migrate_store(settings)
    casework = Casework(settings)
    try:
        tokens, ids = with_users(casework)
        with serving(casework) as base:
            served = Site(base, casework, tokens, ids)
            seed(served)
            yield served
    finally:
        casework.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        if os.environ.get("CI"):
            pytest.fail("CI needs /usr/bin/chromium (apt-get install -y chromium)")
        pytest.skip("no /usr/bin/chromium")
    with playwright_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    # A browser that asks for English first: the console must still answer in Indonesian.
    opened = browser.new_context(viewport={"width": 1366, "height": 768}, locale="en-US")
    opened.set_default_timeout(WAIT_MS)
    yield opened
    opened.close()


def sign_in(context: Any, site: Site, who: str) -> Any:
    page = context.new_page()
    page.goto(f"{site.base}/console")
    page.fill("#token", site.tokens[who])
    with page.expect_navigation():
        page.click("button[type=submit]")
    page.wait_for_load_state()
    return page


def photograph(page: Any, name: str) -> None:
    """Both sizes, then back to the wide one."""
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    for size, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(ARTEFACTS / f"{name}-{size}.png"), full_page=True)
    page.set_viewport_size({"width": 1366, "height": 768})


def row_figures(page: Any, source_id: str) -> dict[str, int]:
    cells = page.locator(f'tr[data-source="{source_id}"] td[data-field]')
    return {
        cells.nth(i).get_attribute("data-field"): int(cells.nth(i).get_attribute("data-value"))
        for i in range(cells.count())
    }


# -- signing in and out ----------------------------------------------------------------------


def test_a_finance_user_signs_in_and_out(context: Any, site: Site) -> None:
    # Given the sign-in page
    page = context.new_page()
    page.goto(f"{site.base}/console")
    assert page.url.endswith("/console/sign-in")
    photograph(page, "sign-in")
    # When a finance user signs in with its token
    page.fill("#token", site.tokens["finance"])
    page.click("button[type=submit]")
    # Then reconciliation opens, in Indonesian though the browser asked for English
    assert page.url.startswith(f"{site.base}/console/reconciliation")
    assert page.locator("h1").inner_text() == "Rekonsiliasi"
    (cookie,) = [c for c in context.cookies() if c["name"] == "casework_console"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["secure"] is False  # plain http here; Secure over TLS
    # When it signs out
    page.click("text=Keluar")
    # Then the sign-in page shows, and a page asked for sends it back there
    assert page.url.endswith("/console/sign-in")
    page.goto(f"{site.base}/console/reconciliation")
    assert "/console/sign-in" in page.url


def test_a_wrong_token_is_refused_with_a_sentence(context: Any, site: Site) -> None:
    page = context.new_page()
    page.goto(f"{site.base}/console/sign-in")
    page.fill("#token", "cw_not-a-token")
    page.click("button[type=submit]")
    assert "Token tidak dikenal" in page.locator("[role=alert]").inner_text()


# -- the figures are the API's ---------------------------------------------------------------


@pytest.mark.parametrize("as_of", [False, True], ids=["latest", "as_of"])
def test_the_reconciliation_figures_equal_the_apis(context: Any, site: Site, as_of: bool) -> None:
    # Given the API's report for 2025, now or as of an instant between two batches of writes
    asked = {"fiscal_year": "2025", **({"as_of": site.first_as_of} if as_of else {})}
    query = urlencode(asked)
    expected = site.api("GET", f"/reconciliation?{query}", who="finance")
    # When finance opens the page with the same filters
    page = sign_in(context, site, "finance")
    page.goto(f"{site.base}/console/reconciliation?{query}")
    # Then every source's figures, the totals and the position are the API's
    assert expected["sources"], "the seeded 2025 source is in the report"
    for source in expected["sources"]:
        shown = row_figures(page, source["funding_source_id"])
        assert shown == {k: source[k] for k in shown}
        assert set(shown) == {
            "budget_idr", "received_idr", "drawn_idr", "voided_idr", "balance_idr",
            "unreceived_idr", "deliveries",
        }  # fmt: skip
    totals = page.locator("#totals td[data-field]")
    for i in range(totals.count()):
        cell = totals.nth(i)
        field = cell.get_attribute("data-field")
        assert int(cell.get_attribute("data-value")) == expected["totals"][field]
    assert page.locator("[data-position]").inner_text() == str(expected["position"])
    # And the by-month table adds up the API's by-programme rows
    months: dict[str, int] = {}
    for source in expected["sources"]:
        for row in source["by_program"]:
            months[row["period"]] = months.get(row["period"], 0) + row["value_idr"]
    shown_months = [int(v) for v in page.locator("#by-month td[data-value]").evaluate_all(
        "cells => cells.map(c => c.dataset.value)")]  # fmt: skip
    assert shown_months == [months[p] for p in sorted(months)]
    photograph(page, "reconciliation-as-of" if as_of else "reconciliation")


def test_the_as_of_figures_differ_from_the_latest(site: Site) -> None:
    """The seeded instant lies between two batches, so the as_of test compares something."""
    asked = urlencode({"fiscal_year": "2025", "as_of": site.first_as_of})
    then = site.api("GET", f"/reconciliation?{asked}", who="finance")
    now = site.api("GET", "/reconciliation?fiscal_year=2025", who="finance")
    assert then["totals"] != now["totals"]


def test_reconciliation_opens_on_the_latest_fiscal_year_with_sources(
    context: Any, site: Site
) -> None:
    page = sign_in(context, site, "finance")
    assert page.locator("#fiscal_year").input_value() == "2025"
    assert page.locator(f'tr[data-source="{site.source_2025}"]').count() == 1
    assert page.locator(f'tr[data-source="{site.source_2024}"]').count() == 0
    assert "Rp 1.800.000.000" in page.locator("#sources").inner_text()


def test_the_csv_download_is_the_apis_file(context: Any, site: Site) -> None:
    page = sign_in(context, site, "finance")
    with page.expect_download() as download:
        page.click("text=Unduh CSV")
    body = Path(download.value.path()).read_bytes()
    answer = httpx.get(
        f"{site.base}/reconciliation?fiscal_year=2025&format=csv",
        headers={"Authorization": f"Bearer {site.tokens['finance']}"},
    )
    assert answer.status_code == 200
    assert body == answer.content


# -- pages of one source, deliveries, discrepancies ------------------------------------------


def test_a_source_shows_its_receipts_revisions_and_closure(context: Any, site: Site) -> None:
    page = sign_in(context, site, "finance")
    page.goto(f"{site.base}/console/sources/{site.source_2025}")
    assert "SP2D 0012/2025" in page.locator("#receipts").inner_text()
    assert "Rp 90.000" in page.locator("#receipts").inner_text()
    assert "Perubahan APBD 2025" in page.locator("#revisions").inner_text()
    assert "Agustus 2025" in page.locator("#months").inner_text()
    photograph(page, "source")
    page.goto(f"{site.base}/console/sources/{site.source_2024}")
    assert "TA 2024 selesai" in page.locator("#revisions").inner_text()


def test_finance_pages_show_no_personal_data(context: Any, site: Site) -> None:
    # Given finance signed in, on every page it may open
    page = sign_in(context, site, "finance")
    pages = [*FINANCE_PAGES, f"/console/sources/{site.source_2025}",
             f"/console/deliveries?funding_source_id={site.source_2025}"]  # fmt: skip
    for path in pages:
        page.goto(site.base + path)
        text = page.content()
        # Then no name, NIK or KK number written by the seed appears in it
        leaked = [value for value in site.personal if value in text]
        assert leaked == [], (path, leaked)
        name = path.split("?")[0].split("/")[2]  # deliveries, sources, …: one photo a kind
        photograph(page, f"finance-{name}")
    assert len(site.personal) >= 3 * len(NAMES)


def test_discrepancies_link_to_what_they_concern(context: Any, site: Site) -> None:
    page = sign_in(context, site, "finance")
    page.goto(f"{site.base}/console/discrepancies")
    assert "unreceived-funds" in page.locator("#findings").inner_text()
    page.locator(f'#findings a[href="/console/sources/{site.source_2025}"]').first.click()
    assert page.url.endswith(f"/console/sources/{site.source_2025}")


# -- auditors --------------------------------------------------------------------------------


def test_a_familys_timeline_shows_it_at_an_earlier_event(context: Any, site: Site) -> None:
    # Given a family whose head's name was corrected after registration
    page = sign_in(context, site, "auditor")
    page.goto(f"{site.base}/console/families/{site.corrected_family}")
    assert CORRECTED_NAME in page.locator("#members").inner_text()
    events = page.locator("#events li")
    assert events.count() >= 3
    assert "FamilyMemberCorrected" in page.locator("#events").inner_text()
    photograph(page, "timeline")
    # When the auditor picks the first event
    page.click('#events li[data-version="1"] a')
    # Then the family is shown as it stood then: the name before the correction
    assert page.locator("#state-title [data-version]").inner_text() == "1"
    assert NAMES[0] in page.locator("#members").inner_text()
    assert CORRECTED_NAME not in page.locator("#members").inner_text()
    api = site.api("GET", f"/families/{site.corrected_family}?version=1", who="auditor")
    assert api["members"][0]["name"] == NAMES[0]
    photograph(page, "timeline-version-1")


def test_the_audit_trail_filters_and_links_to_timelines(context: Any, site: Site) -> None:
    page = sign_in(context, site, "auditor")
    page.goto(f"{site.base}/console/audit-trail?type=FamilyMemberCorrected")
    rows = page.locator("#trail tbody tr")
    assert rows.count() == 1
    expected = site.api("GET", "/audit-trail?type=FamilyMemberCorrected", who="auditor")
    assert rows.first.locator("td").first.inner_text() == str(expected["items"][0]["position"])
    photograph(page, "audit-trail")
    rows.first.locator("a").click()
    assert f"/console/families/{site.corrected_family}" in page.url


def test_a_verification_runs_in_the_background_and_gives_the_checkpoint(
    context: Any, site: Site
) -> None:
    page = sign_in(context, site, "auditor")
    page.goto(f"{site.base}/console/verification")
    page.click("text=Jalankan verifikasi")
    # The page refreshes itself while the run lasts; wait for its verdict.
    page.wait_for_selector("#verdict", timeout=WAIT_MS)
    assert "Rantai utuh" in page.locator("#verdict").inner_text()
    api = site.api("GET", "/audit/verify", who="auditor")
    checkpoint = page.locator("#checkpoint").input_value()
    position, head = checkpoint.split(":")
    assert head == api["head"] or int(position) < api["events_checked"]
    assert re.fullmatch(r"[0-9]+:[0-9a-f]{64}", checkpoint)
    photograph(page, "verification")
    page.goto(f"{site.base}/console/lag")
    assert "funding_ledger" in page.locator("#lag").inner_text()
    photograph(page, "lag")


# -- the rules -------------------------------------------------------------------------------


def test_a_caseworker_cannot_sign_in(context: Any, site: Site) -> None:
    page = sign_in(context, site, "kader")
    assert page.url.endswith("/console/sign-in")
    assert "Kader memakai aplikasi lapangan" in page.locator("[role=alert]").inner_text()
    assert [c for c in context.cookies() if c["name"] == "casework_console"] == []


def test_finance_gets_no_audit_page(context: Any, site: Site) -> None:
    page = sign_in(context, site, "finance")
    for path in (*AUDIT_PAGES, f"/console/families/{site.corrected_family}"):
        answer = page.goto(site.base + path)
        assert answer.status == 403, path
    assert page.locator("a[href='/console/audit-trail']").count() == 0
    photograph(page, "forbidden")


def test_auditors_open_every_page(context: Any, site: Site) -> None:
    page = sign_in(context, site, "auditor")
    for path in (*FINANCE_PAGES, *AUDIT_PAGES):
        assert page.goto(site.base + path).status == 200, path


def test_a_revoked_token_ends_its_session(context: Any, site: Site) -> None:
    # Given a finance user signed in
    page = sign_in(context, site, "finance_revoked_later")
    assert page.url.startswith(f"{site.base}/console/reconciliation")
    # When an admin revokes its token
    site.api("POST", f"/users/{site.user_ids['finance_revoked_later']}/revocation")
    # Then its next page is the sign-in page, saying the session ended
    page.goto(f"{site.base}/console/deliveries")
    assert "/console/sign-in" in page.url
    assert "Sesi berakhir" in page.locator("[role=alert]").inner_text()


# -- nothing from elsewhere, language, keyboard ----------------------------------------------


def test_no_request_leaves_the_server(context: Any, site: Site) -> None:
    # Given every request the page makes is recorded
    asked: list[str] = []
    context.on("request", lambda request: asked.append(request.url))
    # When an auditor goes through every page
    page = sign_in(context, site, "auditor")
    for path in (*FINANCE_PAGES, *AUDIT_PAGES, f"/console/sources/{site.source_2025}",
                 f"/console/families/{site.corrected_family}"):  # fmt: skip
        page.goto(site.base + path)
    # Then every request went to the test server
    assert asked
    assert [url for url in asked if not url.startswith(site.base + "/")] == []


def test_english_is_a_switch_remembered_for_the_session(context: Any, site: Site) -> None:
    page = sign_in(context, site, "finance")
    page.click("text=English")
    assert page.locator("h1").inner_text() == "Reconciliation"
    page.goto(f"{site.base}/console/deliveries")
    assert page.locator("h1").inner_text() == "Deliveries"
    photograph(page, "deliveries-english")
    page.click("text=Bahasa Indonesia")
    assert page.locator("h1").inner_text() == "Penyaluran"


def test_the_keyboard_reaches_the_skip_link_first(context: Any, site: Site) -> None:
    page = sign_in(context, site, "finance")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "content"


def test_the_coverage_totals_equal_the_apis_and_name_no_one(context: Any, site: Site) -> None:
    # Given an Ina Kasih target over Kota Kupang for this month
    period = datetime.now(site.casework.settings.zone).strftime("%Y-%m")
    target = {
        "target_id": str(uuid4()),
        "area": "53.71",
        "from": period,
        "to": period,
        "unit": "member",
        "cycle": "monthly",
        "who": {"sex": "P", "age_min": 10, "age_max": 70, "max_desil": 4},
    }
    site.api("POST", "/programmes/ina_kasih/targets", json=target)
    asked = f"program=ina_kasih&period={period}&area=53.71"
    # When finance opens the coverage page with the API's filters
    page = sign_in(context, site, "finance")
    page.goto(f"{site.base}/console/coverage?{asked}")
    api = site.api("GET", f"/coverage?{asked}", "finance")
    # Then its totals are the API's, and it names no one
    cells = page.locator("#coverage-totals td[data-field]")
    shown = {
        cells.nth(i).get_attribute("data-field"): int(cells.nth(i).get_attribute("data-value"))
        for i in range(cells.count())
    }
    assert shown == api["totals"]
    assert api["totals"]["eligible"] > 0
    text = page.content()
    assert [value for value in site.personal if value in text] == []
    photograph(page, "finance-coverage")
