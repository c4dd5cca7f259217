"""Where an entry's time stands and what it stamps.

Teams write the time of a timeline entry in a handful of places: at the start of the line
(``14:02 - alerts fire``, ``**16:27** text``, ``[03-26 17:40] text``), after a status word
(``Resolved May 28, 2024 at 02:23pm UTC``), after a label (``Start: 2016/03/29 22:00 - ...``),
in a line of its own above the text (``### 21:00``, ``1:03`` then the text), or below it, as
status pages do (``Posted Oct 31, 2019 - 11:05 PDT`` under the update it dates). This module
recognises those shapes; :mod:`retroline.documents.entries` decides what each one stamps.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
from dataclasses import dataclass
from enum import StrEnum

from retroline.when import TimeMatch, find_times

# What may stand before an entry's time: list markers, emphasis, brackets, a log's "#".
# What may stand before an entry's time: list markers, emphasis, brackets, a log's "#", an
# emoji; anything but letters and digits.
LEAD = re.compile(r"^[^\w]*$|^[_\s]*$")
# What separates an entry's time from its text: " - ", ": ", " | ", "**", "]", " · ", "→" ...
_SEPARATOR = re.compile(r"^[\s*_`\]):|,.\-–—>\\·•→=]*\s*")
# "- At 14:02 UTC, the on-call is paged", "- By 08:11 the fix was out": a list entry that
# opens with a preposition before its time.
_WORD_LEAD = re.compile(
    r"^[^\w]*(?P<word>at|on|by|from|since|until|shortly\s+(?:after|before)"
    r"|just\s+(?:after|before)|sometime\s+(?:after|before|around))\s*$",
    re.I,
)
# The words of a status page's updates; an update may start with one (``Resolved - ...``).
STATUS_WORDS = (
    "investigating",
    "identified",
    "monitoring",
    "update",
    "resolved",
    "postmortem",
    "post-mortem",
    "completed",
    "scheduled",
    "in progress",
    "verifying",
    "mitigated",
    "recovering",
)
_STATUS = "|".join(re.escape(w) for w in sorted(STATUS_WORDS, key=len, reverse=True))
_STATUS_LEAD = re.compile(
    rf"^[\s*_`>#\[(|•·\-–—~]*(?P<word>{_STATUS})(?P<number>\s*#?\d{{1,3}})?[\s:*_\-–—|]*"
    r"(?P<open>\()?\s*(?:on|at)?\s*$",
    re.I,
)
# A status word that opens an update's text: "Resolved - This incident has been resolved."
STATUS_OPENS = re.compile(rf"^[\s*_`>#\[(|•·]*(?P<word>{_STATUS})\b\s*(?:[-–—:|]\s*|$)", re.I)
# "Posted Oct 31, 2019 - 11:05 PDT": the time an update was posted, written under it.
_POSTED_LEAD = re.compile(
    r"^[\s*_`>#\[(|•·\-–—~]*(?P<word>posted|updated|published|last\s+updated)"
    r"(?:\s+(?:on|at))?[\s:*_\-–—]*$",
    re.I,
)
# "Start:", "End:", "Impact start:": a label of at most three words before the time of a
# milestone.
_LABEL_LEAD = re.compile(
    r"^[\s*_`>#\[(|•·\-–—~]*(?P<word>[A-Za-z][\w/&'.]*(?:[ \t]+[\w/&'.]+){0,2}?)"
    r"[ \t]*:[\s*_`\[(]*$"
)
# A label that names the time itself rather than something that happened then.
_NOT_A_MILESTONE = re.compile(
    r"^(date|time|date/time|datetime|when|duration|length|posted|published|written|created"
    r"|updated|last updated|modified|reported on|report date)$",
    re.I,
)


class Lead(StrEnum):
    """What stands before an entry's time."""

    NONE = "none"  # punctuation and markup only
    STATUS = "status"  # a status page's word: "Resolved", "Update"
    POSTED = "posted"  # "Posted", "Updated": the stamp of the text above
    LABEL = "label"  # "Start:", "Impact start:"
    WORD = "word"  # a preposition: "At 14:02, ...", "By 08:11 ..."
    BYLINE = "byline"  # a comment's header: "Priya added a comment - 07/Nov/22 3:40 PM"
    STATUS_OPEN = "status_open"  # a status word and its time in brackets: "UPDATE 1 (10:05 PDT):"


