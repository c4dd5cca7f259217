"""The Markdown report: golden file, escaping, and the parts a reader relies on.

Regenerate the golden files after an intended change with
``UPDATE_GOLDEN=1 .venv/bin/pytest tests/report`` and review the diff.
"""

from __future__ import annotations

import dataclasses

import lxml.html
import pytest
from markdown_it import MarkdownIt

from retroline.analysis.durations import durations
from retroline.inert import safe_url
from retroline.model import Incident
from retroline.report.markdown import block, inline, render_markdown, sparkline
from retroline.report.postmortem import Postmortem
from tests.conftest import never_hangs, raw_controls
from tests.report.conftest import EVIL, UNSAFE_LINKS, assert_golden


def _as_html(markdown: str, *, any_link: bool = False) -> lxml.html.HtmlElement:
    """The Markdown rendered by a CommonMark renderer that lets raw HTML through and, with
    ``any_link``, links of every scheme (markdown-it drops javascript: links by itself; not
    every renderer does)."""
    md = MarkdownIt("commonmark", {"html": True}).enable("table")
    if any_link:
        md.validateLink = lambda url: True
    return lxml.html.fromstring(f"<div>{md.render(markdown)}</div>")


def _urls(doc: lxml.html.HtmlElement) -> list[str]:
    """Every link and image address in a rendered page."""
    return [str(url) for url in doc.xpath("//a/@href | //img/@src")]


def test_golden(cern_postmortem: Postmortem) -> None:
    assert_golden("cern-dbod-voms.md", render_markdown(cern_postmortem))


def test_deterministic(cern_postmortem: Postmortem) -> None:
    assert render_markdown(cern_postmortem) == render_markdown(cern_postmortem)


def test_timeline_in_utc_order_with_words_zone_and_source(cern_postmortem: Postmortem) -> None:
    text = render_markdown(cern_postmortem)
    rows = [line for line in text.splitlines() if line.startswith("| e")]
    assert len(rows) == len(cern_postmortem.timeline)
    assert rows[0].startswith("| e1 | 2014-10-18 03:54 | 18-Oct-14 05:54 | Europe/Zurich (option)")
    assert rows[0].endswith("| /srv/evidence/cern-dbod-voms.txt:13 |")
    assert "⚠ **no owner**" in text
    assert "| Time to detect | 4 h 53 min |" in text


def test_unknown_durations_say_why(cern_postmortem: Postmortem) -> None:
    pm = dataclasses.replace(
        cern_postmortem, timeline=[], durations=durations(Incident(title="empty"))
    )
    text = render_markdown(pm)
    assert "| Time to detect | **unknown**: no impact start in the timeline |" in text
    assert "_No timeline entries were found in the evidence._" in text


def test_marks_assumed_zones_and_approximate_times(investigated_postmortem: Postmortem) -> None:
    text = render_markdown(investigated_postmortem)
    assert "UTC ⚠ **assumed**" in text
    assert "~2014-10-18 06:00 (approximate)" in text
    assert "| 2014-10-21 | 21 Oct | none |" in text


def test_series_render_as_a_sparkline_and_absent_series_as_nothing(
    investigated_postmortem: Postmortem, cern_postmortem: Postmortem
) -> None:
    assert "Counts over time" in render_markdown(investigated_postmortem)
    assert "▁" in render_markdown(investigated_postmortem)
    assert "Counts over time" not in render_markdown(cern_postmortem)


@pytest.mark.parametrize(
    ("series", "expected"), [(None, ""), ([], ""), ([0, 0], "▁▁"), ([0, 1, 2], " ▅█")]
)
def test_sparkline(series: list[int] | None, expected: str) -> None:
    assert sparkline(series) == expected


def test_inline_escapes_html_and_pipes_on_one_line() -> None:
    assert inline("a | <b>\n&c") == "a \\| &lt;b&gt; &amp;c"


