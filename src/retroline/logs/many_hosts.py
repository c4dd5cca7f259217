"""Many hosts logging the same event within a minute: one shared cause, not many failures.

When a watchdog reboots 113 machines at once because none could check in, or every host's
syslog shows the same error in the same half-minute, the cause is something they share (the
network, a server, the clock), and the finding should say so rather than list each host.

`shared_bursts` reads the logs in time order (every file side by side, each streamed through
`run.read_kept`), gives each line a *subject host* (the header's host, or a host the
message names where the template has a variable) and follows, per template and way of
finding the host, the distinct hosts seen in the last `SPAN`. A *burst* is a run of lines
during which that count stays at the threshold (`MIN_HOSTS`, and `HOST_SHARE` of the hosts
the template is seen on at all); its size is the most hosts in one `SPAN` of it, which must
also be `RISE` times what a `SPAN` holds by chance (so that a heartbeat is no burst). The
bursts of one template are one `Burst` with its occurrences ("and 32 more times, every 20
min"), and `burst_findings` makes each a ``many-hosts`` finding linked to its first line.

Memory is bounded: per template and way of finding the host, the hosts of the last `SPAN`,
the distinct hosts seen (at most `HOST_CAP`) and the bursts' summaries.
"""

from __future__ import annotations

import heapq
import math
import pickle
import re
import tempfile
from collections import OrderedDict
from collections.abc import Collection, Generator, Iterator, Mapping, Sequence
from contextlib import ExitStack, closing
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from itertools import islice, pairwise
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

from retroline.analysis.durations import human
from retroline.errors import UsageError
from retroline.instants import iso_utc
from retroline.logs import parallel
from retroline.logs.masking import PLACEHOLDER
from retroline.logs.onset import Change, ChangeKind
from retroline.logs.reader import STDIN
from retroline.logs.run import Keep, Stretch, check_inputs, lines_within, read_kept, summarise
from retroline.logs.templates import TemplateMiner
from retroline.model import Finding, Severity, Source

__all__ = [
    "HOST_CAP",
    "HOST_SHARE",
    "MIN_HOSTS",
    "RISE",
    "SPAN",
    "Burst",
    "Occurrence",
    "burst_findings",
    "burst_text",
    "candidates",
    "host_value",
    "shared_bursts",
]

#: The longest time the hosts of one burst are counted over.
SPAN = timedelta(seconds=60)
#: Fewest distinct hosts in one `SPAN` for a burst. Two or three hosts of a pair or a small
#: cluster often log the same thing together by their own design (a failover, a shared
#: cron); five is past what such designs do, and what one coincidence makes in a minute.
MIN_HOSTS = 5
#: Share of the hosts a template is seen on (in the range read) that must show it within one
#: `SPAN`. A message that a fleet logs at random (a client connecting, a retry) reaches five
#: hosts in a busy minute by chance, but not half of all the hosts that ever log it; a shared
#: cause hits most of them at once. On benchmarks/many_hosts.py (styles A and B, whose
#: events hit 60% of the hosts or more) 0.5 and 0.6 do best; 0.5 is kept, "most hosts".
HOST_SHARE = 0.5
#: A burst must hold this many times the hosts a `SPAN` holds by chance: with each host
#: active (its lines within a `SPAN` of each other) for a share p of the time read, a
#: `SPAN` holds sum(p) hosts on average. A heartbeat or a message every host logs all the
#: time has as many hosts in every minute; what is steady is no event. On
#: benchmarks/many_hosts.py (styles A and B) 3 rather than 2 drops clients that check in
#: every 5 minutes with their phases bunched, and finds the same events.
RISE = 3.0
#: Distinct hosts remembered per template and way of finding the host (bounded memory); a
#: template seen on more is one no minute can hold half of.
HOST_CAP = 4096
#: Host names kept per burst, to show.
SHOWN = 5
#: Occurrences kept per template (more are counted, not kept).
KEPT = 1000
#: Hosts taken from one message (the first host-like values of its variables).
NAMED_PER_LINE = 2

