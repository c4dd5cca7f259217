"""Header fields between a timestamp and the message, learnt from the shape of their text.

Every fixture is made up for the test: layouts that write a pid, a level, a bracketed
thread, a logger, cells between bars or a second timestamp before the message."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from retroline.logs.headers import PATTERNS, detect
from retroline.logs.layout import HeaderPattern
from retroline.logs.learn import extend
from retroline.logs.run import write_json_lines
from tests.logs.test_jsonl import fast, reference

THREADS = ("main", "worker pool 3 on 8080", "io-7", "scheduler")


def threaded(i: int) -> str:
    """A line with a thread in brackets, a level and a logger before the message."""
    verb = ("opened", "closed")[i % 2]
    return (
        f"2031-04-0{1 + i % 3} 10:{i % 60:02d}:0{i % 10},123 [{THREADS[i % 4]}] INFO "
        f"kv.store.Segment: segment {i} {verb}"
    )


def severities(
    head: Callable[[int], str], levels: tuple[str, ...], message: str = "row {i} checked"
) -> list[str]:
    """Thirty lines: a stamp, what ``head`` writes for the line, a level of ``levels`` in
    turn, a colon, two blanks and the message."""
    return [
        f"2031-04-01 10:11:{i % 60:02d} {head(i)}{levels[i % len(levels)]}:  " + message.format(i=i)
        for i in range(30)
    ]


# (name, lines, the message, process, pid and level of the first line)
LAYOUTS = [
    (
        "thread in brackets, level, logger with a colon",
        [threaded(i) for i in range(40)],
        ("segment 0 opened", "kv.store.Segment", None, "INFO"),
    ),
    (
        "a dash and a level, a component in nested brackets, a logger",
        [
            f"2031-04-01 10:00:{i % 60:02d},5 - WARN  [Peer[id={i % 3}]/0.0.0.0:9{i}] "
            f"net.Link: lost contact with peer {i}"
            for i in range(30)
        ],
        ("lost contact with peer 0", "net.Link", None, "WARN"),
    ),
    (
        "pid and thread numbers, a level letter and a tag",
        [
            f"07-11 08:09:{i % 60:02d}.250  {400 + i % 2}  {900 + i} {'DIWE'[i % 4]} "
            f"Radio: signal {i} dBm"
            for i in range(30)
        ],
        ("signal 0 dBm", "Radio", "400", "D"),
    ),
    (
        "cells between bars",
        [
            f"2031-04-01T10:11:{i % 60:02d}Z|Meter_{i % 3}|7700{i % 2}|reading {i} taken"
            for i in range(30)
        ],
        ("reading 0 taken", None, None, None),
    ),
    (
        "a program before a lone dash",
        [f"[04.01 10:11:{i % 60:02d}] agent{i % 3}.bin - upstream {i} reset" for i in range(30)],
        ("upstream 0 reset", "agent0.bin", None, None),
    ),
    (
        "epoch, then a date, a node, a second stamp and a program with its pid",
        [
            f"- 19{i:08d} 2031.04.01 n{i % 5} 2031-04-01T10:11:{i % 60:02d} n{i % 5}/n{i % 5} "
            f"cron[{300 + i}]: job {i} done"
            for i in range(30)
        ],
        ("job 0 done", "cron", "300", None),
    ),
    (
        "bare digits for date and clock, a pid, a level and a logger",
        [
            f"310401 1011{i % 60:02d} {i % 90 + 10} INFO fs.Volume$Flusher: flushed {i} pages"
            for i in range(30)
        ],
        ("flushed 0 pages", "fs.Volume$Flusher", "10", "INFO"),
    ),
    (
        "a client, a session and a pid glued by colons before the level",
        severities(
            lambda i: f"UTC:10.9.{i % 4}.7({40000 + i}):ops@ledger:[{700 + i}]:",
            ("NOTE", "ERROR", "DETAIL"),
        ),
        ("row 0 checked", None, None, "NOTE"),
    ),
    (
        "a pid, then a session word with brackets in some lines, then the level",
        severities(
            lambda i: (
                f"CET [{700 + i}]: "
                + ("user=[none],db=[none] " if i % 4 == 1 else "user=ops,db=ledger ")
            ),
            ("NOTE", "ERROR"),
        ),
        ("row 0 checked", None, "700", "NOTE"),
    ),
    (
        "a column of severities, only some of them usual level words, after the zone",
        severities(lambda i: "CET ", ("AUDIT", "ERROR", "CONTEXT")),
        ("row 0 checked", None, None, "AUDIT"),
    ),
    (
        "a session id glued by dashes before the level",
        severities(
            lambda i: f"UTC-a1b{i % 7}c.{90 + i}-", ("NOTE", "WARNING"), "queue {i} drained"
        ),
        ("queue 0 drained", None, None, "NOTE"),
    ),
    (
        "a process id, then named values, more of them in some lines, then the level",
        [
            f"2031-04-01T10:11:{i % 60:02d}.5Z pid=42 tid=t{i % 5}"
            + (f" job=Export jid={900 + i}" if i % 3 else "")
            + f" {('INFO', 'WARN')[i % 2]}: batch {i} written"
            for i in range(30)
        ],
        ("batch 0 written", None, "42", "INFO"),
    ),
    (
        "a level, a thread and a logger after a syslog tag, a third of the lines stack frames",
        [
            f"Apr  1 10:11:{i % 60:02d} node7 svc[81]: "
            + (
                f"#011at q.r.Pool.take(Pool.java:{i})"
                if i % 3 == 2
                else f"{('INFO', 'WARN')[i % 2]} [pool-{i % 4}] q.r.Pool - slot {i} taken"
            )
            for i in range(60)
        ],
        ("slot 0 taken", "svc", "81", "INFO"),
    ),
    (
        "a numbered part, a session and a level, a statement's next lines between them",
        [
            f"Apr  1 10:11:{i % 60:02d} db2 pg[{70 + i % 3}]: [{i}-{1 + (i % 5 > 2)}] "
            + (
                f"#011AND k = {i}"
                if i % 5 > 2
                else f"user=u{i % 2},db=ledger {('NOTE', 'ERROR', 'NOTE')[i % 3]}:  "
                + ("row {i} read", "lock {i} held", "scan of {i} done")[i % 3].format(i=i)
            )
            for i in range(60)
        ],
        ("row 0 read", "pg", "70", "NOTE"),
    ),
    (
        "a pid and its session's line number in one bracket, then the level",
        severities(lambda i: f"UTC [{300 + i % 4}-{i + 1}] ", ("NOTE", "ERROR", "NOTE")),
        ("row 0 checked", None, "300", "NOTE"),
    ),
    (
        "a level letter with an exclamation mark",
        [
            f"2031-04-01T10:11:{i % 60:02d}Z {'IWED'[i % 4]}! [probe.{i % 3}] gauge {i} sent"
            for i in range(30)
        ],
        ("gauge 0 sent", None, None, "I"),
    ),
]


@pytest.mark.parametrize(("name", "lines", "want"), LAYOUTS, ids=[c[0] for c in LAYOUTS])
def test_header_fields_are_cut_from_the_message(
    name: str, lines: list[str], want: tuple[str, str | None, str | None, str | None]
) -> None:
    pattern = detect(lines)
    fields = pattern.parse(lines[0])
    assert fields is not None, pattern.regex
    assert (fields.message, fields.process, fields.pid, fields.level) == want
    # Every line keeps its timestamp.
    assert all((f := pattern.parse(line)) is not None and f.time for line in lines)


def test_a_name_before_the_dash_may_have_more_words_than_the_sample_showed() -> None:
    lines = [f"[04.01 10:11:{i % 60:02d}] agent.bin - upstream {i} reset" for i in range(30)]
    pattern = detect(lines)
    fields = pattern.parse("[04.01 10:12:00] agent.bin *64 - upstream 9 reset")
    assert fields is not None and (fields.process, fields.message) == (
        "agent.bin *64",
        "upstream 9 reset",
    )


def test_a_level_and_thread_before_a_dash_stay_apart() -> None:
    lines = [f"2031-04-01 10:00:{i:02d},5 - WARN [t{i % 2}] - peer {i} lost" for i in range(20)]
    fields = detect(lines).parse(lines[0])
    assert fields is not None and (fields.level, fields.message) == ("WARN", "peer 0 lost")


def test_templates_do_not_split_by_thread(tmp_path: Path) -> None:
    path = tmp_path / "threads.log"
    path.write_text("\n".join(threaded(i) for i in range(200)) + "\n", encoding="utf-8")
    rows = fast([path], None)
    assert {r["template"] for r in rows} == {"segment <*> opened", "segment <*> closed"}
    assert rows == reference([path], None)


def test_a_line_without_the_fields_keeps_its_time_and_message() -> None:
    lines = [threaded(i) for i in range(40)]
    pattern = detect(lines)
    assert pattern.name.endswith("+fields")
    odd = "2031-04-02 11:00:00,000 disk full on /var"
    fields = pattern.parse(odd)
    assert fields is not None and fields.time is not None
    assert (fields.level, fields.message) == (None, "disk full on /var")


def test_message_words_that_vary_are_not_taken_for_fields() -> None:
    # Two of three messages start with a word with digits: too few for a field, and such
    # words are taken only when a field of a surer kind follows them.
    lines = [
        f"2031-04-01 10:00:{i:02d} ERROR {'host7:80 refused' if i % 3 else 'retry later'}"
        for i in range(30)
    ]
    assert detect(lines).parse(lines[1]).message == "host7:80 refused"  # type: ignore[union-attr]
    every = [f"2031-04-01 10:00:{i:02d} ERROR host{i}:80 refused now" for i in range(30)]
    assert detect(every).parse(every[0]).message == "host0:80 refused now"  # type: ignore[union-attr]


def test_a_pattern_without_fields_after_it_is_returned_as_is() -> None:
    lines = [f"2031-04-01T10:00:0{i}Z ERROR db: connection refused" for i in range(5)]
    pattern = next(p for p in PATTERNS if p.name == "iso-level")
    assert extend(pattern, lines) is pattern
    assert extend(pattern, lines[:1]) is pattern


def test_the_json_of_logs_parse_has_the_fields(tmp_path: Path) -> None:
    path = tmp_path / "threads.log"
    path.write_text("\n".join(threaded(i) for i in range(50)) + "\n", encoding="utf-8")
    out = io.StringIO()
    write_json_lines(out, [path])
    first = json.loads(out.getvalue().splitlines()[0])
    assert (first["process"], first["level"], first["template"]) == (
        "kv.store.Segment",
        "INFO",
        "segment <*> opened",
    )


def test_a_group_most_lines_leave_empty_gives_its_name_to_the_field() -> None:
    base = HeaderPattern(
        "t", r"^(?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d) (?:(?P<level>INFO) )?(?P<msg>.*)$", "x"
    )
    lines = [f"10:11:{i:02d} - WARN [x] - text {i}" for i in range(20)]
    fields = extend(base, lines).parse(lines[0])
    assert fields is not None and (fields.level, fields.message) == ("WARN", "text 0")


def test_the_columns_of_an_access_record_stay_in_the_message() -> None:
    # Numbers, an address and a status, then a method in capitals and a lone dash for an
    # empty column: a record's columns, not a header; the message keeps them.
    lines = [
        f"19{i:08d}.250 {90 + i} 10.0.0.{i % 9} HIT/{200 + i % 2} {4000 + i} "
        f"{('GET', 'PUT')[i % 2]} http://files.test/{i} - DIRECT/- text/plain"
        for i in range(30)
    ]
    fields = detect(lines).parse(lines[0])
    assert fields is not None and fields.message.startswith("90 10.0.0.0 HIT/200 4000 GET")


def test_a_message_between_bars_is_not_taken_for_a_cell() -> None:
    lines = [
        f"2031-04-01 10:00:{i:02d},5 | INFO  | cache {i} warmed in {i} ms | store.Cache | main"
        for i in range(30)
    ]
    fields = detect(lines).parse(lines[3])
    assert fields is not None and fields.message.startswith("cache 3 warmed in 3 ms")


def test_a_level_written_in_the_process_is_the_level(tmp_path: Path) -> None:
    """A process holding the level ("warning/Checker", "staging.ERROR") is the two apart;
    a name that only looks like one (a class "Error", a title "Notice") stays the process."""
    lines = [
        "[2025-02-03 08:00:00 +0100] warning/Checker: disk almost full",
        "[2025-02-03 08:00:01 +0100] information/Checker: disk checked",
        "[2025-02-03 08:00:02 +0100] staging.ERROR: payment refused",
        "[2025-02-03 08:00:03 +0100] app.Error: a class named Error",
        "[2025-02-03 08:00:04 +0100] Notice/Board: a title",
    ]
    path = tmp_path / "daemon.log"
    path.write_text("\n".join(lines) + "\n")
    rows = fast([path], None)
    assert [(r.get("process"), r.get("level")) for r in rows] == [
        ("Checker", "warning"),
        ("Checker", "information"),
        ("staging", "ERROR"),
        ("app.Error", None),
        ("Notice/Board", None),
    ]
    assert fast([path], None) == reference([path], None)
    assert [r["template"] for r in rows][:2] == ["disk almost full", "disk checked"]


@pytest.mark.parametrize(
    ("line", "levels", "template"),
    [
        # Brackets after the pid, words with a capital first, some of them level words.
        (
            "2025-02-03T08:00:0{i}.000001Z {n} [{level}] cache {i} was flushed",
            ["Warning", "Note", "System", "Warning"],
            "cache <*> was flushed",
        ),
        # Cells between bars after the stamp; the logger's cell stays out of the message.
        (
            "2025-02-03 08:00:0{i}.1234|{level}|Shop.Cart|cart {i} saved",
            ["INFO", "ERROR", "WARN", "INFO"],
            "cart <*> saved",
        ),
    ],
)
def test_a_column_of_level_words_in_brackets_or_cells_is_the_level(
    tmp_path: Path, line: str, levels: list[str], template: str
) -> None:
    lines = [line.format(i=i, n=i + 3, level=level) for i, level in enumerate(levels)]
    path = tmp_path / "levels.log"
    path.write_text("\n".join(lines) + "\n")
    rows = fast([path], None)
    assert [r.get("level") for r in rows] == levels
    assert {r["template"] for r in rows} == {template}
    assert fast([path], None) == reference([path], None)


def test_a_column_of_brackets_without_a_level_word_stays_the_thread(tmp_path: Path) -> None:
    threads = tmp_path / "threads.log"
    threads.write_text(
        "".join(
            f"2025-02-03T08:00:0{i}Z {i + 3} [Worker] cache {i} was flushed\n" for i in range(4)
        )
    )
    rows = fast([threads], None)
    assert all("level" not in r for r in rows)
    assert [r["pid"] for r in rows] == ["3", "4", "5", "6"]


def test_a_column_of_capitals_without_a_level_word_stays_the_process() -> None:
    lines = [
        f"2031-04-01 10:11:{i % 60:02d} CET {('AUDIT', 'KERNEL')[i % 2]}:  row {i} checked"
        for i in range(30)
    ]
    pattern = detect(lines)
    fields = [pattern.parse(line) for line in lines[:2]]
    assert [(f.process, f.level) for f in fields if f is not None] == [
        ("AUDIT", None),
        ("KERNEL", None),
    ]


@pytest.mark.parametrize(("name", "lines", "want"), LAYOUTS, ids=[c[0] for c in LAYOUTS])
def test_logs_parse_reads_the_fields_as_the_reference_path_does(
    tmp_path: Path,
    name: str,
    lines: list[str],
    want: tuple[str, str | None, str | None, str | None],
) -> None:
    path = tmp_path / "fields.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    rows = fast([path], 2031)
    assert rows == reference([path], 2031)
    _, process, pid, level = want
    assert (rows[0].get("process"), rows[0].get("pid"), rows[0].get("level")) == (
        process,
        pid,
        level,
    )
