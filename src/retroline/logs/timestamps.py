"""Turn the time parts a header pattern captured into an instant in UTC.

Logs rarely say everything: most state no zone, syslog states no year, HDFS and Spark write
two-digit years. The rules, in order: an explicit offset or a Unix time wins; otherwise the
zone given by the caller (an IANA name, UTC by default) is applied; a missing year is the
caller's ``year``, advanced by one each time the months wrap from late in a year to early in
the next (a December-to-January rollover inside one file).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from retroline.errors import UsageError

__all__ = ["DEFAULT_YEAR", "ROLLOVER_MONTHS", "TimeResolver", "zone"]

#: The year given to yearless timestamps when the caller states none. It is the current UTC
#: year (the year before, when a file starts in a month still to come), and every line that
#: used it says so (`TimeResolver.year_assumed`), so that a timeline can show the
#: assumption rather than hide it.
DEFAULT_YEAR: int | None = None

_MONTHS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}

# A month drop at least this large between consecutive lines is a new year, not disorder:
# December to January is a drop of 11, while concatenated or shuffled logs jump by a few.
ROLLOVER_MONTHS = 6

# Resolved instants kept per resolver, keyed by the time text up to the second.
_CACHE_SIZE = 4096


def zone(name: str | None) -> tzinfo:
    """The zone for an IANA name (None means UTC), or `UsageError` naming the bad value."""
    if name is None or name.upper() in ("UTC", "Z", "GMT"):
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(
            f"unknown time zone {name!r}: give an IANA name such as Europe/Zurich or UTC"
        ) from exc


def _offset(text: str) -> tzinfo:
    if text == "Z":
        return UTC
    sign = -1 if text[0] == "-" else 1
    digits = text[1:].replace(":", "")
    minutes = int(digits[:2]) * 60 + (int(digits[2:4]) if len(digits) > 2 else 0)
    return timezone(sign * timedelta(minutes=minutes))


class TimeResolver:
    """Resolve the time parts of one file's lines, in order, following year rollovers.

    One resolver per file: it remembers the last month seen to notice a new year.
    """

    def __init__(self, tz: str | None = None, year: int | None = DEFAULT_YEAR) -> None:
        self.zone = zone(tz)
        self.year = year if year is not None else datetime.now(UTC).year
        #: True once a yearless timestamp was given the current year for want of ``year``.
        self.year_assumed = False
        self._year_given = year is not None
        self._last_month = 0
        #: The month of the first yearless line since `restore` (None before one is seen).
        self.first_month: int | None = None
        self._restored = 0
        self._cache: dict[tuple[str | None, ...], datetime] = {}

    def resolve(self, parts: dict[str, str | None] | None) -> datetime | None:
        """The UTC instant for one line's time parts, or None when the line states no time."""
        if not parts:
            return None
        epoch = parts.get("epoch")
        frac = parts.get("f")
        micro = int((frac + "00000")[:6]) if frac else 0
        if epoch is not None:
            seconds = int(epoch)
            if seconds > 10**11:  # milliseconds since the epoch
                seconds, rest = divmod(seconds, 1000)
                micro = rest * 1000
            return datetime.fromtimestamp(seconds, UTC).replace(microsecond=micro)
        hour = parts.get("H")
        if hour is None:
            return None
        month_text = parts.get("m")
        month = int(month_text) if month_text else _MONTHS.get((parts.get("b") or "").lower(), 0)
        year_text = parts.get("Y")
        if year_text:
            year = int(year_text)
        elif parts.get("y"):
            two = int(parts["y"] or 0)
            # Two-digit years: 00-68 are this century, as POSIX strptime reads them.
            year = 2000 + two if two < 69 else 1900 + two
        else:
            year = self._yearless(month)
        key = (
            str(year),
            month_text or parts.get("b"),
            parts.get("d"),
            hour,
            parts.get("M"),
            parts.get("S"),
            parts.get("z"),
        )
        base = self._cache.get(key)
        if base is None:
            try:
                local = datetime(
                    year,
                    month,
                    int(parts["d"] or 0),
                    int(hour),
                    int(parts["M"] or 0),
                    int(parts["S"] or 0),
                )
            except ValueError:
                return None
            offset = parts.get("z")
            local = local.replace(tzinfo=_offset(offset) if offset else self.zone)
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

    def _yearless(self, month: int) -> int:
        last = self._last_month
        if last < 0:
            last, self.first_month = self._restored, month
        if not self._year_given:
            self.year_assumed = True
            # The first yearless line of a file, in a month still to come this year, was
            # written last year: a log read in March that starts on "Dec 10" is from
            # December before, not nine months ahead (syslog readers do the same).
            if last == 0 and month > datetime.now(UTC).month:
                self.year = datetime.now(UTC).year - 1
        if last - month >= ROLLOVER_MONTHS:
            self.year += 1
        self._last_month = month
        return self.year

    @property
    def last_month(self) -> int:
        """The month of the last yearless line (0 before any), as `restore` takes it."""
        return self._restored if self._last_month < 0 else self._last_month
