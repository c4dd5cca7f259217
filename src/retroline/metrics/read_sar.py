"""sysstat's reports: ``sadf -d`` (semicolon-separated, times in UTC) and plain ``sar`` text.

Plain ``sar`` writes a banner (``Linux 5.15.0 (web1)  03/01/2024  _x86_64_  (2 CPU)``),
then blocks: a header row naming the columns, rows of a time of day (``10:10:01`` or
``10:10:01 AM``) and values, an ``Average:`` row. Its times are local wall-clock times on
the banner's date: read in ``--tz``, else UTC (ASSUMED); a time earlier than the row before
it in a block is on the next day (the report crossed midnight). Columns named in capitals
(``CPU``, ``IFACE``, ``DEV``) are labels of the row (``CPU`` ``-1`` in ``sadf`` is
``all``), the others series named by the column (``%user``), with ``host`` from the
banner as a label.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator

from retroline.metrics.samples import Samples, number
from retroline.sources import ZoneSource

__all__ = ["read_sadf", "read_sar"]

_BANNER = re.compile(r"^\S+ \S+ \((?P<host>[^)]*)\)\s+(?P<date>\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4})\b")
_TIME = re.compile(r"^(\d{1,2}):(\d\d):(\d\d)$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")


def _unit(column: str) -> str | None:
    """The unit sysstat's column names state (``%user``, ``rxkB/s``, ``kbmemfree``)."""
    if column.startswith("%"):
        return "%"
    if column.endswith("kB/s"):
        return "kB/s"
    if column.endswith("/s"):
        return "/s"
    if column.startswith("kb"):
        return "kB"
    if column.startswith("MB"):
        return "MB"
    return {"degC": "°C", "MHz": "MHz", "rpm": "rpm", "drpm": "rpm"}.get(column)


def _is_label(column: str) -> bool:
    return column.isupper()


def _banner_date(text: str, samples: Samples, at: int) -> dt.date:
    """The date of a banner: ISO (2024-03-01); DD.MM.YYYY; else MM/DD/YYYY as the default
    (C and US English) locale writes it, DD/MM/YYYY when the first number cannot be a
    month. Two-digit years are 20xx."""
    cells = re.split(r"[/.-]", text)
    parts = [int(p) for p in cells]
    if len(cells[0]) == 4:
        year, month, day = parts
    elif "." in text or parts[0] > 12:
        day, month, year = parts
    else:
        month, day, year = parts
    if len(cells[0 if len(cells[0]) == 4 else 2]) <= 2:  # 24 is 2024; 0024 is the year 24
        year += 2000
    try:
        return dt.date(year, month, day)
    except ValueError as exc:
        raise samples.error(f"the banner's date {text!r} is no date", at) from exc


def _value(cell: str, column: str, samples: Samples, at: int) -> float:
    if _DECIMAL_COMMA.match(cell):  # a locale that writes decimal commas
        cell = cell.replace(",", ".")
    found = number(cell)
    if found is None:
        raise samples.error(f"{cell!r} in column {column!r} is not a number", at)
    return found


def read_sar(lines: Iterator[tuple[int, str]], samples: Samples) -> None:
    """Read plain ``sar`` text into ``samples`` (see the module)."""
    day: dt.date | None = None
    host: str | None = None
    header: list[str] | None = None
    previous, offset, summary = -1, 0, False
    clock = samples.clock
    for at, text in lines:
        tokens = text.split()
        if not tokens:
            continue
        banner = _BANNER.match(text.strip())
        if banner is not None:
            day, host = _banner_date(banner["date"], samples, at), banner["host"]
            header, previous, offset, summary = None, -1, 0, False
            continue
        found = _TIME.match(tokens[0])
        if found is None:
            if tokens[0].endswith(":") or tokens[1:2] == [":"]:
                summary = True  # "Average:" and the like: a block's summary, no sample
                continue
            raise samples.error("expected a sar row starting with a time of day", at)
        hours, minutes, seconds = (int(g) for g in found.groups())
        rest = tokens[1:]
        if rest[:1] and rest[0].upper() in ("AM", "PM"):
            hours = hours % 12 + (12 if rest[0].upper() == "PM" else 0)
            rest = rest[1:]
        now = hours * 3600 + minutes * 60 + seconds
        if rest[:2] == ["LINUX", "RESTART"]:
            continue
        if day is None:
            raise samples.error("a sar row before the banner that gives the date", at)
        if all(number(cell) is None for cell in rest):
            if header is None or summary:  # a new block: on the banner's date again
                offset, previous, summary = 0, now, False
            header = rest  # else the header after a restart, in the same block
        elif header is None:
            raise samples.error("a sar row before the header row naming its columns", at)
        if now < previous:
            offset += 1
        previous = now
        if rest is header:
            continue
        if len(rest) != len(header):
            raise samples.error(f"a row of {len(rest)} columns under a header of {len(header)}", at)
        try:
            local = dt.datetime.combine(day, dt.time()) + dt.timedelta(days=offset, seconds=now)
        except OverflowError as exc:  # a report crossing midnight on 31 December 9999
            raise samples.error("a sar row past the year 9999", at) from exc
        stamp = clock.local(local)
        labels = [(c.lower(), v) for c, v in zip(header, rest, strict=True) if _is_label(c)]
        if host:
            labels.append(("host", host))
        for column, cell in zip(header, rest, strict=True):
            if not _is_label(column):
                value = _value(cell, column, samples, at)
                samples.add(column, labels, stamp, value, at, clock.naive, _unit(column))


def read_sadf(lines: Iterator[tuple[int, str]], samples: Samples) -> None:
    """Read ``sadf -d`` output into ``samples``: ``# hostname;interval;timestamp;...``
    headers (one per activity) and rows ``host;600;2024-03-01 10:10:01 UTC;...``. The
    ``UTC`` makes the times explicit; ``sadf -d -t`` writes local times without it."""
    header: list[str] | None = None
    for at, text in lines:
        line = text.strip()
        if not line:
            continue
        if line.startswith("#"):
            header = [cell.strip() for cell in line.lstrip("#").split(";")]
            continue
        cells = line.split(";")
        columns = header or ["hostname", "interval", "timestamp"] + [
            f"column{i + 1}" for i in range(3, len(cells))
        ]
        if len(cells) != len(columns):
            raise samples.error(
                f"a row of {len(cells)} fields under a header of {len(columns)}", at
            )
        labels: list[tuple[str, str]] = []
        stamp, zone_source = None, ZoneSource.EXPLICIT
        values: list[tuple[str, str]] = []
        for column, cell in zip(columns, cells, strict=True):
            if column == "hostname":
                labels.append(("host", cell))
            elif column == "timestamp":
                stamp, zone_source = samples.time(cell, at)
            elif column == "interval":
                continue
            elif _is_label(column):
                labels.append((column.lower(), "all" if cell == "-1" else cell))
            else:
                values.append((column, cell))
        if stamp is None:
            raise samples.error("a header without a timestamp column", at)
        for column, cell in values:
            value = _value(cell, column, samples, at)
            samples.add(column, labels, stamp, value, at, zone_source, _unit(column))