# The ways of finding the host of a line: -1 is the header's, 0 and 1 the first and second
# host-like value in the message.
_HEADER = -1


@dataclass(frozen=True)
class Occurrence:
    """One burst: its first line, the line that made its most hosts in one `SPAN`, how
    many that was, and a few of them."""

    at: datetime
    end: datetime
    hosts: int
    sample: tuple[str, ...]


@dataclass(frozen=True)
class Burst:
    """A template many hosts showed within one `SPAN`, once or repeatedly.

    ``hosts``, ``sample``, ``first`` and ``last`` describe the first burst: the most hosts
    in one `SPAN` of it, a few of them, its first line and the line that made the most;
    ``path`` and ``line`` are where its first line is. ``count`` bursts in all, ``every`` apart (the median gap
    between their starts; None for one), ``regular`` when every gap is near it; ``final``
    is when the last began. ``total_hosts`` is how many hosts the template was seen on at
    all (at most `HOST_CAP`). ``named`` is True when the hosts are named in the messages
    (a daemon that watches them), False when they are the lines' own hosts.
    """

    template: str
    template_id: str
    hosts: int
    sample: tuple[str, ...]
    first: datetime
    last: datetime
    count: int
    every: timedelta | None
    regular: bool
    final: datetime
    path: str
    line: int
    total_hosts: int
    named: bool
    occurrences: tuple[Occurrence, ...] = field(default=(), repr=False)


def candidates(changes: Sequence[Change], min_hosts: int = MIN_HOSTS) -> set[str]:
    """The templates that changed at an onset (appeared or spiked) and may have done so on
    many hosts at once: on `min_hosts` header hosts or more, or with examples that name
    two hosts or more where they differ (a daemon naming the machines it watches). Only
    these need the second read `shared_bursts` makes; a template steady through the onset
    is no event of it, whatever hosts log it."""
    found = set()
    for change in changes:
        if change.kind not in (ChangeKind.APPEARED, ChangeKind.SPIKED):
            continue
        if len(change.hosts) >= min_hosts:
            found.add(change.template_id)
            continue
        if PLACEHOLDER not in change.template or len(change.examples) < 2:
            continue
        lines = [set(e.text.split()) for e in change.examples]
        # What every example shares (the header's host, the template's words) names none.
        varied = set[str]().union(*lines) - lines[0].intersection(*lines[1:])
        if len({h for token in varied if (h := host_value(token)) is not None}) >= 2:
            found.add(change.template_id)
    return found


