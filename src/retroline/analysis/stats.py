"""How long incidents take, over many of them, told with medians, percentiles and counts.

Why there is no mean here. The durations of incidents have a heavy tail: most end within
an hour or two, a few run for days. Over tens or hundreds of incidents a mean ("MTTR") is
ruled by those few: forty incidents resolved in an hour each and one that took three days
have a mean time to resolve of 2 h 44 min, nearly three times what forty of the forty-one
took, and whether a quarter had its long incident or not is mostly chance. So two means
differ, or one goes down, by luck as often as because anything changed; the VOID reports
found this shape in thousands of public incidents and argue against comparing means of
incident durations at all. What holds still is the median (half took less), a high
percentile (90% took less), the extremes, and the shape: the histogram, on bins people
think in. And the count beside each: a median of three incidents is an anecdote, so a
distribution of fewer than `MIN_N` is marked as too few to compare.

Pure functions: incidents in (read from the library by the caller), a `Stats` out, which
becomes JSON (`Stats.to_json`), table rows (`stats_rows`) or an HTML page
(`retroline.report.stats_page`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from retroline.analysis.durations import durations, human, impact_start
from retroline.analysis.facets import cause_of, service_of
from retroline.errors import UsageError
from retroline.inert import inert_json
from retroline.model import EVIDENCE_EVENTS, Incident

__all__ = [
    "BINS",
    "GROUPINGS",
    "MIN_N",
    "PERCENTILE",
    "UNKNOWN",
    "WHY_NO_MEAN",
    "Bin",
    "Distribution",
    "Group",
    "Stats",
    "distribution",
    "month_of",
    "stats",
    "stats_rows",
]

#: A distribution of fewer incidents than this is marked as too few to compare.
MIN_N = 5
#: How the percentiles are computed: numpy's default.
PERCENTILE = (
    "linear interpolation between the closest ranks (numpy's default, Hyndman and Fan "
    "type 7): the median of an even count is the midpoint of the middle two"
)
#: Why the statistics show no mean, in a few sentences: for help texts and the HTML page.
WHY_NO_MEAN = (
    "There is no mean here. Incident durations have a heavy tail: most end within hours, a "
    "few take days, and over tens or hundreds of incidents those few decide the mean, so two "
    "means differ by the luck of which group had the long incident. Compare medians and "
    f"percentiles, and only with their counts: fewer than {MIN_N} incidents are too few to "
    "compare."
)
#: The group of incidents whose service, cause or month is not known.
UNKNOWN = "unknown"
#: The group of every incident, when they are not grouped.
ALL = "all"


@dataclass(frozen=True)
class Bin:
    """A bin of the histograms, on a scale people think in: from ``low`` seconds
    (included) to ``high`` (excluded; None: no end)."""

    label: str
    low: float
    high: float | None

    def holds(self, seconds: float) -> bool:
        return seconds >= self.low and (self.high is None or seconds < self.high)


#: The bins of every histogram: the same everywhere, so histograms compare.
BINS: tuple[Bin, ...] = (
    Bin("< 5 min", 0, 5 * 60),
    Bin("5–15 min", 5 * 60, 15 * 60),
    Bin("15–60 min", 15 * 60, 3600),
    Bin("1–4 h", 3600, 4 * 3600),
    Bin("4–24 h", 4 * 3600, 86400),
    Bin("≥ 1 d", 86400, None),
)


@cache
def _definitions() -> tuple[tuple[str, str], ...]:
    """The durations' names and definitions, as `durations` states them."""
    return tuple((d.name, d.definition) for d in durations(Incident(title="")))


def _key(name: str) -> str:
    """A duration's name as a JSON key: "Time to detect" -> "time_to_detect"."""
    return name.lower().replace(" ", "_")


@dataclass(frozen=True)
class Distribution:
    """One duration over a group of incidents: how many have it, and its spread, in
    seconds. No mean: see the module's docstring."""

    name: str
    definition: str
    n: int
    median: float | None = None
    p90: float | None = None
    min: float | None = None
    max: float | None = None
    counts: tuple[int, ...] = (0,) * len(BINS)  # per bin of `BINS`
    approximate: int = 0  # how many of the n rest on an approximate time

    @property
    def key(self) -> str:
        return _key(self.name)

    @property
    def too_few(self) -> bool:
        """Fewer than `MIN_N` incidents: too few to compare with another group."""
        return self.n < MIN_N

    @property
    def note(self) -> str:
        """What a reader must know before comparing it ("" when nothing)."""
        if self.n == 0:
            return "no incident has it"
        notes = [f"too few to compare (n < {MIN_N})"] if self.too_few else []
        if self.approximate:
            notes.append(f"{self.approximate} approximate")
        return "; ".join(notes)

    def to_dict(self) -> dict[str, Any]:
        def text(value: float | None) -> str | None:
            return human(dt.timedelta(seconds=value)) if value is not None else None

        return {
            "name": self.name,
            "n": self.n,
            "too_few": self.too_few,
            "median_seconds": self.median,
            "p90_seconds": self.p90,
            "min_seconds": self.min,
            "max_seconds": self.max,
            "median": text(self.median),
            "p90": text(self.p90),
            "min": text(self.min),
            "max": text(self.max),
            "histogram": list(self.counts),
            "approximate": self.approximate,
        }


