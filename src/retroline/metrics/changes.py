"""Where a metric series changed: level shifts, trends starting or stopping, variance
changes, gaps (the series stops) and limits crossed.

`find_changes` reads one `Series` with default settings only: the same constants serve every
series (see `segments` for them and the reasoning), because an investigator cannot tune a
detector per metric in the middle of an incident. Level, trend and variance changes come from
one penalised segmentation (`segments.segment`); gaps and limits are read off the samples.
Each instant is reported once, with its strongest kind: a change point printed twice within a
few samples would read as two events.

    >>> Limit.parse("sockets>512")
    Limit(series='sockets', op='>', value=512.0)
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

import numpy as np
import numpy.typing as npt

from retroline.errors import UsageError
from retroline.instants import iso_utc
from retroline.metrics.segments import (
    BIC_PER_LOG_N,
    MIN_SEGMENT,
    Fit,
    fit_line,
    noise_scale,
    segment,
)
from retroline.metrics.series import Series

__all__ = [
    "GAP_STEPS",
    "KINDS",
    "REARM_NOISE",
    "Change",
    "ChangeSource",
    "Limit",
    "find_changes",
    "rank",
]

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.intp]
Regime = dict[str, float | None]

KINDS = ("level", "trend", "variance", "gap", "limit")
#: A gap is missing samples lasting at least this many usual steps: one or two missed
#: scrapes are routine, five in a row mean the source stopped.
GAP_STEPS = 5
#: After a limit is crossed, `MIN_SEGMENT` samples in a row at least this many noise
#: standard deviations inside it arm it again: noise alone does that once in ~10^4 samples
#: (0.16^5) for a series hovering at its limit; a series back to normal does it at once.
REARM_NOISE = 1.0
#: A spread that changed by the factor the level did (within e^0.4, about 1.5) with a level
#: that changed by that much or more: a level change of a series with proportional noise.
PROPORTIONAL = 0.4
#: A counter rises at this share of its steps at least (a counter of rare events that
#: mostly stands still is analysed as it is), and falls only at resets, each to at most
#: this share of the value before (towards zero).
COUNTER_RISING = 0.5
COUNTER_RESET = 0.5
#: In `rank`, a change this far from the onset weighs half as much as one at it.
NEAR = dt.timedelta(hours=1)
# When two changes of one series fall this close (in samples), one is kept: a limit (the
# user asked for it), then a gap (a fact), then the segmentation's estimate.
_PRIORITY = {"limit": 0, "gap": 1, "level": 2, "trend": 2, "variance": 2}

# Applied to arrays of values: numpy's comparisons return arrays.
_OPS: dict[str, Callable[[Any, float], Any]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}


def _split_limit(text: str) -> tuple[str, str, str] | None:
    """``PATTERN OP NUMBER`` cut at its operator, the first ``<`` or ``>`` outside braces
    (the pattern may hold labels with "=" in braces: ``up{job="api"}``); None when there is
    none, or an "=" stands outside braces before it. A scan, not a pattern: text from the
    command line may be long, and a backtracking pattern is slow on long runs of spaces."""
    depth = 0
    for at, char in enumerate(text):
        if char == "{":
            depth += 1
        elif char == "}":
            depth = max(0, depth - 1)
        elif depth == 0 and char == "=":
            return None
        elif depth == 0 and char in "<>":
            op = text[at : at + 2] if text[at + 1 : at + 2] == "=" else char
            return text[:at].strip(), op, text[at + len(op) :].strip()
    return None


@dataclass(frozen=True)
class Limit:
    """A bound a series should stay within: ``sockets>512`` is crossed by the first sample
    above 512 after samples at or below it. ``series`` is an fnmatch pattern matched
    against the series' label (``name{k="v"}``) or its bare name."""

    series: str
    op: str
    value: float

    @classmethod
    def parse(cls, text: str) -> Limit:
        """A limit from its written form, ``PATTERN OP NUMBER`` (``mem_*>=8e9``)."""
        parts = _split_limit(text)
        if parts is None or not parts[0] or not parts[2] or any(c in parts[2] for c in "<>="):
            raise UsageError(
                f"cannot read the limit {text!r}: write it as SERIES OP NUMBER, "
                "with OP one of > >= < <= (for example 'sockets>512')"
            )
        series, op, number = parts
        try:
            value = float(number)
        except ValueError:
            value = math.nan
        if not math.isfinite(value):
            raise UsageError(
                f"cannot read the limit {text!r}: {number!r} is not a finite number "
                "(for example 'sockets>512' or 'memory_bytes>=8e9')"
            )
        return cls(series, op, value)

    def applies_to(self, series: Series) -> bool:
        """Whether the pattern names this series (by label or by bare name)."""
        return fnmatch.fnmatchcase(series.label, self.series) or fnmatch.fnmatchcase(
            series.name, self.series
        )

    def beyond(self, values: Floats) -> npt.NDArray[np.bool_]:
        """Which of ``values`` break the limit (NaN breaks nothing)."""
        with np.errstate(invalid="ignore"):
            result: npt.NDArray[np.bool_] = np.asarray(_OPS[self.op](values, self.value))
        return result

    def __str__(self) -> str:
        return f"{self.series}{self.op}{self.value:g}"


