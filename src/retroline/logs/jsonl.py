"""The hot path of ``logs parse --json``: log blocks in, JSON lines out, with caches.

It gives, line for line, what `parse.parse_lines` gives serialised by
`ParsedLine.to_json_dict` (a test holds the two together), at a fraction of the cost:

- lines come a block at a time (`reader.read_blocks`), not one generator step each;
- the header regex's groups are read by position, not through a dict;
- a timestamp is resolved once per distinct second (the fraction is appended as text);
- a message seen before, word for word, finds its template in one lookup
  (`TemplateMiner.learn`);
- the optional fields are encoded once per distinct (host, process, pid, level);
- a whole header seen before (lines of one burst share it) gives its JSON in one lookup,
  for as long as headers repeat often enough to pay for the lookups.

Lines that do not fit the current header pattern, binary junk and over-long lines take a
general path that mirrors `parse.py`. Each line is spooled with its template id between
`SEP` characters (NUL, which JSON text never contains raw), so that `fill` replaces the ids
with the final templates a block at a time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from json.encoder import encode_basestring
from operator import itemgetter
from pathlib import Path
from typing import Any, TextIO

from retroline.logs.headers import PATTERNS, SAMPLE_LINES, HeaderPattern, JournalPattern, detect
from retroline.logs.parse import BINARY_TEMPLATE, other_patterns, parse_lines
from retroline.logs.reader import Block, RawLine, read_blocks
from retroline.logs.templates import Template, TemplateMiner
from retroline.logs.timestamps import TimeResolver

__all__ = ["SEP", "fill", "spool_file"]

#: Around the template id in spooled lines; JSON escapes every control character.
SEP = "\x00"

_TIME_GROUPS = ("Y", "y", "m", "b", "d", "H", "M", "S", "z", "epoch")
_FIELDS = ("host", "proc", "pid", "level")
# An optional group that never takes part in a match: the index of fields a pattern lacks.
_NEVER = r"(?:(?!)(?P<_never>))?"
# Entries of the per-file caches before they are emptied (bounded memory).
_CACHE_SIZE = 50_000
_ASSUMED = ',"year_assumed":true'


class _Layout:
    """One header pattern prepared for the hot path within one file: its groups by
    position, and its own time resolver and caches (a stream that mixes formats follows
    the year of each on its own, as `parse.parse_lines` does)."""

    def __init__(self, pattern: HeaderPattern, tz: str | None, year: int | None) -> None:
        self.pattern = pattern
        compiled = re.compile(pattern.regex + _NEVER)
        self.match = compiled.match
        index = {name: i - 1 for name, i in compiled.groupindex.items()}
        never = index["_never"]
        self.message = index["msg"]
        self.message_group = index["msg"] + 1
        self.fields = itemgetter(*(index.get(name, never) for name in _FIELDS))
        self.time_names = [name for name in _TIME_GROUPS if name in index]
        # Always a tuple (the never-matching group ends it), even for one time group.
        self.time = itemgetter(*(index[name] for name in self.time_names), never)
        self.fraction = index.get("f", never)
        # Without a year of its own, a timestamp's year depends on the lines before.
        self.yearless = not ({"Y", "y", "epoch"} & set(index))
        self.resolver = TimeResolver(tz, year)
        # Time text of one second -> (JSON text without fraction and "Z", month seen).
        self.times: dict[tuple[str | None, ...], tuple[str, int]] = {}
        # (host, process, pid, level) -> their JSON (year_assumed included when it is).
        self.tails: dict[tuple[Any, ...], str] = {}
        # Whole header text (up to the message) -> its JSON pieces, fields, month seen: lines of
        # one burst share their header. Given up when too few lines repeat one (the
        # headers carry milliseconds, say), as it then only costs.
        self.heads: dict[str, tuple[str, str, str, str, tuple[Any, ...], int]] = {}
        self.use_heads = True
        self.head_hits = self.head_misses = 0
        self.assumed = False

    def at_text(self, groups: tuple[Any, ...]) -> str:
        """The JSON text of a header's instant, resolved once per distinct second."""
        key = self.time(groups)
        resolver = self.resolver
        known = self.times.get(key)
        if known is None or (self.yearless and known[1] != resolver._last_month):
            year = resolver.year
            at = resolver.resolve(dict(zip(self.time_names, key, strict=False)))
            if resolver.year != year or len(self.times) >= _CACHE_SIZE:
                self.times.clear()  # a new year: the same text may now mean another instant
                self.heads.clear()
            base = "null" if at is None else '"' + at.isoformat().replace("+00:00", "")
            known = self.times[key] = (base, resolver._last_month)
            if resolver.year_assumed and not self.assumed:
                self.assumed = True
                self.tails.clear()
                self.heads.clear()
        return _with_fraction(known[0], groups[self.fraction])

    def tail(self, key: tuple[Any, ...]) -> str:
        tail = self.tails.get(key)
        if tail is None:
            if len(self.tails) >= _CACHE_SIZE:
                self.tails.clear()
            tail = self.tails[key] = _fields_json(key) + (_ASSUMED if self.assumed else "") + "}"
        return tail


