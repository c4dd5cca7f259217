"""The text formats as dialects of the line reader, each with its own preprocessing.

Every reader keeps line numbers true to the file: markup that is removed (TWiki revision
marks, mail headers) is replaced by as many newlines as it held.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import re
from collections.abc import Callable
from email.errors import HeaderParseError
from email.headerregistry import AddressHeader, BaseHeader, HeaderRegistry
from email.message import EmailMessage

from retroline.documents import metadata
from retroline.documents.blocks import RANK_HEADER, Block, BlockKind, DateHint, Parsed
from retroline.documents.html import read_html
from retroline.documents.plain import (
    BULLETS,
    TIME_LED,
    Dialect,
    pipe_cells,
    read_lines,
    unflatten_quotes,
)
from retroline.documents.stamps import STATUS_OPENS
from retroline.when import find_times

# -- TWiki raw markup -------------------------------------------------------------------------

_TW_HEADING = re.compile(r"^---(\++)!*\s*(.*)$")
_TW_BULLET = re.compile(r"^(?P<indent>(?: {3}|\t)+)(?P<marker>\*|\d+\.|[aAiI]\.)\s+(?P<text>.*)$")
_DEL = re.compile(r"<del>.*?</del>", re.S | re.I)


def _twiki_heading(line: str) -> tuple[int, str] | None:
    found = _TW_HEADING.match(line)
    return (len(found[1]), found[2]) if found else None


def _double_brackets(text: str, link: Callable[[str, int, int], tuple[str, int] | None]) -> str:
    """``text`` with each ``[[...]]`` wiki link replaced by its text.

    ``link(text, start, close)`` is asked at each ``[[`` (at ``start``), ``close`` being the
    first ``]`` after it: the text the link stands for and where the link ends, or None for
    no link there. A link's first part holds no ``]``, so every ``[[`` before the same ``]``
    fails as this one did: the scan goes on after it. That keeps it linear, where the regular
    expressions it replaces tried again from every ``[`` and scanned on to the ``]`` each
    time: quadratic in a line of ``[[[[...`` with no ``]``. The result is the same as theirs.
    """
    out: list[str] = []
    done = 0
    start = text.find("[[")
    while start != -1:
        close = text.find("]", start + 2)
        if close == -1:
            break
        found = link(text, start, close)
        if found is None:
            start = text.find("[[", close + 1)
            continue
        label, end = found
        out += [text[done:start], label]
        done = end
        start = text.find("[[", end)
    out.append(text[done:])
    return "".join(out)


def _labelled_link(text: str, start: int, close: int) -> tuple[str, int] | None:
    """``[[url][label]]`` as its label."""
    if close == start + 2 or not text.startswith("[", close + 1):
        return None
    end = text.find("]", close + 2)
    if end <= close + 2 or not text.startswith("]", end + 1):
        return None
    return text[close + 2 : end], end + 2


def _plain_link(text: str, start: int, close: int) -> tuple[str, int] | None:
    """``[[WebName]]`` as its name."""
    if close == start + 2 or not text.startswith("]", close + 1):
        return None
    return text[start + 2 : close], close + 2


def _twiki_inline(text: str) -> str:
    text = _double_brackets(text, _labelled_link)
    text = _double_brackets(text, _plain_link)
    # Every span below is bounded: an unbounded one is scanned to the end of the line from
    # each opening mark, and a 200,000-character line of them took minutes.
    text = re.sub(r"%[A-Z][A-Z0-9_]*(\{[^}]{0,500}\})?%", "", text)  # %MACROS%
    text = re.sub(r"(?<![\w!])!(?=[A-Z])", "", text)  # !WikiWord: an escaped link
    text = re.sub(r"(?<!\w)([*_=]{1,2})(\S(?:.{0,300}?\S)?)\1(?!\w)", r"\2", text)  # *bold*
    return re.sub(r"</?(ins|verbatim|pre|nop|noautolink|literal)>", "", text, flags=re.I)


def _blank_out(found: re.Match[str]) -> str:
    return "\n" * found.group(0).count("\n")


def read_twiki(text: str) -> Parsed:
    """Raw TWiki markup; ``<del>`` text is dropped, the ``<ins>`` side is current."""
    parsed = Parsed(blocks=[])
    lines = text.splitlines()
    metadata.scan(lines, parsed)
    current = _DEL.sub(_blank_out, text)
    current = re.sub(r"^%META:.*$", "", current, flags=re.M)
    # <verbatim> blocks are pasted text: their lines stay as they are.
    current = re.sub(r"</?ins>", "", current, flags=re.I)
    body = [ln for ln in current.splitlines()]
    body = [("" if metadata.is_chrome(ln) else ln) for ln in body]
    dialect = Dialect(
        "twiki",
        heading=_twiki_heading,
        inline=_twiki_inline,
        bullets=_TW_BULLET,
        indent_unit=3,
        guess_headings=False,
        quote_prefix=None,
        aligned_tables=False,
    )
    parsed.blocks = read_lines(body, dialect)
    headings = [b for b in parsed.blocks if b.kind is BlockKind.HEADING and b.depth == 1]
    parsed.title = headings[0].text if headings else _first_text(parsed.blocks)
    metadata.title_date(parsed)
    return parsed


# -- MediaWiki --------------------------------------------------------------------------------

_MW_HEADING = re.compile(r"^(={1,6})\s*(.+?)\s*\1\s*$")
_MW_BULLET = re.compile(r"^(?P<indent>)(?P<marker>[*#:;]+)\s*(?P<text>\S.*)$")


def _mw_heading(line: str) -> tuple[int, str] | None:
    found = _MW_HEADING.match(line)
    return (len(found[1]), found[2]) if found else None


def _mw_link(text: str, start: int, close: int) -> tuple[str, int] | None:
    """``[[Page|label]]`` as its label, ``[[Page]]`` as itself."""
    if close == start + 2 or not text.startswith("]", close + 1):
        return None
    target, bar, label = text[start + 2 : close].partition("|")
    return (label if bar and label else target + bar + label), close + 2


def _mw_inline(text: str) -> str:
    # Spans bounded, as in TWiki's inline markup: unbounded ones made long lines quadratic.
    text = re.sub(r"<ref[^>]{0,200}/>|<ref[^>]{0,200}>.{0,2000}?</ref>", "", text)
    text = _double_brackets(text, _mw_link)
    text = re.sub(r"\[(?:https?|ftp)://[^\s\]]{1,2000}\s+([^\]]{1,500})\]", r"\1", text)
    text = re.sub(r"'{2,5}", "", text)
    text = re.sub(r"\{\{[^}]{0,2000}\}\}", "", text)
    return re.sub(r"</?(code|tt|nowiki|span|small|big|s|u)[^>]*>", "", text)


def _mw_table(line: str) -> list[str] | None:
    stripped = line.strip()
    if stripped.startswith(("{|", "|}", "|-", "|+")):
        return []
    if stripped.startswith("!"):
        return [c.strip() for c in re.split(r"!!|\|\|", stripped[1:])]
    if stripped.startswith("|"):
        return [
            c.split("|")[-1].strip() if "=" in c.split("|")[0] else c.strip()
            for c in stripped[1:].split("||")
        ]
    return None


def read_mediawiki(text: str) -> Parsed:
    """MediaWiki source: ``== headings ==``, ``*``/``#`` lists, ``{| tables |}``."""
    parsed = Parsed(blocks=[])
    lines = text.splitlines()
    metadata.scan(lines, parsed)
    dialect = Dialect(
        "mediawiki",
        heading=_mw_heading,
        inline=_mw_inline,
        table=_mw_table,
        bullets=_MW_BULLET,
        depth_from_marker=True,
        guess_headings=False,
        quote_prefix=None,
        underlined_headers=False,
        aligned_tables=False,
    )
    parsed.blocks = _mark_table_headers(read_lines(lines, dialect), lines)
    headings = [b for b in parsed.blocks if b.kind is BlockKind.HEADING]
    parsed.title = (
        headings[0].text if headings and headings[0].depth == 1 else _first_text(parsed.blocks)
    )
    metadata.title_date(parsed)
    return parsed


def _mark_table_headers(blocks: list[Block], lines: list[str]) -> list[Block]:
    for block in blocks:
        if block.kind is BlockKind.ROW and lines[block.line - 1].lstrip().startswith("!"):
            block.header = True
    return blocks


# -- reStructuredText -------------------------------------------------------------------------


def _rst_inline(text: str) -> str:
    text = re.sub(r"`([^`<]+?)\s*<[^>]+>`_+", r"\1", text)  # `label <url>`_
    text = re.sub(r":[a-z]+:`([^`]+)`", r"\1", text)  # :role:`text`
    text = re.sub(r"``([^`]+)``", r"\1", text)
    text = re.sub(r"(?<!\w)\*\*([^*]+)\*\*", r"\1", text)
    return re.sub(r"(?<![\w*])\*([^*\s][^*]*)\*", r"\1", text)


def read_rst(text: str) -> Parsed:
    """reStructuredText: underlined headings, field lists, directives."""
    parsed = Parsed(blocks=[])
    lines = text.splitlines()
    metadata.scan(lines, parsed)
    body = []
    for line in lines:
        directive = re.match(r"^\s*\.\.\s+[\w-]+::\s*(.*)$", line)
        if directive:
            body.append(directive[1])  # text on the directive's line is content (a note)
        elif re.match(r"^\s*\.\.\s+_", line):
            body.append("")  # a link target
        else:
            body.append(line)
    dialect = Dialect("rst", inline=_rst_inline, setext=True, guess_headings=False)
    parsed.blocks = read_lines(body, dialect)
    headings = [b for b in parsed.blocks if b.kind is BlockKind.HEADING]
    parsed.title = headings[0].text if headings else _first_text(parsed.blocks)
    metadata.title_date(parsed)
    return parsed


# -- rendered pages, forum posts, prose ----------------------------------------------------------


def _md_like_heading(line: str) -> tuple[int, str] | None:
    found = re.match(r"^(#{1,6})\s+(.+?)\s*#*\s*$", line)
    if found:
        return len(found[1]), found[2]
    return _mw_heading(line)


def _light_inline(text: str) -> str:
    text = re.sub(r"\*\*([^*]+)\*\*|__([^_]+)__", lambda m: m[1] or m[2], text)
    # A rendered TWiki shows "?" after a WikiWord that has no page yet: "PerfSonar? DataStore?".
    text = re.sub(r"\b([A-Z][a-z0-9]+[A-Z]\w*)\?(?=[\s,.;:)]|$)", r"\1", text)
    return re.sub(r"\s+\?(?=\s|$)", "", text)


def read_text(text: str, *, find_title: bool = True) -> Parsed:
    """Rendered wiki pages, forum posts, blog posts and other plain text."""
    parsed = Parsed(blocks=[])
    lines = text.splitlines()
    metadata.scan(lines, parsed)
    body, numbers = unflatten_quotes([("" if metadata.is_chrome(ln) else ln) for ln in lines])
    dialect = Dialect(
        "text",
        heading=_md_like_heading,
        inline=_light_inline,
        table=pipe_cells,
        bullets=BULLETS,
        chrome=metadata.CHROME_ANY,
    )
    parsed.blocks = read_lines(body, dialect, numbers=numbers)
    if find_title:
        named = next((m for ln in lines[:15] if (m := _TITLE_LINE.match(ln))), None)
        parsed.title = named["title"].strip() if named else None
        _title_and_posting(parsed)
    metadata.title_date(parsed)
    return parsed


_TITLE_LINE = re.compile(r"^\s*(?:subject|title)\s*:\s*(?P<title>\S.{3,150})$", re.I)
_BYLINE = re.compile(r"^(posted|published|written|updated|last updated|by|on)\b", re.I)
_READING_TIME = re.compile(r"[·•|,]?\s*\d+\s*min(?:ute)?s?\s+read\b", re.I)
_MONTH_YEAR = re.compile(
    r"^(?:\S+\s+)?(?P<mon>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\.? '(?P<yy>\d\d)$"
)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


def _posting(block: Block, parsed: Parsed) -> bool:
    """Take a byline or post date ("Posted on 15 July 2019 by Ben", "quietfern Mar 6, 2023,
    9:41 pm", "Sep '19") as the document's date; True when the block was one."""
    text = block.text.strip()
    if len(text) > 90 or block.kind not in (BlockKind.PARAGRAPH, BlockKind.HEADING):
        return False
    short = _MONTH_YEAR.match(text)
    if short:
        parsed.year_hint = dt.date(
            2000 + int(short["yy"]), _MONTHS.index(short["mon"].lower()) + 1, 1
        )
        return True
    m = next((m for m in find_times(text) if m.has_date and m.year is not None), None)
    if m is None or m.month is None or m.day is None:
        return False
    outside = (text[: m.start] + " " + text[m.end :]).strip(" ,.-–—|·•")
    outside = _READING_TIME.sub("", outside).strip(" ,.-–—|·•")  # "· 8 min read"
    words = len(outside.split())
    if words > 2 and not (_BYLINE.match(outside) and words <= 7):
        return False  # "By 08:11 UTC I rolled back ..." is a sentence, not a byline
    if STATUS_OPENS.match(outside):
        return False  # "Resolved May 28, 2024 at 02:23pm UTC": an update's stamp, not a byline
    if m.year is None:
        return False
    try:
        posted = dt.datetime(m.year, m.month, m.day, m.hour or 0, m.minute or 0)
    except ValueError:
        return False
    if m.hour is not None:
        parsed.posted_at = posted  # wall-clock time as written: its zone is not known
    byline = re.search(r"\bby\s+(?P<who>[A-Z][\w.'-]*(?: [A-Z][\w.'-]*){0,2})", text)
    if byline and parsed.author is None:
        parsed.author = byline["who"]
    parsed.dates.append(DateHint(posted.date(), RANK_HEADER, block.line))
    return True


def _title_and_posting(parsed: Parsed) -> None:
    """The title is the first line that is not a byline or a post date (as blogs print them)."""
    title_found = parsed.title is not None
    candidates = 0
    posted = False  # a page has one date of its own; further dates are its days and events
    for block in parsed.blocks[:8]:
        if block.kind is BlockKind.PARAGRAPH and (
            len(block.text) > 120 or (len(block.text) > 40 and block.text.endswith((".", "!", "?")))
        ):
            break  # the body has begun: a "Posted ..." line below it dates an update in it
        if not posted and _posting(block, parsed):
            block.kind, block.depth = BlockKind.META, 0  # the post's own date, not an event
            posted = True
            continue
        candidates += 1
        if (
            not title_found
            and candidates <= 3
            and block.kind in (BlockKind.HEADING, BlockKind.PARAGRAPH)
            and len(block.text) <= 120
            and not TIME_LED.match(block.text)
        ):
            parsed.title = block.text
            block.kind, block.depth = BlockKind.HEADING, 1
            title_found = True
    if not title_found:
        parsed.title = _first_text(parsed.blocks)


def _first_text(blocks: list[Block]) -> str | None:
    for block in blocks:
        if block.text.strip():
            return block.text.strip()[:200]
    return None


# -- mail -------------------------------------------------------------------------------------

_HEADER = re.compile(r"^(?P<name>[A-Za-z][\w-]*):\s*(?P<value>.*)$")
_ENCODED = ("quoted-printable", "base64")

# What the standard library's structured header parser raises on malformed headers instead of
# recording a defect (CPython 3.11): AttributeError on a group with no mailbox (``From: :;``),
# IndexError on an unclosed angle bracket (``From: <``), OverflowError on a number too large
# for a date, RecursionError on comments nested a thousand deep (``(((...``), ValueError and
# HeaderParseError on values it rejects.
_MALFORMED_HEADER = (
    AttributeError,
    IndexError,
    OverflowError,
    RecursionError,
    ValueError,
    HeaderParseError,
)
_RAW_HEADERS = HeaderRegistry(use_default_map=False)  # every header unstructured: its text
# Longer headers are kept as text: a line may hold 998 characters, and a long folded list
# of recipients a few thousand; 131,072 characters of quotes took the parser 140 s.
_HEADER_MAX = 8192


class _LenientPolicy(email.policy.EmailPolicy):
    """The default policy, except that a header its parser fails on is kept as raw text.

    The one place headers are read: the parser itself reads Content-Type while it splits the
    message, so a wrapper around our own ``message.get`` calls would not be enough. A header
    kept raw has no structure (no addresses, no datetime): its readers fall back to none.
    """

    def header_fetch_parse(self, name: str, value: str) -> BaseHeader:
        if len(value) > _HEADER_MAX:  # the parser's time grows with the square of the length
            return _RAW_HEADERS(name, re.sub(r"[\r\n]", "", value))
        try:
            parsed: BaseHeader = super().header_fetch_parse(name, value)
        except _MALFORMED_HEADER:
            return _RAW_HEADERS(name, re.sub(r"[\r\n]", "", value))
        return parsed


_MAIL_POLICY = _LenientPolicy()


def _mail_body(message: EmailMessage, text: str) -> tuple[list[str], int]:
    """The body's lines, and the file line the first of them stands on.

    A plain body is taken from the file as it is, so its lines keep their numbers; an
    encoded one (quoted-printable, base64) or one part of several is decoded by the
    standard library, and its lines count from the end of the headers.
    """
    lines = text.splitlines()
    end = next((i for i, line in enumerate(lines) if not line.strip()), len(lines))
    raw = lines[end + 1 :]
    part = message.get_body(preferencelist=("plain", "html"))
    if part is None:
        return raw, end + 2
    encoding = str(part.get("Content-Transfer-Encoding", "")).strip().lower()
    if part is message and encoding not in _ENCODED:
        return raw, end + 2
    try:
        content = part.get_content()
    except (LookupError, ValueError, UnicodeError, AssertionError):
        return raw, end + 2  # an unknown charset or a broken encoding: the body as written
    if not isinstance(content, str):
        return raw, end + 2
    if part.get_content_subtype() == "html":
        html = read_html(content, "")
        content = "\n\n".join(b.text for b in html.blocks)
    return content.splitlines(), end + 2


def read_mail(text: str) -> Parsed:
    """An e-mail or mailing-list message: headers, body, quoted replies, signature.

    The standard library's ``email`` reads it: encoded subjects (``=?UTF-8?Q?...?=``),
    quoted-printable and base64 bodies, multipart messages (the plain part, else the HTML).
    """
    message = email.message_from_string(text, policy=_MAIL_POLICY)
    assert isinstance(message, EmailMessage)
    body, first = _mail_body(message, text)
    for i, line in enumerate(body):
        if line.rstrip() == "--":  # the signature separator: what follows is not content
            body = body[:i]
            break
    parsed = read_text("\n" * (first - 1) + "\n".join(body), find_title=False)
    sender = message.get("from")
    addresses = sender.addresses if isinstance(sender, AddressHeader) else ()
    name = addresses[0].display_name if addresses else ""
    if name:
        parsed.author = name
    subject = re.sub(
        r"^(\s*(re|fwd?|aw|sv)\s*:\s*)+", "", str(message.get("subject", "")), flags=re.I
    )
    if subject:
        parsed.title = " ".join(subject.split())
    posted = metadata.mail_date(str(message.get("date", "")))
    if posted is not None:
        parsed.posted_at = posted
        offset = posted.utcoffset()
        if offset is not None:
            minutes = int(offset.total_seconds()) // 60
            sign = "-" if minutes < 0 else "+"
            parsed.writer_zone = f"{sign}{abs(minutes) // 60:02d}{abs(minutes) % 60:02d}"
        parsed.dates.insert(0, DateHint(posted.date(), RANK_HEADER, None))
    return parsed


def looks_like_mail(text: str) -> bool:
    """Mail starts with a block of headers that includes From: and Date: or Subject:."""
    head = text.lstrip()[:2000].split("\n\n", 1)[0]
    names = {m["name"].lower() for ln in head.splitlines() if (m := _HEADER.match(ln))}
    return "from" in names and bool(names & {"date", "subject"})
