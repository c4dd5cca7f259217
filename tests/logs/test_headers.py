"""Header detection, time resolution, continuation lines and year rollover."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retroline.errors import RetrolineWarning, UsageError
from retroline.logs.headers import PATTERNS, SAMPLE_LINES, detect
from retroline.logs.layout import HeaderPattern
from retroline.logs.parse import parse_lines
from retroline.logs.timestamps import TimeResolver

DATA = Path(__file__).parent / "data"


@pytest.mark.parametrize("pattern", PATTERNS, ids=lambda p: p.name)
def test_every_pattern_parses_its_example(pattern) -> None:
    fields = pattern.parse(pattern.example)
    assert fields is not None


@pytest.mark.parametrize(
    ("line", "name", "at", "host", "process", "pid", "level", "message"),
    [
        (
            "<34>1 2003-10-11T22:14:15.003Z mymachine.example.com su - ID47 - 'su root' failed",
            "rfc5424",
            datetime(2003, 10, 11, 22, 14, 15, 3000, UTC),
            "mymachine.example.com",
            "su",
            None,
            None,
            "'su root' failed",
        ),
        (
            "<34>Oct 11 22:14:15 mymachine su[77]: 'su root' failed for lonvick",
            "rfc3164",
            datetime(2020, 10, 11, 22, 14, 15, tzinfo=UTC),
            "mymachine",
            "su",
            "77",
            None,
            "'su root' failed for lonvick",
        ),
        (
            '{"__REALTIME_TIMESTAMP":"1473366708000123","_HOSTNAME":"h1","SYSLOG_IDENTIFIER":'
            '"sshd","_PID":"42","PRIORITY":"3","MESSAGE":"Connection closed"}',
            "journald-json",
            datetime(2016, 9, 8, 20, 31, 48, 123, UTC),
            "h1",
            "sshd",
            "42",
            "err",
            "Connection closed",
        ),
        (
            "2016-09-08T22:31:48.5+02:00 ERROR db: connection refused",
            "iso-level",
            datetime(2016, 9, 8, 20, 31, 48, 500000, UTC),
            None,
            "db",
            None,
            "ERROR",
            "connection refused",
        ),
        (
            "[2016-09-08T20:31:48Z WARN  shop::db] pool exhausted, 12 waiting",
            "iso-level",
            datetime(2016, 9, 8, 20, 31, 48, tzinfo=UTC),
            None,
            "shop::db",
            None,
            "WARN",
            "pool exhausted, 12 waiting",
        ),
        (
            "2016-09-08T20:31:48.25Z  INFO shop::http::server: listening on 8080",
            "iso-level",
            datetime(2016, 9, 8, 20, 31, 48, 250000, UTC),
            None,
            "shop::http::server",
            None,
            "INFO",
            "listening on 8080",
        ),
        (
            "2016-09-08 20:31:48,123 - app.db - WARNING - pool exhausted",
            "python-logging",
            datetime(2016, 9, 8, 20, 31, 48, 123000, UTC),
            None,
            "app.db",
            None,
            "WARNING",
            "pool exhausted",
        ),
        (
            "2016-09-08 20:31:48,123 [main] INFO  org.foo.Bar - started",
            "log4j-default",
            datetime(2016, 9, 8, 20, 31, 48, 123000, UTC),
            None,
            "org.foo.Bar",
            None,
            "INFO",
            "started",
        ),
        (
            '10.0.0.1 - - [08/Sep/2016:22:31:48 +0200] "GET / HTTP/1.1" 200 612',
            "access-log",
            datetime(2016, 9, 8, 20, 31, 48, tzinfo=UTC),
            "10.0.0.1",
            None,
            None,
            None,
            '"GET / HTTP/1.1" 200 612',
        ),
        (
            "[2014-10-18 05:54:52 4572] WARNING (image:490) domain died",
            "xen",
            datetime(2014, 10, 18, 5, 54, 52, tzinfo=UTC),
            None,
            "image",
            "4572",
            "WARNING",
            "domain died",
        ),
        (
            "2016/09/08-20:31:48 stompclt[47740]: main lingering",
            "stompclt",
            datetime(2016, 9, 8, 20, 31, 48, tzinfo=UTC),
            None,
            "stompclt",
            "47740",
            None,
            "main lingering",
        ),
    ],
)
def test_formats_are_detected_and_split(
    tmp_path: Path, line, name, at, host, process, pid, level, message
) -> None:
    assert detect([line, line]).name == name
    path = tmp_path / "one.log"
    path.write_text(line + "\n" + line + "\n", encoding="utf-8")
    got = next(parse_lines(path, year=2020))
    assert (got.at, got.host, got.process, got.pid, got.level, got.message) == (
        at,
        host,
        process,
        pid,
        level,
        message,
    )


def test_continuation_lines_belong_to_the_record_before() -> None:
    lines = list(parse_lines(DATA / "stacktrace.log"))
    assert [p.continuation for p in lines] == [False, True, True, True, False]
    assert [p.line for p in lines] == [1, 2, 3, 4, 5]
    assert {p.at for p in lines[:4]} == {datetime(2016, 9, 8, 20, 31, 48, 123000, UTC)}
    assert lines[2].level == "ERROR"
    assert lines[2].message == "at org.foo.Bar.run(Bar.java:42)"


def test_year_rollover_inside_a_file_is_followed() -> None:
    ats = [p.at for p in parse_lines(DATA / "rollover.log", year=2015)]
    assert ats[0] == datetime(2015, 12, 31, 23, 59, 58, tzinfo=UTC)
    assert ats[2] == datetime(2016, 1, 1, 0, 0, 1, tzinfo=UTC)


def test_a_missing_year_is_assumed_openly() -> None:
    lines = list(parse_lines(DATA / "rollover.log"))
    assert all(p.year_assumed for p in lines)
    assert lines[0].to_json_dict()["year_assumed"] is True
    assert not any(p.year_assumed for p in parse_lines(DATA / "rollover.log", year=2015))


def test_zone_applies_where_the_log_states_none_and_offsets_win() -> None:
    resolver = TimeResolver("Europe/Zurich", 2016)
    local = {"Y": "2016", "m": "09", "d": "08", "H": "17", "M": "56", "S": "00"}
    assert resolver.resolve(local) == datetime(2016, 9, 8, 15, 56, tzinfo=UTC)
    assert resolver.resolve({**local, "z": "-05:00"}) == datetime(2016, 9, 8, 22, 56, tzinfo=UTC)


def test_an_unknown_zone_is_a_usage_error() -> None:
    with pytest.raises(UsageError):
        TimeResolver("Mars/Olympus")


# The component and tag groups of two patterns are written out for speed; these are the
# lazy forms they stand for, which must give the same split on any line.
_LAZY = {
    "zookeeper": (
        "2015-07-29 17:41:44,747 - INFO  [",
        r"^(?P<proc>.*?)(?:@(?P<lineno>\d+))?\] - (?P<msg>.*)$",
    ),
    "android": ("03-17 16:13:38.811  1702  2395 D ", r"^(?P<proc>.*?) ?: (?P<msg>.*)$"),
}


@pytest.mark.parametrize("name", sorted(_LAZY))
@settings(max_examples=400, deadline=None)
@given(rest=st.text(alphabet="ab1@]:[- ", max_size=24))
def test_written_out_groups_split_as_the_lazy_ones(name: str, rest: str) -> None:
    head, lazy = _LAZY[name]
    pattern = next(p for p in PATTERNS if p.name == name)
    ours = pattern.compiled.match(head + rest)
    theirs = re.match(lazy, rest)
    assert (ours is None) == (theirs is None)
    if ours is not None and theirs is not None:
        assert (ours["proc"], ours["msg"]) == (theirs["proc"], theirs["msg"])


@pytest.mark.parametrize(
    ("line", "name", "process"),
    [
        ("2024-01-05T10:00:00Z ERROR база-данных: connection refused", "iso-level", "база-данных"),
        ("[Sun Dec 04 04:47:44 2005] [mod_café:error] ok", "apache-error", "mod_café"),
        ("Dec 10 06:55:46 hôte démon[24200]: prêt", "rfc3164", "démon"),
    ],
)
def test_names_in_headers_may_be_written_in_any_script(line: str, name: str, process: str) -> None:
    """Header regexes use ASCII classes for speed; names still take any letter."""
    pattern = next(p for p in PATTERNS if p.name == name)
    fields = pattern.parse(line)
    assert fields is not None and fields.process == process


_MONTH_NAMES = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def test_a_yearless_log_that_starts_in_a_month_to_come_is_from_last_year(tmp_path: Path) -> None:
    """Read in November, a syslog starting on "Dec 10" was written the December before; one
    starting this month or earlier, this year (both said to be assumed)."""
    now = datetime.now(UTC)
    earlier = tmp_path / "earlier.log"
    earlier.write_text(f"{_MONTH_NAMES[now.month - 1]}  1 06:55:46 web-1 cron[1]: job done\n")
    [line] = parse_lines(earlier)
    assert line.at is not None and line.at.year == now.year and line.year_assumed
    if now.month < 12:
        later = tmp_path / "later.log"
        first = _MONTH_NAMES[now.month]
        later.write_text(
            f"{first} 10 06:55:46 web-1 cron[1]: job done\nJan  2 00:00:01 web-1 cron[2]: next\n"
        )
        ats = [p.at for p in parse_lines(later)]
        assert ats[0] is not None and ats[0].year == now.year - 1
        assert ats[1] is not None and ats[1].year == now.year  # the rollover still follows


def test_a_yearless_log_is_never_dated_after_the_day_it_was_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Read on 7 December, a syslog last written that day and starting on "Dec 31" was
    written the year before, and its "Jan  1" after the rollover is this year's; one that
    starts on "Dec  7" (or on the 8th, a zone ahead of UTC) is this year's."""
    from datetime import date

    from retroline.logs import timestamps
    from tests.logs.test_jsonl import fast, reference

    monkeypatch.setattr(timestamps, "today", lambda: date(2031, 12, 7))
    log = tmp_path / "newyear.log"
    log.write_text("Dec 31 23:59:58 web-1 cron[1]: job done\nJan  1 00:00:01 web-1 cron[2]: next\n")
    ats = [p.at for p in parse_lines(log, day=date(2031, 12, 7))]
    assert ats == [
        datetime(2030, 12, 31, 23, 59, 58, tzinfo=UTC),
        datetime(2031, 1, 1, 0, 0, 1, tzinfo=UTC),
    ]
    os.utime(log, (datetime(2031, 12, 7, 12, tzinfo=UTC).timestamp(),) * 2)
    assert [row["at"] for row in fast([log], None)] == [
        "2030-12-31T23:59:58Z",
        "2031-01-01T00:00:01Z",
    ]
    assert fast([log], None) == reference([log], None)
    for first in ("Dec  7", "Dec  8"):
        log.write_text(f"{first} 23:59:58 web-1 cron[1]: job done\n")
        [line] = parse_lines(log, day=date(2031, 12, 7))
        assert line.at is not None and line.at.year == 2031 and line.year_assumed
    # A file last written in March: a first line on "Mar 20" is from the year before.
    log.write_text("Mar 20 10:00:00 web-1 cron[1]: job done\n")
    [line] = parse_lines(log, day=date(2031, 3, 1))
    assert line.at == datetime(2030, 3, 20, 10, tzinfo=UTC)


