"""PDFs with a text layer to blocks, with pdfminer.six: it gives every character its font,
size and position, and a PDF says nothing else about its structure.

A PDF has pages, so a block's ``page`` is its page and ``line`` the line within that page,
counted from the top as a reader counts them (running headers included). Structure is read
from the looks: a font clearly larger than the body text is a heading (the larger, the
higher), a short bold line alone is a heading under those; a bullet (drawn or written) or a
number starts a list item, nested by how far it is indented; table rows come from the rules
drawn around the cells, or failing those from text standing in columns; a monospace font is
code. Page furniture (running headers and footers, page numbers) is left out.

A PDF that is only images of pages (a scan) has no text to read: OCR has to come first.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from pdfminer.converter import PDFPageAggregator
from pdfminer.layout import (
    LAParams,
    LTAnno,
    LTChar,
    LTComponent,
    LTContainer,
    LTCurve,
    LTFigure,
    LTImage,
    LTLayoutContainer,
    LTPage,
    LTRect,
    LTTextBox,
    LTTextBoxHorizontal,
    LTTextBoxVertical,
    LTTextGroup,
    LTTextGroupLRTB,
    LTTextLine,
    LTTextLineHorizontal,
    Plane,
)
from pdfminer.pdfdocument import PDFDocument, PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage
from pdfminer.pdfparser import PDFParser
from pdfminer.pdftypes import resolve1
from pdfminer.psparser import PSException
from pdfminer.utils import Matrix, Rect, apply_matrix_rect, decode_text, mult_matrix

from retroline.documents import metadata
from retroline.documents.blocks import RANK_FILE, Block, BlockKind, DateHint, Line, Parsed
from retroline.documents.plain import BULLETS, STAMPED, TIME_LED, looks_like_heading
from retroline.errors import FormatError, ParseError

# pdfminer reports what it repairs through logging; without a handler Python would print
# those notes on stderr, in the middle of the command's output.
logging.getLogger("pdfminer").addHandler(logging.NullHandler())

SCANNED = "scanned PDF: no text layer; run OCR first (e.g. ocrmypdf) and give the result"
# What pdfminer raises on a damaged file: its own errors, and plain ones from deep inside.
_DAMAGED = (
    PSException,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    AssertionError,
    EOFError,
    OverflowError,
    RecursionError,
    zlib.error,
)
_LIGATURES = str.maketrans(
    {"ﬀ": "ff", "ﬁ": "fi", "ﬂ": "fl", "ﬃ": "ffi", "ﬄ": "ffl", "ﬅ": "st", "ﬆ": "st"}
)
_BOLD = re.compile(r"bold|black|heavy|demi|,b$|-b$", re.I)
_MONO = re.compile(
    r"mono|courier|consol|menlo|monaco|lucidaconsole|typewriter|inconsolata|code|fixed", re.I
)
# A marker standing alone before the text (Word writes bullets as Symbol glyphs and "o").
_MARKER = re.compile(
    r"^(?:[-*+•◦▪‣●○■□·o\uf0a7\uf0b7\uf0d8\uf076\uf0fc\uf06e]|\d{1,3}[.)]|[a-zA-Z][.)])$"
)
_PAGE_NUMBER = re.compile(r"^\W*(?:page\s*)?\d{1,4}(?:\s*(?:of|/)\s*\d{1,4})?\W*$", re.I)
_PDF_DATE = re.compile(r"(?:D:)?(\d{4})(\d{2})?(\d{2})?")
# A heading's font is at least this much larger than the body text's.
HEADING_RATIO = 1.15
# Page furniture stands in this share of the page at its top or bottom.
_BAND = 0.08


@dataclass
class _Glyph:
    """One character: its text and where and how it is drawn."""

    text: str
    x0: float
    x1: float
    y0: float
    y1: float
    size: float
    bold: bool
    mono: bool

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2


@dataclass
class _Fragment:
    """A run of text pdfminer found on one line, and the page line it stands on."""

    glyphs: list[_Glyph]
    number: int = 0

    @property
    def text(self) -> str:
        return " ".join("".join(g.text for g in self.glyphs).split())

    # The bounds of the inked glyphs, each worked out once: the glyphs do not change once a
    # fragment is made, and the page is grouped and sorted by them many times over.
    @cached_property
    def x0(self) -> float:
        return min(g.x0 for g in self.glyphs if g.text.strip())

    @cached_property
    def x1(self) -> float:
        return max(g.x1 for g in self.glyphs if g.text.strip())

    @cached_property
    def y0(self) -> float:
        return min(g.y0 for g in self.glyphs if g.text.strip())

    @cached_property
    def y1(self) -> float:
        return max(g.y1 for g in self.glyphs if g.text.strip())


@dataclass
class _Line:
    """A line of text on the page with what its looks say about it."""

    fragments: list[_Fragment]
    number: int
    page: int
    marker: float | None = None  # x of a drawn bullet before the line

    @property
    def glyphs(self) -> list[_Glyph]:
        return [g for f in self.fragments for g in f.glyphs if g.text.strip()]

    @property
    def text(self) -> str:
        return " ".join(f.text for f in self.fragments if f.text)

    @property
    def x0(self) -> float:
        return self.fragments[0].x0

    @property
    def top(self) -> float:
        return max(f.y1 for f in self.fragments)

    @property
    def bottom(self) -> float:
        return min(f.y0 for f in self.fragments)

    @property
    def size(self) -> float:
        return Counter(round(g.size * 2) / 2 for g in self.glyphs).most_common(1)[0][0]

    @property
    def bold(self) -> bool:
        return all(g.bold for g in self.glyphs)

    @property
    def mono(self) -> bool:
        glyphs = self.glyphs
        return sum(g.mono for g in glyphs) >= 0.9 * len(glyphs)


@dataclass
class _Row:
    """A table row: its cells' text, the page line it starts on, whether it is all bold."""

    cells: list[str]
    number: int
    top: float
    bold: bool


