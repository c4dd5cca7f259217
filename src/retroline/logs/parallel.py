"""Parse the chunks of a big plain log file in worker processes, giving what one process would.

Reading headers, resolving times and writing JSON is most of the work of ``logs parse`` and
needs no template; only learning does, and it stays in the main process, in order (ids stay
stable and deterministic). So the file is cut into spans at line ends (`reader.plan_spans`),
worker processes parse them (`jsonl.ChunkParser`, masking messages too) and write each
chunk's JSON to their own spool file, and the main process takes the chunks back in order
and learns their masked forms. In the second pass the workers fill the chunks with the
final templates and write them to the output themselves, taking turns (`write_in_order`).
Files follow one another without a pause: the spans of the next file are sent while the
last ones of a file are parsed (`Workers.chunks`).

A chunk depends on the lines before it only through a small `jsonl.Carry` (the record that
continuation lines repeat, the header pattern in use, the year of yearless timestamps).
A worker predicts it by parsing a little of the file before its span, starting from the
carry the main process knew when it sent the span; the main process checks the prediction
against the true carry, where it matters to the chunk, and parses the span again itself when
it does not hold. The output is therefore exactly the sequential one (a test holds the two
together), and in practice predictions hold: a misprediction needs a year rollover, or a
stack trace longer than the look-behind, right at a span's start.

Workers are forked, so they start at once with the modules loaded; forked when the first
span is sent (``lazy``), they also inherit the first file's layouts, compiled. Memory is
bounded by the spans in flight (and glibc is asked to keep freed memory for reuse,
`keep_freed_memory`).
"""

from __future__ import annotations

import ctypes
import gc
import multiprocessing
import os
import platform
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from multiprocessing.pool import AsyncResult, Pool
from pathlib import Path
from typing import Any, TypeVar, cast

from retroline.errors import InputError
from retroline.logs.headers import HeaderPattern
from retroline.logs.jsonl import Carry, Chunk, ChunkParser, FormTable
from retroline.logs.masking import MaskRule
from retroline.logs.reader import RawLine, Span, plan_spans, read_span
from retroline.logs.timestamps import ROLLOVER_MONTHS, ROLLOVER_SECONDS, file_day
from retroline.logs.window import Window

__all__ = [
    "FILE_BYTES",
    "MIN_BYTES",
    "SPAN_BYTES",
    "Plan",
    "Stored",
    "Workers",
    "keep_freed_memory",
    "start_workers",
    "worker_count",
]

#: Bytes per span: large enough that a span's set-up and messages cost little against its
#: lines, small enough that the spans in flight stay a few megabytes each.
SPAN_BYTES = 4 << 20

#: Bytes per span at the end of a file (its last ``SPAN_BYTES`` per worker): short spans
#: there, so that no worker waits long for the last one to finish.
TAIL_SPAN_BYTES = 1 << 20

#: Bytes of plain files below which one process parses them all: forking would cost more
#: than it saves. Above it, workers parse every file of at least `FILE_BYTES` (twenty hosts'
#: logs of a few megabytes each are as much work as one large file).
MIN_BYTES = 4 * SPAN_BYTES

#: A file smaller than this is parsed in the main process even when workers run: its one
#: span would cost about as much to send and take back as to parse.
FILE_BYTES = TAIL_SPAN_BYTES

#: Parsers a worker keeps, one per file, the latest: spans of the next file may come while
#: the last of one are still being parsed.
KEPT_PARSERS = 2

#: Bytes before a span parsed to predict its carry: some hundreds of lines, a few percent of
#: a span, enough to meet a header line and the patterns of a mixed stream.
LOOKBEHIND = 64 << 10

#: Spans in flight per worker: one being parsed, one waiting, so that no worker idles while
#: the main process learns.
IN_FLIGHT = 2

#: Where a chunk's text was written: file, offset and length in bytes.
Stored = tuple[str, int, int]

T = TypeVar("T")
R = TypeVar("R")
L = TypeVar("L")


@dataclass(frozen=True)
class Plan:
    """A plain file for the workers to parse: the parser this process set up for it (the
    header detected from its first lines) and the settings the workers' parsers take."""

    path: str
    parser: ChunkParser
    encoding: str
    tz: str | None
    year: int | None
    name: str | None
    stats: bool
    #: The date its first lines write, for lines that write the time of day alone.
    dated: date | None
    #: Whether no file comes after it: its end is cut into short spans, so that no worker
    #: waits long for the last one (before another file, the next file's spans fill in).
    last: bool = True


