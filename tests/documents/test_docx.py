"""Word files (.docx): structure from styles and numbering, paragraph numbers as sources.

Every file here is written by python-docx in the test itself, the way Word, Google Docs and
Confluence exports mark their structure: Title and Heading styles, List styles, numbering set
on the paragraph itself (Google Docs), a table, a monospace paragraph, a soft line break.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import tempfile
import zipfile
from collections.abc import Callable
from pathlib import Path

import docx
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.text.paragraph import Paragraph
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from retroline.cli import app
from retroline.documents import Format, read_document
from retroline.documents.blocks import BlockKind
from retroline.documents.docx import read_docx
from retroline.errors import InputError, ParseError, RetrolineError, UsageError
from retroline.evidence.kinds import EvidenceKind, classify
from retroline.model import EventKind, SectionKind

runner = CliRunner()
UTC = dt.UTC


def _numbered(paragraph: Paragraph, level: int, num_id: int = 1) -> None:
    """Numbering set on the paragraph itself, as Google Docs and Word's own lists write it."""
    number = OxmlElement("w:numPr")
    ilvl, num = OxmlElement("w:ilvl"), OxmlElement("w:numId")
    ilvl.set(qn("w:val"), str(level))
    num.set(qn("w:val"), str(num_id))
    number.append(ilvl)
    number.append(num)
    paragraph._p.get_or_add_pPr().append(number)


def postmortem_docx(path: Path) -> Path:
    """A postmortem as people write one in Word; the comment on each line is its paragraph."""
    document = docx.Document()
    document.core_properties.created = dt.datetime(2024, 3, 20, 9, 0, tzinfo=UTC)
    document.add_paragraph("Checkout outage", style="Title")  # 1
    document.add_paragraph("Date: 2024-03-14. All times in UTC.")  # 2
    document.add_paragraph("")  # empty: spacing, not counted
    document.add_heading("Summary", level=1)  # 3
    document.add_paragraph(  # 4
        "On 2024-03-12 checkout failed for 40 minutes after a deploy raised the database pool size."
    )
    document.add_heading("Timeline", level=1)  # 5
    document.add_paragraph("14:02 - alerts fired", style="List Bullet")  # 6
    document.add_paragraph("PagerDuty paged the on-call", style="List Bullet 2")  # 7
    document.add_paragraph("14:10 - rollback started", style="List Bullet")  # 8
    _numbered(document.add_paragraph("14:42 - checkout recovered"), 0)  # 9
    _numbered(document.add_paragraph("error rate back under 0.1%"), 1)  # 10
    table = document.add_table(rows=3, cols=2)
    rows = [
        ("Time", "Event"),  # 11
        ("14:05", "database connections at limit"),  # 12
        ("14:20", "pool size reverted"),  # 13
    ]
    for i, (when, what) in enumerate(rows):
        table.cell(i, 0).text, table.cell(i, 1).text = when, what
    log = document.add_paragraph()  # 14
    log.add_run(
        "2024-03-12 14:01:59 db1 postgres: FATAL too many connections"
    ).font.name = "Courier New"
    document.add_heading("Root cause", level=1)  # 15
    document.add_paragraph("Every node opened 400 connections; the database allows 500.")  # 16
    document.add_heading("Action items", level=1)  # 17
    document.add_paragraph("Cap the pool size (owner: Dana)", style="List Number")  # 18
    document.add_paragraph("Alert on connection saturation (owner: Lee)", style="List Number")
    document.save(path)
    return path


@pytest.fixture
def postmortem(tmp_path: Path) -> Path:
    """A Word postmortem written by python-docx."""
    return postmortem_docx(tmp_path / "checkout.docx")


@pytest.fixture
def write_docx(tmp_path: Path) -> Callable[[Callable[[docx.document.Document], None]], Path]:
    """A function that writes a .docx built by the given function and returns its path."""

    def write(build: Callable[[docx.document.Document], None]) -> Path:
        document = docx.Document()
        build(document)
        path = tmp_path / "doc.docx"
        document.save(path)
        return path

    return write


