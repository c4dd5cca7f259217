"""A line-based reader for the text formats: rendered wiki pages, forum posts, mail bodies,
reStructuredText, MediaWiki and TWiki markup, and plain prose.

These formats differ in how they mark headings, bullets, tables and inline emphasis, and
agree on the rest (blank lines end paragraphs, indentation nests lists), so one reader takes
a small ``Dialect`` per format instead of one parser each.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass

from retroline.documents.blocks import Block, BlockKind, Line
from retroline.documents.sections import classify
from retroline.model import SectionKind
from retroline.when import find_times

# A bullet: indentation, a marker, then the text. "#" is a MediaWiki numbered item only.
BULLETS = re.compile(
    r"^(?P<indent>[ \t]*)(?P<marker>[-*+•◦▪‣●○■□·]|\d{1,2}[.)]|#\.|[a-z][.)](?=[ \t]+[A-Z]))"
    r"[ \t]+(?P<text>\S.*)$"
)
# A line that starts with a date and a time to the second: a pasted log line, never part of
# a paragraph. (A date and a time to the minute starts a timeline entry instead.)
# Possessive spaces: two runs of them that may split a long run every way were quadratic.
STAMPED = re.compile(
    r"^\s*+(?:[\[(#>]\s*+)?(?:\d{4}[-/.]\d{1,2}[-/.]\d{1,2}[ T/-]+\d{1,2}:\d{2}:\d{2}"
    r"|[A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2}"
    r"|\d{1,2}[-/ ][A-Z][a-z]{2}[-/ ]\d{2,4}[ T:]+\d{1,2}:\d{2}:\d{2}"
    r"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) [A-Z][a-z]{2} +\d{1,2} \d{2}:\d{2}:\d{2})"
)
_MONTH = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec)[a-z]*\.?"
# A line that starts with a date or a clock time: in a plain-text timeline each such line is
# an entry, even without a bullet or a blank line before it.
TIME_LED = re.compile(
    r"^\s*[\[(*_]*(?:\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}\b|\d{1,2}[:h.]\d{2}\b|\d{1,2}(?::\d{2})?\s?[AaPp]\.?[Mm]\b"
    rf"|\d{{1,2}}(?:st|nd|rd|th)?[ -]{_MONTH}|{_MONTH} \d{{1,2}}\b"
    r"|(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*,? \d)"
)
_SETEXT = re.compile(r"^\s*([=\-~^*+#`'\"])\1{2,}\s*$")
_PIPE_ROW = re.compile(r"^\s*\|.*\|\s*$")
_RULE = re.compile(r"^\s*(?:[-_*=]\s*){3,}$")


def _only_a_stamp(line: str) -> bool:
    """A line that is a timestamp and nothing else ("Fri Sep 10 06:12:45 UTC 2021" under a
    mail archive's sender): the date of a message, not a log line."""
    matches = find_times(line)
    return bool(matches) and not line[matches[0].end :].strip(" \t)]")


def no_markup(text: str) -> str:
    """Text unchanged: for dialects without inline markup."""
    return text


def pipe_cells(line: str) -> list[str] | None:
    """Cells of a ``| a | b |`` row; None for other lines and for separator rows."""
    if not _PIPE_ROW.match(line):
        return None
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    if all(re.fullmatch(r":?-{2,}:?|=+|-*", c) for c in cells):
        return []  # the |---|---| line under a Markdown table header
    return cells


@dataclass(frozen=True)
class Dialect:
    """How one text format marks its structure."""

    name: str
    heading: Callable[[str], tuple[int, str] | None] = lambda line: None
    inline: Callable[[str], str] = no_markup
    table: Callable[[str], list[str] | None] = pipe_cells
    bullets: re.Pattern[str] = BULLETS
    # Indentation per nesting level when it is fixed (TWiki: 3 spaces); else relative.
    indent_unit: int | None = None
    depth_from_marker: bool = False  # MediaWiki: "**" is depth 2, whatever the indentation
    setext: bool = False  # headings underlined with === or --- (reStructuredText)
    guess_headings: bool = True  # a short line alone between blank lines is a heading
    quote_prefix: str | None = ">"
    # A table row followed by a |---| line is the header (Markdown); MediaWiki's |- is not.
    underlined_headers: bool = True
    chrome: re.Pattern[str] | None = None  # page furniture to leave out
    aligned_tables: bool = True  # columns lined up with spaces, as plain-text reports draw them


# "What happened?", "Who was affected?", "How did we fix it?": the headings of report forms.
_QUESTION_HEADING = re.compile(r"^(what|who|when|where|why|how|which)\b", re.I)


def _looks_like_heading(line: str, before: str, after: str) -> bool:
    """A short, unpunctuated line standing alone: how rendered pages show headings."""
    text = line.strip()
    # A line between two rules ("-----" above and below) is set off as a heading too, and so
    # is a part of a postmortem named after a blank line, its table right below it.
    ruled = bool(_RULE.match(before) and _RULE.match(after))
    named = not before.strip() and classify(text) is not SectionKind.OTHER
    if (before.strip() or after.strip()) and not ruled and not named:
        return False
    if not text or len(text) > 70 or len(text.split()) > 9 or text[-1] in ".,;!":
        return False
    if text.endswith("?") and not _QUESTION_HEADING.match(text):
        return False  # a question standing alone is a heading only in a report's own words
    if not (text[0].isupper() or text[0].isdigit()) or BULLETS.match(line) or STAMPED.match(line):
        return False
    return not re.search(r"https?://|\w@\w", text)


def _numbered_heading(bullet: re.Match[str], after: str) -> bool:
    """ "4. CORRECTIVE ACTIONS" alone on its line: a numbered heading of a plain report."""
    text = bullet["text"].strip()
    letters = [c for c in text if c.isalpha()]
    return (
        bullet["marker"][0].isdigit()
        and not after.strip()
        and len(text.split()) <= 6
        and bool(letters)
        and all(c.isupper() for c in letters)
    )


_SENTENCE_END = re.compile(r"[.!?:;][\"')\]*_]*$")
_URL_END = re.compile(r"https?://\S+$")
# A line this long that stops mid-sentence was wrapped by the writer's editor.
WRAPPED = 50


def continues(previous: str, line: str) -> bool:
    """True when ``line`` wraps the text of ``previous`` rather than starting a unit of its own.

    Text files and mail are wrapped at a fixed width: a long line that stops mid-sentence
    goes on in the next one, and so does a line that starts in lower case. Pages copied from
    a browser put each paragraph, title and date on a line of its own instead: a short line,
    or one that ends a sentence, followed by a capitalised line, is a new unit.
    """
    before, text = previous.strip(), line.strip()
    if not before or not text:
        return False
    if text[0].islower() or text[0] in ",;)&":
        return not _SENTENCE_END.search(before) or before.endswith((",", ";"))
    if _SENTENCE_END.search(before) or _URL_END.search(before) or before.endswith(")"):
        return False  # a sentence, an address or a bracket closed, and a capital after it
    if _BYLINE_START.match(text):
        return False  # "Posted 2024-06-03 by ..." under a long title
    return len(before) >= WRAPPED


_BYLINE_START = re.compile(
    r"(?:Posted|Published|Written|Created|Submitted)\s+(?:by|on|at|in|\d)"
    r"|Last (?:modified|updated|edited)\b"
)


_COLUMN = re.compile(r"\S+(?: \S+)*")
# Columns in a header that may start a plain-text table: at least three, short, with words.
_MIN_COLUMNS = 3


def _columns(line: str) -> list[tuple[int, str]]:
    """The runs of text on a line that are two or more spaces apart, with where they start."""
    return [(m.start(), m.group()) for m in _COLUMN.finditer(line.expandtabs(4))]


def aligned_tables(lines: list[str]) -> dict[int, tuple[list[str], bool]]:
    """Tables drawn with spaces ("Ref  Action  Owner  Due" over rows whose cells start under
    each heading): line index -> (cells, is the header row)."""
    found: dict[int, tuple[list[str], bool]] = {}
    i = 0
    while i < len(lines) - 1:
        header = _columns(lines[i])
        names = [text for _, text in header]
        if (
            len(header) < _MIN_COLUMNS
            or any(len(n) > 30 or not re.search(r"[A-Za-z]{2}", n) for n in names)
            or i in found
        ):
            i += 1
            continue
        starts = [start for start, _ in header]
        rows = []
        for j in range(i + 1, len(lines)):
            columns = _columns(lines[j])
            if not columns:
                break
            at = {start for start, _ in columns}
            lined_up = sum(1 for s in starts[1:] if any(abs(s - a) <= 2 for a in at))
            if lined_up < len(starts) - 1 or columns[0][0] > starts[1] - 2:
                break
            rows.append(j)
        if not rows:
            i += 1
            continue
        found[i] = (names, True)
        for j in rows:
            text = lines[j].expandtabs(4)
            bounds = [*starts[1:], len(text) + 1]
            cells = [text[: bounds[0]].strip()]
            cells += [text[a:b].strip() for a, b in itertools.pairwise(bounds)]
            found[j] = (cells, False)
        i = rows[-1] + 1
    return found


def _label_line(line: str, before: str, after: str, dialect: Dialect) -> bool:
    """ "Corrective actions:" right above a list: a heading in all but markup."""
    text = line.strip()
    return (
        not before.strip()
        and text.endswith(":")
        and len(text.split()) <= 8
        and bool(dialect.bullets.match(after) or TIME_LED.match(after))
    )


@dataclass
class _Item:
    indent: int
    depth: int


def read_lines(
    lines: list[str],
    dialect: Dialect,
    *,
    first_line: int = 1,
    numbers: list[int] | None = None,
) -> list[Block]:
    """Blocks of ``lines`` (numbered from ``first_line``, or by ``numbers`` when lines were
    cut out of longer ones) in ``dialect``."""
    blocks: list[Block] = []
    para: Block | None = None  # a paragraph or item still taking continuation lines
    stack: list[_Item] = []  # open list items, for nesting by indentation
    para_indent = 0
    para_timed = False
    n = len(lines)
    drawn = aligned_tables(lines) if dialect.aligned_tables else {}

    def close() -> None:
        nonlocal para
        if para is not None:
            para.text = " ".join(para.text.split())
            if para.text:
                blocks.append(para)
        para = None

    def depth_for(indent: int) -> int:
        if dialect.indent_unit:
            return max(1, round(indent / dialect.indent_unit))
        while stack and stack[-1].indent > indent:
            stack.pop()
        if stack and stack[-1].indent == indent:
            return stack[-1].depth
        depth = stack[-1].depth + 1 if stack else 1
        stack.append(_Item(indent, depth))
        return depth

    for i, raw in enumerate(lines):
        number = numbers[i] if numbers else first_line + i
        line = raw.rstrip()
        previous_line = lines[i - 1] if i > 0 else ""
        if dialect.chrome is not None and dialect.chrome.search(line):
            close()
            continue
        nxt = lines[i + 1] if i + 1 < n else ""
        if dialect.setext and _SETEXT.match(line):
            close()  # an underline or overline: the heading itself was taken already
            continue
        if not line.strip() or _RULE.match(line):
            close()
            continue
        if dialect.setext and _SETEXT.match(nxt) and len(line.strip()) <= len(nxt.strip()) + 2:
            close()
            stack.clear()
            blocks.append(Block(BlockKind.HEADING, dialect.inline(line.strip()), number, 2))
            continue
        explicit = dialect.heading(line)
        if explicit is not None:
            close()
            stack.clear()
            level, text = explicit
            blocks.append(Block(BlockKind.HEADING, dialect.inline(text).strip(), number, level))
            continue
        if i in drawn:
            close()
            drawn_cells, drawn_header = drawn[i]
            row_text = " | ".join(c for c in drawn_cells if c)
            blocks.append(
                Block(BlockKind.ROW, row_text, number, cells=drawn_cells, header=drawn_header)
            )
            continue
        cells = dialect.table(line)
        if cells is not None:
            close()
            if cells:
                clean = [dialect.inline(c).strip() for c in cells]
                header = bool(re.match(r"^\s*\|\s*(\*|!)", line)) or (
                    dialect.underlined_headers and _next_is_separator(dialect, nxt)
                )
                blocks.append(
                    Block(
                        BlockKind.ROW,
                        " | ".join(c for c in clean if c),
                        number,
                        cells=clean,
                        header=header,
                    )
                )
            continue
        if dialect.quote_prefix and line.lstrip().startswith(dialect.quote_prefix):
            text = dialect.inline(line.lstrip()[len(dialect.quote_prefix) :].lstrip(" >")).strip()
            if (
                text
                and para is not None
                and para.kind is BlockKind.QUOTE
                and continues(para.lines[-1].text, text)
                and not TIME_LED.match(text)
            ):
                para.lines.append(Line(text, number))  # a quoted paragraph, wrapped
                para.text += " " + text
                continue
            close()
            if text:
                para = Block(BlockKind.QUOTE, text, number)
                para.lines.append(Line(text, number))
                para_indent, para_timed = 0, bool(TIME_LED.match(text))
            continue
        if para is not None and para.kind is BlockKind.QUOTE:
            close()  # quoted text ends where the quote marks do
        bullet = dialect.bullets.match(line)
        if bullet and dialect.guess_headings and _numbered_heading(bullet, nxt):
            close()
            stack.clear()
            blocks.append(Block(BlockKind.HEADING, bullet["text"].strip(), number, 2))
            continue
        if bullet:
            close()
            indent = len(bullet["indent"].expandtabs(4))
            depth = len(bullet["marker"]) if dialect.depth_from_marker else depth_for(indent)
            para = Block(BlockKind.ITEM, dialect.inline(bullet["text"]), number, depth)
            para.lines.append(Line(para.text, number))
            para_indent = indent
            para_timed = bool(TIME_LED.match(bullet["text"]))
            continue
        if STAMPED.match(line) and not _only_a_stamp(line):
            # A pasted log line: its own block, nested under the item it follows.
            close()
            indent = len(line) - len(line.lstrip())
            depth = (stack[-1].depth + 1) if stack and indent > stack[-1].indent else 0
            blocks.append(Block(BlockKind.CODE, line.strip(), number, depth))
            continue
        indent = len(line) - len(line.lstrip())
        if (
            para is not None
            and TIME_LED.match(line)
            and indent <= para_indent
            and (para_timed or lines[i - 1].rstrip().endswith((".", ":", ";", "!", "?")))
        ):
            # A new timed line in a run of timed lines: the next entry of a plain-text
            # timeline. A time that only wraps onto a new line mid-sentence is not.
            close()
        if (
            para is not None
            and indent <= para_indent
            and not continues(previous_line, line)
            and (para.kind is BlockKind.PARAGRAPH or not line[:1].isspace())
        ):
            close()  # a line of its own: a title, a date, the next paragraph of a page
        if para is not None:
            # A wrapped line continues the paragraph or the item it belongs to.
            text = dialect.inline(line.strip())
            para.lines.append(Line(text, number))
            para.text += " " + text
            continue
        before = lines[i - 1] if i > 0 else ""
        if dialect.guess_headings and (
            _looks_like_heading(line, before, nxt) or _label_line(line, before, nxt, dialect)
        ):
            stack.clear()
            blocks.append(Block(BlockKind.HEADING, dialect.inline(line.strip()), number, 2))
            continue
        if indent == 0:
            stack.clear()
        para = Block(BlockKind.PARAGRAPH, dialect.inline(line.strip()), number, 0)
        para.lines.append(Line(para.text, number))
        para_indent = indent
        para_timed = bool(TIME_LED.match(line))
    close()
    return blocks


def _next_is_separator(dialect: Dialect, line: str) -> bool:
    return dialect.table(line) == []


# A quoted message flattened onto one line, as mail archives render it: "... wrote: > Hi,
# > > At 05:00 UTC an update ...". Each " > " stood at the start of a line.
_FLAT_QUOTE = re.compile(r"(?<!\s)\s+(?=>(?:\s|$))")  # from a run's start: linear
FLATTENED = 4  # this many quote marks on one line make it a flattened message


def unflatten_quotes(lines: list[str]) -> tuple[list[str], list[int]]:
    """The lines with every flattened quoted message put back on lines of its own, and the
    source line each resulting line came from."""
    out: list[str] = []
    numbers: list[int] = []
    for number, line in enumerate(lines, start=1):
        if line.count(" > ") < FLATTENED:
            out.append(line)
            numbers.append(number)
            continue
        for piece in _FLAT_QUOTE.split(line):
            out.append(piece)
            numbers.append(number)
    return out, numbers


def looks_like_heading(text: str) -> bool:
    """Short and unpunctuated enough to head a part rather than be a sentence: how a line
    set in bold alone reads in a Word file or a PDF.

    A date or a time alone ("31 December", "16:22") heads what follows it; with more words
    after it, it is a timeline entry.
    """
    text = text.strip()
    if not text or len(text) > 80 or len(text.split()) > 8 or text[-1] in ".,;!?":
        return False
    if TIME_LED.match(text):
        return any(m.start == 0 and not text[m.end :].strip(" :") for m in find_times(text))
    return True
