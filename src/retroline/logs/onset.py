"""What changed in the logs at an incident's onset: templates that appeared, spiked, dropped
or vanished, ranked by how unlikely the change is by chance.

For each template, the lines in a window before the onset (``before``, default an hour) are
compared with the lines in a window after it (``after``, default 30 minutes). If the rate
did not change, a template's n lines in both windows fall after the onset with probability
p0 = after / (before + after) each, so the count after is Binomial(n, p0); the windows are
clipped to the time each of the template's files covers. The score is the log-likelihood
ratio G of that test (G = 2 * sum(observed * ln(observed / expected)), chi-squared with one
degree of freedom under no change), given as -log10 of its p-value. A heartbeat that stops
is as telling as an error that starts: both directions are scored.

A change is reported when its p-value is below ``alpha / m`` (Bonferroni over the m
templates seen in the windows; ``alpha`` is 0.01 by default), so a busy log with thousands
of templates does not report noise. One line that appears once is never enough on its own.
"""

from __future__ import annotations

import enum
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from retroline.errors import ChangedError, NotALogError, UsageError
from retroline.instants import iso_utc, iso_utc_or_none
from retroline.logs.run import Stretch, count_windows
from retroline.logs.templates import TemplateMiner
from retroline.logs.timestamps import zone
from retroline.logs.window import EXAMPLES, Example, Tally, Window

__all__ = [
    "ALPHA",
    "Change",
    "ChangeKind",
    "Example",
    "Onset",
    "analyse",
    "parse_duration",
    "parse_instant",
]

#: Family-wise error rate: the chance that any reported change is noise (Bonferroni).
ALPHA = 0.01


class ChangeKind(enum.Enum):
    """How a template's rate moved at the onset."""

    APPEARED = "appeared"  # none before, some after
    SPIKED = "spiked"  # more after than its rate before predicts
    DROPPED = "dropped"  # fewer after, but not none
    VANISHED = "vanished"  # some before, none after


@dataclass
class Change:
    """One template's change at the onset, with the evidence for it."""

    template_id: str
    template: str
    kind: ChangeKind
    score: float  # -log10 of the p-value; higher is less likely by chance
    before: int
    after: int
    first_seen: datetime | None
    last_seen: datetime | None
    hosts: list[str]
    examples: list[Example]
    series: list[int] = field(default_factory=list)  # counts per BINS-th of the two windows
    files: list[str] = field(default_factory=list)  # the files that hold its lines

    @property
    def p_value(self) -> float:
        return 10.0**-self.score

    def to_json(self) -> dict[str, object]:
        return {
            "template_id": self.template_id,
            "template": self.template,
            "kind": self.kind.value,
            "score": round(self.score, 2),
            "before": self.before,
            "after": self.after,
            "first_seen": _iso(self.first_seen),
            "last_seen": _iso(self.last_seen),
            "hosts": self.hosts,
            "series": self.series,
            "examples": [
                {"path": e.path, "line": e.line, "at": _iso(e.at), "text": e.text}
                for e in self.examples
            ],
        }


@dataclass
class Onset:
    """The result of an onset analysis: the windows and the changes, strongest first."""

    at: datetime
    before: timedelta
    after: timedelta
    lines: int
    templates: int
    threshold: float  # the score a change needed
    changes: list[Change]
    #: Files rotated while they were read, when that was allowed (`analyse`).
    rotated: list[ChangedError] = field(default_factory=list)
    #: The first and last instants of each file's lines, by path.
    extents: dict[str, tuple[datetime, datetime]] = field(default_factory=dict)
    #: Each file's lines, a stretch at a time, with their first and last instants, by path:
    #: where a later read for some hours of a file need look (`run.lines_within`).
    stretches: dict[str, list[Stretch]] = field(default_factory=dict)
    #: Files that hold no log, passed over when that was asked (`analyse`).
    skipped: list[NotALogError] = field(default_factory=list)
    #: Per file, its first line whose stamp names no instant (kept without a time).
    unreadable: dict[str, int] = field(default_factory=dict)

    def coverage(self) -> str | None:
        """Why changes cannot be told, when the logs do not reach both sides of the onset
        (what `changes` compares): None when they do, or hold no dated line at all."""
        if not self.extents:
            return None
        first = min(a for a, _ in self.extents.values())
        last = max(b for _, b in self.extents.values())
        if first >= self.at:
            return (
                f"the logs start at {iso_utc(first)}, after the onset: no line before it to"
                " compare with"
            )
        if last < self.at:
            return (
                f"the logs end at {iso_utc(last)}, before the onset: no line after it to"
                " compare with"
            )
        return None

    def to_json(self) -> dict[str, object]:
        return {
            "at": _iso(self.at),
            "coverage": self.coverage(),
            "before_seconds": self.before.total_seconds(),
            "after_seconds": self.after.total_seconds(),
            "lines": self.lines,
            "templates": self.templates,
            "threshold": round(self.threshold, 2),
            "changes": [c.to_json() for c in self.changes],
        }


