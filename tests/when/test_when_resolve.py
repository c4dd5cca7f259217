"""resolve(): years, dates, zones and midnight, against the seeds' labels and more."""

from __future__ import annotations

import datetime as dt

import pytest

from retroline.errors import UsageError
from retroline.model import Precision, ZoneSource
from retroline.when import find_times, infer_year, resolve, resolve_sequence
from retroline.when.statements import defined_zone

PERFSONAR = dt.date(2016, 9, 23)
CERN = dt.date(2014, 10, 21)
BLOG = dt.datetime(2008, 8, 8, 17, 57)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def first(line: str):
    return find_times(line)[0]


@pytest.mark.parametrize(
    ("line", "kwargs", "at", "source"),
    [
        # perfsonar-rca-rendered.txt: CEST written on every entry
        ("8 Sep 17:56 CEST After Edgar", {}, "2016-09-08T15:56Z", ZoneSource.EXPLICIT),
        ("8 Sep 23:45 CEST CERN stops", {}, "2016-09-08T21:45Z", ZoneSource.EXPLICIT),
        ("12 Sep 10:00 CEST Marian", {}, "2016-09-12T08:00Z", ZoneSource.EXPLICIT),
        # ... its syslog lines, under "(times are UTC; CEST = UTC + 2)"
        (
            "Sep 12 18:38:21 psds0 stompclt",
            {"doc_zone": "UTC"},
            "2016-09-12T18:38:21Z",
            ZoneSource.DOCUMENT,
        ),
        ("# 2016/09/08-20:31:48 stompclt", {}, "2016-09-08T20:31:48Z", ZoneSource.ASSUMED),
        # cern-dbod-voms.txt, read with --tz Europe/Zurich
        (
            "18-Oct-14 05:54 - Virtual",
            {"option_tz": "Europe/Zurich"},
            "2014-10-18T03:54Z",
            ZoneSource.OPTION,
        ),
        (
            "20-Oct-14 09:00 - Re-check",
            {"option_tz": "Europe/Zurich"},
            "2014-10-20T07:00Z",
            ZoneSource.OPTION,
        ),
        (
            "[2014-10-18 05:54:52 4572] WARNING",
            {"option_tz": "Europe/Zurich"},
            "2014-10-18T03:54:52Z",
            ZoneSource.OPTION,
        ),
        # explicit beats document beats option
        (
            "13:00 UTC",
            {"doc_zone": "PDT", "option_tz": "Europe/Zurich"},
            "2016-09-23T13:00Z",
            ZoneSource.EXPLICIT,
        ),
        (
            "13:00",
            {"doc_zone": "PDT", "option_tz": "Europe/Zurich"},
            "2016-09-23T20:00Z",
            ZoneSource.DOCUMENT,
        ),
        ("13:00", {"doc_zone": "Pacific"}, "2016-09-23T20:00Z", ZoneSource.DOCUMENT),
        ("1 Feb 13:00", {"doc_zone": "Pacific"}, "2016-02-01T21:00Z", ZoneSource.DOCUMENT),
        ("2016-09-08T17:56:00+02:00", {}, "2016-09-08T15:56Z", ZoneSource.EXPLICIT),
        ("2016-09-08T15:56:00Z", {}, "2016-09-08T15:56Z", ZoneSource.EXPLICIT),
        ("7 Jul 14:00 PST (UTC-7)", {}, "2016-07-07T21:00Z", ZoneSource.EXPLICIT),
        ("7 Jul 14:00 PST", {}, "2016-07-07T22:00Z", ZoneSource.EXPLICIT),
        ("7 Jul 14:00 GMT+2", {}, "2016-07-07T12:00Z", ZoneSource.EXPLICIT),
        ("7 Jul 14:00 +0530", {}, "2016-07-07T08:30Z", ZoneSource.EXPLICIT),
        ("7 Jul 2:54 PM PDT", {}, "2016-07-07T21:54Z", ZoneSource.EXPLICIT),
        (
            "7 Jul 14:00 CST",
            {"option_tz": "Asia/Shanghai"},
            "2016-07-07T06:00Z",
            ZoneSource.EXPLICIT,
        ),
        # a daylight-saving change inside the document, for a region zone
        ("27 Mar 01:30", {"option_tz": "Europe/Zurich"}, "2016-03-27T00:30Z", ZoneSource.OPTION),
        ("27 Mar 03:30", {"option_tz": "Europe/Zurich"}, "2016-03-27T01:30Z", ZoneSource.OPTION),
    ],
)
def test_resolve_instant(line, kwargs, at, source):
    result = resolve(
        first(line),
        reference_date=PERFSONAR if "Oct-14" not in line and "2014" not in line else CERN,
        **kwargs,
    )
    assert result.at == utc(at)
    assert result.zone_source is source


def test_assumed_zone_is_reported():
    result = resolve(first("18-Oct-14 05:54 - Virtual"), reference_date=CERN)
    assert result.at == utc("2014-10-18T05:54Z")
    assert (result.zone, result.zone_source) == ("UTC", ZoneSource.ASSUMED)


def test_date_only_entries_have_a_date_and_no_instant():
    result = resolve(first("4 Jul Marian B discovered a bug"), reference_date=PERFSONAR)
    assert result.at is None
    assert result.date == dt.date(2016, 7, 4)
    assert result.precision is Precision.DAY
    assert result.zone_source is None


def test_month_precision():
    result = resolve(first("enabled in May 2017"), reference_date=dt.date(2018, 4, 3))
    assert (result.date, result.precision) == (dt.date(2017, 5, 1), Precision.MONTH)