def test_a_word_postmortem_becomes_an_incident(postmortem: Path) -> None:
    incident = read_document(postmortem)
    assert incident.title == "Checkout outage"
    assert incident.document_date == dt.date(2024, 3, 14)  # the Date: line, not the file's
    assert incident.documents[0].format == Format.DOCX.value
    assert incident.documents[0].encoding is None
    timeline = [(e.at, e.text, e.source.line, e.zone_source) for e in incident.events]
    at = lambda h, m, s=0: dt.datetime(2024, 3, 12, h, m, s, tzinfo=UTC)  # noqa: E731
    assert timeline == [
        (at(14, 2), "alerts fired", 6, "document"),
        (at(14, 10), "rollback started", 8, "document"),
        (at(14, 42), "checkout recovered", 9, "document"),
        (at(14, 5), "database connections at limit", 12, "document"),
        (at(14, 20), "pool size reverted", 13, "document"),
        (at(14, 1, 59), "db1 postgres: FATAL too many connections", 14, "document"),
    ]
    assert incident.events[0].details == ["PagerDuty paged the on-call"]
    assert incident.events[2].details == ["error rate back under 0.1%"]
    assert incident.events[-1].kind is EventKind.LOG
    assert all(e.source.page is None for e in incident.events)


def test_headings_become_sections_and_numbered_items_actions(postmortem: Path) -> None:
    incident = read_document(postmortem)
    sections = [(s.kind, s.title, s.source.line if s.source else None) for s in incident.sections]
    assert sections == [
        (SectionKind.SUMMARY, "Summary", 3),
        (SectionKind.TIMELINE, "Timeline", 5),
        (SectionKind.ROOT_CAUSE, "Root cause", 15),
        (SectionKind.ACTION_ITEMS, "Action items", 17),
    ]
    assert (
        incident.sections[2].text == "Every node opened 400 connections; the database allows 500."
    )
    items = [(a.text, a.owner, a.source.line if a.source else None) for a in incident.action_items]
    assert items == [
        ("Cap the pool size (owner: Dana)", "Dana", 18),
        ("Alert on connection saturation (owner: Lee)", "Lee", 19),
    ]


def test_blocks_keep_structure(postmortem: Path) -> None:
    parsed = read_docx(postmortem.read_bytes(), str(postmortem))
    kinds = [(b.kind, b.depth, b.line) for b in parsed.blocks]
    assert kinds[:3] == [
        (BlockKind.HEADING, 1, 1),
        (BlockKind.PARAGRAPH, 0, 2),
        (BlockKind.HEADING, 1, 3),
    ]
    items = [(b.text, b.depth) for b in parsed.blocks if b.kind is BlockKind.ITEM]
    assert items[:5] == [
        ("14:02 - alerts fired", 1),
        ("PagerDuty paged the on-call", 2),
        ("14:10 - rollback started", 1),
        ("14:42 - checkout recovered", 1),
        ("error rate back under 0.1%", 2),
    ]
    rows = [(b.cells, b.header) for b in parsed.blocks if b.kind is BlockKind.ROW]
    assert rows == [
        (["Time", "Event"], True),
        (["14:05", "database connections at limit"], False),
        (["14:20", "pool size reverted"], False),
    ]
    (code,) = [b for b in parsed.blocks if b.kind is BlockKind.CODE]
    assert code.text.startswith("2024-03-12 14:01:59") and code.line == 14


def test_soft_breaks_are_kept_as_lines(
    write_docx: Callable[[Callable[[docx.document.Document], None]], Path],
) -> None:
    def build(document: docx.document.Document) -> None:
        note = document.add_paragraph("The pool was raised")
        note.add_run().add_break()
        note.add_run("on every node at once.")
        timed = document.add_paragraph("14:02 alerts fired")
        timed.add_run().add_break()
        timed.add_run("14:05 on-call paged")

    path = write_docx(build)
    blocks = read_docx(path.read_bytes(), str(path)).blocks
    assert blocks[0].text == "The pool was raised on every node at once."
    assert [(ln.text, ln.number, ln.hard) for ln in blocks[0].lines] == [
        ("The pool was raised", 1, False),
        ("on every node at once.", 1, True),
    ]
    # A line of its own that opens with a time is the next entry, as in plain text.
    assert [(b.text, b.line) for b in blocks[1:]] == [
        ("14:02 alerts fired", 2),
        ("14:05 on-call paged", 2),
    ]


