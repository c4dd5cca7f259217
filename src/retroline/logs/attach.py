"""Attach what changed in the logs at the onset to a stored incident, as timeline events.

The strongest changes of `onset.analyse` become candidate events of kind ``log``: each at
the time of its example line (the first line after the onset for a template that appeared
or spiked, the last line before it for one that vanished or dropped), linked to that line
(file and line number). Attaching the same files again replaces their events, so the
command can be re-run with other windows without piling up duplicates.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from retroline.analysis.revisions import in_time_order
from retroline.errors import UsageError
from retroline.instants import iso_utc
from retroline.logs.onset import Change, ChangeKind, Onset, analyse
from retroline.model import Event, EventKind, Incident, LogChange, Precision, Source, ZoneSource
from retroline.store import Library

__all__ = ["AttachResult", "attach", "change_event", "incident_onset", "log_change", "with_changes"]

#: Changes attached by default: the strongest few, not every significant one.
DEFAULT_EVENTS = 5

_VERBS = {
    ChangeKind.APPEARED: "appeared",
    ChangeKind.SPIKED: "spiked",
    ChangeKind.DROPPED: "dropped",
    ChangeKind.VANISHED: "stopped",
}


@dataclass(frozen=True)
class AttachResult:
    """What `attach` did: the incident, the analysis, and the events it added."""

    incident_id: str
    onset: Onset
    events: list[Event]


def incident_onset(incident: Incident) -> datetime | None:
    """Where an incident starts: its impact-start event, else the start of the impact
    window its document states, else its earliest timed event."""
    starts = [e.at for e in incident.events if e.kind is EventKind.IMPACT_START and e.at]
    if starts:
        return min(starts)
    windows = [w.at for w in getattr(incident, "stated_windows", ()) if w.at is not None]
    if windows:
        return min(windows)
    return min((e.at for e in incident.events if e.at is not None), default=None)


def log_change(change: Change, onset: Onset) -> LogChange:
    """The stored evidence of one change: counts, hosts, its chart, and an example line."""
    example = change.examples[0] if change.examples else None
    span = (onset.before + onset.after).total_seconds()
    return LogChange(
        template_id=change.template_id,
        template=change.template,
        change=change.kind.value,
        score=round(change.score, 2),
        before=change.before,
        after=change.after,
        first_seen=change.first_seen,
        last_seen=change.last_seen,
        hosts=change.hosts,
        onset=onset.at,
        window_start=onset.at - onset.before,
        bin_seconds=span / len(change.series) if change.series else 0.0,
        series=change.series,
        example=example.text if example is not None else "",
        source=Source(path=example.path, line=example.line) if example is not None else None,
    )


def with_changes(
    incident: Incident,
    onset: Onset,
    paths: Sequence[str | Path],
    tz: str | None,
    limit: int = DEFAULT_EVENTS,
) -> Incident:
    """``incident`` with the strongest changes of ``onset`` as its log events and evidence,
    in place of what earlier runs on the same files added."""
    names = {str(p) for p in paths}
    events = [
        e for e in incident.events if not (e.kind is EventKind.LOG and e.source.path in names)
    ]
    evidence = [c for c in incident.log_changes if not (c.source and c.source.path in names)]
    strongest = onset.changes[:limit]
    events += [change_event(c, tz) for c in strongest]
    evidence += [log_change(c, onset) for c in strongest]
    return incident.model_copy(update={"events": in_time_order(events), "log_changes": evidence})


def change_event(change: Change, tz: str | None) -> Event:
    """A candidate timeline event for one change, linked to its example line."""
    example = change.examples[0] if change.examples else None
    at = example.at if example is not None else change.first_seen
    counts = f"{change.before} lines before the onset, {change.after} after"
    details = [f"score {change.score:.1f} (p = {change.p_value:.2g})", counts]
    if example is not None:
        details.append(f"example: {example.text}")
    if change.hosts:
        details.append("hosts: " + ", ".join(change.hosts))
    # Where the example line's zone came from: written in it, the user's, or assumed.
    if example is not None and example.zone_source is not None:
        source = ZoneSource(example.zone_source)
    else:
        source = ZoneSource.OPTION if tz is not None else ZoneSource.ASSUMED
    return Event(
        at=at,
        precision=Precision.SECOND,
        time_text=iso_utc(at) if at is not None else "",
        zone="UTC" if tz is None or source is ZoneSource.EXPLICIT else tz,
        zone_source=source,
        text=f"Log pattern {_VERBS[change.kind]}: {change.template}",
        kind=EventKind.LOG,
        details=details,
        source=Source(
            path=example.path if example is not None else "",
            line=example.line if example is not None else None,
        ),
    )


def attach(
    library: Library,
    ident: str,
    paths: Sequence[str | Path],
    *,
    at: datetime | None = None,
    before: timedelta = timedelta(hours=1),
    after: timedelta = timedelta(minutes=30),
    tz: str | None = None,
    year: int | None = None,
    limit: int = DEFAULT_EVENTS,
) -> AttachResult:
    """Analyse the logs at the incident's onset (``at``, or the incident's own start) and
    store the ``limit`` strongest changes as its events, in one transaction."""
    incident = library.get(ident)
    assert incident.id is not None
    at = at or incident_onset(incident)
    if at is None:
        raise UsageError(
            f"incident {incident.id} has no timed event to take the onset from: give --at"
        )
    onset = analyse(paths, at, before=before, after=after, tz=tz, year=year)
    updated = with_changes(incident, onset, paths, tz, limit)
    library.replace(incident.id, updated)
    names = {str(p) for p in paths}
    events = [e for e in updated.events if e.kind is EventKind.LOG and e.source.path in names]
    return AttachResult(incident.id, onset, events)
