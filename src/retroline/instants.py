"""UTC instants as text: the one spelling every output uses.

ISO 8601 with a ``Z``, microseconds only when there are some ("2031-04-01T10:00:00Z",
"2031-04-01T10:00:00.250000Z"). JSON, the library's summaries, log lines, reports and the
API all write instants through `iso_utc`, so no two of them can disagree.
"""

from __future__ import annotations

import datetime as dt

from retroline.errors import UsageError

__all__ = ["iso_utc", "iso_utc_or_none", "parse_day"]


def iso_utc(at: dt.datetime) -> str:
    """An instant in UTC as ISO 8601 text with a ``Z``. A datetime without a zone is taken
    as UTC: the library stores instants that way, and every reader makes them UTC."""
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC).replace(tzinfo=None).isoformat() + "Z"


def iso_utc_or_none(at: dt.datetime | None) -> str | None:
    """`iso_utc`, or None for no instant."""
    return None if at is None else iso_utc(at)


def parse_day(value: str | None, option: str) -> dt.date | None:
    """A day as people give it to ``--since``/``--until`` or a page's filter (YYYY-MM-DD),
    None when empty, or a `UsageError` naming ``option`` and saying how to write it."""
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise UsageError(f"{option} {value!r}: write a day as YYYY-MM-DD") from None