def shared_bursts(
    paths: Sequence[str | Path],
    start: datetime,
    end: datetime,
    *,
    tz: str | None = None,
    year: int | None = None,
    miner: TemplateMiner | None = None,
    min_hosts: int = MIN_HOSTS,
    share: float = HOST_SHARE,
    span: timedelta = SPAN,
    templates: Collection[str] | None = None,
    extents: Mapping[str, tuple[datetime, datetime]] | None = None,
    seen_in: Mapping[str, Collection[str]] | None = None,
    stretches: Mapping[str, Sequence[Stretch]] | None = None,
) -> list[Burst]:
    """The templates that many hosts showed within ``span``, among the lines in [start, end).

    tz and year: as `run.read_kept` takes them (the zone of times that state none, the
        year of yearless ones). A naive ``start`` or ``end`` is UTC.
    miner: a miner that has already learnt these files (the one the onset analysis used),
        which saves a pass; by default a fresh one learns them first, so that every line
        is seen in its template's final form (where its variables are).
    min_hosts, share, span: the thresholds (`MIN_HOSTS`, `HOST_SHARE`, `SPAN`).
    templates: the ids of the templates to follow (`candidates`), by default all.
    extents: the first and last instants of each file's lines (`onset.Onset.extents`). A
        burst must stand out against how long the logs run, which the lines of the
        followed templates alone would shorten to their own span: with ``templates``, the
        logs run over the files' extents within the window (the whole window when not
        given).
    seen_in: per id of ``templates``, the files its lines are in (`onset.Change.files`):
        a file is searched for the templates seen in it only (each template's words cost a
        search of the whole file), and not read when it has none.
    stretches: each file's lines a stretch at a time with their instants
        (`onset.Onset.stretches`): with ``templates``, a file is read only over the lines
        of the stretches in [start, end), and not at all when none is.

    The files are read side by side, in time order, one open file each (lines out of order
    within a file are taken as they come). Errors of the reader (a file missing, broken
    off, or rotated while it was learnt) are raised, as `InputError`.
    """
    start, end = _utc(start), _utc(end)
    if start >= end:
        raise UsageError(
            f"the window to look for bursts in ends ({iso_utc(end)}) before it starts"
            f" ({iso_utc(start)}): give an end after the start"
        )
    if min_hosts < 2 or not 0 < share <= 1 or span <= timedelta(0):
        raise UsageError(
            f"bursts of {min_hosts} hosts, {share} of them, within {span}: give 2 hosts or"
            " more, a share above 0 and at most 1, and a span above zero"
        )
    if any(str(p) == STDIN for p in paths):
        raise UsageError("bursts across hosts are looked for in files, not in standard input")
    check_inputs(paths, year)
    if miner is None:
        miner = TemplateMiner()
        _, errors = summarise(paths, tz=tz, year=year, miner=miner)
        if errors:
            raise errors[0]
    scan = _Scan(span.total_seconds(), min_hosts, share)
    lo, hi = start.timestamp(), end.timestamp()
    with ExitStack() as stack:
        read: list[tuple[str | Path, frozenset[str] | None, tuple[int, int] | None]] = []
        for path in paths:
            wanted = within = None
            if templates is not None:
                wanted = _seen_in(path, templates, seen_in)
                parts = stretches.get(str(path)) if stretches is not None else None
                within = lines_within(parts, start, end) if parts is not None else None
                if not wanted or (parts is not None and within is None):
                    continue  # none of the templates is in it, or none of its lines is
            read.append((path, wanted, within))
        streams = _streams(read, lo, hi, tz, year, miner, stack)
        for t, parsed, path in heapq.merge(*streams, key=itemgetter(0)):
            scan.add(t, parsed, path)
    if templates is not None:
        known = [extents[str(p)] for p in paths if extents and str(p) in extents]
        first = min((a.timestamp() for a, _ in known), default=lo)
        last = max((b.timestamp() for _, b in known), default=hi)
        scan.first, scan.last = min(scan.first, max(lo, first)), max(scan.last, min(hi, last))
    return scan.bursts(miner)


class _Seen(NamedTuple):
    """What the scan takes of a line (`_lines_in`): its template's id, its instant and
    number, its header's host and the hosts its message names (`_named_hosts`). Worked
    out where the line is read (a worker, with several files), and small to send back."""

    template_id: str
    at: datetime
    line: int
    host: str | None
    named: tuple[str, ...]


