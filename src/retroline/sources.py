"""How exactly a time was written, and where its zone and date came from: what every
reader records beside a time.

Kept apart from the models (`model`, which needs pydantic and re-exports these) so that the
log readers, which write them on every line, start without loading it.
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["DateSource", "Precision", "ZoneSource"]


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
