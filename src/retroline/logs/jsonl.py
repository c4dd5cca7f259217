"""The hot path of ``logs parse --json``: a chunk of log lines in, JSON lines with holes out.

It gives, line for line, what `parse.parse_lines` gives serialised by
`ParsedLine.to_json_dict` (a test holds the two together), at a fraction of the cost:

- lines come a chunk at a time (`reader.read_blocks`, `reader.read_span`), not one
  generator step each;
- the header regex's groups are read by position, not through a dict;
- a timestamp is resolved once per distinct second (the fraction is appended as text);
- the optional fields are encoded once per distinct (host, process, pid, level);
- a whole header seen before (lines of one burst share it) gives its JSON in one lookup,
  for as long as headers repeat often enough to pay for the lookups;
- lines in a layout with a clock go a window at a time: the regex is called over the
  window in one ``map``, and a stretch of lines whose hours are known is written by the
  interpreter's own loops (``map``, ``zip``), not by one turn of a Python loop each; where
  many lines do not fit or have hours that cannot be cached, lines go one by one.

Lines that do not fit the current header pattern, binary junk and over-long lines take a
general path that mirrors `parse.py`.

`ChunkParser` does not learn templates: each line's template is left as a hole between two
`SEP` characters (NUL, which JSON text never contains raw), holding the number of its
message's masked form (the miner's masking, done here; numbers last across chunks, see
`Chunk`). The forms go to the miner in order, one chunk after the other (`run.py`), and
`spool.Spool` fills the holes with the final templates. So chunks can be parsed in other
processes (`parallel.py`): what a chunk needs from the lines before it (the record
continuation lines belong to, the header pattern in use, the year of yearless timestamps) is
a small `Carry`, handed in and handed on.
"""

from __future__ import annotations

import gc
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import chain, islice, repeat
from json.encoder import encode_basestring
from operator import getitem, itemgetter, le
from typing import Any, NamedTuple, cast

from retroline.inert import inert_json
from retroline.instants import iso_utc
from retroline.logs.headers import (
    HEADER_FLAGS,
    PATTERNS,
    SAMPLE_BOUND,
    SAMPLE_LINES,
    HeaderPattern,
)
from retroline.logs.layout import MESSAGE, Fields, RecordPattern, tidy_fields
from retroline.logs.learn import late_pattern
from retroline.logs.masking import DEFAULT_RULES, Masker, MaskRule
from retroline.logs.parse import other_patterns
from retroline.logs.reader import Block, RawLine, text_of
from retroline.logs.timestamps import TimeResolver, clock_only
from retroline.logs.window import Head, Mark, Tally, Window, count_chunk, unmark

__all__ = ["SEP", "Carry", "Chunk", "ChunkParser", "FormTable", "sample_lines"]

#: Around the hole of each line's template; JSON escapes every control character.
SEP = "\x00"

_TIME_GROUPS = ("Y", "y", "m", "b", "d", "H", "M", "S", "p", "z", "epoch", "tai", "o")
_FIELDS = ("host", "proc", "pid", "level")
# An optional group that never takes part in a match: the index of fields a pattern lacks.
_NEVER = r"(?:(?!)(?P<_never>))?"
# Entries of the per-file caches before they are emptied (bounded memory).
_CACHE_SIZE = 50_000
_ASSUMED = ',"year_assumed":true'
# What follows "at" (null) for a stamp that names no instant, in the caches of instants: a
# mark, never written out (`_Layout._second`).
_UNREADABLE = "!"
# Minutes and seconds the hour path writes as they are (two digits, below 60).
_TWO_DIGITS = frozenset(f"{i:02d}" for i in range(60))
# What a line's hour gives when it is not known: in place of a month, a number no month
# and no resolver's state is (`_Layout.hours`).
_UNKNOWN_HOUR = ("", -(2**31), "")
# A line's instant from its hour's entry, minutes, seconds and fraction ending.
_AT = "{0[0]}{1}:{2}{3}{0[2]}".format
# A fraction's text -> what ends the instant with it (six digits and "Z", or "Z" alone);
# it starts again from those of no fraction when full.
_NO_FRACTION: dict[str | None, str] = {None: 'Z"', "": 'Z"'}
_ENDINGS = dict(_NO_FRACTION)
_GROUPS = re.Match.groups
_END = re.Match.end
# Lines a window of `ChunkParser._bulk` holds: it starts small after the layout changed,
# and doubles after each window the layout held for.
_WINDOW_MIN, _WINDOW_MAX = 16, 1024
# Windows are judged every this many lines: when more than one line in `_ODD_SHARE` went
# line by line (did not fit the layout, or had an hour that cannot be cached), this many
# lines are read line by line before windows are tried again.
_JUDGED, _ODD_SHARE, _BY_LINE = 512, 32, 16 * _WINDOW_MAX
# Windows of a chunk cut short by a change of layout after which the rest of the chunk goes
# line by line (its layouts change too often for windows to pay).
_MAX_CUTS = 8
_BY_NAME = {pattern.name: pattern for pattern in PATTERNS}


@dataclass
class Carry:
    """What a chunk's lines take from the lines before it, and hand on to the next chunk.

    current: the header pattern of the last line that had a header (tried first).
    at, fields, assumed: that record's JSON time and fields, and whether its year was
        assumed: what continuation and binary lines at the chunk's start repeat.
    years: per yearless header pattern, the year and month its last line was given
        (a month that drops by half a year starts the next year).
    clocks: per header pattern of times of day alone, the days its lines passed midnight
        and its last time of day, in seconds (`TimeResolver.restore_clock`).
    """

    current: str
    at: str = "null"
    fields: str = ""
    assumed: bool = False
    years: dict[str, tuple[int, int]] = field(default_factory=dict)
    clocks: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass
