"""Forms of dates, times and zones that real timelines write: ordinal dots, slashes between
date and time, month-day stamps, zones before the time, zone pairs, spans from the entry
before, and where each resolved date and year came from."""

from __future__ import annotations

import datetime as dt

import pytest

from retroline.model import DateSource, Precision
from retroline.when import DayContext, find_times, find_zone_statements, parse_zone, resolve


def only(line: str):
    matches = find_times(line)
    assert len(matches) == 1, [m.text for m in matches]
    return matches[0]


@pytest.mark.parametrize(
    ("line", "text", "parts"),
    [
        ("### 19. April, 11:00", "19. April, 11:00", (None, 4, 19, 11, 0)),
        ("*2023-01-04/11:34*: Wire was informed", "2023-01-04/11:34", (2023, 1, 4, 11, 34)),
        ("- [03-26 17:40] node upgrade starts", "03-26 17:40", (None, 3, 26, 17, 40)),
        ("- [26-03 17:40] day first when it must be", "26-03 17:40", (None, 3, 26, 17, 40)),
        ("April 22: Network work (13:00EST): text", "April 22", (None, 4, 22, None, None)),
        (
            "Resolved May 28, 2024 at 02:23pm UTC",
            "May 28, 2024 at 02:23pm UTC",
            (2024, 5, 28, 14, 23),
        ),
    ],
)
def test_forms(line, text, parts):
    match = find_times(line)[0]
    assert match.text == text
    assert (match.year, match.month, match.day, match.hour, match.minute) == parts


@pytest.mark.parametrize(
    "line",
    [
        "3. May we ask everyone to update",  # a numbered sentence, not the 3rd of May
        "version 10-12 of the chart",  # a month-day needs a clock time after it
        "we lost 11 months ago",  # a span counted from the reader's day: no time of the story
    ],
)
def test_not_times(line):
    assert find_times(line) == []


def test_zone_written_before_the_time():
    match = find_times("outages beginning from UTC 05:13, then (UTC 05:29)")[0]
    assert (match.text, match.zone) == ("UTC 05:13", "UTC")


def test_weekday_beside_an_iso_date_is_one_expression():
    match = only("On Tuesday, 2023-01-04, the site went down")
    assert match.text == "Tuesday, 2023-01-04"
    assert match.weekday == 1 and match.relative is None
    notes = resolve(match).notes
    assert "weekday does not match the date" in notes  # 2023-01-04 was a Wednesday


@pytest.mark.parametrize(
    ("text", "label", "region"),
    [
        ("Timeline (all times in PST/PDT)", "PST/PDT", "America/Los_Angeles"),
        ("All times are CET/CEST.", "CET/CEST", "Europe/Paris"),
        ("all times are mountain time", "mountain time", "America/Denver"),
        ("Times below are in US/Eastern", "US/Eastern", "US/Eastern"),
        ("everything below is in mountain time, copied", "mountain time", "America/Denver"),
    ],
)
def test_local_time_statements(text, label, region):
    (statement,) = find_zone_statements(text)
    assert statement.zone is not None
    assert statement.zone.label == label
    assert statement.zone.meaning.offset is None and statement.zone.meaning.region == region


def test_a_zone_pair_follows_daylight_saving():
    zone = parse_zone("PST/PDT")
    assert zone is not None
    match = only("16:27")
    before = resolve(match, default_date=dt.date(2016, 11, 2), doc_zone=zone)
    after = resolve(match, default_date=dt.date(2016, 11, 7), doc_zone=zone)
    assert before.at == dt.datetime(2016, 11, 2, 23, 27, tzinfo=dt.UTC)  # PDT, UTC-7
    assert after.at == dt.datetime(2016, 11, 8, 0, 27, tzinfo=dt.UTC)  # PST, UTC-8


def test_unrelated_labels_make_no_pair():
    assert parse_zone("PST/CET") is None


@pytest.mark.parametrize(
    ("line", "minutes", "precision"),
    [
        ("10 minutes later the cache recovered", 10, Precision.MINUTE),
        ("An hour after that, traffic was back", 60, Precision.MINUTE),
        ("A few minutes later it failed again", 3, Precision.APPROXIMATE),
        ("Twenty minutes earlier a deploy had started", -20, Precision.MINUTE),
    ],
)
def test_spans_count_from_the_entry_before(line, minutes, precision):
    before = resolve(only("2024-05-02 14:00 UTC"))
    span = only(line)
    assert span.is_offset and span.precision is precision
    result = resolve(span, previous=before)
    assert before.at is not None
    assert result.at == before.at + dt.timedelta(minutes=minutes)
    assert result.date_source is DateSource.ORDER


def test_a_span_without_an_entry_before_is_not_placed():
    assert resolve(only("10 minutes later it recovered")).at is None


