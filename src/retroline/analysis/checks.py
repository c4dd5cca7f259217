"""Checks on the story an incident tells; each returns findings, none changes the incident."""

from __future__ import annotations

import datetime as dt
import itertools
import re
from collections.abc import Callable

from retroline.analysis.provenance import (
    date_corrected,
    day_inferred,
    weekday_mismatch,
    year_inferred,
    zone_from_context,
    zone_out_of_season,
)
from retroline.model import (
    EVIDENCE_EVENTS,
    Event,
    EventKind,
    Finding,
    Incident,
    Precision,
    SectionKind,
    Severity,
    ZoneSource,
)
from retroline.when import zone_offset

# Times in postmortems are written to the minute and often rounded: a window is contradicted
# only by events well outside it.
WINDOW_TOLERANCE = dt.timedelta(minutes=15)
# Entries a minute apart are written in whatever order people remember them.
ORDER_SLACK = dt.timedelta(minutes=1)
# A cause section that says only that the cause is not known yet.
_UNKNOWN = re.compile(
    r"\b(under investigation|not (yet )?(known|understood|clear)|unknown|ongoing|tbd|to be determined"
    r"|still investigating|do not (yet )?know|don't (yet )?know)\b",
    re.I,
)
# Closing the incident after a quiet spell is paperwork, not recovery work after the window.
_CLOSING = re.compile(
    r"\b(?:incident\s+(?:is\s+)?(?:closed|resolved|over)|clos(?:ed|es|ing)\s+the\s+incident"
    r"|(?:review|retro\w*|post-?mortem)\s+(?:booked|scheduled|planned)|moved\s+to\s+monitoring)\b",
    re.I,
)
# A range whose end, read as the next day, lies this far after its start was written backwards.
LONGEST_RANGE = dt.timedelta(hours=12)

Check = Callable[[Incident], list[Finding]]


def zone_not_stated(incident: Incident) -> list[Finding]:
    """Times resolved with an assumed zone: the reader must know the zone was a guess."""
    assumed = [e for e in incident.events if e.zone_source is ZoneSource.ASSUMED]
    if not assumed:
        return []
    zones = ", ".join(sorted({e.zone or "UTC" for e in assumed}))
    return [
        Finding(
            code="zone-not-stated",
            severity=Severity.WARNING,
            message=(
                f"{len(assumed)} time(s) state no zone and none was given; {zones} was assumed. "
                "Give the zone the times were written in with --tz (e.g. --tz Europe/Zurich)."
            ),
            source=assumed[0].source,
        )
    ]


def zones_mixed(incident: Incident) -> list[Finding]:
    """Times written in zones that differ: right after conversion, but easy to misread.

    Labels are compared by their offset at one moment, so "IST" and "+05:30" are one zone,
    and so is "Pacific" across a daylight-saving change; "CEST" and "CET" are two.
    """
    timed = [e for e in incident.events if e.zone and e.at is not None]
    if not timed:
        return []
    moment = timed[0].at
    assert moment is not None
    offsets: dict[dt.timedelta, set[str]] = {}
    for event in timed:
        assert event.zone is not None
        offset = zone_offset(event.zone, moment)
        if offset is not None:
            offsets.setdefault(offset, set()).add(event.zone)
    if len(offsets) < 2:
        return []
    labels = sorted({label for group in offsets.values() for label in group})
    return [
        Finding(
            code="zones-mixed",
            severity=Severity.INFO,
            message=f"the timeline mixes {len(offsets)} zones ({', '.join(labels)}); all shown in UTC",
        )
    ]


def _newest_first(events: list[Event]) -> bool:
    """A timeline listed newest first, as status pages list their updates."""
    pairs = [(a.at, b.at) for a, b in itertools.pairwise(events)]
    back = sum(1 for a, b in pairs if a and b and b < a)
    ahead = sum(1 for a, b in pairs if a and b and b > a)
    return len(events) >= 3 and back > 2 * ahead


def out_of_order(incident: Incident) -> list[Finding]:
    """Entries written in an order their times contradict. A document that lists its
    updates newest first is read in that order."""
    found = []
    by_document: dict[str, list[Event]] = {}
    for event in incident.events:
        # Pasted log lines illustrate an entry, and approximate times ("shortly before noon")
        # are not precise enough to be out of order: neither is an entry written in order.
        if (
            event.at is None
            or event.kind in EVIDENCE_EVENTS
            or event.precision is Precision.APPROXIMATE
        ):
            continue
        by_document.setdefault(event.source.path, []).append(event)
    for events in by_document.values():
        if _newest_first(events):
            found += _out_of_order(events[::-1], "is listed above one at {} but is older")
        else:
            found += _out_of_order(events, "comes after one at {} but is earlier in time")
    return found