class Chunk:
    """One chunk of lines parsed: JSON lines with holes, and what fills them.

    Each line's hole holds a number that stands for its message's masked form
    (`masking.Masker`); a message's template follows from that form alone, so the main
    process learns a form once per chunk, however many messages share it. Numbers are
    kept across the chunks one parser parses (``source``), so that a message seen in an
    earlier chunk costs one lookup; each chunk hands on only the forms it numbered.
    An empty hole is binary junk, which has no template.

    forms: the forms the chunk numbered, ``first`` being the number of the first of them
        (0 when the numbering starts, or starts again: the earlier numbers are gone).
    source: which parser's numbers these are.
    used: the numbers the chunk's lines hold, in the order they first appear.
    counts: lines per number of ``used``, for the templates' counts.
    seen: per number of ``used``, the first and last "at" (JSON texts), when asked for.
    start, end: the carry the chunk was parsed from, and the one it hands on.
    record_used: whether lines before its first header took the record from ``start``.
    tally: per number of ``used``, its lines counted in the windows of an onset, when
        asked for (`window.count_chunk`).
    first_months: per yearless pattern it used, the month of its first line there.
    first_clocks: per pattern of times of day alone it used, its first line's, in seconds.
    unreadable: its file and first line whose stamp names no instant (30 February, an
        unknown zone): kept without a time, which the user is told (`run.warn_unreadable`).
    lines, number: how many lines it holds, and the number of the first.
    messages: each line's message, in order (binary lines have none), when asked for.
    """

    text: str
    forms: list[str]
    first: int
    source: str
    used: list[str]
    counts: list[int]
    start: Carry
    end: Carry
    record_used: bool = False
    first_months: dict[str, int] = field(default_factory=dict)
    seen: list[tuple[str | None, str | None]] | None = None
    tally: list[Tally] | None = None
    lines: int = 0
    number: int = 0
    messages: list[str] | None = None
    first_clocks: dict[str, int] = field(default_factory=dict)
    unreadable: tuple[str, int] | None = None


class FormTable:
    """The main process's side of the numbers of `Chunk`: per parser, the form each
    number stands for."""

    def __init__(self) -> None:
        self._tables: dict[str, list[str]] = {}

    def take(self, chunk: Chunk) -> None:
        """Note the forms a chunk numbered (chunks of a parser come in the order parsed)."""
        table = self._tables.setdefault(chunk.source, [])
        if chunk.first == 0:
            table.clear()
        if len(table) != chunk.first:
            raise RuntimeError(f"chunk numbers forms from {chunk.first}, {len(table)} known")
        table += chunk.forms

    def forms(self, chunk: Chunk) -> list[str]:
        """Take a chunk's forms; the form of each number its lines use, as in ``used``."""
        self.take(chunk)
        table = self._tables[chunk.source]
        return [table[int(number)] for number in chunk.used]


class _Settings(NamedTuple):
    """What each layout's `TimeResolver` is made from: the zone and year given, the day the
    file was last written and the date its first lines write (`learn.written_date`)."""

    tz: str | None
    year: int | None
    day: date | None
    dated: date | None


