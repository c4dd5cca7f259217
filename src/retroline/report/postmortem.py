"""The postmortem as a document model: what a report says, before any format renders it.

Built from a stored incident in the order of the best postmortem templates (summary, impact,
detection, timeline, root cause and contributing factors, hypotheses, action items, findings,
log and metric evidence). Markdown and HTML render this model; neither looks at the incident itself, so
both say the same thing. Rendering is deterministic: the clock is passed in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import PurePath

from retroline.analysis.durations import Duration, durations, human
from retroline.analysis.edits import describe
from retroline.analysis.provenance import origin_of
from retroline.analysis.revisions import in_time_order
from retroline.analysis.similar import SeenBefore
from retroline.instants import iso_utc
from retroline.model import (
    ActionItem,
    Edit,
    Event,
    EventKind,
    Finding,
    Hypothesis,
    Incident,
    Link,
    MetricChange,
    Precision,
    SectionKind,
    ZoneSource,
)
from retroline.report.charts import Chart, chart

# Parts of the document shown under their own heading, in this order.
PART_ORDER = [
    SectionKind.SUMMARY,
    SectionKind.IMPACT,
    SectionKind.DETECTION,
    SectionKind.ROOT_CAUSE,
    SectionKind.CONTRIBUTING_FACTORS,
    SectionKind.ANALYSIS,
    SectionKind.MITIGATION,
    SectionKind.LESSONS,
]
PART_TITLES = {
    SectionKind.SUMMARY: "Summary",
    SectionKind.IMPACT: "Impact",
    SectionKind.DETECTION: "Detection",
    SectionKind.ROOT_CAUSE: "Root cause",
    SectionKind.CONTRIBUTING_FACTORS: "Contributing factors",
    SectionKind.ANALYSIS: "Analysis",
    SectionKind.MITIGATION: "Mitigation and recovery",
    SectionKind.LESSONS: "Lessons learned",
}


@dataclass(frozen=True)
class Row:
    """One timeline entry as the report shows it."""

    id: str  # stable within the report: e1, e2, ...
    utc: str  # "2016-09-08 15:56" (or the date, for date-only entries)
    iso: str | None  # instant for machines and the interactive timeline
    date: str | None
    time_text: str
    zone: str | None
    zone_source: str | None
    assumed: bool
    approximate: bool
    text: str
    details: list[str]
    kind: str
    lane: str  # which source or host the entry comes from
    source_path: str
    source_line: int | None
    source_page: int | None = None
    origin: str = ""  # where the day and year came from, when not from the entry's words
    notes: list[str] = field(default_factory=list)  # how the time was read where words left it open
    end_iso: str | None = None  # end of a span ("05:54 to 06:10"), when the source gives one
    series: list[int] | None = None  # counts over time of a log pattern, drawn as a sparkline


@dataclass(frozen=True)
class Part:
    """A part of the document (summary, impact, root cause, ...)."""

    title: str
    text: str
    kind: str = SectionKind.OTHER.value


@dataclass(frozen=True)
class Milestone:
    """A point the durations are measured from or to (impact start, detection, ...).

    ``row`` is the timeline entry it comes from; None when it comes from elsewhere (the
    impact window the document states).
    """

    name: str
    iso: str
    row: str | None
    note: str = ""


@dataclass(frozen=True)
class HostTable:
    """A table of the host-state section: the rows behind findings of one kind that share
    a header (every process not restarted in one table), each row with its source."""

    title: str
    header: list[str]
    rows: list[tuple[list[str], str | None, int | None]]


#: The host-state tables' titles, by the code of the findings behind them.
HOST_TABLES = {
    "package-drift": "Packages that differ",
    "not-restarted": "Processes not restarted after a package change",
    "sockets": "Sockets at the busiest snapshot",
    "many-hosts": "The same event on many hosts at once",
}


def host_tables(findings: Sequence[Finding]) -> list[HostTable]:
    """The rows of the findings that have them, one table per kind of finding and header,
    in the order of `HOST_TABLES` (the packages that differ between two hosts are one
    table a pair; every process not restarted is one list). A last column named ``line``
    is each row's own line in the finding's file, not shown: the row's source."""
    tables: dict[tuple[str, tuple[str, ...]], HostTable] = {}
    for code, title in HOST_TABLES.items():
        for f in findings:
            if f.code != code or len(f.rows) < 2:
                continue
            header, *rows = f.rows
            own = header[-1] == "line"
            shown = header[:-1] if own else header
            table = tables.setdefault((code, tuple(shown)), HostTable(title, list(shown), []))
            path, line = (f.source.path, f.source.line) if f.source else (None, None)
            for row in rows:
                if own:
                    cells, mark = row[:-1], row[-1]
                    table.rows.append((cells, path, int(mark) if mark.isdigit() else None))
                else:
                    table.rows.append((row, path, line))
    return list(tables.values())


