"""Turn the time parts a header pattern captured into an instant in UTC.

Logs rarely say everything: most state no zone, syslog states no year, HDFS and Spark write
two-digit years. The rules, in order: an explicit offset or a Unix time wins; otherwise the
zone given by the caller (an IANA name, UTC by default) is applied; a missing year is the
caller's ``year``, advanced by one each time the months wrap from late in a year to early in
the next (a December-to-January rollover inside one file).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from typing import Any

from retroline.sources import ZoneSource
from retroline.when.zones import (
    abbreviations,
    is_iana_name,
    parse_zone,
    region_offsets,
    user_zone,
)

__all__ = [
    "DEFAULT_YEAR",
    "MONTH_NAMES",
    "MONTH_PATTERN",
    "ROLLOVER_MONTHS",
    "ROLLOVER_SECONDS",
    "ZONE_PATTERN",
    "TimeResolver",
    "clock_only",
    "file_day",
    "seconds_of_day",
    "today",
    "word_tree",
    "written_zone",
    "zone",
]

#: The year given to yearless timestamps when the caller states none. It is the current UTC
#: year (the year before, when a file starts on a day after it was last written, or after
#: today), and every line that used it says so (`TimeResolver.year_assumed`), so that a
#: timeline can show the assumption rather than hide it.
DEFAULT_YEAR: int | None = None

# Month names as logs write them, in the languages servers are set up in: the English
# abbreviations and names, and those of French, German, Spanish, Italian, Portuguese and
# Dutch (syslog writes the locale's "%b"). Lower case; a trailing dot is read off.
MONTH_NAMES: dict[str, int] = {}
for _number, _names in enumerate(
    (
        "jan january janv janvier januar jänner enero ene gennaio gen janeiro januari",
        "feb february févr fev février februar febrero febbraio fevereiro februari",
        "mar march mars märz mär marzo março mrt maart",
        "apr april avr avril abril abr aprile",
        "may mai mayo maggio mag maio mei",
        "jun june juin juni junio giugno giu junho",
        "jul july juil juillet juli julio luglio lug julho",
        "aug august août aout agosto ago augustus",
        "sep sept september septembre septiembre set settembre setembro",
        "oct october octobre oktober okt octubre ottobre ott outubro out",
        "nov november novembre noviembre novembro",
        "dec december déc décembre dezember dez diciembre dic dicembre dezembro",
    ),
    1,
):
    for _name in _names.split():
        MONTH_NAMES.setdefault(_name, _number)


def word_tree(words: Iterable[str]) -> str:
    """A regex matching any of ``words``, as a tree of their shared beginnings: one
    character is compared at each branch, not every word in turn (header regexes try it
    on every line). Longer words are tried first."""
    tree: dict[str, Any] = {}
    for word in words:
        node = tree
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        branches = [re.escape(char) + emit(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
        if "" in node:
            return body + "?" if len(branches) == 1 and len(branches[0]) == 1 else f"(?:{body})?"
        return body

    return emit(tree)


#: A regex alternation of every month name (longest first, so "juil" is not read as "jul"),
#: case-insensitive, for the header patterns' ``b`` group.
MONTH_PATTERN = "(?i:" + word_tree(MONTH_NAMES) + r")\.?"

# A month drop at least this large between consecutive lines is a new year, not disorder:
# December to January is a drop of 11, while concatenated or shuffled logs jump by a few.
ROLLOVER_MONTHS = 6

#: A time of day this many seconds earlier than the one before it is on the next day (a
#: trace run past midnight): lines a few seconds out of order are not, and neither is a
#: gap of a day, which no time of day alone can show.
ROLLOVER_SECONDS = 12 * 3600

# Resolved instants kept per resolver, keyed by the time text up to the second.
_CACHE_SIZE = 4096


def zone(name: str | None) -> tzinfo:
    """The zone for an IANA name (None means UTC), or `UsageError` naming the bad value."""
    return UTC if name is None else user_zone(name)


def _offset(text: str) -> tzinfo:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
    return timezone(sign * timedelta(minutes=minutes))


# The areas of the tz database's zone names ("Europe/Berlin", "America/Argentina/Salta").
_AREA = "(?:Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)"

_ABBREVIATIONS = word_tree(a for a in abbreviations() if len(a) > 1)

#: Zone abbreviations a header may write after its time ("2020-03-11 20:40:43 CET"), as a
#: regex alternation for the header patterns' ``z`` group; offsets are read as well, with
#: the abbreviation a program may write after one or after Z ("+0100 CET", as Go prints a
#: time; "Z UTC"), and an abbreviation in parentheses ("10:15:01 (CET)"). Every layout's
#: regex holds it, so the names are written in it once: an offset with a name after it is
#: tried before the offset alone, and parentheses are taken around a name by a look ahead
#: for the closing one and a look behind for the opening one, not around a copy of them.
ZONE_PATTERN = (
    # Every zone begins so; the look ahead turns the rest away at once on most lines.
    r"(?=[(A-Z]|[+-]\d)"
    r"(?:\((?=[A-Za-z]{2,6}\)))?+"
    r"(?:(?:GMT|UTC)[+-]\d\d?(?::?\d\d)?(?!\d)|"
    + _AREA
    + r"/[A-Za-z_]++(?:/[A-Za-z_]++)?+|(?:(?:Z|[+-]\d\d(?::?\d\d)?) )?"
    + _ABBREVIATIONS
    + r"|Z|[+-]\d\d(?::?\d\d)?)(?:(?:"
    + "|".join(rf"(?<=\([A-Za-z]{{{n}}})" for n in range(2, 7))
    + r")\))?+(?![A-Za-z])"
)


# Time groups that give a line a date, or an instant, of its own.
_DATED = frozenset({"Y", "y", "m", "b", "d", "epoch", "tai"})


def clock_only(names: Iterable[str]) -> bool:
    """Whether a layout whose time groups are ``names`` writes the time of day alone (no
    date, no Unix time): its lines' day follows from the lines before them."""
    found = set(names)
    return "H" in found and not found & _DATED


