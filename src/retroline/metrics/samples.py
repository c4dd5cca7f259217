"""What every metric reader shares: times to UTC seconds, cells to floats, units and labels
read off names, and the `Samples` that collect samples into `Series`.

Readers stream: a sample costs three machine words in `array` buffers (time, value, line)
until the series are built, never a Python object per sample.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from retroline.errors import ParseError
from retroline.metrics.series import Series, SeriesSource
from retroline.sources import ZoneSource
from retroline.when.zones import user_zone

__all__ = [
    "NAN",
    "Clock",
    "Samples",
    "epoch_seconds",
    "number",
    "parse_labels",
    "split_bracket",
    "split_name",
    "split_unit",
    "suffix_unit",
]

NAN = math.nan

# The instants a time can be (datetime's years 1 to 9999), in UTC seconds: a time outside
# them (an epoch of 1e20, a year 0 shifted by its offset) is no instant to report.
_FIRST_SECOND = dt.datetime(1, 1, 1, tzinfo=dt.UTC).timestamp()
_LAST_SECOND = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC).timestamp()

# Cells that mean "no value here": a gap, kept as NaN.
_MISSING = frozenset({"", "nan", "null", "none", "na", "n/a", "-", "undefined"})

# How weak a zone source is: a series read with mixed sources reports the weakest.
_WEAKNESS = {
    ZoneSource.EXPLICIT: 0,
    ZoneSource.DOCUMENT: 1,
    ZoneSource.CONTEXT: 1,
    ZoneSource.OPTION: 2,
    ZoneSource.ASSUMED: 3,
}

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_SLASH_DATE = re.compile(r"^\d{4}/\d\d/\d\d")


def epoch_seconds(value: float) -> float:
    """Seconds since the epoch of a Unix time written in seconds, milliseconds,
    microseconds or nanoseconds, told apart by magnitude: 1e11 seconds is the year 5138
    and 1e11 milliseconds is March 1973, so no real time of one unit looks like another."""
    size = abs(value)
    if size < 1e11:
        return value
    if size < 1e14:
        return value / 1e3
    if size < 1e17:
        return value / 1e6
    return value / 1e9


def number(text: str) -> float | None:
    """A cell as a float: NaN for an empty or missing-value cell ("null", "NaN", "-"),
    +-inf for "+Inf", None when the text is no number at all."""
    cell = text.strip()
    if cell.lower() in _MISSING:
        return NAN
    if "_" in cell:  # float() reads "1_000"; no metric file means that
        return None
    try:
        return float(cell)
    except ValueError:
        return None


class Clock:
    """Turns the times a metric file writes into UTC seconds, and says where their zone
    came from: an offset or an epoch number is explicit; a wall-clock time is read in the
    ``--tz`` zone (OPTION) or, when none is given, in UTC (ASSUMED); ``stated`` when the
    file names the zone for all its times (DOCUMENT)."""

    def __init__(self, tz: str | None = None, *, stated: bool = False) -> None:
        self.tz = tz
        self.zone: dt.tzinfo = user_zone(tz) if tz else dt.UTC
        self.naive = ZoneSource.OPTION if tz else ZoneSource.ASSUMED
        if stated:  # the file itself names the zone, as a "time (UTC)" column does
            self.naive = ZoneSource.DOCUMENT
        self._cache: dict[str, tuple[float, ZoneSource] | None] = {}

    def local(self, naive: dt.datetime) -> float:
        """UTC seconds of a wall-clock time read in the file's zone."""
        return naive.replace(tzinfo=self.zone).timestamp()

    def parse(self, text: str) -> tuple[float, ZoneSource] | None:
        """UTC seconds of a time cell (ISO 8601 with or without an offset, "... UTC", a
        Unix time in s/ms/us/ns), with its zone source; None when it is no time."""
        found = self._cache.get(text)
        if found is None and text not in self._cache:
            found = self._parse(text.strip())
            if len(self._cache) > 4096:  # bounded: most files repeat few distinct times
                self._cache.clear()
            self._cache[text] = found
        return found

    def _parse(self, text: str) -> tuple[float, ZoneSource] | None:
        if not text:
            return None
        if _NUMBER.fullmatch(text):
            if len(text) == 8 and text.isdigit():  # 20240301: a basic ISO date
                return self._iso(text)
            return epoch_seconds(float(text)), ZoneSource.EXPLICIT
        return self._iso(text)

    def _iso(self, text: str) -> tuple[float, ZoneSource] | None:
        if text.endswith(("UTC", "GMT")):  # not \s*UTC$ searched: slow on a run of spaces
            head = text[:-3].rstrip()
            if head:
                text = head + "+00:00"
        if _SLASH_DATE.match(text):
            text = text[:10].replace("/", "-") + text[10:]
        try:
            at = dt.datetime.fromisoformat(text)
        except ValueError:
            return None
        if at.tzinfo is not None:
            return at.timestamp(), ZoneSource.EXPLICIT
        return self.local(at), self.naive


