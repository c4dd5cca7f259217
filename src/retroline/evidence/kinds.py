"""The kinds of evidence, in one table: what each is called, the file names that say it,
how a sample of its lines tells it, and what it contributes to an incident.

`KINDS` is the registry: `classify` recognises a file through it, and an investigation
hands each kind's files to that kind's ``contribute``, in the table's order (documents
first: they give the onset the logs are read at). A kind without ``contribute`` is
recognised and reported as not read. Adding a kind is one module (its reader) and one row
here. A plain table, not plugin hooks (pluggy): every kind lives in this package, and a
table is typed, ordered and read at a glance; hooks can come when kinds come from outside.
"""

from __future__ import annotations

import datetime as dt
import fnmatch
import hashlib
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from retroline.documents.formats import SUFFIXES, sniff
from retroline.errors import InputError, RetrolineError, UsageError
from retroline.evidence.shapes import SHAPES
from retroline.inputs import regular_file
from retroline.logs.headers import PATTERNS, detect
from retroline.logs.reader import read_lines
from retroline.model import Document, Event, Finding, Incident, Source

if TYPE_CHECKING:
    from retroline.hosts.packages import Inventory
    from retroline.hosts.socket_counts import SysctlLimit

_T = TypeVar("_T")
_SAMPLE = 200
# A log is a file most of whose lines start with a timestamped header; a postmortem with
# a few pasted log lines stays a document.
LOG_SHARE = 0.5


class EvidenceKind(StrEnum):
    """The kinds of evidence Retroline knows (`KINDS` says which it reads)."""

    DOCUMENT = "document"
    LOG = "log"
    METRICS = "metrics"
    PACKAGES = "packages"
    SETTINGS = "settings"
    SOCKETS = "sockets"
    PROCESSES = "processes"


def _sample(path: Path) -> list[str]:
    """The first non-empty lines of a file, as text (none when it cannot be read as text)."""
    try:
        return [raw.text for raw in itertools.islice(read_lines(path), _SAMPLE) if raw.text.strip()]
    except RetrolineError:
        return []


def _looks_like_log(sample: Sequence[str]) -> bool:
    if not sample:
        return False
    pattern = detect(sample)
    if pattern is PATTERNS[-1]:  # the fallback: the whole line is the message
        return False
    stamped = sum(
        1 for line in sample if (fields := pattern.parse(line)) is not None and fields.time
    )
    return stamped / len(sample) >= LOG_SHARE


@dataclass
class Assembly:
    """An incident as the kinds of evidence build it up, in the order of `KINDS`: the
    incident, its identity in the library, the onset its logs were read at, the files read
    and those left out with the reason."""

    incident: Incident
    key: str
    onset: dt.datetime | None = None
    read: dict[EvidenceKind, list[Path]] = field(default_factory=dict)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    # The package lists read, for the kinds after them (processes: what was upgraded).
    inventories: list[Inventory] = field(default_factory=list)
    # The socket limits of the sysctl files read, with their host, for the socket tables.
    settings: list[tuple[str | None, dict[str | None, SysctlLimit]]] = field(default_factory=list)


@dataclass(frozen=True)
class Options:
    """How evidence is read: the zone of times that state none, zones by file name
    pattern, the year of log lines that state none, a callback for progress, the host
    that works (the others' packages are compared with its), the limit on a host's open
    sockets (its open-file limit, a pool's size: what sysctl does not hold), and hosts by
    file name pattern (for files whose name and lines do not say it)."""

    tz: str | None = None
    zones: dict[str, str] = field(default_factory=dict)
    year: int | None = None
    note: Callable[[str], None] = lambda _message: None
    good: str | None = None
    socket_limit: int | None = None
    hosts: dict[str, str] = field(default_factory=dict)

    def zone_for(self, path: Path) -> str | None:
        """The zone of a file: the first zone pattern that matches its name or path."""
        return _first_match(self.zones, path) or self.tz

    def host_for(self, path: Path) -> str | None:
        """The host the user named for a file (``--host PATTERN=HOST``), else None: the
        file's own header or name tells."""
        return _first_match(self.hosts, path)

    def host_named(self, path: Path) -> str | None:
        """The host of a file that has no header to name it: the user's, else its name's."""
        from retroline.hosts.packages import host_from_name

        return self.host_for(path) or host_from_name(path.name)


