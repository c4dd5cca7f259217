"""The public Python API: what the command line does, as functions a program can call.

    >>> import retroline
    >>> incident = retroline.extract("# DB outage\\n\\n- 2031-04-01 10:00 UTC db down\\n",
    ...                              name="outage.md")
    >>> [e.at.isoformat() for e in incident.events]
    ['2031-04-01T10:00:00+00:00']

Documents may be given as a path or as their text or bytes (an upload); results carry
``to_json()``. The command line and the web app call these and hold no logic of their own.
Errors are `RetrolineError`s, as on the command line.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from retroline.model import Edit, Incident
from retroline.store import Library

if TYPE_CHECKING:
    from retroline.analysis.edits import Review
    from retroline.analysis.similar import SeenBefore
    from retroline.analysis.stats import Stats
    from retroline.hosts.attach import SocketReport
    from retroline.hosts.drift import Drift
    from retroline.investigation import Investigation
    from retroline.metrics.changes import Change
    from retroline.metrics.series import Series
    from retroline.store.search import SearchHit

__all__ = [
    "Library",
    "correct",
    "corrections",
    "extract",
    "host_drift",
    "host_sockets",
    "incident_stats",
    "investigate",
    "metric_changes",
    "parse_logs",
    "pull_metrics",
    "read_metrics",
    "render",
    "search",
    "similar_incidents",
    "undo_correction",
]


def extract(
    source: str | os.PathLike[str] | bytes,
    *,
    name: str | None = None,
    tz: str | None = None,
    format: str | None = None,
) -> Incident:
    """Read one document into an incident, storing nothing (``retroline extract``).

    ``source`` is a path (a `Path`, or a string without a newline and no ``name``), or the
    document itself as text or bytes, named ``name`` ("notes.md": its suffix helps tell the
    format, and citations name it). ``tz`` is the zone of times written without one;
    ``format`` overrides detection (markdown, html, text, docx, pdf, ...).
    """
    from retroline.documents import read_document, read_text

    if isinstance(source, bytes) or (isinstance(source, str) and (name or "\n" in source)):
        return read_text(source, name or "document", tz=tz, format=format)
    return read_document(Path(source), tz=tz, format=format)


def investigate(
    paths: Sequence[str | os.PathLike[str]],
    *,
    library: Library | str | os.PathLike[str] | None = None,
    tz: str | None = None,
    zones: Mapping[str, str] | None = None,
    year: int | None = None,
    out_dir: str | os.PathLike[str] | None = None,
    progress: Callable[[str], None] | None = None,
    good: str | None = None,
    socket_limit: int | None = None,
    hosts: Mapping[str, str] | None = None,
) -> Investigation:
    """Turn files and folders of evidence into one incident, store it and, with
    ``out_dir``, write its report (``retroline investigate``). Returns an `Investigation`
    (``.incident``, ``.skipped``, ``.onset``, ``.reports``, ``.to_json()``).

    ``library``: a `Library`, a database URL or path, or None for the default library (as
    the command line's). ``zones`` maps file name patterns to the zone of those files.
    ``progress`` is called with a line saying what is being done, as the work goes on.
    ``good`` names the host that works: the other hosts' packages are compared with its.
    ``socket_limit`` is the limit on a host's open sockets (its open-file limit, a pool's
    size), for the socket tables; without it, a ``sysctl -a`` file's limits are used.
    ``hosts`` maps file name patterns to the host of host-state files whose name and lines
    do not say it (``{"snapshot-3.txt": "db02"}``).
    """
    from retroline.investigation import investigate as run

    library = _library(library)
    return run(
        [Path(p) for p in paths],
        library,
        tz=tz,
        zones=dict(zones or {}),
        year=year,
        out_dir=Path(out_dir) if out_dir is not None else None,
        progress=progress,
        good=good,
        socket_limit=socket_limit,
        hosts=dict(hosts or {}),
    )


def parse_logs(
    paths: Sequence[str | os.PathLike[str]], *, tz: str | None = None, year: int | None = None
) -> Iterator[dict[str, Any]]:
    """Each line of the log files as the dict ``retroline logs parse --json`` prints for it
    (line, at in UTC, where its zone came from, template id and text, header fields), in
    order. The lines go through a temporary file, so memory stays bounded. A line whose
    stamp names no instant has ``at`` None, and a `RetrolineWarning` names the first such
    line of each file; an empty, binary or archived file is a `NotALogError`."""
    from retroline.logs.run import write_json_lines

    with tempfile.TemporaryFile("w+", encoding="utf-8") as out:
        write_json_lines(out, [Path(p) for p in paths], tz=tz, year=year)
        out.seek(0)
        for line in out:
            yield json.loads(line)


def read_metrics(
    path: str | os.PathLike[str], *, tz: str | None = None, format: str | None = None
) -> list[Series]:
    """The metric series in a file (``retroline metrics read``), its format found from its
    content unless ``format`` names it; ``tz`` is the zone of times written without one
    (UTC otherwise, and each series says it was assumed)."""
    from retroline.metrics.read import read_series

    return read_series(Path(path), tz=tz, format=format)


def metric_changes(
    paths: Sequence[str | os.PathLike[str]],
    *,
    tz: str | None = None,
    limits: Sequence[str] = (),
    at: dt.datetime | None = None,
) -> list[Change]:
    """The change points of every series in the metric files (``retroline metrics
    changes``): in time order, or ranked by strength and nearness to ``at``. ``limits``
    are written as on the command line (``sockets>512``); crossing one is a change."""
    from retroline.metrics.changes import Limit, find_changes, rank

    bounds = [Limit.parse(text) for text in limits]
    found = [
        change
        for path in paths
        for series in read_metrics(path, tz=tz)
        for change in find_changes(series, limits=bounds)
    ]
    if at is not None:
        return rank(found, at)
    return sorted(found, key=lambda c: (c.at, c.series))


def pull_metrics(
    url: str,
    query: str,
    start: dt.datetime,
    end: dt.datetime,
    step: float | None = None,
    out: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Series from a Prometheus server's HTTP API over ``start``..``end`` (``retroline
    metrics pull``): its ``query_range`` answer with a ``source`` key naming the server and
    query; written to ``out`` (whole or not at all) when given."""
    from retroline.metrics.pull import pull, save

    document = pull(url, query, start, end, step)
    if out is not None:
        save(document, Path(out))
    return document