@dataclass
class _Grid:
    """A table drawn with rules: the x of its column borders, the y of its row borders."""

    xs: list[float]
    ys: list[float]  # from the top down

    def contains(self, x: float, y: float) -> bool:
        return self.xs[0] - 2 <= x <= self.xs[-1] + 2 and self.ys[-1] - 2 <= y <= self.ys[0] + 2

    def cell(self, x: float, y: float) -> tuple[int, int]:
        row = next((i for i in range(len(self.ys) - 1) if y >= self.ys[i + 1]), len(self.ys) - 2)
        col = next((j for j in range(len(self.xs) - 1) if x <= self.xs[j + 1]), len(self.xs) - 2)
        return row, col


@dataclass
class _Page:
    """What one page holds: its lines, its tables' rows, and whether it shows images."""

    number: int
    bottom: float
    top: float
    lines: list[_Line] = field(default_factory=list)
    rows: list[_Row] = field(default_factory=list)
    images: int = 0


def _walk(item: LTComponent) -> Iterator[LTComponent]:
    yield item
    if isinstance(item, LTContainer) and not isinstance(item, LTTextLine):
        for child in item:
            yield from _walk(child)


def _glyphs(line: LTTextLine) -> list[_Glyph]:
    """The characters of a pdfminer line; its inferred spaces go with the character before."""
    glyphs: list[_Glyph] = []
    for item in line:
        if isinstance(item, LTChar):
            glyphs.append(
                _Glyph(
                    item.get_text().translate(_LIGATURES),
                    item.x0,
                    item.x1,
                    item.y0,
                    item.y1,
                    item.size,
                    bool(_BOLD.search(item.fontname)),
                    bool(_MONO.search(item.fontname)),
                )
            )
        elif isinstance(item, LTAnno) and glyphs and item.get_text() == " ":
            glyphs[-1].text += " "
    return glyphs


