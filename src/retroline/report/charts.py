"""Small line charts of metric series, laid out on the server so the report needs no script.

A chart is the geometry of one series in a fixed view box: the line (broken at gaps), a
vertical mark at each change point, the impact window as a band, and the labels of its
axes. The HTML template draws it as inline SVG; nothing here knows HTML.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from retroline.metrics.describe import amount

__all__ = ["HEIGHT", "WIDTH", "Chart", "ChartMark", "chart"]

#: The view box of every chart, in SVG user units; the page scales it to its width.
WIDTH = 600
HEIGHT = 140
# Room for the value labels on the left and the time labels below.
_LEFT, _RIGHT, _TOP, _BOTTOM = 64, 8, 10, 22


@dataclass(frozen=True)
class ChartMark:
    """A change point on a chart: where (x in view-box units), what kind, the timeline
    row it stands for and its words."""

    x: float
    kind: str
    row: str | None
    text: str


@dataclass(frozen=True)
class Chart:
    """One series drawn: its line as SVG path data, its change marks, the impact window
    (x from and to), and its labels."""

    series: str
    unit: str | None
    path: str
    marks: list[ChartMark] = field(default_factory=list)
    window: tuple[float, float] | None = None
    top: str = ""
    bottom: str = ""
    first: str = ""
    last: str = ""
    source_path: str = ""
    source_line: int | None = None
    query: str | None = None
    width: int = WIDTH
    height: int = HEIGHT
    plot: tuple[float, float, float, float] = (_LEFT, _TOP, WIDTH - _RIGHT, HEIGHT - _BOTTOM)

    @property
    def label(self) -> str:
        """What the chart shows, for a screen reader."""
        marks = "; ".join(m.text for m in self.marks)
        return f"{self.series} from {self.first} to {self.last} UTC, {self.bottom} to {self.top}. {marks}"


def _stamp(seconds: float) -> str:
    return dt.datetime.fromtimestamp(seconds, tz=dt.UTC).strftime("%Y-%m-%d %H:%M")


def chart(
    series: str,
    times: Sequence[float],
    values: Sequence[float | None],
    *,
    unit: str | None = None,
    changes: Sequence[tuple[float, str, str | None, str]] = (),
    window: tuple[float, float] | None = None,
    source_path: str = "",
    source_line: int | None = None,
    query: str | None = None,
) -> Chart:
    """Lay out a series: ``times`` in seconds since the epoch, ``values`` (None: a gap),
    ``changes`` as (seconds, kind, timeline row id, words), ``window`` the impact's start
    and end in seconds (drawn where it overlaps the series)."""
    known = [v for v in values if v is not None and math.isfinite(v)]
    instants = [t for t in times] + [c[0] for c in changes]
    t0, t1 = (min(instants), max(instants)) if instants else (0.0, 1.0)
    if t1 <= t0:
        t0, t1 = t0 - 60, t1 + 60
    lo, hi = (min(known), max(known)) if known else (0.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 1, hi + 1
    left, top, right, bottom = _LEFT, _TOP, WIDTH - _RIGHT, HEIGHT - _BOTTOM

    def x(seconds: float) -> float:
        return round(left + (seconds - t0) / (t1 - t0) * (right - left), 2)

    def y(value: float) -> float:
        return round(bottom - (value - lo) / (hi - lo) * (bottom - top), 2)

    parts: list[str] = []
    pen_down = False
    for t, v in zip(times, values, strict=True):
        if v is None or not math.isfinite(v):
            pen_down = False
            continue
        parts.append(f"{'L' if pen_down else 'M'}{x(t)},{y(v)}")
        pen_down = True
    band = None
    if window is not None and window[1] >= t0 and window[0] <= t1:
        band = (x(max(window[0], t0)), x(min(window[1], t1)))
    return Chart(
        series=series,
        unit=unit,
        path=" ".join(parts),
        marks=[ChartMark(x(at), kind, row, text) for at, kind, row, text in changes],
        window=band,
        top=amount(hi, unit),
        bottom=amount(lo, unit),
        first=_stamp(t0),
        last=_stamp(t1),
        source_path=source_path,
        source_line=source_line,
        query=query,
    )
