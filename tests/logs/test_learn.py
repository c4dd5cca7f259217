"""Headers of layouts the catalog does not know, learnt from a sample of a file's lines.

Every fixture here is made up for the test: a prefix of some shape, a timestamp in one of
the forms logs write, and a message."""

from __future__ import annotations

import gzip
import io
import json
import os
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from retroline.errors import RetrolineWarning
from retroline.logs import parallel
from retroline.logs.headers import PATTERNS, detect
from retroline.logs.learn import learn
from retroline.logs.parse import parse_lines
from retroline.logs.run import write_json_lines
from tests.logs.test_jsonl import fast, reference


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


# (name, lines, per line: the UTC instant, or None for a continuation line)
LAYOUTS = [
    (
        "service prefix before an ISO time with nanoseconds",
        [
            "\x1b[2Kapi-1  | 2023-02-11T04:05:06.123456789Z starting server on :80",
            "\x1b[2Kdb-2   | 2023-02-11T04:05:07.5Z ready to accept connections",
            "\x1b[2Kapi-1  | 2023-02-11T04:05:08Z GET /health 200",
        ],
        ["2023-02-11T04:05:06.123456", "2023-02-11T04:05:07.500000", "2023-02-11T04:05:08"],
    ),
    (
        "pid:role, then day and month name without year",
        [
            "812:C 04 Feb 10:11:12.345 # configuration loaded",
            "812:M 04 Feb 10:11:13.001 * ready to accept",
            "        |  a banner line  |",
            "813:S 04 Feb 10:11:14.000 * replica connected",
        ],
        ["2021-02-04T10:11:12.345000", "2021-02-04T10:11:13.001000", None, "2021-02-04T10:11:14"],
    ),
    (
        "a request prefix and a ctime stamp in the middle of the line",
        [
            "[pid: 77|app: 0|req: 1/1] 10.0.0.1 () {10 vars in 200 bytes} "
            "[Tue Feb 14 10:11:12 2017] GET / => generated 10 bytes",
            "[pid: 77|app: 0|req: 2/2] 10.0.0.9 () {12 vars in 210 bytes} "
            "[Tue Feb 14 10:11:13 2017] GET /x => generated 12 bytes",
            "[pid: 78|app: 0|req: 1/3] 10.0.0.2 () {12 vars in 210 bytes} "
            "[Tue Feb 14 10:11:19 2017] POST /y => generated 1 bytes",
        ],
        ["2017-02-14T10:11:12", "2017-02-14T10:11:13", "2017-02-14T10:11:19"],
    ),
    (
        "thread and level before the stamp, colons around it",
        [
            "Worker-1::DEBUG::2019-01-02 03:04:05,678::mod::12::x::(fn) doing",
            "MainThread::ERROR::2019-01-02 03:04:06,000::mod::13::x::(fn) failed",
            "Traceback (most recent call last):",
            '  File "x.py", line 3, in fn',
        ],
        ["2019-01-02T03:04:05.678000", "2019-01-02T03:04:06", None, None],
    ),
    (
        "two-digit year, month and day, hour padded with a blank",
        [
            "991231 23:59:59 [Note] shutdown complete",
            "000101  0:00:01 [Warning] clock moved",
            "000101  0:00:02 [ERROR] cannot open table",
        ],
        ["1999-12-31T23:59:59", "2000-01-01T00:00:01", "2000-01-01T00:00:02"],
    ),
    (
        "a zone name before month and day, in brackets",
        [
            "[UTC Feb 14 10:11:12] error    : cannot connect",
            "[CEST Feb 14 12:11:13] info     : started",
            "[UTC Feb 14 10:11:14] info     : stopped",
        ],
        ["2021-02-14T10:11:12", "2021-02-14T10:11:13", "2021-02-14T10:11:14"],
    ),
    (
        "month name, day, comma, year and a twelve-hour clock, the level on the next line",
        [
            "Mar 07, 2021 4:24:15 PM com.example.Shop open",
            "INFO: shop open on port 8080",
            "Mar 07, 2021 11:59:59 AM com.example.Shop tick",
            "WARNING: slow tick",
            "Mar 07, 2021 12:00:01 AM com.example.Shop close",
            "INFO: shop closed",
        ],
        ["2021-03-07T16:24:15", None, "2021-03-07T11:59:59", None, "2021-03-07T00:00:01", None],
    ),
    (
        "month name, a dash and the day, no year, then a thread in brackets",
        [
            "Jun-03 17:01:04.523 [main] DEBUG app.Launcher - run started",
            "Jun-03 17:01:05.001 [main] INFO  app.Session - session ready",
            "Jun-04 00:00:02.100 [task 1] WARN  app.Processor - task slow",
        ],
        ["2021-06-03T17:01:04.523", "2021-06-03T17:01:05.001", "2021-06-04T00:00:02.100"],
    ),
    (
        "the date and the time in key=value fields of their own",
        [
            'date=2021-05-15 time=18:03:36 id="13" type="traffic" action="accept"',
            'date=2021-05-15 time=18:03:37 id="13" type="traffic" action="deny"',
            'date=2021-05-16 time=00:00:01 id="20" type="event" msg="admin login"',
        ],
        ["2021-05-15T18:03:36", "2021-05-15T18:03:37", "2021-05-16T00:00:01"],
    ),
    (
        "ids, month and day, a slash, the clock as bare digits, all in one bracket",
        [
            "[4410:4410:0307/091502.123456:INFO:net/socket.cc:88] socket opened",
            "[4410:4422:0307/091502.223456:WARNING:net/socket.cc:91] socket slow",
            "    at a dump line of the message before",
            "[4410:4410:0307/091503.000001:VERBOSE1:ui/view.cc:12] view shown",
        ],
        [
            "2021-03-07T09:15:02.123456",
            "2021-03-07T09:15:02.223456",
            None,
            "2021-03-07T09:15:03.000001",
        ],
    ),
]


@pytest.mark.parametrize(("name", "lines", "want"), LAYOUTS, ids=[c[0] for c in LAYOUTS])
def test_a_layout_never_seen_is_learnt(
    tmp_path: Path, name: str, lines: list[str], want: list[str | None]
) -> None:
    pattern = detect(lines)
    assert pattern.name.startswith("learnt-"), pattern.name
    parsed = list(parse_lines(write(tmp_path, "x.log", lines), year=2021))
    assert [p.continuation for p in parsed] == [w is None for w in want]
    for p, w in zip(parsed, want, strict=True):
        if w is not None:
            assert p.at == at(w), (name, p.line)
    # The header is not part of the message: templates do not carry it.
    assert not any(
        p.template.startswith(("[pid", "812", "Worker", "991231", ":INFO", "Jun-")) for p in parsed
    )


def test_a_bracket_opened_before_the_stamp_holds_the_header_to_where_it_closes(
    tmp_path: Path,
) -> None:
    """What is between the stamp and the bracket that closes it is header (ids, the level,
    the source line); a level word is read from there, and the message follows. A bracket
    closed at once after the stamp leaves the level and separator after it as before."""
    lines = next(case[1] for case in LAYOUTS if "one bracket" in case[0])
    parsed = list(parse_lines(write(tmp_path, "x.log", lines), year=2021))
    assert [p.level for p in parsed] == ["INFO", "WARNING", "WARNING", "VERBOSE"]
    assert [p.message for p in parsed] == [
        "socket opened",
        "socket slow",
        "at a dump line of the message before",
        "view shown",
    ]
    # The stamp writes no year: given, it is used; else the line says it was assumed.
    assert not any(p.year_assumed for p in parsed)
    assert all(p.year_assumed for p in parse_lines(tmp_path / "x.log"))
    monit = next(case[1] for case in LAYOUTS if case[0].startswith("a zone name before"))
    closed = list(parse_lines(write(tmp_path, "y.log", monit), year=2021))
    assert [(p.level, p.message) for p in closed] == [
        ("error", "cannot connect"),
        ("info", "started"),
        ("info", "stopped"),
    ]


def test_fields_in_brackets_one_after_another_are_header(tmp_path: Path) -> None:
    """A bracketed ISO time with an offset, then uptime, level and tags in brackets at
    once: the level is read, the rest is header, not the templates'."""
    lines = [
        "[2021-03-07T09:15:02.123+0100][0.006s][info][gc] Using a collector",
        "[2021-03-07T09:15:02.125+0100][0.008s][info][gc,init] Heap region size: 1M",
        "[2021-03-07T09:15:03.000+0100][0.883s][warning][gc] Pause took 12 ms",
    ]
    path = write(tmp_path, "x.log", lines)
    parsed = list(parse_lines(path))
    assert [(p.level, p.message) for p in parsed] == [
        ("info", "Using a collector"),
        ("info", "Heap region size: 1M"),
        ("warning", "Pause took 12 ms"),
    ]
    assert [p.at for p in parsed] == [
        at("2021-03-07T08:15:02.123"),
        at("2021-03-07T08:15:02.125"),
        at("2021-03-07T08:15:03"),
    ]
    assert {p.zone_source for p in parsed} == {"explicit"}
    assert fast([path], 2021) == reference([path], 2021)


