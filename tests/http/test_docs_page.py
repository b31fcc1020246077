"""The API's docs page in a real browser, offline: Debian's Chromium driven by Playwright shows
every operation, each named in words, and no request leaves the server's own host."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from console_site import serving

from casework.service import Casework
from casework.settings import Settings
from casework.store.bootstrap import migrate_store

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
WAIT_MS = 30_000


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("docs")
    settings = Settings(database_url=f"sqlite:///{folder / 'casework.db'}")
    migrate_store(settings)
    casework = Casework(settings)
    try:
        with serving(casework) as served:
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


@pytest.fixture(scope="module")
def document(base: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{base}/schema/openapi.json", timeout=30).json()
    return answer


def operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


@pytest.mark.parametrize("page_path", ["/schema", "/schema/swagger"])
def test_the_page_renders_every_operation_from_its_own_host(
    browser: Any, base: str, document: dict[str, Any], page_path: str
) -> None:
    # given a browser that records every request it makes, on a machine with no internet
    context = browser.new_context()
    context.set_default_timeout(WAIT_MS)
    asked: list[str] = []
    context.on("request", lambda request: asked.append(request.url))
    # other hosts are unreachable here, as on an intranet
    context.route(
        re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: route.abort("internetdisconnected")
    )
    page = context.new_page()
    # when the docs page is opened
    page.goto(f"{base}{page_path}")
    page.wait_for_selector(".opblock-summary", state="attached")
    # then it shows every operation, each with its summary in words
    shown = page.locator(".opblock-summary-description").all_inner_texts()
    expected = sorted(op["summary"] for _, _, op in operations(document))
    assert sorted(text.strip() for text in shown) == expected
    assert "Deliver aid" in shown
    # and nothing was fetched from anywhere but the server itself
    host = urlsplit(base).netloc
    assert asked and all(urlsplit(url).netloc == host for url in asked), asked
    context.close()


def test_every_operation_is_summarised_in_words_and_described(document: dict[str, Any]) -> None:
    for method, path, operation in operations(document):
        summary = operation.get("summary", "")
        # a summary in words ("Deliver aid"), never a handler's name ("DeliverAid")
        assert " " in summary or summary.islower(), (method, path, summary)
        assert not re.search(r"[a-z][A-Z]", summary), (method, path, summary)
        assert len(operation.get("description", "")) > 20, (method, path)


def test_no_operation_advertises_501(document: dict[str, Any]) -> None:
    assert [
        (method, path) for method, path, op in operations(document) if "501" in op["responses"]
    ] == []


@pytest.mark.parametrize("renderer", ["redoc", "rapidoc", "elements"])
def test_renderers_that_need_the_internet_are_not_served(base: str, renderer: str) -> None:
    assert httpx.get(f"{base}/schema/{renderer}", timeout=30).status_code == 404