class _Layout:
    """One header pattern prepared for the hot path within one file: its groups by
    position, and its own time resolver and caches (a stream that mixes formats follows
    the year of each on its own, as `parse.parse_lines` does)."""

    def __init__(self, pattern: HeaderPattern, settings: _Settings) -> None:
        self.pattern = pattern
        # The header alone: the message is the rest of the line, wherever the header ends
        # (a message matches ".*" whatever it holds, so cutting it off changes no match),
        # and the engine need not walk over it.
        head = pattern.regex.removesuffix(MESSAGE)
        if head == pattern.regex:
            raise ValueError(f"header pattern {pattern.name} does not end with {MESSAGE}")
        compiled = re.compile(head + _NEVER, HEADER_FLAGS)
        self.match = compiled.match
        index = {name: i - 1 for name, i in compiled.groupindex.items()}
        never = index["_never"]
        self.fields = itemgetter(*(index.get(name, never) for name in _FIELDS))
        self.time_names = [name for name in _TIME_GROUPS if name in index]
        # Always a tuple (never-matching groups end it), even for one time group or none
        # (a file without headers).
        self.time = itemgetter(*(index[name] for name in self.time_names), never, never)
        self.fraction = index.get("f", never)
        # Without a year of its own, a timestamp's year depends on the lines before. The
        # pattern's own example tells a year that may be left out (syslog's) from one that
        # may not.
        self.yearless = pattern.yearless
        # Times of day alone: their day follows from the lines before (`restore_clock`),
        # and the resolver follows it over midnight only if it sees every line. So such a
        # layout caches no instants: each line is resolved, as `parse.parse_lines` does.
        self.clock_only = clock_only(self.time_names)
        self.resolver = TimeResolver(*settings)
        # Time text of one second -> (JSON text without fraction and "Z", month seen, the
        # JSON that follows the instant: where its zone came from, an assumed date).
        self.times: dict[tuple[str | None, ...], tuple[str, int, str]] = {}
        # Where minutes and seconds are in a time key, and per hour (the key without them)
        # its JSON up to the minutes, month seen and provenance: a second not seen before
        # is then written out, not resolved (in most logs most seconds are new).
        clock = (
            ("M" in self.time_names and "S" in self.time_names)
            and not ({"epoch", "tai"} & set(self.time_names))
            and not self.clock_only
        )
        # Where a match's minutes and seconds are, and its hour's key (its time groups but
        # those two).
        self.clock = (index["M"], index["S"]) if clock else None
        hour_parts = [index[name] for name in self.time_names if name not in ("M", "S")]
        self.hour_of: Callable[[tuple[Any, ...]], Any] = (
            itemgetter(*hour_parts) if hour_parts else lambda groups: ()
        )
        self.hours: dict[tuple[str | None, ...], tuple[str, int, str]] = {}
        # (host, process, pid, level) -> the JSON that ends a line (year_assumed included
        # when it is), and the fields' own JSON.
        self.tails: dict[tuple[Any, ...], tuple[str, str]] = {}
        # Whole header text (up to the message) -> its JSON pieces, fields, month seen: lines of
        # one burst share their header. Given up when too few lines repeat one (the
        # headers carry milliseconds, say), as it then only costs.
        self.heads: dict[str, Head] = {}
        self.use_heads = not self.clock_only
        # Lines `ChunkParser._bulk` matches at once; lines to go line by line before it is
        # tried again; lines it read since it was last judged, and how many went one by one
        # (`ChunkParser._texts`).
        self.window = _WINDOW_MIN
        self.by_line = self.tried = self.odd = 0
        self.head_hits = self.head_misses = 0
        self.assumed = False

    def at_text(self, groups: tuple[Any, ...]) -> str:
        """The JSON text of a header's instant, resolved once per distinct second."""
        key = self.time(groups)
        known = self.times.get(key)
        if known is None or (self.yearless and known[1] != self.resolver._last_month):
            known = self._second(key, groups)
        base = known[0]
        if base == "null":
            return base
        return base + _ending(groups[self.fraction]) + known[2]

    def names_no_instant(self, groups: tuple[Any, ...]) -> bool:
        """Whether a line's stamp (``groups``, resolved before) names no instant."""
        known = self.times.get(self.time(groups))
        return known is not None and known[2] == _UNREADABLE

    def instants(
        self,
        groups: list[tuple[Any, ...]],
        hits: list[tuple[str, int, str]],
        minutes: list[str],
        seconds: list[str],
    ) -> list[str]:
        """The JSON of the instants of lines whose hours are known (``hits``, with two-digit
        ``minutes`` and ``seconds``): each written from its hour's, as `_second` would."""
        endings = list(map(_ENDINGS.get, map(itemgetter(self.fraction), groups)))
        if None in endings:
            for k, ending in enumerate(endings):
                if ending is None:
                    endings[k] = _ending(groups[k][self.fraction])
        return list(map(_AT, hits, minutes, seconds, endings))

    def _second(self, key: tuple[Any, ...], groups: tuple[Any, ...]) -> tuple[str, int, str]:
        """The JSON pieces of one second's instant (``key``, the time groups of a match's
        ``groups``): from its hour's when that hour is known and an hour of whole hours
        from UTC (most lines), else resolved."""
        resolver = self.resolver
        hour_key = None
        if self.clock is not None:
            minute, second = groups[self.clock[0]], groups[self.clock[1]]
            if minute and second and len(minute) <= 2 and len(second) <= 2:
                # Digits (the header's groups), compared as two-digit text.
                minute, second = minute.zfill(2), second.zfill(2)
                if minute < "60" and second < "60":
                    hour_key = self.hour_of(groups)
                    hour = self.hours.get(hour_key)
                    if hour is not None and (not self.yearless or hour[1] == resolver._last_month):
                        known = (hour[0] + minute + ":" + second, hour[1], hour[2])
                        self.times[key] = known
                        return known
        year, days, unreadable = resolver.year, resolver.days, resolver.unreadable
        parts = dict(zip(self.time_names, key, strict=False))
        at = resolver.resolve(parts)
        if resolver.year != year or resolver.days != days or len(self.times) >= _CACHE_SIZE:
            # A new year, or a new day of times of day alone: the same text may now mean
            # another instant.
            self.times.clear()
            self.hours.clear()
            self.heads.clear()
        base = "null" if at is None else '"' + iso_utc(at).removesuffix("Z")
        after = "" if at is None else _provenance(resolver, parts)
        if resolver.unreadable != unreadable:
            after = _UNREADABLE
        month = resolver._last_month if self.yearless else 0
        known = (base, month, after)
        # A time of day alone is not kept (the same text is on another day after a
        # midnight), unless it names no instant on any day.
        if not self.clock_only or after == _UNREADABLE:
            self.times[key] = known
        if resolver.year_assumed and not self.assumed:
            self.assumed = True
            self.tails.clear()
            self.heads.clear()
        if hour_key is not None and at is not None and self._whole_hour(parts):
            self.hours[hour_key] = (base[:15], month, after)
        return known

    def _whole_hour(self, parts: dict[str, str | None]) -> bool:
        """Whether each second of a line's hour is its first second in UTC plus the minutes
        and seconds written: the hour is whole hours from UTC and no clock change falls in
        it (where one does, each second is resolved on its own)."""
        first = self.resolver.resolve({**parts, "M": "0", "S": "0"})
        last = self.resolver.resolve({**parts, "M": "59", "S": "59"})
        return (
            first is not None
            and last is not None
            and first.minute == first.second == 0
            and (last - first).total_seconds() == 3599
        )

    def restore(self, year: int, last_month: int) -> None:
        """Take up the year state of the lines before a chunk (yearless patterns only)."""
        if year != self.resolver.year:
            self.times.clear()  # the same text now means another instant
            self.hours.clear()
            self.heads.clear()
        self.resolver.restore(year, last_month)

    def restore_clock(self, days: int, clock: int) -> None:
        """Take up the days and last time of day of the lines before a chunk (patterns of
        times of day alone only, which cache no instants)."""
        self.resolver.restore_clock(days, clock)

    def tail(self, key: tuple[Any, ...]) -> tuple[str, str]:
        """The JSON that ends a line with these fields, and the fields' own JSON."""
        found = self.tails.get(key)
        if found is None:
            if len(self.tails) >= _CACHE_SIZE:
                self.tails.clear()
            host, process, pid, level = key
            process, pid, level = tidy_fields(process, pid, level)  # as `HeaderPattern.parse`
            fields = _fields_json((host, process, pid, level))
            found = self.tails[key] = (fields + (_ASSUMED if self.assumed else "") + "}", fields)
        return found


class _RecordLayout:
    """A record layout (JSON objects, key=value pairs) within one file: its pattern's code
    reads each line, its own resolver gives the instants."""

    yearless = False

    def __init__(self, pattern: RecordPattern, settings: _Settings) -> None:
        self.pattern = pattern
        self.parse = pattern.parse
        self.resolver = TimeResolver(*settings)
        self.assumed = False

    def texts(self, fields: Fields) -> tuple[str, str]:
        """A record's "at" JSON (with where its zone came from) and its fields' JSON."""
        resolver = self.resolver
        at = resolver.resolve(fields.time)
        if resolver.year_assumed:
            self.assumed = True
        if at is None or fields.time is None:
            at_text = "null"
        else:
            at_text = f'"{iso_utc(at)}"'
            at_text += _provenance(resolver, fields.time)
        return at_text, _fields_json((fields.host, fields.process, fields.pid, fields.level))


