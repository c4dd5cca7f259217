"""Show log results to people in the terminal (Rich): template summaries and onset changes.

Scripts get JSON instead (``--json``); these tables are for reading, so long templates are
shortened and instants printed to the second, in UTC. Templates, file names and hosts come
from the logs: they are shown inert (``retroline.inert``), as ``Text``, never as markup.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from rich.table import Table
from rich.text import Text

from retroline.inert import inert
from retroline.logs.onset import Onset
from retroline.logs.run import TemplateStats
from retroline.sources import where

__all__ = ["onset_table", "templates_table", "utc"]

#: Characters of a template shown in a table cell.
TEMPLATE_WIDTH = 160


def utc(at: datetime | None) -> str:
    """An instant as ``2016-09-08 20:31:48`` (UTC), or a dash."""
    return at.strftime("%Y-%m-%d %H:%M:%S") if at is not None else "-"


def _short(text: str) -> str:
    """A template as a cell shows it: inert, and cut at ``TEMPLATE_WIDTH`` characters."""
    text = inert(text)
    return text if len(text) <= TEMPLATE_WIDTH else text[: TEMPLATE_WIDTH - 1] + "…"


def templates_table(stats: Sequence[TemplateStats], limit: int | None = None) -> Table:
    """Templates with their counts and first and last time seen, most frequent first."""
    total = sum(s.count for s in stats)
    shown = list(stats[:limit] if limit else stats)
    table = Table(
        title=f"{len(stats)} templates over {total} lines (times in UTC)",
        caption=(
            f"the {len(shown)} most frequent; --limit 0 shows all"
            if len(shown) < len(stats)
            else None
        ),
    )
    table.add_column("count", justify="right")
    table.add_column("id", style="dim")
    table.add_column("first seen")
    table.add_column("last seen")
    table.add_column("template", overflow="fold")
    for s in shown:
        table.add_row(str(s.count), s.id, utc(s.first), utc(s.last), Text(_short(s.template)))
    return table


def onset_table(onset: Onset, limit: int | None = None) -> Table:
    """The changes at an onset, strongest first, with counts and an example line each."""
    shown = onset.changes[:limit] if limit else onset.changes
    table = Table(
        title=(
            f"Changes at {utc(onset.at)} UTC: {len(onset.changes)} of {onset.templates} "
            f"templates (window {_span(onset.before)} before, {_span(onset.after)} after)"
        ),
        caption=f"score = -log10 p; reported from {onset.threshold:.1f} (Bonferroni)"
        + (f"\n{coverage}" if (coverage := onset.coverage()) else ""),
    )
    for name, justify in (
        ("change", "left"),
        ("score", "right"),
        ("before", "right"),
        ("after", "right"),
        ("first seen", "left"),
        ("last seen", "left"),
        ("template / example", "left"),
    ):
        table.add_column(name, justify=justify, overflow="fold")  # type: ignore[arg-type]
    for c in shown:
        example = c.examples[0] if c.examples else None
        cell = Text(_short(c.template))
        if example is not None:
            cell.append("\n" + inert(where(example.path, example.line)), style="dim")
        if c.hosts:
            cell.append(f"\nhosts: {inert(', '.join(c.hosts[:5]))}", style="dim")
        table.add_row(
            c.kind.value,
            f"{c.score:.1f}",
            str(c.before),
            str(c.after),
            utc(c.first_seen),
            utc(c.last_seen),
            cell,
        )
    return table


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds % 86400 == 0:
        return f"{seconds // 86400}d"
    if seconds % 3600 == 0:
        return f"{seconds // 3600}h"
    if seconds % 60 == 0:
        return f"{seconds // 60}m"
    return f"{seconds}s"