def host_drift(
    paths: Sequence[str | os.PathLike[str]],
    *,
    good: str | None = None,
    tz: str | None = None,
    hosts: Mapping[str, str] | None = None,
) -> Drift:
    """How the packages of hosts differ (``retroline hosts diff``): one package list a
    host (rpm -qa, dpkg -l, pip freeze, ...; the host named by the file), compared by each
    ecosystem's version rules against ``good`` (the first host by default). ``hosts`` maps
    file name patterns to hosts, for lists whose name and first line do not say it."""
    from retroline.evidence.kinds import Options
    from retroline.hosts.drift import drift
    from retroline.hosts.packages import read_packages

    named = Options(hosts=dict(hosts or {}))
    inventories = [read_packages(Path(p), host=named.host_for(Path(p)), tz=tz) for p in paths]
    return drift(inventories, reference=good)


def host_sockets(
    paths: Sequence[str | os.PathLike[str]],
    *,
    limit: int | None = None,
    sysctl: str | os.PathLike[str] | None = None,
    tz: str | None = None,
    hosts: Mapping[str, str] | None = None,
) -> list[SocketReport]:
    """Each socket table counted snapshot by snapshot (``retroline hosts sockets``): by
    state, peer, port and process, against ``limit`` (on every socket) and the limits of a
    ``sysctl -a`` file, with the changes of its series (a limit crossed among them).
    ``hosts`` maps file name patterns to hosts, for files whose name does not say it."""
    from retroline.errors import UsageError
    from retroline.evidence.kinds import Options
    from retroline.hosts.attach import socket_limits, socket_report
    from retroline.hosts.socket_counts import sysctl_limits
    from retroline.hosts.sockets import read_sockets

    if limit is not None and limit < 1:
        raise UsageError(f"--limit {limit}: give a number of sockets above 0")
    settings = [(None, sysctl_limits(Path(sysctl)))] if sysctl is not None else []
    named = Options(hosts=dict(hosts or {}))
    reports = []
    for p in paths:
        table = read_sockets(Path(p), host=named.host_named(Path(p)), tz=tz)
        reports.append(socket_report(table, socket_limits(table, limit, settings)))
    return reports