class ChangeSource(TypedDict, total=False):
    """Where a change was read: the file, the line of its first sample (None when the
    source has no lines), the format, the zone its times were read in and where that zone
    came from (``assumed``: nothing said it, UTC was taken); the query and server of a
    pulled series and the series' unit when known."""

    path: str
    line: int | None
    format: str
    zone: str | None
    zone_source: str
    query: str
    server: str
    unit: str


@dataclass(frozen=True)
class Change:
    """A point where a series changed.

    ``at`` is the instant of the first sample of the new regime (UTC) and ``index`` its
    position in the series. ``score`` is comparable across series: for level, trend and
    variance the likelihood gained over the penalty (1 is just significant), for a gap its
    length in multiples of `GAP_STEPS` usual steps, for a limit 1 plus the excess in noise
    standard deviations. ``before`` and ``after`` hold numbers only (mean, slope per
    second, std, points; for a gap ``seconds`` and ``points`` missing; for a limit
    ``value`` and ``limit``); ``source`` the file, line and format it was read from.
    """

    series: str
    at: dt.datetime
    index: int
    kind: str
    score: float
    before: Regime
    after: Regime
    source: ChangeSource

    def to_json(self) -> dict[str, object]:
        """The change as the JSON object ``retroline metrics changes --json`` prints."""
        return {
            "series": self.series,
            "at": iso_utc(self.at),
            "kind": self.kind,
            "score": round(self.score, 3),
            "before": dict(self.before),
            "after": dict(self.after),
            "source": dict(self.source),
        }


def find_changes(series: Series, *, limits: Sequence[Limit] = ()) -> list[Change]:
    """The change points of ``series``, in time order, with default settings.

    Infinite values are treated as gaps. A series too short to hold two regimes (fewer
    than ten finite samples) still reports its gaps and limit crossings.
    """
    # Values near the float limits (1e308) overflow in differences and sums of squares:
    # such a result is caught as non-finite where it matters, never a warning or a crash.
    with np.errstate(all="ignore"):
        return _find(series, limits)


def _find(series: Series, limits: Sequence[Limit]) -> list[Change]:
    """`find_changes`, with numpy's floating-point warnings already silenced."""
    times = np.asarray(series.times, dtype=np.float64)
    values = np.asarray(series.values, dtype=np.float64)
    finite = np.isfinite(values) & np.isfinite(times)
    regimes = _regime_changes(series, times, values, finite)
    starts = [0, *(change.index for change in regimes)]
    found = [
        *regimes,
        *_gaps(series, times, values, finite, starts),
        *(
            change
            for limit in limits
            if limit.applies_to(series)
            for change in _crossings(series, limit, values, finite)
        ),
    ]
    return _one_per_instant(found)


def rank(changes: Sequence[Change], at: dt.datetime) -> list[Change]:
    """``changes`` ordered by strength and nearness to the onset ``at``, best first.

    A change's score is divided by ``1 + distance / NEAR``: one an hour from the onset
    weighs half as much as one at it, since incidents unfold over minutes to hours. Among
    changes all far from the onset (daily samples) this orders by score over distance.
    Ties go to the nearer change, then by series.
    """
    onset = at if at.tzinfo else at.replace(tzinfo=dt.UTC)
    near = NEAR.total_seconds()

    def key(change: Change) -> tuple[float, float, str]:
        distance = abs((change.at - onset).total_seconds())
        strength = change.score if math.isfinite(change.score) else 0.0
        return (-strength / (1.0 + distance / near), distance, change.series)

    return sorted(changes, key=key)


