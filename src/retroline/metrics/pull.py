"""Series pulled from a Prometheus server over its HTTP API, saved as a file to read later.

`pull` asks ``/api/v1/query_range`` for a query over a time range and returns Prometheus'
own answer (``{"status": "success", "data": {"resultType": "matrix", "result": [...]}}``)
with one key added, ``source``: the server, the query, the range, the step and when it was
fetched, so a series read back from the file still says where it came from. Prometheus
refuses a range of more than 11,000 points per series, so a longer one is asked in chunks
that continue the same grid of instants, and the chunks' series are merged back by label
set. `save` writes the document whole or not at all.

Example::

    doc = pull("http://localhost:9090", "process_resident_memory_bytes",
               parse_when("now-6h"), parse_when("now"))
    save(doc, Path("memory.json"))
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from retroline.errors import InputError, UsageError
from retroline.instants import iso_utc
from retroline.logs.onset import parse_duration, parse_instant
from retroline.output import write_text

__all__ = [
    "MAX_POINTS",
    "TARGET_POINTS",
    "chunks",
    "default_step",
    "parse_when",
    "pull",
    "save",
]

#: Prometheus refuses a range query with more points than this per series.
MAX_POINTS = 11_000
#: The default step makes a range about this many points: enough to see a change, small
#: enough to pull in one request.
TARGET_POINTS = 1_000
#: More requests than this for one pull is a mistaken range or step, not a plan.
MAX_REQUESTS = 1_000
#: Connecting should be quick; a query over a long range may take the server a while.
TIMEOUT = httpx.Timeout(60.0, connect=10.0)

_RELATIVE = re.compile(r"now\s*(?:-\s*(?P<ago>.+))?", re.I)


def parse_when(text: str, tz: str | None = None, *, now: datetime | None = None) -> datetime:
    """A ``--from``/``--to`` value as a UTC instant: ISO 8601 (``2016-09-08T20:31Z``; in
    ``tz`` when it has no offset), ``now``, or ``now-`` a duration (``now-6h``, ``now-1h30m``),
    as Grafana and Prometheus' own UI write it."""
    relative = _RELATIVE.fullmatch(text.strip())
    if relative is None:
        return parse_instant(text, tz)
    at = now if now is not None else datetime.now(UTC)
    ago = relative["ago"]
    return at if ago is None else at - parse_duration(ago)


def default_step(start: datetime, end: datetime) -> float:
    """A step in whole seconds that makes the range about `TARGET_POINTS` points, and at
    least one second (Prometheus' samples are rarely closer than that)."""
    span = (end - start).total_seconds()
    return float(max(1, math.ceil(span / TARGET_POINTS)))


def chunks(start_ms: int, end_ms: int, step_ms: int) -> list[tuple[int, int]]:
    """The ``(start, end)`` of each request, in milliseconds, for a range evaluated every
    ``step_ms`` from ``start_ms``: at most `MAX_POINTS` instants each, and each chunk starts
    one step after the previous one's last instant, so together they ask exactly the
    instants one unlimited request would."""
    if step_ms <= 0 or end_ms < start_ms:
        raise ValueError("a range needs a positive step and an end after its start")
    points = (end_ms - start_ms) // step_ms + 1
    stride = MAX_POINTS * step_ms
    return [
        (begin, min(end_ms, begin + (MAX_POINTS - 1) * step_ms))
        for begin in range(start_ms, start_ms + points * step_ms, stride)
    ]