def by_pattern(values: Sequence[str], option: str, what: str, example: str) -> dict[str, str]:
    """``PATTERN=VALUE`` options (``--zone``, ``--host``, their form fields) as the mapping
    `Options` takes, in the order given (the first pattern that matches a file wins). A
    value without the form is an error that names ``option`` and shows ``example``."""
    found = {}
    for value in values:
        pattern, sep, named = value.strip().rpartition("=")
        if not sep or not pattern.strip() or not named.strip():
            raise UsageError(f"{option} {value!r}: write it as PATTERN={what}, e.g. '{example}'")
        found[pattern.strip()] = named.strip()
    return found


def _first_match(by_pattern: dict[str, str], path: Path) -> str | None:
    """The value of the first pattern that matches the name or the path of a file."""
    for pattern, value in by_pattern.items():
        if fnmatch.fnmatch(path.name, pattern) or fnmatch.fnmatch(str(path), pattern):
            return value
    return None


#: What a kind does with its files: the assembly with their contribution.
Contribute = Callable[[Assembly, list[Path], Options], Assembly]


@dataclass(frozen=True)
class Kind:
    """One kind of evidence: its name and what it is, the file suffixes and names that
    say it whatever the content, the test of a sample of its lines (None: by name only, or
    the last resort), and what it contributes (None: recognised, not read yet)."""

    name: EvidenceKind
    description: str
    suffixes: frozenset[str] = frozenset()
    names: frozenset[str] = frozenset()
    sniff: Callable[[Sequence[str]], bool] | None = None
    contribute: Contribute | None = None


def _documents(assembly: Assembly, paths: list[Path], options: Options) -> Assembly:
    """Postmortem documents: read, revisions merged and the others joined into one
    incident, which leads."""
    from retroline.analysis.revisions import combine
    from retroline.documents import read_document
    from retroline.store import incident_key

    read: list[tuple[Path, Incident]] = []
    skipped = list(assembly.skipped)
    for path in paths:
        options.note(f"reading {path}")
        try:
            read.append((path, read_document(path, tz=options.zone_for(path))))
        except RetrolineError as exc:
            skipped.append((path, str(exc)))
    if not read:
        return replace(assembly, skipped=skipped)
    incident = combine([inc for _, inc in read])
    return replace(
        assembly,
        incident=incident,
        key=incident_key(incident),
        read={**assembly.read, EvidenceKind.DOCUMENT: [p for p, _ in read]},
        skipped=skipped,
    )


