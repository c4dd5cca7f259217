"""The ``date`` lines people put before a snapshot (a socket table, a process list) when
they capture host state in a loop or paste a terminal session: read in one place.

``date`` in the C locale (``Tue Mar  1 02:00:01 CET 2016``), in en_US (``Tue 01 Mar 2016
02:00:01 AM CET``), ``date -R`` (``Tue, 01 Mar 2016 02:00:01 +0100``), ISO 8601 and a Unix
time. What the zone label means is the caller's to decide (its ``--tz``, a finding).
"""

from __future__ import annotations

import datetime as dt
import re

__all__ = ["MONTHS", "date_line", "utc"]

#: Month abbreviations as `date` and `ps` write them, to their numbers.
MONTHS = {
    m: i
    for i, m in enumerate(
        ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1
    )
}
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MONTH = r"(?P<month>Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_CLOCK = r"(?P<h>\d{1,2}):(?P<m>\d\d):(?P<s>\d\d)(?:\s+(?P<ampm>AM|PM))?"
_DATE_C = re.compile(
    rf"^{_DAY}\s+{_MONTH}\s+(?P<day>\d{{1,2}})\s+{_CLOCK}(?:\s+(?P<zone>[^\s\d][^\s]*|[+-]\d{{4}}))?"
    r"\s+(?P<year>\d{4})$"
)
_DATE_EN = re.compile(
    rf"^{_DAY},?\s+(?P<day>\d{{1,2}})\s+{_MONTH}\s+(?P<year>\d{{4}}),?\s+{_CLOCK}"
    r"(?:\s+(?P<zone>\S+))?$"
)
_DATE_ISO = re.compile(
    r"^(?P<iso>\d{4}-\d\d-\d\d[T ]\d\d:\d\d(?::\d\d(?:[.,]\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)"
    r"(?:\s+(?P<zone>[A-Za-z][\w/+-]*))?$"
)
_DATE_EPOCH = re.compile(r"^\d{9,10}(?:\.\d+)?$")


def date_line(line: str) -> tuple[dt.datetime, str | None] | None:
    """The time of a ``date`` line and the zone label written with it (None when none is:
    the time is naive unless it carries an offset; a Unix time is UTC); None for any other
    line. A ``ValueError`` for a date line with an impossible date (Feb 30)."""
    if _DATE_EPOCH.match(line):
        return dt.datetime.fromtimestamp(float(line), dt.UTC), None
    if found := _DATE_ISO.match(line):
        return dt.datetime.fromisoformat(found["iso"].replace(",", ".")), found["zone"]
    found = _DATE_C.match(line) or _DATE_EN.match(line)
    if found is None:
        return None
    hour = int(found["h"])
    if found["ampm"]:
        hour = hour % 12 + (12 if found["ampm"] == "PM" else 0)
    at = dt.datetime(
        int(found["year"]),
        MONTHS[found["month"]],
        int(found["day"]),
        hour,
        int(found["m"]),
        int(found["s"]),
    )
    return at, found["zone"]


def utc(at: dt.datetime) -> dt.datetime:
    """``at`` (aware) in UTC; a `ValueError`, as for any impossible date, when that falls
    outside the years 1 to 9999 (``9999-12-31 23:00`` in Chicago), where Python raises an
    `OverflowError` the readers would not expect."""
    try:
        return at.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValueError(f"{at.isoformat()} is outside the years 1 to 9999 in UTC") from exc
