"""Parse several log files into one template set: JSON lines for scripts, a summary for people.

``retroline logs parse`` calls `write_json_lines` or `summarise`. Both learn templates with one
miner across all files, so the same message gets the same template id wherever it appears.

JSON output takes two passes over regular files, so that every line is printed with its
template in the final, most general form the whole input made it (a template first seen as
``worker 1 started`` is printed as ``worker <*> started`` on that first line too). The first
pass parses chunks of lines (`jsonl.ChunkParser`; big plain files in worker processes,
`parallel`), learns their masked messages here, in order, and spools each line's JSON, with
a hole for its template, to temporary files; the second pass fills in the template each
line's template became (`spool.Spool`; the workers fill and write the chunks themselves
when the output is a file descriptor they share).
Memory stays bounded (the spool is on disk) and each log is parsed once. Standard input
cannot be read twice: it is parsed in one pass, each chunk printed with the templates as
known at the end of that chunk.
"""

from __future__ import annotations

import json
import os
import tempfile
import warnings
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import nullcontext, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import chain, islice
from pathlib import Path
from typing import Any, NamedTuple, TextIO, cast

from retroline.encoding import is_wide
from retroline.errors import ChangedError, InputError, RetrolineWarning, UsageError
from retroline.inputs import not_regular
from retroline.logs import parallel
from retroline.logs.headers import (
    PATTERNS,
    SAMPLE_BOUND,
    SAMPLE_LINES,
    HeaderPattern,
    detect_past_preamble,
)
from retroline.logs.jsonl import SEP, Chunk, ChunkParser, FormTable, sample_lines
from retroline.logs.learn import first_date
from retroline.logs.parallel import Stored
from retroline.logs.parse import ParsedLine
from retroline.logs.reader import (
    STDIN,
    Block,
    Compression,
    RawLine,
    read_blocks,
    refuse_non_log,
    sniff,
    text_of,
)
from retroline.logs.spool import Spool, fill
from retroline.logs.templates import Template, TemplateMiner
from retroline.logs.timestamps import file_day
from retroline.logs.window import Tally, Window
from retroline.sources import where

__all__ = [
    "Counts",
    "Keep",
    "Stretch",
    "TemplateStats",
    "check_inputs",
    "count_windows",
    "lines_within",
    "read_kept",
    "summarise",
    "write_json_lines",
]

#: Lines between two calls of the progress callback.
PROGRESS_EVERY = 1 << 15

#: Called with the characters read so far (an estimate of the bytes).
Progress = Callable[[int], None]

#: A test of a block of lines before they are parsed: the positions of those it takes, in
#: any order. A block, not a line: a test that searches the block's text at once (in C)
#: costs no Python work for each line it refuses.
Keep = Callable[[list[str]], Iterable[int]]


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
        if str(path) != STDIN and (reason := not_regular(path)) is not None:
            raise InputError("no such log file" if reason == "no such file" else reason, path)


