"""Word files (.docx) to blocks, with python-docx: Word's own files and what Google Docs and
Confluence export for Word.

A Word file has no lines, so a block's ``line`` is its paragraph number: the paragraphs with
text and the table rows, counted in document order from 1, as a reader counts them on the
page. Structure comes from styles, not looks: Title and Heading 1-9 (or an outline level)
make headings, numbering (or a List Bullet/Number style) makes list items, and a monospace
font or a code style makes code.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
import zlib
from collections.abc import Iterator
from typing import Any

import docx
from docx.enum.style import WD_STYLE_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.styles.style import CharacterStyle
from lxml import etree

from retroline.documents import metadata
from retroline.documents.blocks import RANK_FILE, Block, BlockKind, DateHint, Line, Parsed
from retroline.documents.plain import STAMPED, TIME_LED, looks_like_heading
from retroline.errors import FormatError, ParseError
from retroline.when import find_times

_MAIN = "word/document.xml"
_HEADING_STYLE = re.compile(r"^heading ([1-9])$", re.I)
_LIST_STYLE = re.compile(r"^list (?:bullet|number)(?: ([2-9]))?$", re.I)
_CODE_STYLE = re.compile(r"code|preformatted|macro text|verbatim|source", re.I)
_MONOSPACE = re.compile(
    r"mono|courier|consolas|menlo|monaco|lucida console|lucida sans typewriter|inconsolata"
    r"|fixedsys|andale",
    re.I,
)
_OFF = {"0", "false", "off", "none"}
# A paragraph's runs, leaving out deleted revisions and the text boxes drawn over it.
_RUNS = (
    ".//w:r[not(ancestor::w:del) and not(ancestor::w:moveFrom) and not(ancestor::w:txbxContent)]"
)


def _val(element: Any, path: str) -> str | None:
    """The ``w:val`` of the first element at ``path`` under ``element``."""
    found = element.xpath(f"{path}/@w:val") if element is not None else []
    return str(found[0]) if found else None


def _on(element: Any, path: str) -> bool | None:
    """A Word on/off property (``<w:b/>``, ``<w:b w:val="0"/>``); None when not set."""
    if element is None or not element.xpath(path):
        return None
    value = _val(element, path)
    return value is None or value.lower() not in _OFF


def _chain(style: CharacterStyle | None) -> Iterator[CharacterStyle]:
    """A style and the styles it is based on, nearest first."""
    seen: set[str] = set()
    while style is not None and style.style_id not in seen:
        seen.add(style.style_id)
        yield style
        style = style.base_style


class _Styles:
    """What the document's paragraph and character styles mean for its structure."""

    def __init__(self, document: Any) -> None:
        self._by_id: dict[str, CharacterStyle] = {
            s.style_id: s for s in document.styles if isinstance(s, CharacterStyle)
        }
        self._default = document.styles.default(WD_STYLE_TYPE.PARAGRAPH)

    def paragraph(self, p: Any) -> CharacterStyle | None:
        style_id = p.style
        return self._by_id.get(style_id) if style_id else self._default

    def character(self, r: Any) -> CharacterStyle | None:
        style_id = r.style
        return self._by_id.get(style_id) if style_id else None

    def heading(self, p: Any) -> tuple[int, bool] | None:
        """The heading level of a paragraph and whether it is the Title; None for body text."""
        level = _val(p, "./w:pPr/w:outlineLvl")
        if level is not None and level.isdigit() and int(level) < 9:
            return int(level) + 1, False
        for style in _chain(self.paragraph(p)):
            name = style.name or ""
            if name.lower() == "title":
                return 1, True
            found = _HEADING_STYLE.match(name)
            if found:
                return int(found[1]), False
            level = _val(style.element, "./w:pPr/w:outlineLvl")
            if level is not None and level.isdigit() and int(level) < 9:
                return int(level) + 1, False
        return None

    def list_depth(self, p: Any) -> int | None:
        """The nesting of a list item (1 = top level); None for a paragraph in no list."""
        num_id = _val(p, "./w:pPr/w:numPr/w:numId")
        if num_id is not None:  # numbering set on the paragraph itself; "0" switches it off
            level = _val(p, "./w:pPr/w:numPr/w:ilvl")
            level = level or "0"
            return int(level) + 1 if num_id != "0" and level.isdigit() else None
        for style in _chain(self.paragraph(p)):
            named = _LIST_STYLE.match(style.name or "")
            if named:
                return int(named[1] or 1)
            num_id = _val(style.element, "./w:pPr/w:numPr/w:numId")
            if num_id is not None:
                level = _val(style.element, "./w:pPr/w:numPr/w:ilvl") or "0"
                return int(level) + 1 if num_id != "0" and level.isdigit() else None
        return None

    def _font(self, styles: Iterator[CharacterStyle]) -> str | None:
        for style in styles:
            name = style.font.name
            if name:
                return name
        return None

    def _bold(self, styles: Iterator[CharacterStyle]) -> bool:
        for style in styles:
            value = _on(style.element, "./w:rPr/w:b")
            if value is not None:
                return value
        return False

    def code(self, p: Any, runs: list[Any]) -> bool:
        """True for preformatted text: a code style, or every run in a monospace font."""
        if any(_CODE_STYLE.search(s.name or "") for s in _chain(self.paragraph(p))):
            return True
        fonts = [
            _fonts(r)
            or self._font(_chain(self.character(r)))
            or self._font(_chain(self.paragraph(p)))
            for r in runs
        ]
        return bool(fonts) and all(f and _MONOSPACE.search(f) for f in fonts)

    def bold(self, p: Any, runs: list[Any]) -> bool:
        """True when all the paragraph's text is bold."""
        if not runs:
            return False
        for r in runs:
            value = _on(r, "./w:rPr/w:b")
            if value is None:
                value = self._bold(_chain(self.character(r))) or self._bold(
                    _chain(self.paragraph(p))
                )
            if not value:
                return False
        return True