class _File:
    """What the hot path carries from line to line within one file."""

    def __init__(self, pattern: HeaderPattern, tz: str | None, year: int | None) -> None:
        self.tz, self.year = tz, year
        self.layouts: dict[str, _Layout] = {}
        self.first = self.current = self.layout(pattern)
        self.others = other_patterns(pattern)
        # The record continuation lines belong to: its "at" and its fields' JSON.
        self.at = "null"
        self.fields = ""
        self.record_assumed = False

    def layout(self, pattern: HeaderPattern) -> _Layout:
        found = self.layouts.get(pattern.name)
        if found is None:
            found = self.layouts[pattern.name] = _Layout(pattern, self.tz, self.year)
        return found


def _with_fraction(base: str, fraction: str | None) -> str:
    if base == "null":
        return base
    if fraction:
        six = (fraction + "00000")[:6]
        if six != "000000":
            return base + "." + six + 'Z"'
    return base + 'Z"'


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
    return "".join(parts)


def _general(state: _File, raw: RawLine, head: str, learn: Callable[[str], Template]) -> str:
    """A line off the hot path (binary, over-long, not fitting the current pattern), as
    `parse.parse_lines` treats it; may switch ``state.current`` to another pattern."""
    truncated = ',"truncated":true' if raw.truncated else ""
    if raw.binary:
        return f'{head}"at":{state.at}{SEP}{SEP}{truncated},"binary":true}}\n'
    for layout in (state.current, state.first):
        m = layout.match(raw.text)
        if m is not None:
            break
    else:
        others = state.others  # the last one found first, as in `parse._other_header`
        for i, pattern in enumerate(others):
            if pattern.compiled.match(raw.text):
                layout = state.layout(pattern)
                m = layout.match(raw.text)
                if i:
                    others.insert(0, others.pop(i))
                break
    if m is None:  # no header: a continuation of the record before
        assumed = _ASSUMED if state.record_assumed else ""
        template = learn(raw.text.strip())
        tail = f'{state.fields},"continuation":true{truncated}{assumed}}}'
        return f'{head}"at":{state.at}{SEP}{template.id}{SEP}{tail}\n'
    state.current = layout
    groups = m.groups()
    state.at = layout.at_text(groups)
    state.fields = _fields_json(layout.fields(groups))
    state.record_assumed = layout.assumed
    assumed = _ASSUMED if layout.assumed else ""
    template = learn(groups[layout.message] or "")
    return f'{head}"at":{state.at}{SEP}{template.id}{SEP}{state.fields}{truncated}{assumed}}}\n'


def _sample(blocks: Iterator[Block]) -> tuple[list[Block], list[str]]:
    """The first blocks of a file, and the text of its first lines for `detect`."""
    taken: list[Block] = []
    sample: list[str] = []
    for block in blocks:
        taken.append(block)
        sample += [x for x in block[1][:SAMPLE_LINES] if isinstance(x, str)] or [
            x.text for x in block[1][:SAMPLE_LINES] if isinstance(x, RawLine) and not x.binary
        ]
        if len(sample) >= SAMPLE_LINES:
            break
    return taken, sample[:SAMPLE_LINES]


