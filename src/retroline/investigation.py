"""The main job: a folder (or files) of evidence in, one incident and its postmortem out.

Each file is recognised (postmortem document or log), the documents become one incident
(revisions merged, the others joined), the logs are read at the incident's onset and their
strongest changes join the timeline, the checks run, the incident is stored in the library,
and the report is written as Markdown, HTML and JSON.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from retroline.analysis.checks import findings_of
from retroline.analysis.similar import SeenBefore, seen_before
from retroline.documents import check_zone
from retroline.errors import InputError, RetrolineError, UsageError
from retroline.evidence.kinds import BY_NAME, KINDS, Assembly, EvidenceKind, Options, classify
from retroline.evidence.shapes import not_read
from retroline.inert import inert_json
from retroline.ingest import inputs_hash
from retroline.inputs import not_regular, walk
from retroline.instants import iso_utc_or_none
from retroline.model import Incident
from retroline.store import Library, SaveResult

__all__ = ["Investigation", "gather", "investigate"]

# Folders that never hold evidence: version control, virtual environments, our own output.
_SKIP_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".retroline"}


@dataclass
class Investigation:
    """What an investigation found and where it wrote the report."""

    incident: Incident
    saved: SaveResult
    documents: list[Path] = field(default_factory=list)
    logs: list[Path] = field(default_factory=list)
    metrics: list[Path] = field(default_factory=list)
    # Package lists, kernel settings, socket and process tables.
    hosts: list[Path] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)
    onset: dt.datetime | None = None
    reports: dict[str, Path] = field(default_factory=dict)
    # Past incidents like it, and how often its service and log patterns were seen.
    seen: SeenBefore = field(default_factory=SeenBefore)

    def to_dict(self) -> dict[str, Any]:
        """What ``investigate --json`` prints: the incident's id and title, whether it was
        created, updated or unchanged, the files read and skipped, the onset, the reports."""
        return {
            "id": self.incident.id,
            "title": self.incident.title,
            "status": self.saved.status.value,
            "documents": [str(p) for p in self.documents],
            "logs": [str(p) for p in self.logs],
            "metrics": [str(p) for p in self.metrics],
            "hosts": [str(p) for p in self.hosts],
            "skipped": [{"path": str(p), "reason": r} for p, r in self.skipped],
            "onset": iso_utc_or_none(self.onset),
            "reports": {k: str(v) for k, v in self.reports.items()},
            "seen_before": self.seen.to_json(),
        }

    def to_json(self) -> str:
        """`to_dict` as JSON text."""
        return inert_json(json.dumps(self.to_dict(), indent=2, ensure_ascii=False))


def library_incidents(library: Library) -> list[Incident]:
    """Every incident of the library, read whole (for what compares them all)."""
    return [library.get(summary.id) for summary in library.summaries()]


def gather(
    paths: Sequence[str | Path], *, exclude: Sequence[Path] = ()
) -> tuple[list[Path], list[tuple[Path, str]]]:
    """Every evidence file under ``paths`` (folders walked, hidden files and tool folders
    left out, links to folders followed without looping), and the entries that are not
    regular files (pipes, devices, sockets, broken or looping links) with the reason."""
    found: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    excluded = [os.path.realpath(p) for p in exclude]

    def left_out(child: Path) -> bool:
        return (
            child.name.startswith(".")
            or child.name in _SKIP_DIRS
            or any(os.path.realpath(child) == e for e in excluded)
        )

    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for child, reason in walk(path, left_out):
                if reason is None:
                    found.append(child)
                else:
                    skipped.append((child, reason))
            continue
        reason = not_regular(path)
        if reason == "no such file":
            raise InputError("no such file or folder", path)
        if reason is None:
            found.append(path)
        else:
            skipped.append((path, reason))
    return sorted(found), skipped


def _nothing_used(paths: Sequence[str | Path], skipped: list[tuple[Path, str]]) -> InputError:
    """The error of an investigation none of whose files could be used: nothing is stored
    (an empty incident would say nothing and hide why)."""
    first_path, first_reason = skipped[0]
    reason = first_reason.removeprefix(f"{first_path}: ")
    more = f"; and {len(skipped) - 1} more" if len(skipped) > 1 else ""
    return InputError(
        f"none of the {len(skipped)} file(s) could be used, nothing was stored: "
        f"{first_path}: {reason}{more}",
        paths[0],
    )


def _refuse_evidence_in(out_dir: Path, files: list[Path]) -> None:
    """The report is never written among the evidence, where it could replace it: an
    output folder that holds any of the files investigated (not in a folder below) is
    refused before anything is read."""
    folder = os.path.realpath(out_dir)
    inside = [f for f in files if os.path.dirname(os.path.realpath(f)) == folder]
    if inside:
        more = f" and {len(inside) - 1} more" if len(inside) > 1 else ""
        raise UsageError(
            f"the output folder {out_dir} holds evidence ({inside[0]}{more}): the report "
            "would replace it; give -o a folder of its own, e.g. -o retroline-report"
        )


def investigate(
    paths: Sequence[str | Path],
    library: Library,
    *,
    tz: str | None = None,
    zones: dict[str, str] | None = None,
    year: int | None = None,
    out_dir: Path | None = None,
    now: dt.datetime | None = None,
    progress: Callable[[str], None] | None = None,
    good: str | None = None,
    socket_limit: int | None = None,
    hosts: dict[str, str] | None = None,
) -> Investigation:
    """Investigate the evidence in ``paths`` and store and report the incident.

    ``tz`` is the zone of times that state none; ``zones`` maps file name patterns to the
    zone of those files (logs from hosts in other zones); ``year`` is the year of log lines
    written without one (default: the incident's); ``good`` the host that works, whose
    packages the others' are compared against (default: the first by name);
    ``socket_limit`` the limit on a host's open sockets (else a sysctl file's, if any);
    ``hosts`` maps file name patterns to the host of files that do not name it.
    """
    zones = zones or {}
    if socket_limit is not None and socket_limit < 1:
        raise UsageError(f"--socket-limit {socket_limit}: give a number of sockets above 0")
    check_zone(tz)
    for zone in zones.values():
        check_zone(zone)
    note = progress or (lambda _message: None)
    files, skipped = gather(paths, exclude=[out_dir] if out_dir else [])
    if not files:
        raise UsageError(f"no evidence files in {', '.join(str(p) for p in paths)}")
    if out_dir is not None:
        _refuse_evidence_in(out_dir, files)
    # Each file to its kind; each kind's files to its contribution, in the registry's order.
    by_kind: dict[EvidenceKind, list[Path]] = {}
    for path in files:
        try:
            kind = BY_NAME[classify(path)]
        except RetrolineError as exc:
            skipped.append((path, str(exc)))
            continue
        if kind.contribute is None:
            skipped.append((path, not_read(kind.name.value)))
        else:
            by_kind.setdefault(kind.name, []).append(path)
    where = Path(os.path.realpath(paths[0]))
    assembly = Assembly(
        Incident(title=f"Investigation of {where.name}"),
        "evidence:" + hashlib.sha256(str(where).encode()).hexdigest(),
        skipped=skipped,
    )
    options = Options(
        tz=tz,
        zones=zones,
        year=year,
        note=note,
        good=good,
        socket_limit=socket_limit,
        hosts=dict(hosts or {}),
    )
    for kind in KINDS:
        if kind.contribute is not None and by_kind.get(kind.name):
            assembly = kind.contribute(assembly, by_kind[kind.name], options)
    if not any(assembly.read.values()):
        raise _nothing_used(paths, assembly.skipped)
    incident = assembly.incident
    incident.findings = findings_of(incident)
    note("storing the incident")
    saved = library.save(
        incident,
        key=assembly.key,
        inputs=inputs_hash(
            incident,
            tz=tz,
            zones=sorted(zones.items()),
            year=year,
            # As before when not given.
            **({"good": good} if good else {}),
            **({"socket_limit": socket_limit} if socket_limit is not None else {}),
            **({"hosts": sorted(hosts.items())} if hosts else {}),
        ),
    )
    stored = library.get(saved.id)
    note("looking for incidents like it in the library")
    seen = seen_before(stored, library_incidents(library))
    reports: dict[str, Path] = {}
    if out_dir is not None:
        from retroline.report.write import write_reports

        note(f"writing the report to {out_dir}")
        reports = write_reports(stored, out_dir, now=now, seen=seen)
    return Investigation(
        incident=stored,
        saved=saved,
        documents=assembly.read.get(EvidenceKind.DOCUMENT, []),
        logs=assembly.read.get(EvidenceKind.LOG, []),
        metrics=assembly.read.get(EvidenceKind.METRICS, []),
        hosts=[
            p
            for kind in (
                EvidenceKind.PACKAGES,
                EvidenceKind.SETTINGS,
                EvidenceKind.SOCKETS,
                EvidenceKind.PROCESSES,
            )
            for p in assembly.read.get(kind, [])
        ],
        skipped=assembly.skipped,
        onset=assembly.onset,
        seen=seen,
        reports=reports,
    )
