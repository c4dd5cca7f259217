"""find_times: which words are a time, what they say, and what is not a time."""

from __future__ import annotations

import pytest

from retroline.model import Precision
from retroline.when import find_times, parse_time

# (line, matched text, (year, month, day, hour, minute, second), zone, precision)
RECOGNISED = [
    # perfsonar-rca-rendered.txt
    (
        "• 8 Sep 17:56 CEST After Edgar suggests",
        "8 Sep 17:56 CEST",
        (None, 9, 8, 17, 56, None),
        "CEST",
        Precision.MINUTE,
    ),
    (
        "• 23 Aug Normal Maintenance window update",
        "23 Aug",
        (None, 8, 23, None, None, None),
        None,
        Precision.DAY,
    ),
    (
        "• # 2016/09/08-20:31:48 stompclt[47740]: main lingering",
        "2016/09/08-20:31:48",
        (2016, 9, 8, 20, 31, 48),
        None,
        Precision.SECOND,
    ),
    (
        "• Sep 12 18:38:21 psds0 stompclt[2911029]: [ERROR]",
        "Sep 12 18:38:21",
        (None, 9, 12, 18, 38, 21),
        None,
        Precision.SECOND,
    ),
    (
        "After the 23-Aug-2016 Maintenance Window",
        "23-Aug-2016",
        (2016, 8, 23, None, None, None),
        None,
        Precision.DAY,
    ),
    ("-- RobQ - 13 Sep 2016", "13 Sep 2016", (2016, 9, 13, None, None, None), None, Precision.DAY),
    # cern-dbod-voms.txt
    (
        "• 18-Oct-14 05:54 - Virtual machine dbvrtg4037",
        "18-Oct-14 05:54",
        (14, 10, 18, 5, 54, None),
        None,
        Precision.MINUTE,
    ),
    (
        "[2014-10-18 05:54:52 4572] WARNING (image:490)",
        "2014-10-18 05:54:52",
        (2014, 10, 18, 5, 54, 52),
        None,
        Precision.SECOND,
    ),
    (
        "restarted about 5 seconds later at 05:54:58:",
        "05:54:58",
        (None, None, None, 5, 54, 58),
        None,
        Precision.SECOND,
    ),
    (
        "-- EvaDafonte - 21 Oct 2014",
        "21 Oct 2014",
        (2014, 10, 21, None, None, None),
        None,
        Precision.DAY,
    ),
    (
        "Topic revision: r5 - 2014-10-22 - EvaDafonte",
        "2014-10-22",
        (2014, 10, 22, None, None, None),
        None,
        Precision.DAY,
    ),
    # hangcheck-tcp-sockets-blog.txt and hiveeyes-kotori-mqtt.txt
    (
        "17:57 Friday, August 08 2008",
        "17:57 Friday, August 08 2008",
        (2008, 8, 8, 17, 57, None),
        None,
        Precision.MINUTE,
    ),
    (
        "enabled on our platform in May 2017.",
        "May 2017",
        (2017, 5, None, None, None, None),
        None,
        Precision.MONTH,
    ),
    (
        "Post-mortem about system outage on 2018-04-03",
        "2018-04-03",
        (2018, 4, 3, None, None, None),
        None,
        Precision.DAY,
    ),
    # ISO 8601
    (
        "at 2016-09-08T15:56:00Z the",
        "2016-09-08T15:56:00Z",
        (2016, 9, 8, 15, 56, 0),
        "Z",
        Precision.SECOND,
    ),
    (
        "2016-09-08 15:56 deploy",
        "2016-09-08 15:56",
        (2016, 9, 8, 15, 56, None),
        None,
        Precision.MINUTE,
    ),
    (
        "2016-09-08T17:56:00+02:00 x",
        "2016-09-08T17:56:00+02:00",
        (2016, 9, 8, 17, 56, 0),
        "+02:00",
        Precision.SECOND,
    ),
    (
        "2016-09-08T17:56:00.250-0700 x",
        "2016-09-08T17:56:00.250-0700",
        (2016, 9, 8, 17, 56, 0),
        "-0700",
        Precision.SECOND,
    ),
    (
        "2016-09-08T17:56+05:30",
        "2016-09-08T17:56+05:30",
        (2016, 9, 8, 17, 56, None),
        "+05:30",
        Precision.MINUTE,
    ),
    # Markdown and chat forms
    ("[13:26] alice: restarted", "13:26", (None, None, None, 13, 26, None), None, Precision.MINUTE),
    ("### 16:22", "16:22", (None, None, None, 16, 22, None), None, Precision.MINUTE),
    ("**00:27 UTC:** paged", "00:27 UTC", (None, None, None, 0, 27, None), "UTC", Precision.MINUTE),
    (
        "At 2:54 PM PST the pager fired",
        "2:54 PM PST",
        (None, None, None, 14, 54, None),
        "PST",
        Precision.MINUTE,
    ),
    ("4:05 PM: rollback", "4:05 PM", (None, None, None, 16, 5, None), None, Precision.MINUTE),
    ("12:10 a.m. alarm", "12:10 a.m.", (None, None, None, 0, 10, None), None, Precision.MINUTE),
    ("at 0930h we met", "0930h", (None, None, None, 9, 30, None), None, Precision.MINUTE),
    ("at 1530Z the", "1530Z", (None, None, None, 15, 30, None), "Z", Precision.MINUTE),
    ("at 17h05 le", "17h05", (None, None, None, 17, 5, None), None, Precision.MINUTE),
    (
        "call at 10:00 (UTC-7)",
        "10:00 (UTC-7)",
        (None, None, None, 10, 0, None),
        "UTC-7",
        Precision.MINUTE,
    ),
    (
        "10:00 PST (UTC-7) rollout",
        "10:00 PST (UTC-7)",
        (None, None, None, 10, 0, None),
        "PST (UTC-7)",
        Precision.MINUTE,
    ),
    (
        "11:00 GMT+2 meeting",
        "11:00 GMT+2",
        (None, None, None, 11, 0, None),
        "GMT+2",
        Precision.MINUTE,
    ),
    (
        "12:00 Europe/Zurich start",
        "12:00 Europe/Zurich",
        (None, None, None, 12, 0, None),
        "Europe/Zurich",
        Precision.MINUTE,
    ),
    (
        "15:56:00 +0200 syslog",
        "15:56:00 +0200",
        (None, None, None, 15, 56, 0),
        "+0200",
        Precision.SECOND,
    ),
    (
        "09:15 Pacific Time",
        "09:15 Pacific Time",
        (None, None, None, 9, 15, None),
        "Pacific Time",
        Precision.MINUTE,
    ),
    # Dates in words
    (
        "on Saturday 18th October the",
        "Saturday 18th October",
        (None, 10, 18, None, None, None),
        None,
        Precision.DAY,
    ),
    (
        "September 12th, 2016 was",
        "September 12th, 2016",
        (2016, 9, 12, None, None, None),
        None,
        Precision.DAY,
    ),
    ("Sep. 12 2016 was", "Sep. 12 2016", (2016, 9, 12, None, None, None), None, Precision.DAY),
    (
        "the 4th of July 2016 was",
        "4th of July 2016",
        (2016, 7, 4, None, None, None),
        None,
        Precision.DAY,
    ),
    ("it is 31/12/2016 here", "31/12/2016", (2016, 12, 31, None, None, None), None, Precision.DAY),
    ("it is 12/31/2016 here", "12/31/2016", (2016, 12, 31, None, None, None), None, Precision.DAY),
    ("14:00 on 23 Aug", "14:00 on 23 Aug", (None, 8, 23, 14, 0, None), None, Precision.MINUTE),
    ("23 Aug at 14:00", "23 Aug at 14:00", (None, 8, 23, 14, 0, None), None, Precision.MINUTE),
]