def summarise(
    paths: Sequence[str | Path],
    *,
    tz: str | None = None,
    year: int | None = None,
    miner: TemplateMiner | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> tuple[list[TemplateStats], list[InputError]]:
    """Count each template over the files: most frequent first, with first and last seen.

    One pass on the fast path of ``--json`` (`jsonl.ChunkParser`), its output discarded;
    big plain files are parsed by ``workers`` processes, as `write_json_lines` says. A
    file that breaks off counts up to the break; its error is returned, not raised.
    """
    check_inputs(paths, year)
    parallel.keep_freed_memory()
    miner = miner or TemplateMiner()
    errors: list[InputError] = []
    seen: dict[str, list[Any]] = {}
    learn = _Learner(miner, None, seen, _advance(progress))
    before = _snapshot(paths)
    _read_all(paths, learn, tz, year, workers, errors)
    return _seen_stats(seen, miner), errors + changed_while_read(before)


def _unnamed(path: str | Path) -> None:
    """No file name in the output (one file's lines)."""
    return None


def _advance(progress: Progress | None) -> Callable[[int], None] | None:
    """A chunk callback that reports the characters read so far to ``progress``."""
    if progress is None:
        return None
    done = 0

    def advance(chars: int) -> None:
        nonlocal done
        done += chars
        progress(done)

    return advance


#: Sorts after every instant: templates seen only on lines without a time come last.
_NEVER = datetime.max.replace(tzinfo=UTC)


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
    return sorted(final.values(), key=lambda s: (-s.count, s.first or _NEVER, s.id))


def write_json_lines(
    out: TextIO,
    paths: Sequence[str | Path],
    *,
    tz: str | None = None,
    year: int | None = None,
    miner: TemplateMiner | None = None,
    progress: Progress | None = None,
    stats: bool = False,
    workers: int | None = None,
) -> list[TemplateStats]:
    """Write one JSON object per log line to ``out`` (the ``logs parse --json`` contract).

    Two passes over files (see the module docstring), one over standard input. With
    ``stats``, returns the count and first and last time seen of each template. Big plain
    files are parsed by ``workers`` processes (default: one per processor; 1 parses in
    this process only), with the same output. A file that breaks off is printed up to the
    break, the other files too, and then its `InputError` is raised.
    """
    check_inputs(paths, year)
    parallel.keep_freed_memory()
    miner = miner or TemplateMiner()
    errors: list[InputError] = []
    seen: dict[str, list[Any]] | None = {} if stats else None
    name: Callable[[str | Path], str | None] = str if len(paths) > 1 else _unnamed
    advance = _advance(progress)
    before = _snapshot(paths)

    if any(str(p) == STDIN for p in paths):
        learn = _Learner(miner, _Direct(out, miner), seen, advance)
        _learn_files(paths, learn, tz, year, name, None, errors)
    else:
        workers = parallel.worker_count() if workers is None else workers
        big = _worth_workers(paths)
        with tempfile.TemporaryDirectory(prefix="retroline-") as folder, Spool(folder) as spool:
            pool = parallel.start_workers(folder, workers, lazy=True) if big else None
            with pool or nullcontext():
                learn = _Learner(miner, spool, seen, advance)
                _learn_files(paths, learn, tz, year, name, pool, errors)
                spool.write(out, miner, pool)
    errors += changed_while_read(before)
    if errors:
        raise errors[0]
    return _seen_stats(seen, miner) if seen is not None else []


class _Direct:
    """A spool for one pass: each chunk is written out at once, with the templates as
    known at the end of that chunk."""

    def __init__(self, out: TextIO, miner: TemplateMiner) -> None:
        self.out, self.miner = out, miner

    def add(
        self, text: str, used: Sequence[str], ids: Sequence[str], stored: Stored | None = None
    ) -> None:
        fill(text, used, ids, self.out, self.miner)


class _Learner:
    """The main process's side of a run: learns each chunk's messages, in order, keeps the
    chunk for output and its lines for the statistics."""

    def __init__(
        self,
        miner: TemplateMiner,
        spool: Spool | _Direct | None,
        seen: dict[str, list[Any]] | None,
        advance: Callable[[int], None] | None,
        window: Window | None = None,
    ) -> None:
        self.miner, self.spool, self.seen, self.advance = miner, spool, seen, advance
        self.tables = FormTable()
        #: With a window, each template's lines counted in it (`count_windows`), the lines
        #: read, and per file its stretches.
        self.window = window
        self.tallies: dict[str, Tally] = {}
        self.lines = 0
        self.stretches: dict[str, list[Stretch]] = {}
        #: Per file, its first line whose stamp names no instant (`Chunk.unreadable`).
        self.unreadable: dict[str, int] = {}

    def __call__(
        self, chunk: Chunk, ids: list[str] | None, stored: Stored | None, size: int
    ) -> None:
        """One chunk: ``ids`` are the template ids of its numbers when already learnt
        (journald)."""
        if ids is None:
            ids = self.miner.learn_forms(self.tables.forms(chunk), chunk.counts)
        if self.spool is not None:
            self.spool.add(chunk.text, chunk.used, ids, stored)
        if self.seen is not None and chunk.seen is not None:
            _see(self.seen, ids, chunk.counts, chunk.seen)
        if chunk.tally is not None:
            self._tally(ids, chunk)
        if chunk.unreadable is not None:  # chunks come in order: the first is the first
            self.unreadable.setdefault(*chunk.unreadable)
        if self.advance is not None:
            self.advance(size)

    def _tally(self, ids: list[str], chunk: Chunk) -> None:
        self.lines += chunk.lines
        first: datetime | None = None
        last: datetime | None = None
        for tid, tally in zip(ids, chunk.tally or (), strict=True):
            known = self.tallies.get(tid)
            if known is None:
                self.tallies[tid] = tally
            else:
                known.fold(tally)
            if tally.first is None or tally.last is None:
                continue
            first = tally.first if first is None else min(first, tally.first)
            last = tally.last if last is None else max(last, tally.last)
        if first is None or last is None:
            return
        path = next(iter(chunk.tally[0].files)) if chunk.tally else ""
        stretch = Stretch(chunk.number, chunk.number + chunk.lines - 1, first, last)
        self.stretches.setdefault(path, []).append(stretch)

    def extents(self) -> dict[str, list[datetime]]:
        """Per file, the first and last instant of its lines (of its stretches)."""
        return {
            path: [min(s.first for s in stretches), max(s.last for s in stretches)]
            for path, stretches in self.stretches.items()
        }


class Stretch(NamedTuple):
    """Lines of a file read together (a chunk), by number, and the first and last instant
    among them: where a later read for some hours of the file need look."""

    first_line: int
    last_line: int
    first: datetime
    last: datetime


def lines_within(
    stretches: Sequence[Stretch], start: datetime, end: datetime
) -> tuple[int, int] | None:
    """The first and last line numbers of the stretches with instants in [start, end), or
    None when none has."""
    found = [s for s in stretches if s.first < end and s.last >= start]
    if not found:
        return None
    return min(s.first_line for s in found), max(s.last_line for s in found)


class Counts(NamedTuple):
    """What `count_windows` found: the tallies by template id (as learnt; ids merged later
    are not folded yet), the lines read, each file's first and last instant and its
    stretches (by path), the errors of files that broke off, and each file's first line
    whose stamp names no instant (by path)."""

    tallies: dict[str, Tally]
    lines: int
    extents: dict[str, list[datetime]]
    errors: list[InputError]
    stretches: dict[str, list[Stretch]]
    unreadable: dict[str, int]


def count_windows(
    paths: Sequence[str | Path],
    window: Window,
    *,
    tz: str | None = None,
    year: int | None = None,
    miner: TemplateMiner | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> Counts:
    """Read the files as ``logs parse`` does and count each template's lines in the
    windows around an onset (`Counts`; what a file that broke off held up to the break is
    counted)."""
    check_inputs(paths, year)
    parallel.keep_freed_memory()
    miner = miner or TemplateMiner()
    errors: list[InputError] = []
    learn = _Learner(miner, None, None, _advance(progress), window)
    before = _snapshot(paths)
    _read_all(paths, learn, tz, year, workers, errors)
    errors += changed_while_read(before)
    return Counts(
        learn.tallies, learn.lines, learn.extents(), errors, learn.stretches, learn.unreadable
    )


def _read_all(
    paths: Sequence[str | Path],
    learn: _Learner,
    tz: str | None,
    year: int | None,
    workers: int | None,
    errors: list[InputError],
) -> None:
    """One pass over the files for ``learn``, which keeps no text (a summary, an onset's
    counts): big plain files in ``workers`` processes (default: one per processor)."""
    workers = parallel.worker_count() if workers is None else workers
    big = STDIN not in {str(p) for p in paths} and _worth_workers(paths)
    if big and learn.window is not None:
        # The workers count with numpy (`window.count_chunk`): loaded once, here, before
        # they are forked, not once in each of them.
        import numpy  # noqa: F401
    with tempfile.TemporaryDirectory(prefix="retroline-") as folder:
        pool = parallel.start_workers(folder, workers, lazy=True) if big else None
        with pool or nullcontext():
            _learn_files(paths, learn, tz, year, _unnamed, pool, errors)


def _see(
    seen: dict[str, list[Any]],
    ids: list[str],
    counts: list[int],
    ats: list[tuple[str | None, str | None]],
) -> None:
    """Count a chunk's lines per template id and widen each one's first and last "at"."""
    for tid, count, (first, last) in zip(ids, counts, ats, strict=True):
        known = seen.get(tid)
        if known is None:
            seen[tid] = [count, first, last]
            continue
        known[0] += count
        if first is not None and (known[1] is None or first < known[1]):
            known[1] = first
        if last is not None and (known[2] is None or last > known[2]):
            known[2] = last


def _worth_workers(paths: Sequence[str | Path]) -> bool:
    """Whether the files hold enough to parse in worker processes: `parallel.MIN_BYTES` or
    more together, in the files workers can take (`_parallel_encoding`)."""
    plain = [Path(p) for p in paths if _parallel_encoding(p) is not None]
    return bool(plain) and sum(p.stat().st_size for p in plain) >= parallel.MIN_BYTES


def _parallel_encoding(path: str | Path) -> str | None:
    """The encoding of a file worth parsing in worker processes when they run: a plain one
    that splits at newline bytes, of `parallel.FILE_BYTES` or more (no more than the least
    that starts workers); None for the others (lines ended by a carriage return alone
    among them)."""
    path = Path(path)
    least = min(parallel.FILE_BYTES, parallel.MIN_BYTES)
    if not path.is_file() or path.stat().st_size < least:
        return None
    fmt = sniff(path)
    if fmt.compression is not Compression.NONE or is_wide(fmt.encoding) or fmt.returns:
        return None
    return fmt.encoding


def _snapshot(paths: Sequence[str | Path]) -> dict[str, os.stat_result]:
    """Each file's identity and size before it is read (standard input has none)."""
    found = {}
    for path in paths:
        if str(path) != STDIN:
            with suppress(OSError):
                found[str(path)] = os.stat(path)
    return found


def changed_while_read(before: dict[str, os.stat_result]) -> list[ChangedError]:
    """The files that shrank, were replaced or went away since ``before`` (`_snapshot`):
    a log rotated while it was read (logrotate's copytruncate empties it in place; other
    rotations move it and start a new one), whose output may miss lines. Growth is normal
    (a log being written) and is not reported."""
    found = []
    for path, was in before.items():
        try:
            now = os.stat(path)
        except OSError:
            found.append(ChangedError("was removed while it was read", path))
            continue
        if (now.st_dev, now.st_ino) != (was.st_dev, was.st_ino):
            found.append(
                ChangedError(
                    "was replaced by another file while it was read (rotated?): the lines "
                    "given may come from both; read the rotated files themselves",
                    path,
                )
            )
        elif now.st_size < was.st_size:
            found.append(
                ChangedError(
                    f"shrank from {was.st_size:,} to {now.st_size:,} bytes while it was read "
                    "(truncated in place, as logrotate's copytruncate does): lines past byte "
                    f"{now.st_size:,} may be missing; read the rotated copy as well",
                    path,
                )
            )
    return found


def _learn_files(
    paths: Sequence[str | Path],
    learn: _Learner,
    tz: str | None,
    year: int | None,
    name: Callable[[str | Path], str | None],
    pool: parallel.Workers | None,
    errors: list[InputError],
) -> None:
    """Parse the files one after the other, chunk by chunk, and learn: the plain files that
    are big enough in the workers of ``pool``, the others here, in their place. With
    workers, the next file is set up while the last spans of one are parsed. Lines whose
    stamp names no instant are told of (`warn_unreadable`)."""
    if pool is None:
        for path in paths:
            try:
                _learn_local(cast(_Local, _setup(path, learn, tz, year, name(path), None)), learn)
            except InputError as exc:
                errors.append(exc)
    else:
        _learn_in(pool, paths, learn, tz, year, name, errors)
    warn_unreadable(learn.unreadable)


#: What is said of a log's lines whose stamp names no instant (`warn_unreadable`).
UNREADABLE = (
    "a stamp that names no instant (as 30 February, 24:61 or an unknown zone would); such "
    "lines are kept without a time"
)


def warn_unreadable(unreadable: dict[str, int]) -> None:
    """A `RetrolineWarning` for each file with lines whose stamp names no instant (30
    February, 24:61, a zone the tz database lacks), at the first: such a line is kept
    without a time rather than given a wrong one, and the user is told so."""
    for path, line in unreadable.items():
        warnings.warn(RetrolineWarning(f"{where(path, line)}: {UNREADABLE}"), stacklevel=2)


def _learn_in(
    pool: parallel.Workers,
    paths: Sequence[str | Path],
    learn: _Learner,
    tz: str | None,
    year: int | None,
    name: Callable[[str | Path], str | None],
    errors: list[InputError],
) -> None:
    """`_learn_files` with workers."""

    # The last file the workers read: its end is cut into short spans.
    last = max((i for i, p in enumerate(paths) if _parallel_encoding(p)), default=-1)

    def setups() -> Iterator[parallel.Plan | _Local | InputError]:
        for i, path in enumerate(paths):
            try:
                yield _setup(path, learn, tz, year, name(path), pool, i >= last)
            except InputError as exc:
                yield exc

    for file, chunk, stored, size in pool.chunks(setups(), learn.tables):
        if isinstance(file, InputError):
            errors.append(file)
        elif isinstance(chunk, InputError):
            errors.append(chunk)
        elif isinstance(file, _Local):
            try:
                _learn_local(file, learn)
            except InputError as exc:
                errors.append(exc)
        elif chunk is not None:
            learn(chunk, None, stored, size)


@dataclass
class _Local:
    """A file this process parses: its parser, the blocks read to detect its header, and
    the rest of its blocks, still to be read."""

    parser: ChunkParser
    taken: list[Block]
    blocks: Iterator[Block]


def _setup(
    path: str | Path,
    learn: _Learner,
    tz: str | None,
    year: int | None,
    name: str | None,
    pool: parallel.Workers | None,
    last: bool = True,
) -> parallel.Plan | _Local:
    """Detect a file's header from its first lines and make its parser: a plan for the
    workers of ``pool`` when the file is one they read (``last``: no file follows it),
    else the file for this process."""
    pattern, taken, blocks, day, dated = _opened(path)
    stats = learn.seen is not None
    rules = learn.miner.config.rules
    parser = ChunkParser(
        pattern, tz, year, name, stats, rules, day, learn.window, str(path),
        text=learn.spool is not None, dated=dated,
    )  # fmt: skip
    encoding = _parallel_encoding(path) if pool is not None else None
    if encoding is None:
        return _Local(parser, taken, blocks)
    cast(Generator[Block, None, None], blocks).close()  # the workers read it
    return parallel.Plan(str(path), parser, encoding, tz, year, name, stats, dated, last)


def _opened(
    path: str | Path,
) -> tuple[HeaderPattern, list[Block], Iterator[Block], date | None, date | None]:
    """A file opened for parsing: its header pattern, detected from its first lines, the
    blocks read for that, the rest of its blocks, still to be read, the day it was last
    written (`timestamps.file_day`) and the date its first line is on, for lines that
    write the time of day alone (`learn.first_date`)."""
    blocks = read_blocks(path)
    taken, sample = sample_lines(blocks)
    lines: Iterator[str | RawLine] = chain.from_iterable(block for _, block in taken)
    head: Iterable[str | RawLine] = islice(lines, SAMPLE_LINES)
    whole = False
    if not any(line.strip() for line in sample):  # perhaps no text at all: is there more?
        following = next(blocks, None)
        if following is None:
            whole, head = True, chain(head, lines)  # every line of the file
        else:
            taken.append(following)
    refuse_non_log(path, head, whole)

    def later() -> Iterator[str]:
        """The lines after the sample, up to `SAMPLE_BOUND` from the start; the blocks
        read for them join ``taken``, still to be parsed."""

        def read() -> Iterator[Block]:
            yield from list(taken)
            for block in blocks:
                taken.append(block)
                yield block

        flat: Iterator[str | RawLine] = islice(
            chain.from_iterable(block for _, block in read()), SAMPLE_BOUND
        )
        texts = (t for x in flat if (t := text_of(x)) is not None)
        return islice(texts, len(sample), None)

    pattern, sample = detect_past_preamble(sample, later) if sample else (PATTERNS[-1], sample)
    day = file_day(path)
    return pattern, taken, blocks, day, first_date(path, pattern, sample, day)


def _learn_local(file: _Local, learn: _Learner) -> None:
    """Parse a file chunk by chunk in this process and learn."""
    carry = file.parser.initial()
    for number, lines in chain(file.taken, file.blocks):
        chunk = file.parser.parse(number, lines, carry)
        carry = chunk.end
        learn(chunk, None, None, _chars(lines) if learn.advance is not None else 0)


def _chars(lines: list[str] | list[RawLine]) -> int:
    """About the bytes a block held: its characters and newlines."""
    return sum(len(x if isinstance(x, str) else x.text) for x in lines) + len(lines)


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


def read_kept(
    path: str | Path,
    keep: Keep | None,
    miner: TemplateMiner,
    *,
    tz: str | None = None,
    year: int | None = None,
    within: tuple[int, int] | None = None,
) -> Iterator[ParsedLine]:
    """A second read of a file that ``miner`` has learnt: the lines ``keep`` takes (all
    when None), among those numbered ``within`` (first and last, when given), parsed on
    the chunk path with their messages, each with the template ``miner`` has for it
    (learning none unless no template covers it, as ``parse_lines(learn=False)``).

    Only the lines taken are parsed: a continuation line takes the record of the last
    line taken before it. Binary lines are passed over (they have no template). The
    file is read no further than the last line ``within``.
    """
    low, high = within if within is not None else (1, None)
    pattern, taken, blocks, day, dated = _opened(path)
    try:
        parser = ChunkParser(
            pattern,
            tz,
            year,
            rules=miner.config.rules,
            day=day,
            messages=True,
            dated=dated,
        )
        tables = FormTable()
        carry = parser.initial()
        known: dict[str, Template] = {}  # a form's template, while none is learnt here
        for first, block in chain(taken, blocks):
            if high is not None and first > high:
                return  # nothing more to look at
            if first + len(block) <= low:
                continue
            raws = _taken(first, block, keep, low, high)
            if not raws:
                continue
            chunk = parser.parse(first, raws, carry)
            carry = chunk.end
            forms = dict(zip(chunk.used, tables.forms(chunk), strict=True))
            said = iter(chunk.messages or ())
            for text in chunk.text.split("\n")[:-1]:  # JSON escapes newlines in strings
                head, number, tail = text.split(SEP)
                form = forms[number]
                template = known.get(form)
                if template is None:
                    template = miner.match_form(form)
                    if template is None:  # learnt here: the templates known may change
                        known.clear()
                        template = miner.get(miner.learn_forms([form], [1])[0])
                        assert template is not None, "a template just learnt is known"
                    else:
                        known[form] = template
                yield _parsed(json.loads(head + tail), template, next(said))
    finally:
        cast(Generator[Block, None, None], blocks).close()


def _taken(
    first: int, block: list[str] | list[RawLine], keep: Keep | None, low: int, high: int | None
) -> list[RawLine]:
    """The lines of a block (the first numbered ``first``) that ``keep`` takes, numbered
    from ``low`` to ``high``, but for binary ones."""
    plain = not block or isinstance(block[0], str)  # a plain block is its lines' texts
    texts = cast(list[str], block) if plain else [x.text for x in cast(list[RawLine], block)]
    picked = sorted(keep(texts)) if keep is not None else range(len(block))
    out = []
    for i in picked:
        n = first + i
        if n < low or (high is not None and n > high):
            continue
        x = block[i]
        raw = RawLine(n, x, False, False) if isinstance(x, str) else x
        if not raw.binary:
            out.append(raw)
    return out


def _parsed(fields: dict[str, Any], template: Template, message: str) -> ParsedLine:
    """A line of `read_kept`: its JSON (without its template) and what it lacks."""
    get = fields.get
    return ParsedLine(
        fields["line"],
        _instant(fields["at"]),
        template.id,
        template.text,
        get("host"),
        get("process"),
        get("pid"),
        get("level"),
        message,
        None,
        get("continuation", False),
        get("truncated", False),
        False,
        get("year_assumed", False),
        get("zone_source"),
        get("date_assumed", False),
        get("zone_ambiguous", False),
    )