class _File:
    """What the hot path carries from line to line within one file."""

    def __init__(self, pattern: HeaderPattern, settings: _Settings) -> None:
        self.settings = settings
        # The patterns a carry may name: the catalog's and the file's own (a learnt one).
        self.known = {**_BY_NAME, **{p.name: p for p in pattern.companions}, pattern.name: pattern}
        self.layouts: dict[str, _Layout | _RecordLayout] = {}
        self.first = self.current = self.layout(pattern)
        self.records, self.others = other_patterns(pattern)
        # The record continuation lines belong to: its "at" and its fields' JSON.
        self.at = "null"
        self.fields = ""
        self.record_assumed = False
        # Lines from the chunk's start that had no header (they took the record carried in).
        self.leading = 0
        self.chunk_start = 0
        # Windows of the chunk cut short by a change of layout (`_MAX_CUTS`).
        self.cuts = 0
        # The chunk's first line whose stamp names no instant.
        self.unreadable: int | None = None

    def named(self, name: str) -> HeaderPattern:
        """The pattern a carry names: a known one, or one a line alone made (`late_pattern`),
        which another process may not have met yet."""
        found = self.known.get(name) or late_pattern(name)
        if found is None:
            raise KeyError(name)
        return found

    def layout(self, pattern: HeaderPattern) -> _Layout | _RecordLayout:
        found = self.layouts.get(pattern.name)
        if found is None:
            found = self.layouts[pattern.name] = (
                _RecordLayout(pattern, self.settings)
                if isinstance(pattern, RecordPattern)
                else _Layout(pattern, self.settings)
            )
            if found.yearless:  # from no month, and `first_month` keeps the chunk's first
                found.resolver.restore(found.resolver.year, 0)
        return found


def _provenance(resolver: TimeResolver, parts: dict[str, str | None]) -> str:
    """The JSON after a line's instant: where its zone came from, whether its date was
    assumed and whether its zone has other meanings (as `parse.ParsedLine.to_json_dict`
    writes them)."""
    source = resolver.zone_source(parts)
    text = "" if source is None else f',"zone_source":"{source.value}"'
    text += ',"date_assumed":true' if resolver.assumes_date(parts) else ""
    return text + (',"zone_ambiguous":true' if resolver.zone_ambiguous(parts) else "")


def _ending(fraction: str | None) -> str:
    """What ends an instant's JSON text after its seconds: the fraction to six digits (none
    when they are all zero) and "Z"; remembered for the next lines (`_ENDINGS`)."""
    found = _ENDINGS.get(fraction)
    if found is None:
        assert fraction is not None  # None is in `_ENDINGS`
        six = (fraction + "00000")[:6]
        found = "." + six + 'Z"' if six != "000000" else 'Z"'
        if len(_ENDINGS) >= _CACHE_SIZE:
            _ENDINGS.clear()
            _ENDINGS.update(_NO_FRACTION)
        _ENDINGS[fraction] = found
    return found


def _fields_json(values: tuple[Any, ...]) -> str:
    host, process, pid, level = values
    parts = []
    if host not in (None, "", "-"):
        parts.append(f',"host":{encode_basestring(host)}')
    if process not in (None, "", "-"):
        parts.append(f',"process":{encode_basestring(process)}')
    if pid not in (None, "-"):
        parts.append(f',"pid":{encode_basestring(pid)}')
    if level is not None:
        parts.append(f',"level":{encode_basestring(level)}')
    return inert_json("".join(parts))


def _general(state: _File, raw: RawLine, head: str, hole: _Forms, missed: bool = False) -> str:
    """A line off the hot path (binary, over-long, not fitting the current pattern), as
    `parse.parse_lines` treats it; may switch ``state.current`` to another pattern.
    ``missed``: the line is known not to fit the current pattern."""
    truncated = ',"truncated":true' if raw.truncated else ""
    if raw.number - state.chunk_start == state.leading:
        state.leading += 1  # no header so far: counted back below if this line has one
    if raw.binary:
        return f'{head}"at":{state.at}{SEP}{SEP}{truncated},"binary":true}}\n'
    m = record = None
    layout: _Layout | _RecordLayout
    for layout in (state.current, state.first):
        if layout is state.current and missed:
            continue
        if isinstance(layout, _RecordLayout):
            record = layout.parse(raw.text)
        else:
            m = layout.match(raw.text)
        if m is not None or record is not None:
            break
    else:  # in a fixed order, as `parse._other_header`
        for known in state.records:
            record = known.parse(raw.text)
            if record is not None:
                layout = state.layout(known)
                break
        else:
            pattern = state.others.reading(raw.text)
            if pattern is not None:
                layout = state.layout(pattern)
                if isinstance(layout, _RecordLayout):
                    record = layout.parse(raw.text)
                else:
                    m = layout.match(raw.text)
    if m is None and record is None:  # no header: a continuation of the record before
        assumed = _ASSUMED if state.record_assumed else ""
        tail = f'{state.fields},"continuation":true{truncated}{assumed}}}'
        return f'{head}"at":{state.at}{SEP}{hole.number(raw.text.strip())}{SEP}{tail}\n'
    if raw.number - state.chunk_start < state.leading:
        state.leading -= 1
    state.current = layout
    if record is not None:
        layout = cast(_RecordLayout, layout)
        return _record(state, layout, record, raw.number, head, hole, truncated)
    layout = cast(_Layout, layout)
    assert m is not None
    groups = m.groups()
    state.at = layout.at_text(groups)
    if state.at == "null" and state.unreadable is None and layout.names_no_instant(groups):
        state.unreadable = raw.number
    state.fields = layout.tail(layout.fields(groups))[1]
    state.record_assumed = layout.assumed
    assumed = _ASSUMED if layout.assumed else ""
    number = hole.number(raw.text[m.end() :])
    return f'{head}"at":{state.at}{SEP}{number}{SEP}{state.fields}{truncated}{assumed}}}\n'


def _record(
    state: _File,
    layout: _RecordLayout,
    fields: Fields,
    line: int,
    head: str,
    hole: _Forms,
    truncated: str,
) -> str:
    """The JSON of line ``line``, which a record layout read; it becomes the record
    continuation lines repeat."""
    unreadable = layout.resolver.unreadable
    state.at, state.fields = layout.texts(fields)
    if layout.resolver.unreadable != unreadable and state.unreadable is None:
        state.unreadable = line
    state.record_assumed = layout.assumed
    assumed = _ASSUMED if layout.assumed else ""
    number = hole.number(fields.message)
    return f'{head}"at":{state.at}{SEP}{number}{SEP}{state.fields}{truncated}{assumed}}}\n'


