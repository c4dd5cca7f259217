"""Incidents and library listings for people at a terminal (Rich tables).

Every string from the evidence is shown inert (``retroline.inert``) and as a ``Text``, never
read as Rich markup: a title cannot clear the screen, retitle the window or turn bold.
"""

from __future__ import annotations

from rich.console import Console, Group
from rich.markup import escape
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from retroline.analysis.edits import Review
from retroline.analysis.provenance import origin_of
from retroline.inert import inert
from retroline.model import Event, Incident, Severity, Source, ZoneSource
from retroline.report.postmortem import edit_rows
from retroline.sources import place, short_where
from retroline.store import IncidentSummary

_SEVERITY_STYLE = {Severity.INFO: "cyan", Severity.WARNING: "yellow", Severity.ERROR: "red"}


def utc_text(event: Event) -> str:
    """The event's instant as shown in a timeline: UTC to the precision known."""
    if event.at is not None:
        text = event.at.strftime(
            "%Y-%m-%d %H:%M:%S" if event.precision == "second" else "%Y-%m-%d %H:%M"
        )
        if event.end_at is not None:
            text += event.end_at.strftime("–%H:%M")
        return ("~" if event.precision == "approximate" else "") + text
    if event.date is not None:
        return event.date.isoformat()
    return "?"


def _zone_text(event: Event) -> Text:
    """Where the zone came from, when the words themselves do not say it."""
    if not event.zone or event.zone_source is ZoneSource.EXPLICIT or event.zone_source is None:
        return Text("")
    if event.zone_source is ZoneSource.ASSUMED:
        return Text(f" ({inert(event.zone)} assumed)", style="yellow")
    return Text(f" ({inert(event.zone)}, {event.zone_source.value})")


def _where(source: Source | None, formats: dict[str, str]) -> str:
    """A source as the file's name and its place: ``notes.md:12``, ``notes.pdf p. 3 l. 12``
    (inert: a file name is evidence too)."""
    if source is None or not source.path:
        return ""
    return inert(short_where(source.path, source.line, source.page, formats.get(source.path)))


def timeline_table(incident: Incident, width: int = 120) -> Table:
    """The timeline, in UTC, with the original words and zone beside each entry.

    On a narrow terminal the original words go under the event instead of beside it.
    """
    files = {e.source.path for e in incident.events}
    formats = {d.path: d.format for d in incident.documents}
    wide = width >= 100
    table = Table(title="Timeline (UTC)", title_justify="left", expand=True)
    table.add_column("UTC", no_wrap=True, style="bold")
    if wide:
        table.add_column("as written", style="dim", max_width=26)
    table.add_column("event", ratio=1)
    table.add_column("line" if len(files) == 1 else "source", style="dim", no_wrap=True)
    for event in incident.events:
        written = Text(inert(event.time_text), style="dim")
        written.append_text(_zone_text(event))
        if told := origin_of(event):
            written.append(f"\n{told}", style="italic")
        text = Text(inert(event.text))
        if not wide:
            text.append("\n")
            text.append_text(written)
        for detail in event.details:
            text.append("\n  · " + inert(detail), style="dim")
        source = event.source
        where = (
            place(source.line, source.page, formats.get(source.path))
            if len(files) == 1
            else _where(source, formats)
        )
        row: list[Text | str] = (
            [utc_text(event), written, text, Text(where)]
            if wide
            else [utc_text(event), text, Text(where)]
        )
        table.add_row(*row)
    return table


def render_incident(console: Console, incident: Incident) -> None:
    """Print an incident: heading, timeline, action items and findings."""
    facts = [f"id {inert(incident.id)}" if incident.id else "not stored"]
    if incident.document_date:
        facts.append(f"document of {incident.document_date.isoformat()}")
    facts.append(f"{len(incident.events)} events")
    facts.append(", ".join(inert(short_where(d.path, None)) for d in incident.documents))
    console.print(
        Panel(
            Group(Text(inert(incident.title), style="bold"), Text(" · ".join(facts), style="dim"))
        )
    )
    if incident.events:
        console.print(timeline_table(incident, console.width))
    else:
        console.print("[yellow]No timeline entries were found.[/yellow]")
    if incident.action_items:
        items = Table(title="Action items", title_justify="left", expand=True)
        items.add_column("action", ratio=1)
        items.add_column("owner")
        items.add_column("status")
        for item in incident.action_items:
            items.add_row(
                Text(inert(item.text)),
                Text(inert(item.owner or "—")),
                Text(inert(item.status or "—")),
            )
        console.print(items)
    if incident.findings:
        console.print("[bold]Findings[/bold]")
        for finding in incident.findings:
            style = _SEVERITY_STYLE[finding.severity]
            where = _where(finding.source, {d.path: d.format for d in incident.documents})
            console.print(
                f"  [{style}]{finding.severity.value:7}[/{style}] {escape(inert(finding.message))}"
                + (f" [dim]({escape(where)})[/dim]" if where else "")
            )


def render_review(console: Console, review: Review) -> None:
    """Print an incident as people corrected it: its events (``e1``…) and findings
    (``f1``…) numbered as a correction names them, and the corrections made so far."""
    incident = review.incident
    console.print(Text(inert(incident.title), style="bold"), highlight=False)
    events = Table(title="Timeline (UTC), as corrected", title_justify="left", expand=True)
    for name in ("", "UTC", "kind", "event"):
        events.add_column(name, no_wrap=name != "event", ratio=1 if name == "event" else None)
    for number, (_target, event) in enumerate(review.events, 1):
        text = Text(inert(event.text))
        for note in event.notes:
            text.append("\n" + inert(note), style="dim italic")
        events.add_row(f"e{number}", utc_text(event), event.kind.value.replace("_", " "), text)
    console.print(events)
    if review.findings:
        console.print("[bold]Findings[/bold]")
        for number, (_target, finding) in enumerate(review.findings, 1):
            style = _SEVERITY_STYLE[finding.severity]
            line = Text(f"  f{number:<3} ")
            line.append(f"{finding.severity.value:7} ", style=style)
            line.append(inert(finding.message))
            console.print(line, highlight=False)
    rows = edit_rows(incident.edits)
    if not rows:
        console.print("[dim]No corrections yet.[/dim]")
        return
    made = Table(title="Corrections", title_justify="left", expand=True)
    for name in ("#", "correction", "of", "by", "when (UTC)", "state"):
        made.add_column(name, ratio=1 if name in ("correction", "of") else None)
    for row in rows:
        made.add_row(
            str(row.id),
            Text(inert(row.what + (f" — {row.reason}" if row.reason else ""))),
            Text(inert(row.subject)),
            Text(inert(row.by)),
            row.at,
            Text(inert(row.state or "in force")),
        )
    console.print(made)


def summaries_table(summaries: list[IncidentSummary]) -> Table:
    """The library's incidents, one row each."""
    table = Table(expand=True)
    table.add_column("id", no_wrap=True, style="bold")
    table.add_column("title", ratio=1)
    table.add_column("date", no_wrap=True)
    table.add_column("events", justify="right")
    table.add_column("from (UTC)", no_wrap=True, style="dim")
    for s in summaries:
        table.add_row(
            Text(inert(s.id)),
            Text(inert(s.title)),
            s.document_date.isoformat() if s.document_date else "",
            str(s.events),
            s.first_at.strftime("%Y-%m-%d %H:%M") if s.first_at else "",
        )
    return table
