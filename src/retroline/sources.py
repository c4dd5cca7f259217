"""How exactly a time was written, and where its zone and date came from: what every
reader records beside a time; and where in a file a piece of evidence stands, written
the one way every report, table and error message cites it.

Kept apart from the models (`model`, which needs pydantic and re-exports these) so that the
log readers, which write them on every line, start without loading it.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import PurePosixPath

__all__ = [
    "DateSource",
    "Precision",
    "ZoneSource",
    "anchor",
    "place",
    "short_where",
    "where",
]


class Precision(StrEnum):
    """How exactly the source states an event's time."""

    SECOND = "second"
    MINUTE = "minute"
    HOUR = "hour"
    DAY = "day"
    MONTH = "month"
    APPROXIMATE = "approximate"


class ZoneSource(StrEnum):
    """Where the zone used to resolve a time came from."""

    EXPLICIT = "explicit"  # written next to the time ("17:56 CEST", "+0200")
    DOCUMENT = "document"  # stated once for the document ("All times in PDT")
    # Written with other times of the document, not with this one: the entry above says
    # "14:00 PST" and this one "14:05"; or every time the document zones is in UTC.
    CONTEXT = "context"
    OPTION = "option"  # given by the user (--tz)
    ASSUMED = "assumed"  # nothing said: UTC assumed, and a finding says so


class DateSource(StrEnum):
    """Where the calendar date of an event (or the year of that date) came from.

    A time of day is only as good as the date it is placed on; when the date or the year was
    not written with the time, the reader must be able to see what it was taken from.
    """

    ENTRY = "entry"  # written with the time, in the entry itself
    HEADING = "heading"  # a day heading, a date line or a date marker above the entry
    TABLE = "table"  # another cell of the entry's table row, or a date column above it
    FILE_NAME = "file_name"  # the document's file name ("2019-04-03-ingress-cordoned.md")
    URL = "url"  # the address the document was published at
    DOCUMENT = "document"  # the date the document gives itself: title, Date: line, post date
    ORDER = "order"  # inferred from order: the entry before it, moved on across midnight
    CORRECTION = "correction"  # the document corrects the date the entry writes
    WEEKDAY = "weekday"  # (a year only) the year in which the written weekday falls on the date


# Formats whose ``line`` counts paragraphs (Word has no lines); a PDF's sources have pages.
_PARAGRAPHED = {"docx"}


def place(line: int | None, page: int | None = None, fmt: str | None = None) -> str:
    """Where in a file, as people cite it: "12" (a line), "p. 3 l. 12" (a line of a PDF's
    page), "¶ 12" (a Word file's paragraph); empty when nothing is known.

    ``fmt`` is the format of the document the source is in (``Document.format``).
    """
    if page is not None:
        return f"p. {page} l. {line}" if line else f"p. {page}"
    if not line:
        return ""
    return f"¶ {line}" if fmt in _PARAGRAPHED else str(line)


def anchor(line: int | None, page: int | None = None, fmt: str | None = None) -> str:
    """The fragment that opens a file at a source: ``#L12``, ``#page=3`` (PDF viewers honour
    it); none for a paragraph, which no viewer can jump to."""
    if page is not None:
        return f"#page={page}"
    return f"#L{line}" if line and fmt not in _PARAGRAPHED else ""


def where(path: str, line: int | None, page: int | None = None, fmt: str | None = None) -> str:
    """A source location as people cite it: ``notes.md:12``, ``notes.pdf p. 3 l. 12``,
    ``notes.docx ¶ 12`` (just the path without a line)."""
    spot = place(line, page, fmt)
    if not spot:
        return path
    return f"{path}:{spot}" if spot.isdigit() else f"{path} {spot}"


def short_where(
    path: str, line: int | None, page: int | None = None, fmt: str | None = None
) -> str:
    """A source location in little room: the file's name, not its folders (``notes.md:12``)."""
    return where(PurePosixPath(path).name or path, line, page, fmt)
