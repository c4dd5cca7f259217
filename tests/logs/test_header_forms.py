"""Header forms of the catalog and the zones lines write: each line's instant, and where
its zone came from. Fixtures are made up for the test."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from pathlib import Path

import pytest

from retroline.logs import parse, reader
from retroline.logs.headers import detect
from retroline.logs.parse import parse_lines
from retroline.logs.run import read_kept
from retroline.logs.templates import TemplateMiner
from tests.logs.test_jsonl import fast, reference


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# (name, lines, the pattern detect picks, the first line's UTC instant, its zone source)
FORMS = [
    (
        "zone abbreviation after an ISO time, colons after it",
        [
            "2021-03-11 20:40:43 CET::@:[127]:LOG:  database system is ready",
            "2021-03-11 20:40:44 CET::@:[128]:LOG:  autovacuum launcher started",
        ],
        "iso-level",
        "2021-03-11T19:40:43",
        "explicit",
    ),
    (
        "summer abbreviation in a bracketed ISO time",
        [
            "[2021-06-27 00:00:07.369 CEST] ERROR worker: job failed",
            "[2021-06-27 00:00:08.001 CEST] INFO worker: job retried",
        ],
        "iso-level",
        "2021-06-26T22:00:07.369000",
        "explicit",
    ),
    (
        "offset without a colon",
        ["2021-06-27T00:00:07+0530 INFO api: up", "2021-06-27T00:00:08+0530 INFO api: up"],
        "iso-level",
        "2021-06-26T18:30:07",
        "explicit",
    ),
    (
        "hour-only offset",
        ["2021-06-27 00:00:07-03 WARN api: slow", "2021-06-27 00:00:09-03 WARN api: slow"],
        "iso-level",
        "2021-06-27T03:00:07",
        "explicit",
    ),
    (
        "ISO time, tab, level, tab",
        [
            '2025-01-02T03:04:05.678Z\tinfo\tservice/main.go:12\tstarted\t{"port": 80}',
            "2025-01-02T03:04:06.000Z\terror\tservice/main.go:40\tfailed",
        ],
        "iso-level",
        "2025-01-02T03:04:05.678000",
        "explicit",
    ),
    (
        "Unix time, tab-separated fields",
        [
            "1600000000.250000\tCx1\t10.0.0.1\t5353\tGET",
            "1600000001.500000\tCx2\t10.0.0.2\t5353\tPOST",
        ],
        "epoch",
        "2020-09-13T12:26:40.250000",
        "explicit",
    ),
    (
        "glog",
        [
            "I0203 04:05:06.123456    4711 server.go:88] listening",
            "E0203 04:05:07.000001    4711 server.go:91] request failed",
        ],
        "glog",
        "2021-02-03T04:05:06.123456",
        "assumed",
    ),
    (
        "TAI64N labels",
        [
            "@4000000060000000000f4240 service: started",
            "@4000000060000001000f4240 service: ready",
        ],
        "tai64n",
        "2021-01-14T08:25:26.001000",
        "explicit",
    ),
    (
        "syslog without a tag, tabs after the host",
        [
            "<14>Feb  3 04:05:06 WKS-1 EventLog\t1\tSecurity\t4624\tAn account logged on",
            "<14>Feb  3 04:05:09 WKS-1 EventLog\t1\tSecurity\t4634\tAn account logged off",
        ],
        "rfc3164-untagged",
        "2021-02-03T04:05:06",
        "assumed",
    ),
    (
        "bracketed ISO time, a level padded inside brackets, brackets one after another",
        [
            "[2021-02-12T08:09:10,123][INFO ][c.e.node.Node        ] [node-1] started",
            "[2021-02-12T08:09:11,456][WARN ][c.e.disk.Monitor     ] [node-1] disk high",
            "[2021-02-12T08:09:12,789][ERROR][c.e.boot.Bootstrap   ] [node-1] failed",
        ],
        "iso-level",
        "2021-02-12T08:09:10.123",
        "assumed",
    ),
    (
        "ISO time, a padded level in brackets, a component in brackets, a dash",
        [
            "2021-02-12 08:09:10.123 [WARN ] [ui.internal.Auth] - auth failed for x",
            "2021-02-12 08:09:11.456 [INFO ] [core.Service    ] - service up",
        ],
        "iso-level",
        "2021-02-12T08:09:10.123",
        "assumed",
    ),
    (
        "syslog with a French month name",
        [
            "févr. 12 08:09:10 srv-2 cron[99]: (root) CMD (run-parts)",
            "févr. 12 08:09:11 srv-2 cron[99]: (root) CMD (true)",
        ],
        "rfc3164",
        "2021-02-12T08:09:10",
        "assumed",
    ),
]


def write(tmp_path: Path, name: str, lines: list[str]) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("name", "lines", "pattern", "first", "source"), FORMS, ids=[f[0] for f in FORMS]
)
def test_a_header_form_gives_the_right_instant_and_says_where_the_zone_came_from(
    tmp_path: Path, name: str, lines: list[str], pattern: str, first: str, source: str
) -> None:
    # The catalog layout, with the header fields learnt after it where there are some.
    assert detect(lines).name.removesuffix("+fields") == pattern
    path = write(tmp_path, "x.log", lines)
    parsed = list(parse_lines(path, year=2021))
    assert parsed[0].at == at(first)
    assert parsed[0].zone_source == source
    assert all(p.at is not None and not p.continuation for p in parsed)
    assert fast([path], 2021) == reference([path], 2021)


def test_a_padded_level_in_brackets_is_the_level_and_the_brackets_after_it_header(
    tmp_path: Path,
) -> None:
    for case in FORMS:
        if "padded" not in case[0]:
            continue
        parsed = list(parse_lines(write(tmp_path, "x.log", case[1])))
        levels = [re.search(r"\[([A-Z]+) *\]", line) for line in case[1]]
        assert [p.level for p in parsed] == [m.group(1) if m else None for m in levels]
        assert not any(p.message.startswith(("]", "[", "-")) for p in parsed), case[0]


def test_a_date_after_the_time_is_no_host(tmp_path: Path) -> None:
    """A collector's time before the program's own line ("ISO-time ISO-date time LEVEL
    name: message"): the date is not a host and the program's clock not a process."""
    lines = [
        "2021-02-12T08:09:10.123456789Z 2021-02-12 08:09:10,120 INFO app: started",
        "2021-02-12T08:09:11.123456789Z 2021-02-12 08:09:11,120 WARN app: slow",
        "2021-02-12T08:09:12.123456789Z 2021-02-12 08:09:12,120 ERROR db: gone",
    ]
    parsed = list(parse_lines(write(tmp_path, "x.log", lines)))
    assert [(p.host, p.process, p.level, p.message) for p in parsed] == [
        (None, "app", "INFO", "started"),
        (None, "app", "WARN", "slow"),
        (None, "db", "ERROR", "gone"),
    ]
    assert parsed[0].at == at("2021-02-12T08:09:10.123456")


@pytest.mark.parametrize(
    ("zone", "hours"), [("GMT+1", -1), ("GMT+01:00", -1), ("UTC-03:00", 3), ("UTC+0530", -5.5)]
)
def test_an_offset_spelt_after_gmt_or_utc_is_the_offset(
    tmp_path: Path, zone: str, hours: float
) -> None:
    """Not GMT itself with the offset left in the message (an hour or more off)."""
    lines = [f"2021-02-12 08:09:1{i} {zone} INFO worker {i} ready" for i in range(3)]
    parsed = list(parse_lines(write(tmp_path, "x.log", lines)))
    base = at("2021-02-12T08:09:10") + timedelta(hours=hours)
    assert [p.at for p in parsed] == [base + timedelta(seconds=i) for i in range(3)]
    assert {p.zone_source for p in parsed} == {"explicit"}
    assert {p.message for p in parsed} == {f"worker {i} ready" for i in range(3)}


def test_a_zone_written_after_the_time_is_never_dropped(tmp_path: Path) -> None:
    """A zone abbreviation followed by a comma (a log written as CSV rows) is the zone of
    the time: the line is not read as a time without zone and a host full of commas."""
    lines = [
        f'2024-01-05 10:00:0{i}.250 EST,"app","db",4242,"[local]",ab12.1,{i},,'
        f'2024-01-05 09:59:00 EST,3/7,0,LOG,00000,"statement {i} done",,,,,,,,,"psql"'
        for i in range(4)
    ]
    path = write(tmp_path, "x.csv", lines)
    parsed = list(parse_lines(path))
    assert [p.at for p in parsed] == [at(f"2024-01-05T15:00:0{i}.250000") for i in range(4)]
    assert {p.zone_source for p in parsed} == {"explicit"}
    assert not any(p.host for p in parsed)
    assert fast([path], 2024) == reference([path], 2024)


def test_the_zone_given_by_the_user_is_said_to_be_the_users(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "x.log",
        ["2021-01-05 10:00:00 ERROR db: down", "2021-01-05 10:00:01 ERROR db: down"],
    )
    parsed = list(parse_lines(path, tz="Europe/Berlin"))
    assert parsed[0].at == at("2021-01-05T09:00:00")
    assert parsed[0].to_json_dict()["zone_source"] == "option"
    # A zone written in the line wins over the one given.
    written = write(tmp_path, "y.log", ["2021-01-05 10:00:00 UTC INFO db: up"] * 2)
    line = next(parse_lines(written, tz="Europe/Berlin"))
    assert (line.at, line.zone_source) == (at("2021-01-05T10:00:00"), "explicit")


def test_a_second_pass_parses_only_the_lines_it_keeps(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text(
        "".join(
            f"2031-05-04T10:00:{i:02d}Z web01 app[7]: {'disk full on sda' if i % 3 else 'ok'}\n"
            for i in range(9)
        ),
        encoding="utf-8",
    )
    miner = TemplateMiner()
    learnt = {p.message: p.template_id for p in parse_lines(path, miner=miner)}
    kept = list(
        read_kept(path, lambda texts: [i for i, t in enumerate(texts) if "disk" in t], miner)
    )
    # The lines keep refuses are passed over; those kept keep their own numbers and times,
    # and the template the miner learnt for them.
    assert [p.line for p in kept] == [2, 3, 5, 6, 8, 9]
    assert [p.message for p in kept] == ["disk full on sda"] * 6
    assert {p.template_id for p in kept} == {learnt["disk full on sda"]}
    assert kept[0].at is not None and kept[0].at.second == 1
    assert kept[0].host == "web01"


def test_a_second_pass_gives_what_the_line_reader_gives(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The lines ``keep`` takes, read a block at a time on the chunk path, are what the
    reference reader gives for them (with a miner that learnt the file): over 200 lines
    (past those a header is detected from), with binary junk, an over-long line, CRLF
    ends, stack frames and a second layout in between, in ranges of lines that start and
    end inside blocks."""
    lines = []
    for i in range(600):
        lines.append(f"2031-05-04T10:{i // 60:02d}:{i % 60:02d}Z web01 app[7]: request {i} ok")
        if i % 50 == 7:
            lines.append(f"2031-05-04T10:{i // 60:02d}:{i % 60:02d}Z web01 app[7]: disk full {i}")
            lines.append("\tat org.example.Disk.write(Disk.java:42)")
        if i == 300:
            lines.append("May  4 10:05:00 web02 kernel: disk error on sdb")
            lines.append("\x00\x01\x02 disk junk \x03\x04")
            lines.append(
                "2031-05-04T10:05:01Z web01 app[7]: disk " + "x" * (reader.MAX_LINE_BYTES + 9)
            )
    path = tmp_path / "app.log"
    path.write_bytes("\r\n".join(lines).encode("utf-8") + b"\r\n")

    def keep(texts: list[str]) -> list[int]:
        return [i for i, text in enumerate(texts) if "disk" in text]

    miner = TemplateMiner()
    every = list(parse_lines(path, year=2031, miner=miner))
    assert any(p.binary for p in every) and any(p.truncated for p in every)
    # Blocks of 4 KiB, so that a range of lines starts and ends inside some of them.
    monkeypatch.setattr(reader, "BLOCK_BYTES", 4096)
    for within in (None, (250, 450), (600, 700)):
        low, high = within or (1, len(every))
        got = list(read_kept(path, keep, miner, year=2031, within=within))
        # Every line taken, but for binary ones, in order.
        wanted = [
            p for p in parse_lines(path, year=2031, miner=miner, learn=False)
            if low <= p.line <= high and not p.binary and "disk" in p.message
        ]  # fmt: skip
        assert [p.line for p in got] == [p.line for p in wanted]
        # A line with a header is what the reference gives; the record a stack frame
        # continues is the last line taken before it.
        headed = [(p.to_json_dict(), p.message) for p in wanted if not p.continuation]
        assert [(p.to_json_dict(), p.message) for p in got if not p.continuation] == headed
        for before, frame in pairwise(got):
            if frame.continuation:
                assert (frame.at, frame.host) == (before.at, before.host)
        assert any(p.truncated for p in got) == (within != (600, 700))
    everything = list(read_kept(path, None, miner, year=2031))
    assert len(everything) == len([p for p in every if not p.binary])
    assert len([p for p in everything if "disk full" in p.message]) == 12


def test_files_of_other_layouts_share_one_set_of_the_others() -> None:
    """The layouts a line may switch to are one compiled set for every file without learnt
    companions (compiling one per file layout took 20 ms each), and a line that misses its
    file's own layout finds the same one in it as before: the own is tried first."""
    syslog, iso = (detect([line] * 5) for line in SAMPLES)
    assert syslog.name != iso.name
    assert parse.other_patterns(syslog)[1] is parse.other_patterns(iso)[1]
    others = parse.other_patterns(syslog)[1]
    assert others.first(SAMPLES[1]) is not None  # the other layout, found from a syslog file
    assert others.first("\tat org.example.Disk.write(Disk.java:42)") is None  # a frame: none


SAMPLES = (
    "May  4 10:05:00 web02 kernel: disk error on sdb",
    "2031-05-04 10:05:01,123 ERROR [main] org.example.Disk: disk full",
)