def _w(name: str) -> str:
    return f"{{http://schemas.openxmlformats.org/wordprocessingml/2006/main}}{name}"


def _fonts(r: Any) -> str | None:
    """The font a run names for itself, if any."""
    found = r.xpath("./w:rPr/w:rFonts/@w:ascii | ./w:rPr/w:rFonts/@w:hAnsi")
    return str(found[0]) if found else None


def _text_runs(p: Any) -> list[Any]:
    """The runs of a paragraph that carry visible text."""
    return [r for r in p.xpath(_RUNS) if r.text.strip()]


def _lines(p: Any) -> list[str]:
    """A paragraph's text, one string per line: a soft break (Shift+Enter) starts a line."""
    text = "".join(r.text for r in p.xpath(_RUNS))
    return [" ".join(line.split()) for line in text.replace("\r", "\n").split("\n")]


def _body(element: Any) -> Iterator[Any]:
    """Paragraphs and tables in document order, looking inside content controls."""
    for child in element.iterchildren():
        if child.tag in (_w("p"), _w("tbl")):
            yield child
        elif child.tag in (_w("sdt"), _w("sdtContent"), _w("customXml")):
            yield from _body(child)


def _cell_text(tc: Any) -> str:
    return " ".join(t for p in tc.xpath(".//w:p") for t in _lines(p) if t)


# What python-docx raises on a damaged file: parser errors, and plain ones when a part is
# well-formed XML of the wrong kind.
_DAMAGED = (
    PackageNotFoundError,
    zipfile.BadZipFile,
    etree.XMLSyntaxError,
    zlib.error,
    KeyError,
    ValueError,
    EOFError,
    AttributeError,
    TypeError,
    IndexError,
)