@pytest.mark.parametrize(
    "lines",
    [
        [
            "2021-03-07 09:15:02,123 shop.db INFO - pool ready",
            "2021-03-07 09:15:02,124 shop.web WARNING - slow request 7",
            "2021-03-07 09:15:02,125 shop.db ERROR - pool exhausted",
        ],
        [
            "[2021-03-07 09:15:02,123] {runner.py:123} INFO - pool ready",
            "[2021-03-07 09:15:02,124] {web.py:45} WARNING - slow request 7",
            "[2021-03-07 09:15:02,125] {runner.py:130} ERROR - pool exhausted",
        ],
        [
            "2021-03-07 09:15:02,123 - runner.py[INFO]: pool ready",
            "2021-03-07 09:15:02,124 - web.py[WARNING]: slow request 7",
            "2021-03-07 09:15:02,125 - runner.py[ERROR]: pool exhausted",
        ],
    ],
    ids=["name level dash", "file and line in braces, level, dash", "level in brackets"],
)
def test_a_name_then_its_level_are_the_process_and_the_level(
    tmp_path: Path, lines: list[str]
) -> None:
    path = write(tmp_path, "x.log", lines)
    parsed = list(parse_lines(path))
    assert [p.level for p in parsed] == ["INFO", "WARNING", "ERROR"]
    assert [p.message for p in parsed] == ["pool ready", "slow request 7", "pool exhausted"]
    assert all(p.process and " " not in p.process for p in parsed)
    assert fast([path], 2021) == reference([path], 2021)


def test_slashed_dates_are_read_day_first_when_a_line_shows_it(tmp_path: Path) -> None:
    """07/12/2021 is the 7th of December in a file where another line writes 13/12/2021
    (no month 13), and the 12th of July where another writes 12/13/2021."""
    day_first = ["07/12/2021 00:31:00 INFO start", "08/12/2021 00:31:00 INFO next",
                 "13/12/2021 00:31:00 INFO later"]  # fmt: skip
    parsed = list(parse_lines(write(tmp_path, "d.log", day_first)))
    assert [p.at for p in parsed] == [
        at("2021-12-07T00:31:00"),
        at("2021-12-08T00:31:00"),
        at("2021-12-13T00:31:00"),
    ]
    month_first = ["07/12/2021 00:31:00 INFO start", "12/13/2021 00:31:00 INFO next"]
    parsed = list(parse_lines(write(tmp_path, "m.log", month_first)))
    assert [p.at for p in parsed] == [at("2021-07-12T00:31:00"), at("2021-12-13T00:31:00")]
    assert fast([tmp_path / "d.log"], 2021) == reference([tmp_path / "d.log"], 2021)


def test_slashed_dates_whose_order_no_line_shows_say_their_date_is_assumed(
    tmp_path: Path,
) -> None:
    """Where every slashed date has both numbers at 12 or below, month first is a guess: each
    line says its date is assumed. Where a line shows the order, none does."""
    unclear = ["03/04/2026 10:00:01 INFO a", "03/05/2026 10:00:02 INFO b",
               "03/06/2026 10:00:03 INFO c"]  # fmt: skip
    path = write(tmp_path, "u.log", unclear)
    parsed = list(parse_lines(path))
    assert [p.at for p in parsed] == [
        at("2026-03-04T10:00:01"),
        at("2026-03-05T10:00:02"),
        at("2026-03-06T10:00:03"),
    ]
    assert all(p.date_assumed for p in parsed)
    assert all(line["date_assumed"] for line in fast([path], 2026))
    assert fast([path], 2026) == reference([path], 2026)
    shown = write(tmp_path, "s.log", [*unclear, "03/25/2026 10:00:04 INFO d"])
    parsed = list(parse_lines(shown))
    assert parsed[-1].at == at("2026-03-25T10:00:04")
    assert not any(p.date_assumed for p in parsed)


def test_an_iso_clock_without_seconds_is_read_to_the_minute(tmp_path: Path) -> None:
    lines = ["2026-12-07T00:31+01:00 app: started", "2026-12-07T00:32+01:00 app: stopped",
             "2026-12-07 00:33 app: started again", "  a continuation"]  # fmt: skip
    path = write(tmp_path, "m.log", lines)
    parsed = list(parse_lines(path))
    assert [p.at for p in parsed] == [
        at("2026-12-06T23:31:00"),
        at("2026-12-06T23:32:00"),
        at("2026-12-07T00:33:00"),
        at("2026-12-07T00:33:00"),
    ]
    assert [p.zone_source.value if p.zone_source else None for p in parsed[:3]] == [
        "explicit",
        "explicit",
        "assumed",
    ]
    assert (parsed[0].process, parsed[0].message) == ("app", "started")
    assert parsed[3].continuation
    assert fast([path], 2026) == reference([path], 2026)


def test_three_letter_levels_are_levels(tmp_path: Path) -> None:
    lines = [
        "[7] 2021/05/16 07:20:40.758071 [INF] Starting server version 1.4",
        "[7] 2021/05/16 07:20:40.758102 [DBG] Build version 1.11",
        "[7] 2021/05/16 07:20:41.000001 [WRN] Slow consumer",
        "[7] 2021/05/16 07:20:41.000002 [ERR] Cannot connect to route",
    ]
    parsed = list(parse_lines(write(tmp_path, "x.log", lines)))
    assert [p.level for p in parsed] == ["INF", "DBG", "WRN", "ERR"]
    assert parsed[0].message == "Starting server version 1.4"
    assert not any(p.date_assumed for p in parsed)


def test_an_offset_spelt_after_the_name_of_utc_is_the_zone(tmp_path: Path) -> None:
    """A date written with the weekday, the year before the clock, and the zone as GMT and
    an offset (then its name in parentheses): the offset is the zone, not UTC assumed."""
    lines = [
        f"Sun Dec 06 2026 16:2{i}:17 GMT-0800 (Pacific Standard Time) worker {i} ready"
        for i in range(4)
    ]
    parsed = list(parse_lines(write(tmp_path, "x.log", lines)))
    assert [p.at for p in parsed] == [at(f"2026-12-07T00:2{i}:17") for i in range(4)]
    assert {p.zone_source for p in parsed} == {"explicit"}
    assert fast([tmp_path / "x.log"], 2026) == reference([tmp_path / "x.log"], 2026)


def test_a_zones_name_in_parentheses_after_the_clock_is_the_zone(tmp_path: Path) -> None:
    """ "00:31:00 (CET)": the name gives the instant, says it was written, and is not the
    message's first word; a word in parentheses that names no zone stays in the message."""
    path = write(
        tmp_path,
        "x.log",
        [
            f"2026-12-07 0{hour}:31:0{i} ({name}) worker {i} ready"
            for i, (hour, name) in enumerate(((1, "CET"), (2, "EET"), (0, "BOX")))
        ],
    )
    assert [(p.at, p.zone_source, p.message) for p in parse_lines(path)] == [
        (at("2026-12-07T00:31:00"), "explicit", "worker 0 ready"),
        (at("2026-12-07T00:31:01"), "explicit", "worker 1 ready"),
        (at("2026-12-07T00:31:02"), "assumed", "(BOX) worker 2 ready"),
    ]
    assert fast([path], 2026) == reference([path], 2026)


def test_a_zones_name_after_its_offset_is_part_of_the_stamp(tmp_path: Path) -> None:
    """A time printed with its offset and then the zone's name ("+0100 CET"): the offset
    gives the instant, and the name is neither the process nor the message's first word.
    A word that names no zone stays in the message."""
    lines = [
        "2026-12-07 00:31:00.123456789 +0000 UTC m=+0.001 worker 1 ready",
        "2026-12-07 01:31:02.5 +0100 CET m=+2.5 worker 2 ready",
        "2026-12-07 01:31:03 +0100 CETX worker 3 ready",
    ]
    parsed = list(parse_lines(write(tmp_path, "x.log", lines)))
    assert [p.at for p in parsed] == [
        at("2026-12-07T00:31:00.123456"),
        at("2026-12-07T00:31:02.5"),
        at("2026-12-07T00:31:03"),
    ]
    assert [p.process for p in parsed] == [None, None, None]
    assert [p.message.split()[0] for p in parsed] == ["m=+0.001", "m=+2.5", "CETX"]
    after_z = ["'2026-12-07T00:31:04Z UTC [ db=dev pid=12 ]' LOG: select 1;"] * 2
    parsed = list(parse_lines(write(tmp_path, "y.log", after_z)))
    assert [(p.at, p.process) for p in parsed] == [(at("2026-12-07T00:31:04"), None)] * 2
    assert parsed[0].message.startswith("[ db=dev")
    paths = [tmp_path / "x.log", tmp_path / "y.log"]
    assert fast(paths, 2026) == reference(paths, 2026)


