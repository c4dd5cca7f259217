"""The HTML report in a real browser: Debian's chromium driven by Playwright, offline.

The page is opened from a file:// URL with every other request blocked (and recorded, so a
request the page tries fails the test). Checks: no console errors, one mark per timed entry,
zoom down to a minute, a click shows the original line, and markup from the evidence runs
nothing. Screenshots go to test-output/ for people to look at.

Outside CI the module is skipped when /usr/bin/chromium is missing (``make system-packages``
installs it); under CI=true it fails instead, so the browser test cannot silently vanish
(see tests/chromium.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from retroline.report.html import render_html
from retroline.report.postmortem import Postmortem
from tests.chromium import Watched, launched, require_chromium, watch
from tests.conftest import ROOT

require_chromium()
from playwright.sync_api import BrowserContext, Page  # noqa: E402

OUTPUT = ROOT / "test-output"


class Opened(Watched):
    """A report open in the browser, with what the page said and tried."""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BrowserContext]:
    """Debian's chromium, headless, with a new empty profile and no network but file://."""
    with launched(tmp_path_factory.mktemp("chromium-profile"), offline=True) as context:
        yield context


@pytest.fixture
def open_report(
    browser: BrowserContext, tmp_path: Path
) -> Iterator[Callable[[Postmortem], Opened]]:
    """A function that renders a postmortem to a file and opens it in a new page."""
    pages: list[Page] = []

    def opener(pm: Postmortem) -> Opened:
        path = tmp_path / "report.html"
        path.write_text(render_html(pm), encoding="utf-8")
        page = browser.new_page()
        pages.append(page)
        opened = Opened(page)
        watch(page, "file://", opened)
        page.goto(path.as_uri())
        page.wait_for_load_state("load")
        return opened

    yield opener
    for page in pages:
        page.close()


def _span(page: Page) -> float:
    start = float(page.get_attribute("#tl", "data-view-start") or "nan")
    end = float(page.get_attribute("#tl", "data-view-end") or "nan")
    return end - start


def test_loads_offline_with_a_mark_per_timed_entry(
    open_report: Callable[[Postmortem], Opened], investigated_postmortem: Postmortem
) -> None:
    pm = investigated_postmortem
    opened: Opened = open_report(pm)
    page = opened.page
    timed = [r.id for r in pm.timeline if r.iso]
    days = [r.id for r in pm.timeline if not r.iso and r.date]
    assert page.locator("#tl-plot a.mark.timed").count() == len(timed)
    assert page.locator("#tl-plot a.mark.day").count() == len(days)
    # every mark is drawn inside the plot at the whole-incident view
    box = page.locator("#tl-plot").bounding_box()
    assert box is not None
    for mark in page.locator("#tl-plot a.mark").all():
        b = mark.bounding_box()
        assert b is not None and box["x"] - 1 <= b["x"] <= box["x"] + box["width"] + 1
    assert page.evaluate("document.documentElement.className") == ""  # the script ran
    assert opened.errors == [] and opened.requests == [] and opened.dialogs == []


def test_zoom_from_the_whole_incident_to_a_minute(
    open_report: Callable[[Postmortem], Opened], investigated_postmortem: Postmortem
) -> None:
    opened: Opened = open_report(investigated_postmortem)
    page = opened.page
    whole = _span(page)
    assert whole > 2 * 86400
    page.locator(".mark[data-id='e2']").click()
    for _ in range(8):
        page.get_by_role("button", name="Zoom in").click()
    assert _span(page) <= 180
    assert "1 min" in page.locator("#tl-span").inner_text()
    # the selected event stays in view, drawn inside the plot
    plot = page.locator("#tl-plot").bounding_box()
    dot = page.locator(".mark[data-id='e2'] .dot").bounding_box()
    assert plot is not None and dot is not None
    assert plot["x"] <= dot["x"] <= plot["x"] + plot["width"]
    page.locator("#tl-plot").hover()
    page.mouse.wheel(0, 400)
    assert _span(page) > 60
    page.get_by_role("button", name="Whole incident").click()
    assert _span(page) == pytest.approx(whole)
    assert opened.errors == [] and opened.requests == []


def test_click_shows_the_original_line_and_screenshot(
    open_report: Callable[[Postmortem], Opened], investigated_postmortem: Postmortem
) -> None:
    pm = investigated_postmortem
    opened: Opened = open_report(pm)
    page = opened.page
    row = next(r for r in pm.timeline if r.kind == "detection")
    page.locator(f".mark[data-id='{row.id}']").click()
    detail = page.locator("#tl-detail")
    assert detail.is_visible()
    text = detail.inner_text()
    assert row.time_text in text and row.text in text and "cern-dbod-voms.txt:14" in text
    assert detail.locator("a.src").get_attribute("href") == (
        "file:///srv/evidence/cern-dbod-voms.txt#L14"
    )
    assert page.locator(f"tr#{row.id}.selected").count() == 1
    page.locator(".mark[data-id='e13']").hover()
    assert page.locator(".tl-tip").is_visible()
    OUTPUT.mkdir(exist_ok=True)
    page.locator("#timeline").scroll_into_view_if_needed()
    page.evaluate("window.scrollTo(0, document.getElementById('durations').offsetTop - 8)")
    page.locator(".mark[data-id='e13']").hover()
    page.screenshot(path=str(OUTPUT / "report-timeline.png"))
    page.screenshot(path=str(OUTPUT / "report-page.png"), full_page=True)
    assert (OUTPUT / "report-timeline.png").stat().st_size > 10_000
    assert opened.errors == [] and opened.requests == []


def test_markup_from_the_evidence_runs_nothing(
    open_report: Callable[[Postmortem], Opened], hostile_postmortem: Postmortem
) -> None:
    opened: Opened = open_report(hostile_postmortem)
    page = opened.page
    page.locator("#tl-plot a.mark.timed").first.click()
    page.locator("#tl-plot a.mark.timed").first.hover()
    assert page.locator("script").count() == 1 and page.locator("img").count() == 0
    assert "<script>alert(1)</script>" in page.locator("#tl-detail").inner_text()
    assert opened.dialogs == [] and opened.errors == [] and opened.requests == []