class _Forms:
    """The numbers of one parser's masked messages (see `Chunk`), and the numbers of the
    lines of the chunk being parsed."""

    def __init__(self, mask: Callable[[str], str]) -> None:
        self.mask = mask
        self.source = f"{os.getpid()}-{id(self)}"
        self.of: dict[str, str] = {}  # message -> the number of its form
        self.numbers: dict[str, str] = {}  # masked form -> its number
        self.fresh: list[str] = []  # forms numbered in the chunk being parsed
        self.first = 0  # the number of fresh[0]
        self.handed_on = True  # whether the last chunk's forms went to the main process
        self.lines: list[str] = []  # the number of each line of the chunk that has one
        # Each line's message, when they are asked for (the general path only).
        self.said: list[str] | None = None

    def begin(self, hand_on: bool) -> None:
        """Start a chunk; the numbering starts again once it holds too many messages.

        A chunk that is not handed on (`ChunkParser.parse`) leaves the forms it numbered
        to the next one."""
        if len(self.of) >= _CACHE_SIZE:
            self.of.clear()
            self.numbers.clear()
            self.handed_on = True
        if self.handed_on:
            self.first = len(self.numbers)
            self.fresh = []
        self.handed_on = hand_on
        self.lines = []
        if self.said is not None:
            self.said = []

    def number(self, message: str) -> str:
        """The number of a message, counted for its line."""
        number = self.of.get(message)
        if number is None:
            number = self.new(message)
        self.lines.append(number)
        if self.said is not None:
            self.said.append(message)
        return number

    def new(self, message: str) -> str:
        """The number of a message not seen since the numbering started (not counted)."""
        masked = self.mask(message)
        number = self.numbers.get(masked)
        if number is None:
            number = self.numbers[masked] = str(len(self.numbers))
            self.fresh.append(masked)
        self.of[message] = number
        return number

    def used(self) -> tuple[list[str], list[int]]:
        """The chunk's numbers in the order they first appear, and their lines."""
        counted = Counter(self.lines)
        return list(counted), list(counted.values())


def sample_lines(blocks: Iterator[Block]) -> tuple[list[Block], list[str]]:
    """The first blocks of a file, and the text of its first lines for `detect`. Binary
    lines are not sampled, but count towards a bound on the lines read for the sample, so
    that a large binary file is not held whole."""
    taken: list[Block] = []
    sample: list[str] = []
    seen = 0
    for block in blocks:
        taken.append(block)
        sample += [t for x in block[1][:SAMPLE_LINES] if (t := text_of(x)) is not None]
        seen += len(block[1])
        if len(sample) >= SAMPLE_LINES or seen >= SAMPLE_BOUND:
            break
    return taken, sample[:SAMPLE_LINES]


