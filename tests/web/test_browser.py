"""The web app in a real browser: uvicorn on a free loopback port, Debian's chromium.

Every request that leaves the app's origin is blocked and recorded (so a page that reaches
for the network fails the test), and console messages are recorded (a Content-Security-
Policy violation is one). Checks: the library lists the incidents, a search finds them, an
incident's page shows its timeline and the timeline's script ran (the header's policy
allows its hash), the statistics page, the login form with its cookies, and a new
investigation started from the form. Screenshots go
to test-output/ for people to look at.

Outside CI the module is skipped when /usr/bin/chromium is missing; under CI=true it fails
instead (see tests/chromium.py).
"""

from __future__ import annotations

import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from retroline import api
from retroline.store import Library
from retroline.web.app import create_app
from tests.chromium import require_chromium
from tests.web import CERT, DISK, DISK_AGAIN
from tests.web.browsing import OUTPUT, Visit, serving
from tests.web.test_investigations import bundle

require_chromium()

TOKEN = "a-token-typed-into-the-form"


pytestmark = pytest.mark.usefixtures("ids")  # the library holds the incidents of tests.web


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


@contextmanager
def _releasing(event: threading.Event) -> Iterator[None]:
    """Set ``event`` at the end, also when the test fails (so no thread waits on it)."""
    try:
        yield
    finally:
        event.set()


def test_start_an_investigation_from_the_browser(
    visit: Callable[[str], Visit], library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader opens the form from the library, gives two files and a zone, watches the
    progress page while the work runs, and lands on the new incident's postmortem; the
    library then lists it."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # the upload's folder, seen
    # The investigation waits until the progress page has been seen (the server runs in
    # this process, so the real one is wrapped here).
    seen, real = threading.Event(), api.investigate

    def investigate(paths: list[Path], **options: Any) -> Any:
        options["progress"]("reading the uploaded evidence")
        assert seen.wait(60)
        return real(paths, **options)

    monkeypatch.setattr(api, "investigate", investigate)
    OUTPUT.mkdir(exist_ok=True)
    with serving(create_app(library)) as base, _releasing(seen):
        v = visit(base)
        page = v.page
        page.click("nav a:text-is('New investigation')")
        page.wait_for_url(base + "/investigate")
        page.set_input_files(
            "#files",
            [
                {"name": name, "mimeType": "text/plain", "buffer": data}
                for _field, (name, data) in bundle()
            ],
        )
        page.fill("#tz", "UTC")
        page.screenshot(path=str(OUTPUT / "web-investigate-form.png"), full_page=True)
        page.click("form.investigate button[type=submit]")
        page.wait_for_url("**/investigations/*")
        progress = page.locator("ol.progress li", has_text="reading the uploaded evidence")
        progress.wait_for()
        assert page.locator(".job-status").inner_text().lower() in ("queued", "running")
        assert page.locator("nav a", has_text="New investigation").count() == 1
        page.screenshot(path=str(OUTPUT / "web-investigate-progress.png"), full_page=True)
        seen.set()  # the page reloads itself, and opens the incident when it is stored
        page.wait_for_url("**/incidents/*", timeout=60_000)
        assert page.locator("h1").inner_text() == "Orders queue stalled on q1"
        assert page.locator("#timeline", has_text="workers stop consuming").count() == 1
        page.screenshot(path=str(OUTPUT / "web-investigate.png"), full_page=True)
        page.click("a:text-is('← Library')")  # the report's link bar
        page.wait_for_url(base + "/")
        assert page.locator("table.incidents tbody tr").count() == 4
        assert page.locator("a.title:text-is('Orders queue stalled on q1')").count() == 1
        assert v.clean(), (v.errors, v.requests, v.dialogs)
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("retroline-")] == []
