"""Checks on the story an incident tells; each returns findings, none changes the incident."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from retroline.model import Event, EventKind, Finding, Incident, SectionKind, Severity, ZoneSource

# Times in postmortems are written to the minute and often rounded: a window is contradicted
# only by events well outside it.
WINDOW_TOLERANCE = dt.timedelta(minutes=15)
# A range whose end, read as the next day, lies this far after its start was written backwards.
LONGEST_RANGE = dt.timedelta(hours=12)

Check = Callable[[Incident], list[Finding]]


def zone_not_stated(incident: Incident) -> list[Finding]:
    """Times resolved with an assumed zone: the reader must know UTC was a guess."""
    assumed = [e for e in incident.events if e.zone_source is ZoneSource.ASSUMED]
    if not assumed:
        return []
    return [
        Finding(
            code="zone-not-stated",
            severity=Severity.WARNING,
            message=(
                f"{len(assumed)} time(s) state no zone and none was given; UTC was assumed. "
                "Give the zone the times were written in with --tz (e.g. --tz Europe/Zurich)."
            ),
            source=assumed[0].source,
        )
    ]


def zones_mixed(incident: Incident) -> list[Finding]:
    """Several zones in one timeline: correct after conversion, but easy to misread."""
    zones = sorted({e.zone for e in incident.events if e.zone and e.at is not None})
    if len(zones) < 2:
        return []
    return [
        Finding(
            code="zones-mixed",
            severity=Severity.INFO,
            message=f"the timeline mixes {len(zones)} zones ({', '.join(zones)}); all shown in UTC",
        )
    ]


def out_of_order(incident: Incident) -> list[Finding]:
    """Entries written in an order their times contradict."""
    found = []
    previous: Event | None = None
    for event in incident.events:
        # Pasted log lines illustrate an entry; they are not entries written in order.
        if event.at is None or event.kind is EventKind.LOG:
            continue
        if previous is not None and previous.at is not None and event.at < previous.at:
            found.append(
                Finding(
                    code="out-of-order",
                    severity=Severity.WARNING,
                    message=(
                        f"entry at {event.time_text!r} comes after one at {previous.time_text!r} "
                        "but is earlier in time"
                    ),
                    source=event.source,
                )
            )
        previous = event
    return found


def missing_parts(incident: Incident) -> list[Finding]:
    """A postmortem with no root cause or no action items is not finished."""
    kinds = {s.kind for s in incident.sections}
    found = []
    if SectionKind.ROOT_CAUSE not in kinds and SectionKind.ANALYSIS not in kinds:
        found.append(
            Finding(
                code="no-root-cause",
                severity=Severity.WARNING,
                message="no root cause or analysis section",
            )
        )
    if not incident.action_items and SectionKind.ACTION_ITEMS not in kinds:
        found.append(
            Finding(code="no-action-items", severity=Severity.WARNING, message="no action items")
        )
    return found


def owners(incident: Incident) -> list[Finding]:
    """Action items nobody owns tend not to get done."""
    return [
        Finding(
            code="action-without-owner",
            severity=Severity.INFO,
            message=f"action item has no owner: {item.text[:80]!r}",
            source=item.source,
        )
        for item in incident.action_items
        if not item.owner
    ]


def impact_window(incident: Incident) -> list[Finding]:
    """A stated impact window that the timeline contradicts (recovery after it ended)."""
    found = []
    for window in incident.stated_windows:
        if window.at is None or window.end_at is None:
            continue
        late = [
            e
            for e in incident.events
            if e.at is not None
            and e.kind in (EventKind.MITIGATION, EventKind.RESOLUTION)
            and e.at > window.end_at + WINDOW_TOLERANCE
        ]
        early = [
            e
            for e in incident.events
            if e.at is not None
            and e.kind is EventKind.IMPACT_START
            and e.at < window.at - WINDOW_TOLERANCE
        ]
        for events, side in ((late, "ends"), (early, "starts")):
            if not events:
                continue
            event = events[0]
            edge = window.end_at if side == "ends" else window.at
            assert event.at is not None and edge is not None
            found.append(
                Finding(
                    code="impact-window-contradiction",
                    severity=Severity.WARNING,
                    message=(
                        f"the stated window {window.time_text!r} {side} at {edge:%Y-%m-%d %H:%M} UTC, "
                        f"but the timeline has {event.text[:70]!r} at {event.at:%Y-%m-%d %H:%M} UTC"
                        f" (line {event.source.line})"
                    ),
                    source=window.source,
                )
            )
    return found


def ranges(incident: Incident) -> list[Finding]:
    """A range that ends before it starts ("8:24 - 8:20")."""
    return [
        Finding(
            code="range-inverted",
            severity=Severity.WARNING,
            message=f"the range {event.time_text!r} ends before it starts",
            source=event.source,
        )
        for event in incident.events
        if event.at is not None
        and event.end_at is not None
        and (event.end_at < event.at or event.end_at - event.at > LONGEST_RANGE)
    ]


CHECKS: list[Check] = [
    zone_not_stated,
    zones_mixed,
    out_of_order,
    impact_window,
    ranges,
    missing_parts,
    owners,
]


def run_checks(incident: Incident, checks: list[Check] | None = None) -> list[Finding]:
    """Every finding of the given checks (all of them by default), in check order."""
    return [finding for check in (checks or CHECKS) for finding in check(incident)]
