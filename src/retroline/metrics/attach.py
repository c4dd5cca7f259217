"""Metric changes near an incident's onset, as timeline events and stored evidence.

Every series of the metric files is searched for change points (`changes.find_changes`);
those within a day before the onset to six hours after it are ranked by strength and
nearness (`changes.rank`), and the strongest few become candidate events of kind
``metric`` ("stompclt RSS starts rising at 40 MiB/min"), each linked to the file and line of
the first sample of the new regime, with the series thinned for the report's chart. A leak
starts hours before the outage it causes, which is why the window reaches back a day.
Reading the same files again replaces their events.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from retroline.analysis.revisions import in_time_order
from retroline.instants import iso_utc
from retroline.metrics.changes import Change, find_changes, rank
from retroline.metrics.describe import amount, rate, sentence
from retroline.metrics.read import read_series
from retroline.metrics.series import Series
from retroline.model import Event, EventKind, Incident, MetricChange, Precision, Source

__all__ = [
    "AFTER",
    "BEFORE",
    "CHART_POINTS",
    "DEFAULT_EVENTS",
    "Found",
    "change_event",
    "changes_near",
    "metric_change",
    "strongest",
    "thinned",
    "with_metric_changes",
]

#: Changes attached by default: the strongest few near the onset.
DEFAULT_EVENTS = 5
#: How far from the onset a change may be to be attached.
BEFORE = dt.timedelta(days=1)
AFTER = dt.timedelta(hours=6)
#: Points kept of a series for its chart in the report.
CHART_POINTS = 240


@dataclass(frozen=True)
class Found:
    """A change point and the series it was found in."""

    series: Series
    change: Change


def changes_near(path: Path, onset: dt.datetime, *, tz: str | None = None) -> list[Found]:
    """Every change of every series in the file at ``path`` within `BEFORE` the onset to
    `AFTER` it, in the order found."""
    return [
        Found(series, change)
        for series in read_series(path, tz=tz)
        for change in find_changes(series)
        if onset - BEFORE <= change.at <= onset + AFTER
    ]


def strongest(
    found: Sequence[Found], onset: dt.datetime, limit: int = DEFAULT_EVENTS
) -> list[Found]:
    """The ``limit`` strongest of ``found``, strongest and nearest to the onset first."""
    by_change = {id(f.change): f for f in found}
    return [by_change[id(c)] for c in rank([f.change for f in found], onset)[:limit]]


def thinned(series: Series, points: int = CHART_POINTS) -> tuple[list[float], list[float | None]]:
    """At most ``points`` (time, value) pairs of a series, for a chart: the mean of each of
    ``points`` equal runs of samples (None where a run is all gap)."""
    times, values = series.times, series.values
    if len(times) > points:
        edges = np.linspace(0, len(times), points + 1).astype(int)
        runs = [(int(a), int(b)) for a, b in itertools.pairwise(edges) if b > a]
        times = np.array([times[a:b].mean() for a, b in runs])
        values = np.array(
            [np.nanmean(values[a:b]) if np.isfinite(values[a:b]).any() else np.nan for a, b in runs]
        )
    return (
        [round(float(t), 3) for t in times],
        [float(v) if math.isfinite(v) else None for v in values],
    )


def _regime(regime: dict[str, float | None]) -> dict[str, float | None]:
    """A regime with JSON-safe numbers (NaN and infinities as None)."""
    return {
        key: (float(value) if value is not None and math.isfinite(value) else None)
        for key, value in regime.items()
    }


def metric_change(found: Found) -> MetricChange:
    """The stored evidence of one change: its regimes, the series thinned, its source."""
    series, change = found.series, found.change
    times, values = thinned(series)
    return MetricChange(
        series=change.series,
        kind=change.kind,
        at=change.at,
        score=round(float(change.score), 2),
        before=_regime(change.before),
        after=_regime(change.after),
        unit=series.unit,
        times=times,
        values=values,
        query=series.source.query,
        server=series.source.server,
        source=Source(path=series.source.path, line=series.line(change.index)),
    )


def _summary(regime: dict[str, float | None], unit: str | None) -> str:
    """A regime in a few words: its level, slope and spread; a limit crossing's side its
    value against the limit."""
    if (value := regime.get("value")) is not None and math.isfinite(value):
        limit = regime.get("limit")
        return amount(value, unit) + (
            f" (limit {amount(limit, unit)})" if limit is not None and math.isfinite(limit) else ""
        )
    parts = []
    if (mean := regime.get("mean")) is not None and math.isfinite(mean):
        parts.append(f"mean {amount(mean, unit)}")
    if (slope := regime.get("slope_per_s")) is not None and math.isfinite(slope) and slope:
        parts.append(f"slope {rate(slope, unit)}")
    if (std := regime.get("std")) is not None and math.isfinite(std):
        parts.append(f"spread {amount(std, unit)}")
    return ", ".join(parts) or "no samples"


def change_event(found: Found) -> Event:
    """A candidate timeline event for one change, linked to its first sample's line."""
    series, change = found.series, found.change
    details = [
        f"score {change.score:.1f}",
        f"before: {_summary(change.before, series.unit)}",
        f"after: {_summary(change.after, series.unit)}",
    ]
    if series.source.query:
        details.append(f"query: {series.source.query}")
    if series.source.server:
        details.append(f"server: {series.source.server}")
    return Event(
        at=change.at,
        precision=Precision.SECOND,
        time_text=iso_utc(change.at),
        zone=series.source.zone or "UTC",
        zone_source=series.source.zone_source,
        text=sentence(change.series, change.kind, change.before, change.after, series.unit),
        kind=EventKind.METRIC,
        details=details,
        source=Source(path=series.source.path, line=series.line(change.index)),
    )


def with_metric_changes(
    incident: Incident, found: Sequence[Found], paths: Sequence[str | Path]
) -> Incident:
    """``incident`` with ``found`` as its metric events and evidence, in place of what
    earlier runs on the same files added."""
    names = {str(p) for p in paths}
    events = [
        e for e in incident.events if not (e.kind is EventKind.METRIC and e.source.path in names)
    ]
    evidence = [c for c in incident.metric_changes if not (c.source and c.source.path in names)]
    events += [change_event(f) for f in found]
    evidence += [metric_change(f) for f in found]
    return incident.model_copy(update={"events": in_time_order(events), "metric_changes": evidence})