@dataclass(frozen=True)
class EntryTime:
    """The time an entry starts with, what stands before it, and the text after it."""

    match: TimeMatch
    lead: Lead
    word: str  # the status word or label, as written ("" for Lead.NONE)
    rest: str  # the entry's text after the time and its separator


# An entry's time stands in its first characters; the longest form ("17:57 Friday, August
# 08 2008 CEST") is well within this many.
HEAD = 100
_TIMELIKE = re.compile(r"\d|noon|midnight|midday|later|after|earlier|before", re.I)


@functools.lru_cache(maxsize=16384)
def times_in(text: str) -> tuple[TimeMatch, ...]:
    """find_times, remembered: several passes look at the same piece of text."""
    return tuple(find_times(text))


def _lead(prefix: str) -> tuple[Lead, str] | None:
    if LEAD.match(prefix):
        return Lead.NONE, ""
    for lead, pattern in (
        (Lead.WORD, _WORD_LEAD),
        (Lead.STATUS, _STATUS_LEAD),
        (Lead.POSTED, _POSTED_LEAD),
        (Lead.LABEL, _LABEL_LEAD),
    ):
        found = pattern.match(prefix)
        if found:
            word = " ".join(found["word"].split())
            if lead is Lead.LABEL and _NOT_A_MILESTONE.match(word):
                return None  # "Date/time: ..." in a summary dates the page, not an event
            if lead is Lead.STATUS and found["number"]:
                word += " " + found["number"].strip()  # "UPDATE 2 (10:40 PDT): ..."
            if lead is Lead.STATUS and found["open"]:
                return Lead.STATUS_OPEN, word
            return lead, word
    return None


def rest_after(text: str, match: TimeMatch) -> str:
    """The text of an entry after its time and the separator that follows it."""
    rest = text[match.end :]
    if text[: match.start].strip().endswith("["):
        rest = re.sub(r"^\s*\d{3,6}\]\s*", "", rest)
    return _SEPARATOR.sub("", rest, count=1).strip()


# "April 22: Network maintenance (13:00EST): ..." - the clause of a date-led entry that is
# its title, up to the first colon or full stop.
_TITLE_END = re.compile(r":\s|\.\s|\.$|:$")
# "(Oct 29)", "[Oct 30]", "on Oct 29": a date written right after an entry's time.
_DATE_MARK = re.compile(r"^[\s*_`]*(?:[(\[]\s*|on\s+)")


def _combined(date: TimeMatch, clock: TimeMatch, text: str) -> TimeMatch:
    """A date and a clock time written apart in one entry, as one expression."""
    return dataclasses.replace(
        date,
        text=text,
        hour=clock.hour,
        minute=clock.minute,
        second=clock.second,
        microsecond=clock.microsecond,
        zone=clock.zone or date.zone,
        precision=clock.precision,
        approximate=date.approximate or clock.approximate,
        range_end=clock.range_end,
    )


def _with_title_time(text: str, match: TimeMatch, rest: str) -> tuple[TimeMatch, str]:
    """A date-led entry whose title carries the time: "April 22: Title (13:00EST): text"."""
    head = rest[:120]
    end = _TITLE_END.search(head)
    title = head[: end.start()] if end else ""
    clocks = [m for m in times_in(title) if m.has_time and not m.has_date and not m.relative]
    if len(clocks) != 1:
        return match, rest
    clock = clocks[0]
    words = f"{match.text} {clock.text}"
    cut = rest[: clock.start].rstrip(" (") + rest[clock.end :].lstrip(" )")
    return _combined(match, clock, words), cut.strip()


