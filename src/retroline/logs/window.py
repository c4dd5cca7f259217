"""Per-template counts of log lines in the windows around an onset, made where lines are parsed.

``logs onset`` and ``investigate`` need, per template, how many lines fell before and after
the onset, when, on which hosts, and a few example lines; not each line. So each chunk of
parsed lines is counted where it was parsed (`jsonl.ChunkParser`, in worker processes for
big files), and only the counts travel. The parser writes no JSON for the lines it counts:
each line is a `Mark` (its template's hole and its header's entry, which hold its instant
and fields), and a chunk's marks are counted as arrays. `Tally` is one template's counts;
`count_chunk` makes them for one chunk.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import compress, pairwise
from operator import add, itemgetter
from typing import Any, cast

from retroline.logs.reader import RawLine

__all__ = [
    "BINS",
    "EXAMPLES",
    "HOSTS",
    "Example",
    "Head",
    "Mark",
    "Tally",
    "Window",
    "count_chunk",
    "unmark",
]

#: Example lines kept per template and window.
EXAMPLES = 3
#: Hosts listed per template.
HOSTS = 20
#: Bars of the counts-over-time chart of a change, across both windows together.
BINS = 24

# The separator around a JSON line's template hole (`jsonl.SEP`).
_SEP = "\x00"
# One spooled JSON line: its number, "at" (text inside the quotes), what follows the instant
# (where its zone came from), its hole, and its fields.
_LINE = re.compile(
    '"line":([0-9]+),"at":(?:null|"([^"]*)")([^' + _SEP + "]*)" + _SEP + "([0-9]*)" + _SEP
    + "([^\n]*)\n"
)  # fmt: skip
_HOST = re.compile(r'"host":("(?:[^"\\]|\\.)*")')
_HOST_FIRST = ',"host":"'  # how the fields' JSON of a line with a host begins (`jsonl`)
_ZONE = re.compile(r'"zone_source":"([a-z]+)"')

#: A header's entry in the hot loop's cache (`jsonl`): the JSON pieces a line is written
#: with around its template's hole, its "at" text, its fields' JSON, and the month it was
#: read in.
Head = tuple[str, str, str, str, int]
#: One line as the hot path gives it to be counted: its JSON line (with its hole), or,
#: from the hot loop, its hole and its header's entry, which hold what the counts need
#: without writing the JSON.
Mark = str | tuple[str, Head]


@dataclass(frozen=True)
class Window:
    """The windows lines are counted in: [start, at) before the onset, [at, end) after."""

    start: datetime
    at: datetime
    end: datetime


@dataclass(frozen=True)
class Example:
    """A log line that shows a change: where it is, what it said, and where the zone of
    its instant came from (as `ParsedLine.to_json_dict` says it)."""

    path: str
    line: int
    at: datetime | None
    text: str
    zone_source: str | None = None


#: An example line as it is counted, before it is made an `Example` (most are passed over
#: when the tallies of later chunks are folded in): seconds after the window's start, its
#: path and line, its "at" text (`jsonl`) and its text.
Candidate = tuple[float, str, int, str, str]


@dataclass
class Tally:
    """One template's lines: counts in each window, when first and last seen, on which
    hosts and files, counts over time, and the examples nearest the onset."""

    before: int = 0
    after: int = 0
    first: datetime | None = None
    last: datetime | None = None
    hosts: set[str] = field(default_factory=set)
    files: set[str] = field(default_factory=set)
    latest: list[Candidate] = field(default_factory=list)  # the latest lines before
    earliest: list[Candidate] = field(default_factory=list)  # the earliest lines after
    bins: list[int] = field(default_factory=lambda: [0] * BINS)  # counts over both windows

    @property
    def examples_before(self) -> list[Example]:
        """The latest lines before the onset, oldest first."""
        return [_example(c) for c in self.latest]

    @property
    def examples_after(self) -> list[Example]:
        """The earliest lines after the onset, oldest first."""
        return [_example(c) for c in self.earliest]

    def fold(self, other: Tally) -> None:
        """Add another tally of the same template (another chunk, a merged template)."""
        self.before += other.before
        self.after += other.after
        if other.before or other.after:
            self.bins = list(map(add, self.bins, other.bins))
        if other.first is not None and (self.first is None or other.first < self.first):
            self.first = other.first
        if other.last is not None and (self.last is None or other.last > self.last):
            self.last = other.last
        if not other.hosts <= self.hosts:
            self.hosts |= other.hosts
            if len(self.hosts) > HOSTS:
                self.hosts = set(sorted(self.hosts)[:HOSTS])
        self.files |= other.files
        if other.latest:
            self.latest = sorted(self.latest + other.latest)[-EXAMPLES:]
        if other.earliest:
            self.earliest = sorted(self.earliest + other.earliest)[:EXAMPLES]


def count_chunk(
    marks: list[Mark],
    used: list[str],
    lines: list[str] | list[RawLine],
    number: int,
    window: Window,
    path: str,
) -> list[Tally]:
    """Per number of ``used`` (a chunk's template holes), the tally of its lines, given
    by ``marks`` (one a line; ``lines`` their source, the first numbered ``number``).
    Lines without a time or a template (binary junk) are not counted.

    The lines are counted as arrays (numpy), not one by one: per line, only its hole, its
    "at" text and its fields are taken out of its mark; each distinct "at" becomes seconds
    after the window's start once."""
    import numpy as np  # here: `logs parse` imports this module and never counts

    rows = [m if m.__class__ is tuple else unmark(cast(str, m)) for m in marks]
    holes = list(map(itemgetter(0), rows))
    heads = list(map(itemgetter(1), rows))
    ats = list(map(itemgetter(2), heads))
    column = {hole: k for k, hole in enumerate(used)}
    column[""] = -1  # binary junk: no template
    cols = np.array(list(map(column.__getitem__, holes)), dtype=np.int64)
    start = window.start
    distinct = list(set(ats) - {"null"})
    # Quoted ISO 8601 UTC with a six-digit fraction or none (`jsonl`), what follows cut off.
    stamps = [at[1:27] if at[20] == "." else at[1:20] for at in distinct]
    origin = np.datetime64(start.astimezone(UTC).replace(tzinfo=None), "us")
    # Whole microseconds over a million: as `timedelta.total_seconds` gives them.
    offsets = (np.array(stamps, dtype="datetime64[us]") - origin).astype(np.int64) / 10**6
    seconds_of = dict(zip(distinct, offsets.tolist(), strict=True))
    seconds_of["null"] = math.nan
    secs = np.array(list(map(seconds_of.__getitem__, ats)), dtype=np.float64)
    counted = (cols >= 0) & ~np.isnan(secs)
    onset = (window.at - start).total_seconds()
    span = (window.end - start).total_seconds()
    inside = counted & (secs >= 0) & (secs < span)
    before = inside & (secs < onset)
    after = inside & ~before
    width = len(used)
    befores = np.bincount(cols[before], minlength=width)
    afters = np.bincount(cols[after], minlength=width)
    bars = np.minimum((secs[inside] * (BINS / span)).astype(np.int64), BINS - 1)
    bins = np.bincount(cols[inside] * BINS + bars, minlength=width * BINS).reshape(width, BINS)
    # Lines by template, then time, then place: each template's first and last, its latest
    # lines before the onset and its earliest after are at the ends of its run.
    order = np.lexsort((np.arange(len(rows)), secs, cols))
    order = order[counted[order]]
    ranges = _runs(cols[order], width)
    order_before, order_after = order[before[order]], order[after[order]]
    ranges_before = _runs(cols[order_before], width)
    ranges_after = _runs(cols[order_after], width)
    hosts = _hosts(holes, heads, counted, cols, column, width)
    tallies = []
    for k in range(width):
        low, high = ranges[k]
        if low == high:
            tallies.append(Tally(files={path}))
            continue
        low_b, high_b = ranges_before[k]
        low_a, high_a = ranges_after[k]
        latest = order_before[max(low_b, high_b - EXAMPLES) : high_b].tolist()
        earliest = order_after[low_a : min(high_a, low_a + EXAMPLES)].tolist()
        tallies.append(
            Tally(
                int(befores[k]), int(afters[k]),
                _instant(ats[order[low]]), _instant(ats[order[high - 1]]),
                hosts[k], {path},
                [_candidate(i, secs, ats, lines, number, path) for i in latest],
                [_candidate(i, secs, ats, lines, number, path) for i in earliest],
                bins[k].tolist(),
            )
        )  # fmt: skip
    return tallies


def _runs(sorted_cols: Any, width: int) -> list[tuple[int, int]]:
    """Per column 0..width-1, where its run starts and ends in a sorted array of columns."""
    import numpy as np

    edges = np.searchsorted(sorted_cols, np.arange(width + 1)).tolist()
    return list(pairwise(edges))


def _hosts(
    holes: list[str],
    heads: list[Head],
    counted: Any,
    cols: Any,
    column: dict[str, int],
    width: int,
) -> list[set[str]]:
    """Per column, the hosts its counted lines name first in their fields (at most
    `HOSTS`, the first by name)."""
    import numpy as np

    hosts: list[set[str]] = [set() for _ in range(width)]
    tails = list(map(itemgetter(3), heads))
    named = {tail: _host(tail) for tail in dict.fromkeys(tails)}
    names = set(named.values())
    if names == {None}:
        return hosts
    if len(names) == 1:  # every line names the same host (a host's own log): no pairs
        [only] = names
        for k in np.unique(cols[counted]).tolist():
            hosts[k].add(cast(str, only))
        return hosts
    pairs = dict.fromkeys(compress(zip(holes, tails, strict=True), counted.tolist()))
    for hole, tail in pairs:  # distinct: a template's lines share a few field sets
        host = named[tail]
        if host is not None:
            hosts[column[hole]].add(host)
    # The first by name, as `Tally.fold` keeps them: the same whatever the chunks.
    return [found if len(found) <= HOSTS else set(sorted(found)[:HOSTS]) for found in hosts]


def _host(tail: str) -> str | None:
    """The host a line's fields' JSON names, or None (the fields' JSON starts with it)."""
    if not tail.startswith(_HOST_FIRST):
        return None
    quoted = tail[8 : tail.find('"', 9) + 1]
    if "\\" in quoted:
        host = _HOST.search(tail)
        if host is None:
            return None
        quoted = host.group(1)
    return _unquote(quoted)


def unmark(line: str) -> tuple[str, Head]:
    """The mark of a JSON line: its hole, and the "at" text (as the hot loop writes it:
    quoted, with what follows the instant) and fields' JSON where the hot loop's header
    entry holds them."""
    m = _LINE.match(line, line.find('"line":'))
    if m is None:
        raise ValueError(f"not a line of the hot path: {line[:80]!r}")
    when = m.group(2)
    at = "null" if when is None else f'"{when}"{m.group(3)}'
    return m.group(4), ("", "", at, m.group(5), 0)


def _instant(at: str) -> datetime:
    return datetime.fromisoformat(at[1 : at.index('"', 1)])


def _candidate(
    i: int, secs: Any, ats: list[str], lines: list[str] | list[RawLine], number: int, path: str
) -> Candidate:
    """The example candidate of the ``i``-th line of a chunk: its text as written, stripped."""
    raw = lines[i]
    text = raw if isinstance(raw, str) else raw.text
    return (float(secs[i]), path, number + i, ats[i], text.strip())


def _example(candidate: Candidate) -> Example:
    """The example of a candidate, with its instant and where its zone came from."""
    _, path, line, at, text = candidate
    zone = _ZONE.search(at)
    return Example(path, line, _instant(at), text, zone.group(1) if zone else None)


def _unquote(quoted: str) -> str:
    value = json.loads(quoted)
    return value if isinstance(value, str) else quoted