def _out_of_order(events: list[Event], wording: str) -> list[Finding]:
    found = []
    previous: Event | None = None
    for event in events:
        if (
            previous is not None
            and previous.at is not None
            and event.at is not None
            and event.at < previous.at - ORDER_SLACK
        ):
            found.append(
                Finding(
                    code="out-of-order",
                    severity=Severity.WARNING,
                    message=f"entry at {event.time_text!r} "
                    + wording.format(repr(previous.time_text)),
                    source=event.source,
                )
            )
        previous = event
    return found


def missing_parts(incident: Incident) -> list[Finding]:
    """A postmortem with no root cause or no action items is not finished."""
    kinds = {s.kind for s in incident.sections}
    found = []
    causes = [
        s for s in incident.sections if s.kind in (SectionKind.ROOT_CAUSE, SectionKind.ANALYSIS)
    ]
    if not causes:
        found.append(
            Finding(
                code="no-root-cause",
                severity=Severity.WARNING,
                message="no root cause or analysis section",
            )
        )
    elif all(len(s.text) < 400 and _UNKNOWN.search(s.text) for s in causes):
        found.append(
            Finding(
                code="no-root-cause",
                severity=Severity.WARNING,
                message=f"the {causes[0].title!r} section says the cause is not known yet",
                source=causes[0].source,
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
    """A stated impact window that the timeline contradicts: recovery work after it ended.

    Failures before a stated start are not counted: impact often begins after the first
    error (a cache hides it, a retry absorbs it).
    """
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
            and not _CLOSING.search(e.text)
        ]
        if not late:
            continue
        event = late[0]
        assert event.at is not None
        found.append(
            Finding(
                code="impact-window-contradiction",
                severity=Severity.WARNING,
                message=(
                    f"the stated window {window.time_text!r} ends at {window.end_at:%Y-%m-%d %H:%M} UTC, "
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
    zone_out_of_season,
    zone_from_context,
    date_corrected,
    day_inferred,
    year_inferred,
    weekday_mismatch,
    out_of_order,
    impact_window,
    ranges,
    missing_parts,
    owners,
]


def run_checks(incident: Incident, checks: list[Check] | None = None) -> list[Finding]:
    """Every finding of the given checks (all of them by default), in check order."""
    return [finding for check in (checks or CHECKS) for finding in check(incident)]


#: Findings a reader makes while it reads a document, about what the incident alone no
#: longer shows (an entry left out as no real date, a zone the document did not settle),
#: those made when it is stored (kept apart from an incident of the same times), and those
#: the readers of host state make (socket counts). They travel with the incident through
#: merges and every new run of the checks.
READ_FINDINGS = frozenset(
    {
        "impossible-date",
        "zone-ambiguous",
        "bytes-replaced",
        "kept-apart",
        "sockets",
        "package-drift",
        "not-restarted",
        "many-hosts",
        "logs-miss-onset",
    }
)


def kept_apart(incident: Incident, other: Incident) -> Finding:
    """The finding on a document stored apart from ``other``, whose times it shares but
    not its words: a rewrite of it, or another incident of the same hours."""
    name = f"'{other.title}'" + (f" ({other.id})" if other.id else "")
    return Finding(
        code="kept-apart",
        severity=Severity.INFO,
        message=(
            f"most of its times are also in {name}, but not its words: stored as another "
            "incident; if it is a rewrite of that one, import them together under one title"
        ),
    )


def findings_of(incident: Incident, *parts: Incident) -> list[Finding]:
    """Every finding of an incident, made in one place: the checks on it as it now is, then
    the findings the readers of its documents made (its own, and those of the ``parts`` it
    was merged from), each once. Every path that builds an incident ends here."""
    read: list[Finding] = []
    seen: set[str] = set()
    for source in (incident, *parts):
        for finding in source.findings:
            key = finding.model_dump_json()
            if finding.code in READ_FINDINGS and key not in seen:
                seen.add(key)
                read.append(finding)
    return run_checks(incident) + read