def _with_date_mark(text: str, match: TimeMatch) -> tuple[TimeMatch, str] | None:
    """A time followed by the date it happened on: "21:45 UTC (Oct 29) - text"."""
    after = text[match.end :]
    mark = _DATE_MARK.match(after)
    if not mark:
        return None
    dates = times_in(after[: mark.end() + 40])
    if not dates:
        return None
    date = dates[0]
    if date.start != mark.end() or not date.has_date or date.has_time or date.day is None:
        return None
    closing = after[date.end :]
    closed = closing.lstrip()
    if mark.group().strip() in ("(", "[") and not closed.startswith((")", "]")):
        return None
    end = match.end + date.end + (len(closing) - len(closed)) + (1 if closed[:1] in ")]" else 0)
    words = text[match.start : end]
    merged = _combined(date, match, words)
    merged = dataclasses.replace(merged, start=match.start, end=end)
    return merged, rest_after(text, merged)


@functools.lru_cache(maxsize=16384)
def entry_time(text: str) -> EntryTime | None:
    """The time an entry starts with, if it starts with one (after markup, a status word,
    "Posted" or a short label); None for text that does not.

    >>> found = entry_time("- **21:00** - Team alerted")
    >>> (found.match.text, found.rest)
    ('21:00', 'Team alerted')
    """
    head = text[:HEAD]
    if not _TIMELIKE.search(head):
        return None
    matches = times_in(head)
    if not matches:
        return None
    match = matches[0]
    if not (match.day is not None or match.has_time or match.is_offset):
        return None  # a month alone ("← May 2023") dates no entry
    prefix = text[: match.start]
    lead = _lead(prefix)
    if lead is None:
        return None
    rest = rest_after(text, match)
    if lead[0] in (Lead.STATUS, Lead.POSTED) and not rest and prefix.rstrip(" *_").endswith(":"):
        return None  # "Updated: 09/Nov/22 11:02 AM", "Resolved: ...": a ticket's fields
    if lead[0] is Lead.STATUS_OPEN:
        if not match.has_time:
            return None  # "Update (2017/8/28): ..." is the writer's note, dated, not an event
        lead = (Lead.STATUS, lead[1])
    if match.has_time and not match.has_date:
        marked = _with_date_mark(text, match)
        if marked is not None:
            match, rest = marked
    elif match.has_date and not match.has_time:
        match, rest = _with_title_time(text, match, rest)
    return EntryTime(match, lead[0], lead[1], rest)


# What may follow a time that ends its sentence: a zone in brackets, punctuation, markup.
_TAIL = re.compile(r"^[\s*_`)\].,;:!?]*$")


def trailing_time(text: str) -> TimeMatch | None:
    """The time or range a list item ends its sentence with ("Mobile data down from 12:22 to
    12:45 JST."), as some timelines put it after the event rather than before."""
    sentence = re.split(r"(?<=[.!?])\s+(?=[A-Z])", text, maxsplit=1)[0]
    if not any(c.isdigit() for c in sentence[-40:]):
        return None
    matches = times_in(sentence)
    if not matches:
        return None
    last = matches[-1]
    if not last.has_time or not _TAIL.match(sentence[last.end :]) or last.start < 12:
        return None
    return last


# "Priya Raman added a comment - 07/Nov/22 3:40 PM", "dbarlow commented on Mar 7, 2023,
# 10:02 am", "Ana replied at 14:05": the header of a comment in a ticket or a thread.
_COMMENTED = re.compile(
    r"\b(?:added\s+a\s+comment|commented(?:\s+on)?|wrote|replied|posted|responded|answered"
    r"|logged\s+work|left\s+a\s+note)[\s\-–—·|:,]*(?:on|at)?\s*$",
    re.I,
)
_COMMENT_WORD = re.compile(r"comment|wrote|repl|posted|respond|answer|logged|note", re.I)
# Possessive: the two classes overlap, and a long run of spaces was split every way.
_AFTER_HEADER = re.compile(r"^[\s\-–—·|:()]*+(?:edited)?[\s)]*+$", re.I)