def _preamble(lines: int) -> list[str]:
    """A program's settings, printed before it logs: lines no layout reads."""
    return ["Starting with these settings:"] + [f"  option.{i} = {i * 7}" for i in range(lines)]


def test_a_layout_after_a_preamble_longer_than_the_sample_is_learnt(tmp_path: Path) -> None:
    """The first lines sampled are a preamble no layout reads: the layout is found after
    it, with its header fields, so that templates do not carry the thread and the logger;
    the preamble keeps no time."""
    from tests.logs.test_jsonl import fast, reference

    log = tmp_path / "app.log"
    body = [
        f"2026-11-02 10:{i // 60:02d}:{i % 60:02d},{i:03d} INFO  [worker-{i % 4}] "
        f"com.example.Queue - processed batch {i} in {i % 90} ms"
        for i in range(300)
    ]
    log.write_text("\n".join(_preamble(3 * SAMPLE_LINES) + body) + "\n")
    rows = fast([log], None)
    assert rows == reference([log], None)
    start = 3 * SAMPLE_LINES + 1
    assert all(row["at"] is None for row in rows[:start])
    stamped = rows[start:]
    assert {row["template"] for row in stamped} == {"processed batch <*> in <*> ms"}
    assert {(row["level"], row["process"]) for row in stamped} == {("INFO", "com.example.Queue")}
    assert stamped[0]["at"] == "2026-11-02T10:00:00Z"
    # JSON records after a preamble are read as records.
    records = [
        f'{{"time":"2026-11-02T10:00:{i:02d}Z","level":"warn","msg":"slow"}}' for i in range(60)
    ]
    log.write_text("\n".join(_preamble(2 * SAMPLE_LINES) + records) + "\n")
    rows = fast([log], None)
    assert rows == reference([log], None)
    assert [(row["at"], row.get("level")) for row in rows[-60:]] == [
        (f"2026-11-02T10:00:{i:02d}Z", "warn") for i in range(60)
    ]


