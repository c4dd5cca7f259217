"""Metric text formats of one sample (or one point) a line: the Prometheus/OpenMetrics text
exposition with timestamps, and InfluxDB's line protocol."""

from __future__ import annotations

import re
from collections.abc import Iterator

from retroline.metrics.samples import Samples, epoch_seconds, number, parse_labels, suffix_unit
from retroline.sources import ZoneSource

__all__ = ["read_exposition", "read_influx"]

_NAME = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
_META = re.compile(r"^#\s+(HELP|TYPE|UNIT)\s+(\S+)(?:\s+(.*))?$")
# Suffixes of the samples of one metric family (a histogram's _bucket, a counter's _total).
_FAMILY_SUFFIXES = ("_total", "_sum", "_bucket", "_gsum", "_created")


def read_exposition(lines: Iterator[tuple[int, str]], samples: Samples) -> None:
    """Read ``name{labels} value timestamp`` lines into ``samples``.

    Timestamps are told apart by magnitude (`epoch_seconds`): the Prometheus text format
    writes integer milliseconds (1709287200000), OpenMetrics seconds with decimals
    (1709287200.5), and no time after 1973 can be read as the other. So the ``# EOF`` that
    marks OpenMetrics, at the end, is not needed to read the start, and the file streams.
    A sample without a timestamp (a live scrape) has no time and is an error. The unit is
    the family's ``# UNIT``, else the one its name ends with (``_bytes``, ``_seconds``).
    """
    units: dict[str, str] = {}
    for number_, text in lines:
        line = text.strip()
        if not line:
            continue
        if line.startswith("#"):
            meta = _META.match(line)
            if meta is not None and meta[1] == "UNIT" and meta[3]:
                units[meta[2]] = meta[3].strip()
            continue
        name, labels, value, stamp = _sample(line, samples, number_)
        unit = units.get(name) or units.get(_family(name)) or suffix_unit(name)
        samples.add(name, labels, stamp, value, number_, ZoneSource.EXPLICIT, unit)


def _family(name: str) -> str:
    for suffix in _FAMILY_SUFFIXES:
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _sample(line: str, samples: Samples, at: int) -> tuple[str, dict[str, str], float, float]:
    found = _NAME.match(line)
    if found is None:
        raise samples.error("not a sample line: expected name{labels} value timestamp", at)
    name, end = found[0], found.end()
    labels: dict[str, str] = {}
    if line[end : end + 1] == "{":
        labels, end = parse_labels(line, end, (samples.path, at))
    rest = line[end:].split("#", 1)[0].split()  # after "#": an exemplar
    if len(rest) < 2:
        if len(rest) == 1:
            raise samples.error(
                f"{name} has no timestamp (a live scrape): a metric file needs the time of "
                "each sample",
                at,
            )
        raise samples.error(f"{name} has no value", at)
    value, stamp = number(rest[0]), number(rest[1])
    if value is None or stamp is None or stamp != stamp or len(rest) > 2:
        raise samples.error(f"expected {name} value timestamp, found {line[:80]!r}", at)
    return name, labels, value, epoch_seconds(stamp)


def read_influx(lines: Iterator[tuple[int, str]], samples: Samples) -> None:
    """Read InfluxDB line protocol into ``samples``: ``measurement,tag=v field=1.5,n=2i ts``.

    Each numeric field is a series ``measurement_field`` with the tags as labels; string and
    boolean fields are no series and are left out. Timestamps are nanoseconds by default;
    files written with another precision are told apart by magnitude (`epoch_seconds`). A
    point without a timestamp got its time from the server that took it, so it has none
    here and is an error.
    """
    for number_, text in lines:
        line = text.strip()
        if not line or line.startswith("#"):
            continue
        measurement, tags, fields, stamp = _point(line, samples, number_)
        for key, raw in fields:
            if raw.startswith('"') or raw.lower() in _BOOLEANS:
                continue
            value = number(raw[:-1] if raw[-1:] in ("i", "u") else raw) if raw else None
            if value is None:
                raise samples.error(
                    f"the field {key}={raw[:40]} is no number, string or boolean", number_
                )
            samples.add(f"{measurement}_{key}", tags, stamp, value, number_)


_BOOLEANS = frozenset({"t", "true", "f", "false"})


_UNESCAPE = re.compile(r"\\(.)")


def _unescape(text: str) -> str:
    return _UNESCAPE.sub(r"\1", text) if "\\" in text else text


def _cut(text: str, separator: str) -> list[str]:
    """``text`` cut at each ``separator`` that is neither escaped nor inside a quoted
    string (escapes are kept for the parts to read)."""
    if "\\" not in text and '"' not in text:
        return text.split(separator)
    parts, start, quoted, at = [], 0, False, 0
    while at < len(text):
        char = text[at]
        if char == "\\":
            at += 2
            continue
        if char == '"':
            quoted = not quoted
        elif char == separator and not quoted:
            parts.append(text[start:at])
            start = at + 1
        at += 1
    parts.append(text[start:])
    return parts


def _pair(text: str, samples: Samples, at: int) -> tuple[str, str]:
    parts = _cut(text, "=")
    if len(parts) < 2 or not parts[0]:
        raise samples.error(f"{text[:60]!r} is no key=value pair", at)
    return _unescape(parts[0]), "=".join(parts[1:])


def _point(
    line: str, samples: Samples, at: int
) -> tuple[str, list[tuple[str, str]], list[tuple[str, str]], float]:
    sections = [s for s in _cut(line, " ") if s]
    if len(sections) != 3:
        if len(sections) == 2:
            raise samples.error(
                "a point without a timestamp: its time was the server's, and is not here", at
            )
        raise samples.error("expected measurement,tags fields timestamp", at)
    key, fields, stamp = sections
    head = _cut(key, ",")
    measurement = _unescape(head[0])
    tags = [(name, _unescape(value)) for name, value in (_pair(t, samples, at) for t in head[1:])]
    pairs = [_pair(f, samples, at) for f in _cut(fields, ",")]
    when = number(stamp)
    if when is None or when != when:
        raise samples.error(f"{stamp!r} is not a timestamp", at)
    return measurement, tags, pairs, epoch_seconds(when)
