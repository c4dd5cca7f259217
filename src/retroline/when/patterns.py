"""The recognisers: small pieces of a time expression found in a line of text.

A time expression is read as a sequence of atoms (a date, a clock time with its zone, a
weekday, a relative day phrase, a qualifier) that :mod:`retroline.when.match` then groups by
what lies between them. Splitting the work this way lets ``8 Sep 17:56 CEST``,
``17:57 Friday, August 08 2008`` and ``2016/09/08-20:31:48`` share the same few rules
instead of one regular expression per format.

The recognisers are strict on purpose: a version number (``2.6.32``), an IP address, a
duration (``1:30 hours``), a MAC address or a file name is not a time, and a false time in a
timeline costs more than a missed one.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from retroline.when.relative import (
    DAY_PHRASE,
    OFFSET_PHRASE,
    QUALIFIER,
    WEEKDAYS,
    read_day_phrase,
    read_offset_phrase,
)
from retroline.when.zones import ZONE_PATTERN, parse_offset, parse_zone

__all__ = ["MONTHS", "Atom", "AtomKind", "scan_atoms"]


class AtomKind(StrEnum):
    """What an atom is."""

    DATE = "date"
    TIME = "time"
    WEEKDAY = "weekday"
    DAY_PHRASE = "day_phrase"
    QUALIFIER = "qualifier"


@dataclass
class Atom:
    """A piece of a time expression at ``text[start:end]``, with what it says."""

    kind: AtomKind
    start: int
    end: int
    values: dict[str, Any] = field(default_factory=dict)


MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
# Month words that are also common English words: only taken when capitalised.
_WORDLIKE_MONTHS = {"may", "mar", "march", "jun"}

_MON = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)(?:\.(?=[ \t,]*\d))?"
)
_ORD = r"(?:st|nd|rd|th)?"
_YEAR4 = r"(?:19|20)\d\d(?![\d:])"

_DATE_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    # 2016-09-08 (ISO); the time may follow after a "T".
    (
        "ymd",
        re.compile(
            r"(?<![\w.\-/])(?P<y>(?:19|20)\d\d)-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
            r"(?![\d\-]|/(?!\d{1,2}:\d\d)|\.\d)"
        ),
    ),
    # 2016/09/08, as stompclt writes it: 2016/09/08-20:31:48
    (
        "ymd",
        re.compile(
            r"(?<![\w.\-/])(?P<y>(?:19|20)\d\d)/(?P<m>\d{1,2})/(?P<d>\d{1,2})(?![\d/]|\.\d)"
        ),
    ),
    # 12/09/2016, 12.09.2016, 12-09-2016, 12/09/16: day-first or month-first.
    (
        "num",
        re.compile(
            r"(?<![\w.\-/:])(?P<a>\d{1,2})(?P<sep>[/.\-])(?P<b>\d{1,2})(?P=sep)"
            r"(?P<y>" + _YEAR4 + r"|(?<=/)\d\d(?![\d:]))(?![\w/\-]|\.\d)"
        ),
    ),
    # 8 Sep, 13 Sep 2016, 18th October, 23-Aug-2016, 18-Oct-14, 07/Nov/22, 4th of July
    (
        "dmy",
        re.compile(
            r"(?<![\w.\-/])(?P<d>\d{1,2})"
            + _ORD
            # "19. April": the ordinal dot of German and Nordic writing.
            # "07/Nov/22" as Jira and web servers write it: a slash like the dash.
            + r"(?:(?P<dash>[-/])|(?P<dot>\.)?[ \t]+(?:of[ \t]+)?)"
            + _MON
            + r"(?:(?(dash)(?P=dash)|,?[ \t]+)(?P<y>"
            + _YEAR4
            + r"|(?(dash)\d\d(?![\d:])|'\d\d)))?"
            r"(?![\w\-])",
            re.IGNORECASE,
        ),
    ),
    # Sep 12, September 12th, 2016, August 08 2008, Sep. 12
    (
        "mdy",
        re.compile(
            r"(?<![\w.\-/])" + _MON + r"[ \t]+(?P<d>\d{1,2})" + _ORD + r"(?![\d\w]|:\d)"
            # "Oct 29-30": the first day of a span; "Oct 29-2016" is no date
            r"(?:,?[ \t]+(?P<y>" + _YEAR4 + r"))?(?!\w|-(?!\d{1,2}\b(?![-/.:])))",
            re.IGNORECASE,
        ),
    ),
    # "Wednesday 21.09." (German and Nordic habit): day.month. without a year. Only after a
    # weekday name, because "8.13." alone is far more often a version number.
    (
        "ymd",
        re.compile(
            r"(?:(?<=day[ \t])|(?<=day,[ \t])|(?<=(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[ \t])"
            r"|(?<=(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),[ \t]))(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.(?![\d.])",
        ),
    ),
    # "Tuesday 3/14": a month and day after a weekday name, as US notes write a day.
    (
        "md",
        re.compile(
            r"(?:(?<=day[ \t])|(?<=day,[ \t])|(?<=(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[ \t])"
            r"|(?<=(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun),[ \t])|(?<=Tues[ \t])|(?<=Thur[ \t])"
            r"|(?<=Thurs[ \t]))"
            r"(?P<a>\d{1,2})(?P<sep>/)(?P<b>\d{1,2})(?![\d/])"
        ),
    ),
    # [03-26 17:40], 12/05 16:21: a month and day without a year, taken only right before a
    # clock time (alone, "3-26" is far more often a range or a fraction).
    (
        "md",
        re.compile(
            r"(?<![\w.\-/:])(?P<a>\d{1,2})(?P<sep>[-/])(?P<b>\d{1,2})(?=[ \t]+\d{1,2}:\d\d(?![\d.]))"
        ),
    ),
    # May 2017, September, 2016: month precision
    (
        "my",
        re.compile(
            r"(?<![\w.\-/])" + _MON + r",?[ \t]+(?P<y>" + _YEAR4 + r")(?![\w\-])",
            re.IGNORECASE,
        ),
    ),
]

# 17:56, 05:54:52, 4:05 PM, 18:38:21.123; not 1:30 hours, not a MAC address.
_CLOCK = re.compile(
    r"(?:(?<=\dT)|(?<![\w.:]))(?P<h>\d{1,2}):(?P<mi>\d{2})"
    r"(?::(?P<s>\d{2})(?:[.,](?P<f>\d{1,9}))?)?(?!\d|:\d|\.\d)"
    r"(?:[ \t]?(?P<ampm>[AaPp])(?:\.[Mm]\.?|[Mm])(?!\w)"
    # "8:15a", "4:30p": the one-letter form of chat and calendars, glued to the minutes
    r"|(?P<ampm1>[ap])(?![\w.]))?"
)
# 8PM, 8 p.m.
_HOUR_AMPM = re.compile(r"(?<![\w.:])(?P<h>\d{1,2})[ \t]?(?P<ampm>[AaPp])(?:\.[Mm]\.?|[Mm])(?!\w)")
# 0930h, 1530hrs, 17h56, 1530Z / 1530 UTC (military)
_COMPACT = re.compile(
    r"(?<![\w.:])(?:(?P<h>[01]\d|2[0-3])(?P<mi>[0-5]\d)(?:h|[ \t]?hrs)(?!\w)"
    r"|(?P<h2>\d{1,2})h(?P<mi2>[0-5]\d)(?!\w)"
    r"|(?P<h3>[01]\d|2[0-3])(?P<mi3>[0-5]\d)(?=Z(?!\w)|[ \t](?:UTC|GMT)(?!\w)))"
)
_NOON = re.compile(r"(?<!\w)(?P<word>noon|midday|midnight)(?!\w)", re.IGNORECASE)
# What makes a clock reading a duration instead: "1:30 hours", "2:00 min".
_DURATION_AFTER = re.compile(r"[ \t]*(?:hours?|hrs?|h|minutes?|mins?|m|sec)(?!\w)", re.IGNORECASE)


def _clock_with_h(found: re.Match[str], after: re.Match[str]) -> bool:
    """ "18:20 h", "08:05 h": a clock time with the "h" of German and Nordic writing; a
    duration would be written "1:30 h" (an hour of one digit) or "18:20 hours"."""
    return after.group().strip().lower() == "h" and len(found["h"]) == 2


_WEEKDAY = re.compile(
    r"(?<![\w.])(?P<wd>(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)(?:day|sday|nesday|rsday|urday)?|Tues|Thur|"
    r"MONDAY|TUESDAY|WEDNESDAY|THURSDAY|FRIDAY|SATURDAY|SUNDAY)\.?(?!\w)"
)

# A zone right after a clock time: "17:56 CEST", "15:56:00Z", "15:56+02:00", "(UTC-7)".
_SPACED_OFFSET = re.compile(r"[ \t](?P<o>[+\-\u2212]\d\d:?\d\d)(?![\d:])")
_GLUED_OFFSET = re.compile(r"Z(?!\w)|[+\-\u2212]\d\d(?::?\d\d)?(?![\d:])")
# "UTC 05:13", "(GMT 14:00)": the two labels people also write before a clock time.
_ZONE_BEFORE = re.compile(r"(?<![\w+\-])(?P<z>UTC|GMT)[ \t]?$")
_SPACED_ZONE = re.compile(
    r"[ \t]*(?:\(\s*(?P<p>" + ZONE_PATTERN.pattern + r")\s*\)|(?P<z>" + ZONE_PATTERN.pattern + r"))"
)


def _year(text: str | None) -> tuple[int | None, bool]:
    if not text:
        return None, False
    digits = text.lstrip("'")
    return int(digits), len(digits) == 2


def _month(word: str) -> int | None:
    if word.lower() in _WORDLIKE_MONTHS and word.islower():
        return None
    prefix = word.lower().rstrip(".")[:3]
    return next(i for i, name in enumerate(MONTHS, 1) if name.startswith(prefix))


def _valid_day(month: int, day: int) -> bool:
    # February 29 is accepted: the year is not always known yet.
    return (
        1 <= month <= 12 and 1 <= day <= (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)[month - 1]
    )


def _date_values(kind: str, found: re.Match[str], day_first: bool | None) -> dict[str, Any] | None:
    groups = found.groupdict()
    year, two_digit = _year(groups.get("y"))
    values: dict[str, Any] = {"year": year, "two_digit_year": two_digit, "day_first": None}
    if kind == "ymd":
        month, day = int(groups["m"]), int(groups["d"])
    elif kind == "md":
        a, b = int(groups["a"]), int(groups["b"])
        # Month first unless that cannot be: the order of ISO 8601 (and of US writing).
        month, day = (b, a) if a > 12 >= b else (a, b)
    elif kind == "num":
        a, b = int(groups["a"]), int(groups["b"])
        if a > 12 and b <= 12:
            day, month = a, b
        elif b > 12 and a <= 12:
            month, day = a, b
        else:
            # Both readings are possible. Without a hint, dots and dashes are European
            # (day first) and slashes follow the US habit (month first); resolve() may
            # still swap them when the other reading sits closer to the document date.
            first = day_first if day_first is not None else groups["sep"] != "/"
            day, month = (a, b) if first else (b, a)
            values["day_first"] = first
            values["order_hinted"] = day_first is not None
    else:
        month_no = _month(groups["mon"])
        if month_no is None:
            return None
        if groups.get("dot") and groups["mon"].lower() in _WORDLIKE_MONTHS:
            return None  # "3. May we ..." is a numbered sentence, not a date
        month = month_no
        day = int(groups["d"]) if kind != "my" else 1
        if kind == "my":
            values["month_only"] = True
    if not _valid_day(month, day):
        return None
    values.update(month=month, day=day)
    return values


def _time_values(found: re.Match[str]) -> dict[str, Any] | None:
    groups = found.groupdict()
    hour_text = groups.get("h") or groups.get("h2") or groups.get("h3")
    minute_text = groups.get("mi") or groups.get("mi2") or groups.get("mi3")
    if groups.get("word"):
        word = groups["word"].lower()
        return {"hour": 0 if word == "midnight" else 12, "minute": 0, "coarse": True}
    assert hour_text is not None
    hour, minute = int(hour_text), int(minute_text or 0)
    second = int(groups["s"]) if groups.get("s") else None
    micro = int((groups["f"] + "000000")[:6]) if groups.get("f") else None
    ampm = (groups.get("ampm") or groups.get("ampm1") or "").lower()
    if minute > 59 or (second is not None and second > 60):
        return None
    if ampm:
        if not 0 <= hour <= 12:
            return None
        hour = hour % 12 + (12 if ampm == "p" else 0)
    elif hour > 23:
        return None
    return {
        "hour": hour,
        "minute": minute,
        "second": second,
        "microsecond": micro,
        "coarse": minute_text is None,
    }


def _zone_after(text: str, at: int, values: dict[str, Any], iso_t: bool) -> int:
    """Extend a clock time with the zone written right after it; returns the new end."""
    # "08:20-08:24" is a range, not an offset: a signed HH:MM or HH right after a clock
    # counts as an offset only in ISO form (after a "T") or after seconds.
    strict = iso_t or values.get("second") is not None
    glued = _GLUED_OFFSET.match(text, at)
    if glued:
        token = glued.group()
        compact = len(token.lstrip("+-\u2212")) == 4 and ":" not in token
        if token == "Z" or compact or strict:
            offset = parse_offset(token) if token != "Z" else None
            if token == "Z" or offset is not None:
                values["zone"] = token
                return glued.end()
    spaced = _SPACED_ZONE.match(text, at)
    if spaced:
        label = spaced["p"] or spaced["z"]
        if parse_zone(label) is not None:
            values["zone"] = label
            return spaced.end()
    # "15:56:00 +0200" (syslog, RFC 2822) and, after seconds, "00:00:00 -07:00". A spaced
    # "-HH:MM" after a bare HH:MM stays a range end ("10:00 -10:30" is rare, but not a zone).
    numeric = _SPACED_OFFSET.match(text, at)
    if numeric and (":" not in numeric["o"] or strict) and parse_offset(numeric["o"]) is not None:
        values["zone"] = numeric["o"]
        return numeric.end()
    return at


def _dates(text: str, day_first: bool | None) -> Iterator[Atom]:
    for kind, pattern in _DATE_PATTERNS:
        for found in pattern.finditer(text):
            values = _date_values(kind, found, day_first)
            if values is not None:
                yield Atom(AtomKind.DATE, found.start(), found.end(), values)


# Units after a number with a dot: "14.20 GB" is an amount, not a time.
_UNITS = (
    r"[kKMGTP]i?[bB]|[kKMG]?bps|ms|s|secs?|mins?|h|hrs?|x|per|pp|pts?|kg|km|m|cm|mm|USD|EUR|GBP"
)
# "14.20  Callum finds ...": a clock with a dot, as British and European reports write it.
# Only where a line of a timeline opens with it (and right after, as the end of its span):
# elsewhere "14.20" is far more often a number.
_DOT_CLOCK = re.compile(
    r"^[^\w]*?(?P<h>[01]?\d|2[0-3])\.(?P<mi>[0-5]\d)(?![\d.,%]|\s*(?:%|" + _UNITS + r")\b)"
)
_DOT_SPAN_END = re.compile(r"[ \t]*[-–][ \t]*(?P<h>[01]?\d|2[0-3])\.(?P<mi>[0-5]\d)(?![\d.,%])")


def _dot_clocks(text: str) -> Iterator[Atom]:
    found = _DOT_CLOCK.match(text)
    if not found:
        return
    values = _time_values(found)
    if values is None:
        return
    end = _zone_after(text, found.end(), values, False)
    yield Atom(AtomKind.TIME, found.start("h"), end, values)
    span = _DOT_SPAN_END.match(text, end)
    if span and (second := _time_values(span)) is not None:
        yield Atom(AtomKind.TIME, span.start("h"), span.end(), second)


def _times(text: str) -> Iterator[Atom]:
    if text[:1].isdigit() or (text[:8].lstrip(" \t-*•·[(")[:1]).isdigit():
        yield from _dot_clocks(text)
    for pattern in (_CLOCK, _HOUR_AMPM, _COMPACT, _NOON):
        for found in pattern.finditer(text):
            values = _time_values(found)
            if values is None:
                continue
            after = _DURATION_AFTER.match(text, found.end()) if pattern is _CLOCK else None
            if after and not found["ampm"] and not _clock_with_h(found, after):
                continue
            iso_t = found.start() > 0 and text[found.start() - 1] == "T"
            end = _zone_after(text, found.end(), values, iso_t)
            start = found.start()
            before = _ZONE_BEFORE.search(text, max(0, start - 5), start)
            if before and "zone" not in values:
                # "beginning from UTC 05:13": the zone written before the time.
                values["zone"] = before["z"]
                start = before.start()
            yield Atom(AtomKind.TIME, start, end, values)


_DIGIT = re.compile(r"\d")


def _words_only(text: str) -> Iterator[Atom]:
    for found in _NOON.finditer(text):
        values = _time_values(found)
        if values is not None:
            end = _zone_after(text, found.end(), values, False)
            yield Atom(AtomKind.TIME, found.start(), end, values)


def _others(text: str) -> Iterator[Atom]:
    for found in _WEEKDAY.finditer(text):
        prefix = found["wd"].lower()[:3]
        weekday = next(i for i, name in enumerate(WEEKDAYS) if name.startswith(prefix))
        yield Atom(AtomKind.WEEKDAY, found.start(), found.end(), {"weekday": weekday})
    for found in DAY_PHRASE.finditer(text):
        relative = read_day_phrase(found)
        yield Atom(AtomKind.DAY_PHRASE, found.start(), found.end(), {"relative": relative})
    if "ter" in text or "fore" in text or "lier" in text:  # later, afterwards, before, earlier
        for found in OFFSET_PHRASE.finditer(text):
            relative = read_offset_phrase(found)
            yield Atom(AtomKind.DAY_PHRASE, found.start(), found.end(), {"relative": relative})
    for found in QUALIFIER.finditer(text):
        yield Atom(AtomKind.QUALIFIER, found.start(), found.end())


# When atoms overlap, the earlier kind in this order wins, then the longer atom: a day
# phrase "on Friday" beats the bare weekday inside it, a date beats a clock-like piece in it.
_RANK = {
    AtomKind.DATE: 0,
    AtomKind.DAY_PHRASE: 1,
    AtomKind.TIME: 2,
    AtomKind.QUALIFIER: 3,
    AtomKind.WEEKDAY: 4,
}


def scan_atoms(text: str, *, day_first: bool | None = None) -> list[Atom]:
    """Every atom in ``text``, without overlaps, in text order."""
    if _DIGIT.search(text):
        candidates = [*_dates(text, day_first), *_times(text), *_others(text)]
    else:  # no number: only "noon", "yesterday", "the next morning" and weekdays can be here
        candidates = [*_words_only(text), *_others(text)]
    candidates.sort(key=lambda a: (_RANK[a.kind], -(a.end - a.start), a.start))
    # The atoms taken so far, in text order; they never overlap, so a new one overlaps one
    # of them only if it overlaps a neighbour of where it would go.
    taken: list[Atom] = []
    starts: list[int] = []
    for atom in candidates:
        at = bisect.bisect_left(starts, atom.start)
        if at > 0 and taken[at - 1].end > atom.start:
            continue
        if at < len(taken) and taken[at].start < atom.end:
            continue
        taken.insert(at, atom)
        starts.insert(at, atom.start)
    return taken