def _logs(assembly: Assembly, paths: list[Path], options: Options) -> Assembly:
    """Logs: read at the incident's onset, files of one zone together; their strongest
    changes join the timeline and the files its evidence."""
    from retroline.logs.attach import incident_onset, with_changes
    from retroline.logs.many_hosts import burst_findings, candidates, shared_bursts
    from retroline.logs.onset import analyse
    from retroline.logs.run import UNREADABLE
    from retroline.logs.templates import TemplateMiner

    incident = assembly.incident
    onset = incident_onset(incident)
    if onset is None:
        reason = (
            "no onset to read it at: the documents give no time (use 'retroline logs onset --at')"
        )
        return replace(assembly, skipped=assembly.skipped + [(p, reason) for p in paths])
    unread: list[tuple[Path, str]] = []
    for zone in sorted({options.zone_for(p) for p in paths}, key=lambda z: z or ""):
        group = [p for p in paths if options.zone_for(p) == zone]
        options.note(f"reading {len(group)} log file(s) around {onset:%Y-%m-%d %H:%M} UTC")
        # One miner for both reads: the second finds the templates the first learnt.
        miner = TemplateMiner()
        year = options.year or onset.year
        try:
            analysis = analyse(group, onset, tz=zone, year=year, miner=miner, skip_non_logs=True)
            unread += [(p, str(e)) for e in analysis.skipped for p in group if str(p) == e.path]
            # Only what changed at the onset on many hosts, or naming many, is read again.
            wanted = candidates(analysis.changes)
            seen_in = {c.template_id: c.files for c in analysis.changes if c.template_id in wanted}
            held = {f for files in seen_in.values() for f in files}
            holding = [p for p in group if str(p) in held]
            bursts = []
            if holding:
                options.note(f"looking for events on many hosts at once in {len(holding)} file(s)")
                bursts = shared_bursts(
                    holding, onset - analysis.before, _story_end(incident, onset + analysis.after),
                    tz=zone, year=year, miner=miner, templates=wanted,
                    extents=analysis.extents, seen_in=seen_in, stretches=analysis.stretches,
                )  # fmt: skip
        except RetrolineError as exc:
            unread += [(p, str(exc)) for p in group]
            continue
        incident = with_changes(incident, analysis, group, zone)
        names = {str(p) for p in group}
        coverage = analysis.coverage()
        incident.findings = [
            *(f for f in incident.findings if not (f.source and f.source.path in names)),
            *burst_findings(bursts),
            *(
                [Finding(code="logs-miss-onset", message=f"{len(group)} log file(s): {coverage}")]
                if coverage
                else []
            ),
            *(
                Finding(code="impossible-date", message=UNREADABLE, source=Source(path=p, line=n))
                for p, n in analysis.unreadable.items()
            ),
        ]
    left_out = {p for p, _ in unread}
    read = [p for p in paths if p not in left_out]
    incident.documents = incident.documents + [
        Document(path=str(p), sha256=sha256_of(p), format="log", size=p.stat().st_size)
        for p in read
    ]
    return replace(
        assembly,
        incident=incident,
        onset=onset,
        read={**assembly.read, EvidenceKind.LOG: read},
        skipped=assembly.skipped + unread,
    )


#: How long after the onset the story may be followed in the logs at most.
STORY_LONGEST = dt.timedelta(days=7)


def _story_end(incident: Incident, at_least: dt.datetime) -> dt.datetime:
    """Where the documents' timeline ends (its last event, at most `STORY_LONGEST` after
    ``at_least``), or ``at_least``: events on many hosts repeat through an incident (a
    round of reboots every 20 minutes all night), and how often is part of the finding."""
    last = max((e.at for e in incident.events if e.at is not None), default=at_least)
    return min(max(last, at_least), at_least + STORY_LONGEST)


def _metrics(assembly: Assembly, paths: list[Path], options: Options) -> Assembly:
    """Metric series: their strongest changes near the incident's onset join the timeline,
    with the series for the report's charts; the files join its evidence."""
    from retroline.logs.attach import incident_onset
    from retroline.metrics.attach import changes_near, strongest, with_metric_changes
    from retroline.metrics.read import detect_format

    incident = assembly.incident
    onset = assembly.onset or incident_onset(incident)
    if onset is None:
        reason = (
            "no onset to read it at: the documents give no time (use 'retroline metrics changes')"
        )
        return replace(assembly, skipped=assembly.skipped + [(p, reason) for p in paths])
    read: list[tuple[Path, str]] = []
    unread: list[tuple[Path, str]] = []
    found = []
    for path in paths:
        options.note(f"reading metrics {path}")
        try:
            fmt = detect_format(path)
            found += changes_near(path, onset, tz=options.zone_for(path))
        except RetrolineError as exc:
            unread.append((path, str(exc)))
            continue
        read.append((path, fmt))
    incident = with_metric_changes(incident, strongest(found, onset), [p for p, _ in read])
    incident.documents = incident.documents + [
        Document(path=str(p), sha256=sha256_of(p), format=fmt, size=p.stat().st_size)
        for p, fmt in read
    ]
    return replace(
        assembly,
        incident=incident,
        onset=onset,
        read={**assembly.read, EvidenceKind.METRICS: [p for p, _ in read]},
        skipped=assembly.skipped + unread,
    )