def test_a_file_with_no_layout_at_all_is_read_as_lines(tmp_path: Path) -> None:
    """No line past the sample ends a preamble: the lines are messages without a time."""
    from tests.logs.test_jsonl import fast, reference

    log = tmp_path / "notes.log"
    log.write_text("\n".join(_preamble(3 * SAMPLE_LINES)) + "\n")
    rows = fast([log], None)
    assert rows == reference([log], None) and len(rows) == 3 * SAMPLE_LINES + 1
    assert all(row["at"] is None for row in rows)


def test_a_yearless_log_copied_with_its_times_kept_is_in_the_year_it_was_written(
    tmp_path: Path,
) -> None:
    """Evidence copied from a server with its times kept (tar, rsync -a) and read years
    later: its yearless lines are in the year it was last written, so that 29 February is
    a day, and a first line on a day after that is the year before's."""
    from tests.logs.test_jsonl import fast, reference

    log = tmp_path / "leap.log"
    log.write_text(
        "Feb 28 23:59:00 db-2 app[7]: checkpoint\n"
        "Feb 29 10:00:00 db-2 app[7]: checkpoint\n"
        "Mar  1 10:00:00 db-2 app[7]: checkpoint\n"
    )
    os.utime(log, (datetime(2024, 3, 2, 8, tzinfo=UTC).timestamp(),) * 2)
    rows = fast([log], None)
    assert [row["at"] for row in rows] == [
        "2024-02-28T23:59:00Z",
        "2024-02-29T10:00:00Z",
        "2024-03-01T10:00:00Z",
    ]
    assert all(row["year_assumed"] for row in rows)
    assert rows == reference([log], None)
    log.write_text("Dec 30 10:00:00 db-2 app[7]: checkpoint\nJan  2 10:00:00 db-2 app[7]: x\n")
    os.utime(log, (datetime(2025, 1, 3, 8, tzinfo=UTC).timestamp(),) * 2)
    assert [row["at"] for row in fast([log], None)] == [
        "2024-12-30T10:00:00Z",
        "2025-01-02T10:00:00Z",
    ]