# In a worker: the spool folder, and one parser per file (its caches outlast a span).
_folder: Path | None = None
# Shared by the workers: the number of the next chunk to be written out, and a condition to
# wait on for it.
_turn: Any = None
_next: Any = None
_parsers: dict[
    tuple[
        str,
        str | None,
        int | None,
        str | None,
        bool,
        tuple[MaskRule, ...],
        Window | None,
        bool,
        date | None,
    ],
    ChunkParser,
] = {}


def worker_count() -> int:
    """The processors this process may use (its affinity, not the machine's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


# glibc's mallopt parameters (malloc.h).
_M_TRIM_THRESHOLD = -1
_M_TOP_PAD = -2


def keep_freed_memory() -> None:
    """Ask glibc's malloc to keep freed memory for reuse, up to 256 MiB (no-op elsewhere).

    Each chunk of a log builds and drops tens of megabytes of strings. By default glibc
    hands memory at the top of its heap back to the kernel as soon as 128 KiB of it are
    free, and the next chunk faults the same pages in again: a quarter of a million page
    faults per million lines, a tenth of the run on a virtual machine. Kept, the pages are
    reused; memory stays bounded by the largest chunks in flight. Set before the workers
    are forked, they inherit it.
    """
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return
    libc = ctypes.CDLL(None)
    libc.mallopt(_M_TRIM_THRESHOLD, 256 << 20)
    libc.mallopt(_M_TOP_PAD, 64 << 20)


class Workers:
    """Forked worker processes that parse spans and write their chunks to spool files in
    ``folder``; a context manager that stops them."""

    def __init__(self, folder: str | Path, count: int, lazy: bool = False) -> None:
        self._context = multiprocessing.get_context("fork")
        self.folder = str(folder)
        self.count = count
        self.turn = self._context.Condition()
        self.next = self._context.Value("q", 0, lock=False)
        self._pool: Pool | None = None
        if not lazy:
            self._start()

    @property
    def pool(self) -> Pool:
        """The worker processes, forked when first needed with ``lazy``: they then inherit
        what this process prepared before (the first file's layouts, compiled)."""
        return self._pool or self._start()

    def _start(self) -> Pool:
        # Frozen objects are left alone by the workers' collector, which would otherwise
        # walk (and so copy, page by page) everything they inherited at each full pass.
        gc.freeze()
        try:
            self._pool = self._context.Pool(
                self.count, initializer=_start_worker, initargs=(self.folder, self.turn, self.next)
            )
        finally:
            gc.unfreeze()
        return self._pool

    def __enter__(self) -> Workers:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()

    def chunks(
        self, files: Iterable[Plan | L], tables: FormTable
    ) -> Iterator[tuple[Plan | L, Chunk | InputError | None, Stored | None, int]]:
        """The chunks of the plain files among ``files``, file after file, in order, each
        parsed after the true carry: with where the worker stored its text (None when the
        plan's parser parsed it again here, text included) and the bytes of its span.

        The spans of the next file are sent while the last of one are parsed, so that no
        worker waits while this process sets up the next file (``files`` is taken lazily,
        a few ahead). Other items of ``files`` (files this process reads itself) come back
        once each, in their place, as ``(item, None, None, 0)``. A file that breaks off in
        a worker comes back once as ``(plan, error, None, 0)`` and its other chunks are
        passed over. ``tables`` takes the forms of the chunks parsed again here, which the
        workers numbered all the same."""
        carries: dict[int, Carry] = {}  # per file (its place), the carry known so far
        failed: set[int] = set()
        pending: deque[tuple[int, Plan | L, Span | None, AsyncResult[Any] | None]] = deque()
        sent = self._sent(files, carries)
        while True:
            while len(pending) < self.count * IN_FLIGHT:
                item = next(sent, None)
                if item is None:
                    break
                i, file, span, task = item
                result = None if task is None else self.pool.apply_async(_try_work, (task,))
                pending.append((i, file, span, result))
            if not pending:
                return
            i, file, span, result = pending.popleft()
            if result is None or span is None:
                yield file, None, None, 0
                continue
            outcome = result.get()
            if i in failed:
                continue
            plan = cast(Plan, file)
            if isinstance(outcome, InputError):
                failed.add(i)
                yield plan, outcome, None, 0
                continue
            chunk, where = outcome
            carry = carries[i]
            if not _holds(chunk, carry, plan.parser.year):
                tables.take(chunk)
                try:
                    lines = read_span(plan.path, span, plan.encoding)
                except InputError as exc:
                    failed.add(i)
                    yield plan, exc, None, 0
                    continue
                chunk = plan.parser.parse(span.number, lines, carry)
                where = None
            carries[i] = _after(chunk, carry)
            yield plan, chunk, where, span.end - span.start

    def _sent(
        self, files: Iterable[Plan | L], carries: dict[int, Carry]
    ) -> Iterator[tuple[int, Plan | L, Span | None, _Task | None]]:
        """What `chunks` sends, lazily: per plan its spans' tasks, each taking the carry
        known when it is sent (workers predict the true one); other items as they are."""
        for i, file in enumerate(files):
            if not isinstance(file, Plan):
                yield i, file, None, None
                continue
            parser = file.parser
            carries[i] = parser.initial()
            pattern = parser.state.first.pattern
            tail = (self.count * SPAN_BYTES, TAIL_SPAN_BYTES) if file.last else None
            for span in plan_spans(file.path, SPAN_BYTES, tail):
                task = (
                    file.path, pattern, file.tz, file.year, file.name, file.stats, parser.rules,
                    span, file.encoding, carries[i], parser.window, parser.source, parser.text,
                    file.dated,
                )  # fmt: skip
                yield i, file, span, task

    def ordered(self, work: Callable[[T], R], tasks: Iterator[T]) -> Iterator[tuple[T, R]]:
        """``work(task)`` for each task, in the workers, results in the tasks' order; only a
        few tasks are sent ahead, so that memory stays bounded."""
        pending: deque[tuple[T, AsyncResult[R]]] = deque()
        while True:
            while len(pending) < self.count * IN_FLIGHT:
                task = next(tasks, None)
                if task is None:
                    break
                pending.append((task, self.pool.apply_async(work, (task,))))
            if not pending:
                return
            task, result = pending.popleft()
            yield task, result.get()

    def shares(self, fd: int) -> bool:
        """Whether the workers have ``fd`` as this process has it (it was open when they
        were forked), so that they can write to it."""
        here = _identity(fd)
        return here is not None and self.pool.apply(_identity, (fd,)) == here

    def write_in_order(self, work: Callable[[T], list[bytes]], tasks: Iterator[T], fd: int) -> None:
        """``work(task)`` for each task, in the workers, each writing the bytes it gives to
        ``fd`` (inherited from this process) in the tasks' order: the next one fills its
        chunk while one writes, and nothing passes through this process."""
        self.next.value = 0
        numbered = ((work, task, fd, i) for i, task in enumerate(tasks))
        for _ in self.ordered(_write_in_turn, numbered):
            pass


def start_workers(folder: str | Path, count: int, lazy: bool = False) -> Workers | None:
    """``count`` workers, or None when this platform cannot fork or fewer than two
    processes would share the work; with ``lazy``, forked when first given work."""
    if count < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return None
    return Workers(folder, count, lazy)


def _start_worker(folder: str, turn: Any, next_chunk: Any) -> None:
    global _folder, _turn, _next
    _folder, _turn, _next = Path(folder), turn, next_chunk
    _parsers.clear()


def _identity(fd: int) -> tuple[int, int, int] | None:
    """What file descriptor ``fd`` stands for: device, inode and the open file's flags."""
    import fcntl  # Unix only, as forking is

    try:
        stat = os.fstat(fd)
        return stat.st_dev, stat.st_ino, fcntl.fcntl(fd, fcntl.F_GETFL)
    except OSError:
        return None


def _write_in_turn(task: tuple[Callable[[Any], list[bytes]], Any, int, int]) -> None:
    """In a worker: do one task of `Workers.write_in_order`, then wait for the chunks before
    it to be written, and write its own."""
    work, item, fd, index = task
    parts: list[bytes] = []
    try:
        parts = work(item)
    finally:
        # Even when the work failed, the turn passes on, so that no worker waits forever.
        with _turn:
            while _next.value != index:
                _turn.wait()
        try:
            write_parts(fd, parts)
        finally:
            with _turn:
                _next.value = index + 1
                _turn.notify_all()


#: Buffers one writev call takes at most.
_IOV_MAX = os.sysconf("SC_IOV_MAX") if hasattr(os, "sysconf") else 1024


def write_parts(fd: int, parts: list[bytes]) -> None:
    """Write the pieces of a chunk to ``fd`` as they are, without joining them first (the
    kernel gathers them: one copy of the chunk fewer)."""
    for start in range(0, len(parts), _IOV_MAX):
        batch = parts[start : start + _IOV_MAX]
        written = os.writev(fd, batch)
        wanted = sum(map(len, batch))
        if written < wanted:  # a pipe took part of it: the rest, joined
            view = memoryview(b"".join(batch))[written:]
            while view:
                view = view[os.write(fd, view) :]


#: What a worker needs to parse one span: the file and its parser's settings, the span,
#: the file's encoding, the carry to start predicting from, and whether to store the text.
_Task = tuple[
    str,
    HeaderPattern,
    str | None,
    int | None,
    str | None,
    bool,
    tuple[MaskRule, ...],
    Span,
    str,
    Carry,
    Window | None,
    str,
    bool,
    date | None,
]


def _try_work(task: _Task) -> tuple[Chunk, Stored | None] | InputError:
    """`_work`, with a file that breaks off given back as its error (the other files go on)."""
    try:
        return _work(task)
    except InputError as exc:
        return exc


def _work(task: _Task) -> tuple[Chunk, Stored | None]:
    """In a worker: parse one span after predicting its carry; the text goes to the
    worker's spool file, the rest back to the main process. A chunk counted in an onset's
    windows (its tallies made here), or one whose text is not wanted (``keep`` False, a
    summary), is marks: nothing is stored."""
    (
        path,
        pattern,
        tz,
        year,
        name,
        stats,
        rules,
        span,
        encoding,
        base,
        window,
        source,
        keep,
        dated,
    ) = task
    key = (path, tz, year, name, stats, rules, window, keep, dated)
    parser = _parsers.get(key)
    if parser is None:
        # The files are read one after the other: the parsers (and their caches) of the
        # files before the last few are done with, and would add up over many files.
        while len(_parsers) >= KEPT_PARSERS:
            del _parsers[next(iter(_parsers))]
        parser = _parsers[key] = ChunkParser(
            pattern, tz, year, name, stats, rules, file_day(path), window, source, text=keep,
            dated=dated,
        )  # fmt: skip
    carry = base
    if span.start:
        behind = _behind(path, span.start, encoding)
        if behind:
            carry = parser.parse(1, behind, base, hand_on=False).end
    chunk = parser.parse(span.number, read_span(path, span, encoding), carry)
    if parser.marking:
        return chunk, None
    data = chunk.text.encode("utf-8")
    chunk.text = ""
    assert _folder is not None
    target = _folder / f"spool-{os.getpid()}"
    with target.open("ab") as fh:
        offset = fh.tell()
        fh.write(data)
    return chunk, (str(target), offset, len(data))


def _behind(path: str, start: int, encoding: str) -> list[str] | list[RawLine]:
    """The whole lines of the `LOOKBEHIND` bytes before ``start``."""
    begin = max(0, start - LOOKBEHIND)
    with Path(path).open("rb") as fh:
        fh.seek(begin)
        data = fh.read(start - begin)
    if begin:
        data = data[data.find(b"\n") + 1 :]  # the first line began before
    if not data:
        return []
    return read_span(path, Span(start - len(data), start, 1), encoding)


def _holds(chunk: Chunk, carry: Carry, year: int) -> bool:
    """Whether the carry a chunk was parsed from gives it the lines the true one gives."""
    assumed = chunk.start
    if assumed.current != carry.current:
        return False
    if chunk.record_used and (assumed.at, assumed.fields, assumed.assumed) != (
        carry.at,
        carry.fields,
        carry.assumed,
    ):
        return False
    # The year of a yearless pattern's lines follows from the year and month before its
    # first line, and only through whether that month starts a new year; the day of times
    # of day alone, from the days passed and whether the clock went back past midnight.
    return _same_turns(
        chunk.first_months,
        assumed.years,
        carry.years,
        (year, 0),
        lambda last, first: last - first >= ROLLOVER_MONTHS,
    ) and _same_turns(
        chunk.first_clocks,
        assumed.clocks,
        carry.clocks,
        (0, -1),
        lambda last, first: last - first > ROLLOVER_SECONDS,
    )


def _same_turns(
    firsts: dict[str, int],
    guess: dict[str, tuple[int, int]],
    true: dict[str, tuple[int, int]],
    default: tuple[int, int],
    turned: Callable[[int, int], bool],
) -> bool:
    """Whether, for each pattern a chunk used (its first line's month or clock in
    ``firsts``), the guessed carry gives what the true one gives: the same count so far
    (a year, days) and the same turn (``turned``: from the last value before to the first)."""
    for pattern, first in firsts.items():
        guess_count, guess_last = guess.get(pattern, default)
        true_count, true_last = true.get(pattern, default)
        if guess_count != true_count or turned(guess_last, first) != turned(true_last, first):
            return False
    return True


def _after(chunk: Chunk, carry: Carry) -> Carry:
    """The true carry after a chunk that held: the years of the patterns it did not use
    are the ones before it."""
    end = chunk.end
    years = dict(carry.years)
    years.update((pattern, end.years[pattern]) for pattern in chunk.first_months)
    clocks = dict(carry.clocks)
    clocks.update((pattern, end.clocks[pattern]) for pattern in chunk.first_clocks)
    return Carry(end.current, end.at, end.fields, end.assumed, years, clocks)
