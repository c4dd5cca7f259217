"""Render an incident in the formats a user asks for, and write the files."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path

from retroline.analysis.similar import SeenBefore
from retroline.errors import UsageError
from retroline.model import Incident
from retroline.output import write_text
from retroline.report.html import render_html
from retroline.report.markdown import render_markdown
from retroline.report.postmortem import build

__all__ = ["ReportFormat", "render", "write_reports"]


class ReportFormat(StrEnum):
    """The formats a report is written in."""

    MD = "md"
    HTML = "html"
    JSON = "json"


def render(
    incident: Incident,
    fmt: str,
    *,
    now: dt.datetime | None = None,
    seen: SeenBefore | None = None,
) -> str:
    """The report of ``incident`` as text in ``fmt`` (md, html or json); ``seen`` is what
    the library holds like it, for the "Seen before" section."""
    try:
        chosen = ReportFormat(fmt)
    except ValueError as exc:
        raise UsageError(f"--format {fmt!r} is not one of: md, html, json") from exc
    if chosen is ReportFormat.JSON:
        return incident.to_json() + "\n"
    postmortem = build(incident, now=now or dt.datetime.now(dt.UTC), seen=seen)
    return render_markdown(postmortem) if chosen is ReportFormat.MD else render_html(postmortem)


def write_report(
    incident: Incident,
    fmt: str,
    path: Path,
    *,
    now: dt.datetime | None = None,
    seen: SeenBefore | None = None,
) -> Path:
    """Write one report file (whole or not at all)."""
    return write_text(path, render(incident, fmt, now=now, seen=seen))


def write_reports(
    incident: Incident,
    folder: Path,
    *,
    now: dt.datetime | None = None,
    seen: SeenBefore | None = None,
) -> dict[str, Path]:
    """Write the postmortem as Markdown, HTML and JSON into ``folder``; returns the paths."""
    moment = now or dt.datetime.now(dt.UTC)
    written = {}
    for fmt, name in (
        (ReportFormat.MD, "postmortem.md"),
        (ReportFormat.HTML, "postmortem.html"),
        (ReportFormat.JSON, "incident.json"),
    ):
        written[fmt.value] = write_report(incident, fmt.value, folder / name, now=moment, seen=seen)
    return written