@functools.lru_cache(maxsize=4096)
def comment_header(text: str) -> EntryTime | None:
    """A comment's header that ends with its date and time ("Priya added a comment -
    07/Nov/22 3:40 PM": the comment below is the entry, at that time, and who wrote it is a
    detail) or with its date only ("alice commented on Mar 4, 2023": a new part of the page,
    on that day)."""
    if len(text) > 160 or not _COMMENT_WORD.search(text):
        return None
    timed = [m for m in times_in(text) if m.day is not None]
    if not timed:
        return None
    stamp = timed[-1]
    before, after = text[: stamp.start], text[stamp.end :]
    if not _AFTER_HEADER.match(after) or not _COMMENTED.search(before):
        return None
    return EntryTime(stamp, Lead.BYLINE, before.strip(" -–—·|:,"), "")  # "Ana added a comment"


def bare(found: EntryTime) -> bool:
    """True for a stamp with no text of its own: the text is above it or below it."""
    return not found.rest.strip(" *_`|()[]-–—:.")


_SHAPE = re.compile(r"\d+|[A-Za-z]+")


def shape(text: str, match: TimeMatch) -> str:
    """The written form of an entry's time with its separator, digits and words masked:
    entries of one timeline share it ("21:14 - " and "23:54 - " are both "9:9 - ")."""
    after = text[match.end : match.end + 4]
    sep = re.match(r"^[\s*_`\]):|,.\-–—>\\]*", after)
    return _SHAPE.sub(
        lambda m: "9" if m.group().isdigit() else "a", match.text + (sep.group() if sep else "")
    )


# "T0 = 2023-06-14 13:02 UTC (first alert)": the moment a relative timeline counts from.
_T_ZERO = re.compile(r"\bT\s*[-_]?\s*0\s*(?:=|:|is|at|was)\s*", re.I)
# "T+4m:", "T-35m", "T+1h10m", "T+26h": an entry's time as a span from T0.
_T_OFFSET = re.compile(
    r"^[^\w]*T\s*(?:(?P<sign>[+\-\u2212])\s*(?P<span>(?:\d+\s*(?:d|h|hr|hrs|m|min|mins|s)\s*)+|\d+)"
    r"(?![\w]|:\d)|0(?=\s*[:\-\u2013\u2014]\s))"  # "T0: first page" is T0 itself
)
_SPAN_PART = re.compile(r"(?P<n>\d+)\s*(?P<unit>d|hrs?|h|mins?|m|s)?")
_SPAN_SECONDS = {
    "d": 86400,
    "h": 3600,
    "hr": 3600,
    "hrs": 3600,
    "m": 60,
    "min": 60,
    "mins": 60,
    "s": 1,
}


def t_zero(text: str) -> TimeMatch | None:
    """The date and time a line names as T0 of a relative timeline, if it names one."""
    found = _T_ZERO.search(text)
    if not found:
        return None
    matches = times_in(text[found.end() : found.end() + 80])
    if not matches or matches[0].start > 2 or not matches[0].has_time:
        return None
    match = matches[0]
    return dataclasses.replace(match, start=match.start + found.end(), end=match.end + found.end())


def t_offset(text: str) -> tuple[dt.timedelta, str, str] | None:
    """The span from T0 an entry starts with ("T+1h10m: text"), its words and the text."""
    found = _T_OFFSET.match(text)
    if not found:
        return None
    seconds = 0
    for part in _SPAN_PART.finditer(found["span"] or ""):
        seconds += int(part["n"]) * _SPAN_SECONDS[(part["unit"] or "m").lower()]
    sign = -1 if found["sign"] and found["sign"] in "-\u2212" else 1
    words = found.group(0).strip(" *_`-•·[(")
    rest = _SEPARATOR.sub("", text[found.end() :], count=1).strip()
    return dt.timedelta(seconds=sign * seconds), words, rest