def distribution(
    name: str, definition: str, seconds: Sequence[float], approximate: int = 0
) -> Distribution:
    """The distribution of ``seconds``: n, median, 90th percentile (`PERCENTILE`), min,
    max and counts per bin of `BINS`.

    >>> d = distribution("Time to detect", "...", [60, 120, 600, 7200])
    >>> d.n, d.median, d.p90, d.counts, d.too_few
    (4, 360.0, 5220.0, (2, 1, 0, 1, 0, 0), True)
    """
    if not seconds:
        return Distribution(name, definition, 0)
    values = np.asarray(seconds, dtype=float)
    # To the millisecond: interpolation leaves float noise (5220.000000000001 s).
    median, p90 = (round(float(v), 3) for v in np.percentile(values, [50, 90]))
    counts = tuple(sum(1 for v in seconds if b.holds(v)) for b in BINS)
    return Distribution(
        name,
        definition,
        len(seconds),
        median=median,
        p90=p90,
        min=float(values.min()),
        max=float(values.max()),
        counts=counts,
        approximate=approximate,
    )


@dataclass(frozen=True)
class Group:
    """The incidents that share a key (a service, a cause type, a month; "all"), and the
    distribution of each duration over them."""

    key: str
    incidents: int
    ids: tuple[str, ...]
    distributions: tuple[Distribution, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "incidents": self.incidents,
            "ids": list(self.ids),
            "durations": {d.key: d.to_dict() for d in self.distributions},
        }


@dataclass(frozen=True)
class Stats:
    """The durations of a set of incidents, grouped ``by`` service, cause or month (None:
    all together), one `Group` per key."""

    by: str | None
    incidents: int
    groups: tuple[Group, ...]

    @property
    def durations(self) -> tuple[tuple[str, str], ...]:
        """The durations' names and definitions, in order."""
        return _definitions()

    def to_dict(self) -> dict[str, Any]:
        return {
            "by": self.by,
            "incidents": self.incidents,
            "min_n": MIN_N,
            "percentile": PERCENTILE,
            "bins": [{"label": b.label, "from_seconds": b.low, "to_seconds": b.high} for b in BINS],
            "durations": [
                {"key": _key(name), "name": name, "definition": definition}
                for name, definition in self.durations
            ],
            "groups": [g.to_dict() for g in self.groups],
        }

    def to_json(self) -> str:
        """The statistics as JSON text, for ``retroline stats --json``."""
        return inert_json(json.dumps(self.to_dict(), indent=2, ensure_ascii=False))


def month_of(incident: Incident) -> str | None:
    """The month ("2024-05") the incident began: of its impact start, else of its first
    timeline entry (one the documents wrote before one found in evidence), else of its
    document's date; None when it has none of them."""
    start = impact_start(incident).at
    if start is not None:
        return f"{start:%Y-%m}"
    for entries in (
        [e for e in incident.events if e.kind not in EVIDENCE_EVENTS],
        incident.events,
    ):
        days = [e.at.date() if e.at is not None else e.date for e in entries]
        known = [d for d in days if d is not None]
        if known:
            return f"{min(known):%Y-%m}"
    if incident.document_date is not None:
        return f"{incident.document_date:%Y-%m}"
    return None


#: How incidents can be grouped, and the function that gives an incident's key.
GROUPINGS: dict[str, Callable[[Incident], str | None]] = {
    "service": service_of,
    "cause": cause_of,
    "month": month_of,
}


def _order(by: str | None, keys: dict[str, list[Incident]]) -> list[str]:
    """Months in time order; services and causes the most frequent first; unknown last."""
    known = [k for k in keys if k != UNKNOWN]
    if by == "month":
        known.sort()
    else:
        known.sort(key=lambda k: (-len(keys[k]), k))
    return known + ([UNKNOWN] if UNKNOWN in keys else [])


def _group(key: str, incidents: Sequence[Incident]) -> Group:
    measured: dict[str, list[float]] = {name: [] for name, _ in _definitions()}
    approximate: dict[str, int] = dict.fromkeys(measured, 0)
    for incident in incidents:
        for d in durations(incident):
            value = d.value
            if value is None:
                continue
            measured[d.name].append(value.total_seconds())
            approximate[d.name] += d.approximate
    return Group(
        key=key,
        incidents=len(incidents),
        ids=tuple(i.id for i in incidents if i.id),
        distributions=tuple(
            distribution(name, definition, measured[name], approximate[name])
            for name, definition in _definitions()
        ),
    )


def stats(incidents: Sequence[Incident], by: str | None = None) -> Stats:
    """The durations of ``incidents``, all together or grouped ``by`` "service", "cause"
    (`retroline.analysis.facets`) or "month" (`month_of`).

    Every incident counts in its group's ``incidents``; only those whose timeline gives a
    duration count in that duration's ``n``. Incidents without a key form the group
    `UNKNOWN`, listed last.
    """
    if by is not None and by not in GROUPINGS:
        raise UsageError(f"--by {by!r} is not one of: {', '.join(GROUPINGS)}")
    grouped: dict[str, list[Incident]] = {}
    for incident in incidents:
        key = ALL if by is None else (GROUPINGS[by](incident) or UNKNOWN)
        grouped.setdefault(key, []).append(incident)
    return Stats(
        by=by,
        incidents=len(incidents),
        groups=tuple(_group(key, grouped[key]) for key in _order(by, grouped)),
    )


def stats_rows(result: Stats) -> list[list[str]]:
    """The statistics as a table: a header row, then one row per group and duration, with
    n, median, p90, min and max as people read them, and a note where n is too small."""

    def text(value: float | None) -> str:
        return human(dt.timedelta(seconds=value)) if value is not None else "–"

    rows = [["Group", "Incidents", "Duration", "n", "Median", "p90", "Min", "Max", "Note"]]
    for group in result.groups:
        for d in group.distributions:
            rows.append(
                [
                    group.key,
                    str(group.incidents),
                    d.name,
                    str(d.n),
                    text(d.median),
                    text(d.p90),
                    text(d.min),
                    text(d.max),
                    d.note,
                ]
            )
    return rows