def _streams(
    files: Sequence[tuple[str | Path, Collection[str] | None, tuple[int, int] | None]],
    lo: float,
    hi: float,
    tz: str | None,
    year: int | None,
    miner: TemplateMiner,
    stack: ExitStack,
) -> list[Iterator[tuple[float, _Seen, str]]]:
    """Each file's lines for the scan (`_lines_in`), of the templates followed in it (all
    when None) and among the lines numbered within a range (all when None), in file order.
    Several large files, when this machine has processors to share and only some templates
    are followed: read side by side in forked worker processes (which inherit the miner),
    each writing its lines to a spool file that is read back here, so that memory stays
    bounded by the files' number, not their lines."""
    workers = None
    followed = [(p, templates, within) for p, templates, within in files if templates is not None]
    if len(followed) == len(files) and (
        # Forking costs more than it saves on small files (as for `logs parse`).
        sum(Path(p).stat().st_size for p, _, _ in files) >= parallel.MIN_BYTES
    ):
        folder = stack.enter_context(tempfile.TemporaryDirectory(prefix="retroline-bursts-"))
        global _FOLLOWING
        _FOLLOWING = miner  # for the workers forked next
        try:
            # None with one processor, or where processes cannot be forked.
            workers = parallel.start_workers(folder, min(parallel.worker_count(), len(files)))
        finally:
            _FOLLOWING = None
    if workers is None:
        return [
            stack.enter_context(
                closing(_lines_in(path, lo, hi, tz, year, miner, templates, within))
            )
            for path, templates, within in files
        ]
    with workers:
        tasks = iter(
            [
                (str(p), lo, hi, tz, year, frozenset(templates), within, f"{folder}/{i}.spool")
                for i, (p, templates, within) in enumerate(followed)
            ]
        )
        spools = [spool for _, spool in workers.ordered(_spool_lines, tasks)]
    return [_spooled(spool) for spool in spools]


def _seen_in(
    path: str | Path, templates: Collection[str], seen_in: Mapping[str, Collection[str]] | None
) -> frozenset[str]:
    """The templates to follow in one file: those seen in it (all, without ``seen_in``)."""
    name = str(path)
    if seen_in is None:
        return frozenset(templates)
    return frozenset(t for t in templates if t not in seen_in or name in seen_in[t])


#: The miner the worker processes of `_streams` inherit when they are forked.
_FOLLOWING: TemplateMiner | None = None

#: Lines written to a spool at a time (a batch is one pickle).
_BATCH = 1024


def _spool_lines(
    task: tuple[
        str, float, float, str | None, int | None, frozenset[str], tuple[int, int] | None, str
    ],
) -> str:
    """In a worker: write one file's lines for the scan to a spool file, in batches."""
    path, lo, hi, tz, year, templates, within, spool = task
    assert _FOLLOWING is not None, "the workers are forked with the miner set"
    lines = _lines_in(path, lo, hi, tz, year, _FOLLOWING, templates, within)
    with open(spool, "wb") as out:
        while batch := list(islice(lines, _BATCH)):
            pickle.dump(batch, out, protocol=pickle.HIGHEST_PROTOCOL)
    return spool


def _spooled(spool: str) -> Iterator[tuple[float, _Seen, str]]:
    """The lines a worker wrote to ``spool``, in order."""
    with open(spool, "rb") as source:
        while True:
            try:
                batch = pickle.load(source)
            except EOFError:
                return
            yield from batch


