"""Narrative times: words that place a time relative to the document or the previous entry.

Blog posts and e-mails say "around 8PM yesterday evening", "just after 6:30AM", "the next
morning". These phrases are recognised here as small atoms (a day phrase, a qualifier) that
:mod:`retroline.when.match` groups with clock times, and :func:`relative_date` turns a day
phrase into a calendar date once the anchor is known. Everything they produce is approximate:
the writer was not looking at a clock when they wrote it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "DAY_PHRASE",
    "OFFSET_PHRASE",
    "QUALIFIER",
    "WEEKDAYS",
    "Anchor",
    "Relative",
    "read_day_phrase",
    "read_offset_phrase",
    "relative_date",
]


class Anchor(StrEnum):
    """What a relative phrase counts from."""

    DOCUMENT = "document"  # "yesterday", "this morning": the day the text was written
    PREVIOUS = "previous"  # "the next morning", "later that day": the entry before


@dataclass(frozen=True)
class Relative:
    """How a narrative time relates to its anchor.

    ``days`` is the shift in calendar days from the anchor (-1 for "yesterday"); ``weekday``
    (0 = Monday) is set instead for "on Friday", with ``direction`` -1 for the most recent
    such day on or before the anchor, +1 for the next one after it and 0 for the anchor's
    own day or the next such day (a story that moves on).
    """

    anchor: Anchor
    days: int | None = 0
    weekday: int | None = None
    direction: int = -1
    part_of_day: str | None = None
    # "10 minutes later": a span of time counted from the entry before, not a day.
    offset: dt.timedelta | None = None
    vague: bool = False  # "a few minutes later": the span itself is a guess


WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")

_PART = r"(?P<part>morning|afternoon|evening|night)"
_NUMBERS = {
    "a": 1,
    "an": 1,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "forty-five": 45,
    "fifty": 50,
    "sixty": 60,
    "ninety": 90,
}
# Counts that say "some": the span they give is approximate.
_VAGUE = {"a few": 3, "a couple of": 2, "a couple": 2, "several": 5, "few": 3}

# Qualifiers that make a clock time approximate. Plain "after"/"before" are left out: "after
# 18:00 the load dropped" still states the time the writer had in mind.
QUALIFIER = re.compile(
    r"(?<!\w)(?:(?:at|from)\s+)?(?:"
    r"around|about|approximately|approx\.|roughly|circa|ca\.|~"
    r"|some\s?time\s+(?:around|after|before)"
    r"|(?:just|shortly|right|a\s+little|soon)\s+(?:after|before|past)"
    r"|(?:just|shortly|right)\s+(?:at|about|around)"
    r")(?=\s*\d|\s+(?:noon|midnight))",
    re.IGNORECASE,
)
"""A word before a clock time that makes it approximate ("around", "just after", "~")."""

OFFSET_PHRASE = re.compile(
    r"(?<![\w:.-])(?P<count>\d{1,3}|"
    + "|".join(sorted((*_NUMBERS, *_VAGUE), key=len, reverse=True))
    + r")\s+(?P<unit>seconds?|secs?|minutes?|mins?|hours?|hrs?)"
    r"\s+(?P<dir>later|afterwards?|after\s+that|earlier|before\s+that"
    # "Ninety minutes after Aileen's change": counted from an event the words name, which
    # a story has mostly just told; the span is then only approximately from the entry before.
    r"|(?P<named>after|before)\s+(?:the|this|that|our|their|his|her|[A-Z][a-z]+'s)\b)(?!\w)",
    re.IGNORECASE,
)
"""A span of time counted from the entry before ("10 minutes later", "an hour after that").

