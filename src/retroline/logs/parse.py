"""Log file -> one parsed record per line: UTC time, header fields, and message template.

The reference reader: it chains the reader (bytes, encodings, archives), header detection
(one pattern per file, chosen from its first lines), time resolution (zones, missing years,
rollovers) and the template miner, one line at a time, as plainly as it can be written.
The commands read on the chunked path (`jsonl`, `run`), which gives line for line what
this gives; a differential test holds the two together. It streams: memory does not grow
with the file, except for the miner's templates and its bounded cache.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any, NamedTuple

from retroline.instants import iso_utc_or_none
from retroline.logs.headers import (
    PATTERNS,
    SAMPLE_BOUND,
    SAMPLE_LINES,
    Fields,
    HeaderPattern,
    PatternSet,
    RecordPattern,
    bare_number,
    detect_past_preamble,
)
from retroline.logs.learn import first_date
from retroline.logs.reader import RawLine, read_lines, refuse_non_log
from retroline.logs.templates import Match, Template, TemplateMiner
from retroline.logs.timestamps import TimeResolver, file_day

__all__ = ["BINARY_TEMPLATE", "ParsedLine", "other_patterns", "parse_lines"]

#: The template of lines that are binary junk rather than text.
BINARY_TEMPLATE = "<binary data>"


class ParsedLine(NamedTuple):
    """One line of a log with what was recognised in it.

    ``at`` is the instant in UTC (None when neither the line nor its record states a time).
    A ``continuation`` line (a stack-trace frame, say) has no header of its own: it belongs
    to the record before it and carries that record's time and fields, but its own number.
    """

    line: int
    at: datetime | None
    template_id: str | None
    template: str
    host: str | None
    process: str | None
    pid: str | None
    level: str | None
    message: str
    label: str | None = None
    continuation: bool = False
    truncated: bool = False
    binary: bool = False
    year_assumed: bool = False
    zone_source: str | None = None
    date_assumed: bool = False
    zone_ambiguous: bool = False

    def to_json_dict(self) -> dict[str, Any]:
        """The line in the ``logs parse --json`` contract of ARCHITECTURE.md.

        ``zone_source`` says where the zone of ``at`` came from (``explicit``: the line
        writes it, or a Unix time; ``option``: ``--tz``; ``assumed``: UTC for want of
        either). host, process, pid and level appear when the header had them; the flags
        (continuation, truncated, binary, year_assumed, date_assumed, zone_ambiguous: the
        zone an abbreviation with other meanings, read as its most common) only when true.
        """
        out: dict[str, Any] = {
            "line": self.line,
            "at": _iso_utc(self.at),
            "template_id": self.template_id,
            "template": self.template,
        }
        if self.zone_source is not None and self.at is not None:
            out["zone_source"] = self.zone_source
        for name in ("host", "process", "pid", "level"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        for flag in (
            "continuation",
            "truncated",
            "binary",
            "year_assumed",
            "date_assumed",
            "zone_ambiguous",
        ):
            if getattr(self, flag):
                out[flag] = True
        return out


def _iso_utc(at: datetime | None) -> str | None:
    return iso_utc_or_none(at)


def parse_lines(
    path: str | Path,
    *,
    tz: str | None = None,
    year: int | None = None,
    miner: TemplateMiner | None = None,
    learn: bool = True,
    pattern: HeaderPattern | None = None,
    day: date | None = None,
    dated: date | None = None,
) -> Iterator[ParsedLine]:
    """Parse a log file line by line, lazily.

    tz: IANA zone for times that state none (default UTC); explicit offsets win.
    year: year of yearless timestamps (syslog); without it the year the file was last
        written is used (`timestamps.TimeResolver`) and every such line is flagged
        ``year_assumed``.
    miner: the template miner to learn with (shared across files and runs for stable ids);
        a fresh one by default.
    learn: False to only match against the miner's templates (a second pass, say) without
        changing them; a message no template covers is then learnt all the same.
    pattern: the header pattern, when known; detected from the first lines otherwise.
    day: the day the file was last written (default: its modification time's date).
    dated: the date the lines that write the time of day alone start on (default: the
        date one of the first lines writes, else ``day``, or the day before when the file
        ran past midnight, `learn.first_date`); such lines are flagged ``date_assumed``.

    A line that does not fit the file's header pattern is tried against the other known
    patterns, so that logs of several formats concatenated into one stream keep their
    headers; a line that fits none (a stack-trace frame) continues the record before it.
    """
    miner = miner or TemplateMiner()
    # One resolver per header pattern: a stream that mixes formats follows the year of
    # each on its own (a syslog part going from December to January is a new year, an
    # Android part in March after it is not).
    day = day or file_day(path)
    lines: Iterator[RawLine] = read_lines(path)
    if pattern is None:
        head = list(islice(lines, SAMPLE_LINES))
        refuse_non_log(path, head, len(head) < SAMPLE_LINES)
        sample = [raw.text for raw in head if not raw.binary]
        kept: list[RawLine] = []  # read past a preamble for the sample

        def later() -> Iterator[str]:
            for raw in islice(lines, SAMPLE_BOUND - len(head)):
                kept.append(raw)
                if not raw.binary:
                    yield raw.text

        pattern, sample = detect_past_preamble(sample, later)
        dated = dated or first_date(path, pattern, sample, day)
        lines = chain(head, kept, lines)
    resolver = TimeResolver(tz, year, day, dated)
    resolvers: dict[str, TimeResolver] = {}
    learnt = miner.learn
    match = miner.match
    others = other_patterns(pattern)
    current = pattern
    resolvers[pattern.name] = resolver
    last_at: datetime | None = None
    record = ParsedLine(0, None, None, "", None, None, None, None, "")
    zone_source, assumes_date = resolver.zone_source, resolver.assumes_date
    zone_ambiguous = resolver.zone_ambiguous
    for number, text, truncated, binary in lines:
        if binary:
            yield ParsedLine(
                number, last_at, None, BINARY_TEMPLATE, None, None, None, None, "", None,
                False, truncated, True, False, record.zone_source, record.date_assumed,
                record.zone_ambiguous,
            )  # fmt: skip
            continue
        fields = current.parse(text)
        if fields is None:
            fields, found_pattern = _other_header(text, pattern, *others)
            if found_pattern is not None:
                current = found_pattern
                if current.name not in resolvers:
                    resolvers[current.name] = TimeResolver(tz, year, day, dated)
                resolver = resolvers[current.name]
        if fields is None:
            message = text.strip()
            template = _template(message, learn, learnt, match)
            yield ParsedLine(
                number, last_at, template.id, template.text, record.host, record.process,
                record.pid, record.level, message, record.label, True, truncated, False,
                record.year_assumed, record.zone_source, record.date_assumed,
                record.zone_ambiguous,
            )  # fmt: skip
            continue
        last_at = resolver.resolve(fields.time)
        template = _template(fields.message, learn, learnt, match)
        record = ParsedLine(
            number, last_at, template.id, template.text, fields.host, fields.process,
            fields.pid, fields.level, fields.message, fields.label, False, truncated, False,
            resolver.year_assumed, zone_source(fields.time) if last_at else None,
            last_at is not None and assumes_date(fields.time),
            last_at is not None and zone_ambiguous(fields.time),
        )  # fmt: skip
        yield record


def other_patterns(pattern: HeaderPattern) -> tuple[tuple[RecordPattern, ...], PatternSet]:
    """The patterns tried, in this order, on a line that misses the file's own: the record
    layouts (a JSON line among text ones), then the other layouts its lines were learnt in
    and every other line-oriented one of the catalog. A file without header has none."""
    # The file's own pattern stays among the line-oriented ones: it is tried first and a
    # line that reaches them has missed it, so it changes nothing there, and one joined
    # regex then serves every file with the same companions (most have none), where one
    # per file pattern took 20 ms each to compile, in every process.
    headerless = pattern is PATTERNS[-1]
    key = ("" if headerless else "-", *(p.name for p in pattern.companions))
    found = _OTHERS.get(key)
    if found is None:
        others = [] if headerless else PATTERNS[:-1]
        lines = [p for p in others if not isinstance(p, RecordPattern) and not bare_number(p)]
        found = _OTHERS[key] = (
            tuple(p for p in others if isinstance(p, RecordPattern)),
            PatternSet(list(pattern.companions) + lines),
        )
    records = found[0]
    if pattern in records:  # a record layout's own: tried first already
        return tuple(r for r in records if r is not pattern), found[1]
    return found


# Per companions, the others (compiling their joined regex takes a while).
_OTHERS: dict[tuple[str, ...], tuple[tuple[RecordPattern, ...], PatternSet]] = {}


def _template(
    message: str,
    learn: bool,
    learnt: Callable[[str], Template],
    match: Callable[[str], Match | None],
) -> Template:
    if learn:
        return learnt(message)
    found = match(message)
    return found.template if found is not None else learnt(message)


def _other_header(
    text: str, first: HeaderPattern, records: tuple[RecordPattern, ...], others: PatternSet
) -> tuple[Fields | None, HeaderPattern | None]:
    """The fields of a line that misses the current pattern: the file's own pattern first,
    then every other known one (a second format in the same stream): the record layouts,
    then the line-oriented ones, most specific first.

    The order is fixed, so that which pattern a line gets depends on no line but the one
    before it; chunks of a file can then be parsed apart (`parallel`)."""
    fields = first.parse(text)
    if fields is not None:
        return fields, first
    for record in records:
        fields = record.parse(text)
        if fields is not None:
            return fields, record
    candidate = others.reading(text)
    if candidate is None:
        return None, None
    return candidate.parse(text), candidate
