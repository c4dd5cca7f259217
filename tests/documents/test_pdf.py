"""PDFs with a text layer: structure from fonts and positions, page and line as sources.

Every PDF here is printed in the test itself: Debian's Chromium, driven by Playwright, prints
an HTML postmortem (with a running header and page numbers, a ruled and a borderless table,
a bulleted and a numbered list, a page break) and a "scan" whose only content is a picture
of text. A PDF with an /Encrypt entry and damaged PDFs are written byte by byte.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import struct
import tempfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pdfminer.layout import (
    LAParams,
    LTComponent,
    LTLayoutContainer,
    LTTextBox,
    LTTextLineHorizontal,
)
from typer.testing import CliRunner

from retroline.cli import app
from retroline.documents import Format, read_document
from retroline.documents.blocks import BlockKind
from retroline.documents.pdf import SCANNED, read_pdf
from retroline.documents.pdf import _PageLayout as PageLayout
from retroline.errors import FormatError, InputError, ParseError, RetrolineError
from retroline.evidence.kinds import EvidenceKind, classify
from retroline.model import EventKind, SectionKind
from retroline.store import Library
from tests.chromium import ARGS, CHROMIUM, require_chromium

require_chromium()

runner = CliRunner()
UTC = dt.UTC

POSTMORTEM = """<!doctype html>
<html><head><meta charset="utf-8"><title>Checkout outage</title>
<style>
  body { font-family: sans-serif; font-size: 11pt; margin: 0; }
  table.grid { border-collapse: collapse; }
  table.grid th, table.grid td { border: 1px solid #777; padding: 3px 8px; text-align: left; }
  table.plain th, table.plain td { padding: 2px 48px 2px 0; text-align: left; }
  .next { break-before: page; }
</style></head>
<body>
<h1>Checkout outage</h1>
<p>Date: 2024-03-14. All times in UTC.</p>
<h2>Summary</h2>
<p>On 2024-03-12 checkout failed for 40 minutes.</p>
<h2>Timeline</h2>
<ul>
  <li>14:02 - alerts fired
    <ul><li>PagerDuty paged the on-call</li></ul></li>
  <li>14:10 - rollback started</li>
  <li>14:42 - checkout recovered</li>
</ul>
<table class="grid">
  <tr><th>Time</th><th>Event</th></tr>
  <tr><td>14:05</td><td>database connections at limit</td></tr>
  <tr><td>14:20</td><td>pool size reverted</td></tr>
</table>
<pre>2024-03-12 14:01:59 db1 postgres: FATAL too many connections</pre>
<h2>Root cause</h2>
<p>A deploy raised the connection pool on every node at once, so that together the nodes
opened more connections than the database accepts, and new checkouts waited until they
timed out while the pool stayed full.</p>
<h2 class="next">Action items</h2>
<ol>
  <li>Cap the pool size (owner: Dana)</li>
  <li>Alert on connection saturation (owner: Lee)</li>
</ol>
<table class="plain">
  <tr><th>Follow-up</th><th>Owner</th></tr>
  <tr><td>Load test pool changes</td><td>Dana</td></tr>
</table>
</body></html>
"""
# A narrow page that wraps: a date in a table cell breaks at its hyphen, inline code goes onto
# a line of its own; bold day headings at the body's size head their entries.
EDGES = """<!doctype html>
<html><head><meta charset="utf-8"><title>Edge certificate expiry</title>
<style>
  body { font-family: sans-serif; font-size: 11pt; width: 420px; }
  table { border-collapse: collapse; } td, th { border: 1px solid #777; padding: 3px; }
</style></head>
<body>
<h1>Edge certificate expiry</h1>
<p>All times in UTC.</p>
<h4>31 December 2024</h4>
<p>23:41 synthetic check warns that the certificate expires soon</p>
<h4>1 January 2025</h4>
<p>00:00 the certificate expires on seven PoPs</p>
<ul><li>00:44 on-call raises the limit by hand (<code>kubectl -n edge patch deploy tls-proxy</code>)</li></ul>
<table><tr><th>Date</th><th>Time</th><th>Event</th></tr>
<tr><td style="width: 52px">2025-01-02</td><td>10:00</td><td>review meeting</td></tr></table>
</body></html>
"""
HEADER = '<div style="font-size:8px; margin-left:1cm">Checkout outage, internal</div>'
FOOTER = (
    '<div style="font-size:8px; width:100%; text-align:center">'
    '<span class="pageNumber"></span> / <span class="totalPages"></span></div>'
)


def png(width: int, height: int) -> bytes:
    """A grey PNG of dark bars, like lines of scanned text: drawn with zlib, no imaging library."""
    rows = []
    for y in range(height):
        inked = (y // 6) % 3 == 1  # lines of "words" 6 pixels high, with space between
        row = bytes(
            40 if inked and (x // 14) % 4 != 3 and 10 < x < width - 10 else 250
            for x in range(width)
        )
        rows.append(b"\x00" + row)

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


def scanned_html() -> str:
    """A page whose only content is a picture of text: a scan without OCR."""
    import base64

    data = base64.b64encode(png(480, 300)).decode()
    return f'<!doctype html><html><body style="margin:0"><img src="data:image/png;base64,{data}"></body></html>'


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """The test PDFs, printed once by Chromium: "checkout", "edges" and "scanned"."""
    from playwright.sync_api import sync_playwright

    folder = tmp_path_factory.mktemp("pdf")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=ARGS, headless=True
        )
        try:
            page = browser.new_page()
            page.set_content(POSTMORTEM)
            page.pdf(
                path=folder / "checkout.pdf",
                format="A4",
                display_header_footer=True,
                header_template=HEADER,
                footer_template=FOOTER,
                margin={"top": "2cm", "bottom": "2cm", "left": "2cm", "right": "2cm"},
            )
            page.set_content(EDGES)
            page.pdf(path=folder / "edges.pdf", format="A4")
            page.set_content(scanned_html())
            page.pdf(path=folder / "scanned.pdf", format="A4")
        finally:
            browser.close()
    yield {name: folder / f"{name}.pdf" for name in ("checkout", "edges", "scanned")}


@pytest.fixture
def postmortem(printed: dict[str, Path]) -> Path:
    """A postmortem printed to PDF by Chromium: two pages, a running header, page numbers."""
    return printed["checkout"]


def test_a_printed_postmortem_becomes_an_incident(postmortem: Path) -> None:
    incident = read_document(postmortem)
    assert incident.title == "Checkout outage"
    assert incident.document_date == dt.date(2024, 3, 14)
    assert incident.documents[0].format == Format.PDF.value
    at = lambda h, m, s=0: dt.datetime(2024, 3, 12, h, m, s, tzinfo=UTC)  # noqa: E731
    timeline = [(e.at, e.text, e.source.page, e.source.line) for e in incident.events]
    # line 1 is the running header, line 2 the title
    assert timeline == [
        (at(14, 2), "alerts fired", 1, 7),
        (at(14, 10), "rollback started", 1, 9),
        (at(14, 42), "checkout recovered", 1, 10),
        (at(14, 5), "database connections at limit", 1, 12),
        (at(14, 20), "pool size reverted", 1, 13),
        (at(14, 1, 59), "db1 postgres: FATAL too many connections", 1, 14),
    ]
    assert {e.zone_source for e in incident.events} == {"document"}  # "All times in UTC."
    assert incident.events[0].details == ["PagerDuty paged the on-call"]
    assert incident.events[-1].kind is EventKind.LOG


def test_headings_sections_and_action_items(postmortem: Path) -> None:
    incident = read_document(postmortem)
    sections = [(s.kind, s.title, s.source.page if s.source else None) for s in incident.sections]
    assert sections == [
        (SectionKind.SUMMARY, "Summary", 1),
        (SectionKind.TIMELINE, "Timeline", 1),
        (SectionKind.ROOT_CAUSE, "Root cause", 1),
        (SectionKind.ACTION_ITEMS, "Action items", 2),
    ]
    # a paragraph wrapped over three lines is one text again
    assert incident.sections[2].text.startswith("A deploy raised the connection pool on every")
    assert incident.sections[2].text.endswith("timed out while the pool stayed full.")
    items = [
        (a.text, a.owner, a.source.page if a.source else None, a.source.line if a.source else None)
        for a in incident.action_items
    ]
    assert items == [
        ("Cap the pool size (owner: Dana)", "Dana", 2, 3),
        ("Alert on connection saturation (owner: Lee)", "Lee", 2, 4),
        ("Load test pool changes", "Dana", 2, 6),  # from the borderless table
    ]


def test_blocks_keep_structure_and_leave_out_page_furniture(postmortem: Path) -> None:
    parsed = read_pdf(postmortem.read_bytes(), str(postmortem))
    texts = [b.text for b in parsed.blocks]
    assert not any("internal" in t or t.replace(" ", "") in ("1/2", "2/2") for t in texts)
    headings = [(b.text, b.depth) for b in parsed.blocks if b.kind is BlockKind.HEADING]
    assert headings == [
        ("Checkout outage", 1),
        ("Summary", 2),
        ("Timeline", 2),
        ("Root cause", 2),
        ("Action items", 2),
    ]
    items = [(b.text, b.depth) for b in parsed.blocks if b.kind is BlockKind.ITEM]
    assert items == [
        ("14:02 - alerts fired", 1),
        ("PagerDuty paged the on-call", 2),
        ("14:10 - rollback started", 1),
        ("14:42 - checkout recovered", 1),
        ("Cap the pool size (owner: Dana)", 1),  # "1." written, not drawn: the marker goes
        ("Alert on connection saturation (owner: Lee)", 1),
    ]
    rows = [(b.cells, b.header, b.page) for b in parsed.blocks if b.kind is BlockKind.ROW]
    assert rows == [
        (["Time", "Event"], True, 1),
        (["14:05", "database connections at limit"], False, 1),
        (["14:20", "pool size reverted"], False, 1),
        (["Follow-up", "Owner"], True, 2),
        (["Load test pool changes", "Dana"], False, 2),
    ]
    (code,) = [b for b in parsed.blocks if b.kind is BlockKind.CODE]
    assert code.text == "2024-03-12 14:01:59 db1 postgres: FATAL too many connections"


def test_wrapped_lines_and_day_headings(printed: dict[str, Path]) -> None:
    path = printed["edges"]
    parsed = read_pdf(path.read_bytes(), str(path))
    headings = [b.text for b in parsed.blocks if b.kind is BlockKind.HEADING]
    assert headings == ["Edge certificate expiry", "31 December 2024", "1 January 2025"]
    (row,) = [b for b in parsed.blocks if b.kind is BlockKind.ROW and not b.header]
    assert row.cells == ["2025-01-02", "10:00", "review meeting"]  # "2025-" + "01-02"
    events = [(e.at, e.text) for e in read_document(path).events]
    assert events == [
        (
            dt.datetime(2024, 12, 31, 23, 41, tzinfo=UTC),
            "synthetic check warns that the certificate expires soon",
        ),
        (dt.datetime(2025, 1, 1, 0, 0, tzinfo=UTC), "the certificate expires on seven PoPs"),
        (
            dt.datetime(2025, 1, 1, 0, 44, tzinfo=UTC),
            "on-call raises the limit by hand (kubectl -n edge patch deploy tls-proxy)",
        ),
        (dt.datetime(2025, 1, 2, 10, 0, tzinfo=UTC), "review meeting"),
    ]


def test_extract_cites_page_and_line(postmortem: Path) -> None:
    result = runner.invoke(app, ["extract", str(postmortem), "--json"])
    assert result.exit_code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["events"][0]["at"] == "2024-03-12T14:02:00Z"
    assert data["events"][0]["source"] == {"path": str(postmortem), "line": 7, "page": 1}
    shown = runner.invoke(app, ["extract", str(postmortem)], env={"COLUMNS": "200"})
    assert shown.exit_code == 0 and "p. 1 l. 7" in shown.stdout


def test_pages_are_stored(postmortem: Path) -> None:
    library = Library("sqlite://")
    try:
        saved = library.save(read_document(postmortem))
        back = library.get(saved.id)
        assert (back.events[0].source.page, back.events[0].source.line) == (1, 7)
        assert back.action_items[0].source is not None and back.action_items[0].source.page == 2
    finally:
        library.close()


def test_scanned_pdf_asks_for_ocr(printed: dict[str, Path]) -> None:
    scanned = printed["scanned"]
    with pytest.raises(FormatError) as raised:
        read_document(scanned)
    assert str(raised.value) == f"{scanned}: {SCANNED}"
    result = runner.invoke(app, ["extract", str(scanned)])
    assert result.exit_code == InputError.exit_code
    assert result.stderr.strip() == (
        f"error: {scanned}: scanned PDF: no text layer; run OCR first (e.g. ocrmypdf) and "
        "give the result"
    )


def pdf_bytes(objects: list[bytes], trailer: bytes = b"") -> bytes:
    """A PDF file from its objects, with a correct cross-reference table."""
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R %s >>\n" % (len(objects) + 1, trailer)
    return out + b"startxref\n%d\n%%%%EOF\n" % xref


PAGES = [
    b"<< /Type /Catalog /Pages 2 0 R >>",
    b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>",
]
# Standard security handler, RC4: /U does not match the empty password, so a password is
# needed to open the file.
ENCRYPTED = pdf_bytes(
    [*PAGES, b"<< /Filter /Standard /V 1 /R 2 /O <%s> /U <%s> /P -4 >>" % (b"11" * 32, b"22" * 32)],
    b"/Encrypt 4 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>]",
)


@pytest.mark.parametrize(
    ("name", "content", "error", "message"),
    [
        ("locked.pdf", lambda _: ENCRYPTED, FormatError, "encrypted PDF: it cannot be opened"),
        ("cut.pdf", lambda data: data[: len(data) // 2], ParseError, "damaged PDF ("),
        ("empty.pdf", lambda _: pdf_bytes(PAGES), FormatError, "the PDF holds no text"),
    ],
)
def test_pdfs_that_cannot_be_read_are_one_clear_error(
    postmortem: Path,
    tmp_path: Path,
    name: str,
    content: object,
    error: type[InputError],
    message: str,
) -> None:
    path = tmp_path / name
    path.write_bytes(content(postmortem.read_bytes()))  # type: ignore[operator]
    with pytest.raises(error):
        read_document(path)
    result = runner.invoke(app, ["extract", str(path)])
    assert result.exit_code == InputError.exit_code
    assert result.stderr.startswith(f"error: {path}: {message}")
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr + result.stdout


def one_page(text: bytes, box: bytes = b"0 0 612 792") -> bytes:
    """A PDF of one page (its media box given) whose content stream is ``text``, in Helvetica."""
    return pdf_bytes(
        [
            *PAGES[:2],
            b"<< /Type /Page /Parent 2 0 R /MediaBox [%s] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>" % box,
            b"<< /Length %d >>\nstream\n%s\nendstream" % (len(text), text),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def test_a_line_of_thousands_of_pieces_is_read_in_one_pass() -> None:
    # 4,000 digits a point high and three apart, each a text line of its own to pdfminer,
    # on one line of the page: grouping them took time growing with the square of their
    # number (22 s here), as did pdfminer's ordering of as many text boxes (longer still).
    digits = [str(i % 10).encode() for i in range(4000)]
    text = b"".join(
        b"BT /F1 1 Tf %d 400 Td (%s) Tj ET\n" % (3 * i, d) for i, d in enumerate(digits)
    )
    parsed = read_pdf(one_page(text, b"0 0 12100 792"), "line.pdf")
    assert [b.text.split(" | ") for b in parsed.blocks] == [[d.decode() for d in digits]]


def test_thousands_of_scattered_words_are_all_read() -> None:
    # Each word a text box of its own: pdfminer orders boxes by merging the closest two
    # again and again (36 s for these 2,000); past a few hundred they are ordered in one go.
    # 100 rows of 20, apart enough that no two join, drawn in a random order.
    spots = [(29 * col + 3 * (row % 5), 10 + 7.5 * row) for row in range(100) for col in range(20)]
    random.Random(1).shuffle(spots)
    words = [b"w%d" % i for i in range(len(spots))]
    text = b"".join(
        b"BT /F1 4 Tf %g %g Td (%s) Tj ET\n" % (*at, w) for at, w in zip(spots, words, strict=True)
    )
    parsed = read_pdf(one_page(text), "scattered.pdf")
    read = [word for b in parsed.blocks for word in b.text.split() if word != "|"]
    assert sorted(read) == sorted(w.decode() for w in words)


def test_lines_drawn_over_one_another_are_each_boxed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    # 800 lines printed at one spot (an overprinted or damaged page): pdfminer copied the
    # growing box once per neighbour of every line, 800 x 800 x 800 additions (12 s here).
    added = 0
    original = LTTextBox.add

    def counted(box: LTTextBox, line: LTComponent) -> None:
        nonlocal added
        added += 1
        original(box, line)

    monkeypatch.setattr(LTTextBox, "add", counted)
    text = b"".join(b"BT /F1 2 Tf 50 700 Td (line %d) Tj ET\n" % i for i in range(800))
    parsed = read_pdf(one_page(text), "overprinted.pdf")
    assert sum(b.text.count("line") for b in parsed.blocks) == 800
    assert added == 800


@settings(max_examples=60, deadline=None)
@given(
    spots=st.lists(
        st.tuples(st.integers(0, 40), st.integers(0, 60), st.integers(1, 30), st.integers(1, 4)),
        max_size=40,
    )
)
def test_lines_are_boxed_as_pdfminer_boxes_them(spots: list[tuple[int, int, int, int]]) -> None:
    # The same boxes, with the same lines, in the same order as pdfminer's own grouping.
    def lines() -> list[LTTextLineHorizontal]:
        made = []
        for x, y, width, height in spots:
            line = LTTextLineHorizontal(0.1)
            line.set_bbox((x, y, x + width, y + height))
            made.append(line)
        return made

    def boxes(group: Callable[..., Iterator[LTTextBox]]) -> list[list[tuple[float, ...]]]:
        page = PageLayout(1, (0, 0, 100, 100))
        return [
            sorted(tuple(line.bbox) for line in box) for box in group(page, LAParams(), lines())
        ]

    assert boxes(PageLayout.group_textlines) == boxes(LTLayoutContainer.group_textlines)


def test_a_page_larger_than_the_standard_allows_is_one_clear_error() -> None:
    # A damaged corner, 10^20 points up: the text, moved as far, lands where floats are 2^14
    # apart, and pdfminer's 50-point layout grid over the page would never be done with it.
    data = one_page(b"BT /F1 11 Tf 50 700 Td (Timeline) Tj ET", b"0 %d 612 842" % 10**20)
    with pytest.raises(FormatError) as raised:
        read_pdf(data, "huge.pdf")
    assert str(raised.value) == (
        "huge.pdf: page 1 is 612 by 1e+20 points, larger than the 14,400 a side the PDF "
        "standard allows; is the file damaged? open it in a viewer and save or print it again"
    )


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(noise=st.binary(max_size=400), cut=st.integers(0, 2000))
def test_any_bytes_after_a_pdf_header_give_one_clear_error(noise: bytes, cut: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "doc.pdf"
        path.write_bytes((b"%PDF-1.4\n" + noise + ENCRYPTED[9:])[: 9 + cut])
        with pytest.raises(RetrolineError) as raised:
            read_document(path)
        assert str(path) in str(raised.value) and "\n" not in str(raised.value)


def test_pdfs_are_documents_by_name_or_content(postmortem: Path, tmp_path: Path) -> None:
    assert classify(postmortem) is EvidenceKind.DOCUMENT
    unnamed = tmp_path / "printout"
    unnamed.write_bytes(postmortem.read_bytes())
    assert classify(unnamed) is EvidenceKind.DOCUMENT
    result = runner.invoke(app, ["extract", str(unnamed), "--format", "pdf", "--json"])
    assert result.exit_code == 0 and json.loads(result.stdout)["title"] == "Checkout outage"


def test_pdfminer_errors_stay_in_the_chain(postmortem: Path, tmp_path: Path) -> None:
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfminer.psparser import PSException

    locked, cut = tmp_path / "locked.pdf", tmp_path / "cut.pdf"
    locked.write_bytes(ENCRYPTED)
    cut.write_bytes(postmortem.read_bytes()[:4000])
    with pytest.raises(FormatError) as raised:
        read_document(locked)
    assert isinstance(raised.value.__cause__, PDFPasswordIncorrect)
    with pytest.raises(ParseError) as raised:
        read_document(cut)
    assert isinstance(raised.value.__cause__, PSException)