def render(incident: Incident, format: str = "md") -> str:
    """The report of an incident as text: ``md``, ``html`` (one self-contained page) or
    ``json`` (``retroline report``)."""
    from retroline.report.write import render as render_report

    return render_report(incident, format)


def similar_incidents(
    ident: str,
    *,
    library: Library | str | os.PathLike[str] | None = None,
    limit: int = 5,
) -> SeenBefore:
    """The past incidents of the library most like incident ``ident`` (an id or a unique
    prefix), each with its reasons, and whether its service and strongest log patterns
    recur (``retroline similar``)."""
    from retroline.analysis.similar import seen_before
    from retroline.investigation import library_incidents

    if limit < 1:
        from retroline.errors import UsageError

        raise UsageError(f"--limit {limit}: give a number of incidents above 0")
    library = _library(library)
    incident = library.get(ident)
    return seen_before(incident, library_incidents(library), limit=limit)


def incident_stats(
    *,
    by: str | None = None,
    library: Library | str | os.PathLike[str] | None = None,
) -> Stats:
    """How many incidents the library holds and how long they took, as distributions
    (median, 90th percentile, range, histogram, with the number behind each; never a mean
    alone), all together or ``by`` "service", "cause" or "month" (``retroline stats``)."""
    from retroline.analysis.stats import stats
    from retroline.investigation import library_incidents

    library = _library(library)
    return stats(library_incidents(library), by=by)


def search(
    query: str,
    *,
    since: dt.date | dt.datetime | None = None,
    until: dt.date | dt.datetime | None = None,
    kinds: Sequence[str] = (),
    limit: int = 20,
    service: str | None = None,
    cause: str | None = None,
    library: Library | str | os.PathLike[str] | None = None,
) -> list[SearchHit]:
    """The incidents of the library whose text matches ``query``, best first, each with a
    snippet where the words matched and the fields they matched in (``retroline search``):
    titles, summaries, sections, timeline texts, action items, findings (package names
    among them), log templates and metric names. ``kinds`` keeps hits that match in those
    fields; ``since``/``until`` bound the incident's day, both ends included; ``service``
    and ``cause`` keep the incidents of that service or cause (as the list's filters)."""
    return _library(library).search(
        query, since=since, until=until, kinds=kinds, limit=limit, service=service, cause=cause
    )


def _library(library: Library | str | os.PathLike[str] | None) -> Library:
    """``library`` as a `Library`: itself, a database URL or path, or the default one."""
    if isinstance(library, Library):
        return library
    return Library(os.fspath(library) if library is not None else None)


def corrections(ident: str, *, library: Library | str | os.PathLike[str] | None = None) -> Review:
    """Incident ``ident`` as people corrected it, each event and finding with the
    ``target`` that names it in a correction, and its corrections so far."""
    from retroline.analysis.edits import review

    return review(_library(library).get(ident, extracted=True))


def correct(
    ident: str,
    changes: Sequence[tuple[str, str | None, Any]],
    *,
    by: str,
    reason: str = "",
    library: Library | str | os.PathLike[str] | None = None,
) -> list[Edit]:
    """Correct incident ``ident``: each change is ``(action, target, value)``, stored as
    an edit by ``by``, all or none. Actions: ``kind`` (value an event kind), ``time`` (an
    instant, UTC unless it says its offset), ``text``, ``wrong`` (no value), ``add``
    (target None, value ``{"at", "kind", "text"}``) on events; ``accept``, ``dismiss`` on
    findings. Targets come from `corrections`. Returns the edits made."""
    return _library(library).edit_all(ident, changes, by=by, reason=reason)


def undo_correction(
    ident: str,
    edit_id: int,
    *,
    by: str,
    library: Library | str | os.PathLike[str] | None = None,
) -> Edit:
    """Take back correction ``edit_id`` of incident ``ident`` (it stays in the record,
    marked undone by ``by``)."""
    return _library(library).undo_edit(ident, edit_id, by=by)
