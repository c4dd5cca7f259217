"""The durations of many incidents as one self-contained HTML page of small multiples.

One section per duration (time to detect, engage, mitigate, resolve), and in it one small
histogram per group (a service, a cause type, a month; or all incidents), on the bins of
`retroline.analysis.stats.BINS`. The histograms of a section share their scales, the bins
across and the count up, so that groups compare by looking; each writes its n, marks its
median and 90th percentile, and one of fewer than `MIN_N` incidents is drawn faint and
says it is too few to compare. No mean is shown (the page says why).

The page needs nothing but itself: the stylesheet is inlined, the charts are inline SVG laid
out here, there is no script, and a Content-Security-Policy with the hash of that one style
forbids everything else. Every text is escaped (Jinja2 autoescape) and made inert first.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from functools import cache

import jinja2
from markupsafe import Markup

from retroline.analysis.durations import human
from retroline.analysis.stats import BINS, MIN_N, PERCENTILE, WHY_NO_MEAN, Distribution, Stats
from retroline.instants import iso_utc
from retroline.report.html import asset, csp_hash, page_environment

__all__ = ["Panel", "Row", "layout", "stats_html"]

#: The view box of each small histogram, in SVG user units.
WIDTH = 300
HEIGHT = 150
# The plot inside it: room above for n and the marks' labels, below for the bins' labels.
_LEFT, _RIGHT, _TOP, _BOTTOM = 6, 294, 42, 124
# Baselines of the n and of the marks' labels, above the plot; the width of a label's
# letter (bold 10px), with room to spare.
_N_LINE, _LABEL_LINE, _LETTER = 13, 28, 6.0
# Where the last bin ends on the chart: a value past 30 days stands at its right edge.
_LAST = 30 * 86400.0
#: The bins' labels under each histogram, short to fit.
BIN_TICKS = ("<5m", "5–15m", "15–60m", "1–4h", "4–24h", "≥1d")

# Styles of the page beyond the postmortem's (report.css), inlined with it.
_CSS = """
/* Statistics page: small multiples of duration histograms. */
.why { max-width: 80ch; color: var(--muted); font-size: 14px; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 18px; font-size: 13px; color: var(--muted); margin: 8px 0 0; }
.legend svg { vertical-align: -2px; }
.multiples { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 14px; margin: 0 0 14px; }
.panel { border: 1px solid var(--line); border-radius: 8px; padding: 8px 10px 6px; margin: 0; background: var(--paper); }
.panel figcaption { font-size: 13px; line-height: 1.35; }
.panel .group { font-weight: 650; overflow-wrap: anywhere; }
.panel .nums { color: var(--muted); font-size: 12.5px; font-variant-numeric: tabular-nums; }
.panel svg { display: block; width: 100%; height: auto; }
.panel .bar { fill: var(--k-mitigation); }
.panel .count { fill: var(--ink); font: 600 11px var(--sans); text-anchor: middle; }
.panel .base { stroke: #d0d7de; }
.panel .tick { fill: var(--muted); font: 10px var(--sans); text-anchor: middle; }
.panel .n { fill: var(--ink); font: 600 12px var(--sans); }
.panel .median { stroke: var(--ink); stroke-width: 2; }
.panel .p90 { stroke: var(--bad-ink); stroke-width: 1.5; stroke-dasharray: 4 3; }
.panel .mark-label { font: 600 10px var(--sans); }
.panel .mark-label.median { fill: var(--ink); stroke: none; }
.panel .mark-label.p90 { fill: var(--bad-ink); stroke: none; }
.panel .empty { fill: var(--faint); font: italic 12px var(--sans); text-anchor: middle; }
.panel.few { background: var(--soft); border-style: dashed; }
.panel.few .bar { fill: var(--faint); }
.panel.few .n { fill: var(--warn-ink); }
.panel.none { background: var(--soft); }
.flag.few { color: var(--warn-ink); background: var(--warn-bg); border-color: var(--warn-line); }
td.num-cell { font-variant-numeric: tabular-nums; white-space: nowrap; }
@media print { .panel { break-inside: avoid; } }
"""


def _x(seconds: float) -> float:
    """Where a duration stands across the plot: each bin an equal width, and within a bin
    by the logarithm of the value (linearly in the first, which starts at zero)."""
    width = (_RIGHT - _LEFT) / len(BINS)
    for i, b in enumerate(BINS):
        if b.holds(seconds):
            high = b.high if b.high is not None else _LAST
            if b.low <= 0:
                part = seconds / high
            else:
                part = math.log(min(seconds, high) / b.low) / math.log(high / b.low)
            return round(_LEFT + (i + min(max(part, 0.0), 1.0)) * width, 2)
    return float(_LEFT)


@dataclass(frozen=True)
class Bar:
    """One bin of a histogram as drawn."""

    x: float
    y: float
    width: float
    height: float
    count: int
    label: str


@dataclass(frozen=True)
class MarkLabel:
    """The label of the median or p90 rule: where it stands, which way it reads from x."""

    x: float
    anchor: str  # "start" or "end", as SVG's text-anchor
    cls: str  # "median" or "p90"
    text: str


def _labels(median_x: float | None, p90_x: float | None) -> tuple[MarkLabel, ...]:
    """Labels for the median and p90 rules that stay inside the chart and do not cover
    each other: the median's to the left of its rule and the p90's to the right, turned
    inward at the edges; one label for both when they would still meet."""
    if median_x is None or p90_x is None:
        return ()

    def place(x: float, cls: str, text: str, leftward: bool) -> MarkLabel:
        width = len(text) * _LETTER
        if leftward and x - 3 - width < _LEFT:
            leftward = False
        elif not leftward and x + 3 + width > _RIGHT:
            leftward = True
        return MarkLabel(
            round(x - 3 if leftward else x + 3, 2), "end" if leftward else "start", cls, text
        )

    median = place(median_x, "median", "median", True)
    p90 = place(p90_x, "p90", "p90", False)
    spans = [
        (m.x - len(m.text) * _LETTER, m.x)
        if m.anchor == "end"
        else (m.x, m.x + len(m.text) * _LETTER)
        for m in (median, p90)
    ]
    if spans[0][0] < spans[1][1] and spans[1][0] < spans[0][1]:
        return (place(median_x, "median", "median, p90", True),)
    return (median, p90)


@dataclass(frozen=True)
class Panel:
    """One small histogram: a group's distribution of one duration, laid out."""

    group: str
    incidents: int
    d: Distribution
    bars: tuple[Bar, ...]
    median_x: float | None
    p90_x: float | None
    labels: tuple[MarkLabel, ...] = ()

    @property
    def label(self) -> str:
        """What the chart shows, for a screen reader."""
        if self.d.n == 0:
            return f"{self.d.name}, {self.group}: no incident of {self.incidents} has it"
        counts = ", ".join(f"{b.label}: {b.count}" for b in self.bars)
        few = f"; too few to compare (n < {MIN_N})" if self.d.too_few else ""
        return (
            f"{self.d.name}, {self.group}: n = {self.d.n} of {self.incidents}{few}; "
            f"median {_text(self.d.median)}, 90th percentile {_text(self.d.p90)}; {counts}"
        )


@dataclass(frozen=True)
class Row:
    """One duration across every group, drawn on one scale: its panels and the count at
    the top of that scale."""

    name: str
    definition: str
    top: int
    panels: tuple[Panel, ...]


def _text(seconds: float | None) -> str:
    return human(dt.timedelta(seconds=seconds)) if seconds is not None else "–"


def layout(stats: Stats) -> list[Row]:
    """The page's rows: one per duration, with a panel per group, bars scaled to the
    largest count of the row."""
    rows = []
    width = (_RIGHT - _LEFT) / len(BINS)
    for index, (name, definition) in enumerate(stats.durations):
        dists = [(g, g.distributions[index]) for g in stats.groups]
        top = max((max(d.counts) for _, d in dists), default=0) or 1
        panels = []
        for group, d in dists:
            bars = []
            for i, (count, b) in enumerate(zip(d.counts, BINS, strict=True)):
                height = round(count / top * (_BOTTOM - _TOP), 2)
                bars.append(
                    Bar(
                        x=round(_LEFT + i * width + 2, 2),
                        y=round(_BOTTOM - height, 2),
                        width=round(width - 4, 2),
                        height=height,
                        count=count,
                        label=b.label,
                    )
                )
            median_x = _x(d.median) if d.median is not None else None
            p90_x = _x(d.p90) if d.p90 is not None else None
            panels.append(
                Panel(
                    group=group.key,
                    incidents=group.incidents,
                    d=d,
                    bars=tuple(bars),
                    median_x=median_x,
                    p90_x=p90_x,
                    labels=_labels(median_x, p90_x),
                )
            )
        rows.append(Row(name, definition, top, tuple(panels)))
    return rows


@cache
def _environment() -> jinja2.Environment:
    env = page_environment()
    env.filters["seconds"] = _text
    env.globals.update(
        width=WIDTH,
        height=HEIGHT,
        plot=(_LEFT, _TOP, _RIGHT, _BOTTOM),
        n_line=_N_LINE,
        label_line=_LABEL_LINE,
        ticks=BIN_TICKS,
        bin_width=(_RIGHT - _LEFT) / len(BINS),
        min_n=MIN_N,
        percentile=PERCENTILE,
        why_no_mean=WHY_NO_MEAN,
    )
    return env


def _css() -> str:
    return asset("report.css") + _CSS


_GROUPED = {None: "all together", "service": "by service", "cause": "by cause", "month": "by month"}


def stats_html(stats: Stats, *, title: str, now: dt.datetime) -> str:
    """``stats`` as one self-contained HTML page titled ``title``, generated at ``now``
    (passed in so renders are repeatable)."""
    css = _css()
    csp = (
        f"default-src 'none'; style-src '{csp_hash(css)}'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )
    page = (
        _environment()
        .get_template("stats.html.j2")
        .render(
            stats=stats,
            rows=layout(stats),
            title=title,
            grouped=_GROUPED.get(stats.by, f"by {stats.by}"),
            generated_at=iso_utc(now.replace(microsecond=0)),
            css=Markup(css),
            csp=csp,
        )
    )
    return page.rstrip("\n") + "\n"
