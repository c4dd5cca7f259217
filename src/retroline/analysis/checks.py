"""Checks on the story an incident tells; each returns findings, none changes the incident."""

from __future__ import annotations

from collections.abc import Callable

from retroline.model import Event, Finding, Incident, SectionKind, Severity, ZoneSource

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
        if event.at is None:
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


CHECKS: list[Check] = [zone_not_stated, zones_mixed, out_of_order, missing_parts, owners]


def run_checks(incident: Incident, checks: list[Check] | None = None) -> list[Finding]:
    """Every finding of the given checks (all of them by default), in check order."""
    return [finding for check in (checks or CHECKS) for finding in check(incident)]