def _check(data: bytes, path: str) -> None:
    """A Word file is a complete ZIP archive holding word/document.xml."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, EOFError) as exc:
        raise ParseError(
            f"damaged Word file: not a complete ZIP archive ({exc}); "
            "open it in Word and save it again",
            path,
        ) from exc
    if _MAIN not in names:
        raise FormatError(
            f"not a Word document: the ZIP archive holds no {_MAIN} "
            "(save it from its program as .docx)",
            path,
        )


class _Reader:
    """Blocks of a Word body, numbered as paragraphs."""

    def __init__(self, styles: _Styles) -> None:
        self.styles = styles
        self.blocks: list[Block] = []
        self.number = 0
        self.title: str | None = None
        self.deepest = 0  # the deepest heading level so far: bold lines go under it

    def paragraph(self, p: Any) -> None:
        lines = _lines(p)
        if not any(lines):
            return  # an empty paragraph: spacing, not a paragraph a reader counts
        self.number += 1
        runs = _text_runs(p)
        style = self.styles.paragraph(p)
        if style is not None and (style.name or "").lower().startswith("toc"):
            return  # a table of contents repeats the headings
        text = " ".join(line for line in lines if line)
        heading = self.styles.heading(p)
        if heading is not None:
            level, is_title = heading
            if is_title and self.title is None:
                self.title = text
            self.deepest = max(self.deepest, level)
            self.blocks.append(Block(BlockKind.HEADING, text, self.number, level))
            return
        if self.styles.code(p, runs):
            for line in lines:
                if line:
                    self.blocks.append(Block(BlockKind.CODE, line, self.number))
            return
        depth = self.styles.list_depth(p)
        if depth is None and looks_like_heading(text) and self.styles.bold(p, runs):
            # A short bold line alone: how many writers make a heading in Word.
            self.blocks.append(
                Block(BlockKind.HEADING, text, self.number, max(self.deepest, 1) + 1)
            )
            return
        kind = BlockKind.ITEM if depth is not None else BlockKind.PARAGRAPH
        self._lines(kind, [line for line in lines if line], depth or 0)

    def _lines(self, kind: BlockKind, lines: list[str], depth: int) -> None:
        """A paragraph's lines as blocks: a line after a soft break that opens with its own
        timestamp is an entry of its own (or a pasted log line), as in plain text."""
        block = Block(kind, lines[0], self.number, depth, lines=[Line(lines[0], self.number)])
        timed = bool(TIME_LED.match(lines[0]))
        self.blocks.append(block)
        for line in lines[1:]:
            if STAMPED.match(line):
                self.blocks.append(
                    Block(BlockKind.CODE, line, self.number, depth + 1 if depth else 0)
                )
            elif timed and TIME_LED.match(line):
                block = Block(
                    kind, line, self.number, depth, lines=[Line(line, self.number, hard=True)]
                )
                self.blocks.append(block)
            else:
                block.lines.append(Line(line, self.number, hard=True))
                block.text += " " + line

    def table(self, tbl: Any) -> None:
        for index, tr in enumerate(tbl.xpath("./w:tr")):
            cells = [_cell_text(tc) for tc in tr.xpath("./w:tc | ./w:sdt/w:sdtContent/w:tc")]
            if not any(cells):
                continue
            self.number += 1
            header = bool(_on(tr, "./w:trPr/w:tblHeader")) or (
                index == 0 and (self._bold_row(tr) or not find_times(" ".join(cells)))
            )
            self.blocks.append(
                Block(
                    BlockKind.ROW,
                    " | ".join(c for c in cells if c),
                    self.number,
                    cells=cells,
                    header=header,
                )
            )

    def _bold_row(self, tr: Any) -> bool:
        paragraphs = [p for p in tr.xpath(".//w:p") if _text_runs(p)]
        return bool(paragraphs) and all(self.styles.bold(p, _text_runs(p)) for p in paragraphs)


def read_docx(data: bytes, path: str) -> Parsed:
    """A Word file: headings, lists (nesting kept), tables, code and paragraphs.

    The file's own created date is kept as the weakest of dates: it dates the file (a copy
    of an older one keeps its date), not the incident.
    """
    _check(data, path)
    try:
        return _read(docx.Document(io.BytesIO(data)))
    except _DAMAGED as exc:
        raise ParseError(
            f"damaged Word file ({type(exc).__name__}: {exc}); open it in Word and save it again",
            path,
        ) from exc


def _read(document: Any) -> Parsed:
    """The blocks and self-description of an opened Word document."""
    reader = _Reader(_Styles(document))
    for element in _body(document.element.body):
        if element.tag == _w("tbl"):
            reader.table(element)
        else:
            reader.paragraph(element)
    parsed = Parsed(blocks=reader.blocks)
    metadata.scan([b.text for b in parsed.blocks], parsed)
    properties = document.core_properties
    written = properties.created or properties.modified
    if isinstance(written, dt.datetime):
        parsed.dates.append(DateHint(written.date(), RANK_FILE))
    headings = [b for b in parsed.blocks if b.kind is BlockKind.HEADING]
    if reader.title:
        parsed.title = reader.title
    elif headings and headings[0].depth <= 2:
        parsed.title = headings[0].text
    else:
        parsed.title = (properties.title or "").strip() or next(
            (b.text for b in parsed.blocks if b.text), None
        )
    metadata.title_date(parsed)
    return parsed