def test_block_keeps_lines_and_reads_nothing_as_markup() -> None:
    assert block("# not a heading\n- not a list\n\n<i>x</i>") == (
        "\\# not a heading\\\n\\- not a list\n\n&lt;i&gt;x&lt;/i&gt;"
    )


def test_nothing_from_the_evidence_becomes_markup(hostile_postmortem: Postmortem) -> None:
    text = render_markdown(hostile_postmortem)
    assert "<script" not in text and "<img" not in text
    doc = _as_html(text)
    assert doc.xpath("//script | //img | //h1[contains(., 'Heading')]") == []
    assert not [a for el in doc.iter() for a in el.attrib if a.startswith("on")]
    assert [a.get("href") for a in doc.iter("a")] == []
    assert EVIL in doc.text_content()  # shown as written
    # every table keeps its columns: no pipe from the evidence split a cell
    for table in doc.iter("table"):
        widths = {len(row) for row in table.iter("tr")}
        assert len(widths) == 1, widths


def test_says_where_a_day_and_year_came_from(hostile_postmortem: Postmortem) -> None:
    text = render_markdown(hostile_postmortem)
    first = next(line for line in text.splitlines() if line.startswith("| e1 "))
    assert "day from the heading above, year from the file name" in first
    assert "<br>_Note &lt;script&gt;" in first


def test_no_control_character_and_no_unsafe_link_from_the_evidence(
    hostile_postmortem: Postmortem,
) -> None:
    text = render_markdown(hostile_postmortem)
    assert raw_controls(text) == set()
    assert "Title" in text and "\\x1b[2J\\x1b]0;pwned\\x07" in text and "\\u202eevil\\u202c" in text
    doc = _as_html(text, any_link=True)
    assert [url for url in _urls(doc) if safe_url(url) is None] == []
    assert UNSAFE_LINKS in doc.text_content()  # shown as written
    assert "[ref]: javascript:alert(1)" in doc.text_content()


def test_control_characters_are_shown_escaped_and_ordinary_text_kept() -> None:
    assert inline("a\x1b[2Jb\x07 \u202eevil") == "a\\x1b[2Jb\\x07 \\u202eevil"
    assert block("one\x9b31m\ntwo\x7f") == "one\\x9b31m\\\ntwo\\x7f"
    ordinary = "Zürich — 東京 👩\u200d💻 [2014-10-18 05:54:52] a[1] b]: [docs](https://x.org/a)"
    assert inline(ordinary).replace("\\]:", "]:") == ordinary
    assert _urls(_as_html(inline(ordinary))) == ["https://x.org/a"]


def test_links_to_what_a_browser_would_run_stay_text() -> None:
    tricks = [
        "[x](javascript:alert(1))",
        "[x](JaVaScRiPt:alert(1))",
        "[x]( javascript:alert(1))",
        "[x](javascript\\:alert(1))",
        "[x](javascript&#58;alert(1))",
        "[x](<javascript:alert(1)>)",
        "![i](data:image/svg+xml;base64,PHN2Zz4=)",
        "[x](vbscript:msgbox(1))",
        "[x](file:///etc/passwd)",
        "[x](notes/relative.md)",
        "[x\\\\](javascript:alert(1))",  # an escaped backslash, then the real bracket
        "[[x](javascript:alert(1))](https://ok.org)",
        "[x](http://[malformed)",
    ]
    for trick in tricks:
        for rendered in (inline(trick), block(trick)):
            urls = _urls(_as_html(rendered, any_link=True))
            assert [u for u in urls if safe_url(u) is None] == [], (trick, rendered)
    definitions = "[r]: javascript:alert(1)\n\n[r]\n\n[a\nb]: data:text/html,x\n\n[a b]"
    assert _urls(_as_html(block(definitions), any_link=True)) == []


def test_a_line_of_many_link_brackets_renders_in_linear_time() -> None:
    line = "](" * 60_000  # each "](" once read to the end of the line: minutes, not a second
    with never_hangs(30, "a line of many link brackets"):
        assert inline(line).count("\\]") == 60_000
