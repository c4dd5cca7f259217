"""Finding time expressions in a line: atoms grouped into :class:`TimeMatch` objects.

Atoms (:mod:`retroline.when.patterns`) join into one expression only when what lies between
them is the kind of glue people put there: a space or comma between a date and a time, a
``T`` in ISO 8601, ``at``/``on``, a dash in ``2016/09/08-20:31:48``. Two expressions with
``-``, ``to`` or ``until`` between them become a range. A match keeps its span so the caller
can cut it out of the event text and keep the words as written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import Any

from retroline.sources import Precision
from retroline.when.patterns import Atom, AtomKind, scan_atoms
from retroline.when.relative import Anchor, Relative

__all__ = ["TimeMatch", "find_times", "parse_time"]


@dataclass(frozen=True)
class TimeMatch:
    """A time expression found at ``text[start:end]``, with the parts it states.

    Parts the text does not state are None: ``23 Aug`` has no year and no time, ``16:22``
    has no date. ``zone`` is the zone label exactly as written. ``day_first`` is set only
    for numeric dates such as ``12/09/2016`` that read both ways: it says which reading
    was taken. ``range_end`` holds the second half of ``8:20 - 8:24``.
    """

    start: int
    end: int
    text: str
    precision: Precision
    year: int | None = None
    month: int | None = None
    day: int | None = None
    hour: int | None = None
    minute: int | None = None
    second: int | None = None
    microsecond: int | None = None
    weekday: int | None = None
    zone: str | None = None
    two_digit_year: bool = False
    day_first: bool | None = None
    order_hinted: bool = False
    approximate: bool = False
    relative: Relative | None = None
    range_end: TimeMatch | None = None

    @property
    def has_date(self) -> bool:
        """True when the expression states a calendar date (possibly without a year)."""
        return self.month is not None

    @property
    def has_time(self) -> bool:
        """True when the expression states a time of day."""
        return self.hour is not None

    @property
    def is_offset(self) -> bool:
        """True for a span counted from the entry before ("10 minutes later")."""
        return self.relative is not None and self.relative.offset is not None

    @property
    def is_range(self) -> bool:
        """True for a range such as ``8:20 - 8:24`` or ``from 05:54 to 17:10``."""
        return self.range_end is not None


# What may stand between atoms of one expression, by (left kind, right kind).
_SPACE = r"[ \t]*"
_GLUE: dict[tuple[AtomKind, AtomKind], re.Pattern[str]] = {
    # 8 Sep 17:56, 2016-09-08T15:56, 2016/09/08-20:31:48, 23 Sep 2016 - 18:32:36, 23 Aug at
    # 14:00, a table row "| 2016-09-08 | 15:56 |", Markdown "**8 Sep** 17:56"
    (AtomKind.DATE, AtomKind.TIME): re.compile(
        r"T|-|/|[ \t*_]*(?:[,|][ \t*_]*)?(?:(?:at|@|-|\u2013|from|between)[ \t]+)?"
    ),
    # 17:57 Friday, August 08 2008 (the weekday between is its own atom); 14:00 on 23 Aug
    (AtomKind.TIME, AtomKind.DATE): re.compile(r"[ \t]*,?[ \t]*(?:on[ \t]+)?"),
    (AtomKind.TIME, AtomKind.WEEKDAY): re.compile(r"[ \t]*,?[ \t]*(?:on[ \t]+)?"),
    (AtomKind.WEEKDAY, AtomKind.DATE): re.compile(r"[ \t]*,?[ \t]*(?:the[ \t]+)?"),
    (AtomKind.WEEKDAY, AtomKind.TIME): re.compile(r"[ \t]*,?[ \t]*(?:at[ \t]+)?"),
    # around 8PM yesterday evening; yesterday around 8PM; the next morning at 9:15
    (AtomKind.TIME, AtomKind.DAY_PHRASE): re.compile(r"[ \t]*,?[ \t]*"),
    (AtomKind.DAY_PHRASE, AtomKind.TIME): re.compile(r"[ \t]*,?[ \t]*(?:at[ \t]+)?"),
    (AtomKind.DAY_PHRASE, AtomKind.QUALIFIER): re.compile(r"[ \t]*,?[ \t]*"),
    (AtomKind.QUALIFIER, AtomKind.TIME): re.compile(_SPACE),
}
_RANGE = re.compile(
    r"[ \t]*(?:-|\u2013|\u2014|to|until|till|through|and|\.\.)[ \t]*", re.IGNORECASE
)
_RANGE_LEAD = re.compile(r"(?:from|between)[ \t]+$", re.IGNORECASE)
# A dash or "to" between two bare dates is a range only with spaces or a word: "23 Aug -
# 26 Aug". Between two clock times any of the range words will do.


class _Group:
    """Atoms being assembled into one expression."""

    def __init__(self, atom: Atom) -> None:
        self.atoms = [atom]

    def kinds(self) -> set[AtomKind]:
        return {a.kind for a in self.atoms}

    @property
    def start(self) -> int:
        return self.atoms[0].start

    @property
    def end(self) -> int:
        return self.atoms[-1].end

    def accepts(self, atom: Atom, gap: str) -> bool:
        kinds = self.kinds()
        last = self.atoms[-1].kind
        if atom.kind in kinds:
            return False
        if atom.kind is AtomKind.DATE and AtomKind.DAY_PHRASE in kinds:
            return False
        if atom.kind is AtomKind.DAY_PHRASE and AtomKind.DATE in kinds:
            return False
        if atom.kind is AtomKind.QUALIFIER and last is not AtomKind.DAY_PHRASE:
            return False
        if atom.kind is AtomKind.WEEKDAY and AtomKind.DATE in kinds:
            return False
        # "5 seconds later at 05:54:58": a span and a clock time are two statements, and the
        # clock is the one to keep.
        if any(_is_span(a) for a in (atom, self.atoms[-1])):
            return False
        glue = _GLUE.get((last, atom.kind))
        if glue is None and last is AtomKind.TIME and atom.kind is AtomKind.DATE:
            glue = _GLUE[(AtomKind.TIME, AtomKind.DATE)]
        if glue is None:
            return False
        # "T", a bare dash or a slash join only numeric dates (ISO, 2016/09/08) to their time.
        if (
            atom.kind is AtomKind.TIME
            and last is AtomKind.DATE
            and gap in ("T", "-", "/")
            and not self.atoms[-1].values.get("numeric_ok", True)
        ):
            return False
        return glue.fullmatch(gap) is not None


def _is_span(atom: Atom) -> bool:
    relative = atom.values.get("relative")
    return relative is not None and relative.offset is not None


def _numeric_date(text: str, atom: Atom) -> bool:
    return text[atom.start].isdigit() and text[atom.end - 1].isdigit()


def _build(text: str, group: _Group) -> TimeMatch | None:
    """Turn a group of atoms into a match; None when it says too little to be a time."""
    atoms = [a for a in group.atoms if a.kind is not AtomKind.QUALIFIER]
    qualified = len(atoms) != len(group.atoms)
    kinds = {a.kind for a in atoms}
    if not kinds & {AtomKind.DATE, AtomKind.TIME, AtomKind.DAY_PHRASE}:
        return None  # a weekday alone ("Friday") is not placed in time
    if AtomKind.TIME not in kinds:
        qualified = False  # "about 5 servers yesterday": the qualifier qualified no time
    values: dict[str, Any] = {}
    for atom in atoms:
        values.update(atom.values)
    if AtomKind.WEEKDAY in kinds and not kinds & {AtomKind.DATE, AtomKind.TIME}:
        return None
    relative: Relative | None = values.get("relative")
    if relative is None and AtomKind.WEEKDAY in kinds and AtomKind.DATE not in kinds:
        # A bare weekday with a clock time ("Friday 14:00") is the last such day.
        relative = Relative(Anchor.DOCUMENT, days=None, weekday=values["weekday"])
    if AtomKind.TIME in kinds:
        if values.get("second") is not None:
            precision = Precision.SECOND
        elif values.get("coarse"):
            precision = Precision.HOUR
        else:
            precision = Precision.MINUTE
    elif values.get("month_only"):
        precision = Precision.MONTH
    else:
        precision = Precision.DAY
    # A span from the entry before ("10 minutes later") is as exact as its number; a day
    # phrase ("the next morning") or a vague span ("a few minutes later") is not.
    approximate = qualified or (
        relative is not None and (relative.offset is None or relative.vague)
    )
    if relative is not None and relative.offset is not None and not approximate:
        precision = Precision.MINUTE
    if approximate:
        precision = Precision.APPROXIMATE
    start, end = group.start, group.end
    return TimeMatch(
        start=start,
        end=end,
        text=text[start:end],
        precision=precision,
        year=values.get("year"),
        month=values.get("month"),
        day=None if values.get("month_only") else values.get("day"),
        hour=values.get("hour"),
        minute=values.get("minute"),
        second=values.get("second"),
        microsecond=values.get("microsecond"),
        weekday=values.get("weekday"),
        zone=values.get("zone"),
        two_digit_year=bool(values.get("two_digit_year")),
        day_first=values.get("day_first"),
        order_hinted=bool(values.get("order_hinted")),
        approximate=approximate,
        relative=relative,
    )


def _join_ranges(text: str, matches: list[TimeMatch]) -> list[TimeMatch]:
    """Merge ``8:20 - 8:24`` and ``from 05:54 to 17:10`` into ranges."""
    out: list[TimeMatch] = []
    for match in matches:
        if out:
            first = out[-1]
            gap = text[first.end : match.start]
            both_times = first.has_time and match.has_time and not match.is_range
            both_dates = (
                not first.has_time and not match.has_time and first.has_date and match.has_date
            )
            if (both_times or (both_dates and gap.strip())) and _RANGE.fullmatch(gap):
                if gap.strip().lower() == "and" and not _RANGE_LEAD.search(text[: first.start]):
                    out.append(match)
                    continue
                zone = first.zone or match.zone
                out[-1] = replace(
                    first,
                    end=match.end,
                    text=text[first.start : match.end],
                    zone=zone,
                    range_end=match,
                )
                continue
        out.append(match)
    return out


def find_times(text: str, *, day_first: bool | None = None) -> list[TimeMatch]:
    """Every time expression in ``text``, in order, with its span.

    ``day_first`` settles numeric dates such as ``12/09/2016`` that read both ways; leave it
    None to let the separator decide (see :mod:`retroline.when.patterns`).

    >>> [m.text for m in find_times("8 Sep 17:56 CEST Tom restarts simplevisor")]
    ['8 Sep 17:56 CEST']
    """
    atoms = scan_atoms(text, day_first=day_first)
    for atom in atoms:
        if atom.kind is AtomKind.DATE:
            atom.values["numeric_ok"] = _numeric_date(text, atom)
    groups: list[_Group] = []
    for atom in atoms:
        if groups:
            current = groups[-1]
            gap = text[current.end : atom.start]
            if current.accepts(atom, gap):
                current.atoms.append(atom)
                continue
        groups.append(_Group(atom))
    matches = [_with_trailing_year(text, m) for m in (_build(text, g) for g in groups) if m]
    matches = [
        m
        for i, m in enumerate(matches)
        if not (m.is_offset and i + 1 < len(matches) and _clock_follows(text, m, matches[i + 1]))
    ]
    return _join_ranges(text, matches)


# "Fri Sep 10 06:12:45 UTC 2021" (ctime, mail archives): the year after the time and zone.
_TRAILING_YEAR = re.compile(r"[ \t]+(?P<y>(?:19|20)\d\d)(?![\d:.\-/])")


def _with_trailing_year(text: str, match: TimeMatch) -> TimeMatch:
    if match.year is not None or match.day is None or not match.has_time:
        return match
    found = _TRAILING_YEAR.match(text, match.end)
    if not found:
        return match
    return replace(
        match, end=found.end(), text=text[match.start : found.end()], year=int(found["y"])
    )


_SPAN_TO_CLOCK = re.compile(r"[ \t,]*(?:at|@)?[ \t]*")


def _clock_follows(text: str, span: TimeMatch, following: TimeMatch) -> bool:
    """ "5 seconds later at 05:54:58": the clock time says it all; the span is left out."""
    return following.has_time and bool(_SPAN_TO_CLOCK.fullmatch(text[span.end : following.start]))


def parse_time(text: str, *, day_first: bool | None = None) -> TimeMatch | None:
    """The time expression that makes up all of ``text`` (spaces aside), or None."""
    stripped = text.strip()
    matches = find_times(stripped, day_first=day_first)
    if len(matches) == 1 and matches[0].start == 0 and matches[0].end == len(stripped):
        return matches[0]
    return None