@dataclass(frozen=True)
class EditRow:
    """A correction a person made, as the report lists it."""

    id: int | None
    what: str  # "kind corrected: other → impact start", "marked wrong", "dismissed"
    subject: str  # the event's text or the finding's message when it was made
    by: str
    at: str  # "2026-12-06 16:07" (UTC)
    reason: str
    state: str  # "" (in force), "undone by ... at ...", or why it no longer applies


def _minute(value: dt.datetime) -> str:
    return iso_utc(value)[:16].replace("T", " ")


def edit_rows(edits: Sequence[Edit]) -> list[EditRow]:
    """The corrections of an incident, in the order they were made, each saying whether
    it is in force."""
    out = []
    for e in edits:
        if e.undone_at is not None:
            state = f"undone by {e.undone_by}, {_minute(e.undone_at)}"
        elif not e.applies:
            state = "no longer applies: the incident, made again, no longer has it"
        else:
            state = ""
        out.append(EditRow(e.id, describe(e), e.subject, e.by, _minute(e.at), e.reason, state))
    return out


@dataclass(frozen=True)
class Postmortem:
    """Everything a rendered report shows, in order."""

    id: str
    title: str
    document_date: str | None
    generated_at: str
    parts: list[Part]
    timeline: list[Row]
    lanes: list[str]
    durations: list[Duration]
    hypotheses: list[Hypothesis]
    action_items: list[ActionItem]
    findings: list[Finding]
    log_rows: list[Row]
    sources: list[str]
    links: list[Link] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    formats: dict[str, str] = field(default_factory=dict)  # document path -> its format
    metric_rows: list[Row] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)  # a metric series per chart
    hosts: list[HostTable] = field(default_factory=list)  # the host-state tables
    seen: SeenBefore = field(default_factory=SeenBefore)  # past incidents like this one
    edits: list[EditRow] = field(default_factory=list)  # the corrections people made

    @property
    def span(self) -> tuple[str, str] | None:
        """The first and last instants of the timeline (ISO), for the interactive view."""
        instants = [r.iso for r in self.timeline if r.iso]
        return (min(instants), max(instants)) if instants else None


def duration_text(duration: Duration) -> str:
    """A duration's value for a report: "4 h 53 min", "≈ 20 min" when approximate, or "unknown"."""
    value = duration.value
    if value is None:
        return "unknown"
    return ("≈ " if duration.approximate else "") + human(value)


def _iso(value: dt.datetime) -> str:
    """To the second: the report's instants are read by people."""
    return iso_utc(value.replace(microsecond=0))


def _utc(event: Event) -> str:
    if event.at is not None:
        fmt = "%Y-%m-%d %H:%M:%S" if event.precision is Precision.SECOND else "%Y-%m-%d %H:%M"
        return ("~" if event.precision is Precision.APPROXIMATE else "") + event.at.strftime(fmt)
    return event.date.isoformat() if event.date else "?"


def _day(event: Event) -> str | None:
    """The calendar date of an entry: as written, else the UTC date of its instant."""
    day = event.date or (event.at.date() if event.at else None)
    return day.isoformat() if day else None


def _lane(event: Event) -> str:
    """The lane of the interactive timeline: the host of a log line, else its file's name."""
    if event.kind is EventKind.LOG:
        for detail in event.details:
            if detail.startswith("hosts: "):
                return detail.removeprefix("hosts: ").split(",")[0].strip()
    return PurePath(event.source.path).name if event.source.path else "document"


def rows(events: list[Event]) -> list[Row]:
    """Timeline rows in UTC order (date-only entries first on their day), numbered."""
    ordered = in_time_order(events)
    return [
        Row(
            id=f"e{i}",
            utc=_utc(e),
            iso=_iso(e.at) if e.at else None,
            date=_day(e),
            time_text=e.time_text,
            zone=e.zone,
            zone_source=e.zone_source.value if e.zone_source else None,
            assumed=e.zone_source is ZoneSource.ASSUMED,
            approximate=e.precision is Precision.APPROXIMATE,
            text=e.text,
            details=list(e.details),
            kind=e.kind.value,
            lane=_lane(e),
            source_path=e.source.path,
            source_line=e.source.line,
            source_page=e.source.page,
            origin=origin_of(e),
            notes=list(e.notes),
            end_iso=_iso(e.end_at) if e.end_at else None,
        )
        for i, e in enumerate(ordered, start=1)
    ]