def test_outline_levels_bold_lines_tracked_changes_and_plain_tables(
    write_docx: Callable[[Callable[[docx.document.Document], None]], Path],
) -> None:
    def build(document: docx.document.Document) -> None:
        outlined = document.add_paragraph("Detection")
        level = OxmlElement("w:outlineLvl")
        level.set(qn("w:val"), "1")
        outlined._p.get_or_add_pPr().append(level)
        document.add_paragraph().add_run("Follow-up").bold = True
        document.add_paragraph().add_run("31 December").bold = True
        changed = document.add_paragraph("Restarted ")
        inserted = OxmlElement("w:ins")
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "the primary"
        run.append(text)
        inserted.append(run)
        changed._p.append(inserted)
        table = document.add_table(rows=2, cols=2)
        for i, (when, what) in enumerate([("09:00", "deploy"), ("09:05", "errors")]):
            table.cell(i, 0).text, table.cell(i, 1).text = when, what

    path = write_docx(build)
    blocks = read_docx(path.read_bytes(), str(path)).blocks
    assert [(b.kind, b.text, b.depth) for b in blocks[:4]] == [
        (BlockKind.HEADING, "Detection", 2),
        (BlockKind.HEADING, "Follow-up", 3),  # bold and alone: under the headings before it
        (BlockKind.HEADING, "31 December", 3),  # a day alone heads its entries
        (BlockKind.PARAGRAPH, "Restarted the primary", 0),  # a tracked insertion is text
    ]
    # A table whose first row is already an entry has no header row.
    assert [b.header for b in blocks if b.kind is BlockKind.ROW] == [False, False]


def test_the_files_own_date_is_a_weak_date(
    write_docx: Callable[[Callable[[docx.document.Document], None]], Path],
) -> None:
    def build(document: docx.document.Document) -> None:
        document.core_properties.created = dt.datetime(2023, 11, 2, 8, 0, tzinfo=UTC)
        document.add_heading("Cache stampede", level=1)
        document.add_paragraph("3 Nov 10:15 UTC - cache cleared", style="List Bullet")

    incident = read_document(write_docx(build))
    assert incident.document_date == dt.date(2023, 11, 2)  # nothing better: the file's date
    (event,) = incident.events
    assert event.at == dt.datetime(2023, 11, 3, 10, 15, tzinfo=UTC)  # its year from that date


def test_extract_json_cites_paragraphs(postmortem: Path) -> None:
    result = runner.invoke(app, ["extract", str(postmortem), "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["title"] == "Checkout outage"
    assert data["events"][0]["at"] == "2024-03-12T14:02:00Z"
    assert data["events"][0]["source"] == {"path": str(postmortem), "line": 6}
    shown = runner.invoke(app, ["extract", str(postmortem)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "¶ 6" in shown.stdout


def test_format_option(postmortem: Path, tmp_path: Path) -> None:
    named = tmp_path / "export.bin"
    named.write_bytes(postmortem.read_bytes())
    result = runner.invoke(app, ["extract", str(named), "--format", "docx", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["title"] == "Checkout outage"
    wrong = runner.invoke(app, ["extract", str(postmortem), "--format", "markdown"])
    assert wrong.exit_code == UsageError.exit_code
    assert "--format markdown cannot read" in wrong.stderr and "docx file" in wrong.stderr


def _zip(entries: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, text in entries.items():
            archive.writestr(name, text)
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("cut.docx", lambda data: data[: len(data) // 2], "damaged Word file: not a complete ZIP"),
        ("sheet.docx", lambda _: _zip({"xl/workbook.xml": "<x/>"}), "not a Word document: "),
        ("bundle.zip", lambda _: _zip({"a.txt": "x"}), "a ZIP archive, not a document"),
        (
            "broken.docx",
            lambda data: _zip(
                {"[Content_Types].xml": "<Types", "word/document.xml": "<w:document"}
            ),
            "damaged Word file (XMLSyntaxError: ",
        ),
    ],
)
def test_damaged_and_foreign_files_are_one_clear_error(
    postmortem: Path, tmp_path: Path, name: str, content: Callable[[bytes], bytes], message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content(postmortem.read_bytes()))
    result = runner.invoke(app, ["extract", str(path)])
    assert result.exit_code == InputError.exit_code
    assert result.stderr.startswith(f"error: {path}: {message}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr + result.stdout


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(noise=st.binary(max_size=300))
def test_any_zip_like_bytes_give_one_clear_error(noise: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.docx"
        path.write_bytes(b"PK\x03\x04" + noise + b"word/document.xml" + noise)
        with pytest.raises(RetrolineError) as raised:
            read_document(path)
        assert str(path) in str(raised.value) and "\n" not in str(raised.value)


def test_word_files_are_documents_by_name_or_content(postmortem: Path, tmp_path: Path) -> None:
    assert classify(postmortem) is EvidenceKind.DOCUMENT
    unnamed = tmp_path / "notes"
    unnamed.write_bytes(postmortem.read_bytes())
    assert classify(unnamed) is EvidenceKind.DOCUMENT


def test_zip_errors_stay_in_the_chain(postmortem: Path, tmp_path: Path) -> None:
    cut = tmp_path / "cut.docx"
    cut.write_bytes(postmortem.read_bytes()[:2000])
    with pytest.raises(ParseError) as raised:
        read_document(cut)
    assert isinstance(raised.value.__cause__, zipfile.BadZipFile)