def _iso(at: datetime | None) -> str | None:
    return iso_utc_or_none(at)


_DURATION = re.compile(r"(\d+(?:\.\d+)?)\s*(d|h|m|min|s|sec)", re.I)
_UNITS = {"d": 86400, "h": 3600, "m": 60, "min": 60, "s": 1, "sec": 1}
#: No window around an onset is longer (a century: logs older than that are not evidence).
_LONGEST = timedelta(days=36525)


def parse_duration(text: str) -> timedelta:
    """``90s``, ``15m``, ``1h30m``, ``2d`` or a number of minutes, as a timedelta."""
    text = text.strip()
    if text.replace(".", "", 1).isdigit():
        seconds = float(text) * 60
    else:
        parts = _DURATION.findall(text)
        if not parts or _DURATION.sub("", text).strip():
            raise UsageError(f"cannot read the duration {text!r}: write it like 90s, 15m or 1h30m")
        seconds = sum(float(n) * _UNITS[unit.lower()] for n, unit in parts)
    if seconds <= 0:
        raise UsageError(f"the duration {text!r} must be longer than zero")
    if seconds > _LONGEST.total_seconds():
        raise UsageError(f"the duration {text!r} is longer than {_LONGEST.days} days")
    return timedelta(seconds=seconds)


def parse_instant(text: str, tz: str | None = None) -> datetime:
    """An ISO 8601 time (``2016-09-08T20:31:00Z``, ``2016-09-08 22:31``) as UTC; a time
    without offset is in ``tz`` (UTC by default)."""
    try:
        at = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise UsageError(
            f"cannot read the time {text!r}: write it like 2016-09-08T20:31:00Z"
        ) from exc
    if at.tzinfo is None:
        at = at.replace(tzinfo=zone(tz))
    return at.astimezone(zone(None))


def analyse(
    paths: Sequence[str | Path],
    at: datetime,
    *,
    before: timedelta = timedelta(hours=1),
    after: timedelta = timedelta(minutes=30),
    tz: str | None = None,
    year: int | None = None,
    alpha: float = ALPHA,
    miner: TemplateMiner | None = None,
    allow_rotation: bool = False,
    skip_non_logs: bool = False,
) -> Onset:
    """Read the logs once and rank the templates whose rate changed at ``at``. A file
    rotated while it was read is an error, or with ``allow_rotation`` a note in
    `Onset.rotated`; a file that holds no log (empty, binary) is an error, or with
    ``skip_non_logs`` a note in `Onset.skipped`, the others read."""
    if before <= timedelta(0) or after <= timedelta(0):
        raise UsageError("--before and --after must be longer than zero")
    try:
        window = Window(at - before, at, at + after)
    except OverflowError:
        raise UsageError(
            f"the windows around {at:%Y-%m-%d %H:%M} UTC (--before {before}, --after {after})"
            " reach past the years 1 to 9999"
        ) from None
    miner = miner or TemplateMiner()
    tallies, lines, extents, errors, stretches, unreadable = count_windows(
        paths, window, tz=tz, year=year, miner=miner
    )
    rotated = [e for e in errors if isinstance(e, ChangedError)] if allow_rotation else []
    skipped = [e for e in errors if isinstance(e, NotALogError)] if skip_non_logs else []
    errors = [e for e in errors if e not in rotated and e not in skipped]
    if errors:
        raise errors[0]
    final = _fold(tallies, miner)
    exposure = {
        path: _exposure(extent, window.start, at, window.end) for path, extent in extents.items()
    }
    changes, threshold = _rank(final, miner, exposure, alpha)
    spans = {path: (first, last) for path, (first, last) in extents.items()}
    return Onset(
        at,
        before,
        after,
        lines,
        len(final),
        threshold,
        changes,
        rotated,
        spans,
        stretches,
        skipped,
        unreadable,
    )