class ChunkParser:
    """Parses the chunks of one file, in any order, each from the `Carry` it is given.

    The header, time and field caches live here and outlast a chunk (a worker process
    keeps one parser per file); they never change what a line gives.
    """

    def __init__(
        self,
        pattern: HeaderPattern,
        tz: str | None,
        year: int | None,
        name: str | None = None,
        stats: bool = False,
        rules: tuple[MaskRule, ...] = DEFAULT_RULES,
        day: date | None = None,
        window: Window | None = None,
        source: str = "",
        messages: bool = False,
        text: bool = True,
        dated: date | None = None,
    ) -> None:
        self.state = _File(pattern, _Settings(tz, year, day, dated))
        # Counting the lines in the windows of an onset, for each chunk: its file's name.
        self.window, self.source = window, source
        # Whether chunks give their JSON text; lines are marks, not JSON (`window.Mark`),
        # when counted in an onset's windows or only counted (``text`` False: a summary,
        # whose statistics the marks give).
        self.text = text
        self.marking = window is not None or not text
        self.rules = rules
        self.prefix = (
            '{"file":' + inert_json(encode_basestring(name)) + ',"line":'
            if name is not None
            else '{"line":'
        )
        # A JSON line with its hole, from its number, "at", hole and ending (`_emit`).
        self.line = (
            self.prefix.replace("{", "{{").replace("}", "}}")
            + '{},"at":{}'
            + SEP
            + "{}"
            + SEP
            + "{}\n"
        ).format
        self.stats = stats
        self.year = TimeResolver(tz, year, day).year
        # The miner's masking, so that the forms are the ones it learns.
        self.forms = _Forms(Masker(rules).mask)
        if messages:  # each chunk gives its lines' messages too (`Chunk.messages`)
            self.forms.said = []

    def initial(self) -> Carry:
        """The carry of a file's first chunk."""
        return Carry(self.state.first.pattern.name)

    def parse(
        self, number: int, lines: list[str] | list[RawLine], carry: Carry, hand_on: bool = True
    ) -> Chunk:
        """Parse one chunk: ``lines``, the first numbered ``number``, after ``carry``.

        ``hand_on=False`` for a chunk parsed only for its end carry, not given to the main
        process: the next chunk then hands on the forms this one numbered."""
        # A chunk makes two or three objects a line and no cycles among them: the cyclic
        # collector, which would walk the young ones every 700 (a fifth of the time of a
        # summary's marks), runs once after it instead.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._parse(number, lines, carry, hand_on)
        finally:
            if collecting:
                gc.enable()

    def _parse(
        self, number: int, lines: list[str] | list[RawLine], carry: Carry, hand_on: bool
    ) -> Chunk:
        """`parse`, the collector paused."""
        start = self._restore(carry, number)
        forms = self.forms
        forms.begin(hand_on)
        parts = self._lines(number, lines, forms)
        # Counted, a chunk's lines are marks, not JSON (`window.Mark`).
        text = "" if self.marking else "".join(cast(list[str], parts))
        state = self.state
        years, first_months, clocks, first_clocks = {}, {}, {}, {}
        for name, layout in state.layouts.items():
            # (A layout of times of day alone writes no year either: its days are what
            # the lines before give it.)
            if isinstance(layout, _Layout) and layout.clock_only:
                resolver = layout.resolver
                clocks[name] = (resolver.days, resolver.last_clock)
                if resolver.first_clock is not None:
                    first_clocks[name] = resolver.first_clock
            elif layout.yearless:
                resolver = layout.resolver
                years[name] = (resolver.year, resolver.last_month)
                if resolver.first_month is not None:
                    first_months[name] = resolver.first_month
        end = Carry(
            state.current.pattern.name, state.at, state.fields, state.record_assumed, years, clocks
        )
        used, counts = forms.used()
        return Chunk(
            text,
            list(forms.fresh),
            forms.first,
            forms.source,
            used,
            counts,
            start,
            end,
            state.leading > 0,
            first_months,
            (_seen_marks(parts, used) if self.marking else _seen(text, used))
            if self.stats
            else None,
            count_chunk(parts, used, lines, number, self.window, self.source)
            if self.window is not None and hand_on
            else None,
            len(lines),
            number,
            forms.said,
            first_clocks,
            None if state.unreadable is None else (self.source, state.unreadable),
        )

    def _restore(self, carry: Carry, number: int) -> Carry:
        state = self.state
        state.current = state.layout(state.named(carry.current))
        state.at, state.fields, state.record_assumed = carry.at, carry.fields, carry.assumed
        state.leading, state.chunk_start, state.cuts = 0, number, 0
        state.unreadable = None
        for name in chain(carry.years, carry.clocks):
            state.layout(state.named(name))
        for name, layout in state.layouts.items():
            if isinstance(layout, _Layout) and layout.clock_only:
                layout.restore_clock(*carry.clocks.get(name, (0, -1)))
            elif isinstance(layout, _Layout) and layout.yearless:
                layout.restore(*carry.years.get(name, (self.year, 0)))
        return Carry(
            carry.current,
            carry.at,
            carry.fields,
            carry.assumed,
            dict(carry.years),
            dict(carry.clocks),
        )

    def _lines(self, number: int, lines: list[str] | list[RawLine], hole: _Forms) -> list[Mark]:
        """The chunk's JSON lines with holes, one a line; with a window, lines of the hot
        loop are marks instead (`window.Mark`)."""
        state, prefix = self.state, self.prefix
        if lines and lines[0].__class__ is not str:  # odd lines: the general path for all
            odd = cast(list[RawLine], lines)
            return [_general(state, raw, f"{prefix}{raw.number},", hole) for raw in odd]
        texts = cast(list[str], lines)
        if hole.said is not None:  # each line's message is kept: the general path too
            return [
                _general(state, RawLine(n, text, False, False), f"{prefix}{n},", hole)
                for n, text in enumerate(texts, number)
            ]
        out: list[Mark] = []
        start = 0
        while start < len(texts):  # runs of lines in regex layouts, and in record layouts
            if isinstance(state.current, _RecordLayout):
                start = self._records(number, texts, start, hole, out)
            else:
                start = self._texts(number, texts, start, hole, out)
        return out

    def _records(
        self, number: int, lines: list[str], start: int, hole: _Forms, out: list[Mark]
    ) -> int:
        """Lines from ``start`` while the layout in use is a record layout; returns where
        another layout took over (or the end)."""
        state, prefix = self.state, self.prefix
        layout = cast(_RecordLayout, state.current)
        for i in range(start, len(lines)):
            n, text = number + i, lines[i]
            fields = layout.parse(text)
            if fields is not None:
                out.append(_record(state, layout, fields, n, f"{prefix}{n},", hole, ""))
                continue
            out.append(_general(state, RawLine(n, text), f"{prefix}{n},", hole, True))
            if state.current is not layout:
                if not isinstance(state.current, _RecordLayout):
                    return i + 1
                layout = state.current
        return len(lines)

    def _texts(
        self, number: int, lines: list[str], start: int, hole: _Forms, out: list[Mark]
    ) -> int:
        """Lines from ``start`` while the layout in use is a regex one. Returns where another
        layout took over (or the end).

        They go a window at a time through `_bulk` when the layout has a clock (its hours
        are cached). They go line by line (`_each`) when it has none, once the layout has
        changed too often in the chunk, and for a while after a window in which many lines
        did not fit the layout or had an hour not known: there the windows cost more than
        they save."""
        state = self.state
        layout = cast(_Layout, state.current)
        end = len(lines)
        if layout.clock is None or state.cuts >= _MAX_CUTS:
            return self._each(number, lines, start, end, hole, out)
        while start < end:
            if layout.by_line:
                stop = min(end, start + layout.by_line)
                layout.by_line -= stop - start
                reached = self._each(number, lines, start, stop, hole, out)
            else:
                stop = min(end, start + layout.window)
                reached, odd = self._bulk(number, lines, start, stop, hole, out, layout)
                layout.odd += odd
                layout.tried += stop - start
                layout.window = min(2 * layout.window, _WINDOW_MAX)
                # Judged after `_JUDGED` lines, or as soon as more lines went one by one
                # than `_JUDGED` would allow.
                if layout.tried >= _JUDGED or layout.odd * _ODD_SHARE > _JUDGED:
                    if layout.odd * _ODD_SHARE > layout.tried:  # the next try: a short window
                        layout.by_line, layout.window = _BY_LINE, _WINDOW_MIN
                    layout.odd = layout.tried = 0
            if state.current is not layout:
                state.cuts += 1
                layout.window = _WINDOW_MIN
                return reached
            start = stop
        return end

    def _bulk(
        self,
        number: int,
        lines: list[str],
        start: int,
        stop: int,
        hole: _Forms,
        out: list[Mark],
        layout: _Layout,
    ) -> tuple[int, int]:
        """Lines ``start`` to ``stop`` in ``layout``, the regex matched over all of them in one
        call; each stretch of matching lines goes to `_matched`, the others to `_general`
        one by one. Returns where it stopped (``stop``, or after a line that changed the
        layout) and how many lines went one by one."""
        state, prefix = self.state, self.prefix
        window = lines[start:stop]
        matches = list(map(layout.match, window))
        k, size = 0, len(window)
        odd = matches.count(None)
        while k < size:
            try:
                j = matches.index(None, k)
            except ValueError:
                j = size
            if j > k:
                odd += self._matched(
                    number + start + k,
                    window[k:j],
                    cast(list[re.Match[str]], matches[k:j]),
                    hole,
                    out,
                    layout,
                )
            while j < size and matches[j] is None:
                n = number + start + j
                out.append(_general(state, RawLine(n, window[j]), f"{prefix}{n},", hole, True))
                j += 1
                if state.current is not layout:
                    return start + j, odd
            k = j
        return stop, odd

    def _matched(
        self,
        number: int,
        texts: list[str],
        matches: list[re.Match[str]],
        hole: _Forms,
        out: list[Mark],
        layout: _Layout,
    ) -> int:
        """Lines that all match ``layout``, the first numbered ``number``. Stretches of
        lines whose hour is known (and whose minutes and seconds are two digits) go to
        `_emit`; a line whose hour is not goes line by line (`_each`), and may make its
        hour known for the lines after it. Returns how many lines went line by line for
        an hour that cannot be cached."""
        groups = list(map(_GROUPS, matches))
        hour_of, hours = layout.hour_of, layout.hours
        minute_at, second_at = cast(tuple[int, int], layout.clock)
        size, i, unknown = len(groups), 0, 0
        while i < size:
            month = layout.resolver._last_month if layout.yearless else 0
            rest = groups[i:]
            hits = list(map(hours.get, map(hour_of, rest), repeat(_UNKNOWN_HOUR)))
            minutes = list(map(itemgetter(minute_at), rest))
            seconds = list(map(itemgetter(second_at), rest))
            stop = size
            if not (
                list(map(itemgetter(1), hits)).count(month) == len(rest)
                and _TWO_DIGITS.issuperset(minutes)
                and _TWO_DIGITS.issuperset(seconds)
            ):
                stop = i + next(
                    k
                    for k, (hit, minute, second) in enumerate(
                        zip(hits, minutes, seconds, strict=True)
                    )
                    if hit[1] != month or minute not in _TWO_DIGITS or second not in _TWO_DIGITS
                )
            if stop > i:
                cut = stop - i
                known = groups[i:stop]
                ats = layout.instants(known, hits[:cut], minutes[:cut], seconds[:cut])
                self._emit(number + i, texts[i:stop], matches[i:stop], known, ats, hole, out)
            # Lines whose hour is not known, one by one: the first may make it known for
            # the lines after it.
            while stop < size:
                self._each(number, texts, stop, stop + 1, hole, out)
                stop += 1
                if hour_of(groups[stop - 1]) not in hours:  # an hour not cached (half hours
                    # from UTC, a clock change): so are the lines after it, mostly
                    self._each(number, texts, stop, size, hole, out)
                    unknown += size - stop + 1
                    stop = size
                elif stop < size:
                    group = groups[stop]
                    hit = hours.get(hour_of(group), _UNKNOWN_HOUR)
                    month = layout.resolver._last_month if layout.yearless else 0
                    if (
                        hit[1] == month
                        and group[minute_at] in _TWO_DIGITS
                        and group[second_at] in _TWO_DIGITS
                    ):
                        break
            i = stop
        return unknown

    def _emit(
        self,
        number: int,
        texts: list[str],
        matches: list[re.Match[str]],
        groups: list[tuple[Any, ...]],
        ats: list[str],
        hole: _Forms,
        out: list[Mark],
    ) -> None:
        """Lines that match the layout in use, with their instants' JSON (``ats``,
        `_Layout.instants`), written out by the interpreter's own loops (``map``, ``zip``)
        as the line-by-line loop writes them."""
        state = self.state
        layout = cast(_Layout, state.current)
        size = len(texts)
        month = layout.resolver._last_month if layout.yearless else 0
        cuts = map(slice, map(_END, matches), repeat(None))
        messages = cast(list[str], list(map(getitem, texts, cuts)))
        of, new = hole.of, hole.new
        numbers: list[str | None] = list(map(of.get, messages))
        if None in numbers:
            for k, found in enumerate(numbers):
                if found is None:
                    message = messages[k]
                    found = of.get(message)
                    numbers[k] = new(message) if found is None else found
        written = cast(list[str], numbers)
        hole.lines.extend(written)
        keys = list(map(layout.fields, groups))
        tails = list(map(layout.tails.get, keys))
        if None in tails:
            for k, tail in enumerate(tails):
                if tail is None:
                    tails[k] = layout.tail(keys[k])
        fields = list(map(itemgetter(1), cast(list[tuple[str, str]], tails)))
        if self.marking:
            heads = zip(repeat(""), repeat(""), ats, fields, repeat(month), strict=False)
            out.extend(zip(written, heads, strict=True))
        else:
            ends = map(itemgetter(0), cast(list[tuple[str, str]], tails))
            out.extend(map(self.line, range(number, number + size), ats, written, ends))
        state.at, state.fields, state.record_assumed = ats[-1], fields[-1], layout.assumed

    def _each(
        self, number: int, lines: list[str], start: int, end: int, hole: _Forms, out: list[Mark]
    ) -> int:
        """Lines ``start`` to ``end`` while the layout in use is a regex one, line by line:
        the hot loop. Returns where a record layout took over (or ``end``)."""
        state, prefix = self.state, self.prefix
        append = out.append
        layout = cast(_Layout, state.current)
        match, fields, time_key = layout.match, layout.fields, layout.time
        fraction, yearless, resolver = layout.fraction, layout.yearless, layout.resolver
        times, tails, heads = layout.times, layout.tails, layout.heads
        clock, hour_of, hours_get = layout.clock, layout.hour_of, layout.hours.get
        use_heads, misses = layout.use_heads, 0
        marking = self.marking
        heads_get, holes, new_hole = heads.get, hole.of.get, hole.new
        counted = hole.lines.append
        # The month the resolver of a yearless layout last saw (a header cached in another
        # month may now mean another year); 0 for the others, as their cached heads hold.
        month = resolver._last_month if yearless else 0
        since = number + start  # the first line parsed with this layout
        stop = number + end  # the number after the last line parsed here
        # The last line with a header: its head entry (JSON pieces, "at", fields' JSON,
        # month).
        last: Head | None = None
        for n, text in enumerate(islice(lines, start, end), number + start):
            m = match(text)
            if m is None:
                if last is not None:  # the record so far, for continuation lines
                    state.at, state.fields = last[2], last[3]
                    state.record_assumed, last = layout.assumed, None
                append(_general(state, RawLine(n, text), f"{prefix}{n},", hole, True))
                if state.current is not layout:
                    layout.head_hits += n - since - misses
                    layout.head_misses += misses
                    misses, since = 0, n
                    if isinstance(state.current, _RecordLayout):
                        stop = n + 1
                        break
                    layout = state.current
                    match, fields, time_key = layout.match, layout.fields, layout.time
                    fraction, yearless = layout.fraction, layout.yearless
                    resolver, times, tails = layout.resolver, layout.times, layout.tails
                    heads, use_heads, heads_get = layout.heads, layout.use_heads, layout.heads.get
                    clock, hour_of, hours_get = layout.clock, layout.hour_of, layout.hours.get
                month = resolver._last_month if yearless else 0
                continue
            cut = m.end()
            if use_heads:
                head = text[:cut]
                hit = heads_get(head)
                if hit is not None and hit[4] == month:
                    last = hit
                    msg = text[cut:]
                    number_text = holes(msg)
                    if number_text is None:
                        number_text = new_hole(msg)
                    counted(number_text)
                    if marking:
                        append((number_text, hit))
                    else:
                        append(f"{prefix}{n}{hit[0]}{number_text}{hit[1]}")
                    continue
                misses += 1
            groups = m.groups()
            at = after = ""
            if clock is not None:  # most lines: a known hour, and its minutes and seconds
                hour = hours_get(hour_of(groups))
                if hour is not None and hour[1] == month:
                    minute, second = groups[clock[0]], groups[clock[1]]
                    # Two digits each (others, and a leap second, are resolved).
                    if (
                        minute
                        and second
                        and len(minute) == len(second) == 2
                        and minute < "60"
                        and second < "60"
                    ):
                        at, after = hour[0] + minute + ":" + second, hour[2]
            if not at:  # a second resolved before, or one to resolve (`_Layout._second`)
                key = time_key(groups)
                known = times.get(key)
                if known is None or known[1] != month:
                    known = layout._second(key, groups)
                    tails = layout.tails  # emptied when the year became an assumption
                    if yearless:
                        month = resolver._last_month
                at, after = known[0], known[2]
            if at != "null":
                f = groups[fraction]
                at += (_ENDINGS.get(f) or _ending(f)) + after
            elif after and state.unreadable is None:  # a stamp that names no instant
                state.unreadable = n
            msg = text[cut:]
            number_text = holes(msg)
            if number_text is None:
                number_text = new_hole(msg)
            counted(number_text)
            key = fields(groups)
            found_tail = tails.get(key)
            tail, fields_text = found_tail if found_tail is not None else layout.tail(key)
            if use_heads:  # the JSON pieces a line with this header will be written with
                last = (f',"at":{at}{SEP}', f"{SEP}{tail}\n", at, fields_text, month)
                if len(heads) >= _CACHE_SIZE:
                    heads.clear()
                heads[head] = last
            else:  # what continuation lines and marks take from it
                last = ("", "", at, fields_text, month)
            if marking:
                append((number_text, last))
            else:
                append(f'{prefix}{n},"at":{at}{SEP}{number_text}{SEP}{tail}\n')
        layout.head_hits += stop - since - misses
        layout.head_misses += misses
        # A quarter of headers repeating pays for the lookups; fewer do not.
        if layout.head_misses > 4096 and layout.head_hits < layout.head_misses // 3:
            layout.use_heads = False
            layout.heads.clear()
        if last is not None:
            state.at, state.fields = last[2], last[3]
            state.record_assumed = layout.assumed
        return stop - number