def _packages(assembly: Assembly, paths: list[Path], options: Options) -> Assembly:
    """Package lists and install logs: their transactions near the onset join the timeline
    as changes (all of them when there is no onset); the files join the evidence."""
    from retroline.hosts.attach import drift_findings, install_events
    from retroline.hosts.packages import read_packages
    from retroline.logs.attach import incident_onset

    incident = assembly.incident
    onset = assembly.onset or incident_onset(incident)
    # A year not written (yum.log) is the user's --year, else the onset's, and said so.
    year = options.year or (onset.year if onset else None)
    year_label = "--year" if options.year else "the incident's onset"
    read, unread, inventories = _each(
        paths,
        "packages",
        options,
        lambda path: read_packages(
            path, host=options.host_for(path), tz=options.zone_for(path), year=year
        ),
    )
    return _hosts_contribution(
        replace(assembly, inventories=inventories),
        EvidenceKind.PACKAGES,
        read,
        unread,
        {str(p): inv.format for p, inv in zip(read, inventories, strict=True)},
        events=install_events(inventories, onset, year_label),
        findings=drift_findings(inventories, options.good),
    )


def _settings(assembly: Assembly, paths: list[Path], options: Options) -> Assembly:
    """Kernel settings (``sysctl -a``): the socket limits they set, for the socket tables
    after them; the files join the evidence."""
    from retroline.hosts.socket_counts import sysctl_limits

    read, unread, limits = _each(paths, "settings", options, sysctl_limits)
    return _hosts_contribution(
        replace(
            assembly,
            settings=[
                (options.host_named(p), found) for p, found in zip(read, limits, strict=True)
            ],
        ),
        EvidenceKind.SETTINGS,
        read,
        unread,
        {str(p): "sysctl" for p in read},
    )


def _sockets(assembly: Assembly, paths: list[Path], options: Options) -> Assembly:
    """Socket tables: each one's busiest snapshot, counted, as a finding (with its limit:
    ``--socket-limit`` or a sysctl file's); repeated snapshots as series, whose changes
    near the onset (a limit crossed among them) join the timeline with their charts; the
    files join the evidence."""
    from retroline.hosts.attach import socket_changes, socket_findings, socket_limits
    from retroline.hosts.sockets import read_sockets
    from retroline.logs.attach import incident_onset
    from retroline.metrics.attach import strongest, with_metric_changes

    read, unread, tables = _each(
        paths,
        "sockets",
        options,
        lambda path: read_sockets(path, host=options.host_named(path), tz=options.zone_for(path)),
    )
    limits = [socket_limits(t, options.socket_limit, assembly.settings) for t in tables]
    assembly = _hosts_contribution(
        assembly,
        EvidenceKind.SOCKETS,
        read,
        unread,
        {str(p): t.format for p, t in zip(read, tables, strict=True)},
        findings=socket_findings(tables, limits),
    )
    onset = assembly.onset or incident_onset(assembly.incident)
    if onset is None:
        return assembly
    found = strongest(socket_changes(tables, onset, limits), onset)
    return replace(assembly, incident=with_metric_changes(assembly.incident, found, read))


def _processes(assembly: Assembly, paths: list[Path], options: Options) -> Assembly:
    """Process snapshots: a finding per process started before an upgrade of a package it
    runs from, on the same host (the package lists read before give the upgrades); the
    files join the evidence."""
    from retroline.hosts.attach import restart_findings
    from retroline.hosts.processes import read_processes

    read, unread, tables = _each(
        paths,
        "processes",
        options,
        lambda path: read_processes(path, host=options.host_named(path), tz=options.zone_for(path)),
    )
    return _hosts_contribution(
        assembly,
        EvidenceKind.PROCESSES,
        read,
        unread,
        {str(p): t.format for p, t in zip(read, tables, strict=True)},
        findings=restart_findings(tables, assembly.inventories),
    )


def _each(
    paths: list[Path], what: str, options: Options, read_one: Callable[[Path], _T]
) -> tuple[list[Path], list[tuple[Path, str]], list[_T]]:
    """Each file read by ``read_one``: those read, those that could not be with the
    reason, and what was read, in order."""
    read: list[Path] = []
    unread: list[tuple[Path, str]] = []
    results: list[_T] = []
    for path in paths:
        options.note(f"reading {what} {path}")
        try:
            results.append(read_one(path))
        except RetrolineError as exc:
            unread.append((path, str(exc)))
            continue
        read.append(path)
    return read, unread, results


