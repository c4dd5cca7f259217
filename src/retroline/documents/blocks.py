"""The shape every document reader produces: blocks of plain text, each with its source line.

Readers know their format's markup; the timeline extractor knows time and structure. Blocks
are the contract between the two, so one extractor serves Markdown, wiki pages, HTML, mail
and prose alike.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from enum import StrEnum

from retroline.model import DateSource, Source


class BlockKind(StrEnum):
    """What a block is in the document's structure."""

    HEADING = "heading"
    ITEM = "item"  # a list item (bullet or numbered)
    PARAGRAPH = "paragraph"
    ROW = "row"  # a table row, with cells
    QUOTE = "quote"  # quoted text (mail replies, forum quotes, block quotes)
    CODE = "code"  # preformatted text: pasted logs, commands
    META = "meta"  # what the page says about itself: its address, a byline, a post date


@dataclass
class Line:
    """One line of a block as the reader saw it: wrapped text continues the line before, a
    hard break (``<br>``, a Markdown line break) starts a line the writer meant to start."""

    text: str
    number: int  # 1-based line in the source file
    hard: bool = False


@dataclass
class Block:
    """One unit of a document: plain text with markup removed, and where it stands."""

    kind: BlockKind
    text: str
    line: int  # 1-based line in the source file (a PDF: in the page; Word: the paragraph)
    depth: int = 0  # list nesting for items (1 = top level); level for headings
    cells: list[str] | None = None  # table cells, for rows
    header: bool = False  # a table header row
    lines: list[Line] = field(default_factory=list)  # a paragraph's lines as written
    page: int | None = None  # 1-based page, in a paged format (PDF)

    def source(self, path: str) -> Source:
        """Where the block stands in the file at ``path``, as events and sections cite it."""
        return Source(path=path, line=self.line, page=self.page)


@dataclass
class DateHint:
    """A date the document gives for itself, and how much to trust that source."""

    date: dt.date
    rank: int  # lower is better: a signature beats a revision footer beats a title
    line: int | None = None
    source: DateSource = DateSource.DOCUMENT


@dataclass
class Parsed:
    """What a reader found: the blocks and the facts about the document itself."""

    blocks: list[Block]
    title: str | None = None
    dates: list[DateHint] = field(default_factory=list)
    revision: str | None = None
    revision_date: dt.date | None = None
    posted_at: dt.datetime | None = None  # when the text was written (blog, mail), if known
    # The writer's own zone, as a header gives it ("Date: ... +0200"): the zone of the times
    # in the text when nothing else is said about them.
    writer_zone: str | None = None
    # A date that places the text in time without dating it exactly (a forum's "Sep '19"):
    # good for the years of dates written without one, not for the document date.
    year_hint: dt.date | None = None
    author: str | None = None  # who wrote it: "me" in an action list means them
    url: str | None = None  # the address the document was published at, when it says

    def document_date(self) -> dt.date | None:
        """The best date the document gives for itself."""
        best = self.best_date()
        return best.date if best else None

    def best_date(self) -> DateHint | None:
        """The best of the dates the document gives for itself, with where it came from."""
        if not self.dates:
            return None
        return min(self.dates, key=lambda hint: hint.rank)


# Ranks for DateHint: which self-description of a document to believe first.
RANK_META = 5  # wiki metadata (TOPICINFO date): the machine's record of this revision
RANK_CHROME = 8  # the breadcrumb of a rendered page: the date of the revision shown
RANK_SIGNATURE = 10  # "-- EvaDafonte - 21 Oct 2014": the author dating the text
RANK_INCIDENT = 15  # "Date of incident: 2022-09-30": the day of the incident, as written
RANK_HEADER = 20  # Date: header, post date, front matter
RANK_NAME = 30  # the file name or the address: "2019-04-03-ingress-cordoned.md"
RANK_REVISION = 40  # "Topic revision: r5 - 2014-10-22": also bumped by trivial later saves
RANK_TITLE = 50  # "Outage on 2018-04-03": the incident's date, near the writing
# The file's own record (a Word file's created date, a PDF's CreationDate): when it was
# saved or printed, which may be long after the incident, or before it for a copied file.
RANK_FILE = 60
RANK_WEAK = 70  # the first date written near the top, when the document says nothing else