# A spooled line's "at" and hole: what the statistics of its template need (what follows
# the instant, where its zone came from, is skipped).
_AT_HOLE = re.compile('"at":(null|"[^"]*")[^' + SEP + "]*" + SEP + "([0-9]*)" + SEP)


def _seen_marks(marks: list[Mark], used: list[str]) -> list[tuple[str | None, str | None]]:
    """`_seen`, from a chunk's marks rather than its JSON text."""
    quoted: dict[str, str] = {"null": "null"}  # "at" as marked -> its quoted instant alone
    ordered = _in_order(marks)
    if ordered is not None:
        first, last = ordered
        return [
            (_quoted_at(first[number], quoted), _quoted_at(last[number], quoted))
            if number in first
            else (None, None)
            for number in used
        ]

    def pair(mark: Mark) -> tuple[str, str]:
        number, head = mark if mark.__class__ is tuple else unmark(cast(str, mark))
        at = quoted.get(head[2])
        if at is None:
            at = quoted[head[2]] = head[2][: head[2].index('"', 1) + 1]
        return at, number

    return _extremes(map(pair, marks), used)


def _in_order(marks: list[Mark]) -> tuple[dict[str, str], dict[str, str]] | None:
    """Per number, the "at" (as marked) of its first and of its last line, when every line
    of the chunk is a hot-loop mark with an instant and a message, in time order (most
    chunks): then first and last are also least and greatest, and the lines need no loop
    of their own. None for the other chunks.

    The columns are taken and compared by the interpreter's own loops (``map``, ``zip``,
    ``dict``), a few times faster than a loop over the lines."""
    if not marks or set(map(type, marks)) != {tuple}:
        return None
    pairs = cast(list[tuple[str, Head]], marks)
    ats = list(map(itemgetter(2), map(itemgetter(1), pairs)))
    numbers = list(map(itemgetter(0), pairs))
    if "null" in ats or "" in numbers or not all(map(le, ats, islice(ats, 1, None))):
        return None
    # A dict keeps a key's first place and its last value: the last line of each number;
    # read backwards, its first line.
    return dict(zip(reversed(numbers), reversed(ats), strict=True)), dict(
        zip(numbers, ats, strict=True)
    )


def _quoted_at(at: str, quoted: dict[str, str]) -> str:
    """The quoted instant of a marked "at" (without what follows it)."""
    found = quoted.get(at)
    if found is None:
        found = quoted[at] = at[: at.index('"', 1) + 1]
    return found


def _seen(text: str, used: list[str]) -> list[tuple[str | None, str | None]]:
    """Per number of ``used``, the first and last "at" of its lines in a chunk (JSON
    texts, which sort as instants do, to the microsecond)."""
    return _extremes(_AT_HOLE.findall(text), used)


def _extremes(
    pairs: Iterable[tuple[str, str]], used: list[str]
) -> list[tuple[str | None, str | None]]:
    """Per number of ``used``, the least and greatest "at" of the (at, number) pairs."""
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    for at, number in pairs:
        if number and at != "null":
            low = first.get(number)
            if low is None or at < low:
                first[number] = at
            high = last.get(number)
            if high is None or at > high:
                last[number] = at
    return [(first.get(number), last.get(number)) for number in used]