def _rules(
    items: list[LTCurve],
) -> tuple[list[tuple[float, float, float]], list[tuple[float, float, float]]]:
    """Horizontal rules (y, x0, x1) and vertical rules (x, y0, y1) among the drawn shapes."""
    across: list[tuple[float, float, float]] = []
    down: list[tuple[float, float, float]] = []
    for item in items:
        w, h = item.x1 - item.x0, item.y1 - item.y0
        if h <= 2.5 and w >= 4:
            across.append(((item.y0 + item.y1) / 2, item.x0, item.x1))
        elif w <= 2.5 and h >= 4:
            down.append(((item.x0 + item.x1) / 2, item.y0, item.y1))
        elif isinstance(item, LTRect) and item.stroke and w >= 4 and h >= 4:
            across += [(item.y0, item.x0, item.x1), (item.y1, item.x0, item.x1)]
            down += [(item.x0, item.y0, item.y1), (item.x1, item.y0, item.y1)]
    return across, down


def _merged(values: list[float], tolerance: float = 3.0) -> list[float]:
    """Values closer than ``tolerance`` taken as one (borders drawn twice, a cell gap)."""
    out: list[float] = []
    for value in sorted(values):
        if out and value - out[-1] <= tolerance:
            continue
        out.append(value)
    return out


def _grids(shapes: list[LTCurve]) -> list[_Grid]:
    """Tables drawn with rules: rules that touch one another, with two columns or more."""
    across, down = _rules(shapes)
    boxes = [(x0, y, x1, y) for y, x0, x1 in across] + [(x, y0, x, y1) for x, y0, y1 in down]
    joined = _Joined(len(boxes))
    order = sorted(range(len(boxes)), key=lambda i: boxes[i][0])
    for position, i in enumerate(order):
        a = boxes[i]
        for j in order[position + 1 :]:  # left to right: stop at the first box past this one
            b = boxes[j]
            if b[0] > a[2] + 3:
                break
            if a[1] <= b[3] + 3 and b[1] <= a[3] + 3:
                joined.join(i, j)
    grids = []
    for members in joined.groups():
        xs = _merged([boxes[i][0] for i in members if i >= len(across)])
        ys = _merged([boxes[i][1] for i in members if i < len(across)])
        if len(xs) >= 3 and len(ys) >= 2:
            grids.append(_Grid(xs, ys[::-1]))
    return grids


class _Joined:
    """Groups of the numbers 0..n-1, joined pair by pair (union-find, paths halved)."""

    def __init__(self, n: int) -> None:
        self._parent = list(range(n))

    def _root(self, i: int) -> int:
        parent = self._parent
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    def join(self, i: int, j: int) -> None:
        self._parent[self._root(j)] = self._root(i)

    def groups(self) -> list[list[int]]:
        """The members of each group, in order, the groups in the order of their first."""
        members: dict[int, list[int]] = {}
        for i in range(len(self._parent)):
            members.setdefault(self._root(i), []).append(i)
        return list(members.values())


def _markers(shapes: list[LTCurve]) -> list[LTCurve]:
    """Small, squarish shapes: drawn bullets (discs, circles, squares)."""
    return [
        s
        for s in shapes
        if 1.5 <= s.x1 - s.x0 <= 9
        and 1.5 <= s.y1 - s.y0 <= 9
        and 0.5 <= (s.x1 - s.x0) / (s.y1 - s.y0) <= 2
    ]


def _visual_lines(fragments: list[_Fragment]) -> list[list[_Fragment]]:
    """Fragments grouped into the lines a reader sees, from the top of the page down."""
    lines: list[list[_Fragment]] = []
    # The sum of the centres and the least height of the line being built, kept as it grows:
    # worked out again for each fragment they made a page of one long line quadratic.
    centers = lowest = 0.0
    for fragment in sorted(fragments, key=lambda f: -(f.y0 + f.y1) / 2):
        center = (fragment.y0 + fragment.y1) / 2
        if lines:
            last = lines[-1]
            last_center = centers / len(last)
            height = min(lowest, fragment.y1 - fragment.y0)
            if abs(center - last_center) <= 0.35 * height:
                last.append(fragment)
                centers += center
                lowest = height
                continue
        lines.append([fragment])
        centers, lowest = center, fragment.y1 - fragment.y0
    for line in lines:
        line.sort(key=lambda f: f.x0)
    return lines