def spool_file(
    path: str | Path,
    spool: TextIO,
    miner: TemplateMiner,
    *,
    tz: str | None = None,
    year: int | None = None,
    name: str | None = None,
    on_block: Callable[[int], None] | None = None,
    seen: dict[str, list[Any]] | None = None,
) -> int:
    """Parse and learn one file, writing each line's JSON with its template id between
    `SEP`s to ``spool``; ``name`` adds a "file" key. Returns the number of lines.

    ``on_block(chars)`` is called after each block with the characters it held (progress). ``seen``, when
    given, collects per template id [count, first "at", last "at"] (JSON texts).
    """
    blocks = read_blocks(path)
    taken, sample = _sample(blocks)
    pattern = detect(sample) if sample else PATTERNS[-1]
    prefix = '{"file":' + encode_basestring(name) + ',"line":' if name is not None else '{"line":'
    if isinstance(pattern, JournalPattern):
        return _spool_parsed(path, spool, miner, pattern, tz, year, prefix, on_block, seen)
    state = _File(pattern, tz, year)
    learn = miner.learn
    known_messages = miner._seen  # the exact-message cache behind `learn`, read inline
    count = 0
    for number, lines in chain(taken, blocks):
        out: list[str] = []
        append = out.append
        layout = state.current
        match, message, fields, time_key = layout.match, layout.message, layout.fields, layout.time
        fraction, yearless, resolver = layout.fraction, layout.yearless, layout.resolver
        times, tails, heads = layout.times, layout.tails, layout.heads
        message_group, use_heads, hits, misses = layout.message_group, layout.use_heads, 0, 0
        at, key = state.at, None
        n = number - 1
        for item in lines:
            n += 1
            m = match(item) if item.__class__ is str else None
            if m is None:
                if key is not None:  # the record so far, for continuation lines
                    state.at, state.fields = at, _fields_json(key)
                    state.record_assumed, key = layout.assumed, None
                raw = item if isinstance(item, RawLine) else RawLine(n, item)
                append(_general(state, raw, f"{prefix}{n},", learn))
                at = state.at
                if seen is not None:
                    _see(seen, out[-1].split(SEP)[1], at)
                if state.current is not layout:
                    layout.head_hits += hits
                    layout.head_misses += misses
                    hits = misses = 0
                    layout = state.current
                    match, message, fields = layout.match, layout.message, layout.fields
                    time_key, fraction, yearless = layout.time, layout.fraction, layout.yearless
                    resolver, times, tails = layout.resolver, layout.times, layout.tails
                    heads, message_group = layout.heads, layout.message_group
                    use_heads = layout.use_heads
                continue
            text: str = m.string
            if use_heads:
                cut = m.start(message_group)
                header = text[:cut]
                hit = heads.get(header)
                if hit is not None and not (yearless and hit[5] != resolver._last_month):
                    at_json, tail_json, at, tail, key, _month = hit
                    msg = text[cut:]  # the message runs to the end of the line
                    template = known_messages.get(msg)
                    if template is not None and template.merged_into is None:
                        template.count += 1
                    else:
                        template = learn(msg)
                    append(f"{prefix}{n}{at_json}{template.id}{tail_json}")
                    if seen is not None:
                        _see(seen, template.id, at)
                    hits += 1
                    continue
                misses += 1
            groups = m.groups()
            known = times.get(time_key(groups))
            if known is None or (yearless and known[1] != resolver._last_month):
                at = layout.at_text(groups)
                tails = layout.tails  # emptied when the year became an assumption
            else:
                at = known[0]
                if at != "null":
                    f = groups[fraction]
                    at += "." + six + 'Z"' if f and (six := (f + "00000")[:6]) != "000000" else 'Z"'
            msg = groups[message] or ""
            template = known_messages.get(msg)
            if template is not None and template.merged_into is None:
                template.count += 1
            else:
                template = learn(msg)
            key = fields(groups)
            found_tail = tails.get(key)
            tail = found_tail if found_tail is not None else layout.tail(key)
            if use_heads:
                if len(heads) >= _CACHE_SIZE:
                    heads.clear()
                heads[header] = (
                    f',"at":{at}{SEP}',
                    f"{SEP}{tail}\n",
                    at,
                    tail,
                    key,
                    resolver._last_month,
                )
            append(f'{prefix}{n},"at":{at}{SEP}{template.id}{SEP}{tail}\n')
            if seen is not None:
                _see(seen, template.id, at)
        layout.head_hits += hits
        layout.head_misses += misses
        # A quarter of headers repeating pays for the lookups; fewer do not.
        if layout.head_misses > 4096 and layout.head_hits < layout.head_misses // 3:
            layout.use_heads = False
            layout.heads.clear()
        if key is not None:
            state.at, state.fields = at, _fields_json(key)
            state.record_assumed = layout.assumed
        spool.write("".join(out))
        count += len(lines)
        if on_block is not None:
            on_block(_chars(lines))
    return count