_LABEL = re.compile(r'\s*([A-Za-z_][A-Za-z0-9_.:-]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?')
_ESCAPES = {"\\\\": "\\", '\\"': '"', "\\n": "\n"}
_ESCAPE = re.compile(r"\\[\\\"n]")


def parse_labels(text: str, start: int, where: tuple[Path, int]) -> tuple[dict[str, str], int]:
    """The labels of ``{key="value",...}`` starting at ``text[start]`` (the brace), and the
    index after the closing brace; escapes (``\\\\ \\" \\n``) are read. ``where`` is the
    file and line a broken label set is reported at."""
    labels: dict[str, str] = {}
    at = start + 1
    while True:
        while at < len(text) and text[at] in " \t,":
            at += 1
        if at < len(text) and text[at] == "}":
            return labels, at + 1
        found = _LABEL.match(text, at)
        if found is None:
            raise ParseError(
                f'a broken label set at column {at + 1}: labels are written {{key="value",...}}',
                where[0],
                where[1],
            )
        labels[found[1]] = _ESCAPE.sub(lambda m: _ESCAPES[m[0]], found[2])
        at = found.end()


# Matched on stripped text: a \s* before the optional name would try every split of a long
# run of spaces between itself and the \s* after it.
_NAMED_SERIES = re.compile(r"^([A-Za-z_:][A-Za-z0-9_:.]*)?\s*\{.*\}$")


def split_name(text: str, where: tuple[Path, int]) -> tuple[str, dict[str, str]]:
    """A series name as Prometheus and Grafana write it, ``name{key="value"}``, as the
    name and its labels; any other text is a name without labels."""
    text = text.strip()
    if not _NAMED_SERIES.match(text):
        return text, {}
    brace = text.index("{")
    try:
        labels, end = parse_labels(text, brace, where)
    except ParseError:
        return text, {}
    if text[end:].strip():
        return text, {}
    return text[:brace].strip() or text, labels


# Units a column header or a name may state. A word outside this list is not taken for a
# unit ("GDP (constant LCU)" is a name), so a unit is only kept where it is clear.
_UNITS = {
    unit.lower(): unit
    for unit in (
        "%",
        "percent",
        "B",
        "bytes",
        "KB",
        "kB",
        "KiB",
        "MB",
        "MiB",
        "GB",
        "GiB",
        "TB",
        "TiB",
        "bits",
        "Kb",
        "Mb",
        "Gb",
        "s",
        "sec",
        "seconds",
        "ms",
        "us",
        "µs",
        "ns",
        "min",
        "minutes",
        "h",
        "hours",
        "req",
        "requests",
        "ops",
        "rps",
        "qps",
        "iops",
        "bps",
        "pps",
        "Hz",
        "MHz",
        "GHz",
        "°C",
        "degC",
        "celsius",
        "W",
        "kW",
        "V",
        "A",
        "rpm",
        "count",
        "errors",
        "packets",
        "pages",
        "blocks",
        "sectors",
        "connections",
    )
}
# Name suffixes that state a unit (Prometheus' own naming rules, and common short forms).
_SUFFIXES = {
    "bytes": "bytes",
    "seconds": "seconds",
    "ms": "ms",
    "millis": "ms",
    "milliseconds": "ms",
    "us": "us",
    "microseconds": "us",
    "ns": "ns",
    "pct": "%",
    "percent": "%",
    "ratio": "ratio",
    "celsius": "celsius",
    "volts": "volts",
    "amperes": "amperes",
    "joules": "joules",
    "grams": "grams",
    "meters": "meters",
    "kb": "kB",
    "mb": "MB",
    "mib": "MiB",
    "gb": "GB",
}
_SUFFIX = re.compile(r"[_.](?P<unit>[A-Za-z]+)(?:_total|_sum|_bucket|_count)?$")


def split_bracket(text: str) -> tuple[str, str] | None:
    """``name (inner)`` or ``name [inner]`` as the name and the inner text, both stripped;
    None when ``text`` does not end in a bracketed part without brackets inside.

    By string search, not a regular expression: ``name\\s*[(]`` tried from every end of
    the name takes time growing with the square of a run of spaces in a header.

    >>> split_bracket("mem (MiB)")
    ('mem', 'MiB')
    """
    text = text.rstrip()
    if not text.endswith((")", "]")):
        return None
    start = max(text.rfind("("), text.rfind("["))
    inner = text[start + 1 : -1]
    if start < 0 or ")" in inner or "]" in inner:
        return None
    return text[:start].strip(), inner.strip()