def _table_rows(grid: _Grid, fragments: list[_Fragment]) -> list[_Row]:
    """The rows of a ruled table from the characters that fall in its cells."""
    cells: dict[tuple[int, int], list[tuple[float, float, str]]] = {}
    numbers: dict[int, int] = {}
    bold: dict[int, bool] = {}
    for fragment in fragments:
        for glyph in fragment.glyphs:
            row, col = grid.cell(glyph.xc, glyph.yc)
            cells.setdefault((row, col), []).append((fragment.y1, glyph.x0, glyph.text))
            numbers[row] = min(numbers.get(row, fragment.number), fragment.number)
            if glyph.text.strip():
                bold[row] = bold.get(row, True) and glyph.bold
    rows = []
    for row in sorted(numbers):
        texts = []
        for col in range(len(grid.xs) - 1):
            pieces = sorted(cells.get((row, col), []), key=lambda p: (-round(p[0]), p[1]))
            lines: list[str] = []
            last_top: float | None = None
            for top, _x, text in pieces:
                if last_top is None or abs(top - last_top) > 2:
                    lines.append("")
                    last_top = top
                lines[-1] += text
            cell = ""
            for line in lines:
                cell = _join(cell, " ".join(line.split()))
            texts.append(cell.strip())
        if any(texts):
            rows.append(_Row(texts, numbers[row], grid.ys[row], bold.get(row, False)))
    return rows


def _page(layout: LTPage, number: int) -> _Page:
    """The lines, table rows and images of one page."""
    page = _Page(number, layout.y0, layout.y1)
    fragments: list[_Fragment] = []
    shapes: list[LTCurve] = []
    for item in _walk(layout):
        if isinstance(item, LTTextLine):
            glyphs = _glyphs(item)
            if any(g.text.strip() for g in glyphs):
                fragments.append(_Fragment(glyphs))
        elif isinstance(item, LTCurve):
            shapes.append(item)
        elif isinstance(item, LTImage):
            page.images += 1
    for index, line in enumerate(_visual_lines(fragments), start=1):
        for fragment in line:
            fragment.number = index
    grids = _grids(shapes)
    loose: list[_Fragment] = []
    taken: dict[int, list[_Fragment]] = {}
    for fragment in fragments:
        x, y = (fragment.x0 + fragment.x1) / 2, (fragment.y0 + fragment.y1) / 2
        grid = next((i for i, g in enumerate(grids) if g.contains(x, y)), None)
        if grid is None:
            loose.append(fragment)
        else:
            taken.setdefault(grid, []).append(fragment)
    for index, found in taken.items():
        page.rows += _table_rows(grids[index], found)
    bullets = _markers(shapes)
    for line in _visual_lines(loose):
        visual = _Line(line, line[0].number, number)
        for bullet in bullets:
            middle = (bullet.y0 + bullet.y1) / 2
            if (
                visual.bottom <= middle <= visual.top
                and 0 <= visual.x0 - bullet.x1 <= 3 * visual.size
            ):
                visual.marker = bullet.x0
                break
        page.lines.append(visual)
    return page


# The largest page the PDF standard allows, in points (200 inches) a side. pdfminer's layout
# analysis files text into a grid of 50-point cells over the page, so its work grows with the
# page's area: a damaged size (a box 10^20 points tall) would keep it busy for ever.
PAGE_LIMIT = 14_400
# pdfminer orders the text boxes of a page by merging the closest two again and again, which
# takes time growing with the square of their number. A page of prose or a table holds tens
# to a few hundred; past this many the boxes are put in one group, top-left to bottom-right,
# as pdfminer orders the boxes inside a group (the lines are sorted by position again here).
GROUPED_BOXES = 400