def test_a_zone_name_of_the_tz_database_after_the_time_is_its_zone(tmp_path: Path) -> None:
    """ "Europe/Berlin" is UTC+1 in November and UTC+2 in July; a name the tz database does
    not have gives no time rather than a guess."""
    from tests.logs.test_jsonl import fast, reference

    log = tmp_path / "app.log"
    log.write_text(
        "[23-Nov-2026 00:31:01 Europe/Berlin] app: request failed\n"
        "[23-Jul-2026 00:31:02 America/New_York] app: request failed\n"
        "[23-Jul-2026 00:31:03 America/Argentina/Salta] app: request failed\n"
        "[23-Jul-2026 00:31:04 Europe/Nowhere] app: request failed\n"
    )
    lines = list(parse_lines(log))
    assert [p.at for p in lines] == [
        datetime(2026, 11, 22, 23, 31, 1, tzinfo=UTC),
        datetime(2026, 7, 23, 4, 31, 2, tzinfo=UTC),
        datetime(2026, 7, 23, 3, 31, 3, tzinfo=UTC),
        None,
    ]
    assert [p.zone_source.value if p.zone_source else None for p in lines] == [
        "explicit",
        "explicit",
        "explicit",
        None,
    ]
    with pytest.warns(RetrolineWarning, match=r"app\.log:4: a stamp that names no instant"):
        assert fast([log], None) == reference([log], None)


def test_a_year_after_the_syslog_time_is_the_year_never_the_host(tmp_path: Path) -> None:
    # The year follows the time and something no host can be follows it: the line's year
    # is the one written (not this year, assumed), and no host is read from it.
    from tests.logs.test_jsonl import fast, reference

    path = tmp_path / "queue.log"
    path.write_text(
        "".join(f"Mar  4 10:00:0{i} 2019 (77{i}) queue runner {i} started\n" for i in range(3))
    )
    rows = fast([path], None)
    assert [r["at"] for r in rows] == [f"2019-03-04T10:00:0{i}Z" for i in range(3)]
    assert not any(r.get("year_assumed") or "host" in r for r in rows)
    assert rows == reference([path], None)


def test_a_layout_is_compiled_when_first_used_not_when_made() -> None:
    # The catalog makes many layouts at import, some large, that most runs never try.
    broken = HeaderPattern("unbalanced", "(?P<msg>.*", "any line")
    with pytest.raises(re.error):
        broken.parse("a line")
    fine = HeaderPattern("plain-test", "(?P<msg>.*)$", "any line")
    assert "compiled" not in vars(fine)
    assert fine.parse("a line") is not None and "compiled" in vars(fine)