def _utc(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def _has_words(templates: Collection[str], miner: TemplateMiner) -> Keep | None:
    """A test a line of one of ``templates`` passes: it holds every constant word of one of
    them (a template's words are in every line of it, as written), so that only such
    lines are parsed. None when a template has no such word: every line must be parsed
    then. The test takes a block of lines at once (`run.Keep`)."""
    needs: set[frozenset[str]] = set()
    for tid in templates:
        learnt = miner.get(tid)
        words = frozenset(w for w in _shape(learnt.resolved().text)[1] if w) if learnt else None
        if not words:
            return None
        needs.add(words)
    # Per template, its words, the rarest in the first block first: the blocks are searched
    # for it (a fast search in C), and only the lines that hold it are held to the others.
    # (How often a word is in a template's text says little: it may fill another's
    # variables in most lines.)
    firsts: dict[str, list[tuple[str, ...]]] = {}

    def keep(lines: list[str]) -> set[int]:
        text = "\n".join(lines)
        find, newlines = text.find, text.count
        if not firsts:
            for words in sorted(needs, key=sorted):
                order = sorted(words, key=lambda w: (newlines(w), -len(w), w))
                firsts.setdefault(order[0], []).append(tuple(order[1:]))
        taken: set[int] = set()
        for word, rests in firsts.items():
            at, line, counted = find(word), 0, 0
            while at >= 0:
                line += newlines("\n", counted, at)
                counted = at
                if line not in taken:
                    has = lines[line].__contains__
                    if any(all(map(has, rest)) for rest in rests):
                        taken.add(line)
                end = find("\n", at)
                if end < 0:
                    break
                at = find(word, end)
        return taken

    return keep


def _lines_in(
    path: str | Path,
    lo: float,
    hi: float,
    tz: str | None,
    year: int | None,
    miner: TemplateMiner,
    templates: Collection[str] | None = None,
    within: tuple[int, int] | None = None,
) -> Generator[tuple[float, _Seen, str], None, None]:
    """The lines of one file that start a record and fall in [lo, hi) (POSIX seconds), with
    their instant; only those of ``templates`` (their ids, as the miner resolves them) when
    given, among the lines numbered ``within`` (`run.read_kept`). Continuation lines
    (stack frames) belong to the record before them."""
    name = str(path)
    wanted: dict[str, bool] = {}  # a line's template id: whether it resolves to one wanted
    keep = _has_words(templates, miner) if templates is not None else None
    found = read_kept(path, keep, miner, tz=tz, year=year, within=within)
    for parsed in found:
        at = parsed.at
        if at is None or parsed.continuation or parsed.template_id is None:
            continue
        if templates is not None:
            ok = wanted.get(parsed.template_id)
            if ok is None:
                learnt = miner.get(parsed.template_id)
                resolved = learnt.resolved().id if learnt is not None else parsed.template_id
                ok = wanted[parsed.template_id] = resolved in templates
            if not ok:
                continue
        t = at.timestamp()
        if lo <= t < hi:
            named = (
                tuple(_named_hosts(parsed.message, parsed.template))
                if PLACEHOLDER in parsed.template
                else ()
            )
            yield t, _Seen(parsed.template_id, at, parsed.line, parsed.host, named), name


# A host as a message writes it: a name of letters, digits and hyphens, in dotted labels.
_NAME = re.compile(r"[A-Za-z][A-Za-z0-9\-]*(?:\.[A-Za-z0-9\-]+)*")
_IPV4 = re.compile(r"(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})")
_VERSION = re.compile(r"[vV]\d")
_HEXISH = re.compile(r"[0-9a-fA-F\-]{8,}")
_LEADING = "([{<'\"`"
_TRAILING = ")]}>'\"`,;:.!?"


@lru_cache(maxsize=1 << 16)
def host_value(token: str) -> str | None:
    """The host a message token names, or None: ``wintest-042``, ``node17.lab``,
    ``db.example.com`` or ``10.1.2.3``, also inside ``host=...``, ``(...)``, ``...:8080`` or
    ``user@...``; never a plain number, a path, a time, a version or a long hex id.

    >>> host_value("(wintest-042):"), host_value("10.0.3.7:22"), host_value("/var/log/42")
    ('wintest-042', '10.0.3.7', None)
    """
    value = token.lstrip(_LEADING).rstrip(_TRAILING)
    if "=" in value:
        value = value.rpartition("=")[2].lstrip(_LEADING).rstrip(_TRAILING)
    value = value.rpartition("@")[2]
    if "/" in value:  # Java's "name/10.0.0.1:port" names an address; other slashes a path
        value = value.rpartition("/")[2]
        if not value[:1].isdigit():
            return None
    if value.count(":") == 1:
        value, port = value.split(":")
        if not (port.isdigit() and len(port) <= 5):
            return None
    elif ":" in value:
        return None
    if (ip := _IPV4.fullmatch(value)) is not None:
        return value if all(int(part) <= 255 for part in ip.groups()) else None
    if len(value) > 253 or _NAME.fullmatch(value) is None:
        return None
    labels = value.split(".")
    if labels[-1].isdigit() or any(len(label) > 63 for label in labels):
        return None  # "python3.11", "release-2.4": a version
    if sum(c.isalpha() for c in value) < 2 or _VERSION.match(value):
        return None  # "T10" (a time's hour), "v2"
    if any(c.isdigit() for c in value):
        return None if _HEXISH.fullmatch(value) else value  # a hash or an id, not a name
    # No digit: a fully qualified name ("db.example.com"), not a word or a file name.
    return value if len(labels) >= 3 and all(any(c.isalpha() for c in x) for x in labels) else None


@lru_cache(maxsize=4096)
def _shape(template: str) -> tuple[tuple[str, ...], frozenset[str]]:
    """A template's tokens and its constant tokens."""
    tokens = tuple(template.split(" "))
    return tokens, frozenset(t for t in tokens if PLACEHOLDER not in t)


def _named_hosts(message: str, template: str) -> list[str]:
    """The hosts a message names where its template has a variable (`NAMED_PER_LINE` at
    most): the value a constant token of the template cannot be."""
    tokens = message.split()
    shape, constants = _shape(template)
    if len(tokens) == len(shape):
        values = [
            _fill(token, slot)
            for token, slot in zip(tokens, shape, strict=True)
            if PLACEHOLDER in slot
        ]
    else:  # a value the masker joined ("384.0 KB") or one the template lacks: by the constants
        values = [token for token in tokens if token not in constants]
    found = []
    for value in values:
        host = host_value(value)
        if host is not None and host not in found:
            found.append(host)
            if len(found) == NAMED_PER_LINE:
                break
    return found


def _fill(token: str, slot: str) -> str:
    """The part of a token its template's slot leaves variable (``host=<*>``, ``<*>:``)."""
    if slot == PLACEHOLDER or slot.count(PLACEHOLDER) != 1:
        return token
    prefix, suffix = slot.split(PLACEHOLDER)
    if (
        token.startswith(prefix)
        and token.endswith(suffix)
        and len(token) > len(prefix) + len(suffix)
    ):
        return token[len(prefix) : len(token) - len(suffix)]
    return token


class _Entry:
    """A host in the last `SPAN` of a track: since when it is there, its first line in the
    last `SPAN` (instant, path, line) and its last instant."""

    __slots__ = ("at", "first", "last", "line", "path", "since")

    def __init__(self, t: float, path: str, line: int, at: datetime, since: float) -> None:
        self.first, self.last, self.path, self.line, self.at, self.since = (
            t, t, path, line, at, since
        )  # fmt: skip


class _Episode:
    """A burst as it is read: its first line, and its peak (hosts and when)."""

    __slots__ = ("at", "end", "line", "path", "peak", "sample", "t")

    def __init__(self, first: _Entry, hosts: int, at: datetime, sample: list[str]) -> None:
        self.t, self.path, self.line, self.at = first.first, first.path, first.line, first.at
        self.peak, self.end, self.sample = hosts, at, sample


class _Track:
    """One template's hosts found one way: the last `SPAN`'s, all of them (with how long
    each was in the window), and its bursts."""

    __slots__ = ("bursts", "extra", "open", "scan", "seen", "window")

    def __init__(self, scan: _Scan) -> None:
        self.scan = scan
        self.window: OrderedDict[str, _Entry] = OrderedDict()  # by last instant
        self.seen: dict[str, float] = {}  # host -> seconds it was in the window
        self.open: _Episode | None = None
        self.bursts: list[_Episode] = []
        self.extra = 0  # bursts past `KEPT`: counted, not kept

    def threshold(self) -> int:
        """The hosts a burst needs, given the hosts seen so far (`MIN_HOSTS`, `HOST_SHARE`)."""
        return max(self.scan.min_hosts, math.ceil(self.scan.share * len(self.seen) - 1e-9))

    def add(self, t: float, host: str, path: str, line: int, at: datetime) -> None:
        """One line of the template on ``host``, at ``t`` (POSIX seconds) or ``at``."""
        window, horizon = self.window, t - self.scan.span
        stale = []
        for key, entry in window.items():
            if entry.last >= horizon:
                break
            stale.append(key)
        for key in stale:
            self._leave(key, window.pop(key))
        known = window.get(host)
        if known is None and host not in self.seen and len(self.seen) < HOST_CAP:
            self.seen[host] = 0.0
        threshold = self.threshold()
        episode = self.open
        if episode is not None and len(window) + (known is None) < threshold:
            self.close()
            episode = None
        if known is None:
            window[host] = _Entry(t, path, line, at, t)
            if len(window) > HOST_CAP:
                self._leave(*window.popitem(last=False))
        else:
            if known.first < horizon:  # a chatty host: its first line is the span's
                known = window[host] = _Entry(t, path, line, at, known.since)
            known.last = max(known.last, t)
            window.move_to_end(host)
        size = len(window)
        if episode is not None:
            if size > episode.peak:
                episode.peak, episode.end = size, at
            if len(episode.sample) < SHOWN and host not in episode.sample:
                episode.sample.append(host)
        elif size >= threshold:
            front = next(iter(window.values()))
            self.open = _Episode(front, size, at, list(islice(window, SHOWN)))

    def _leave(self, host: str, entry: _Entry) -> None:
        """A host leaves the window: it was there from its first line to a `SPAN` after its
        last."""
        if host in self.seen:
            self.seen[host] += entry.last - entry.since + self.scan.span

    def finish(self) -> None:
        """The end of the lines: every host leaves the window, the open burst ends."""
        for host, entry in self.window.items():
            self._leave(host, entry)
        self.window.clear()
        self.close()

    def close(self) -> None:
        """End the open burst; keep it while it reaches the threshold."""
        episode, self.open = self.open, None
        if episode is None or episode.peak < self.threshold():
            return
        if len(self.bursts) < KEPT:
            self.bursts.append(episode)
        else:
            self.extra += 1

    def by_chance(self, seconds: float) -> float:
        """The hosts a `SPAN` holds on average over ``seconds`` of logs (`RISE`)."""
        seconds = max(seconds, self.scan.span)
        return sum(min(1.0, there / seconds) for there in self.seen.values())

    def kept(self, seconds: float) -> list[_Episode]:
        """The bursts that reach the threshold of the hosts finally seen, and `RISE` times
        what chance gives over ``seconds`` of logs."""
        least = max(self.threshold(), RISE * self.by_chance(seconds))
        return [b for b in self.bursts if b.peak >= least]


class _Scan:
    """Every template's tracks over one time-ordered stream of lines."""

    def __init__(self, span: float, min_hosts: int, share: float) -> None:
        self.span, self.min_hosts, self.share = span, min_hosts, share
        self.first, self.last = math.inf, -math.inf  # the instants of the lines read
        self.tracks: dict[tuple[str, int], _Track] = {}

    def _track(self, key: tuple[str, int]) -> _Track:
        track = self.tracks.get(key)
        if track is None:
            track = self.tracks[key] = _Track(self)
        return track

    def add(self, t: float, seen: _Seen, path: str) -> None:
        """One line, at ``t`` (POSIX seconds): to its template's track of header hosts, and
        to those of the hosts its message names."""
        tid, at, line = seen.template_id, seen.at, seen.line
        self.first, self.last = min(self.first, t), max(self.last, t)
        if seen.host:
            self._track((tid, _HEADER)).add(t, seen.host, path, line, at)
        for k, host in enumerate(seen.named):
            self._track((tid, k)).add(t, host, path, line, at)

    def bursts(self, miner: TemplateMiner) -> list[Burst]:
        """One `Burst` per template: the header's hosts when they burst, else the named
        hosts that burst most."""
        best: dict[str, tuple[tuple[bool, int], _Track, list[_Episode]]] = {}
        for (tid, way), track in self.tracks.items():
            track.finish()
            kept = track.kept(self.last - self.first)
            if not kept:
                continue
            rank = (way == _HEADER, kept[0].peak)
            if tid not in best or rank > best[tid][0]:
                best[tid] = (rank, track, kept)
        found = []
        for tid, ((header, _), track, kept) in best.items():
            learnt = miner.get(tid)
            text = learnt.resolved().text if learnt is not None else tid
            found.append(_burst(text, tid, track, kept, not header))
        found.sort(key=lambda b: (b.first, -b.hosts, b.template))
        return found


def _burst(text: str, tid: str, track: _Track, kept: list[_Episode], named: bool) -> Burst:
    first = kept[0]
    gaps = [b.t - a.t for a, b in pairwise(kept)]
    every = regular = None
    if gaps:
        middle = sorted(gaps)[len(gaps) // 2]
        every = timedelta(seconds=round(middle))
        # Near it: within a quarter, or a minute (the bursts' own width).
        regular = all(abs(g - middle) <= max(middle / 4, track.scan.span) for g in gaps)
    return Burst(
        template=text,
        template_id=tid,
        hosts=first.peak,
        sample=tuple(first.sample),
        first=first.at,
        last=first.end,
        count=len(kept) + track.extra,
        every=every,
        regular=bool(regular),
        final=kept[-1].at,
        path=first.path,
        line=first.line,
        total_hosts=len(track.seen),
        named=named,
        occurrences=tuple(Occurrence(b.at, b.end, b.peak, tuple(b.sample)) for b in kept),
    )


#: Characters of a template quoted in a finding.
QUOTED = 100
#: Occurrences listed in a finding's table.
ROWS = 20


def burst_findings(bursts: Sequence[Burst]) -> list[Finding]:
    """A ``many-hosts`` warning per burst, linked to its first line:

    "113 hosts logged 'watchdog: <*> unreachable' within 52 s at 2008-08-07 20:01 UTC (and
    32 more times, every 20 min): a shared cause (a common dependency: network, server,
    clock), not 113 separate failures". The table lists the bursts, with a few hosts each.
    """
    findings = []
    for burst in bursts:
        rows = [["first line (UTC)", "hosts", "within", "some of them"]]
        rows += [
            [iso_utc(o.at), str(o.hosts), _within(o.end - o.at), ", ".join(o.sample)]
            for o in burst.occurrences[:ROWS]
        ]
        findings.append(
            Finding(
                code="many-hosts",
                severity=Severity.WARNING,
                message=burst_text(burst),
                source=Source(path=burst.path, line=burst.line),
                rows=rows,
            )
        )
    return findings


def burst_text(burst: Burst) -> str:
    """The sentence of a burst's finding (`burst_findings`)."""
    text = burst.template
    quoted = "'" + (text if len(text) <= QUOTED else text[: QUOTED - 1] + "…") + "'"
    n = burst.hosts
    who = f"{quoted} was logged for {n} hosts" if burst.named else f"{n} hosts logged {quoted}"
    when = f"within {_within(burst.last - burst.first)} at {_minute(burst.first)}"
    return (
        f"{who} {when}{_again(burst)}: a shared cause (a common dependency: network, server,"
        f" clock), not {n} separate failures"
    )


def _again(burst: Burst) -> str:
    more = burst.count - 1
    if more == 0 or burst.every is None:
        return ""
    if more == 1:
        return f" (and once more, {human(burst.every)} later)"
    if burst.regular:
        return f" (and {more} more times, every {human(burst.every)})"
    return f" (and {more} more times, the last at {_minute(burst.final)})"


def _within(delta: timedelta) -> str:
    seconds = delta.total_seconds()
    return f"{max(math.ceil(seconds), 1)} s" if seconds < 60 else human(delta)


def _minute(at: datetime) -> str:
    return f"{at.astimezone(UTC):%Y-%m-%d %H:%M} UTC"