def pull(
    url: str,
    query: str,
    start: datetime,
    end: datetime,
    step: float | None = None,
    *,
    client: httpx.Client | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """Evaluate ``query`` on the Prometheus server at ``url`` every ``step`` seconds from
    ``start`` to ``end``, and return its answer plus a ``source`` key (``server`` is ``url``
    without the user and password it may hold).

    ``step`` defaults to `default_step`: about 1,000 points over the range, at least 1 s.
    A range of more than 11,000 points is asked in chunks (``progress(done, total)`` is
    called after each), merged per series without duplicate instants. A datetime without a
    zone is taken as UTC. A bad URL, range or step is a `UsageError`, as is a query the
    server calls bad; a server that cannot be reached or answers with an error is an
    `InputError` naming the URL.
    """
    base, url = _base_url(url)
    start, end = _utc(start), _utc(end)
    if start >= end:
        raise UsageError(f"the range must end after it starts: {iso_utc(start)} to {iso_utc(end)}")
    if step is None:
        step = default_step(start, end)
    if not math.isfinite(step) or step < 0.001:
        raise UsageError(f"the step must be at least 0.001 seconds, not {step!r}")
    step_ms = round(step * 1000)
    start_ms = math.floor(start.timestamp() * 1000)
    end_ms = math.floor(end.timestamp() * 1000)
    if (end_ms - start_ms) // step_ms + 1 > MAX_POINTS * MAX_REQUESTS:
        raise UsageError(
            f"a step of {step_ms / 1000:g} s over {iso_utc(start)} to {iso_utc(end)} would take "
            f"more than {MAX_REQUESTS} requests: give a larger step"
        )
    parts = chunks(start_ms, end_ms, step_ms)
    fetched = datetime.now(UTC)
    own = client is None
    http = client if client is not None else httpx.Client(timeout=TIMEOUT, follow_redirects=True)
    merged: dict[tuple[tuple[str, str], ...], dict[int, list[Any]]] = {}
    warnings: list[str] = []
    try:
        for done, (begin, finish) in enumerate(parts, 1):
            answer = _query_range(http, base, url, query, begin, finish, step_ms)
            for warning in answer.get("warnings") or ():
                if str(warning) not in warnings:
                    warnings.append(str(warning))
            _merge(merged, answer["data"]["result"], url)
            if progress is not None:
                progress(done, len(parts))
    finally:
        if own:
            http.close()
    result = [
        {"metric": dict(labels), "values": [samples[t] for t in sorted(samples)]}
        for labels, samples in sorted(merged.items())
    ]
    document: dict[str, Any] = {
        "status": "success",
        "data": {"resultType": "matrix", "result": result},
    }
    if warnings:
        document["warnings"] = warnings
    document["source"] = {
        "server": url,
        "query": query,
        "start": iso_utc(start),
        "end": iso_utc(end),
        "step": step_ms / 1000,
        "fetched": iso_utc(fetched),
    }
    return document


def save(document: Mapping[str, Any], out: Path) -> None:
    """Write a pulled document to ``out`` as JSON, atomically (a temporary file in the same
    folder, then a rename), replacing a file already there; an `OutputError` when it cannot
    be written."""
    # Compact, as Prometheus answers: a sample per line would make a pull of 100,000
    # samples a file of 400,000 lines.
    write_text(out, json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n")


def _base_url(url: str) -> tuple[str, str]:
    """The server's URL to ask, without a trailing slash, and the URL to show, without a
    user and password (it goes into messages and the saved file); a `UsageError` unless it
    is http(s) with a host. A path is kept: Prometheus may be served under a prefix."""
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UsageError(f"cannot read the server URL {url!r}: {exc}") from exc
    if parsed.scheme not in ("http", "https") or not parsed.host:
        raise UsageError(
            f"the server URL must be http:// or https:// with a host, like "
            f"http://localhost:9090, not {url!r}"
        )
    shown = str(parsed.copy_with(userinfo=b"")) if parsed.userinfo else url
    return url.rstrip("/"), shown


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _seconds(ms: int) -> str:
    """Milliseconds as the seconds Prometheus reads (``1704067200.5``)."""
    return f"{ms // 1000}.{ms % 1000:03d}"


def _query_range(
    http: httpx.Client, base: str, url: str, query: str, start_ms: int, end_ms: int, step_ms: int
) -> dict[str, Any]:
    """One request: Prometheus' answer as a dict, or the error translated."""
    params = {
        "query": query,
        "start": _seconds(start_ms),
        "end": _seconds(end_ms),
        "step": _seconds(step_ms),
    }
    try:
        response = http.get(f"{base}/api/v1/query_range", params=params)
    except httpx.TimeoutException as exc:
        raise InputError(
            f"the Prometheus server did not answer in time ({type(exc).__name__}): try a "
            "shorter range or a larger step",
            url,
        ) from exc
    except httpx.TransportError as exc:
        raise InputError(
            f"cannot reach the Prometheus server: {exc or type(exc).__name__}", url
        ) from exc
    try:
        body = response.json()
    except ValueError:
        body = None
    if not isinstance(body, dict) or "status" not in body:
        raise InputError(
            f"answered HTTP {response.status_code} {response.reason_phrase} without Prometheus' "
            "JSON: is this the URL of a Prometheus server?",
            url,
        )
    if body["status"] != "success" or response.is_error:
        kind = str(body.get("errorType") or f"HTTP {response.status_code}")
        text = _one_line(str(body.get("error") or response.reason_phrase))
        if kind == "bad_data":
            raise UsageError(f"the Prometheus server at {url} refused the query: {kind}: {text}")
        raise InputError(f"the Prometheus server answered {kind}: {text}", url)
    data = body.get("data")
    if not isinstance(data, dict) or data.get("resultType") != "matrix":
        shape = data.get("resultType") if isinstance(data, dict) else type(data).__name__
        raise InputError(f"the Prometheus server answered a {shape}, not a matrix", url)
    if not isinstance(data.get("result"), list):
        raise InputError("the Prometheus server answered a matrix without a result list", url)
    return body


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _merge(
    merged: dict[tuple[tuple[str, str], ...], dict[int, list[Any]]],
    result: list[Any],
    url: str,
) -> None:
    """Add one chunk's series to ``merged``, keyed by label set and by instant in
    milliseconds (the precision Prometheus keeps), so an instant two chunks both hold is
    kept once."""
    for series in result:
        try:
            labels = tuple(sorted((str(k), str(v)) for k, v in series["metric"].items()))
            samples = merged.setdefault(labels, {})
            for at, value in series["values"]:
                samples.setdefault(round(float(at) * 1000), [at, value])
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise InputError(
                f"the Prometheus server answered a series that is not [time, value] pairs: {exc}",
                url,
            ) from exc