class _Grouping(LTLayoutContainer):
    """A page or form whose text boxes are grouped by pdfminer unless there are too many."""

    def group_textlines(
        self, laparams: LAParams, lines: Iterable[LTTextLine]
    ) -> Iterator[LTTextBox]:
        """The text boxes of a page: lines joined to their neighbours, transitively.

        The same boxes as pdfminer's, in the same order, but by union-find: pdfminer copies a
        growing box at every line joined to it, so a page of a thousand stacked lines took
        minutes.
        """
        lines = list(lines)
        plane: Plane[LTTextLine] = Plane(self.bbox)
        plane.extend(lines)
        number = {id(line): i for i, line in enumerate(lines)}
        joined = _Joined(len(lines))
        for i, line in enumerate(lines):
            for neighbour in line.find_neighbors(plane, laparams.line_margin):
                joined.join(i, number[id(neighbour)])
        for group in joined.groups():  # in the order of each box's first line, as pdfminer
            box: LTTextBox = (
                LTTextBoxHorizontal()
                if isinstance(lines[group[0]], LTTextLineHorizontal)
                else LTTextBoxVertical()
            )
            for i in group:
                box.add(lines[i])
            if not box.is_empty():
                yield box

    def group_textboxes(self, laparams: LAParams, boxes: Sequence[LTTextBox]) -> list[LTTextGroup]:
        if len(boxes) <= GROUPED_BOXES:
            return super().group_textboxes(laparams, boxes)
        return [LTTextGroupLRTB(boxes)]


class _PageLayout(_Grouping, LTPage):
    pass


class _FormLayout(_Grouping, LTFigure):
    pass


class _Aggregator(PDFPageAggregator):
    """pdfminer's page aggregator, making pages and forms that bound their grouping."""

    def begin_page(self, page: PDFPage, ctm: Matrix) -> None:
        (x0, y0, x1, y1) = apply_matrix_rect(ctm, page.mediabox)
        self.cur_item = _PageLayout(self.pageno, (0, 0, abs(x0 - x1), abs(y0 - y1)))

    def begin_figure(self, name: str, bbox: Rect, matrix: Matrix) -> None:
        self._stack.append(self.cur_item)
        self.cur_item = _FormLayout(name, bbox, mult_matrix(matrix, self.ctm))


def _open(data: bytes, path: str) -> tuple[PDFDocument, list[_Page]]:
    """The document and its pages, or a one-line error naming what is wrong."""
    try:
        document = PDFDocument(PDFParser(io.BytesIO(data)))
        manager = PDFResourceManager(caching=True)
        # all_texts: text drawn inside a form (some producers put a whole page in one) counts
        device = _Aggregator(manager, laparams=LAParams(all_texts=True))
        interpreter = PDFPageInterpreter(manager, device)
        pages = []
        for number, page in enumerate(PDFPage.create_pages(document), start=1):
            x0, y0, x1, y1 = page.mediabox
            width, height = abs(x1 - x0), abs(y1 - y0)
            if not (width <= PAGE_LIMIT and height <= PAGE_LIMIT):
                raise FormatError(
                    f"page {number} is {width:.6g} by {height:.6g} points, larger than the "
                    f"{PAGE_LIMIT:,} a side the PDF standard allows; is the file damaged? "
                    "open it in a viewer and save or print it again",
                    path,
                )
            interpreter.process_page(page)
            pages.append(_page(device.get_result(), number))
    except PDFPasswordIncorrect as exc:
        raise FormatError(
            "encrypted PDF: it cannot be opened without its password; "
            "save or print a copy without one and give that",
            path,
        ) from exc
    except PDFEncryptionError as exc:
        raise FormatError(
            f"encrypted PDF that cannot be opened ({exc}); save or print a copy without "
            "protection and give that",
            path,
        ) from exc
    except _DAMAGED as exc:
        raise ParseError(
            f"damaged PDF ({type(exc).__name__}: {exc or 'cut short'}); "
            "is it complete? open it in a viewer and save it again",
            path,
        ) from exc
    if not pages:
        raise ParseError(
            "damaged PDF: no page could be read; is it complete? open it in a viewer and "
            "save it again",
            path,
        )
    return document, pages