def today() -> date:
    """Today's date in UTC (a function, so that tests can set the day)."""
    return datetime.now(UTC).date()


def file_day(path: str | Path) -> date | None:
    """The UTC date a file was last written: the day given to lines that write the time
    of day alone (a trace ends when its file was last written). None for a stream."""
    try:
        return datetime.fromtimestamp(os.stat(path).st_mtime, UTC).date()
    except (OSError, ValueError, OverflowError):
        return None


@functools.lru_cache(maxsize=256)
def written_zone(text: str, hint: str | None = None) -> tuple[tzinfo, bool] | None:
    """The zone a line writes (an offset, ``Z`` or an abbreviation such as CEST), and whether
    it is in doubt: an abbreviation with other meanings (IST, CST) is read as the one of the
    zone ``hint`` (the --tz given: IST with Europe/Dublin is Irish), and then is not; else
    as the most common one, which is."""
    if text[:1] == "(":
        text = text[1:-1]  # an abbreviation in parentheses
    if text[:3] in ("GMT", "UTC") and text[3:4] in ("+", "-"):
        text = text[3:]  # an offset spelt after the name of UTC ("GMT-0800")
    if text[:1] in "Z+-":
        return _offset(text.split(" ", 1)[0]), False  # the offset, not a name after it
    if "/" in text:  # a zone name of the tz database
        return (user_zone(text), False) if is_iana_name(text) else None
    found = parse_zone(text)
    if found is None or not found.meanings or found.meanings[0].offset is None:
        return None
    if found.ambiguous and hint is not None and is_iana_name(hint):
        meaning = found.choose(region_hint=hint)
        own = region_offsets(hint)
        if meaning.offset is not None and (meaning.region == hint or meaning.offset in own):
            return timezone(meaning.offset), False
    return timezone(found.meanings[0].offset), found.ambiguous


def _hours(hour: str, meridiem: str | None) -> int:
    """The hour of a day's 24 that a clock's hour and its AM or PM make."""
    hours = int(hour)
    half = (meridiem or "").lower()
    if half.startswith("p") and hours < 12:
        return hours + 12
    if half.startswith("a") and hours == 12:
        return 0
    return hours


def seconds_of_day(parts: dict[str, str | None]) -> int:
    """How far into its day a line's time parts are, in seconds (0 without an hour)."""
    hour = parts.get("H")
    if not hour:
        return 0
    minutes = int(parts.get("M") or 0) * 60 + int(parts.get("S") or 0)
    return _hours(hour, parts.get("p")) * 3600 + minutes


def _month(text: str | None) -> int:
    return MONTH_NAMES.get((text or "").lower().rstrip("."), 0)


def _epoch(digits: str) -> tuple[int, int]:
    """Seconds and microseconds of a Unix time written in seconds, milliseconds,
    microseconds or nanoseconds (told apart by the number of digits)."""
    value = int(digits)
    if len(digits) >= 18:
        seconds, rest = divmod(value, 10**9)
        return seconds, rest // 1000
    if len(digits) >= 15:
        return divmod(value, 10**6)
    if len(digits) >= 12:
        seconds, rest = divmod(value, 1000)
        return seconds, rest * 1000
    return value, 0


def _nearest_year(written: date, month: int, day_of_month: int) -> int:
    """The year that puts a month and day nearest a date the file wrote: a line of
    December 31 beside a dated line of January 1 is of the year before it."""

    def distance(year: int) -> int:
        try:
            return abs((date(year, month, day_of_month) - written).days)
        except ValueError:  # February 29 in another year, or a day no month has
            return abs((date(year, month, 28) - written).days)

    return min((written.year - 1, written.year, written.year + 1), key=distance)