def test_am_or_pm_is_read_with_the_clock_and_never_left_out(tmp_path: Path) -> None:
    """A twelve-hour clock's PM is part of the time, not a process name after it; a word
    that starts with the letters (PM2.5) after a 24-hour clock is not."""
    lines = [f"Mar 07, 2021 {h}:24:15 PM Shop {h} open" for h in (1, 4, 11)]
    parsed = list(parse_lines(write(tmp_path, "x.log", lines)))
    assert [p.at for p in parsed] == [at(f"2021-03-07T{h}:24:15") for h in (13, 16, 23)]
    assert not any(p.process for p in parsed)
    sensors = [f"2021-03-07 0{h}:24:15 PM2.5 sensor {h} read" for h in (1, 4, 9)]
    read = list(parse_lines(write(tmp_path, "y.log", sensors)))
    assert [p.at for p in read] == [at(f"2021-03-07T0{h}:24:15") for h in (1, 4, 9)]


def test_a_bare_number_starting_a_line_among_others_is_no_unix_time(tmp_path: Path) -> None:
    """A file with a layout of its own, and lines of a table that start with ten-digit
    numbers: they continue the record before them, not lines of 2003 to 2010."""
    lines = [
        "2024-05-06 07:08:09.100 [77] INFO: histogram of request sizes",
        "1046949849  -O          (1 = 0.7%)",
        "1201710002  -O          (2 = 1.4%)",
        "2024-05-06 07:08:10.000 [77] INFO: done",
    ]
    parsed = list(parse_lines(write(tmp_path, "x.log", lines)))
    assert [p.continuation for p in parsed] == [False, True, True, False]
    assert {p.at for p in parsed} == {at("2024-05-06T07:08:09.100000"), at("2024-05-06T07:08:10")}
    assert fast([tmp_path / "x.log"], 2024) == reference([tmp_path / "x.log"], 2024)


def test_a_bracketed_number_is_the_pid_and_a_column_of_capitals_with_levels_the_level(
    tmp_path: Path,
) -> None:
    """After the stamp, a number in brackets is the process id, not a host or a thread, and
    a column of capital words ending in a colon is the level when some of them are level
    words (LOG and STATEMENT beside ERROR), not the process."""
    lines = [
        "2024-05-06 07:08:09.100 CEST [3101] LOG:  checkpoint starting: time",
        "2024-05-06 07:08:10.200 CEST [3120] ERROR:  relation does not exist",
        "2024-05-06 07:08:10.200 CEST [3120] STATEMENT:  select * from gone",
        "2024-05-06 07:08:11.300 CEST [3101] LOG:  checkpoint complete",
    ]
    parsed = list(parse_lines(write(tmp_path, "x.log", lines)))
    assert [(p.pid, p.level, p.host, p.process) for p in parsed] == [
        ("3101", "LOG", None, None),
        ("3120", "ERROR", None, None),
        ("3120", "STATEMENT", None, None),
        ("3101", "LOG", None, None),
    ]
    assert parsed[0].message == "checkpoint starting: time"
    assert parsed[0].at == at("2024-05-06T05:08:09.100000")
    assert fast([tmp_path / "x.log"], 2024) == reference([tmp_path / "x.log"], 2024)
    # A column of capitals without a level word among them stays the process.
    named = [line.replace("LOG", "CKPT").replace("ERROR", "PARSER") for line in lines[:2]]
    procs = [p.process for p in parse_lines(write(tmp_path, "y.log", named * 2))]
    assert procs == ["CKPT", "PARSER"] * 2


def test_an_unpadded_clock_is_learnt(tmp_path: Path) -> None:
    # Minutes and seconds written without padding, milliseconds after a colon; learnt
    # without the catalog (which knows one such layout).
    lines = [
        "20230211-4:5:6:7|Worker|1234|step counted",
        "20230211-4:05:16:250|Worker|1234|step counted again",
        "20230211-14:5:0:9|Sensor|88|screen off",
    ]
    pattern = learn(lines)
    assert pattern is not None
    parsed = list(parse_lines(write(tmp_path, "x.log", lines), pattern=pattern))
    assert [p.at for p in parsed] == [
        at("2023-02-11T04:05:06.700000"),
        at("2023-02-11T04:05:16.250000"),
        at("2023-02-11T14:05:00.900000"),
    ]


def test_a_severitys_letter_starting_every_line_is_the_level(tmp_path: Path) -> None:
    """A letter for the severity before a bracketed stamp is the level, and not the
    message's; where the line also writes the severity's word after the stamp, the word."""
    lines = [
        "I [23/Nov/2026:00:31:00 +0100] queue started",
        "E [23/Nov/2026:00:31:02 +0100] [Job 42] printer gone",
        "W [23/Nov/2026:00:31:05 +0100] queue slow",
    ]
    parsed = list(parse_lines(write(tmp_path, "x.log", lines)))
    assert [(p.level, p.message) for p in parsed] == [
        ("I", "queue started"),
        ("E", "[Job 42] printer gone"),
        ("W", "queue slow"),
    ]
    assert parsed[0].at == at("2026-11-22T23:31:00")
    worded = [
        "I, [2026-11-23T00:31:00.123456 #12]  INFO -- : queue started",
        "E, [2026-11-23T00:31:02.000001 #12] ERROR -- : printer gone",
    ]
    parsed = list(parse_lines(write(tmp_path, "y.log", worded)))
    assert [p.level for p in parsed] == ["INFO", "ERROR"]
    assert fast([tmp_path / "x.log", tmp_path / "y.log"], 2026) == reference(
        [tmp_path / "x.log", tmp_path / "y.log"], 2026
    )


def test_levels_before_or_after_the_stamp_are_read(tmp_path: Path) -> None:
    layout = {name: lines for name, lines, _ in LAYOUTS}
    levels = [
        p.level
        for p in parse_lines(
            write(tmp_path, "a.log", layout["thread and level before the stamp, colons around it"])
        )
    ]
    assert levels[:2] == ["DEBUG", "ERROR"]
    words = [
        p.level
        for p in parse_lines(
            write(
                tmp_path,
                "b.log",
                layout["two-digit year, month and day, hour padded with a blank"],
            )
        )
    ]
    assert words == ["Note", "Warning", "ERROR"]