def test_a_clock_after_a_span_wins():
    assert [m.text for m in find_times("restarted about 5 seconds later at 05:54:58")] == [
        "05:54:58"
    ]


def test_where_the_day_and_year_came_from():
    written = resolve(only("2024-03-12 10:00 UTC"))
    assert (written.date_source, written.year_source) == (DateSource.ENTRY, DateSource.ENTRY)
    under = resolve(
        only("10:00"),
        default_date=DayContext(dt.date(2024, 3, 12), DateSource.HEADING, DateSource.DOCUMENT),
    )
    assert (under.date_source, under.year_source) == (DateSource.HEADING, DateSource.DOCUMENT)
    yearless = resolve(only("12 March 10:00"), reference_date=dt.date(2024, 4, 1))
    assert yearless.date == dt.date(2024, 3, 12)
    assert (yearless.date_source, yearless.year_source) == (DateSource.ENTRY, DateSource.DOCUMENT)
    alone = resolve(
        only("10:00"), reference_date=dt.date(2024, 4, 1), reference_source=DateSource.URL
    )
    assert (alone.date_source, alone.year_source) == (DateSource.URL, DateSource.URL)


def test_the_weekday_settles_a_missing_year():
    # 12 March fell on a Tuesday in 2024, a Sunday in 2023 and a Wednesday in 2025.
    result = resolve(only("Sunday, 12 March at 10:00"), reference_date=dt.date(2024, 4, 1))
    assert result.date == dt.date(2023, 3, 12)
    assert result.year_source is DateSource.WEEKDAY


@pytest.mark.parametrize(
    ("before", "line", "expected"),
    [
        (dt.date(2018, 12, 5), "03-20 16:46", dt.date(2019, 3, 20)),  # on across New Year
        (dt.date(2020, 1, 2), "Dec 30 23:10", dt.date(2019, 12, 30)),  # newest first
        (dt.date(2019, 12, 31), "Jan 1 00:10", dt.date(2020, 1, 1)),
    ],
)
def test_a_missing_year_follows_the_entry_before(before, line, expected):
    result = resolve(
        only(line),
        reference_date=dt.date(2020, 3, 1),
        year_reference=before,
        year_source=DateSource.ORDER,
    )
    assert result.date == expected
    assert result.year_source is DateSource.ORDER


def test_the_entry_before_cannot_push_a_year_past_the_document():
    result = resolve(
        only("03-20 16:46"),
        reference_date=dt.date(2019, 3, 26),
        year_reference=dt.date(2019, 12, 5),
    )
    assert result.date == dt.date(2019, 3, 20)


@pytest.mark.parametrize(
    ("line", "text", "parts"),
    [
        ("- 8:15a — paging starts", "8:15a", (None, None, None, 8, 15)),
        ("- 4:30p deploy", "4:30p", (None, None, None, 16, 30)),
        ("18:20 h  failover done", "18:20", (None, None, None, 18, 20)),
        ("14.20  scanners stop syncing", "14.20", (None, None, None, 14, 20)),
        ("- Tuesday 3/14", "Tuesday 3/14", (None, 3, 14, None, None)),
        ("Created: 07/Nov/22 3:14 PM", "07/Nov/22 3:14 PM", (22, 11, 7, 15, 14)),
        ("Thu Mar 14 09:12:33 2024 kernel: oops", "Thu Mar 14 09:12:33 2024", (2024, 3, 14, 9, 12)),
    ],
)
def test_short_clocks_and_ticket_dates(line, text, parts):
    match = only(line)
    assert match.text == text
    assert (match.year, match.month, match.day, match.hour, match.minute) == parts


def test_a_dotted_number_with_a_unit_is_no_clock():
    assert find_times("the filesystem reached 14.20 GB") == []


@pytest.mark.parametrize(
    ("line", "minutes"),
    [
        ("Ten minutes later the queue drained", 10),
        ("Ninety minutes after the change, errors fell", 90),
    ],
)
def test_spans_counted_from_the_sentence_before(line, minutes):
    match = find_times(line)[0]
    assert match.relative is not None and match.relative.offset == dt.timedelta(minutes=minutes)


@pytest.mark.parametrize(
    ("sentence", "region"),
    [
        ("All times are my local time (I'm in Denver).", "America/Denver"),
        ("Times below are UK time (BST).", "Europe/London"),
        ("Everything is in Brasília time (BRT).", "America/Sao_Paulo"),
    ],
)
def test_where_the_writer_is_says_the_zone(sentence, region):
    (statement,) = find_zone_statements(sentence)
    assert statement.zone is not None
    assert statement.zone.meanings[0].region == region


def test_being_somewhere_that_is_no_place_says_nothing():
    assert find_zone_statements("I'm in a meeting all day, sorry.") == []
