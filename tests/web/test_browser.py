"""The web app in a real browser: uvicorn on a free loopback port, Debian's chromium.

Every request that leaves the app's origin is blocked and recorded (so a page that reaches
for the network fails the test), and console messages are recorded (a Content-Security-
Policy violation is one). Checks: the library lists the incidents, a search finds them, an
incident's page shows its timeline and the timeline's script ran (the header's policy
allows its hash), the statistics page, and the login form with its cookies. Screenshots go
to test-output/ for people to look at.

Outside CI the module is skipped when /usr/bin/chromium is missing; under CI=true it fails
instead (see tests/chromium.py).
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI

from retroline.store import Library
from retroline.web.app import create_app
from tests.chromium import Watched, launched, require_chromium, watch
from tests.conftest import ROOT
from tests.web import CERT, DISK, DISK_AGAIN, fill_library

require_chromium()
from playwright.sync_api import BrowserContext, Page  # noqa: E402

OUTPUT = ROOT / "test-output"
TOKEN = "a-token-typed-into-the-form"


@contextmanager
def serving(app: FastAPI) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free loopback port; its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none", http="h11")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
            time.sleep(0.02)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


@dataclass
class Visit(Watched):
    """A page of the app open in the browser, with what it said and tried."""

    base: str = ""

    def clean(self) -> bool:
        """No console error or warning, no request off the app, no dialog opened."""
        return self.errors == [] and self.requests == [] and self.dialogs == []


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """Debian's chromium, headless, with a new empty profile."""
    with launched(tmp_path_factory.mktemp("chromium-profile"), offline=False) as context:
        yield context


@pytest.fixture
def library(tmp_path: Path) -> Iterator[Library]:
    """A library file with the incidents of `tests.web`."""
    lib = Library(str(tmp_path / "library.db"))
    fill_library(lib)
    yield lib
    lib.close()


@pytest.fixture
def visit(browser: BrowserContext) -> Iterator[Callable[[str], Visit]]:
    """A function that opens a served app's base URL in a new page that may reach nothing
    but that origin."""
    pages: list[Page] = []

    def opener(base: str) -> Visit:
        page = browser.new_page()
        pages.append(page)
        visit = Visit(page, base=base)
        watch(page, base + "/", visit)
        page.goto(base + "/")
        return visit

    yield opener
    browser.clear_cookies()
    for page in pages:
        page.close()


def test_browse_search_and_open_an_incident(
    visit: Callable[[str], Visit], library: Library
) -> None:
    OUTPUT.mkdir(exist_ok=True)
    with serving(create_app(library)) as base:
        v = visit(base)
        page = v.page
        assert page.locator("table.incidents tbody tr").count() == 3
        assert page.locator("a.title", has_text=CERT).count() == 1  # markup shown as text
        page.screenshot(path=str(OUTPUT / "web-library.png"), full_page=True)

        page.fill("#q", "space")
        page.click("form.search button[type=submit]")
        page.wait_for_url("**/?q=space*")
        hits = page.locator("table.hits tbody tr")
        assert hits.count() == 2
        assert page.locator("td.snippet mark", has_text="space").count() == 2
        page.screenshot(path=str(OUTPUT / "web-search.png"), full_page=True)

        page.click(f"a.title:text-is('{DISK_AGAIN}')")
        page.wait_for_url("**/incidents/*")
        assert page.locator("h1").inner_text() == DISK_AGAIN
        assert page.locator("#timeline").is_visible()
        assert page.locator("#tl-plot a.mark.timed").count() == 4
        assert page.locator("#seen").is_visible()
        assert page.locator("#seen", has_text=DISK).count() == 1
        # The timeline's script ran: the header's policy allows its hash.
        assert page.evaluate("document.documentElement.className") == ""
        page.locator("#timeline").screenshot(path=str(OUTPUT / "web-incident-timeline.png"))
        page.screenshot(path=str(OUTPUT / "web-incident.png"), full_page=True)

        page.click("text=← Library")
        page.wait_for_url(base + "/")
        page.goto(base + "/stats?by=month")
        assert page.locator("h1").inner_text() == "Incident library"
        assert page.locator("figure.panel").count() > 0
        page.screenshot(path=str(OUTPUT / "web-stats.png"), full_page=True)
        assert v.clean(), (v.errors, v.requests, v.dialogs)
    assert (OUTPUT / "web-incident-timeline.png").stat().st_size > 10_000


def test_log_in_with_the_token(visit: Callable[[str], Visit], library: Library) -> None:
    OUTPUT.mkdir(exist_ok=True)
    with serving(create_app(library, token=TOKEN)) as base:
        v = visit(base)
        page = v.page
        assert page.locator("form[action='/login']").is_visible()
        assert page.locator("table.incidents").count() == 0
        page.fill("#token", "not it")
        page.click("form[action='/login'] button")
        page.wait_for_load_state("load")
        assert page.locator(".problem", has_text="not the token").is_visible()
        page.screenshot(path=str(OUTPUT / "web-login.png"), full_page=True)
        page.fill("#token", TOKEN)
        page.click("form[action='/login'] button")
        page.wait_for_url(base + "/")
        assert page.locator("table.incidents tbody tr").count() == 3
        page.click("form.logout button")
        page.wait_for_url(base + "/login")
        assert page.locator("form[action='/login']").is_visible()
        # The login form answers 401 before the token is given: the browser says so.
        refused = "Failed to load resource: the server responded with a status of 401"
        assert [e for e in v.errors if not e.startswith(refused)] == []
        assert v.requests == [] and v.dialogs == []