def _regime_changes(
    series: Series, times: Floats, values: Floats, finite: npt.NDArray[np.bool_]
) -> list[Change]:
    """Level, trend and variance changes, from the segmentation of the finite samples; for
    a counter, of its rate, and its resets."""
    where = np.flatnonzero(finite)
    t, y = times[where], values[where]
    if _is_counter(y):
        return _counter_changes(series, where, t, y)
    cuts = segment(t, y)
    bounds = [0, *(cut.index for cut in cuts), len(y)]
    found = []
    for i, cut in enumerate(cuts):
        before = fit_line(t[bounds[i] : bounds[i + 1]], y[bounds[i] : bounds[i + 1]])
        after = fit_line(t[bounds[i + 1] : bounds[i + 2]], y[bounds[i + 1] : bounds[i + 2]])
        kind = cut.kind
        if kind == "variance" and _proportional(before, after):
            kind = "level"
        found.append(
            _change(
                series, int(where[cut.index]), kind, cut.score, before.to_json(), after.to_json()
            )
        )
    return found


def _proportional(before: Fit, after: Fit) -> bool:
    """Whether the spread changed in proportion to a clear change of level: then it is the
    level that changed, in a series whose noise scales with it (latencies, sizes, counts
    of requests), and the change is named a level change, not a variance change."""
    if not (0 < before.mean < math.inf and 0 < before.std < math.inf):
        return False  # no level or spread to compare against
    levels, spreads = after.mean / before.mean, after.std / before.std
    if not (0 < levels < math.inf and 0 < spreads < math.inf):
        return False
    level, spread = math.log(levels), math.log(spreads)
    return abs(level) >= PROPORTIONAL and abs(spread - level) < PROPORTIONAL


