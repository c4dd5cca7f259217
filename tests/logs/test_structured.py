"""Records as lines: JSON objects of any shape, with or without a prefix, and logfmt."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retroline.errors import RetrolineWarning
from retroline.logs.headers import PATTERNS, detect
from retroline.logs.layout import Fields
from retroline.logs.parse import parse_lines
from retroline.logs.run import write_json_lines
from retroline.logs.structured import (
    STRUCTURED_PATTERNS,
    JournalPattern,
    JsonPattern,
    LogfmtPattern,
    XmlPattern,
)
from retroline.logs.timestamps import TimeResolver
from tests.logs.test_jsonl import fast, reference

JSON = next(p for p in STRUCTURED_PATTERNS if isinstance(p, JsonPattern))
LOGFMT = next(p for p in STRUCTURED_PATTERNS if isinstance(p, LogfmtPattern))
XML = next(p for p in STRUCTURED_PATTERNS if isinstance(p, XmlPattern))


def _read(line: str) -> Fields:
    fields = JSON.parse(line) or LOGFMT.parse(line)
    assert fields is not None, line
    return fields


def _at(fields: Fields) -> datetime | None:
    return TimeResolver().resolve(fields.time)


def test_the_record_layouts_come_first_journald_before_json_before_logfmt() -> None:
    names = [p.name for p in STRUCTURED_PATTERNS]
    assert names == ["journald-json", "json-lines", "xml-lines", "logfmt"]
    assert [p.name for p in PATTERNS[: len(names)]] == names


@pytest.mark.parametrize(
    ("line", "at", "host", "process", "pid", "level", "message"),
    [
        pytest.param(
            '{"name":"billing","hostname":"box-3","pid":4711,"level":50,"msg":"charge declined",'
            '"time":"2023-03-14T09:26:53.589Z","v":0}',
            datetime(2023, 3, 14, 9, 26, 53, 589000, UTC),
            "box-3", "billing", "4711", "error", "charge declined",
            id="bunyan-numeric-level",
        ),
        pytest.param(
            '{"level":40,"time":1700000000123,"pid":99,"hostname":"web","msg":"slow query"}',
            datetime(2023, 11, 14, 22, 13, 20, 123000, UTC),
            "web", None, "99", "warn", "slow query",
            id="pino-epoch-ms",
        ),
        pytest.param(
            '{"severity":"ERROR","timestamp":{"seconds":"1712345678","nanos":250000000},'
            '"jsonPayload":{"message":"upstream reset"}}',
            datetime(2024, 4, 5, 19, 34, 38, 250000, UTC),
            None, None, None, "error", "upstream reset",
            id="protobuf-timestamp-object",
        ),
        pytest.param(
            '{"level":"warn","ts":1712345678.1234567,"logger":"grpc.server",'
            '"caller":"server/handler.go:88","msg":"retrying","attempt":2}',
            datetime(2024, 4, 5, 19, 34, 38, 123456, UTC),
            None, "grpc.server", None, "warn", "retrying",
            id="zap-float-epoch",
        ),
        pytest.param(
            '{"t":{"$date":"2021-02-03T04:05:06.789+01:00"},"s":"W","c":"STORAGE","id":22430,'
            '"ctx":"Checkpointer","msg":"checkpoint slow","attr":{"message":"not this"}}',
            datetime(2021, 2, 3, 3, 5, 6, 789000, UTC),
            None, "STORAGE", None, "warning", "checkpoint slow",
            id="extended-json-date",
        ),
        pytest.param(
            '{"timestamp":"2023-07-01 12:30:45.250 CEST","pid":3210,"session_id":"64a.1",'
            '"error_severity":"ERROR","message":"relation \\"foo\\" does not exist"}',
            datetime(2023, 7, 1, 10, 30, 45, 250000, UTC),
            None, None, "3210", "error", 'relation "foo" does not exist',
            id="zone-abbreviation",
        ),
        pytest.param(
            '{"insertId":"x1","receiveTimestamp":"2023-05-06T07:08:10.5Z",'
            '"timestamp":"2023-05-06T07:08:09.25Z","severity":"WARNING",'
            '"jsonPayload":{"message":"disk 91% full"},"resource":{"type":"vm"}}',
            datetime(2023, 5, 6, 7, 8, 9, 250000, UTC),
            None, None, None, "warning", "disk 91% full",
            id="cloud-export-nested-payload",
        ),
        pytest.param(
            '{"level":"info","ts":1650000000.5,"msg":"record","record":'
            '{"log_time":"2001-01-01 00:00:00 UTC","process_id":"77","message":"checkpoint done"}}',
            datetime(2022, 4, 15, 5, 20, 0, 500000, UTC),
            None, None, "77", "info", "checkpoint done",
            id="top-level-time-wins-over-nested",
        ),
        pytest.param(
            '{"msg":"tick","record":{"log_time":"2022-01-02 03:04:05.678 UTC"}}',
            datetime(2022, 1, 2, 3, 4, 5, 678000, UTC),
            None, None, None, None, "tick",
            id="nested-time-when-none-on-top",
        ),
        pytest.param(
            '{"time":"1700000000123456789","message":"nanoseconds"}',
            datetime(2023, 11, 14, 22, 13, 20, 123456, UTC),
            None, None, None, None, "nanoseconds",
            id="epoch-ns-text",
        ),
        pytest.param(
            '{"@timestamp":"2024-02-03T04:05:06+0530","log.level":"DEBUG","log":"up\\n"}',
            datetime(2024, 2, 2, 22, 35, 6, tzinfo=UTC),
            None, None, None, "debug", "up",
            id="dotted-and-at-keys",
        ),
        pytest.param(
            '{"date":"06/Mar/2024:10:11:12 -0100","levelname":"INFO","message":"named month"}',
            datetime(2024, 3, 6, 11, 11, 12, tzinfo=UTC),
            None, None, None, "info", "named month",
            id="named-month",
        ),
        pytest.param(
            '{"ts":"2024-02-03T04:05:06Z","user":"ann","action":"log in","ok":true}',
            datetime(2024, 2, 3, 4, 5, 6, tzinfo=UTC),
            None, None, None, None, 'user=ann action="log in" ok=true',
            id="no-message-the-rest-is",
        ),
        pytest.param(
            '{"name":"ERROR","level":"error","msg":"no level in process"}',
            None, None, None, None, "error", "no level in process",
            id="a-level-is-not-a-process",
        ),
        pytest.param(
            'time="2022-08-09T10:11:12.345678Z" level=error msg="sync failed: \\"timeout\\""'
            " pod=web-0 retries=3",
            datetime(2022, 8, 9, 10, 11, 12, 345678, UTC),
            None, None, None, "error", 'sync failed: "timeout"',
            id="logfmt-time-first",
        ),
        pytest.param(
            "logger=alerting t=2023-09-10T11:12:13.123456789+02:00 level=warn"
            ' msg="rule slow" rule=cpu',
            datetime(2023, 9, 10, 9, 12, 13, 123456, UTC),
            None, "alerting", None, "warn", "rule slow",
            id="logfmt-logger-first",
        ),
        pytest.param(
            "ts=1700000000.25 lvl=info component=sched queue=default",
            datetime(2023, 11, 14, 22, 13, 20, 250000, UTC),
            None, "sched", None, "info", "queue=default",
            id="logfmt-no-message",
        ),
    ],
)  # fmt: skip
def test_records_give_their_parts(
    line: str,
    at: datetime | None,
    host: str | None,
    process: str | None,
    pid: str | None,
    level: str | None,
    message: str,
) -> None:
    fields = _read(line)
    got = (_at(fields), fields.host, fields.process, fields.pid, fields.level, fields.message)
    assert got == (at, host, process, pid, level, message)


@pytest.mark.parametrize(
    ("value", "level"),
    [
        (10, "trace"), (20, "debug"), (30, "info"), (60, "fatal"),
        ('"Information"', "information"), ('"I"', "info"), ('"E"', "error"), ('"D2"', "debug"),
        # Small numbers run one way in syslog (0 an emergency) and the other way in other
        # loggers (0 debug, 4 fatal): kept as written, never read as the wrong word.
        (0, "0"), (2, "2"), ('"3"', "3"), (-1, "-1"),
    ],
)  # fmt: skip
def test_levels_are_words_in_lower_case(value: object, level: str) -> None:
    assert _read(f'{{"level":{value},"msg":"m"}}').level == level


def test_journalds_priority_is_spelled_as_syslogs_severity() -> None:
    line = '{"__REALTIME_TIMESTAMP":"1700000000000000","PRIORITY":"3","MESSAGE":"disk full"}'
    fields = STRUCTURED_PATTERNS[0].parse(line)
    assert isinstance(STRUCTURED_PATTERNS[0], JournalPattern)
    assert fields is not None and fields.level == "err"


@pytest.mark.parametrize(("code", "level"), [("I", "info"), ("F", "fatal"), ("D5", "debug")])
def test_a_one_letter_key_is_a_level_only_when_its_value_is_one(code: str, level: str) -> None:
    assert _read(f'{{"s":"{code}","msg":"m"}}').level == level
    assert _read('{"s":"seconds","l":3,"msg":"m"}').level is None


@pytest.mark.parametrize(
    "line",
    [
        '\x1b[2K\x1b[36mcheckout-1  |\x1b[0m {"time":"2024-01-02T03:04:05Z","msg":"paid"}',
        '[2Kcheckout-1  | {"time":"2024-01-02T03:04:05Z","msg":"paid"}',
        'checkout_1 | {"time":"2024-01-02T03:04:05Z","msg":"paid"}',
        "checkout-1  | time=2024-01-02T03:04:05Z msg=paid",
    ],
)
def test_a_service_prefix_is_the_label(line: str) -> None:
    fields = _read(line)
    assert fields.label in ("checkout-1", "checkout_1")
    assert (_at(fields), fields.message) == (datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC), "paid")


def test_a_prefix_time_serves_only_when_the_record_has_none() -> None:
    stamped = "2024-01-02T03:04:05.5Z "
    assert _at(_read(stamped + '{"msg":"a"}')) == datetime(2024, 1, 2, 3, 4, 5, 500000, UTC)
    own = _read(stamped + '{"msg":"b","ts":1700000000}')
    assert _at(own) == datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    "line",
    [
        "plain text with no record in it",
        "retries=3",
        "a=1 b=2",
        "ERROR: user=bob action=login",
        "2024-01-05 10:00:00 INFO user=bob msg=x",
        '[1, 2, {"a": 3}]',
        '{"a": 1',
        '{"a": 1} and more',
        'some words here {"msg": "a"}',
        "    at org.example.Worker.run(Worker.java:42)",
        'msg="unterminated',
        "",
    ],
)
def test_text_that_is_no_record_is_refused(line: str) -> None:
    assert JSON.parse(line) is None
    assert LOGFMT.parse(line) is None


@pytest.mark.parametrize(
    "value",
    ["12.5", "3", "20240105", "-1700000000", '"soon"', '"2024-01-05"', "12345678901"],
)
def test_values_that_are_no_time_are_not_taken_for_one(value: str) -> None:
    assert _read(f'{{"time":{value},"msg":"m"}}').time is None


def test_an_unknown_zone_word_leaves_the_default_zone() -> None:
    fields = _read('{"time":"2024-01-05 10:00:00 QQQ","msg":"m"}')
    assert fields.time is not None and "z" not in fields.time
    assert _at(fields) == datetime(2024, 1, 5, 10, tzinfo=UTC)


def test_an_empty_object_still_has_a_message() -> None:
    assert _read("{}").message == "{}"


_TEXT = st.text(st.characters(blacklist_categories=("Cc", "Cs", "Zl", "Zp")), min_size=1).filter(
    str.strip
)


@settings(max_examples=200, deadline=None)
@given(message=_TEXT, host=st.from_regex(r"[a-z][a-z0-9-]{0,20}", fullmatch=True))
def test_json_round_trips_message_and_host(message: str, host: str) -> None:
    line = json.dumps({"ts": 1700000000, "host": host, "message": message}, ensure_ascii=False)
    fields = _read(line)
    assert (fields.message, fields.host) == (message.rstrip(), host)


@settings(max_examples=200, deadline=None)
@given(message=_TEXT)
def test_logfmt_round_trips_quoted_messages(message: str) -> None:
    quoted = message.replace("\\", "\\\\").replace('"', '\\"')
    fields = LOGFMT.parse(f'ts=1700000000 msg="{quoted}" k=v')
    assert fields is not None and fields.message == message.rstrip()


@settings(max_examples=300, deadline=None)
@given(line=st.text(alphabet='{}[]"=|: ab1\\\x1b.-Tt', max_size=40))
def test_any_line_is_read_or_refused_never_an_error(line: str) -> None:
    for pattern in STRUCTURED_PATTERNS:
        fields = pattern.parse(line)
        assert fields is None or isinstance(fields.message, str)


# ---------------------------------------------------------------- whole files


def _write(tmp_path: Path, lines: list[str]) -> Path:
    path = tmp_path / "app.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_json_file_is_parsed_and_stray_text_continues_a_record(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            '{"level":30,"time":1700000000000,"name":"api","msg":"listening"}',
            '{"level":50,"time":1700000001500,"name":"api","msg":"request failed"}',
            "Traceback (most recent call last):",
            '{"level":40,"time":"2023-11-14T22:13:22Z","name":"db","msg":"slow"}',
        ],
    )
    lines = list(parse_lines(path))
    assert [p.continuation for p in lines] == [False, False, True, False]
    assert [p.at for p in lines] == [
        datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC),
        datetime(2023, 11, 14, 22, 13, 21, 500000, UTC),
        datetime(2023, 11, 14, 22, 13, 21, 500000, UTC),
        datetime(2023, 11, 14, 22, 13, 22, tzinfo=UTC),
    ]
    assert [(p.level, p.process) for p in lines] == [
        ("info", "api"),
        ("error", "api"),
        ("error", "api"),
        ("warn", "db"),
    ]
    assert lines[1].message == "request failed"
    assert lines[2].message == "Traceback (most recent call last):"


def test_a_zone_abbreviation_in_a_file_gives_the_utc_instant(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            '{"timestamp":"2023-07-01 23:59:59.999 CEST","pid":1,"error_severity":"LOG",'
            '"message":"checkpoint starting"}',
        ],
    )
    [line] = parse_lines(path, tz="America/New_York")
    assert line.at == datetime(2023, 7, 1, 21, 59, 59, 999000, UTC)
    assert line.to_json_dict()["zone_source"] == "explicit"


def test_a_logfmt_file_is_parsed(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [
            'time="2022-08-09T10:11:12Z" level=info msg="starting" logger=main',
            'time="2022-08-09T10:11:13.5Z" level=error msg="bind failed" logger=http port=80',
            "    caused by: address in use",
        ],
    )
    lines = list(parse_lines(path))
    assert [(p.at, p.level, p.process, p.message, p.continuation) for p in lines] == [
        (datetime(2022, 8, 9, 10, 11, 12, tzinfo=UTC), "info", "main", "starting", False),
        (datetime(2022, 8, 9, 10, 11, 13, 500000, UTC), "error", "http", "bind failed", False),
        (
            datetime(2022, 8, 9, 10, 11, 13, 500000, UTC),
            "error",
            "http",
            "caused by: address in use",
            True,
        ),
    ]


@pytest.mark.parametrize(
    ("sample", "name"),
    [
        (
            [
                '{"level":"info","ts":1700000000.5,"logger":"q","msg":"a"}',
                '{"level":"warn","ts":1700000001.5,"logger":"q","msg":"b","n":2}',
            ],
            "json-lines",
        ),
        (
            [
                'web-1  | {"time":"2024-01-02T03:04:05Z","level":"info","msg":"a"}',
                'web-1  | {"time":"2024-01-02T03:04:06Z","level":"info","msg":"b"}',
            ],
            "json-lines",
        ),
        (
            [
                "t=2024-01-02T03:04:05Z level=info msg=a logger=x",
                't=2024-01-02T03:04:06Z level=info msg="b c" logger=x',
            ],
            "logfmt",
        ),
        (
            [
                '{"__REALTIME_TIMESTAMP":"1473367908000000","MESSAGE":"hi","_PID":"1",'
                '"_HOSTNAME":"h","PRIORITY":"6","SYSLOG_IDENTIFIER":"init"}',
            ],
            "journald-json",
        ),
        (
            [
                "2024-01-05T10:00:00Z ERROR db: connection refused",
                "2024-01-05T10:00:01Z INFO db: retry=1 delay=5",
            ],
            "iso-level",
        ),
    ],
)
def test_detect_picks_the_record_layout(sample: list[str], name: str) -> None:
    assert detect(sample).name == name


def test_journald_bytes_out_of_range_become_replacement_characters() -> None:
    line = '{"__REALTIME_TIMESTAMP":"1700000000000000","MESSAGE":[104,105,605,33]}'
    fields = next(p for p in STRUCTURED_PATTERNS if p.name == "journald-json").parse(line)
    assert fields is not None
    assert fields.message == "hi\ufffd!"


@pytest.mark.parametrize("key", ["__REALTIME_TIMESTAMP", "time"])
def test_json_nested_too_deep_is_a_line_of_text(key: str, tmp_path: Path) -> None:
    line = '{"' + key + '":"1700000000000000","x":' + "[" * 5000 + "]" * 5000 + "}"
    log = tmp_path / "deep.log"
    log.write_text(line + '\n{"time":"2024-01-01T00:00:00Z","msg":"after"}\n')
    rows = list(parse_lines(log))
    assert len(rows) == 2
    assert rows[1].at == datetime(2024, 1, 1, tzinfo=UTC)


def test_an_offset_of_a_day_leaves_the_line_without_a_time(tmp_path: Path) -> None:
    """Never the default zone instead of the written one: no time is better than a wrong one."""
    log = tmp_path / "odd.log"
    log.write_text(
        '{"t":"2013-03-03 20:04-2400","msg":"a"}\n{"t":"2013-03-03 20:04+0100","msg":"b"}\n'
    )
    out = io.StringIO()
    with pytest.warns(RetrolineWarning, match=r"odd\.log:1: a stamp that names no instant"):
        write_json_lines(out, [log])
    rows = [json.loads(r) for r in out.getvalue().splitlines()]
    assert [r["at"] for r in rows] == [None, "2013-03-03T19:04:00Z"]


def test_time_keys_named_by_their_words_and_a_month_first_date_are_read() -> None:
    """Keys no list names but whose words say time ("requestReceivedTimestamp",
    "TimeGenerated") give the record's time; a key naming a duration does not."""
    json_lines = JSON
    fields = json_lines.parse(
        '{"kind":"Event","requestReceivedTimestamp":"2026-11-23T00:31:00.123456Z",'
        '"stageTimestamp":"2026-11-23T00:31:01Z","verb":"get"}'
    )
    assert fields is not None and fields.time is not None
    assert fields.time["S"] == "00" and fields.time["f"] == "123456"
    fields = json_lines.parse('{"TimeGenerated":"2026-11-23T00:31:04.000Z","Level":"Warning"}')
    assert fields is not None and fields.time is not None and fields.time["S"] == "04"
    fields = json_lines.parse('{"uptime":1733531460,"response_time":"0.12","msg":"ok"}')
    assert fields is not None and fields.time is None
    fields = json_lines.parse('{"time":"November 23, 2026 00:31:01","message":"login"}')
    assert fields is not None and fields.time is not None
    assert (fields.time["b"], fields.time["d"], fields.time["Y"]) == ("November", "23", "2026")