RECOGNISED += [
    # tables, Markdown emphasis, e-mail headers
    (
        "| 2016-09-08 | 15:56 | restart |",
        "2016-09-08 | 15:56",
        (2016, 9, 8, 15, 56, None),
        None,
        Precision.MINUTE,
    ),
    (
        "| 8 Sep | 17:56 CEST | event |",
        "8 Sep | 17:56 CEST",
        (None, 9, 8, 17, 56, None),
        "CEST",
        Precision.MINUTE,
    ),
    (
        "Date: Mon, 12 Sep 2016 18:38:21 +0200",
        "Mon, 12 Sep 2016 18:38:21 +0200",
        (2016, 9, 12, 18, 38, 21),
        "+0200",
        Precision.SECOND,
    ),
    (
        "Sept 12, 2016 at 4:05 PM EDT",
        "Sept 12, 2016 at 4:05 PM EDT",
        (2016, 9, 12, 16, 5, None),
        "EDT",
        Precision.MINUTE,
    ),
]


@pytest.mark.parametrize(("line", "text", "parts", "zone", "precision"), RECOGNISED)
def test_recognises(line, text, parts, zone, precision):
    matches = find_times(line)
    assert [m.text for m in matches] == [text]
    match = matches[0]
    assert line[match.start : match.end] == text
    got = (match.year, match.month, match.day, match.hour, match.minute, match.second)
    assert got == parts
    assert match.zone == zone
    assert match.precision is precision