@pytest.mark.parametrize(
    ("month", "day", "reference", "year"),
    [
        (9, 8, dt.date(2016, 9, 23), 2016),
        (12, 28, dt.date(2017, 1, 5), 2016),  # New Year rollover
        (1, 3, dt.date(2016, 12, 20), 2017),  # a follow-up due soon after the document
        (7, 4, dt.date(2016, 9, 23), 2016),
        (11, 15, dt.date(2016, 9, 23), 2016),  # within the grace after the document
        (12, 30, dt.date(2016, 9, 23), 2015),  # beyond it: last year
        (2, 29, dt.date(2017, 3, 1), 2016),
    ],
)
def test_infer_year(month, day, reference, year):
    assert infer_year(month, day, reference) == year


def test_weekday_chooses_the_year():
    # CERN: "Saturday 18th October" in a document of 2014; 18 Oct 2014 was a Saturday.
    assert infer_year(10, 18, dt.date(2015, 1, 10), weekday=5) == 2014
    result = resolve(first("on Saturday 18th October"), reference_date=dt.date(2015, 1, 10))
    assert result.date == dt.date(2014, 10, 18)


def test_weekday_that_contradicts_the_date_is_noted():
    result = resolve(first("Sunday 18 October 2014"), reference_date=CERN)
    assert "weekday does not match the date" in result.notes


def test_two_digit_year_uses_the_document_century():
    assert resolve(first("18-Oct-14 05:54"), reference_date=CERN).date == dt.date(2014, 10, 18)
    assert resolve(first("18-Oct-99 05:54")).date == dt.date(1999, 10, 18)


def test_stated_window_range():
    line = "unavailable on Saturday 18th October from 05:54 to 17:10."
    result = resolve(first(line), reference_date=CERN, option_tz="Europe/Zurich")
    assert result.at == utc("2014-10-18T03:54Z")
    assert result.end_at == utc("2014-10-18T15:10Z")


def test_range_over_midnight():
    result = resolve(first("23:50 - 00:10 UTC"), default_date=dt.date(2016, 9, 8))
    assert result.end_at == utc("2016-09-09T00:10Z")


def test_time_alone_takes_the_date_above_it():
    result = resolve(first("### 16:22"), default_date=dt.date(2016, 9, 8), doc_zone="UTC")
    assert result.at == utc("2016-09-08T16:22Z")
    assert result.date == dt.date(2016, 9, 8)


def test_sequence_crosses_midnight():
    lines = ["8 Sep", "22:00", "23:50", "00:10", "01:00", "00:55", "9 Sep 10:00", "11:00"]
    results = resolve_sequence([first(x) for x in lines], reference_date=PERFSONAR)
    ats = [r.at.strftime("%d %H:%M") if r and r.at else None for r in results]
    # 00:55 after 01:00 is out of order, not another day: a check reports it.
    assert ats == [
        None,
        "08 22:00",
        "08 23:50",
        "09 00:10",
        "09 01:00",
        "09 00:55",
        "09 10:00",
        "09 11:00",
    ]
    assert "crossed midnight after the previous entry" in results[3].notes


def test_sequence_passes_none_through():
    results = resolve_sequence(
        [first("8 Sep 10:00"), None, first("11:00")], reference_date=PERFSONAR
    )
    assert results[1] is None
    assert results[2] is not None and results[2].at == utc("2016-09-08T11:00Z")


def test_season_contradiction_is_noted_and_the_label_kept():
    result = resolve(first("7 Jul 14:00 PST"), reference_date=PERFSONAR)
    assert any("PST" in note and "America/Los_Angeles" in note for note in result.notes)


def test_ambiguous_zone_is_flagged():
    result = resolve(first("7 Jul 14:00 IST"), reference_date=PERFSONAR)
    assert result.ambiguous_zone
    assert result.at == utc("2016-07-07T08:30Z")


def test_zone_defined_by_the_document():
    zone = defined_zone("CEST", dt.timedelta(hours=2))
    result = resolve(first("12 Sep 21:31"), reference_date=PERFSONAR, doc_zone=zone)
    assert result.at == utc("2016-09-12T19:31Z")


@pytest.mark.parametrize(
    ("text", "reference", "day_month"),
    [
        ("03/04/2016", dt.date(2016, 4, 10), (3, 4)),  # 3 April is nearer than 4 March
        ("03/04/2016", dt.date(2016, 3, 10), (4, 3)),
    ],
)
def test_ambiguous_numeric_date_by_document_date(text, reference, day_month):
    result = resolve(first(text), reference_date=reference)
    assert result.date is not None
    assert (result.date.day, result.date.month) == day_month


def test_hinted_numeric_date_is_kept():
    match = find_times("03/04/2016", day_first=True)[0]
    assert resolve(match, reference_date=dt.date(2016, 3, 10)).date == dt.date(2016, 4, 3)


@pytest.mark.parametrize("bad", ["Mars/Olympus", "CESTX", "+99"])
def test_unknown_option_zone_is_a_usage_error(bad):
    with pytest.raises(UsageError, match="zone"):
        resolve(first("10:00"), option_tz=bad)


def test_unknown_document_zone_is_a_usage_error():
    with pytest.raises(UsageError, match="unknown time zone"):
        resolve(first("10:00"), doc_zone="Nowhere")


def test_no_reference_and_no_year_leaves_the_date_open():
    result = resolve(first("8 Sep 17:56 CEST"))
    assert (result.at, result.date) == (None, None)