def test_a_time_of_day_alone_is_put_on_the_files_day_and_says_so(tmp_path: Path) -> None:
    lines = [f"4242 10:11:{s:02d}.123456 read(3, ...) = {s}" for s in range(6)]
    path = write(tmp_path, "trace.log", lines)
    stamp = datetime(2022, 5, 6, 23, 0, tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    parsed = list(parse_lines(path))
    assert parsed[0].at == at("2022-05-06T10:11:00.123456")
    assert all(p.date_assumed for p in parsed)
    rows = [json.loads(r) for r in _fast(path)]
    assert rows[0]["date_assumed"] is True and rows[0]["at"] == "2022-05-06T10:11:00.123456Z"


def trace_past_midnight(
    tmp_path: Path, lines: int = 400, last_written: str = "2022-05-07T01:00", step: int = 11
) -> Path:
    """A trace of times of day alone, a line every ``step`` seconds from 23:00 (past
    midnight after 328 lines, at 11), every seventh a moment before the line above it
    (threads write out of order), the file last written at ``last_written`` UTC."""
    rows = []
    for i in range(lines):
        second = (23 * 3600 + step * i - 12 * (i % 7 == 3)) % 86400
        clock = f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
        rows.append(f"{4242 + i % 3} {clock}.{i % 1000:03d}250 read(3, buf, {i}) = {i % 5}")
    path = write(tmp_path, "trace.log", rows)
    stamp = datetime.fromisoformat(last_written).replace(tzinfo=UTC).timestamp()
    os.utime(path, (stamp, stamp))
    return path


def test_a_time_of_day_alone_goes_on_to_the_next_day_past_midnight(tmp_path: Path) -> None:
    """A trace that runs past midnight: its lines after midnight are on the day the file was
    last written, those before on the day before, in order; lines a second out of order
    stay on their day. Every line still says its date is assumed."""
    path = trace_past_midnight(tmp_path)
    parsed = list(parse_lines(path))
    assert parsed[0].at == at("2022-05-06T23:00:00.000250")
    assert parsed[327].at == at("2022-05-06T23:59:57.327250")
    assert parsed[328].at == at("2022-05-07T00:00:08.328250")
    assert parsed[-1].at == at("2022-05-07T00:13:09.399250")
    assert all(p.date_assumed for p in parsed)
    instants = [p.at for p in parsed]
    assert all(
        timedelta(seconds=-2) < b - a < timedelta(seconds=24)  # type: ignore[operator]
        for a, b in pairwise(instants)
    )
    assert parsed[3].at == at("2022-05-06T23:00:21.003250")
    assert fast([path], None) == reference([path], None)
    # Compressed, its end is read as well.
    packed = path.with_name("trace.log.gz")
    packed.write_bytes(gzip.compress(path.read_bytes()))
    stamp = datetime(2022, 5, 7, 1, 0, tzinfo=UTC).timestamp()
    os.utime(packed, (stamp, stamp))
    assert [p.at for p in parse_lines(packed)] == [p.at for p in parsed]
    assert fast([packed], None) == reference([packed], None)


@pytest.mark.parametrize("junk", [b"", b"\x00\x00\x00 junk\n"])
def test_a_time_of_day_no_day_has_moves_no_line_to_the_next_day(
    tmp_path: Path, junk: bytes
) -> None:
    """25:61 names no instant: its line keeps no time, is told of, and does not read as a
    midnight passed for the lines after it, on the line-by-line path and on the general
    one (a block with junk in it)."""
    path = tmp_path / "trace.log"
    path.write_bytes(
        b'10:00:01.000001 open("/etc/hosts", O_RDONLY) = 3\n'
        + junk
        + b'10:00:02.000002 read(3, "x", 4096) = 1\n'
        b"25:61:03.000003 close(3) = 0\n"
        b"10:00:04.000004 exit_group(0) = ?\n"
    )
    os.utime(path, (datetime(2022, 5, 6, 12, tzinfo=UTC).timestamp(),) * 2)
    bad = 3 + bool(junk)
    with pytest.warns(RetrolineWarning, match=rf"trace\.log:{bad}: a stamp that names no"):
        rows = fast([path], None)
    assert rows == reference([path], None)
    assert rows[bad - 1]["at"] is None
    assert rows[-1]["at"] == "2022-05-06T10:00:04.000004Z"


def test_a_time_of_day_alone_stays_on_the_files_day_when_it_ends_later(tmp_path: Path) -> None:
    """A trace that ends before midnight (its last line later in the day than its first)
    is on the day it was last written, however late."""
    path = trace_past_midnight(tmp_path, lines=300, last_written="2022-05-06T23:59")
    parsed = list(parse_lines(path))
    assert (parsed[0].at, parsed[-1].at) == (
        at("2022-05-06T23:00:00.000250"),
        at("2022-05-06T23:54:49.299250"),
    )
    assert fast([path], None) == reference([path], None)


def test_a_time_of_day_alone_past_two_midnights_is_read_alike_in_both_paths(
    tmp_path: Path,
) -> None:
    """A trace of more than a day passes midnight twice: each is a new day, also where the
    clock comes back to the seconds the first day wrote. (Its first day is a guess from its
    first and last lines, which tell one midnight at least.)"""
    path = trace_past_midnight(tmp_path, lines=3100, last_written="2022-05-08T03:00", step=30)
    rows = fast([path], None)
    first = date.fromisoformat(rows[0]["at"][:10])
    days = [(date.fromisoformat(row["at"][:10]) - first).days for row in rows]
    assert days == [0] * 120 + [1] * (3000 - 120) + [2] * (3100 - 3000)
    assert rows == reference([path], None)


def test_workers_follow_a_time_of_day_alone_past_midnight(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Parsed in spans by workers, a trace past midnight gives what one process gives: a
    span after midnight, parsed as if no midnight came before it, is parsed again."""
    path = trace_past_midnight(tmp_path, lines=3000)
    one = _fast(path)
    monkeypatch.setattr(parallel, "SPAN_BYTES", 8 * 1024)
    monkeypatch.setattr(parallel, "MIN_BYTES", 0)
    monkeypatch.setattr(parallel, "LOOKBEHIND", 1024)
    out = io.StringIO()
    write_json_lines(out, [path], workers=2)
    assert out.getvalue().splitlines() == one
    rows = [json.loads(row) for row in one]
    assert (rows[0]["at"], rows[-1]["at"]) == (
        "2022-05-06T23:00:00.000250Z",
        "2022-05-07T08:09:37.999250Z",
    )
    assert [row["at"][:10] for row in rows[326:330]] == ["2022-05-06"] * 2 + ["2022-05-07"] * 2


def _fast(path: Path) -> list[str]:
    out = io.StringIO()
    write_json_lines(out, [path])
    return out.getvalue().splitlines()


def test_the_fast_path_reads_learnt_layouts_as_the_reference_does(tmp_path: Path) -> None:
    paths = [write(tmp_path, f"{i}.log", lines) for i, (_, lines, _) in enumerate(LAYOUTS)]
    for path in paths:
        assert fast([path], 2021) == reference([path], 2021), path.name
    assert fast(paths, 2021) == reference(paths, 2021)


def test_lines_of_a_second_layout_keep_their_own_time(tmp_path: Path) -> None:
    # Most lines in standard syslog, a few in a bracketed layout: neither takes the
    # previous line's time.
    lines = [
        "Mar  9 09:18:28 web-1 agent[57]: access denied for 10.0.0.4",
        "Mar  9 09:18:29 web-1 agent[57]: access denied for 10.0.0.5",
        "[UTC Mar 10 11:00:00] error    : client supplied wrong password",
        "Mar  9 09:18:31 web-1 agent[57]: access denied for 10.0.0.6",
        "[UTC Mar 11 12:00:00] error    : client supplied unknown user",
    ]
    parsed = list(parse_lines(write(tmp_path, "mixed.log", lines), year=2020))
    assert [p.at for p in parsed] == [
        at("2020-03-09T09:18:28"),
        at("2020-03-09T09:18:29"),
        at("2020-03-10T11:00:00"),
        at("2020-03-09T09:18:31"),
        at("2020-03-11T12:00:00"),
    ]
    assert not any(p.continuation for p in parsed)


def test_text_without_a_header_learns_nothing() -> None:
    prose = [
        "The meeting moved to 10:30:00 because of the outage.",
        "Nobody could log in.",
        "At 11:00:00 someone restarted the service, and at 11:05:10 it was back.",
        "We should write this down.",
    ]
    assert learn(prose) is None
    assert learn(prose, sparse=True) is None  # times of day alone: no dates
    assert detect(prose) is PATTERNS[-1]
    assert learn([]) is None


def test_a_few_dated_lines_in_a_tools_output_carry_their_time(tmp_path: Path) -> None:
    """A tool's output where only the line that starts each run is stamped (far fewer
    than a twentieth of the lines): those lines get their instants, and the output after
    each continues it; the lines before the first have none."""
    lines = ["(banner of the tool)"]
    for run, (start, end) in enumerate((("14:36:25", "14:36:29"), ("15:02:00", "15:03:10"))):
        lines.append(f"Run started: 2024-06-24  {start}")
        lines += [f"unpacking package-{run}-{i} ..." for i in range(60)]
        lines.append(f"Run ended: 2024-06-24  {end}")
    path = write(tmp_path, "x.log", lines)
    parsed = list(parse_lines(path))
    stamped = [p for p in parsed if not p.continuation and p.at is not None]
    assert [p.line for p in stamped] == [2, 63, 64, 125]
    assert [p.at for p in stamped] == [
        at("2024-06-24T14:36:25"),
        at("2024-06-24T14:36:29"),
        at("2024-06-24T15:02:00"),
        at("2024-06-24T15:03:10"),
    ]
    assert parsed[0].at is None
    assert parsed[2].continuation and parsed[2].at == at("2024-06-24T14:36:25")
    assert fast([path], 2024) == reference([path], 2024)


@pytest.mark.parametrize(
    ("banner", "day"),
    [
        ("=== Setup log opened: 11/23/2024  07:58:01  (build 5.0) ===", "2024-11-23"),
        ("#Date: 2024-11-23 07:58:01", "2024-11-23"),
        ("Session of 23 Nov 2024 07:58:01 +0900 begins", "2024-11-23"),  # as written
    ],
)
def test_times_of_day_alone_take_the_date_the_files_first_lines_write(
    tmp_path: Path, banner: str, day: str
) -> None:
    """A log whose lines write the time of day alone, after a line that writes a date:
    they are on that date (still said to be assumed), not on the day the file was last
    written, which a copy changes."""
    lines = [banner] + [f"[{8 + i // 60:02d}:{i % 60:02d}:07.250] step {i} done" for i in range(90)]
    path = write(tmp_path, "x.log", lines)
    os.utime(path, (datetime(2026, 3, 1, tzinfo=UTC).timestamp(),) * 2)  # copied later
    parsed = list(parse_lines(path))
    assert parsed[0].at is None
    assert [p.at for p in parsed[1:3]] == [at(f"{day}T08:00:07.250"), at(f"{day}T08:01:07.250")]
    assert all(p.date_assumed for p in parsed[1:])
    assert fast([path], None) == reference([path], None)


def test_stamps_without_a_year_take_the_year_of_another_layout_in_the_file(
    tmp_path: Path,
) -> None:
    """Syslog lines beside lines of another layout that writes its year (a writer that
    switched formats): they take the year nearest that date, not the year the file was
    last written in (a copy changes it), and still say it is assumed. A December line
    before a dated January one is of the year before. A date quoted in a message is no
    such evidence."""
    lines = [
        "Dec 31 23:59:58 gw relay[4]: flushing queue",
        "2019-01-01T00:00:01.500+00:00 gw relay[4]: queue flushed",
        "Jan  1 00:00:03 gw relay[4]: reloading",
    ]
    path = write(tmp_path, "x.log", lines)
    os.utime(path, (datetime(2026, 3, 1, tzinfo=UTC).timestamp(),) * 2)  # copied later
    parsed = list(parse_lines(path))
    assert [p.at for p in parsed] == [
        at("2018-12-31T23:59:58"),
        at("2019-01-01T00:00:01.500"),
        at("2019-01-01T00:00:03"),
    ]
    assert [p.year_assumed for p in parsed] == [True, False, True]
    assert fast([path], None) == reference([path], None)
    quoted = write(
        tmp_path,
        "y.log",
        [f"Feb  2 10:0{i}:00 gw certd[9]: valid until 2031-05-06 07:08:09" for i in range(3)],
    )
    os.utime(quoted, (datetime(2026, 3, 1, tzinfo=UTC).timestamp(),) * 2)
    assert {p.at.year for p in parse_lines(quoted) if p.at is not None} == {2026}


def test_stamps_without_a_year_take_the_year_the_files_own_layout_writes(
    tmp_path: Path,
) -> None:
    """A file joined from two: a few syslog lines, then many of a layout that writes its
    year, which is the file's own. The syslog lines take that year (said to be assumed),
    not the year the file was last written in."""
    lines = [f"Mar  7 00:31:0{i} gw relay[4]: old writer {i}" for i in range(2)]
    lines += [f"2019-03-07T00:32:{i:02d}.000+00:00 gw relay[5]: new writer {i}" for i in range(9)]
    path = write(tmp_path, "x.log", lines)
    os.utime(path, (datetime(2026, 3, 1, tzinfo=UTC).timestamp(),) * 2)
    parsed = list(parse_lines(path))
    assert [p.at for p in parsed[:3]] == [
        at("2019-03-07T00:31:00"),
        at("2019-03-07T00:31:01"),
        at("2019-03-07T00:32:00"),
    ]
    assert [p.year_assumed for p in parsed[:3]] == [True, True, False]
    assert fast([path], None) == reference([path], None)


def test_times_of_day_alone_without_a_written_date_are_on_the_files_day(tmp_path: Path) -> None:
    path = write(tmp_path, "x.log", [f"[08:00:{i:02d}.250] step {i} done" for i in range(30)])
    os.utime(path, (datetime(2026, 3, 1, 12, tzinfo=UTC).timestamp(),) * 2)
    parsed = list(parse_lines(path))
    assert parsed[0].at == at("2026-03-01T08:00:00.250") and parsed[0].date_assumed
    assert fast([path], None) == reference([path], None)


def test_a_tools_stamped_lines_opening_with_different_marks_carry_their_time(
    tmp_path: Path,
) -> None:
    """The lines that open and close a tool's section, stamped after marks that differ
    (">>>" and "<<<"), one line of each: they get their instants, as two lines of one
    shape would, and the lines between continue them."""
    path = tmp_path / "x.log"
    path.write_text(
        ">>>  [Step: install drivers]\n>>>  Step begin 2024/06/24 14:10:05.250\n"
        "     copying drivers\n<<<  Step end 2024/06/24 14:10:09.750\n<<<  [status: done]\n"
    )
    parsed = list(parse_lines(path))
    assert [(p.at, p.continuation) for p in parsed[1:]] == [
        (at("2024-06-24T14:10:05.250000"), False),
        (at("2024-06-24T14:10:05.250000"), True),
        (at("2024-06-24T14:10:09.750000"), False),
        (at("2024-06-24T14:10:09.750000"), True),
    ]
    assert parsed[0].at is None
    assert fast([path], 2024) == reference([path], 2024)


def test_a_catalog_layout_is_kept_when_it_reads_every_line() -> None:
    lines = [f"2024-01-05T10:00:0{i}Z ERROR db: connection refused" for i in range(5)]
    assert detect(lines).name == "iso-level"


def test_the_layouts_tried_after_a_learnt_one_are_the_files_own() -> None:
    """Two files can learn the same layout with different companions: each file's lines are
    tried against its own (the shared cache once handed the first file's to the second)."""
    from retroline.logs.layout import HeaderPattern
    from retroline.logs.parse import other_patterns

    first = HeaderPattern("c-one", r"ONE (?P<message>.*)", "ONE x")
    second = HeaderPattern("c-two", r"TWO (?P<message>.*)", "TWO x")
    a = HeaderPattern("learnt-same", r"(?P<message>.*)", "x", companions=(first,))
    b = HeaderPattern("learnt-same", r"(?P<message>.*)", "x", companions=(second,))
    assert other_patterns(a)[1].first("ONE y") is first
    assert other_patterns(b)[1].first("TWO y") is second


# Dates written in more shapes: (name, lines, per line the UTC instant or None).
DATE_SHAPES = [
    (
        "month and day with a dash, no year",
        ["11-23 00:31:00.123 I/Manager( 1234): start", "11-23 00:31:01.456 D/Net( 99): up"],
        ["2026-11-23T00:31:00.123", "2026-11-23T00:31:01.456"],
    ),
    (
        "month and day with a slash, a dash before the clock",
        ["11/30-23:59:59.999999  [**] alert one [**]", "12/01-00:00:01.000001  [**] two [**]"],
        ["2026-11-30T23:59:59.999999", "2026-12-01T00:00:01.000001"],
    ),
    (
        "slashed date, a dash before the clock",
        ["11/22/2026-23:59:59.999999  [**] alert one", "11/23/2026-00:00:01.5  [**] alert two"],
        ["2026-11-22T23:59:59.999999", "2026-11-23T00:00:01.5"],
    ),
    (
        "day first with slashes, two dashes before the clock",
        ["23/11/2026 -- 00:31:03 - <Notice> - engine started", "24/11/2026 -- 00:31:04 - done"],
        ["2026-11-23T00:31:03", "2026-11-24T00:31:04"],
    ),
    (
        "two-digit year between slashes, commas around",
        ["10,11/23/26,00:31:05,Assign,10.0.0.5", "11,11/23/26,00:32:05,Renew,10.0.0.6"],
        ["2026-11-23T00:31:05", "2026-11-23T00:32:05"],
    ),
    (
        "day first with dashes",
        ["23-11-2026 22:31:00 worker up", "24-11-2026 01:00:00 worker down"],
        ["2026-11-23T22:31:00", "2026-11-24T01:00:00"],
    ),
    (
        "year first with dots",
        ["2026.11.23 22:31:00 worker up", "2026.11.24 01:00:00 worker down"],
        ["2026-11-23T22:31:00", "2026-11-24T01:00:00"],
    ),
    (
        "ISO date and clock joined by a dash, an underscore, a small t",
        ["2026-11-23-22:31:00 a up", "2026-11-23_22:31:01 b up", "2026-11-23t22:31:02 c up"],
        ["2026-11-23T22:31:00", "2026-11-23T22:31:01", "2026-11-23T22:31:02"],
    ),
    (
        "ISO basic format",
        ["20261123T223100Z worker up", "20261123T223101.250Z worker down"],
        ["2026-11-23T22:31:00", "2026-11-23T22:31:01.25"],
    ),
    (
        "day, month name and year run together, in brackets",
        ["[23Nov2026 00:31:00.123] [main/INFO] loading", "[23Nov2026 00:31:02.000] [main/WARN] x"],
        ["2026-11-23T00:31:00.123", "2026-11-23T00:31:02"],
    ),
    (
        "month name, day and year between slashes",
        ["nov/23/2026 00:31:00 system,info user logged in", "nov/23/2026 00:32:00 system,info out"],
        ["2026-11-23T00:31:00", "2026-11-23T00:32:00"],
    ),
    (
        "day, month name and year, two colons before the clock",
        [
            "=INFO REPORT==== 23-Nov-2026::00:31:00 ===",
            "Starting broker",
            "=WARNING REPORT==== 23-Nov-2026::00:31:05 ===",
            "closing connection",
        ],
        ["2026-11-23T00:31:00", None, "2026-11-23T00:31:05", None],
    ),
    (
        "month name, day and two-digit year with dashes",
        ["Jan-07-26 00:31:00 [ERROR] login failed", "Dec-05-26 00:32:00 [ERROR] login failed"],
        ["2026-01-07T00:31:00", "2026-12-05T00:32:00"],
    ),
    (
        "year, month name, day",
        [
            "2026 Dec 07 00:31:00 web1->/var/log/auth.log",
            "Rule: 5716 fired",
            "2026 Dec 07 00:31:05 web1->/var/log/auth.log",
        ],
        ["2026-12-07T00:31:00", None, "2026-12-07T00:31:05"],
    ),
    (
        "pid, then year month day and clock as digits after colons",
        ["  1234:20261207:003100.123 cannot connect", "  1235:20261207:003105.000 retrying"],
        ["2026-12-07T00:31:00.123", "2026-12-07T00:31:05"],
    ),
    (
        "dotted day first with a two-digit year",
        ["05.12.26 00:31:00 Anmeldung fehlgeschlagen", "06.12.26 00:32:00 Anmeldung ok"],
        ["2026-12-05T00:31:00", "2026-12-06T00:32:00"],
    ),
    (
        "one stamped line, then a trace",
        [
            "2026/11/23 00:31:00 starting worker pool size=8",
            "panic: runtime error",
            "goroutine 1 [running]:",
            "main.main()",
            "\t/src/main.go:12 +0x1d",
        ],
        ["2026-11-23T00:31:00", None, None, None, None],
    ),
    (
        "ISO date and a twelve-hour clock",
        ["2026-11-23 10:31:00 PM worker started", "2026-11-23 10:31:01 AM worker stopped"],
        ["2026-11-23T22:31:00", "2026-11-23T10:31:01"],
    ),
    (
        "ISO date and clock, month, day and hour unpadded",
        ["2026-3-7 9:05:03 INFO job started", "2026-3-17 10:05:04 WARN job slow"],
        ["2026-03-07T09:05:03", "2026-03-17T10:05:04"],
    ),
    (
        "year first with slashes, unpadded",
        ["2026/3/7 9:05:03 job started", "2026/11/17 10:05:04 job slow"],
        ["2026-03-07T09:05:03", "2026-11-17T10:05:04"],
    ),
    (
        "month name, day and year, an @ before the clock, in a quoted cell",
        ['"Nov 23, 2026 @ 00:31:00.125","job started"', '"Nov 23, 2026 @ 00:31:02.000","job slow"'],
        ["2026-11-23T00:31:00.125", "2026-11-23T00:31:02"],
    ),
    (
        "month name, day and year, a comma or 'at' before a twelve-hour clock",
        ["November 23, 2026 at 4:31:00 PM backup started", "Nov 24, 2026, 4:31:02 AM backup done"],
        ["2026-11-23T16:31:00", "2026-11-24T04:31:02"],
    ),
    (
        "day, month name and a two-digit year, never the month's day",
        ["23-NOV-26 00:31:00 job started", "24-NOV-26 00:31:02 job slow"],
        ["2026-11-23T00:31:00", "2026-11-24T00:31:02"],
    ),
    (
        "a month's name between dots, dashes or slashes, the year first or last",
        ["23.Nov.2026 00:31:00 a", "2026-Nov-23 00:31:01 b", "2026/Nov/23 00:31:02 c"],
        ["2026-11-23T00:31:00", "2026-11-23T00:31:01", "2026-11-23T00:31:02"],
    ),
    (
        "a day with its ordinal suffix, an ISO date with an @ before the clock",
        ["23rd Nov 2026 00:31:00 a", "November 23rd, 2026 00:31:01 b", "2026-11-23 @ 00:31:02 c"],
        ["2026-11-23T00:31:00", "2026-11-23T00:31:01", "2026-11-23T00:31:02"],
    ),
    (
        "year, month and day marked by their CJK characters",
        [
            "2026\u5e7411\u670823\u65e5 00:31:00 job started",
            "2026\u5e743\u67087\u65e5 9:05:03 job slow",
        ],
        ["2026-11-23T00:31:00", "2026-03-07T09:05:03"],
    ),
    (
        "day and month name, the clock to the minute",
        [
            "23-Nov 00:31 vault-dir Job 12: start of backup",
            "  Files: 1,024",
            "24-Nov 02:05 vault-sd Job 12: volume full",
        ],
        ["2026-11-23T00:31:00", None, "2026-11-24T02:05:00"],
    ),
    (
        "month name, day and year, the clock to the minute and a colon",
        ["November 23, 2026 00:31: Failed login for bob", "Nov 24, 2026 2:05 PM: login ok"],
        ["2026-11-23T00:31:00", "2026-11-24T14:05:00"],
    ),
    (
        "year, month and day between colons, a dash before the clock",
        ["2026:11:23-00:31:00: '10.1.2.3' 2 failed logins", "2026:11:24-00:31:02: 'x' 3 failed"],
        ["2026-11-23T00:31:00", "2026-11-24T00:31:02"],
    ),
    (
        "a row's next cell after the seconds, never their fraction",
        [
            "1,2026/11/23 00:31:28,001606001116,TRAFFIC,end",
            "1,2026/11/23 00:31:29,0016060011170,DROP",
        ],
        ["2026-11-23T00:31:28", "2026-11-23T00:31:29"],
    ),
    (
        "the clock's parts between dots after a dash",
        ["2026-11-23-00.31.00.123456 db2 FUNCTION: open", "2026-11-23-00.31.02.000001 db2 x"],
        ["2026-11-23T00:31:00.123456", "2026-11-23T00:31:02.000001"],
    ),
    (
        "the clock's parts between dots after a blank",
        ["2026-11-23 00.31.00 INFO server up", "2026-11-23 00.31.07 WARN disk low"],
        ["2026-11-23T00:31:00", "2026-11-23T00:31:07"],
    ),
    (
        "a day, a month's name and a year of two digits between blanks",
        ["23 Nov 21 00:31:00 gw1 sshd[7]: session opened", "24 Nov 21 01:02:03 gw1 sshd[8]: x"],
        ["2021-11-23T00:31:00", "2021-11-24T01:02:03"],
    ),
    (
        "year first between slashes or dots, then a twelve-hour clock",
        ["2026/11/23 10:31:00 PM job 1 done", "2026.11.24 10:31:02 AM job 2 done"],
        ["2026-11-23T22:31:00", "2026-11-24T10:31:02"],
    ),
    (
        "a day with a dot after it, as German writes it",
        ["23. Nov 2026 00:31:00 Dienst gestartet", "24. M\u00e4r 2026 00:31:02 Dienst gestoppt"],
        ["2026-11-23T00:31:00", "2026-03-24T00:31:02"],
    ),
    (
        "a letter, then a slashed date and ' - ' before the clock",
        ['L 11/23/2026 - 00:31:00: "bob<2>" connected', 'L 11/24/2026 - 00:31:02: "eve<3>" left'],
        ["2026-11-23T00:31:00", "2026-11-24T00:31:02"],
    ),
    (
        "the clock, then a slashed date, day first as a line shows",
        ["00:31:00 23/11/2026 INFO job started", "00:31:02.5 24/11/2026 WARN job slow"],
        ["2026-11-23T00:31:00", "2026-11-24T00:31:02.5"],
    ),
    (
        "the clock, then an ISO date",
        ["00:31:00 2026-11-23 job started", "9:05:03 PM 2026-11-24 job slow"],
        ["2026-11-23T00:31:00", "2026-11-24T21:05:03"],
    ),
]


@pytest.mark.parametrize(("name", "lines", "want"), DATE_SHAPES, ids=[c[0] for c in DATE_SHAPES])
def test_dates_written_in_other_shapes_are_read(
    tmp_path: Path, name: str, lines: list[str], want: list[str | None]
) -> None:
    path = write(tmp_path, "x.log", lines)
    parsed = list(parse_lines(path, year=2026))
    assert [p.continuation for p in parsed] == [w is None for w in want]
    for p, w in zip(parsed, want, strict=True):
        if w is not None:
            assert p.at == at(w), (name, p.line)
            assert not p.date_assumed, (name, p.line)
    assert fast([path], 2026) == reference([path], 2026)


def test_the_year_after_the_zone_as_date_writes_it_is_the_lines_own(tmp_path: Path) -> None:
    """date(1) writes the zone between the clock and the year ("... 00:31:00 UTC 2016"):
    the year is read, not assumed from the day the file was written."""
    dump = "===== state at {} ====="
    stamps = ("Wed Nov 23 00:31:00 UTC 2016", "Thu Nov 24 01:31:00 CET 2016")
    path = write(tmp_path, "x.log", [dump.format(stamps[0]), "ps auxww", dump.format(stamps[1])])
    first, second = at("2016-11-23T00:31:00"), at("2016-11-24T00:31:00")
    assert [(p.at, p.year_assumed) for p in parse_lines(path)] == [
        (first, False),
        (first, False),
        (second, False),
    ]
    assert fast([path], None) == reference([path], None)


def test_a_date_in_a_shape_not_known_gives_no_time_rather_than_another_day(
    tmp_path: Path,
) -> None:
    """A clock after a date in a shape no form reads ("23.11 ") is not put on the day the
    file was written: the line has no time. A clock after words stays a time of day,
    put on that day and said so."""
    path = write(
        tmp_path, "x.log", ["[23.11 00:31:00] proxy: open", "[23.11 00:31:05] proxy: close"]
    )
    assert [p.at for p in parse_lines(path)] == [None, None]
    path = write(tmp_path, "y.log", ["worker-1 00:31:00 open", "worker-2 00:31:05 close"])
    parsed = list(parse_lines(path))
    assert all(p.at is not None and p.date_assumed for p in parsed)


def test_one_line_of_a_second_layout_in_the_files_stamp_form_keeps_its_own_time(
    tmp_path: Path,
) -> None:
    # Requests in the common web layout, and one written with its site and port first:
    # the same stamp form after other fields is a layout of its own, even in one line.
    # An indented line, and a message telling a time after "at:", in that form too, stay
    # lines of the record before.
    lines = [
        '10.1.2.3 - ana [03/Feb/2025:08:00:00 +0100] "GET /a HTTP/1.1" 200 12 "-" "x/1"',
        '10.1.2.4 - - [03/Feb/2025:08:00:01 +0100] "GET /b HTTP/1.1" 200 12 "-" "x/1"',
        'shop.test:8443 10.1.2.5 - - [03/Feb/2025:02:00:02 -0500] "GET /c HTTP/2.0" 200 9 "-" "y"',
        "    retried after [03/Feb/2025:07:00:00 +0100]",
        "job failed at: [03/Feb/2025:06:00:00 +0100]",
        '10.1.2.4 - - [03/Feb/2025:08:00:03 +0100] "GET /d HTTP/1.1" 200 12 "-" "x/1"',
    ]
    path = write(tmp_path, "access.log", lines)
    parsed = list(parse_lines(path))
    seconds = [0, 1, 2, 2, 2, 3]  # the continuation lines: the time of the line before
    assert [p.at for p in parsed] == [at(f"2025-02-03T07:00:0{s}") for s in seconds]
    assert [p.continuation for p in parsed] == [False, False, False, True, True, False]
    assert fast([path], None) == reference([path], None)


@pytest.mark.parametrize(
    ("prefix", "pid"),
    [
        ("[4242] ", "4242"),  # alone in brackets
        ("(4242) ", "4242"),  # alone in parentheses
        ("4242:S ", "4242"),  # before a colon and a role letter
        ("  4242:", "4242"),  # before a colon, the stamp glued to it
        ("[4242:17:", "4242"),  # the first of numbers between colons
        ("<30>", None),  # a syslog priority is no process id
    ],
)
def test_a_number_before_the_stamp_where_a_process_id_stands_is_the_pid(
    tmp_path: Path, prefix: str, pid: str | None
) -> None:
    lines = [f"{prefix}2025-02-03 08:00:0{i}.120 cache shard {i} warmed" for i in range(5)]
    path = write(tmp_path, "cache.log", lines)
    rows = fast([path], None)
    assert [r.get("pid") for r in rows] == [pid] * 5
    assert {r["template"] for r in rows} == {"cache shard <*> warmed"}
    assert rows[0]["at"] == "2025-02-03T08:00:00.120000Z"
    assert fast([path], None) == reference([path], None)


def test_a_counter_before_the_stamp_is_not_the_pid(tmp_path: Path) -> None:
    lines = [f"{i:06d} 2025-02-03 08:00:0{i}.120 cache shard {i} warmed" for i in range(5)]
    rows = fast([write(tmp_path, "counted.log", lines)], None)
    assert all("pid" not in r for r in rows)


def test_a_line_whose_pid_place_holds_a_word_keeps_its_own_time(tmp_path: Path) -> None:
    # Past the lines a layout is learnt from, a word where the pid was: still a header.
    lines = [f"[{4000 + i}] 2025-02-03 08:00:{i % 60:02d}.120 shard {i} warmed" for i in range(300)]
    lines.append("[main] 2025-02-03 09:30:00.000 cache closed")
    path = write(tmp_path, "worded.log", lines)
    rows = fast([path], None)
    assert [r.get("pid") for r in rows[-3:]] == ["4298", "4299", None]
    assert rows[-1]["at"] == "2025-02-03T09:30:00Z" and not rows[-1].get("continuation")
    assert rows == reference([path], None)


# Header fields the layout writes in only some lines, or joined, or past a dash: (lines,
# (host, process, pid, level) of each, the first line's message).
FIELD_LAYOUTS = [
    (
        "a level after a word some lines leave out",
        [
            "2024-05-06 07:08:09.100 UTC [3101] LOG:  checkpoint starting: time",
            "2024-05-06 07:08:10.200 UTC [3120] shop@orders ERROR:  relation does not exist",
            "2024-05-06 07:08:10.200 UTC [3120] shop@orders STATEMENT:  select * from gone",
            "2024-05-06 07:08:11.300 UTC [3101] LOG:  checkpoint complete",
        ],
        [
            (None, None, "3101", "LOG"),
            (None, None, "3120", "ERROR"),
            (None, None, "3120", "STATEMENT"),
            (None, None, "3101", "LOG"),
        ],
        "checkpoint starting: time",
    ),
    (
        "a level and a process joined by a slash",
        [
            "[2024-05-06 07:08:09,100: INFO/Dispatcher] queue bound",
            "[2024-05-06 07:08:10,200: WARNING/Pool-3] job 12 slow",
            "[2024-05-06 07:08:11,300: ERROR/Pool-1] job 13 raised",
        ],
        [
            (None, "Dispatcher", None, "INFO"),
            (None, "Pool-3", None, "WARNING"),
            (None, "Pool-1", None, "ERROR"),
        ],
        "queue bound",
    ),
    (
        "a host before a program and its pid",
        [
            "Tue 2024-05-06 07:08:09 UTC edge7 cron[555]: (root) CMD (sweep)",
            "Tue 2024-05-06 07:08:10 UTC edge7 sshd[1234]: session opened",
            "Tue 2024-05-06 07:08:11 UTC core-2 kernel: link up",
        ],
        [
            ("edge7", "cron", "555", None),
            ("edge7", "sshd", "1234", None),
            ("core-2", "kernel", None, None),
        ],
        "(root) CMD (sweep)",
    ),
    (
        "a level after a dash",
        [
            "2024-05-06 07:08:09,100 [node:1] - INFO  [main:Loader@17] - reading the config",
            "2024-05-06 07:08:10,200 [node:] - WARN  [io:Acceptor@88] - socket closed",
            "2024-05-06 07:08:11,300 [node:1] - ERROR [sync:Peer@9] - peer lost",
        ],
        [(None, None, None, "INFO"), (None, None, None, "WARN"), (None, None, None, "ERROR")],
        "reading the config",
    ),
    (
        "a facility and level before a program",
        [
            "Tue May  6 07:08:09 2024 daemon.info relayd[812]: lease renewed",
            "Tue May  6 07:08:10 2024 authpriv.warn sshd[913]: bad key",
            "Tue May  6 07:08:11 2024 kern.err kernel: eth1 down",
        ],
        [
            (None, "relayd", "812", "info"),
            (None, "sshd", "913", "warn"),
            (None, "kernel", None, "err"),
        ],
        "lease renewed",
    ),
    (
        "a number where a program stands, with its colon",
        [
            "2024-05-06 07:08:09.100+0000: 4120: error : rpcRead:88 : end of stream",
            "2024-05-06 07:08:10.200+0000: 4121: warning : vmTaint:12 : guest 3 tainted",
        ],
        [(None, None, "4120", "error"), (None, None, "4121", "warning")],
        ": rpcRead:88 : end of stream",
    ),
    (
        "a column of capitals before a tag, which is no host",
        [
            "2024-05-06 07:08:09.100 3392 LOG C-0x55aa: app/bob@10.0.0.1:5000 login attempt",
            "2024-05-06 07:08:10.200 3392 LOG S-0x55ab: app/bob@10.0.0.1:5000 new connection",
            "2024-05-06 07:08:11.300 3394 LOG C-0x55ac: app/ann@10.0.0.2:5001 closing",
        ],
        [(None, "LOG", "3392", None), (None, "LOG", "3392", None), (None, "LOG", "3394", None)],
        "app/bob@10.0.0.1:5000 login attempt",
    ),
]


def test_a_tables_padded_column_of_severities_is_the_level(tmp_path: Path) -> None:
    """A system's log shown as a table: thread, type, activity, pid and a count in padded
    columns, then the process. The type column holds severities, some of them not the
    usual words ("Default", "Fault"); a bare number before the process is no host."""
    rows = [
        ("Default", "812", "relayd", "up"),
        ("Fault", "813", "relayd", "lost"),
        ("Error", "913", "agentd", "no key"),
        ("Info", "913", "agentd", "ok"),
    ]
    lines = [
        f"2024-05-06 07:08:1{i}.100+0000 0x3f1{i}    {kind:<9} 0x{i}       {pid}    {i}    "
        f"{process}: {text}"
        for i, (kind, pid, process, text) in enumerate(rows)
    ]
    path = write(tmp_path, "x.log", lines)
    parsed = list(parse_lines(path))
    assert [(p.host, p.level, p.pid, p.process, p.message) for p in parsed] == [
        (None, *row) for row in rows
    ]
    assert fast([path], None) == reference([path], None)


def test_the_stream_a_runtime_tags_a_line_with_is_header(tmp_path: Path) -> None:
    """Container runtimes write each line's stream and whether it is whole or a part
    ("stdout F ", "stderr P "): header, so that one event makes one template whichever
    stream it went to."""
    events = ["queue 7 drained in 12 ms", "queue 9 drained in 40 ms", "peer 10.0.0.4 lost"]
    tags = ["stdout F", "stderr F", "stdout P", "stderr F", "stdout F", "stdout F"]
    lines = [
        f"2024-05-06T07:08:{i:02d}.123456789Z {tag} {events[i % 3]}" for i, tag in enumerate(tags)
    ]
    path = write(tmp_path, "x.log", lines)
    parsed = list(parse_lines(path))
    assert [p.message for p in parsed] == [events[i % 3] for i in range(len(tags))]
    assert len({p.template_id for p in parsed}) == 2
    assert fast([path], None) == reference([path], None)


def test_a_message_starting_with_a_capital_word_keeps_it(tmp_path: Path) -> None:
    """Messages' first words, a level word among them ("Error reading"), are no column
    of severities: a table pads its columns to one width, a message does not."""
    said = ["Started unit cron", "Error reading config", "Stopped unit cron", "Reloading it"]
    messages = [f"0x3f1{i} {text}" for i, text in enumerate(said)]
    lines = [f"2024-05-06 07:08:1{i} {text}" for i, text in enumerate(messages)]
    read = [(p.level, p.message) for p in parse_lines(write(tmp_path, "x.log", lines))]
    assert read == [(None, text) for text in messages]


@pytest.mark.parametrize(
    ("name", "lines", "want", "message"), FIELD_LAYOUTS, ids=[c[0] for c in FIELD_LAYOUTS]
)
def test_header_fields_written_in_some_lines_joined_or_past_a_dash_are_read(
    tmp_path: Path,
    name: str,
    lines: list[str],
    want: list[tuple[str | None, ...]],
    message: str,
) -> None:
    path = write(tmp_path, "x.log", lines)
    parsed = list(parse_lines(path, year=2024))
    assert [(p.host, p.process, p.pid, p.level) for p in parsed] == want
    assert parsed[0].message == message
    first = parsed[0].at
    assert first is not None and first.replace(microsecond=0) == at("2024-05-06T07:08:09")
    assert fast([path], 2024) == reference([path], 2024)


@pytest.mark.parametrize(
    "fields",
    [
        {
            "2024-05-06T07:08:09Z [error] 5405#0: *7 open() failed": (None, "5405", "error"),
            "2024-05-06T07:08:10Z [warn] 5405#0: *8 response buffered": (None, "5405", "warn"),
            "2024-05-06T07:08:11Z [notice] 5406#5406: signal received": (None, "5406", "notice"),
        },
        {
            "2024-05-06 07:08:09: pid 4120: LOG:  checkpoint starting": (None, "4120", "LOG"),
            "2024-05-06 07:08:10: pid 4121: ERROR:  no route to 10.0.0.5": (None, "4121", "ERROR"),
        },
        {
            "Mon May  6 07:08:09 2024 [pid 4] CONNECT: client 10.0.0.5": (None, "4", None),
            "Mon May  6 07:08:10 2024 [pid 3] [ann] OK LOGIN: client 10.0.0.5": (None, "3", None),
        },
        {
            "2024-05-06 07:08:09,100:DEBUG:app.sync:pulled 4 rows": ("app.sync", None, "DEBUG"),
            "2024-05-06 07:08:10,200:ERROR:app.push:push failed": ("app.push", None, "ERROR"),
        },
        {
            "05-06 07:08:09.100 I/Zygote  (  812): forked 4 children": ("Zygote", "812", "I"),
            "05-06 07:08:10.200 E/Radio(1033): modem reset": ("Radio", "1033", "E"),
        },
        {
            "W, [2024-05-06T07:08:09.100000 #77]  WARN -- mailer: queue slow": (
                "mailer",
                "77",
                "WARN",
            ),
            "I, [2024-05-06T07:08:10.200000 #78]  INFO -- : job done": (None, "78", "INFO"),
        },
        {
            "2024-05-06 07:08:09.100  INFO 4120 --- [           main] shop.Boot"
            "                : started in 3 s": ("shop.Boot", "4120", "INFO"),
            "2024-05-06 07:08:10.200 ERROR 4120 --- [pool-2-thread-1] s.d.OrderStore"
            "           : lost 2 rows": ("s.d.OrderStore", "4120", "ERROR"),
            "2024-05-06 07:08:11.300  WARN 4121 --- [    scheduler-1] shop.Boot"
            "                : slow tick": ("shop.Boot", "4121", "WARN"),
        },
        {
            "2024-05-06T07:08:09.100+00:00 edge[router]: at=info status=200": ("edge", None, None),
            "2024-05-06T07:08:10.200+00:00 app[web.1]: order 7 paid": ("app", None, None),
            "2024-05-06T07:08:11.300+00:00 edge[web.2]: at=info status=404": ("edge", None, None),
        },
        {
            "2024-05-06 07:08:09.100 | INFO     | shop.api:serve:12 - listening": (
                "shop.api:serve:12",
                None,
                "INFO",
            ),
            "2024-05-06 07:08:10.200 | WARNING  | shop.db:query:40 - slow": (
                "shop.db:query:40",
                None,
                "WARNING",
            ),
        },
    ],
    ids=[
        "a pid after a hash",
        "a pid named so, without a bracket",
        "a pid named in its bracket",
        "a level between colons",
        "a level letter, a tag and its pid",
        "a pid after a hash in the stamp's bracket, a program after a double dash",
        "a pid, three dashes, a padded thread and a logger padded to its colon",
        "a program and a tag in brackets that is no pid",
        "a level padded between bars, then a name before a lone dash",
    ],
)
def test_fields_written_with_a_hash_a_name_or_colons_are_read(
    tmp_path: Path, fields: dict[str, tuple[str | None, str | None, str | None]]
) -> None:
    """(process, pid, level) of each line; the message keeps none of them."""
    path = write(tmp_path, "x.log", list(fields))
    parsed = list(parse_lines(path))
    assert [(p.process, p.pid, p.level) for p in parsed] == list(fields.values())
    cut = (
        "[pid",
        "pid",
        "5405#",
        "5406#",
        ":",
        "DEBUG",
        "ERROR",
        "I/",
        "E/",
        "--",
        "#",
        "4120",
        "---",
    )
    assert all(p.at is not None and not p.message.startswith(cut) for p in parsed)
    assert fast([path], 2024) == reference([path], 2024)