Only forms that count from the story itself: "10 minutes after the deploy" counts from an
event the words name, and "11 months ago" from the moment of reading; neither is taken."""

_UNITS = {"s": 1, "m": 60, "h": 3600}


def read_offset_phrase(found: re.Match[str]) -> Relative:
    """The meaning of an :data:`OFFSET_PHRASE` match."""
    count_text = found["count"].lower()
    vague = count_text in _VAGUE
    if count_text.isdigit():
        count = int(count_text)
    else:
        count = _VAGUE[count_text] if vague else _NUMBERS[count_text]
    seconds = count * _UNITS[found["unit"].lower()[0]]
    sign = -1 if found["dir"].lower().startswith(("earlier", "before")) else 1
    offset = dt.timedelta(seconds=sign * seconds)
    vague = vague or bool(found["named"])
    return Relative(Anchor.PREVIOUS, days=None, offset=offset, vague=vague)


DAY_PHRASE = re.compile(
    r"(?<!\w)(?:"
    r"(?P<yesterday>yesterday)(?:\s+" + _PART + r")?"
    r"|(?P<today>today|tonight)"
    r"|(?P<tomorrow>tomorrow)(?:\s+(?P<tpart>morning|afternoon|evening|night))?"
    r"|this\s+(?P<this>morning|afternoon|evening)"
    r"|last\s+(?P<last>night|evening)"
    r"|the\s+(?P<prev>night|evening|day|morning)\s+before"
    r"|the\s+(?:previous|prior)\s+(?P<prev2>night|evening|day|morning|afternoon)"
    r"|the\s+(?:next|following)\s+(?P<next>morning|afternoon|evening|night|day)"
    r"|(?P<that_when>later|earlier)\s+that\s+(?P<that_part>day|morning|afternoon|evening|night)"
    r"|that\s+(?P<that>morning|afternoon|evening|night)"
    r"|(?P<count>\d{1,2}|a|an|one|two|three|four|five|six|seven)\s+days?\s+"
    r"(?P<ago>ago|earlier|later|before|after)"
    r"|(?:(?:(?P<wd_mod>on|last|this|next|since|until)\s+)(?P<weekday>"
    + "|".join(w.capitalize() for w in WEEKDAYS)
    + r")(?:\s+(?P<wd_part>morning|afternoon|evening|night))?"
    # "Sunday afternoon I re-paired ...": a weekday and a part of it need no "on"
    r"|(?P<weekday2>" + "|".join(w.capitalize() for w in WEEKDAYS) + r")"
    r"\s+(?P<wd_part2>morning|afternoon|evening|night))"
    # "on Saturday 18th October" is a weekday written beside a date, not a relative day.
    r"(?![ \t]*,?[ \t]*(?:the[ \t]+)?(?:\d{1,2}(?![\d:])|(?:19|20)\d\d[-/.]|(?:jan|feb|mar|apr|may|jun|jul|aug"
    r"|sep|oct|nov|dec)))"
    r")(?!\w)",
    re.IGNORECASE,
)
"""A phrase that names a day relative to an anchor ("yesterday evening", "the next morning")."""


def read_day_phrase(found: re.Match[str]) -> Relative:
    """The meaning of a :data:`DAY_PHRASE` match."""
    groups = {k: (v.lower() if v else None) for k, v in found.groupdict().items()}
    doc, prev = Anchor.DOCUMENT, Anchor.PREVIOUS
    if groups["yesterday"]:
        return Relative(doc, -1, part_of_day=groups["part"])
    if groups["today"]:
        part = "night" if groups["today"] == "tonight" else None
        return Relative(doc, 0, part_of_day=part)
    if groups["tomorrow"]:
        return Relative(doc, 1, part_of_day=groups["tpart"])
    if groups["this"]:
        return Relative(doc, 0, part_of_day=groups["this"])
    if groups["last"]:
        return Relative(doc, -1, part_of_day=groups["last"])
    if groups["prev"] or groups["prev2"]:
        part = groups["prev"] or groups["prev2"]
        return Relative(prev, -1, part_of_day=None if part == "day" else part)
    if groups["next"]:
        part = groups["next"]
        return Relative(prev, 1, part_of_day=None if part == "day" else part)
    if groups["that_part"]:
        part = groups["that_part"]
        return Relative(prev, 0, part_of_day=None if part == "day" else part)
    if groups["that"]:
        return Relative(prev, 0, part_of_day=groups["that"])
    if groups["count"]:
        count_text = groups["count"]
        count = int(count_text) if count_text.isdigit() else _NUMBERS[count_text]
        if groups["ago"] in ("ago", "earlier", "before"):
            anchor = doc if groups["ago"] == "ago" else prev
            return Relative(anchor, -count)
        return Relative(prev, count)
    name = groups["weekday"] or groups["weekday2"]
    assert name
    weekday = WEEKDAYS.index(name)
    direction = 1 if groups["wd_mod"] in ("next", "until") else -1
    return Relative(doc, None, weekday, direction, groups["wd_part"] or groups["wd_part2"])


def relative_date(relative: Relative, anchor: dt.date, *, hour: int | None = None) -> dt.date:
    """The calendar date a relative phrase names, counted from ``anchor``.

    ``hour`` is the clock hour written with the phrase, if any: "last night at 2AM" is the
    small hours of the anchor day itself, not of the day before, because people count the
    night as belonging to the evening it started.
    """
    if relative.weekday is not None:
        delta = (anchor.weekday() - relative.weekday) % 7
        if relative.direction == 0:  # the story's day or the next such day after it
            return anchor + dt.timedelta(days=(relative.weekday - anchor.weekday()) % 7)
        if relative.direction > 0:
            return anchor + dt.timedelta(days=(relative.weekday - anchor.weekday()) % 7 or 7)
        return anchor - dt.timedelta(days=delta)
    days = relative.days or 0
    # Before 06:00 a "night" is the early hours after midnight: one day later than the
    # evening the phrase is counted from.
    if relative.part_of_day == "night" and hour is not None and hour < 6:
        days += 1
    return anchor + dt.timedelta(days=days)