def _furniture(pages: list[_Page]) -> set[tuple[int, int]]:
    """(page, line) of running headers, footers and page numbers at the edges of pages.

    Running text is the same (but for its numbers) at the same height on several pages; a
    page number stands alone at the top or the bottom.
    """
    edge: dict[tuple[str, int], list[tuple[int, int]]] = {}
    found: set[tuple[int, int]] = set()
    for page in pages:
        band = (page.top - page.bottom) * _BAND
        ends = {page.lines[0].number, page.lines[-1].number} if page.lines else set()
        for line in page.lines:
            if page.bottom + band < line.bottom and line.top < page.top - band:
                continue
            if line.number in ends and _PAGE_NUMBER.match(line.text):
                found.add((page.number, line.number))
            key = (re.sub(r"\d+", "#", line.text.lower()), round((line.top - page.bottom) / 3))
            edge.setdefault(key, []).append((page.number, line.number))
    for places in edge.values():
        if len({p for p, _ in places}) >= 2:
            found.update(places)
    return found


@dataclass
class _Open:
    """The block being built, with what decides whether the next line continues it."""

    block: Block
    size: float
    left: float  # where its continuation lines start
    bottom: float
    timed: bool
    columns: list[float] = field(default_factory=list)  # a borderless row's cell starts


