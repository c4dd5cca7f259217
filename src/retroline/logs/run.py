"""Parse several log files into one template set: JSON lines for scripts, a summary for people.

``retroline logs parse`` calls `write_json_lines` or `summarise`. Both learn templates with one
miner across all files, so the same message gets the same template id wherever it appears.

JSON output takes two passes over regular files, so that every line is printed with its
template in the final, most general form the whole input made it (a template first seen as
``worker 1 started`` is printed as ``worker <*> started`` on that first line too). The first
pass parses and learns, and spools each line's JSON, minus its template, to a temporary
file; the second pass reads the spool and fills in the template each line's template became.
Memory stays bounded (the spool is on disk) and each log is read once. Standard input cannot
be read twice: it is parsed in one pass, each block of lines printed with the templates as
known at the end of that block.
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from retroline.errors import InputError, UsageError
from retroline.logs import jsonl
from retroline.logs.parse import ParsedLine, parse_lines
from retroline.logs.reader import STDIN
from retroline.logs.templates import TemplateMiner

__all__ = ["TemplateStats", "check_inputs", "parse_files", "summarise", "write_json_lines"]

#: Lines between two calls of the progress callback.
PROGRESS_EVERY = 1 << 15

#: Called with the characters read so far (an estimate of the bytes).
Progress = Callable[[int], None]


@dataclass
class TemplateStats:
    """How often a template occurred in a run, and when first and last (UTC)."""

    id: str
    template: str
    count: int = 0
    first: datetime | None = None
    last: datetime | None = None

    def add(self, count: int, first: datetime | None, last: datetime | None) -> None:
        self.count += count
        if first is not None and (self.first is None or first < self.first):
            self.first = first
        if last is not None and (self.last is None or last > self.last):
            self.last = last


def check_inputs(paths: Sequence[str | Path], year: int | None) -> None:
    """Refuse missing files and impossible years before anything is printed."""
    if year is not None and not 1 <= year <= 9999:
        raise UsageError(f"--year {year}: give a four-digit year such as 2016")
    for path in paths:
        if str(path) != STDIN and not Path(path).is_file():
            raise InputError("no such log file", path)


def parse_files(
    paths: Sequence[str | Path],
    *,
    tz: str | None = None,
    year: int | None = None,
    miner: TemplateMiner | None = None,
    errors: list[InputError] | None = None,
    progress: Progress | None = None,
) -> Iterator[tuple[str, ParsedLine]]:
    """Parse and learn every line of every file, in one pass, as (path, line) pairs.

    A file that breaks off (a truncated archive) yields what was read; its error goes to
    ``errors`` when given, so the other files are still read, and is raised otherwise.
    """
    check_inputs(paths, year)
    miner = miner or TemplateMiner()
    done = 0
    for path in paths:
        name = str(path)
        try:
            for n, parsed in enumerate(parse_lines(path, tz=tz, year=year, miner=miner)):
                if progress is not None and not n % PROGRESS_EVERY:
                    progress(done)
                done += len(parsed.message) + 1
                yield name, parsed
        except InputError as exc:
            if errors is None:
                raise
            errors.append(exc)


def summarise(
    paths: Sequence[str | Path],
    *,
    tz: str | None = None,
    year: int | None = None,
    miner: TemplateMiner | None = None,
    progress: Progress | None = None,
) -> tuple[list[TemplateStats], list[InputError]]:
    """Count each template over the files: most frequent first, with first and last seen.

    One pass on the fast path of ``--json`` (`jsonl.spool_file`), its output discarded.
    A file that breaks off counts up to the break; its error is returned, not raised.
    """
    check_inputs(paths, year)
    miner = miner or TemplateMiner()
    errors: list[InputError] = []
    seen: dict[str, list[Any]] = {}
    advance = _advance(progress)
    for path in paths:
        _spool_one(path, _Discard(), miner, tz, year, None, advance, seen, errors)
    return _seen_stats(seen, miner), errors


class _Discard(io.StringIO):
    """A spool that keeps nothing."""

    def write(self, text: str) -> int:
        return len(text)


def _advance(progress: Progress | None) -> Callable[[int], None] | None:
    """A block callback that reports the characters read so far to ``progress``."""
    if progress is None:
        return None
    done = 0

    def advance(chars: int) -> None:
        nonlocal done
        done += chars
        progress(done)

    return advance


def _resolve(by_id: dict[str, TemplateStats], miner: TemplateMiner) -> list[TemplateStats]:
    """Fold the statistics of templates that were merged into others into those."""
    final: dict[str, TemplateStats] = {}
    for stats in by_id.values():
        learnt = miner.get(stats.id)
        template = learnt.resolved() if learnt is not None else None
        key = template.id if template is not None else stats.id
        into = final.get(key)
        if into is None:
            text = template.text if template is not None else stats.template
            into = final[key] = TemplateStats(key, text)
        into.add(stats.count, stats.first, stats.last)
    return sorted(final.values(), key=lambda s: (-s.count, s.first or datetime.max, s.id))


def write_json_lines(
    out: TextIO,
    paths: Sequence[str | Path],
    *,
    tz: str | None = None,
    year: int | None = None,
    miner: TemplateMiner | None = None,
    progress: Progress | None = None,
    stats: bool = False,
) -> list[TemplateStats]:
    """Write one JSON object per log line to ``out`` (the ``logs parse --json`` contract).

    Two passes over files (see the module docstring), one over standard input. With
    ``stats``, returns the count and first and last time seen of each template (to the
    second). A file that breaks off is printed up to the break, the other files too, and
    then its `InputError` is raised.
    """
    check_inputs(paths, year)
    miner = miner or TemplateMiner()
    errors: list[InputError] = []
    seen: dict[str, list[Any]] | None = {} if stats else None
    name = (lambda path: str(path)) if len(paths) > 1 else (lambda path: None)
    advance = _advance(progress)

    if any(str(p) == STDIN for p in paths):
        spool: TextIO = _Direct(out, miner)
        for path in paths:
            _spool_one(path, spool, miner, tz, year, name(path), advance, seen, errors)
    else:
        with tempfile.TemporaryFile("w+", encoding="utf-8", newline="\n") as spool:
            for path in paths:
                _spool_one(path, spool, miner, tz, year, name(path), advance, seen, errors)
            spool.seek(0)
            jsonl.fill(jsonl.read_chunks(spool), out, miner)
    if errors:
        raise errors[0]
    return _seen_stats(seen, miner) if seen is not None else []


def _spool_one(
    path: str | Path,
    spool: TextIO,
    miner: TemplateMiner,
    tz: str | None,
    year: int | None,
    name: str | None,
    advance: Callable[[int], None] | None,
    seen: dict[str, list[Any]] | None,
    errors: list[InputError],
) -> None:
    try:
        jsonl.spool_file(
            path, spool, miner, tz=tz, year=year, name=name, on_block=advance, seen=seen
        )
    except InputError as exc:
        errors.append(exc)


class _Direct(io.StringIO):
    """A spool for one pass: each block is written out at once, with the templates as
    known at the end of that block."""

    def __init__(self, out: TextIO, miner: TemplateMiner) -> None:
        super().__init__()
        self.out, self.miner = out, miner

    def write(self, text: str) -> int:
        jsonl.fill([text], self.out, self.miner)
        return len(text)


def _seen_stats(seen: dict[str, list[Any]], miner: TemplateMiner) -> list[TemplateStats]:
    by_id = {}
    for tid, (count, first, last) in seen.items():
        learnt = miner.get(tid)
        by_id[tid] = TemplateStats(
            tid, learnt.text if learnt is not None else "", count, _instant(first), _instant(last)
        )
    return _resolve(by_id, miner)


def _instant(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text.strip('"')) if text and text != "null" else None
