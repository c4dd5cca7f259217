"""The durations of an incident, each with its definition, from the kinds of its events.

Impact start to detection, detection to engagement, and impact start to mitigation and to
resolution: the four intervals teams are asked for. Each is computed from the first event of
the kind that starts it and the first event of the kind that ends it after that, and is
unknown, with the reason, when the timeline does not have both. No averages across incidents.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from retroline.model import EVIDENCE_EVENTS, Event, EventKind, Incident, Precision


@dataclass(frozen=True)
class Mark:
    """A point that starts or ends a duration: the event it comes from, if any."""

    name: str
    at: dt.datetime | None
    event: Event | None = None
    note: str = ""


@dataclass(frozen=True)
class Duration:
    """One interval of the incident, with the definition a reader needs to trust it."""

    name: str
    definition: str
    start: Mark
    end: Mark

    @property
    def value(self) -> dt.timedelta | None:
        if self.start.at is None or self.end.at is None or self.end.at < self.start.at:
            return None
        return self.end.at - self.start.at

    @property
    def approximate(self) -> bool:
        return any(
            m.event is not None and m.event.precision is Precision.APPROXIMATE
            for m in (self.start, self.end)
        )

    @property
    def unknown_because(self) -> str | None:
        """Why the duration is unknown, or None when it is known."""
        for mark in (self.start, self.end):
            if mark.at is None:
                return f"no {mark.name} in the timeline"
        if self.end.at is not None and self.start.at is not None and self.end.at < self.start.at:
            return f"the {self.end.name} comes before the {self.start.name}"
        return None


def human(value: dt.timedelta | None) -> str:
    """A duration as people read it: "47 min", "2 h 5 min", "1 d 3 h"."""
    if value is None:
        return "unknown"
    minutes = int(value.total_seconds() // 60)
    if minutes < 1:
        return f"{int(value.total_seconds())} s"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {mins} min" if mins else f"{hours} h"
    return f"{mins} min"


def _first(events: list[Event], kind: EventKind, after: dt.datetime | None = None) -> Event | None:
    for event in events:
        if event.kind is kind and event.at is not None and (after is None or event.at >= after):
            return event
    return None


def impact_start(incident: Incident) -> Mark:
    """When the impact began: the first impact event, else the stated window's start."""
    events = sorted((e for e in incident.events if e.at is not None), key=lambda e: e.at)  # type: ignore[arg-type,return-value]
    first = _first(events, EventKind.IMPACT_START)
    if first is not None:
        return Mark("impact start", first.at, first)
    windows = [w for w in incident.stated_windows if w.at is not None]
    if windows:
        return Mark(
            "impact start", windows[0].at, note=f"the stated window {windows[0].time_text!r}"
        )
    return Mark("impact start", None)


def durations(incident: Incident) -> list[Duration]:
    """The four intervals of the incident, known or not."""
    events = sorted(
        (e for e in incident.events if e.at is not None and e.kind not in EVIDENCE_EVENTS),
        key=lambda e: e.at or dt.datetime.min.replace(tzinfo=dt.UTC),
    )
    start = impact_start(incident)

    def mark(name: str, kind: EventKind, after: Mark) -> Mark:
        event = _first(events, kind, after.at)
        return Mark(name, event.at if event else None, event)

    detection = mark("detection", EventKind.DETECTION, start)
    engagement = mark("engagement", EventKind.ENGAGEMENT, detection if detection.at else start)
    mitigation = mark("mitigation", EventKind.MITIGATION, start)
    resolution = mark("resolution", EventKind.RESOLUTION, mitigation if mitigation.at else start)
    return [
        Duration(
            "Time to detect",
            "from the start of the impact to the first sign someone noticed it "
            "(an alert, a report, a page)",
            start,
            detection,
        ),
        Duration(
            "Time to engage",
            "from that first detection to the first person working on it "
            "(acknowledged, investigating)",
            detection,
            engagement,
        ),
        Duration(
            "Time to mitigate",
            "from the start of the impact to the first action that reduced it "
            "(restart, rollback, failover, workaround)",
            start,
            mitigation,
        ),
        Duration(
            "Time to resolve",
            "from the start of the impact to the entry that says service was restored",
            start,
            resolution,
        ),
    ]
