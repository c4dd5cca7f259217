"""The postmortem as one self-contained HTML page, with an interactive timeline.

The page needs nothing but itself: the stylesheet and the script (``templates/report.css``
and ``templates/timeline.js``) are inlined, the timeline is inline SVG drawn here on the
server, so it reads and prints without JavaScript, and the script only adds zoom, pan and
the original line of an event on hover or click. A Content-Security-Policy with the hashes of
that one style and that one script forbids every other script and every network request.

Everything from the evidence is escaped: Jinja2 autoescapes the markup, links are built only
from plain paths and http(s) URLs, and the data handed to the script is JSON with ``<``,
``>``, ``&`` and the JavaScript line separators escaped, so no string can close the script.
Every value shown, on the page and in that data, is inert first (``retroline.inert``): a
terminal escape or a bidi override shows as ``\x1b`` or ``\u202e``, on the page as on a
terminal that the page is printed to.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import math
import re
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote, urlsplit

import jinja2
from markupsafe import Markup

from retroline.analysis.durations import human
from retroline.inert import inert, safe_url
from retroline.report.postmortem import Postmortem, Row, duration_text
from retroline.sources import anchor, short_where, where

__all__ = ["render_html"]

# Geometry of the server-drawn timeline, in CSS pixels; the script gets the same numbers.
WIDTH = 1000  # the width assumed for stacking close marks before the script measures it
TOP = 44  # room for the milestone labels above the lanes (three rows)
LANE = 64  # height of one lane
BOTTOM = 26  # room for the time axis below the lanes
LEVELS = (32, 18, 46, 25, 39)  # vertical offsets, within a lane, of marks that would overlap
GAP = 14  # marks closer than this (px) go to another level
DAY_BAR = (54, 8)  # offset and height, within a lane, of the bar of a date-only entry
LABEL_ROWS = (11, 23, 35)  # baselines of the milestone labels
TICK_STEPS = [
    1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200,
    86400, 172800, 604800, 1209600, 2592000, 7776000, 31536000,
]  # fmt: skip
MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
ZONE_SOURCES = {
    "explicit": "stated with the time",
    "document": "stated by the document",
    "option": "given with --tz",
    "assumed": "assumed: not stated",
}
KINDS = {
    "impact_start": "Impact start",
    "detection": "Detection",
    "engagement": "Engagement",
    "mitigation": "Mitigation",
    "resolution": "Resolution",
    "change": "Change",
    "communication": "Communication",
    "log": "Log",
    "metric": "Metric",
    "other": "Other",
}

_JSON_ESCAPES = {
    "<": "\\u003c",
    ">": "\\u003e",
    "&": "\\u0026",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
_JSON_UNSAFE = re.compile("[<>&\u2028\u2029]")


def script_json(value: Any) -> str:
    """``value`` as JSON that is safe inside an inline <script>: nothing in it can close the
    element or open a comment, and it is valid JavaScript (no raw U+2028/U+2029)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return _JSON_UNSAFE.sub(lambda m: _JSON_ESCAPES[m.group()], text)


def source_href(
    path: str, line: int | None = None, page: int | None = None, fmt: str | None = None
) -> str | None:
    """A link to a line of evidence: ``file:///abs/path#L12`` for a local file (``#page=3``
    in a PDF), the URL itself for an http(s) source, a relative link otherwise; None when
    there is no path."""
    if not path:
        return None
    fragment = anchor(line, page, fmt)
    scheme = urlsplit(path).scheme.lower()
    if scheme in ("http", "https"):
        return path
    if path.startswith("/"):
        return "file://" + quote(path, safe="/") + fragment
    return quote(path, safe="/") + fragment  # ':' is quoted: a path never becomes a scheme


def _seconds(iso: str) -> float:
    return dt.datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _day(date: str) -> float:
    return dt.datetime.fromisoformat(date).replace(tzinfo=dt.UTC).timestamp()


# The calendar's ends, in seconds: the timeline pads its domain around the first and last
# entries, which may stand at either end (a year 1 or 9999 read from a cut date).
_FIRST = dt.datetime.min.replace(tzinfo=dt.UTC).timestamp()
_LAST = dt.datetime.max.replace(tzinfo=dt.UTC, microsecond=0).timestamp()


def _stamp(seconds: float) -> dt.datetime:
    return dt.datetime.fromtimestamp(min(max(seconds, _FIRST), _LAST), dt.UTC)


def tick_label(seconds: float, step: int, first: bool) -> str:
    """An axis label: the day for steps of a day or more, the time (with the day at midnight
    and on the first tick) below that."""
    t = _stamp(seconds)
    day = f"{MONTHS[t.month - 1]} {t.day}"
    if step >= 86400:
        return day + (f" {t.year}" if first else "")
    clock = t.strftime("%H:%M:%S" if step < 60 else "%H:%M")
    return f"{day} {clock}" if first or (t.hour == t.minute == t.second == 0) else clock