# TAI64N labels count from 2^62 and run ahead of UTC by the 10 s of 1972 plus leap seconds;
# daemontools' tools take them as 10 s ahead, and so do we.
_TAI_BASE = 2**62 + 10


class TimeResolver:
    """Resolve the time parts of one file's lines, in order, following year rollovers.

    One resolver per file: it remembers the last month seen to notice a new year. ``day``
    is the day the file was last written (today's date when not given). A line that writes
    the time of day alone (``strace -tt``) is put on ``dated`` (a date the file wrote at its
    start, or the day its first line is on, `learn.first_date`), else on ``day``; a day
    later each time the time of day goes back past midnight (`ROLLOVER_SECONDS`); and it
    says so (`date_assumed`). A line without a year takes,
    when the file wrote a date (``dated``), the year that puts it nearest that date, else
    the year the file was last written in; it says so (`year_assumed`).
    """

    def __init__(
        self,
        tz: str | None = None,
        year: int | None = DEFAULT_YEAR,
        day: date | None = None,
        dated: date | None = None,
    ) -> None:
        self.zone = zone(tz)
        self.zone_given = tz is not None
        self.tz = tz
        self.day = day or today()
        # The last day the file's lines may be on: the day it was last written, or today
        # (a file stamped with a day to come was written by a clock ahead). A yearless
        # stamp is in its year, unless its day comes after it (`_yearless`).
        self._written_by = min(self.day, today())
        self.year = year if year is not None else self._written_by.year
        # The date a time of day alone is put on: one a line of the file wrote before it (a
        # banner's, `learn.written_date`), else the day the file was last written.
        self.dated = dated or self.day
        self._written = dated is not None
        #: True once a yearless timestamp was given an assumed year for want of ``year``.
        self.year_assumed = False
        #: True once a line writing only the time of day was put on ``day``.
        self.date_assumed = False
        self._year_given = year is not None
        self._last_month = 0
        #: The month of the first yearless line since `restore` (None before one is seen).
        self.first_month: int | None = None
        self._restored = 0
        self._cache: dict[tuple[str | None, ...], datetime] = {}
        #: Days a time of day alone went back past midnight since ``dated``.
        self.days = 0
        # The last time of day alone, in seconds (-1: none yet; -2: none since
        # `restore_clock`, which `_restored_clock` then stands for).
        self._clock = -1
        self._restored_clock = -1
        #: The first time of day alone since `restore_clock`, in seconds (None before one).
        self.first_clock: int | None = None
        #: Lines whose time parts make no instant (see `resolve`).
        self.unreadable = 0

    def zone_source(self, parts: dict[str, str | None] | None) -> ZoneSource | None:
        """Where the zone of a line's instant came from: the line (an offset, a zone name,
        a Unix time), the caller's ``tz``, or the UTC assumed for want of either."""
        if not parts:
            return None
        if parts.get("epoch") or parts.get("tai") or parts.get("z"):
            return ZoneSource.EXPLICIT
        return ZoneSource.OPTION if self.zone_given else ZoneSource.ASSUMED

    def zone_ambiguous(self, parts: dict[str, str | None] | None) -> bool:
        """Whether a line's zone is an abbreviation with other meanings (IST, CST) that the
        --tz given does not settle, read as its most common one (`written_zone`): the
        line's instant is then a reading of it, and the line says so."""
        if not parts or parts.get("epoch") or parts.get("tai"):
            return False
        written = parts.get("z")
        found = written_zone(written, self.tz) if written else None
        return found is not None and found[1]

    @staticmethod
    def assumes_date(parts: dict[str, str | None] | None) -> bool:
        """Whether a line's date is not its own for certain: a time of day alone, put on
        `day`, or a date whose day and month are in an order no line of its layout showed
        (the layout's empty group "o", `learn._slash_order`)."""
        if not parts or not parts.get("H") or parts.get("epoch") or parts.get("tai"):
            return False
        if parts.get("o") is not None:
            return True
        return clock_only(name for name, value in parts.items() if value)

    def resolve(self, parts: dict[str, str | None] | None) -> datetime | None:
        """The UTC instant for one line's time parts, or None when the line states no time
        or one no instant can be: a year 0 or past 9999, an offset of a day or more, a
        Unix time out of range. Such a line is kept without a time, never the end of a run
        (`unreadable` counts them)."""
        if not parts:
            return None
        try:
            return self._resolve(parts)
        except (ValueError, OverflowError, OSError):
            self.unreadable += 1
            return None

    def _resolve(self, parts: dict[str, str | None]) -> datetime | None:
        frac = parts.get("f")
        micro = int((frac + "00000")[:6]) if frac else 0
        tai = parts.get("tai")
        if tai is not None:
            seconds = int(tai[:16], 16) - _TAI_BASE
            nanos = int(tai[16:24] or "0", 16)
            return datetime.fromtimestamp(seconds, UTC).replace(microsecond=nanos // 1000)
        epoch = parts.get("epoch")
        if epoch is not None:
            seconds, extra = _epoch(epoch)
            return datetime.fromtimestamp(seconds, UTC).replace(microsecond=extra or micro)
        hour = parts.get("H")
        if hour is None:
            return None
        hours = _hours(hour, parts.get("p"))
        month_text = parts.get("m")
        month = int(month_text) if month_text else _month(parts.get("b"))
        year_text = parts.get("Y")
        if not month and parts.get("d") is None and not year_text:
            # The time of day alone: the day is assumed.
            self.date_assumed = True
            # A time no day has (25:61) raises here, before it could move the day on.
            time(hours, int(parts.get("M") or 0), int(parts.get("S") or 0))
            on = self._clock_day(seconds_of_day(parts))
            year, month, day_of_month = on.year, on.month, on.day
        else:
            day_of_month = int(parts.get("d") or 0)
            if year_text:
                year = int(year_text)
            elif parts.get("y"):
                two = int(parts["y"] or 0)
                # Two-digit years: 00-68 are this century, as POSIX strptime reads them.
                year = 2000 + two if two < 69 else 1900 + two
            else:
                year = self._yearless(month, day_of_month)
        offset = parts.get("z")
        key = (
            str(year),
            str(month),
            str(day_of_month),
            str(hours),
            parts.get("M"),
            parts.get("S"),
            offset,
        )
        base = self._cache.get(key)
        if base is None:
            local = datetime(
                year,
                month,
                day_of_month,
                hours,
                int(parts.get("M") or 0),
                int(parts.get("S") or 0),
            )
            written = written_zone(offset, self.tz) if offset else None
            if offset and written is None:  # a zone name the tz database does not have
                raise ValueError(f"unknown zone {offset}")
            local = local.replace(tzinfo=written[0] if written else self.zone)
            base = local.astimezone(UTC)
            if len(self._cache) >= _CACHE_SIZE:
                self._cache.clear()
            self._cache[key] = base
        return base.replace(microsecond=micro) if micro else base

    def restore(self, year: int, last_month: int) -> None:
        """Continue from the state another resolver reached (the lines before a chunk).

        Until the next yearless line, the last month reads as -1, which no cache of it
        (see `jsonl`) holds: that line is resolved for certain, and its month is kept in
        `first_month`, which is all a chunk's years depend on.
        """
        self.year, self._restored, self._last_month = year, last_month, -1
        self.first_month = None

    def restore_clock(self, days: int, clock: int) -> None:
        """Continue from the days and last time of day another resolver reached (the lines
        before a chunk), as `restore` does for years: until the next time of day alone,
        the last reads as none, and that line's is kept in `first_clock`."""
        self.days, self._restored_clock, self._clock = days, clock, -2
        self.first_clock = None

    @property
    def last_clock(self) -> int:
        """The last time of day alone in seconds (-1 before any), as `restore_clock` takes
        it."""
        return self._restored_clock if self._clock == -2 else self._clock

    def _clock_day(self, clock: int) -> date:
        """The day of a line that writes the time of day alone, ``clock`` seconds into it."""
        last = self._clock
        if last == -2:
            last, self.first_clock = self._restored_clock, clock
        if last - clock > ROLLOVER_SECONDS:
            self.days += 1
        self._clock = clock
        return self.dated + timedelta(days=self.days) if self.days else self.dated

    def _yearless(self, month: int, day_of_month: int) -> int:
        last = self._last_month
        if last < 0:
            last, self.first_month = self._restored, month
        if not self._year_given:
            self.year_assumed = True
            # The first yearless line of a file is in the year the file was last written,
            # unless its day comes after that day: a log last written in March that
            # starts on "Dec 10" is from the December before, not nine months ahead
            # (syslog readers do the same). A file copied with its times kept, from a
            # year before, keeps that year.
            if last == 0 and self._written:
                self.year = _nearest_year(self.dated, month, day_of_month)
            elif last == 0 and (month, day_of_month) > self._latest():
                self.year = self._written_by.year - 1
        if last - month >= ROLLOVER_MONTHS:
            self.year += 1
        self._last_month = month
        return self.year

    def _latest(self) -> tuple[int, int]:
        """The last month and day a yearless line of the year the file was last written
        may be on: the day after (a zone ahead of UTC)."""
        latest = self._written_by + timedelta(days=1)
        if latest.year != self._written_by.year:
            return (12, 31)
        return latest.month, latest.day

    @property
    def last_month(self) -> int:
        """The month of the last yearless line (0 before any), as `restore` takes it."""
        return self._restored if self._last_month < 0 else self._last_month
