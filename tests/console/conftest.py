"""Fixtures of the browser tests: a real server, Debian's Chromium driven by Playwright.

The tests need the ``playwright`` package (the dev extra) and a Chromium at
``/usr/bin/chromium`` (Debian's ``chromium`` package, installed by ``.ci/run``;
``DISPATCH_TEST_CHROMIUM`` names another executable). Playwright never
downloads a browser here. Without either, the tests are skipped, saying why.

``python -m pytest tests/console --console-screenshots docs/console`` also
saves one screenshot per view of the console into that folder.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.api.test_server import _serve

CHROMIUM = Path(os.environ.get("DISPATCH_TEST_CHROMIUM", "/usr/bin/chromium"))
"""The browser the tests drive: Debian's package, never one Playwright downloads."""

VIEWPORT = {"width": 1280, "height": 720}
"""The smallest screen the console is made for: map, timeline and side panel in one view."""


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--console-screenshots",
        default=None,
        metavar="DIR",
        help="save one PNG per console view into DIR (docs/console for the README)",
    )


@pytest.fixture(scope="session")
def sync_playwright() -> Any:
    """Playwright's sync API entry point; skips when the package or Chromium is missing."""
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (Debian: apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    return sync_playwright


@pytest.fixture(scope="module")
def browser(sync_playwright: Any) -> Iterator[Any]:
    """Headless Chromium (``--no-sandbox`` when root, as in CI)."""
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=args)
        yield browser
        browser.close()


@pytest.fixture(scope="module")
def server(sync_playwright: Any, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``dispatch serve`` on a free port with one job worker; its base URL."""
    with _serve(tmp_path_factory.mktemp("console"), run_jobs=True) as base:
        yield base


@pytest.fixture
def page(browser: Any, server: str) -> Iterator[Any]:
    """The console, opened at ``/`` (redirected) at 1280 x 720.

    Fails the test on any script error and on any request to another host than the
    server: every request the page makes is recorded (``page.requests``).
    """
    context = browser.new_context(viewport=VIEWPORT, accept_downloads=True)
    page = context.new_page()
    errors: list[str] = []
    requests: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("request", lambda request: requests.append(request.url))
    page.set_default_timeout(30_000)
    page.goto(f"{server}/")
    page.wait_for_selector("#scenario option", state="attached")
    page.requests = requests
    yield page
    context.close()
    assert errors == []
    elsewhere = [u for u in requests if not u.startswith((server, "data:", "blob:"))]
    assert elsewhere == []


@pytest.fixture
def shot(request: pytest.FixtureRequest) -> Callable[[Any, str], None]:
    """``shot(locator, name)``: save ``name.png`` when ``--console-screenshots`` is given."""
    folder = request.config.getoption("--console-screenshots", default=None)

    def save(locator: Any, name: str) -> None:
        if folder:
            Path(folder).mkdir(parents=True, exist_ok=True)
            page = getattr(locator, "page", locator)
            page.mouse.move(0, 0)  # no tooltip in the picture
            locator.screenshot(path=str(Path(folder) / f"{name}.png"))

    return save