def ticks(start: float, end: float, width: float = WIDTH) -> tuple[int, list[float]]:
    """A round step for the axis between ``start`` and ``end`` and the instants of its ticks."""
    most = max(2, int(width // 110))
    step = next((s for s in TICK_STEPS if (end - start) / s <= most), TICK_STEPS[-1])
    first = math.ceil(start / step) * step
    return step, [float(t) for t in range(int(first), int(end) + 1, step)]


def levels(items: list[tuple[float, float]], count: int, *, crowd: bool = True) -> list[int]:
    """Which of ``count`` levels each item (x, width), sorted by x, goes to so that items do
    not cover each other. When none is free: the one that frees first if ``crowd``, else -1
    (the item is left out: a label that would cover another)."""
    ends = [-math.inf] * count
    out = []
    for x, width in items:
        level = next((i for i, end in enumerate(ends) if x >= end), None)
        if level is None:
            if not crowd:
                out.append(-1)
                continue
            level = min(range(count), key=lambda i: ends[i])
        ends[level] = x + width
        out.append(level)
    return out


def _label_width(name: str) -> float:
    return len(name) * 6.6 + 12


@dataclass
class Mark:
    """One event of the timeline as drawn: where it stands and what it shows."""

    row: Row
    lane: int
    start: float
    end: float | None  # end of a span; a date-only entry spans its day
    day: bool  # a date-only entry (drawn as a bar over its day)
    x: float = 0.0  # percent of the plot's width
    x2: float = 0.0
    y: int = 0


@dataclass
class Timeline:
    """The server-drawn timeline: its domain, lanes, marks, axis and milestones."""

    start: float
    end: float
    lanes: list[str]
    marks: list[Mark]
    height: int
    axis: list[tuple[float, str]] = field(default_factory=list)
    milestones: list[dict[str, Any]] = field(default_factory=list)
    window: tuple[float, float] | None = None  # the impact, from its start to its resolution (s)

    @property
    def label(self) -> str:
        """The span shown, as the script writes it: "2014-10-18 03:10 – ... UTC · 2 d 6 h"."""
        fmt = "%Y-%m-%d %H:%M:%S" if self.end - self.start < 600 else "%Y-%m-%d %H:%M"
        span = human(dt.timedelta(seconds=self.end - self.start))
        return f"{_stamp(self.start).strftime(fmt)} – {_stamp(self.end).strftime(fmt)} UTC · {span}"

    def pct(self, seconds: float) -> float:
        """Where ``seconds`` falls across the plot, in percent."""
        return round((seconds - self.start) / (self.end - self.start) * 100, 3)


def timeline(pm: Postmortem) -> Timeline | None:
    """Lay out the timeline of ``pm``: one lane per source or host, every dated entry placed."""
    lanes = list(pm.lanes)
    marks: list[Mark] = []
    for row in pm.timeline:
        lane = lanes.index(row.lane) if row.lane in lanes else 0
        if row.iso:
            end = _seconds(row.end_iso) if row.end_iso else None
            marks.append(Mark(row, lane, _seconds(row.iso), end, day=False))
        elif row.date:
            marks.append(Mark(row, lane, _day(row.date), _day(row.date) + 86400, day=True))
    if not marks:
        return None
    lo = min(m.start for m in marks)
    hi = max(m.end or m.start for m in marks)
    if hi - lo < 120:
        lo, hi = lo - 60, hi + 60
    pad = (hi - lo) * 0.03
    tl = Timeline(lo - pad, hi + pad, lanes, marks, TOP + LANE * len(lanes) + BOTTOM)
    for m in marks:
        m.x = tl.pct(m.start)
        m.x2 = tl.pct(m.end) if m.end is not None else m.x
    for lane in range(len(lanes)):
        points = sorted((m for m in marks if m.lane == lane and not m.day), key=lambda m: m.start)
        placed = levels([(m.x * WIDTH / 100, GAP) for m in points], len(LEVELS))
        for m, level in zip(points, placed, strict=True):
            m.y = TOP + lane * LANE + LEVELS[level]
        for m in marks:
            if m.lane == lane and m.day:
                m.y = TOP + lane * LANE + DAY_BAR[0]
    step, instants = ticks(tl.start, tl.end)
    tl.axis = [(tl.pct(t), tick_label(t, step, i == 0)) for i, t in enumerate(instants)]
    spots = [(_seconds(ms.iso), ms) for ms in pm.milestones]
    rows = levels(
        [(tl.pct(s) * WIDTH / 100, _label_width(ms.name)) for s, ms in spots],
        len(LABEL_ROWS),
        crowd=False,
    )
    tl.milestones = [
        {
            "x": tl.pct(s),
            "t": s,
            "name": ms.name,
            "row": ms.row,
            "y": LABEL_ROWS[max(level, 0)],
            "crowded": level < 0,
            "end": tl.pct(s) * WIDTH / 100 + _label_width(ms.name) > WIDTH,
        }
        for (s, ms), level in zip(spots, rows, strict=True)
    ]
    by_name = {ms.name: _seconds(ms.iso) for ms in pm.milestones}
    if "impact start" in by_name and "resolution" in by_name:
        tl.window = (by_name["impact start"], by_name["resolution"])
    return tl


def _at(pm: Postmortem, row: Row) -> tuple[str, int | None, int | None, str | None]:
    """Path, line, page and format of a row's source: what ``where`` and the link take."""
    return row.source_path, row.source_line, row.source_page, pm.formats.get(row.source_path)


def _data(pm: Postmortem, tl: Timeline | None) -> dict[str, Any]:
    """What the script needs: the domain, lanes, milestones, and every event's original line."""
    if tl is None:
        return {"events": []}
    return {
        "geometry": {
            "top": TOP,
            "lane": LANE,
            "bottom": BOTTOM,
            "levels": LEVELS,
            "gap": GAP,
            "day": DAY_BAR[0],
            "labels": LABEL_ROWS,
            "ticks": TICK_STEPS,
        },
        "start": tl.start,
        "end": tl.end,
        "lanes": tl.lanes,
        "milestones": tl.milestones,
        "window": list(tl.window) if tl.window else None,
        "events": [
            {
                "id": m.row.id,
                "t": m.start,
                "end": m.end,
                "day": m.day,
                "lane": m.lane,
                "utc": m.row.utc,
                "timeText": m.row.time_text,
                "zone": m.row.zone,
                "zoneSource": ZONE_SOURCES.get(m.row.zone_source or "", ""),
                "assumed": m.row.assumed,
                "approximate": m.row.approximate,
                "kind": KINDS.get(m.row.kind, m.row.kind),
                "text": m.row.text,
                "details": m.row.details,
                "source": where(*_at(pm, m.row)),
                "href": source_href(*_at(pm, m.row)),
            }
            for m in tl.marks
        ],
    }


def spark(series: list[int] | None, width: int = 96, height: int = 24) -> list[dict[str, float]]:
    """The bars of a sparkline for ``series`` (empty without counts): x, y, width, height."""
    if not series:
        return []
    top = max(max(series), 1)
    bar = width / len(series)
    return [
        {
            "x": round(i * bar, 2),
            "w": round(max(bar - 1, 0.5), 2),
            "h": round(max(v / top * height, 1.0 if v else 0.0), 2),
            "y": round(height - max(v / top * height, 1.0 if v else 0.0), 2),
        }
        for i, v in enumerate(series)
    ]


def _inert_strings(value: Any) -> Any:
    """``value`` (the script's data) with every string in it inert."""
    if isinstance(value, str):
        return inert(value)
    if isinstance(value, list | tuple):
        return [_inert_strings(v) for v in value]
    if isinstance(value, dict):
        return {k: _inert_strings(v) for k, v in value.items()}
    return value


def _shown(value: Any) -> Any:
    """What a ``{{ }}`` of the template shows: text inert; the page's own Markup as it is."""
    return inert(value) if isinstance(value, str) and not isinstance(value, Markup) else value


def asset(name: str) -> str:
    """A file of the report's templates folder (a stylesheet, a script), as text."""
    return (resources.files("retroline.report") / "templates" / name).read_text("utf-8")


def csp_hash(text: str) -> str:
    """The Content-Security-Policy source that allows exactly this inline style or script."""
    return "sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def page_environment() -> jinja2.Environment:
    """A Jinja environment for the report's HTML pages: the templates folder, everything
    escaped, and every text shown inert (no terminal or bidi controls)."""
    return jinja2.Environment(
        loader=jinja2.PackageLoader("retroline.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=_shown,
    )


@cache
def _environment() -> jinja2.Environment:
    env = page_environment()
    env.filters.update(
        href=source_href,
        safe_url=safe_url,
        where=where,
        short_where=short_where,
        duration=duration_text,
        spark=spark,
    )
    env.globals.update(
        kinds=KINDS,
        zone_sources=ZONE_SOURCES,
        top=TOP,
        lane_height=LANE,
        day_bar=DAY_BAR,
    )
    return env


def render_html(pm: Postmortem) -> str:
    """The postmortem ``pm`` as one self-contained HTML page."""
    tl = timeline(pm)
    css = asset("report.css")
    data = script_json(_inert_strings(_data(pm, tl)))
    script = asset("timeline.js") + "\nretrolineTimeline(" + data + ");\n"
    csp = (
        "default-src 'none'; "
        f"style-src '{csp_hash(css)}'; script-src '{csp_hash(script)}'; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    page = (
        _environment()
        .get_template("postmortem.html.j2")
        .render(pm=pm, tl=tl, css=Markup(css), script=Markup(script), csp=csp)
    )
    return page.rstrip("\n") + "\n"
