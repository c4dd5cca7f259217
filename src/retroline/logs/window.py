"""Per-template counts of log lines in the windows around an onset, made where lines are parsed.

``logs onset`` and ``investigate`` need, per template, how many lines fell before and after
the onset, when, on which hosts, and a few example lines; not each line. So each chunk of
parsed lines is counted where it was parsed (`jsonl.ChunkParser`, in worker processes for
big files), from its JSON text, and only the counts travel: the reading costs what ``logs
parse`` costs. `Tally` is one template's counts; `count_chunk` makes them for one chunk.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import add
from typing import Any

from retroline.logs.reader import RawLine

__all__ = ["BINS", "EXAMPLES", "HOSTS", "Example", "Tally", "Window", "count_chunk"]

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


def _example_key(e: Example) -> tuple[datetime, str, int]:
    return (e.at or _NEVER, e.path, e.line)


_NEVER = datetime.min.replace(tzinfo=UTC)


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
    examples_before: list[Example] = field(default_factory=list)  # the latest before
    examples_after: list[Example] = field(default_factory=list)  # the earliest after
    bins: list[int] = field(default_factory=lambda: [0] * BINS)  # counts over both windows

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
        if other.examples_before:
            self.examples_before = sorted(
                self.examples_before + other.examples_before, key=_example_key
            )[-EXAMPLES:]
        if other.examples_after:
            self.examples_after = sorted(
                self.examples_after + other.examples_after, key=_example_key
            )[:EXAMPLES]


def count_chunk(
    text: str,
    used: list[str],
    lines: list[str] | list[RawLine],
    number: int,
    window: Window,
    path: str,
) -> list[Tally]:
    """Per number of ``used`` (a chunk's template holes), the tally of its lines in
    ``text`` (the chunk's JSON lines, ``lines`` their source, the first numbered
    ``number``). Lines without a time or a template (binary junk) are not counted."""
    # Per hole: [first, last, before, after, bins, hosts, latest before, earliest after];
    # instants as (seconds after the window's start, datetime) so that the comparisons per
    # line are of numbers; hosts as their JSON text (decoded once, at the end); examples
    # as (seconds, position, match) until the few kept are made `Example`s.
    found: dict[str, list[Any]] = {}
    instants: dict[str, tuple[float, datetime]] = {}
    start = window.start
    onset = (window.at - start).total_seconds()
    span = (window.end - start).total_seconds()
    scale = BINS / span
    keep = 4 * EXAMPLES
    for m in _LINE.finditer(text):
        hole, when_text = m.group(4, 2)
        if not hole or when_text is None:
            continue
        when = instants.get(when_text)
        if when is None:
            if len(instants) > 4096:
                instants.clear()
            moment = datetime.fromisoformat(when_text)
            when = instants[when_text] = ((moment - start).total_seconds(), moment)
        entry = found.get(hole)
        if entry is None:
            entry = found[hole] = [when, when, 0, 0, [0] * BINS, set(), [], []]
        elif when[0] < entry[0][0]:
            entry[0] = when
        elif when[0] > entry[1][0]:
            entry[1] = when
        hosts = entry[5]
        if len(hosts) < HOSTS:
            tail = m.group(5)
            if tail.startswith(_HOST_FIRST):  # the fields' JSON starts with the host
                quoted = tail[8 : tail.find('"', 9) + 1]
                if "\\" not in quoted:
                    hosts.add(quoted)
                elif (host := _HOST.search(tail)) is not None:
                    hosts.add(host.group(1))
        seconds = when[0]
        if not 0 <= seconds < span:
            continue
        bar = int(seconds * scale)
        entry[4][bar if bar < BINS else BINS - 1] += 1
        if seconds < onset:
            entry[2] += 1
            latest = entry[6]
            latest.append((seconds, m.start(), m))
            if len(latest) > keep:  # the latest, in bounded memory
                latest.sort()  # by time, then place: places differ, matches never compare
                del latest[:-EXAMPLES]
        else:
            entry[3] += 1
            if len(entry[7]) < keep:
                entry[7].append((seconds, m.start(), m))
    tallies = []
    for hole in used:
        entry = found.get(hole)
        if entry is None:
            tallies.append(Tally(files={path}))
            continue
        first, last, before, after, bins, hosts, latest, earliest = entry
        latest.sort()
        earliest.sort()
        tallies.append(
            Tally(
                before, after, first[1], last[1], {_unquote(h) for h in hosts}, {path},
                [_example(m, lines, number, path) for _, _, m in latest[-EXAMPLES:]],
                [_example(m, lines, number, path) for _, _, m in earliest[:EXAMPLES]],
                bins,
            )
        )  # fmt: skip
    return tallies


def _example(m: re.Match[str], lines: list[str] | list[RawLine], number: int, path: str) -> Example:
    """The example of one line: its source text as written, stripped, and its instant."""
    when = datetime.fromisoformat(m.group(2))
    line = int(m.group(1))
    raw = lines[line - number]
    text = raw if isinstance(raw, str) else raw.text
    zone = _ZONE.search(m.group(3))
    return Example(path, line, when, text.strip(), zone.group(1) if zone else None)


def _unquote(quoted: str) -> str:
    value = json.loads(quoted)
    return value if isinstance(value, str) else quoted