class _Reader:
    """Lines and rows of all pages to blocks, in reading order."""

    def __init__(self, pages: list[_Page]) -> None:
        sizes: Counter[float] = Counter()
        for page in pages:
            for line in page.lines:
                for glyph in line.glyphs:
                    if not glyph.mono:
                        sizes[round(glyph.size * 2) / 2] += 1
        self.body = sizes.most_common(1)[0][0] if sizes else 10.0
        larger = {line.size for p in pages for line in p.lines if self._large(line.size)}
        self.levels = sorted(larger, reverse=True)
        self.blocks: list[Block] = []
        self.open: _Open | None = None
        self.stack: list[tuple[float, int]] = []  # (marker x, depth) of the open list levels

    def _large(self, size: float) -> bool:
        return size >= self.body * HEADING_RATIO

    def _level(self, size: float) -> int:
        """Heading level by font size: the largest is 1."""
        return min(next(i for i, s in enumerate(self.levels) if s <= size + 0.25) + 1, 6)

    def close(self) -> None:
        """Nothing that follows continues the block before (a new page, page furniture)."""
        self.open = None

    def _depth(self, x: float) -> int:
        """List depth of a marker at ``x``: deeper when further right than the one before."""
        while self.stack and self.stack[-1][0] > x + 2:
            self.stack.pop()
        if self.stack and abs(self.stack[-1][0] - x) <= 2:
            return self.stack[-1][1]
        depth = self.stack[-1][1] + 1 if self.stack else 1
        self.stack.append((x, depth))
        return depth

    def _add(self, block: Block, line: _Line, left: float) -> _Open:
        self.blocks.append(block)
        self.open = _Open(block, line.size, left, line.bottom, bool(TIME_LED.match(block.text)))
        return self.open

    def _start(self, kind: BlockKind, text: str, line: _Line, depth: int, left: float) -> None:
        self._add(
            Block(kind, text, line.number, depth, lines=[Line(text, line.number)], page=line.page),
            line,
            left,
        )

    def _continues(self, line: _Line, kind: BlockKind, *, mono: bool = False) -> bool:
        """True when ``line`` goes on with the open block of ``kind``: close below it, in the
        same font size, aligned with it, and not the next entry of a timeline.

        ``mono``: the line is code inside the text, often set a little smaller.
        """
        now = self.open
        if now is None or now.block.kind is not kind or now.block.page != line.page:
            return False
        tolerance = 0.25 * now.size if mono else 0.6
        if now.bottom - line.top > 0.6 * now.size or abs(now.size - line.size) > tolerance:
            return False
        if kind in (BlockKind.HEADING, BlockKind.ROW):
            return True
        indented = (  # a paragraph's first line may be indented; the rest align left of it
            kind is BlockKind.PARAGRAPH
            and len(now.block.lines) == 1
            and 0 < now.left - line.x0 <= 4 * line.size
        )
        if abs(line.x0 - now.left) > 3 and not indented:
            return False
        return not (TIME_LED.match(line.text) and (now.timed or now.block.text.endswith(".")))

    def _append(self, line: _Line, text: str) -> None:
        assert self.open is not None
        block = self.open.block
        block.text = _join(block.text, text)
        block.lines.append(Line(text, line.number))
        self.open.bottom = line.bottom
        if block.kind is BlockKind.PARAGRAPH and len(block.lines) == 2:
            self.open.left = line.x0  # after an indented first line, the rest align here

    def _code(self, line: _Line) -> None:
        self.close()
        inside = bool(self.stack) and line.x0 > self.stack[-1][0] + 2
        depth = self.stack[-1][1] + 1 if inside else 0
        self.blocks.append(Block(BlockKind.CODE, line.text, line.number, depth, page=line.page))

    def row(self, row: _Row, page: int) -> None:
        """A row of a ruled table; one all in bold is a header."""
        self.close()
        self.blocks.append(_row_block(row.cells, row.number, page, row.bold))

    def _loose_row(self, line: _Line) -> bool:
        """Text standing in columns, no rules drawn: a row of a borderless table, or the
        wrapped rest of the cells of the row above."""
        now = self.open
        columns = [f.x0 for f in line.fragments]
        if (
            now is not None
            and now.columns
            and self._continues(line, BlockKind.ROW)
            and all(any(abs(x - c) <= 3 for c in now.columns[1:]) for x in columns)
        ):
            cells = now.block.cells or []
            for fragment in line.fragments:
                index = min(
                    range(len(now.columns)), key=lambda i: abs(now.columns[i] - fragment.x0)
                )
                if index < len(cells):
                    cells[index] = f"{cells[index]} {fragment.text}".strip()
            now.block.text = " | ".join(c for c in cells if c)
            now.bottom = line.bottom
            return True
        if len(line.fragments) < 2:
            return False
        block = _row_block([f.text for f in line.fragments], line.number, line.page, line.bold)
        self._add(block, line, line.x0).columns = columns
        return True

    def line(self, line: _Line) -> None:
        """Place one line: it starts a block or goes on with the open one."""
        text = line.text
        if line.mono:
            now = self.open
            if (
                now is not None
                and not now.block.text.endswith(":")
                and any(
                    self._continues(line, k, mono=True)
                    for k in (BlockKind.ITEM, BlockKind.PARAGRAPH)
                )
            ):
                self._append(line, text)  # inline code that wrapped onto a line of its own
            else:
                self._code(line)
            return
        if self._large(line.size):
            if (
                self._continues(line, BlockKind.HEADING)
                and self.open
                and self.open.size == line.size
            ):
                self._append(line, text)
            else:
                self.stack.clear()
                self._start(BlockKind.HEADING, text, line, self._level(line.size), line.x0)
            return
        marker = _marker(line)
        if marker is not None:
            x, item, left = marker
            self._start(BlockKind.ITEM, item, line, self._depth(x), left)
            return
        if STAMPED.match(text):
            self._code(line)  # a pasted log line
            return
        if self._loose_row(line):
            return
        if self._continues(line, BlockKind.ITEM) or self._continues(line, BlockKind.PARAGRAPH):
            self._append(line, text)
            return
        if self.stack and line.x0 < self.stack[0][0] - 2:
            self.stack.clear()  # back at the margin: the list has ended
        if line.bold and looks_like_heading(text):
            now = self.open
            if (
                now is not None
                and now.block.depth == len(self.levels) + 1
                and self._continues(line, BlockKind.HEADING)
                and looks_like_heading(f"{now.block.text} {text}")
            ):
                self._append(line, text)
                return
            self.stack.clear()
            # A short bold line alone: a heading, under those set in larger type.
            self._start(BlockKind.HEADING, text, line, len(self.levels) + 1, line.x0)
            return
        self._start(BlockKind.PARAGRAPH, text, line, 0, line.x0)


def _join(text: str, more: str) -> str:
    """Two lines of one paragraph as one text: a word or a date broken after its hyphen
    ("2024-03-" and "12") joins without a space."""
    if not text:
        return more
    if text.endswith("-") and len(text) > 1 and not text[-2].isspace():
        return text + more
    return f"{text} {more}"


def _row_block(cells: list[str], number: int, page: int, header: bool) -> Block:
    return Block(
        BlockKind.ROW,
        " | ".join(c for c in cells if c),
        number,
        cells=cells,
        header=header,
        page=page,
    )


