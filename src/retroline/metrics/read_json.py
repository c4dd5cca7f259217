"""Metrics in JSON: the answers of Prometheus' HTTP API and Graphite's render API (whole
documents), and JSON lines (one object per line, streamed).

A JSON parser forgets where a value stood, so the line of each point of a document is found
by scanning the text for the points (``[ts, "v"]``, ``[v, ts]``) in document order, which is
the order the parsed document lists them in; when the two counts differ (a label value that
looks like a point), the points get the line of the document's start.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator, Mapping
from typing import Any

from retroline.metrics.samples import NAN, Samples, epoch_seconds, number
from retroline.sources import ZoneSource

__all__ = ["loads", "read_graphite", "read_jsonl", "read_prometheus"]

_NUM = r"-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?"
_PROMETHEUS_POINT = re.compile(rf'\[\s*{_NUM}\s*,\s*"[^"\\]*"\s*\]')
_GRAPHITE_POINT = re.compile(rf"\[\s*(?:null|{_NUM})\s*,\s*{_NUM}\s*\]")


# Python refuses to make an int of more digits than this (a guard against slow parsing); a
# JSON integer that long is read as the float it is as large as (infinite).
_INT_DIGITS = 4000


def _parse_int(text: str) -> int | float:
    return int(text) if len(text) <= _INT_DIGITS else float(text)


def loads(text: str) -> Any:
    """``text`` parsed as JSON, an integer of any length read (see `_parse_int`)."""
    return json.loads(text, parse_int=_parse_int)


def _float(value: int | float) -> float:
    """A JSON number as a float: an integer past the float range is infinite, as a JSON
    float past it (``1e400``) is."""
    try:
        return float(value)
    except OverflowError:
        return math.inf if value > 0 else -math.inf


_TOO_DEEP = "JSON nested too deep to read: no metric format nests like this"


def _load(text: str, samples: Samples) -> Any:
    try:
        return loads(text)
    except json.JSONDecodeError as exc:
        raise samples.error(f"broken JSON: {exc.msg}", exc.lineno) from exc
    except RecursionError as exc:
        raise samples.error(_TOO_DEEP, 1) from exc


def _point_lines(text: str, pattern: re.Pattern[str], count: int) -> Iterator[int]:
    """The line of each of the ``count`` points of a document (see the module)."""
    found = []
    line, last = 1, 0
    for match in pattern.finditer(text):
        line += text.count("\n", last, match.start())
        last = match.start()
        found.append(line)
    if len(found) != count:
        found = [1] * count
    return iter(found)


def read_prometheus(text: str, samples: Samples) -> None:
    """Read an answer of Prometheus' HTTP API (``/api/v1/query_range`` matrix, ``query``
    vector or scalar) into ``samples``.

    A series is named by its ``__name__``, else by the query (given in the ``"source"``
    block that ``retroline metrics pull`` adds, with the server), else by the file.
    """
    document = _load(text, samples)
    if not isinstance(document, dict):
        raise samples.error("not an answer of the Prometheus API: no top-level object", 1)
    source = document.get("source")
    if isinstance(source, Mapping):
        query, server = source.get("query"), source.get("server")
        samples.query = query if isinstance(query, str) else None
        samples.server = server if isinstance(server, str) else None
    if document.get("status") == "error":
        raise samples.error(
            f"the server answered with an error ({document.get('errorType', 'unknown')}): "
            f"{document.get('error', '')}",
            1,
        )
    data = document.get("data")
    if not isinstance(data, dict) or "result" not in data:
        raise samples.error('no "data": {"resultType": ..., "result": [...]}', 1)
    kind, result = data.get("resultType"), data["result"]
    if kind == "scalar":
        result = [{"metric": {}, "value": result}]
    elif kind not in ("matrix", "vector"):
        raise samples.error(f"a {kind!r} result holds no series", 1)
    if not isinstance(result, list):
        raise samples.error('"result" is not a list', 1)
    fallback = samples.query or samples.path.stem
    points = [_points(entry, samples) for entry in result]
    lines = _point_lines(text, _PROMETHEUS_POINT, sum(len(p) for _m, p in points))
    for metric, values in points:
        name = metric.get("__name__") or fallback
        labels = {str(k): str(v) for k, v in metric.items() if k != "__name__"}
        for point in values:
            line = next(lines)
            stamp, value = _prometheus_point(point, samples, line)
            samples.add(name, labels, stamp, value, line)


def _points(entry: Any, samples: Samples) -> tuple[Mapping[str, Any], list[Any]]:
    if not isinstance(entry, dict):
        raise samples.error("a result that is not an object", 1)
    metric = entry.get("metric") or {}
    if "values" in entry:
        values = entry["values"]
    elif "value" in entry:
        values = [entry["value"]]
    else:
        values = []
    if not isinstance(metric, dict) or not isinstance(values, list):
        raise samples.error('a result without "metric" and "values"', 1)
    return metric, values


def _prometheus_point(point: Any, samples: Samples, line: int) -> tuple[float, float]:
    if (
        isinstance(point, list)
        and len(point) == 2
        and isinstance(point[0], int | float)
        and not isinstance(point[0], bool)
        and isinstance(point[1], str)
    ):
        value = number(point[1])
        if value is not None:
            return epoch_seconds(_float(point[0])), value
    raise samples.error(f'a point that is not [time, "value"]: {json.dumps(point)[:60]}', line)


def read_graphite(text: str, samples: Samples) -> None:
    """Read Graphite's render answer (``[{"target": ..., "datapoints": [[v, ts], ...]}]``)
    into ``samples``; a null value is a gap, a ``tags`` object gives the labels."""
    document = _load(text, samples)
    if not isinstance(document, list):
        raise samples.error("not a Graphite answer: no top-level list", 1)
    targets = []
    for entry in document:
        if not isinstance(entry, dict) or not isinstance(entry.get("datapoints"), list):
            raise samples.error('a target without "datapoints"', 1)
        targets.append(entry)
    lines = _point_lines(text, _GRAPHITE_POINT, sum(len(t["datapoints"]) for t in targets))
    for entry in targets:
        name = str(entry.get("target") or samples.path.stem)
        tags = entry.get("tags")
        labels = (
            {str(k): str(v) for k, v in tags.items() if k != "name"}
            if isinstance(tags, dict)
            else {}
        )
        for point in entry["datapoints"]:
            line = next(lines)
            if (
                not isinstance(point, list)
                or len(point) != 2
                or not _is_number(point[1])
                or not (point[0] is None or _is_number(point[0]))
            ):
                raise samples.error(
                    f"a point that is not [value, time]: {json.dumps(point)[:60]}", line
                )
            value = NAN if point[0] is None else _float(point[0])
            samples.add(name, labels, epoch_seconds(_float(point[1])), value, line)


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


_TIME_KEYS = ("time", "ts", "timestamp", "@timestamp", "t")
_NAME_KEYS = ("name", "metric", "__name__", "series")
_LABEL_KEYS = ("labels", "tags")


def read_jsonl(lines: Iterator[tuple[int, str]], samples: Samples) -> None:
    """Read JSON lines into ``samples``: each object has a time (``time``, ``ts``,
    ``timestamp``, ``@timestamp`` or ``t``: ISO text, or a Unix time in s/ms/ns).

    Two shapes: ``{"time": ..., "name": "cpu", "value": 0.5, "host": "a"}`` (``name`` or
    ``metric``; text fields and a ``labels``/``tags`` object are labels, ``unit`` the unit)
    and ``{"time": ..., "cpu": 0.5, "mem": 1024}`` (every number a series; a null is a gap
    of its series; nested objects give ``mem.rss``; text is left out).
    """
    for at, text in lines:
        if not text.strip():
            continue
        try:
            record = loads(text)
        except json.JSONDecodeError as exc:
            raise samples.error(f"broken JSON: {exc.msg} (column {exc.colno})", at) from exc
        except RecursionError as exc:
            raise samples.error(_TOO_DEEP, at) from exc
        if not isinstance(record, dict):
            raise samples.error("a line that is not a JSON object", at)
        key = next((k for k in _TIME_KEYS if k in record), None)
        if key is None:
            raise samples.error(f"no time field ({', '.join(_TIME_KEYS)})", at)
        stamp, zone_source = _json_time(record[key], samples, at)
        name_key = next((k for k in _NAME_KEYS if isinstance(record.get(k), str)), None)
        if name_key is not None and "value" in record:
            _named(record, key, name_key, stamp, zone_source, samples, at)
            continue
        for name, value in _numbers(record, key, ""):
            samples.add(name, {}, stamp, value, at, zone_source)


def _json_time(value: object, samples: Samples, at: int) -> tuple[float, ZoneSource]:
    if _is_number(value):
        return epoch_seconds(_float(value)), ZoneSource.EXPLICIT  # type: ignore[arg-type]
    if isinstance(value, str):
        return samples.time(value, at)
    raise samples.error(f"the time {json.dumps(value)[:40]} is no text and no number", at)


def _named(
    record: dict[str, Any],
    time_key: str,
    name_key: str,
    stamp: float,
    zone_source: ZoneSource,
    samples: Samples,
    at: int,
) -> None:
    raw = record["value"]
    if raw is None:
        value: float | None = NAN
    elif _is_number(raw):
        value = _float(raw)
    elif isinstance(raw, str):
        value = number(raw)
    else:
        value = None
    if value is None:
        raise samples.error(f"the value {json.dumps(raw)[:40]} is not a number", at)
    labels = {
        k: v
        for k, v in record.items()
        if isinstance(v, str) and k not in (time_key, name_key, "unit", "value")
    }
    for key in _LABEL_KEYS:
        nested = record.get(key)
        if isinstance(nested, dict):
            labels.update({str(k): str(v) for k, v in nested.items()})
    unit = record.get("unit")
    samples.add(
        record[name_key],
        labels,
        stamp,
        value,
        at,
        zone_source,
        unit if isinstance(unit, str) else None,
    )


def _numbers(record: Mapping[str, Any], skip: str, prefix: str) -> Iterator[tuple[str, float]]:
    """Every number of a record (nested objects flattened to ``a.b``), nulls as NaN."""
    for key, value in record.items():
        if key == skip:
            continue
        if value is None:
            yield prefix + key, NAN
        elif _is_number(value):
            yield prefix + key, _float(value)
        elif isinstance(value, dict):
            yield from _numbers(value, "", f"{prefix}{key}.")