def milestones(spans: list[Duration], timeline: list[Row]) -> list[Milestone]:
    """The distinct start and end points of ``spans``, linked to their timeline rows."""
    by_event = {
        (r.iso, r.text, r.source_path, r.source_line): r.id for r in timeline if r.iso is not None
    }
    found: dict[str, Milestone] = {}
    for duration in spans:
        for mark in (duration.start, duration.end):
            if mark.at is None or mark.name in found:
                continue
            row = None
            if mark.event is not None:
                e = mark.event
                row = by_event.get((_iso(mark.at), e.text, e.source.path, e.source.line))
            found[mark.name] = Milestone(mark.name, _iso(mark.at), row, mark.note)
    return sorted(found.values(), key=lambda m: m.iso)


def metric_charts(
    changes: list[MetricChange], timeline: list[Row], spans: list[Duration]
) -> list[Chart]:
    """A chart per metric series with changes: the series, its change points linked to
    their timeline rows, and the impact window from its start to the resolution (to the
    mitigation when no entry says it was resolved)."""
    by_name = {d.name: d for d in spans}
    start = spans[0].start.at
    end = by_name["Time to resolve"].end.at or by_name["Time to mitigate"].end.at
    window = (start.timestamp(), end.timestamp()) if start and end and end >= start else None
    by_source = {
        (r.source_path, r.source_line): r for r in timeline if r.kind == EventKind.METRIC.value
    }
    grouped: dict[tuple[str, str], list[MetricChange]] = {}
    for change in changes:
        path = change.source.path if change.source else ""
        grouped.setdefault((path, change.series), []).append(change)
    drawn = []
    for (path, name), group in grouped.items():
        first = group[0]
        marks = []
        for c in sorted(group, key=lambda c: c.at):
            row = by_source.get((path, c.source.line if c.source else None))
            marks.append(
                (c.at.timestamp(), c.kind, row.id if row else None, row.text if row else c.kind)
            )
        drawn.append(
            chart(
                name,
                first.times,
                first.values,
                unit=first.unit,
                changes=marks,
                window=window,
                source_path=path,
                source_line=first.source.line if first.source else None,
                query=first.query,
            )
        )
    return drawn


def build(incident: Incident, *, now: dt.datetime, seen: SeenBefore | None = None) -> Postmortem:
    """The report of ``incident``, as of ``now`` (passed in so renders are repeatable), with
    what the library holds like it (``seen``) when given."""
    parts: list[Part] = []
    for kind in PART_ORDER:
        texts = [s.text for s in incident.sections if s.kind is kind and s.text.strip()]
        if kind is SectionKind.SUMMARY and not texts and incident.summary:
            texts = [incident.summary]
        if kind is SectionKind.DETECTION and not texts:
            # No section says how it was noticed: the timeline's first detection does.
            first = next((e for e in incident.events if e.kind is EventKind.DETECTION), None)
            if first is not None:
                texts = [f"From the timeline ({_utc(first)} UTC): {first.text}"]
        if texts:
            parts.append(Part(PART_TITLES[kind], "\n\n".join(texts), kind.value))
    timeline = rows(incident.events)
    # A log event's chart is the counts over time of the change it stands for.
    charts = {
        (c.source.path, c.source.line): c.series
        for c in incident.log_changes
        if c.source and c.series
    }
    timeline = [
        replace(r, series=charts.get((r.source_path, r.source_line)))
        if r.kind == EventKind.LOG.value
        else r
        for r in timeline
    ]
    lanes = list(dict.fromkeys(r.lane for r in timeline))
    spans = durations(incident)
    return Postmortem(
        id=incident.id or "",
        title=incident.title,
        document_date=incident.document_date.isoformat() if incident.document_date else None,
        generated_at=_iso(now),
        parts=parts,
        timeline=timeline,
        lanes=lanes,
        durations=spans,
        hypotheses=list(incident.hypotheses),
        action_items=list(incident.action_items),
        findings=list(incident.findings),
        log_rows=[r for r in timeline if r.kind == EventKind.LOG.value],
        sources=[d.path for d in incident.documents],
        links=list(incident.links),
        milestones=milestones(spans, timeline),
        formats={d.path: d.format for d in incident.documents},
        metric_rows=[r for r in timeline if r.kind == EventKind.METRIC.value],
        charts=metric_charts(incident.metric_changes, timeline, spans),
        hosts=host_tables(incident.findings),
        seen=seen or SeenBefore(),
        edits=edit_rows(incident.edits),
    )
