"""The timeline's zoom and the corrections, done as a person does them in a real browser:
uvicorn on a free loopback port (`serving`), Debian's chromium (tests/chromium.py).

Every request that leaves the app's origin is blocked and recorded, and console messages
(a Content-Security-Policy violation is one) and dialogs are recorded: each test ends with
none. Screenshots go to test-output/ for people to look at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pytest

from retroline.store import Library
from retroline.web.app import create_app
from tests.chromium import require_chromium
from tests.web import DISK

require_chromium()
from playwright.sync_api import Page  # noqa: E402

from tests.web.browsing import OUTPUT, Visit, serving  # noqa: E402

pytestmark = pytest.mark.usefixtures("ids")  # the library holds the incidents of tests.web

#: The disk incident's second event (tests.web), the one corrected here.
PAGED = "Disk alert paged the on-call"
PAGED_NOW = "Disk alert paged the DBA on-call"


def _open_incident(page: Page, title: str) -> None:
    """From the library, open the incident of this title, as a reader does."""
    page.click(f"a.title:text-is('{title}')")
    page.wait_for_url("**/incidents/*")
    assert page.locator("h1").inner_text() == title


def _view(page: Page) -> tuple[float, float]:
    """The range the interactive timeline shows (seconds since the epoch, UTC)."""
    figure = page.locator("#tl")
    start = figure.get_attribute("data-view-start")
    end = figure.get_attribute("data-view-end")
    assert start is not None and end is not None, "the timeline's script did not run"
    return float(start), float(end)


def _timeline_texts(page: Page) -> list[str]:
    return page.locator("table.timeline tbody td.text").all_inner_texts()


def test_zoom_the_timeline(visit: Callable[[str], Visit], library: Library) -> None:
    OUTPUT.mkdir(exist_ok=True)
    with serving(create_app(library)) as base:
        v = visit(base)
        page = v.page
        _open_incident(page, DISK)
        whole = _view(page)
        label = page.locator("#tl-span").inner_text()
        assert whole[1] - whole[0] >= 64 * 60  # 09:58 to 11:02, at least
        assert page.locator("#tl-plot a.mark.timed").count() == 4
        paged = page.locator("#tl-plot a.mark[data-id=e2] circle.dot")
        before = paged.get_attribute("cx")

        # Pick the detection (10:05): "Zoom in" closes in on the event picked.
        page.locator("#tl-plot a.mark[data-id=e2]").click()
        assert page.locator("#tl-detail").is_visible()
        assert PAGED in page.locator("#tl-detail").inner_text()
        page.get_by_role("button", name="Zoom in").click()
        zoomed = _view(page)
        assert zoomed[1] - zoomed[0] == pytest.approx((whole[1] - whole[0]) / 4)
        assert whole[0] <= zoomed[0] and zoomed[1] <= whole[1]
        detected = dt.datetime(2024, 3, 1, 10, 5, tzinfo=dt.UTC).timestamp()
        assert zoomed[0] < detected < zoomed[1]
        assert zoomed[0] + (zoomed[1] - zoomed[0]) / 2 == pytest.approx(detected, abs=1)
        assert page.locator("#tl-span").inner_text() != label
        assert page.locator("#tl-span").inner_text().startswith("2024-03-01 09:5")
        assert paged.get_attribute("cx") != before  # the marks moved with the view

        # The wheel over the dot zooms in further, around the pointer: the dot stays put.
        dot = paged.bounding_box()
        assert dot is not None
        page.mouse.move(dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2)
        page.mouse.wheel(0, -200)
        page.wait_for_function(
            "([span]) => { const d = document.getElementById('tl').dataset;"
            " return Number(d.viewEnd) - Number(d.viewStart) < span; }",
            arg=[zoomed[1] - zoomed[0]],
        )
        closer = _view(page)
        assert closer[1] - closer[0] == pytest.approx((zoomed[1] - zoomed[0]) * 0.8)
        assert zoomed[0] <= closer[0] < detected < closer[1] <= zoomed[1]
        after = paged.bounding_box()
        assert after is not None and after["x"] == pytest.approx(dot["x"], abs=2)
        # Milestones out of the view are hidden, not cut at its edge; the one in it shows.
        shown = page.locator("#tl g.ms").evaluate_all(
            "gs => gs.map(g => [g.textContent.trim(), g.getAttribute('visibility')])"
        )
        assert ["detection", "visible"] in shown and ["mitigation", "hidden"] in shown
        page.locator("#timeline").screenshot(path=str(OUTPUT / "web-timeline-zoom.png"))

        page.get_by_role("button", name="Whole incident").click()
        assert _view(page) == pytest.approx(whole)
        assert page.locator("#tl g.ms[visibility=hidden]").count() == 0
        assert page.locator("#tl-span").inner_text() == label
        assert v.clean(), (v.errors, v.requests, v.dialogs)
    assert (OUTPUT / "web-timeline-zoom.png").stat().st_size > 10_000


def test_correct_an_event_and_undo_it(visit: Callable[[str], Visit], library: Library) -> None:
    OUTPUT.mkdir(exist_ok=True)
    with serving(create_app(library)) as base:
        v = visit(base)
        page = v.page
        _open_incident(page, DISK)
        incident_url = page.url
        assert PAGED in _timeline_texts(page)
        assert page.locator("#corrections").count() == 0

        page.click("text=Correct this incident")
        page.wait_for_url(incident_url + "/edits")
        assert page.locator("h1").inner_text() == f"Correct: {DISK}"
        assert page.locator("table.edit-events textarea:disabled").count() == 4
        assert page.get_by_role("button", name="Save").count() == 0  # say who you are first
        page.fill("#name", "Ana Lima")
        with page.expect_navigation():
            page.get_by_role("button", name="Start correcting").click()
        assert page.url == incident_url + "/edits"
        assert page.locator("#who", has_text="recorded as made by Ana Lima").is_visible()

        row = page.locator("table.edit-events tbody tr").nth(1)
        text = row.locator("textarea[name=text]")
        assert text.input_value() == PAGED
        assert row.locator("select[name=kind]").input_value() == "detection"
        text.fill(PAGED_NOW)
        row.locator("select[name=kind]").select_option("engagement")
        row.get_by_role("button", name="Save").click()
        page.wait_for_url("**/edits#edit-2")
        edits = page.locator("table.edits tbody tr")
        assert edits.count() == 2
        assert edits.nth(0).inner_text().startswith("1\tkind corrected: detection → engagement")
        assert f"text corrected (was: {PAGED})" in edits.nth(1).inner_text()
        assert "Ana Lima" in edits.nth(1).inner_text() and "in force" in edits.nth(1).inner_text()
        row = page.locator("table.edit-events tbody tr").nth(1)
        assert row.locator("textarea[name=text]").input_value() == PAGED_NOW
        assert row.locator("select[name=kind]").input_value() == "engagement"
        page.screenshot(path=str(OUTPUT / "web-edits.png"), full_page=True)

        page.click("text=← The incident")
        page.wait_for_url(incident_url)
        page.reload()
        texts = _timeline_texts(page)
        assert PAGED_NOW in texts and PAGED not in texts
        corrected = page.locator("table.timeline tbody tr", has_text=PAGED_NOW)
        assert "engagement" in corrected.inner_text().lower()
        assert corrected.locator(".note", has_text="by Ana Lima").count() == 2
        corrections = page.locator("#corrections")
        assert corrections.is_visible()
        assert corrections.locator("tbody tr").count() == 2
        assert corrections.locator("tbody tr", has_text="kind corrected").count() == 1
        page.locator("#corrections").scroll_into_view_if_needed()
        page.screenshot(path=str(OUTPUT / "web-edited-incident.png"), full_page=True)

        # Take the new text back, from the corrections page.
        page.click("text=Correct this incident")
        page.wait_for_url(incident_url + "/edits")
        page.locator("#edit-2").get_by_role("button", name="Undo").click()
        page.wait_for_url("**/edits#edit-2")
        assert "undone by Ana Lima" in page.locator("#edit-2").inner_text()
        assert page.locator("#edit-2").get_by_role("button", name="Undo").count() == 0
        assert page.locator("#edit-1").get_by_role("button", name="Undo").count() == 1
        page.goto(incident_url)
        page.reload()
        texts = _timeline_texts(page)
        assert PAGED in texts and PAGED_NOW not in texts
        back = page.locator("table.timeline tbody tr", has_text=PAGED)
        assert "engagement" in back.inner_text().lower()  # the kind's edit still stands
        assert page.locator("#corrections tbody tr", has_text="undone by Ana Lima").count() == 1
        assert v.clean(), (v.errors, v.requests, v.dialogs)

    stored = library.get(incident_url.rsplit("/", 1)[1], extracted=True)
    assert [(e.action.value, e.by, e.undone_by) for e in stored.edits] == [
        ("kind", "Ana Lima", None),
        ("text", "Ana Lima", "Ana Lima"),
    ]
    assert stored.events[1].text == PAGED  # the extracted value, kept beside the edits
    for name in ("web-edits.png", "web-edited-incident.png"):
        assert (OUTPUT / name).stat().st_size > 10_000


def test_a_text_written_on_two_lines_survives_saving_the_row_again(
    visit: Callable[[str], Visit], library: Library
) -> None:
    with serving(create_app(library)) as base:
        v = visit(base)
        page = v.page
        _open_incident(page, DISK)
        ident = page.url.rsplit("/", 1)[1]
        page.click("text=Correct this incident")
        page.fill("#name", "Ana Lima")
        with page.expect_navigation():
            page.get_by_role("button", name="Start correcting").click()
        row = page.locator("table.edit-events tbody tr").nth(2)
        row.locator("textarea[name=text]").fill("Old WAL segments\nremoved by hand")
        with page.expect_navigation():
            row.get_by_role("button", name="Save").click()
        row = page.locator("table.edit-events tbody tr").nth(2)
        assert row.locator("textarea[name=text]").input_value() == (
            "Old WAL segments\nremoved by hand"
        )
        row.locator("select[name=kind]").select_option("change")
        with page.expect_navigation():
            row.get_by_role("button", name="Save").click()
        assert v.clean(), (v.errors, v.requests, v.dialogs)
    edits = library.get(ident, extracted=True).edits
    assert [e.action.value for e in edits] == ["text", "kind"]
    assert library.get(ident).events[2].text == "Old WAL segments\nremoved by hand"
