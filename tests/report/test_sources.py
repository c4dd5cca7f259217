"""Where evidence stands, as every report cites it: a line, a PDF's page and line, a Word
file's paragraph; one function formats it for the terminal, Markdown and HTML alike."""

from __future__ import annotations

import datetime as dt

import pytest
from rich.console import Console

from retroline.model import ActionItem, Document, Event, Incident, Source
from retroline.report.html import render_html, source_href
from retroline.report.markdown import render_markdown
from retroline.report.postmortem import build
from retroline.report.terminal import render_incident
from retroline.sources import place, short_where, where
from tests.conftest import modules_spelling

NOW = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("line", "page", "fmt", "expected"),
    [
        (12, None, "markdown", "12"),
        (12, None, None, "12"),
        (12, 3, "pdf", "p. 3 l. 12"),
        (None, 3, "pdf", "p. 3"),
        (12, None, "docx", "¶ 12"),
        (None, None, "docx", ""),
    ],
)
def test_place(line: int | None, page: int | None, fmt: str | None, expected: str) -> None:
    assert place(line, page, fmt) == expected


@pytest.mark.parametrize(
    ("line", "page", "fmt", "text", "href"),
    [
        (12, None, "markdown", "/e/pm.md:12", "file:///e/pm.md#L12"),
        (12, 3, "pdf", "/e/pm.pdf p. 3 l. 12", "file:///e/pm.pdf#page=3"),
        (12, None, "docx", "/e/pm.docx ¶ 12", "file:///e/pm.docx"),
        (None, None, "markdown", "/e/pm.md", "file:///e/pm.md"),
    ],
)
def test_where_and_link(line: int | None, page: int | None, fmt: str, text: str, href: str) -> None:
    path = text.split(":")[0].split(" ")[0]
    assert where(path, line, page, fmt) == text
    assert source_href(path, line, page, fmt) == href


def test_the_short_form_drops_the_folders_and_keeps_the_place() -> None:
    assert short_where("/e/deep/pm.pdf", 12, 3, "pdf") == "pm.pdf p. 3 l. 12"
    assert short_where("/e/deep/pm.md", 7, None, "markdown") == "pm.md:7"
    assert short_where("pm.md", None) == "pm.md"


def test_no_module_formats_a_source_location_its_own_way() -> None:
    """Reports cite evidence through `where`/`short_where` only: no module cuts a path to
    its name and glues a line to it by itself."""
    own = r'rsplit\("/", 1\)\[-1\]|f"\{[a-z_.]*\}:\{[a-z_.]*line\}"'
    assert modules_spelling(own) == []


def _incident() -> Incident:
    pdf, docx = "/e/printed.pdf", "/e/notes.docx"
    return Incident(
        title="Checkout outage",
        documents=[
            Document(path=pdf, sha256="a" * 64, format="pdf", size=1),
            Document(path=docx, sha256="b" * 64, format="docx", size=1),
        ],
        events=[
            Event(
                at=dt.datetime(2024, 3, 12, 14, 2, tzinfo=dt.UTC),
                text="alerts fired",
                source=Source(path=pdf, line=7, page=2),
            ),
            Event(
                at=dt.datetime(2024, 3, 12, 14, 10, tzinfo=dt.UTC),
                text="rollback started",
                source=Source(path=docx, line=9),
            ),
        ],
        action_items=[ActionItem(text="Cap the pool", source=Source(path=docx, line=18))],
    )


def test_reports_cite_pages_and_paragraphs() -> None:
    pm = build(_incident(), now=NOW)
    markdown = render_markdown(pm)
    assert "/e/printed.pdf p. 2 l. 7" in markdown and "/e/notes.docx ¶ 9" in markdown
    assert "/e/notes.docx ¶ 18" in markdown  # an action item
    html = render_html(pm)
    assert 'href="file:///e/printed.pdf#page=2"' in html and ">printed.pdf p. 2 l. 7<" in html
    assert ">notes.docx ¶ 9<" in html
    console = Console(width=160, record=True)
    render_incident(console, _incident())
    shown = console.export_text()
    assert "printed.pdf p. 2 l. 7" in shown and "notes.docx ¶ 9" in shown