def _hosts_contribution(
    assembly: Assembly,
    kind: EvidenceKind,
    read: list[Path],
    unread: list[tuple[Path, str]],
    formats: dict[str, str],
    *,
    events: Sequence[Event] = (),
    findings: Sequence[Finding] = (),
) -> Assembly:
    """The assembly with host-state files read: their events and findings in place of
    those earlier runs on the same files added, and the files as evidence."""
    from retroline.analysis.revisions import in_time_order

    incident = assembly.incident
    names = {str(p) for p in read}
    kept = [e for e in incident.events if e.source.path not in names]
    kept_findings = [f for f in incident.findings if not (f.source and f.source.path in names)]
    incident = incident.model_copy(
        update={
            "events": in_time_order([*kept, *events]),
            "findings": [*kept_findings, *findings],
            "documents": [
                *incident.documents,
                *(
                    Document(
                        path=str(p),
                        sha256=sha256_of(p),
                        format=formats[str(p)],
                        size=p.stat().st_size,
                    )
                    for p in read
                ),
            ],
        }
    )
    return replace(
        assembly,
        incident=incident,
        read={**assembly.read, kind: read},
        skipped=assembly.skipped + unread,
    )


def sha256_of(path: Path) -> str:
    """The SHA-256 of a file, read in blocks (logs may be large)."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


#: What the kinds known by their shape contribute (those without an entry are not read yet).
_CONTRIBUTIONS: dict[str, Contribute] = {
    EvidenceKind.METRICS.value: _metrics,
    EvidenceKind.PACKAGES.value: _packages,
    EvidenceKind.SETTINGS.value: _settings,
    EvidenceKind.SOCKETS.value: _sockets,
    EvidenceKind.PROCESSES.value: _processes,
}

#: The registry of evidence kinds, in the order they contribute to an incident.
KINDS: tuple[Kind, ...] = (
    Kind(
        EvidenceKind.DOCUMENT,
        "a postmortem document",
        suffixes=frozenset(SUFFIXES),
        contribute=_documents,
    ),
    Kind(
        EvidenceKind.LOG,
        "a log",
        # Not .jsonl: JSON lines may be a log or samples of metrics, and their lines tell.
        suffixes=frozenset({".log", ".gz", ".bz2", ".xz", ".journal", ".out", ".err"}),
        names=frozenset({"syslog", "messages", "kern.log", "auth.log", "daemon.log", "journal"}),
        sniff=_looks_like_log,
        contribute=_logs,
    ),
    *(
        Kind(EvidenceKind(name), looks, sniff=test, contribute=_CONTRIBUTIONS.get(name))
        for name, looks, test in SHAPES
    ),
)
BY_NAME = {kind.name: kind for kind in KINDS}
#: The kinds known by the shape of their lines.
_SHAPED = tuple(k for k in KINDS if k.name not in (EvidenceKind.DOCUMENT, EvidenceKind.LOG))
#: The order samples are tested in: the kinds known by their shape first (a sar report or
#: a metrics table has times in every line, as a log has), then logs; a document is the
#: last resort.
_SNIFF_ORDER = (*_SHAPED, BY_NAME[EvidenceKind.LOG])


def classify(path: str | Path) -> EvidenceKind:
    """The kind of evidence in ``path``: by its name when that is clear, else its lines."""
    p = regular_file(path)
    suffix, name = p.suffix.lower(), p.name.lower()
    for kind in KINDS:
        if suffix in kind.suffixes or name.startswith(tuple(kind.names)):
            if kind.name is EvidenceKind.LOG:
                # ".log" is every tool's suffix: dpkg.log and yum.log are package logs.
                sample = _sample(p)
                shaped = next((k for k in _SHAPED if k.sniff and k.sniff(sample)), None)
                if shaped is not None:
                    return shaped.name
            return kind.name
    try:
        with p.open("rb") as f:
            head = f.read(4096)
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror or exc}", p) from exc
    if sniff(head, p) is not None:  # a Word file or a PDF, whatever its name
        return EvidenceKind.DOCUMENT
    sample = _sample(p)
    for kind in _SNIFF_ORDER:
        if kind.sniff is not None and kind.sniff(sample):
            return kind.name
    return EvidenceKind.DOCUMENT
