"""Log file -> one parsed record per line: UTC time, header fields, and message template.

This is the library behind ``retroline logs parse``: it chains the reader (bytes, encodings,
archives), header detection (one pattern per file, chosen from its first lines), time
resolution (zones, missing years, rollovers) and the template miner. It streams: memory does
not grow with the file, except for the miner's templates and its bounded cache.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any

from retroline.logs.headers import SAMPLE_LINES, HeaderPattern, detect
from retroline.logs.reader import RawLine, read_lines
from retroline.logs.templates import TemplateMiner
from retroline.logs.timestamps import TimeResolver

__all__ = ["BINARY_TEMPLATE", "ParsedLine", "parse_lines"]

#: The template of lines that are binary junk rather than text.
BINARY_TEMPLATE = "<binary data>"


@dataclass(slots=True)
class ParsedLine:
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

    def to_json_dict(self) -> dict[str, Any]:
        """The line in the ``logs parse --json`` contract of ARCHITECTURE.md."""
        out: dict[str, Any] = {
            "line": self.line,
            "at": _iso_utc(self.at),
            "template_id": self.template_id,
            "template": self.template,
            "host": self.host,
            "process": self.process,
            "pid": self.pid,
            "level": self.level,
        }
        for flag in ("continuation", "truncated", "binary", "year_assumed"):
            if getattr(self, flag):
                out[flag] = True
        return out


def _iso_utc(at: datetime | None) -> str | None:
    if at is None:
        return None
    return at.isoformat().replace("+00:00", "Z")


def parse_lines(
    path: str | Path,
    *,
    tz: str | None = None,
    year: int | None = None,
    miner: TemplateMiner | None = None,
    learn: bool = True,
    pattern: HeaderPattern | None = None,
) -> Iterator[ParsedLine]:
    """Parse a log file line by line, lazily.

    tz: IANA zone for times that state none (default UTC); explicit offsets win.
    year: year of yearless timestamps (syslog); without it the current year is used and
        every such line is flagged ``year_assumed``.
    miner: the template miner to learn with (shared across files and runs for stable ids);
        a fresh one by default.
    learn: False to only match against the miner's templates (a second pass, say) without
        changing them.
    pattern: the header pattern, when known; detected from the first lines otherwise.
    """
    miner = miner or TemplateMiner()
    resolver = TimeResolver(tz, year)
    lines: Iterator[RawLine] = read_lines(path)
    if pattern is None:
        head = list(islice(lines, SAMPLE_LINES))
        pattern = detect(raw.text for raw in head if not raw.binary)
        lines = chain(head, lines)
    classify = miner.add if learn else miner.match
    parse = pattern.parse
    resolve = resolver.resolve
    record = ParsedLine(0, None, None, "", None, None, None, None, "")
    for raw in lines:
        if raw.binary:
            yield ParsedLine(
                raw.number,
                record.at,
                None,
                BINARY_TEMPLATE,
                None,
                None,
                None,
                None,
                "",
                binary=True,
                truncated=raw.truncated,
            )
            continue
        fields = parse(raw.text)
        if fields is None:
            message = raw.text.strip()
            found = classify(message)
            yield ParsedLine(
                raw.number,
                record.at,
                found.template.id if found else None,
                found.template.text if found else message,
                record.host,
                record.process,
                record.pid,
                record.level,
                message,
                record.label,
                continuation=True,
                truncated=raw.truncated,
                year_assumed=record.year_assumed,
            )
            continue
        at = resolve(fields.time)
        found = classify(fields.message)
        record = ParsedLine(
            raw.number,
            at,
            found.template.id if found else None,
            found.template.text if found else fields.message,
            fields.host,
            fields.process,
            fields.pid,
            fields.level,
            fields.message,
            fields.label,
            truncated=raw.truncated,
            year_assumed=resolver.year_assumed,
        )
        yield record