def test_a_unix_time_wrapped_in_a_name_is_a_records_time() -> None:
    """key=value records that write their stamp as name(seconds.fraction:serial)."""
    fields = LOGFMT.parse(
        "type=USER_AUTH msg=audit(1733531460.123:4567): pid=2345 uid=0 res=failed"
    )
    assert fields is not None and fields.time == {"epoch": "1733531460", "f": "123"}
    fields = LOGFMT.parse("type=X msg=note(12345):  pid=1")  # too short to be a time
    assert fields is not None and fields.time is None


def _event(at: str, user: str, code: int) -> str:
    """An event as an event log exported as XML writes it, one element per line."""
    return (
        "<Event xmlns='http://example.com/ns/event'><System>"
        "<Provider Name='Shop-Auth' Guid='{0a1b}'/>"
        f"<EventID>{code}</EventID><Level>2</Level><TimeCreated SystemTime='{at}'/>"
        "<Execution ProcessID='612' ThreadID='7'/><Computer>dc1.shop.test</Computer></System>"
        f"<EventData><Data Name='TargetUser'>{user}</Data></EventData></Event>"
    )


def test_xml_events_one_per_line_are_records(tmp_path: Path) -> None:
    """Each element's attributes and leaves are the record's keys: its time, host, process
    and pid are read as a JSON object's are. The lines around the events (the opening and
    closing of the list) continue a record."""
    path = _write(
        tmp_path,
        [
            "<Events>",
            _event("2026-12-07T00:31:00.1234567Z", "bob", 4625),
            _event("2026-12-07T01:31:02.5+01:00", "eve", 4625),
            "</Events>",
        ],
    )
    lines = list(parse_lines(path))
    assert detect(path.read_text().splitlines()).name == "xml-lines"
    assert [p.continuation for p in lines] == [True, False, False, True]
    assert [p.at for p in lines[1:3]] == [
        datetime(2026, 12, 7, 0, 31, 0, 123456, UTC),
        datetime(2026, 12, 7, 0, 31, 2, 500000, UTC),
    ]
    assert {(p.host, p.process, p.pid) for p in lines[1:3]} == {
        ("dc1.shop.test", "Shop-Auth", "612")
    }
    assert "TargetUser=bob" in lines[1].message
    assert lines[1].template_id == lines[2].template_id
    assert fast([path], None) == reference([path], None)


@pytest.mark.parametrize(
    "line",
    [
        "<Events>",
        "<b>bold</b>",
        '<?xml version="1.0"?><a><b>1</b></a>',
        "<order><id>42</id><item>book</item></order>",
        '<!DOCTYPE a [<!ENTITY e "xxxxxxxxxx">]><a><b>&e;&e;</b></a>',
        "<a><b>&e;</b></a>",
        "<34>Oct 11 22:14:15 mymachine su: 'su root' failed <x>",
        "<a><b>unclosed</a>",
    ],
)
def test_what_is_no_xml_record_is_refused_and_no_entity_is_expanded(line: str) -> None:
    """A lone element, a declaration or a DTD (whose entities would be expanded), an
    element without a time (XML in a text log), an entity never declared, a syslog
    priority and broken XML are no record."""
    assert XML.parse(line) is None