def _known_unit(text: str) -> str | None:
    """``text`` as a unit when every part of it (``MiB/s``, ``req/s``) is one we know."""
    parts = text.split("/")
    known = [_UNITS.get(part.lower()) for part in parts]
    if not all(known) or not parts[0]:
        return None
    return "/".join(k for k in known if k)


def suffix_unit(name: str) -> str | None:
    """The unit a series name ends with (``latency_ms``, ``node_memory_bytes``), if any."""
    found = _SUFFIX.search(name)
    if found is None or found.group(0).endswith("_count"):
        return None
    return _SUFFIXES.get(found["unit"].lower())


def split_unit(header: str) -> tuple[str, str | None]:
    """A column header as a series name and its unit: ``mem (MiB)`` is ``mem`` in MiB,
    ``latency_ms`` stays ``latency_ms`` in ms; anything unclear has no unit."""
    found = split_bracket(header)
    if found is not None and found[0] and found[1].split() == [found[1]]:
        unit = _known_unit(found[1])
        if unit is not None:
            return found[0], unit
    return header, suffix_unit(header)


@dataclass
class _Column:
    """The samples of one series as they are read."""

    times: array[float] = field(default_factory=lambda: array("d"))
    values: array[float] = field(default_factory=lambda: array("d"))
    lines: array[int] = field(default_factory=lambda: array("q"))
    unit: str | None = None
    zone_source: ZoneSource = ZoneSource.EXPLICIT


class Samples:
    """The series of one file as it is read: samples in, `Series` (sorted by time) out.

    Series are told apart by name and labels, in the order they are first met.
    """

    def __init__(
        self,
        path: Path,
        format: str,
        clock: Clock,
        *,
        query: str | None = None,
        server: str | None = None,
    ) -> None:
        self.path = path
        self.format = format
        self.clock = clock
        self.query = query
        self.server = server
        self._columns: dict[tuple[str, tuple[tuple[str, str], ...]], _Column] = {}

    def error(self, message: str, line: int | None) -> ParseError:
        """A `ParseError` at ``line`` of this file, for the reader to raise."""
        return ParseError(message, self.path, line)

    def time(self, text: str, line: int) -> tuple[float, ZoneSource]:
        """A time cell in UTC seconds, or a `ParseError` at ``line`` saying it is none."""
        found = self.clock.parse(text)
        if found is None:
            shown = text if len(text) <= 40 else text[:37] + "..."
            raise self.error(
                f"{shown!r} is not a time: write ISO 8601 (2024-03-01T10:15:00Z) or a Unix time",
                line,
            )
        return found

    def add(
        self,
        name: str,
        labels: Mapping[str, str] | Iterable[tuple[str, str]],
        time: float,
        value: float,
        line: int,
        zone_source: ZoneSource = ZoneSource.EXPLICIT,
        unit: str | None = None,
    ) -> None:
        """One sample of the series ``name{labels}``; a time outside the years 1 to 9999
        (or NaN) is a `ParseError` at ``line``."""
        if not _FIRST_SECOND <= time <= _LAST_SECOND:
            raise self.error(
                f"a time of {time:.6g} seconds from 1970 is outside the years 1 to 9999: "
                "check the time column, and the unit of its Unix times",
                line,
            )
        items = labels.items() if isinstance(labels, Mapping) else labels
        key = (name, tuple(sorted(items)))
        column = self._columns.get(key)
        if column is None:
            column = self._columns[key] = _Column()
        column.times.append(time)
        column.values.append(value)
        column.lines.append(line)
        if unit is not None and column.unit is None:
            column.unit = unit
        if _WEAKNESS[zone_source] > _WEAKNESS[column.zone_source]:
            column.zone_source = zone_source

    def __len__(self) -> int:
        return sum(len(column.times) for column in self._columns.values())

    def series(self) -> list[Series]:
        """Every series read, samples sorted by time (stable: equal times keep file order)."""
        out = []
        for (name, labels), column in self._columns.items():
            times = np.frombuffer(column.times, dtype=np.float64)
            order = np.argsort(times, kind="stable")
            zone = {
                ZoneSource.OPTION: self.clock.tz,
                ZoneSource.DOCUMENT: self.clock.tz,
                ZoneSource.ASSUMED: "UTC",
            }.get(column.zone_source)
            source = SeriesSource(
                path=str(self.path),
                format=self.format,
                query=self.query,
                server=self.server,
                zone=zone,
                zone_source=column.zone_source,
            )
            out.append(
                Series(
                    name=name,
                    times=times[order],
                    values=np.frombuffer(column.values, dtype=np.float64)[order],
                    lines=np.frombuffer(column.lines, dtype=np.int64)[order],
                    source=source,
                    labels=dict(labels),
                    unit=column.unit,
                )
            )
        return out