def test_german_date_with_dots_is_day_first():
    match = find_times("am 18.10.2014 um 05:54")[0]
    assert (match.year, match.month, match.day) == (2014, 10, 18)


@pytest.mark.parametrize(
    ("line", "start", "end", "zone"),
    [
        ("8:20 - 8:24", (8, 20), (8, 24), None),
        ("8:20-8:24 UTC", (8, 20), (8, 24), "UTC"),
        ("08:20-08:24", (8, 20), (8, 24), None),
        ("from 05:54 to 17:10.", (5, 54), (17, 10), None),
        ("between 23:50 and 00:10 nothing", (23, 50), (0, 10), None),
        ("10:00\u201310:45 CEST", (10, 0), (10, 45), "CEST"),
    ],
)
def test_ranges(line, start, end, zone):
    (match,) = find_times(line)
    assert match.is_range
    assert (match.hour, match.minute) == start
    assert match.range_end is not None
    assert (match.range_end.hour, match.range_end.minute) == end
    assert match.zone == zone


def test_range_with_its_date():
    text = "The DBoD VOMS database was unavailable on Saturday 18th October from 05:54 to 17:10."
    (match,) = find_times(text)
    assert match.text == "Saturday 18th October from 05:54 to 17:10"
    assert (match.month, match.day, match.hour, match.weekday) == (10, 18, 5, 5)


def test_and_between_two_times_is_not_a_range_without_between():
    matches = find_times("restarted at 10:00 and 11:00")
    assert [m.is_range for m in matches] == [False, False]


@pytest.mark.parametrize(
    "line",
    [
        "kernel 2.6.32 and psql 9.4.6 vs 9.4.8",
        "ssh to 10.0.0.1:22 and 192.168.1.10",
        "Service restarted and normal operations for ~4 hours",
        "processed 31731 messages in 1636.728 seconds (0.019 k msg/sec)",
        "throughput is around 0.140 MB/second",
        "memory updated from 12G to 16G",
        "SOFTWARE-2385 is closed; ticket #30823",
        "call +1 555-123-4567 or 0044 20 7946 0958",
        "buffer (13469824136 bytes)!",
        "the run took 1:30 hours",
        "MAC 00:1a:2b:3c:4d:5e and 00:11:22:33:44:55",
        "IPv6 fe80::1:22 and 2001:db8::8a2e:370:7334",
        "Kotori 0.20.0 and release 0.21.1",
        "aspect ratio 16:9",
        "it may 2 be",
        "we march 3 abreast",
        "sum 12-13-2016x and 99/99/2016",
        "Screen_Shot_2016-09-14_at_8.59.55_AM.png",
        "score 2014-99-99",
        "All times are approximate",
        "the 25:61 mark",
    ],
)
def test_not_times(line):
    assert find_times(line) == []


def test_sentence_period_is_not_part_of_the_time():
    assert [m.text for m in find_times("until the reboot of 23 Aug.")] == ["23 Aug"]
    assert [m.text for m in find_times("killed it just after 6:30AM.")] == ["just after 6:30AM"]


def test_several_times_in_one_line():
    line = "Some change made between 10 Sep and 12 Sep altered it; the 12 Sep reboot"
    texts = [m.text for m in find_times(line)]
    assert texts == ["10 Sep and 12 Sep", "12 Sep"]


@pytest.mark.parametrize(
    ("text", "hint", "day_month"),
    [
        ("03/04/2016", None, (4, 3)),  # slashes: month first by default
        ("03/04/2016", True, (3, 4)),
        ("03.04.2016", None, (3, 4)),  # dots: day first
        ("03-04-2016", False, (4, 3)),
        ("25/04/2016", False, (25, 4)),  # unambiguous whatever the hint
    ],
)
def test_day_first(text, hint, day_month):
    match = parse_time(text, day_first=hint)
    assert match is not None
    assert (match.day, match.month) == day_month


def test_parse_time_needs_the_whole_text():
    assert parse_time("  13 Sep 2016 ") is not None
    assert parse_time("on 13 Sep 2016") is None
    assert parse_time("") is None
