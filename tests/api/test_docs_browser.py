"""/docs and /redoc in a real browser: the pages ask no other host for anything (issue 23).

Every request the page makes is recorded; one for another host than the
server (a CDN's script, font or logo: ReDoc's bundle names its logo on
cdn.redoc.ly) fails the test. Needs Chromium at ``/usr/bin/chromium``.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.api.test_server import _serve

CHROMIUM = Path(os.environ.get("DISPATCH_TEST_CHROMIUM", "/usr/bin/chromium"))


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM}")
    sync_api = pytest.importorskip("playwright.sync_api")
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with _serve(tmp_path_factory.mktemp("docs")) as base:
        yield base


@pytest.mark.parametrize(("path", "ready"), [("/docs", ".swagger-ui .info"), ("/redoc", "h1")])
def test_docs_pages_request_nothing_from_another_host(browser, server, path, ready):
    context = browser.new_context()
    page = context.new_page()
    elsewhere: list[str] = []
    local = urlsplit(server).netloc

    def record(route):
        url = route.request.url
        if urlsplit(url).netloc != local and not url.startswith(("data:", "blob:")):
            elsewhere.append(url)
            route.abort()
        else:
            route.continue_()

    page.route("**/*", record)
    try:
        page.goto(f"{server}{path}")
        page.wait_for_selector(ready, timeout=30_000)
        page.wait_for_load_state("networkidle")
    finally:
        context.close()
    assert elsewhere == []