def _exposure(
    extent: list[datetime], start: datetime, at: datetime, end: datetime
) -> tuple[float, float]:
    """Seconds a file covers of the windows before and after the onset: a log that ends
    early, or starts late, cannot show lines where it has none."""
    first, last = extent
    covered_before = (min(at, last) - max(start, first)).total_seconds()
    covered_after = (min(end, last) - max(at, first)).total_seconds()
    return max(covered_before, 0.0), max(covered_after, 0.0)


def _fold(tallies: dict[str, Tally], miner: TemplateMiner) -> dict[str, Tally]:
    """Fold the tallies of templates merged into others (after learning) into those."""
    final: dict[str, Tally] = {}
    for tid, tally in tallies.items():
        learnt = miner.get(tid)
        key = learnt.resolved().id if learnt is not None else tid
        if key in final:
            final[key].fold(tally)
        else:
            final[key] = tally
    return final


def g_score(before: int, after: int, p0: float) -> float:
    """-log10 of the p-value of the G-test that ``after`` of ``before + after`` lines fall
    after the onset when each does with probability ``p0``."""
    n = before + after
    expected_after, expected_before = n * p0, n * (1 - p0)
    g = 0.0
    if after:
        g += after * math.log(after / expected_after)
    if before:
        g += before * math.log(before / expected_before)
    g = max(2 * g, 0.0)
    # chi-squared, one degree of freedom: p = erfc(sqrt(G / 2)); for large G the
    # asymptotic form keeps the logarithm finite where erfc underflows.
    if g < 600:
        p = math.erfc(math.sqrt(g / 2))
        if p > 0:
            return -math.log10(p)
    x = math.sqrt(g / 2)
    return (x * x + math.log(x * math.sqrt(math.pi))) / math.log(10)


def _rank(
    tallies: dict[str, Tally],
    miner: TemplateMiner,
    exposure: dict[str, tuple[float, float]],
    alpha: float,
) -> tuple[list[Change], float]:
    tested = []
    for tid, t in tallies.items():
        seconds_before = sum(exposure.get(path, (0.0, 0.0))[0] for path in t.files)
        seconds_after = sum(exposure.get(path, (0.0, 0.0))[1] for path in t.files)
        # Counts in a window the template's files do not cover say nothing.
        if (t.before or t.after) and seconds_before > 0 and seconds_after > 0:
            tested.append((tid, t, seconds_after / (seconds_before + seconds_after)))
    threshold = -math.log10(alpha / max(len(tested), 1))
    changes = []
    for tid, t, p0 in tested:
        score = g_score(t.before, t.after, p0)
        if score < threshold:
            continue
        rate_up = t.after * (1 - p0) > t.before * p0
        if rate_up:
            kind = ChangeKind.SPIKED if t.before else ChangeKind.APPEARED
            examples = t.examples_after
        else:
            kind = ChangeKind.DROPPED if t.after else ChangeKind.VANISHED
            examples = t.examples_before
        learnt = miner.get(tid)
        changes.append(
            Change(
                tid,
                learnt.resolved().text if learnt is not None else "",
                kind,
                score,
                t.before,
                t.after,
                t.first,
                t.last,
                sorted(t.hosts),
                examples[:EXAMPLES] if rate_up else examples[-EXAMPLES:],
                list(t.bins),
                sorted(t.files),
            )
        )
    changes.sort(key=lambda c: (-c.score, c.template_id))
    return changes, threshold
