"""The HTML report: golden file, one self-contained page, escaping, the server-drawn timeline.

Regenerate the golden files after an intended change with
``UPDATE_GOLDEN=1 .venv/bin/pytest tests/report`` and review the diff.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import lxml.html
import pytest

from retroline.report.html import (
    levels,
    render_html,
    script_json,
    source_href,
    tick_label,
    ticks,
    timeline,
)
from retroline.report.postmortem import Postmortem
from tests.conftest import raw_controls
from tests.report.conftest import EVIL, assert_golden


def _page(pm: Postmortem) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(render_html(pm))


def _script(doc: lxml.html.HtmlElement) -> str:
    (script,) = doc.xpath("//script")
    return script.text


def test_golden(cern_postmortem: Postmortem) -> None:
    assert_golden("cern-dbod-voms.html", render_html(cern_postmortem))


def test_deterministic(investigated_postmortem: Postmortem) -> None:
    assert render_html(investigated_postmortem) == render_html(investigated_postmortem)


def test_one_self_contained_file(investigated_postmortem: Postmortem) -> None:
    doc = _page(investigated_postmortem)
    assert len(doc.xpath("//script")) == 1 and len(doc.xpath("//style")) == 1
    assert doc.xpath("//script[@src] | //link | //img | //iframe | //object | //embed") == []
    assert not doc.xpath("//@src")
    for href in doc.xpath("//@href"):
        assert href.startswith(("#", "file:///")), href
    csp = doc.xpath("//meta[@http-equiv='Content-Security-Policy']/@content")[0]
    assert "default-src 'none'" in csp and "sha256-" in csp
    assert doc.xpath("//style")[0].text.count("@media print") == 1


def test_sections_in_the_order_of_a_postmortem(cern_postmortem: Postmortem) -> None:
    doc = _page(cern_postmortem)
    headings = [h.text_content() for h in doc.xpath("//main//h2")]
    assert headings[:5] == ["Summary", "Impact", "Detection", "Durations", "Timeline"]
    assert headings[5:] == [
        "Root cause",
        "Contributing factors",
        "Analysis",
        "Hypotheses",
        "Action items",
        "Findings",
        "Log evidence",
    ]
    assert doc.xpath("//h1")[0].text_content() == "DBoD VOMS database unavailable"


def test_timeline_table_has_every_entry_with_words_zone_and_link(
    investigated_postmortem: Postmortem,
) -> None:
    doc = _page(investigated_postmortem)
    rows = doc.xpath("//table[contains(@class, 'timeline')]/tbody/tr")
    assert [r.get("id") for r in rows] == [r.id for r in investigated_postmortem.timeline]
    first = rows[0]
    assert "18-Oct-14 05:54" in first.text_content()
    assert "Europe/Zurich · given with --tz" in first.text_content()
    assert first.xpath(".//a/@href") == ["file:///srv/evidence/cern-dbod-voms.txt#L13"]
    assumed = doc.xpath("//tr[contains(@class, 'assumed')]")
    assert assumed and all("⚠ zone assumed" in r.text_content() for r in assumed)
    approximate = doc.xpath("//tr[contains(@class, 'approx')]")
    assert len(approximate) == 1 and "≈ approximate" in approximate[0].text_content()
    assert doc.xpath("//table//th[@scope='col']")


def test_svg_has_a_mark_per_dated_entry_in_its_lane(investigated_postmortem: Postmortem) -> None:
    pm = investigated_postmortem
    doc = _page(pm)
    timed = [r.id for r in pm.timeline if r.iso]
    days = [r.id for r in pm.timeline if not r.iso and r.date]
    drawn = doc.xpath("//svg//a[contains(@class, 'timed')]/@data-id")
    assert sorted(drawn) == sorted(timed) and len(drawn) == len(timed)
    assert sorted(doc.xpath("//svg//a[contains(@class, 'day')]/@data-id")) == sorted(days)
    # log lines are drawn first, under the entries people wrote
    kinds = doc.xpath("//svg//a[contains(@class, 'mark')]/@class")
    assert "k-log" in kinds[0] and "k-log" not in kinds[-1]
    assert [li.text_content() for li in doc.xpath("//ul[@class='tl-lanes']/li")] == pm.lanes
    assert pm.lanes == ["cern-dbod-voms.txt", "ovm-hv07", "nas-dbod-02"]
    tl = timeline(pm)
    assert tl is not None
    hypervisor = next(r.id for r in pm.timeline if r.lane == "ovm-hv07")  # its log pattern
    assert {m.row.id: m.lane for m in tl.marks}[hypervisor] == 1
    assert all(0 <= m.x <= 100 for m in tl.marks)
    # every mark works without the script: a native tooltip and a link to its row
    for mark in doc.xpath("//svg//a[contains(@class, 'mark')]"):
        assert mark.get("href") == "#" + mark.get("data-id")
        assert mark.xpath("./title")


def test_durations_show_definitions_and_unknown_reasons(
    investigated_postmortem: Postmortem,
) -> None:
    doc = _page(investigated_postmortem)
    cards = doc.xpath("//article[contains(@class, 'card')]")
    assert len(cards) == 4
    assert "4 h 53 min" in cards[0].text_content()
    assert "first sign someone noticed it" in cards[0].text_content()


def test_log_series_render_as_sparklines_only_when_present(
    investigated_postmortem: Postmortem, cern_postmortem: Postmortem
) -> None:
    doc = _page(investigated_postmortem)
    sparks = doc.xpath("//td[@class='spark']/svg")
    assert len(sparks) == 2 and len(sparks[1].xpath("./rect")) == 12
    assert _page(cern_postmortem).xpath("//td[@class='spark']") == []


def test_no_owner_is_prominent(cern_postmortem: Postmortem) -> None:
    doc = _page(cern_postmortem)
    assert len(doc.xpath("//section[@id='actions']//span[@class='flag no-owner']")) == 2


def test_nothing_from_the_evidence_becomes_markup_or_script(
    hostile_postmortem: Postmortem,
) -> None:
    html = render_html(hostile_postmortem)
    doc = lxml.html.document_fromstring(html)
    assert len(doc.xpath("//script")) == 1
    assert doc.xpath("//img") == []
    assert not [a for el in doc.iter() for a in el.attrib if a.lower().startswith("on")]
    schemes = {urlsplit(h).scheme for h in doc.xpath("//@href")}
    assert schemes <= {"", "file", "https"}, schemes
    body = doc.xpath("//body")[0].text_content()
    for field in ("Title", "Event", "Detail", "Owner", "Status", "Finding", "Hypothesis", "Gap"):
        assert f"{field} {EVIL}" in body, field
    assert "Heading " + EVIL in body and "{{ 7*7 }}" in body and "49" not in body
    # the data for the script is JSON that cannot end the script element
    script = _script(doc)
    assert script.count("</script") == 0 and "<" not in script.split("retrolineTimeline(")[-1]
    data = json.loads(script.rsplit("retrolineTimeline(", 1)[1].rstrip().removesuffix(");"))
    assert data["events"][0]["text"] == f"Event {EVIL}\u2028line"


def test_no_control_character_from_the_evidence_on_the_page_or_in_its_data(
    hostile_postmortem: Postmortem,
) -> None:
    html = render_html(hostile_postmortem)
    assert raw_controls(html) == set()
    doc = lxml.html.document_fromstring(html)
    title = doc.xpath("//h1")[0].text_content()
    assert "\\x1b[2J\\x1b]0;pwned\\x07" in title and "\\u202eevil\\u202c" in title
    script = _script(doc)
    data = json.loads(script.rsplit("retrolineTimeline(", 1)[1].rstrip().removesuffix(");"))
    texts = [e["text"] for e in data["events"]]
    assert any("Log | pipe" in t and "\\x9b31m \\x7f" in t for t in texts), texts
    assert data["events"][0]["text"] == f"Event {EVIL}\u2028line"  # ordinary text as it is


def test_script_json_escapes_what_could_end_a_script() -> None:
    text = script_json({"a": "</script><!-- & \u2028\u2029"})
    assert not re.search("[<>&\u2028\u2029]", text)
    assert json.loads(text) == {"a": "</script><!-- & \u2028\u2029"}


@pytest.mark.parametrize(
    ("path", "line", "expected"),
    [
        ("/var/log/syslog", 12, "file:///var/log/syslog#L12"),
        ("/a b/c\"d'.log", None, "file:///a%20b/c%22d%27.log"),
        ("notes/x.md", 3, "notes/x.md#L3"),
        ("javascript:alert(1)", None, "javascript%3Aalert%281%29"),
        ("https://wiki.example.org/RCA", 5, "https://wiki.example.org/RCA"),
        ("", 4, None),
    ],
)
def test_source_href(path: str, line: int | None, expected: str | None) -> None:
    assert source_href(path, line) == expected


def test_ticks_are_round_and_labelled() -> None:
    step, instants = ticks(0, 3 * 3600)
    assert step == 1800 and instants[0] == 0 and instants[-1] == 3 * 3600
    assert tick_label(0, 1800, first=True) == "Jan 1 00:00"
    assert tick_label(1800, 1800, first=False) == "00:30"
    assert tick_label(5, 1, first=False) == "00:00:05"
    assert tick_label(86400, 86400, first=True) == "Jan 2 1970"


def test_levels_keep_close_marks_apart() -> None:
    assert levels([(0, 14), (5, 14), (30, 14), (31, 14)], 3) == [0, 1, 0, 1]
    assert levels([(0, 14), (1, 14), (2, 14)], 2) == [0, 1, 0]
    assert levels([(0, 80), (10, 80), (20, 80), (100, 80)], 2, crowd=False) == [0, 1, -1, 0]