def _marker(line: _Line) -> tuple[float, str, float] | None:
    """A list item's marker: where it stands, the item's text, and where that text starts.

    The marker is a bullet drawn before the line, a bullet or number standing apart from
    the text, or one written at its start ("• text", "1. text", "- text").
    """
    if line.marker is not None:
        return line.marker, line.text, line.x0
    first = line.fragments[0]
    if len(line.fragments) >= 2 and _MARKER.match(first.text):
        rest = line.fragments[1:]
        return first.x0, " ".join(f.text for f in rest), rest[0].x0
    bullet = BULLETS.match(line.text)
    if bullet is None or TIME_LED.match(line.text):
        return None
    glyphs = line.glyphs
    skip = len(bullet["marker"])
    left = glyphs[skip].x0 if len(glyphs) > skip else line.x0
    return line.x0, bullet["text"], left


def _info(document: PDFDocument) -> dict[str, Any]:
    """The document information dictionary (title, dates), resolved."""
    info: dict[str, Any] = {}
    for entry in document.info:
        for key, value in entry.items():
            value = resolve1(value)
            info[key] = decode_text(value) if isinstance(value, bytes) else value
    return info


def _pdf_date(value: object) -> dt.date | None:
    """A PDF date string ("D:20240312141500Z") as a date."""
    found = _PDF_DATE.match(str(value or "").strip())
    if not found:
        return None
    try:
        return dt.date(int(found[1]), int(found[2] or 1), int(found[3] or 1))
    except ValueError:
        return None


def read_pdf(data: bytes, path: str) -> Parsed:
    """A PDF's text layer: headings, lists (nesting kept), tables, code and paragraphs.

    The file's creation date is kept as the weakest of dates: it dates the printing, not
    the incident.
    """
    document, pages = _open(data, path)
    lines = [line for p in pages for line in p.lines]
    letters = sum(len(line.glyphs) for line in lines) + sum(
        len("".join(row.cells)) for p in pages for row in p.rows
    )
    if letters < 10 * len(pages):
        if any(p.images for p in pages):
            raise FormatError(SCANNED, path)
        raise FormatError("the PDF holds no text", path)
    if sum(line.text.count("(cid:") for line in lines) * 8 > letters:
        raise FormatError(
            "the PDF's fonts do not say which letters they draw, so its text cannot be read; "
            "run OCR first (e.g. ocrmypdf --force-ocr) and give the result",
            path,
        )
    reader = _Reader(pages)
    furniture = _furniture(pages)
    for page in pages:
        units: list[tuple[float, _Line | _Row]] = [(line.top, line) for line in page.lines]
        units += [(row.top, row) for row in page.rows]
        reader.close()  # blocks end with their page
        for _top, unit in sorted(units, key=lambda u: -u[0]):
            if isinstance(unit, _Row):
                reader.row(unit, page.number)
            elif (page.number, unit.number) in furniture:
                reader.close()
            else:
                reader.line(unit)
    parsed = Parsed(blocks=[b for b in reader.blocks if b.text or b.kind is BlockKind.ROW])
    metadata.scan([b.text for b in parsed.blocks], parsed)
    info = _info(document)
    created = _pdf_date(info.get("CreationDate")) or _pdf_date(info.get("ModDate"))
    if created is not None:
        parsed.dates.append(DateHint(created, RANK_FILE))
    parsed.title = _title(parsed.blocks, str(info.get("Title") or "").strip())
    metadata.title_date(parsed)
    return parsed


def _title(blocks: list[Block], named: str) -> str | None:
    """The largest heading on the first page, else the title the file names, else the first
    heading or text."""
    headings = [b for b in blocks if b.kind is BlockKind.HEADING]
    top = next((h for h in headings if h.depth == 1 and h.page == 1), None)
    if top is not None:
        return top.text
    if (
        named
        and not named.lower().startswith("microsoft word - ")
        and not re.search(r"\.\w{2,4}$", named)
    ):
        return named  # unless it is a file name rather than a title
    return headings[0].text if headings else next((b.text for b in blocks if b.text), None)
