"""Checks on where each instant came from (analysis/provenance.py), on incidents built here."""

from __future__ import annotations

import datetime as dt

from retroline.analysis.checks import run_checks
from retroline.analysis.provenance import (
    date_corrected,
    day_inferred,
    weekday_mismatch,
    year_inferred,
    zone_from_context,
    zone_out_of_season,
)
from retroline.model import (
    DateSource,
    Event,
    EventKind,
    Incident,
    Precision,
    Severity,
    Source,
    ZoneSource,
)


def event(
    at: str | None,
    *,
    line: int,
    time_text: str = "10:00",
    date: dt.date | None = None,
    zone: str | None = "UTC",
    zone_source: ZoneSource = ZoneSource.EXPLICIT,
    date_source: DateSource | None = DateSource.ENTRY,
    year_source: DateSource | None = DateSource.ENTRY,
    kind: EventKind = EventKind.OTHER,
) -> Event:
    instant = dt.datetime.fromisoformat(at).replace(tzinfo=dt.UTC) if at else None
    return Event(
        at=instant,
        date=date or (instant.date() if instant else None),
        precision=Precision.MINUTE if instant else Precision.DAY,
        time_text=time_text,
        zone=zone if instant else None,
        zone_source=zone_source if instant else None,
        date_source=date_source,
        year_source=year_source,
        text="something happened",
        kind=kind,
        source=Source(path="pm.md", line=line),
    )


def incident(*events: Event) -> Incident:
    return Incident(title="t", events=list(events))


def test_days_taken_from_the_document_or_the_order():
    found = day_inferred(
        incident(
            event("2024-05-02 10:00", line=3, date_source=DateSource.HEADING),
            event("2024-05-02 23:50", line=4, date_source=DateSource.DOCUMENT),
            event("2024-05-03 00:10", line=5, date_source=DateSource.ORDER),
            event("2024-05-03 00:12", line=6, date_source=DateSource.DOCUMENT, kind=EventKind.LOG),
        )
    )
    by_severity = {f.severity: f for f in found}
    assert set(by_severity) == {Severity.WARNING, Severity.INFO}
    assert "document's own date" in by_severity[Severity.WARNING].message
    assert "line 4" in by_severity[Severity.WARNING].message
    assert "entry before" in by_severity[Severity.INFO].message


def test_years_not_written_say_where_they_came_from():
    (found,) = year_inferred(
        incident(
            event("2024-05-02 10:00", line=3, year_source=DateSource.URL),
            event("2024-05-03 10:00", line=7, year_source=DateSource.URL),
            event("2024-05-04 10:00", line=9, year_source=DateSource.HEADING),
        )
    )
    assert "2 entries write no year" in found.message
    assert "the page's address" in found.message and "lines 3, 7" in found.message


def test_nothing_to_say_when_every_date_is_written():
    written = incident(
        event("2024-05-02 10:00", line=3), event(None, line=4, date=dt.date(2024, 5, 1))
    )
    assert day_inferred(written) == [] and year_inferred(written) == []


def test_a_weekday_that_does_not_match():
    (found,) = weekday_mismatch(
        incident(event("2024-03-12 10:00", line=2, time_text="Monday 12 March 2024 10:00"))
    )
    assert "Monday" in found.message and "Tuesday" in found.message
    assert (
        weekday_mismatch(
            incident(event("2024-03-12 10:00", line=2, time_text="Tuesday 12 March 2024 10:00"))
        )
        == []
    )


def test_a_label_out_of_its_season():
    (found,) = zone_out_of_season(
        incident(
            event("2022-06-02 20:00", line=5, zone="CET"),
            event("2022-06-02 21:00", line=6, zone="CET"),
        )
    )
    assert "Europe/Paris was on UTC+2" in found.message and found.source.line == 5
    assert zone_out_of_season(incident(event("2022-01-10 20:00", line=5, zone="CET"))) == []
    assert zone_out_of_season(incident(event("2022-06-02 20:00", line=5, zone="UTC"))) == []


def test_zones_taken_from_the_context():
    (found,) = zone_from_context(
        incident(
            event("2024-02-02 17:00", line=3, zone="PST"),
            event("2024-02-02 17:12", line=4, zone="PST", zone_source=ZoneSource.CONTEXT),
        )
    )
    assert "1 entry" in found.message and "PST" in found.message and "line 4" in found.message


def test_dates_the_document_corrected():
    (found,) = date_corrected(
        incident(
            event(
                "2021-09-09 05:00",
                line=1,
                time_text="05:00 UTC 2021-10-09",
                date_source=DateSource.CORRECTION,
                year_source=DateSource.CORRECTION,
            )
        )
    )
    assert "2021-10-09" in found.message and "2021-09-09" in found.message


def test_the_checks_run_with_the_others():
    codes = {
        f.code
        for f in run_checks(
            incident(
                event("2022-06-02 20:00", line=5, zone="CET", year_source=DateSource.FILE_NAME)
            )
        )
    }
    assert {"zone-out-of-season", "year-inferred"} <= codes
