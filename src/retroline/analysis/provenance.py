"""Checks on where each instant came from: a day, a year or a zone that was inferred rather
than written, a weekday that names another day, a zone label out of its season.

A wrong time is worse than a missing one. When the extractor completes what an entry leaves
out (the year from the document's date, the day from the entry before), the instant can be
right and still deserves a second look; these findings say what was inferred and from what.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from zoneinfo import ZoneInfo

from retroline.model import (
    EVIDENCE_EVENTS,
    DateSource,
    Event,
    Finding,
    Incident,
    Severity,
    ZoneSource,
)
from retroline.when import find_times, parse_zone

_WRITTEN = {DateSource.ENTRY, DateSource.HEADING, DateSource.TABLE, DateSource.CORRECTION}
_FROM = {
    DateSource.DOCUMENT: "the document's own date",
    DateSource.FILE_NAME: "the file name",
    DateSource.URL: "the page's address",
    DateSource.ORDER: "the entries before",
    DateSource.WEEKDAY: "the weekday written with it",
    DateSource.HEADING: "the heading above",
    DateSource.TABLE: "the table",
    DateSource.ENTRY: "the entry",
    DateSource.CORRECTION: "the document's correction",
}
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEKDAY = re.compile(r"(?i:mon|tue|wed|thu|fri|sat|sun)")


def origin_of(event: Event) -> str:
    """Where an entry's day and year came from, in a few words, when not from its own words:
    "day from the heading, year from the page's address"; empty when both are written."""
    parts = []
    if event.date_source is not None and event.date_source is not DateSource.ENTRY:
        parts.append(f"day from {_FROM[event.date_source]}")
    if (
        event.year_source is not None
        and event.year_source is not DateSource.ENTRY
        and event.year_source is not event.date_source
    ):
        parts.append(f"year from {_FROM[event.year_source]}")
    return ", ".join(parts)


def _lines(events: list[Event]) -> str:
    numbers = list(dict.fromkeys(str(e.source.line) for e in events if e.source.line))
    shown = ", ".join(numbers[:6]) + (" ..." if len(numbers) > 6 else "")
    return f" (line{'s' if len(numbers) > 1 else ''} {shown})" if numbers else ""


def _by_origin(events: list[Event], key: str) -> dict[DateSource, list[Event]]:
    grouped: dict[DateSource, list[Event]] = defaultdict(list)
    for event in events:
        source = getattr(event, key)
        if source is not None:
            grouped[source].append(event)
    return grouped


def day_inferred(incident: Incident) -> list[Finding]:
    """Timed entries whose day was not written with them, above them or in their table."""
    timed = [
        e
        for e in incident.events
        if e.at is not None and e.kind not in EVIDENCE_EVENTS and e.date_source not in _WRITTEN
    ]
    found = []
    for origin, events in _by_origin(timed, "date_source").items():
        days = sorted({e.date for e in events if e.date})
        shown = ", ".join(d.isoformat() for d in days[:3]) + (" ..." if len(days) > 3 else "")
        how = (
            f"the day of the entry before, or the next one where the clock goes back ({shown})"
            if origin is DateSource.ORDER
            else f"placed on {shown}"
        )
        found.append(
            Finding(
                code="date-inferred",
                severity=Severity.INFO if origin is DateSource.ORDER else Severity.WARNING,
                message=(
                    f"{_count(events)} {'does' if len(events) == 1 else 'do'} not write the "
                    f"day; it was taken from {_FROM[origin]}: {how}{_lines(events)}"
                ),
                source=events[0].source,
            )
        )
    return found


def zone_from_context(incident: Incident) -> list[Finding]:
    """Times read in a zone written with other times of the document, not with them."""
    found = []
    taken = [e for e in incident.events if e.zone_source is ZoneSource.CONTEXT and e.at]
    for zone in sorted({e.zone or "" for e in taken}):
        events = [e for e in taken if e.zone == zone]
        found.append(
            Finding(
                code="zone-from-context",
                severity=Severity.INFO,
                message=(
                    f"{_count(events)} write no zone; they were read in {zone}, the zone the "
                    f"document writes with the times around them{_lines(events)}"
                ),
                source=events[0].source,
            )
        )
    return found


def _count(events: list[Event]) -> str:
    return f"{len(events)} entr{'y' if len(events) == 1 else 'ies'}"


def year_inferred(incident: Incident) -> list[Finding]:
    """Entries whose year is written nowhere near them: taken from the document's date, its
    file name or address, the entries before them or the weekday."""
    dated = [
        e
        for e in incident.events
        if e.date is not None and e.kind not in EVIDENCE_EVENTS and e.year_source not in _WRITTEN
    ]
    found = []
    for origin, events in _by_origin(dated, "year_source").items():
        years = sorted({e.date.year for e in events if e.date})
        found.append(
            Finding(
                code="year-inferred",
                severity=Severity.INFO,
                message=(
                    f"{_count(events)} {'writes' if len(events) == 1 else 'write'} no year; "
                    f"{', '.join(map(str, years))} was taken from {_FROM[origin]}{_lines(events)}"
                ),
                source=events[0].source,
            )
        )
    return found


def date_corrected(incident: Incident) -> list[Finding]:
    """Entries moved to the date the document says is the right one."""
    moved = [e for e in incident.events if e.date_source is DateSource.CORRECTION]
    if not moved:
        return []
    written = sorted(
        {
            f"{m.year:04d}-{m.month:02d}-{m.day:02d}"
            for e in moved
            for m in find_times(e.time_text)
            if m.year and m.month and m.day
        }
    )
    right = sorted({e.date.isoformat() for e in moved if e.date})
    return [
        Finding(
            code="date-corrected",
            severity=Severity.WARNING,
            message=(
                f"{_count(moved)} write {', '.join(written) or 'a date'}, which the document "
                f"corrects to {', '.join(right)}; they were placed on the corrected date"
                f"{_lines(moved)}"
            ),
            source=moved[0].source,
        )
    ]


def weekday_mismatch(incident: Incident) -> list[Finding]:
    """A weekday written with a date that falls on another day ("Monday 12 March 2024")."""
    found = []
    for event in incident.events:
        if event.date is None or not _WEEKDAY.search(event.time_text):
            continue
        for match in find_times(event.time_text):
            if match.weekday is None or match.day is None or match.month is None:
                continue
            if (match.month, match.day) != (event.date.month, event.date.day):
                continue
            if event.date.weekday() != match.weekday:
                found.append(
                    Finding(
                        code="weekday-mismatch",
                        severity=Severity.WARNING,
                        message=(
                            f"{event.time_text!r} says {_WEEKDAYS[match.weekday]}, but "
                            f"{event.date:%d %B %Y} is a {_WEEKDAYS[event.date.weekday()]}; "
                            "the date was kept as written"
                        ),
                        source=event.source,
                    )
                )
            break
    return found


def zone_out_of_season(incident: Incident) -> list[Finding]:
    """A zone label its region was not using at the time ("CET" in June, "EST" in April):
    the times were read as written, and the other reading is an hour away."""
    seen: set[str] = set()
    found = []
    for event in incident.events:
        if event.at is None or not event.zone or event.zone.upper() in seen:
            continue
        zone = parse_zone(event.zone)
        if zone is None or zone.ambiguous:
            continue
        meaning = zone.meaning
        if meaning.offset is None or meaning.region is None or zone.label.upper() == "GMT":
            continue
        actual = event.at.astimezone(ZoneInfo(meaning.region)).utcoffset()
        if actual is None or actual == meaning.offset:
            continue
        seen.add(event.zone.upper())
        found.append(
            Finding(
                code="zone-out-of-season",
                severity=Severity.WARNING,
                message=(
                    f"{event.zone} is UTC{_hours(meaning.offset)}, but {meaning.region} was on "
                    f"UTC{_hours(actual)} on {event.at:%Y-%m-%d}; the times were read as "
                    f"written ({event.zone}), the region's clock would put them "
                    f"{_hours(meaning.offset - actual, signed=False)} h "
                    f"{'earlier' if actual > meaning.offset else 'later'} in UTC"
                ),
                source=event.source,
            )
        )
    return found


def _hours(offset: dt.timedelta, *, signed: bool = True) -> str:
    hours = offset.total_seconds() / 3600
    return f"{hours:+g}" if signed else f"{abs(hours):g}"