def _is_counter(y: Floats) -> bool:
    """Whether ``y`` is a counter (requests served, bytes sent so far): never negative,
    rising at most steps, falling only at resets (a restart sets it back towards zero),
    as Prometheus defines one. Its changes are those of its rate."""
    steps = np.diff(y)
    if len(steps) < 2 * MIN_SEGMENT or np.any(y < 0):
        return False
    rising = np.count_nonzero(steps > 0)
    falling = np.flatnonzero(steps < 0)
    # A reset falls most of the way to zero; any other fall is not a counter's.
    resets = all(y[i + 1] <= y[i] * COUNTER_RESET for i in falling)
    few_falls = len(falling) <= max(1, len(steps) // 100)
    return bool(rising >= len(steps) * COUNTER_RISING and few_falls and resets)


def _counter_changes(series: Series, where: Ints, t: Floats, y: Floats) -> list[Change]:
    """The changes of a counter: where its rate (its increase a second, a reset counted
    from zero, as Prometheus' ``rate`` does) changed, as trend changes of the counter, and
    each reset, as a level change (the process that counts restarted)."""
    steps = np.diff(y)
    reset = steps < 0
    increase = np.where(reset, y[1:], steps)
    rate = increase / np.maximum(np.diff(t), 1e-9)
    # Rate k is that of the interval ending at sample k + 1: a regime of the rate that
    # starts there is a new slope of the counter from sample k on.
    cuts = segment(t[1:], rate)
    bounds = [0, *(cut.index for cut in cuts), len(y) - 1]
    found = []
    for i, cut in enumerate(cuts):
        before = fit_line(t[bounds[i] : bounds[i + 1] + 1], y[bounds[i] : bounds[i + 1] + 1])
        after = fit_line(t[bounds[i + 1] : bounds[i + 2] + 1], y[bounds[i + 1] : bounds[i + 2] + 1])
        kind = "variance" if cut.kind == "variance" else "trend"
        found.append(
            _change(
                series, int(where[cut.index]), kind, cut.score, before.to_json(), after.to_json()
            )
        )
    noise = noise_scale(increase) or float(np.median(increase)) or 1.0
    for k in np.flatnonzero(reset):
        before = fit_line(t[: k + 1], y[: k + 1])
        after = fit_line(t[k + 1 :], y[k + 1 :])
        score = float(y[k] - y[k + 1]) / noise / (BIC_PER_LOG_N * math.log(len(y)))
        found.append(
            _change(series, int(where[k + 1]), "level", score, before.to_json(), after.to_json())
        )
    return sorted(found, key=lambda c: c.index)


def _gaps(
    series: Series,
    times: Floats,
    values: Floats,
    finite: npt.NDArray[np.bool_],
    starts: list[int],
) -> list[Change]:
    """Runs of missing samples lasting `GAP_STEPS` usual steps or more, inside the series
    or at its end (a NaN tail: the series stopped). ``before`` is the regime the gap ends
    (from the last of ``starts``, the regimes' first samples, before it)."""
    where = np.flatnonzero(finite)
    steps = np.diff(times)
    steps = steps[np.isfinite(steps) & (steps > 0)]
    if len(where) == 0 or len(steps) == 0:
        return []
    step = float(np.median(steps))
    # (last sample before, first sample after) for every stretch between finite samples
    # long enough; a NaN tail ends at the last row, whose time says how long the series
    # was silent. Half a step of slack: clocks jitter, and months are not all one length.
    longest = (GAP_STEPS + 0.5) * step
    wide = np.flatnonzero(np.diff(times[where]) >= longest)
    spans = [(int(where[i]), int(where[i + 1]), False) for i in wide]
    last_row = len(times) - 1
    if where[-1] < last_row and np.isfinite(times[last_row]):
        spans.append((int(where[-1]), last_row, True))
    found = []
    for last, resumed, tail in spans:
        seconds = float(times[resumed] - times[last]) - (0.0 if tail else step)
        missing = seconds / step
        if missing < GAP_STEPS - 0.5:
            continue
        begun = max(start for start in starts if start <= last)
        window = where[(where >= begun) & (where <= last)]
        before = fit_line(times[window], values[window])
        after: Regime = {"seconds": float(f"{seconds:.6g}"), "points": round(missing)}
        # Rows of NaN: the gap starts at the first of them; samples simply absent: one usual
        # step after the last sample, when the next was due.
        at = None if resumed > last + 1 or tail else times[last] + step
        found.append(
            _change(series, last + 1, "gap", missing / GAP_STEPS, before.to_json(), after, at)
        )
    return found


def _crossings(
    series: Series, limit: Limit, values: Floats, finite: npt.NDArray[np.bool_]
) -> list[Change]:
    """The first sample beyond ``limit`` after samples within it.

    After a crossing the next one counts only once the series has come back clearly within
    the limit (`REARM_NOISE`): a series hovering at its limit reports once per excursion,
    not once per sample (the hysteresis of an alerting rule).
    """
    where = np.flatnonzero(finite)
    y = values[where]
    out = limit.beyond(y)
    noise = noise_scale(y)
    clear = ~out & (np.abs(y - limit.value) >= REARM_NOISE * noise)
    found: list[Change] = []
    armed = False
    calm = 0  # samples in a row clearly within the limit
    for k in range(len(y)):
        if not out[k]:
            calm = calm + 1 if clear[k] else 0
            # Before the first crossing any sample within arms it; after, only a calm run.
            armed = armed or not found or calm >= MIN_SEGMENT
            continue
        if armed:
            excess = abs(float(y[k]) - limit.value)
            found.append(
                _change(
                    series,
                    int(where[k]),
                    "limit",
                    1.0 + excess / (noise or abs(limit.value) or 1.0),
                    {"value": float(y[k - 1]), "limit": limit.value},
                    {"value": float(y[k]), "limit": limit.value},
                )
            )
        armed, calm = False, 0
    return found


def _change(
    series: Series,
    index: int,
    kind: str,
    score: float,
    before: Regime,
    after: Regime,
    at: float | None = None,
) -> Change:
    """A `Change` at sample ``index`` of ``series`` (at that sample's time unless ``at``,
    in epoch seconds, says otherwise), with its source."""
    source: ChangeSource = {
        "path": series.source.path,
        "line": series.line(index),
        "format": series.source.format,
        "zone": series.source.zone,
        "zone_source": series.source.zone_source.value,
    }
    if series.source.query is not None:
        source["query"] = series.source.query
    if series.source.server is not None:
        source["server"] = series.source.server
    if series.unit is not None:
        source["unit"] = series.unit
    return Change(
        series=series.label,
        at=series.instant(index) if at is None else dt.datetime.fromtimestamp(at, tz=dt.UTC),
        index=index,
        kind=kind,
        score=float(score) if math.isfinite(score) else 0.0,
        before=before,
        after=after,
        source=source,
    )


def _one_per_instant(changes: list[Change]) -> list[Change]:
    """Changes in time order, keeping one of any that fall within `MIN_SEGMENT` - 1
    samples of each other (by `_PRIORITY`, then score)."""
    kept: list[Change] = []
    for change in sorted(changes, key=lambda c: (_PRIORITY[c.kind], -c.score)):
        if all(abs(change.index - other.index) >= MIN_SEGMENT for other in kept):
            kept.append(change)
    return sorted(kept, key=lambda c: c.index)