def _spool_parsed(
    path: str | Path,
    spool: TextIO,
    miner: TemplateMiner,
    pattern: HeaderPattern,
    tz: str | None,
    year: int | None,
    prefix: str,
    on_block: Callable[[int], None] | None,
    seen: dict[str, list[Any]] | None,
) -> int:
    """The general path for whole-file formats (journald's JSON export)."""
    count = 0
    for p in parse_lines(path, tz=tz, year=year, miner=miner, pattern=pattern):
        data = p.to_json_dict()
        at = encode_basestring_or_null(data.pop("at"))
        head = prefix + str(data.pop("line")) + ',"at":' + at
        for name in ("template_id", "template"):
            data.pop(name)
        rest = "".join(f",{encode_basestring(k)}:{_json_value(v)}" for k, v in data.items())
        spool.write(f"{head}{SEP}{p.template_id or ''}{SEP}{rest}}}\n")
        if seen is not None and p.template_id:
            _see(seen, p.template_id, at)
        count += 1
        if on_block is not None:
            on_block(len(p.message) + 1)
    return count


def _chars(lines: list[str] | list[RawLine]) -> int:
    """About the bytes a block held: its characters and newlines."""
    return sum(len(x if isinstance(x, str) else x.text) for x in lines) + len(lines)


def _see(seen: dict[str, list[Any]], tid: str, at: str) -> None:
    """Count a line of template ``tid`` and widen its first and last "at" (JSON texts,
    which sort as instants do, to the second)."""
    if not tid:
        return
    known = seen.get(tid)
    if known is None:
        seen[tid] = [1, at, at] if at != "null" else [1, None, None]
        return
    known[0] += 1
    if at != "null":
        if known[1] is None or at < known[1]:
            known[1] = at
        if known[2] is None or at > known[2]:
            known[2] = at


def encode_basestring_or_null(value: str | None) -> str:
    return "null" if value is None else encode_basestring(value)


def _json_value(value: Any) -> str:
    if value is True:
        return "true"
    return encode_basestring(str(value))


def fill(spool: Iterable[str], out: TextIO, miner: TemplateMiner) -> None:
    """Replace the spooled template ids by each template's final id and text, and write.

    ``spool`` yields text ending at line ends (a file read in blocks, say).
    """
    fragments = _Fragments(miner)
    write = out.write
    for chunk in spool:
        parts = chunk.split(SEP)
        parts[1::2] = map(fragments.__getitem__, parts[1::2])
        write("".join(parts))


class _Fragments(dict[str, str]):
    """Template id -> the JSON of its final template (``,"template_id":..,"template":..``)."""

    def __init__(self, miner: TemplateMiner) -> None:
        super().__init__()
        self.miner = miner

    def __missing__(self, tid: str) -> str:
        learnt = self.miner.get(tid) if tid else None
        if learnt is None:
            fragment = ',"template_id":null,"template":' + encode_basestring(BINARY_TEMPLATE)
        else:
            final = learnt.resolved()
            fragment = (
                f',"template_id":{encode_basestring(final.id)},'
                f'"template":{encode_basestring(final.text)}'
            )
        self[tid] = fragment
        return fragment


def read_chunks(spool: TextIO, size: int = 1 << 22) -> Iterator[str]:
    """The spool's text in chunks of about ``size`` characters, each ending at a line end."""
    rest = ""
    while data := spool.read(size):
        data = rest + data
        end = data.rfind("\n") + 1
        rest = data[end:]
        if end:
            yield data[:end]
    if rest:
        yield rest
