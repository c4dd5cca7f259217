"""Show metric results to people in the terminal (Rich): the series in a file, and the
points where they changed.

Scripts get JSON instead (``--json``). Series names and labels come from the files: they
are shown inert (``retroline.inert``), as ``Text``, never as markup. Instants are in UTC.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from rich.table import Table
from rich.text import Text

from retroline.inert import inert
from retroline.instants import iso_utc
from retroline.logs.render import utc
from retroline.metrics.changes import Change
from retroline.metrics.describe import sentence
from retroline.metrics.series import Series
from retroline.sources import ZoneSource, where

__all__ = ["changes_table", "series_rows", "series_table"]

_ZONES = {
    ZoneSource.EXPLICIT: "stated",
    ZoneSource.OPTION: "--tz",
    ZoneSource.ASSUMED: "UTC assumed",
}


def _zone(series: Series) -> str:
    """Where a series' times got their zone, in a word or two."""
    said = _ZONES.get(series.source.zone_source, series.source.zone_source.value)
    zone = series.source.zone
    return f"{zone} ({said})" if zone and series.source.zone_source is ZoneSource.OPTION else said


def series_rows(series: Sequence[Series]) -> list[dict[str, Any]]:
    """The series as JSON objects: name, labels, unit, points, gaps, first and last
    instant, and where they came from."""
    rows = []
    for s in series:
        gaps = int(np.count_nonzero(~np.isfinite(s.values)))
        rows.append(
            {
                "series": s.label,
                "name": s.name,
                "labels": dict(s.labels),
                "unit": s.unit,
                "points": len(s),
                "gaps": gaps,
                "first": iso_utc(s.instant(0)) if len(s) else None,
                "last": iso_utc(s.instant(len(s) - 1)) if len(s) else None,
                "source": {
                    "path": s.source.path,
                    "format": s.source.format,
                    "query": s.source.query,
                    "server": s.source.server,
                    "zone": s.source.zone,
                    "zone_source": s.source.zone_source.value,
                },
            }
        )
    return rows


def series_table(path: Path, series: Sequence[Series]) -> Table:
    """The series read from one file, one row each."""
    fmt = series[0].source.format if series else "?"
    table = Table(title=f"{inert(str(path))}: {len(series)} series ({fmt}; times in UTC)")
    table.add_column("series", overflow="fold")
    table.add_column("unit")
    table.add_column("points", justify="right")
    table.add_column("gaps", justify="right")
    table.add_column("first")
    table.add_column("last")
    table.add_column("zone")
    for s in series:
        gaps = int(np.count_nonzero(~np.isfinite(s.values)))
        first = s.instant(0) if len(s) else None
        last = s.instant(len(s) - 1) if len(s) else None
        table.add_row(
            Text(inert(s.label)),
            Text(inert(s.unit or "")),
            str(len(s)),
            str(gaps),
            utc(first),
            utc(last),
            _zone(s),
        )
    return table


def _score(value: float) -> str:
    return f"{value:.1f}" if math.isfinite(value) else "-"


def changes_table(
    changes: Sequence[Change], limit: int | None = None, onset: dt.datetime | None = None
) -> Table:
    """Change points, as ranked or in time order, with what changed in words."""
    shown = list(changes[:limit] if limit else changes)
    order = f"ranked by strength and nearness to {utc(onset)}" if onset else "in time order"
    table = Table(
        title=f"{len(changes)} changes, {order} (times in UTC)",
        caption=(
            f"the first {len(shown)}; --top 0 shows all" if len(shown) < len(changes) else None
        ),
    )
    table.add_column("at")
    table.add_column("kind")
    table.add_column("score", justify="right")
    table.add_column("change", overflow="fold")
    table.add_column("source", overflow="fold")
    for c in shown:
        path = str(c.source.get("path") or c.source.get("server") or "")
        line = c.source.get("line")
        table.add_row(
            utc(c.at),
            c.kind,
            _score(c.score),
            Text(inert(sentence(c.series, c.kind, c.before, c.after, c.source.get("unit")))),
            Text(inert(where(path, line if isinstance(line, int) else None))),
        )
    return table
