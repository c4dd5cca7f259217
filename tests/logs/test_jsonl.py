"""The fast JSON path gives, line for line, what parse_lines gives; blocks equal lines."""

from __future__ import annotations

import bz2
import gzip
import io
import json
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from retroline.errors import RetrolineWarning
from retroline.logs import jsonl, run
from retroline.logs.headers import SAMPLE_LINES
from retroline.logs.jsonl import ChunkParser
from retroline.logs.parse import parse_lines
from retroline.logs.reader import RawLine, read_blocks, read_lines
from retroline.logs.run import write_json_lines
from retroline.logs.templates import TemplateMiner
from retroline.logs.timestamps import file_day
from tests.logs.test_timestamps_loghub import LOGHUB

DATA = Path(__file__).parent / "data"


def crafted(folder: Path) -> list[Path]:
    """Files that take every odd path: archives, junk, long lines, CRLF, mixed formats."""
    syslog = [f"Dec 31 23:59:{i:02d} web-1 cron[{i}]: job {i} done" for i in range(50)]
    syslog += [f"Jan  1 00:00:{i:02d} web-1 cron[{i}]: job {i} done" for i in range(50)]
    mixed = [
        "   leading line without header",
        "2016-09-08 20:31:48,123 ERROR [main] org.foo.Bar: request failed id=1",
        "\tat org.foo.Bar.run(Bar.java:42)",
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating",
        "2016-09-08 20:31:49,000 INFO [main] org.foo.Bar: retrying in 5s",
        "Jun 14 15:16:01 combo sshd(pam_unix)[19939]: authentication failure; user=root",
        "",
        '2016-09-08 20:31:50,5 INFO [main] org.foo.Bar: caf\u00e9 \u20ac "quoted" back\\slash',
    ] * 30
    journal = [
        json.dumps(
            {
                "__REALTIME_TIMESTAMP": str(1473367908000000 + i * 1000),
                "_HOSTNAME": "db-1",
                "SYSLOG_IDENTIFIER": "postgres",
                "_PID": "77",
                "PRIORITY": "3",
                "MESSAGE": f"connection {i} refused",
            }
        )
        for i in range(20)
    ]
    # JSON and key=value records of several shapes among text lines and continuations.
    records = [
        '{"time":"2021-03-04T05:06:07.5+01:00","level":"info","msg":"started","pid":7}',
        '{"ts":1614834367.25,"level":"error","logger":"db","msg":"query failed id=9"}',
        "  at db.Query.run(query.go:10)",
        'time="2021-03-04T04:06:08Z" level=warn msg="retrying in 5s" attempt=2',
        "2021-03-04 04:06:09,000 INFO [main] org.foo.Bar: plain text between records",
        "\tat org.foo.Bar.run(Bar.java:42)",
        '{"timestamp":"2021-03-04 06:06:10.000 CEST","error_severity":"LOG","message":"x"}',
        "svc-1  | " + '{"level":"debug","ts":1614834371,"msg":"behind a service prefix"}',
    ] * 40
    # Layouts first met after the sampled lines, each line alone (`learn.late_layout`),
    # with continuations and the first layout between them, over several chunks.
    late = [f"Mar  9 10:{i // 60 % 60:02d}:{i % 60:02d} gw-2 relay[4]: hop {i}" for i in range(250)]
    for i in range(900):
        late += [
            f"09-Mar-2022 11:{i // 60 % 60:02d}:{i % 60:02d}.{i % 1000:03d} WARN queue {i} stalled",
            "    retry scheduled",
            f"[2022/03/09 12:{i // 60 % 60:02d}:{i % 60:02d}] worker {i} restarted",
            f"Mar  9 13:{i // 60 % 60:02d}:{i % 60:02d} gw-2 relay[4]: hop {i}",
        ]
    # Text without a header, then stamped lines among it.
    banner = [f"step {i} of the installer: copying files" for i in range(250)]
    for i in range(1500):
        banner += [f"2022-03-09 11:{i // 60 % 60:02d}:{i % 60:02d} INFO unit {i} ok", f"note {i}"]
    files = {
        "late.log": ("\n".join(late) + "\n").encode(),
        "banner.log": ("\n".join(banner) + "\n").encode(),
        "records.log": ("\n".join(records) + "\n").encode(),
        "records-junk.log": ("\n".join(records[:16]) + "\n").encode()
        + b"\x00\x01binary\x00\n"
        + ("\n".join(records[:16]) + "\n").encode(),
        "rollover.log": ("\n".join(syslog) + "\n").encode(),
        "mixed.log": ("\n".join(mixed)).encode(),  # no newline at the end
        "crlf.log": ("\r\n".join(mixed) + "\r\n").encode(),
        "junk.log": ("\n".join(mixed[:8]) + "\n").encode()
        + b"\x00\x01\x02binary\x00\n"
        + ("\n".join(mixed[:8]) + "\n").encode(),
        "long.log": ("\n".join(mixed[:4]) + "\n").encode()
        + b"2016-09-08 20:31:48,123 INFO [main] a.B: "
        + b"x" * 200_000
        + b"\n"
        + ("\n".join(mixed[:4]) + "\n").encode(),
        "journal.json": ("\n".join(journal) + "\n").encode(),
        "cp1252.log": ("\n".join(mixed) + "\n").encode("cp1252"),
    }
    paths = []
    for name, body in files.items():
        path = folder / name
        path.write_bytes(body)
        paths.append(path)
    (folder / "mixed.log.gz").write_bytes(gzip.compress(files["mixed.log"]))
    (folder / "junk.log.bz2").write_bytes(bz2.compress(files["junk.log"]))
    return [*paths, folder / "mixed.log.gz", folder / "junk.log.bz2"]


def reference(paths: list[Path], year: int | None) -> list[dict]:
    """Two passes the plain way: learn with parse_lines, then each line's final template."""
    miner = TemplateMiner()
    rows = []
    for path in paths:
        for p in parse_lines(path, miner=miner, year=year):
            row = p.to_json_dict()
            if len(paths) > 1:
                row["file"] = str(path)
            rows.append((row, p.template_id))
    for row, tid in rows:
        if tid is not None:
            final = miner.get(tid).resolved()  # type: ignore[union-attr]
            row["template_id"], row["template"] = final.id, final.text
    return [row for row, _ in rows]


def fast(paths: list[Path], year: int | None) -> list[dict]:
    out = io.StringIO()
    write_json_lines(out, paths, year=year)
    return [json.loads(row) for row in out.getvalue().splitlines()]


def loghub_files() -> list[Path]:
    return sorted(LOGHUB.glob("*/*_2k.log")) if LOGHUB.is_dir() else []


@pytest.mark.parametrize("path", loghub_files(), ids=lambda p: p.parent.name)
def test_fast_path_equals_parse_lines_on_loghub(path: Path) -> None:
    assert fast([path], 2017) == reference([path], 2017)


def test_fast_path_equals_parse_lines_on_odd_files(tmp_path: Path) -> None:
    paths = [*crafted(tmp_path), DATA / "stacktrace.log", DATA / "rollover.log"]
    for path in paths:
        for year in (None, 2015):
            assert fast([path], year) == reference([path], year), path.name
    assert fast(paths, 2015) == reference(paths, 2015)


def test_blocks_give_the_lines_read_lines_gives(tmp_path: Path) -> None:
    for path in [*crafted(tmp_path), *loghub_files()[:2]]:
        from_blocks = []
        for number, lines in read_blocks(path, max_line=4096):
            from_blocks += [
                line if isinstance(line, RawLine) else RawLine(number + i, line)
                for i, line in enumerate(lines)
            ]
        assert from_blocks == list(read_lines(path, max_line=4096)), path.name


@pytest.mark.parametrize(
    ("tz", "start"),
    [
        # Clocks go back: the hour after 02:00 is written twice.
        ("Europe/Berlin", datetime(2031, 10, 26, 0, 58, 30)),
        # Clocks go forward: an hour that does not exist is written anyway.
        ("America/New_York", datetime(2031, 3, 9, 0, 58, 30)),
        # Half an hour from UTC, and a clock change of half an hour.
        ("Asia/Kolkata", datetime(2031, 1, 1, 0, 58, 30)),
        ("Australia/Lord_Howe", datetime(2031, 4, 6, 0, 58, 30)),
        (None, datetime(2031, 12, 31, 23, 58, 30)),
    ],
)
def test_seconds_written_from_their_hour_equal_seconds_resolved(
    tmp_path: Path, tz: str | None, start: datetime
) -> None:
    # Every line a new second across hours where zones change: the fast path writes most
    # seconds from their hour's first; the reference resolves each one.
    lines = []
    for i in range(0, 3 * 3600, 7):
        at = start + timedelta(seconds=i)
        lines.append(f"{at:%b} {at.day:>2} {at:%H:%M:%S} web-1 job[12]: tick {i % 5}")
    path = tmp_path / "ticks.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = io.StringIO()
    write_json_lines(out, [path], tz=tz, year=2031)
    got = [json.loads(row) for row in out.getvalue().splitlines()]
    want = [p.to_json_dict() for p in parse_lines(path, tz=tz, year=2031)]
    assert [(r["line"], r["at"], r.get("zone_source")) for r in got] == [
        (r["line"], r["at"], r.get("zone_source")) for r in want
    ]


def test_unpadded_clocks_and_a_leap_second_in_a_known_hour_equal_seconds_resolved(
    tmp_path: Path,
) -> None:
    # Lines of an hour already seen take their instant from it when minutes and seconds
    # are two digits; unpadded ones ("10:5:7") and a leap second ("23:59:60") are resolved.
    lines = []
    for i in range(0, 7200, 13):
        at = datetime(2031, 12, 31, 22, 0) + timedelta(seconds=i)
        clock = f"{at:%H}:{at.minute}:{at.second}" if i % 3 else f"{at:%H:%M:%S}"
        lines.append(f"{at:%b} {at.day:>2} {clock} web-1 job[12]: tick {i % 5}")
        if i == 7189:
            lines.append("Dec 31 23:59:60 web-1 job[12]: leap")
    path = tmp_path / "clocks.log"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert any(":5:" in line for line in lines) and lines[-1].endswith("leap")
    with pytest.warns(RetrolineWarning, match=r"clocks\.log:555: "):  # the leap second
        got = fast([path], 2031)
    want = [p.to_json_dict() for p in parse_lines(path, year=2031)]
    assert [(r["line"], r["at"]) for r in got] == [(r["line"], r["at"]) for r in want]


def test_a_record_line_after_lines_of_another_layout(tmp_path: Path) -> None:
    """A JSON record met while another layout is current is read as a record, as the
    reference reader reads it."""
    log = tmp_path / "mixed.log"
    log.write_text('{]}\n{"ts":"1700000000\n{"ts":"1700000000000\n{"":[]}')
    assert fast([log], None) == reference([log], None)


def test_a_summary_counts_from_marks_what_the_json_gives(tmp_path: Path) -> None:
    """A summary's chunks are marks, not JSON: each template's first and last instant and
    count are the ones the JSON lines give, on every odd path (binary, continuation,
    other layouts, records)."""
    for path in crafted(tmp_path):
        pattern, taken, blocks, *_ = run._opened(path)
        made = [
            ChunkParser(pattern, None, 2016, stats=True, text=text, day=file_day(path))
            for text in (True, False)
        ]
        carries = [parser.initial() for parser in made]
        for number, lines in [*taken, *blocks]:
            chunks = [p.parse(number, lines, c) for p, c in zip(made, carries, strict=True)]
            carries = [chunk.end for chunk in chunks]
            json_chunk, marked = chunks
            assert marked.text == "" and json_chunk.text
            assert marked.seen == json_chunk.seen, path.name
            assert (marked.used, marked.counts) == (json_chunk.used, json_chunk.counts)


def test_a_summary_of_lines_in_and_out_of_time_order_gives_what_the_json_gives(
    tmp_path: Path,
) -> None:
    """A chunk whose lines are in time order takes each template's first and last line as
    its least and greatest instant without a loop over the lines; a clock that steps back,
    a template's lines at one instant, and fractions of a second give the same first and
    last seen as the JSON lines."""
    lines = []
    for i in range(300):
        second = (i * 7) % 60 if i % 50 == 49 else i % 60  # now and then a step back
        lines.append(f"2026-11-23 22:{i // 60:02d}:{second:02d}.{i % 3}50 INFO worker {i % 4} done")
    lines.insert(120, "2026-11-23 22:02:00 INFO worker 1 done")  # same template, no fraction
    log = tmp_path / "ordered.log"
    log.write_text("\n".join(lines) + "\n")
    in_order = tmp_path / "in-order.log"
    in_order.write_text("".join(f"2026-11-23 22:00:{s:02d} INFO job {s} ran\n" for s in range(60)))
    for path in (log, in_order):
        pattern, taken, blocks, *_ = run._opened(path)
        made = [ChunkParser(pattern, None, None, stats=True, text=text) for text in (True, False)]
        for number, block in [*taken, *blocks]:
            json_chunk, marked = (p.parse(number, block, p.initial()) for p in made)
            assert marked.seen == json_chunk.seen, path.name
    marks = ChunkParser(*run._opened(in_order)[:1], None, None, stats=True, text=False)
    parts = marks._lines(1, in_order.read_text().splitlines(), marks.forms)
    assert jsonl._in_order(parts) is not None
    assert jsonl._in_order([parts[1], parts[0], *parts[2:]]) is None


def test_a_layout_first_met_after_the_sampled_lines_keeps_its_own_time(tmp_path: Path) -> None:
    """Lines in a layout the sampled lines do not show, and no catalog layout reads, each
    get the time they write, not the time of the line before; their continuations theirs."""
    log = tmp_path / "upgraded.log"
    lines = [f"Mar  9 10:00:{i % 60:02d} gw-2 relay[4]: hop {i}" for i in range(SAMPLE_LINES + 5)]
    lines += [
        "2022.03.09 11:30:05 queue stalled",
        "    retry scheduled",
        "[9 Mar 2022 11:31:06] worker restarted",
        "2022-03-09 11:32 WARN disk almost full",
    ]
    log.write_text("\n".join(lines) + "\n")
    for rows in (fast([log], 2022), reference([log], 2022)):
        tail = {row["line"]: (row["at"], row.get("continuation", False)) for row in rows[-4:]}
        assert tail == {
            len(lines) - 3: ("2022-03-09T11:30:05Z", False),
            len(lines) - 2: ("2022-03-09T11:30:05Z", True),
            len(lines) - 1: ("2022-03-09T11:31:06Z", False),
            len(lines): ("2022-03-09T11:32:00Z", False),
        }
        assert rows[-1]["level"] == "WARN" and rows[-1]["template"] == "disk almost full"


def test_stamped_lines_after_text_without_a_header_keep_their_time(tmp_path: Path) -> None:
    """A file whose sampled lines have no header (an installer's text) reads the stamped
    lines that come later in a layout of their own, not as text without a time."""
    log = tmp_path / "setup.log"
    lines = [f"copying file {i} of the bundle" for i in range(SAMPLE_LINES + 5)]
    lines += ["2022-03-09 11:30:05 INFO unit started", "copying the rest"]
    log.write_text("\n".join(lines) + "\n")
    for rows in (fast([log], 2022), reference([log], 2022)):
        assert rows[0]["at"] is None
        assert (rows[-2]["at"], rows[-2]["level"], rows[-2]["template"]) == (
            "2022-03-09T11:30:05Z",
            "INFO",
            "unit started",
        )
        assert rows[-1]["at"] is None and "continuation" not in rows[-1]


def test_a_zone_abbreviation_with_other_meanings_says_it_was_read_as_its_most_common(
    tmp_path: Path,
) -> None:
    """IST is India's, Israel's and Ireland's: read as India's (+05:30), the line says so;
    CET has one meaning and an offset none, and their lines say nothing more."""
    log = tmp_path / "zones.log"
    log.write_text(
        "2022-03-09 11:30:05.100 IST [12] LOG:  checkpoint starting\n"
        "\tdetail of the checkpoint\n"
        "2022-03-09 11:30:06.200 CET [12] LOG:  checkpoint complete\n"
        "2022-03-09 11:30:07.300 +0200 [12] LOG:  vacuum done\n"
    )
    for rows in (fast([log], None), reference([log], None)):
        assert [row["at"] for row in rows] == [
            "2022-03-09T06:00:05.100000Z",
            "2022-03-09T06:00:05.100000Z",
            "2022-03-09T10:30:06.200000Z",
            "2022-03-09T09:30:07.300000Z",
        ]
        assert [row.get("zone_ambiguous", False) for row in rows] == [True, True, False, False]
        assert {row["zone_source"] for row in rows} == {"explicit"}


def test_the_zone_given_settles_an_abbreviation_with_other_meanings(tmp_path: Path) -> None:
    """With --tz Europe/Dublin, IST is Irish Standard Time (+01:00) and no longer in doubt;
    CST, which the zone given does not settle, still is."""
    log = tmp_path / "zones.log"
    log.write_text(
        "2022-03-09 11:30:05 IST [12] LOG:  checkpoint starting\n"
        "2022-03-09 11:30:06 CST [12] LOG:  checkpoint complete\n"
    )
    out = io.StringIO()
    write_json_lines(out, [log], tz="Europe/Dublin")
    rows = [json.loads(row) for row in out.getvalue().splitlines()]
    reference_rows = [p.to_json_dict() for p in parse_lines(log, tz="Europe/Dublin")]
    for got in (rows, reference_rows):
        assert [(row["at"], row.get("zone_ambiguous", False)) for row in got] == [
            ("2022-03-09T10:30:05Z", False),
            ("2022-03-09T17:30:06Z", True),
        ]


def windowed(folder: Path) -> list[Path]:
    """Logs long enough to be read a window at a time (`ChunkParser._bulk`): fractions of
    every length, a month and a year ending inside a window, an hour never seen before in
    the middle of one, lines of other layouts and continuations now and then, and a run
    of lines that each go line by line."""
    start = datetime(2030, 12, 31, 22, 59, 50)
    syslog, iso = [], []
    for i in range(6000):
        at = start + timedelta(seconds=i // 3)
        fraction = ("", ".5", ".250", ".000", ".123456789")[i % 5]
        syslog.append(f"{at:%b} {at.day:>2} {at:%H:%M:%S}{fraction} h{i % 3} app[{i % 7}]: n {i}")
        iso.append(f"{at:%Y-%m-%d %H:%M:%S},{i % 1000:03d} INFO [w{i % 2}] step {i % 11}")
        if i % 997 == 0:
            syslog.append("    continued")
            iso.append(f"{at:%Y-%m-%dT%H:%M:%SZ} other layout {i}")
    syslog[3000:3000] = [f"Jan  1 01:{i:02d}:07 h1 app[1]: out of order {i}" for i in range(60)]
    iso[2000:2200] = [f"\tat frame {i}" for i in range(200)]  # line by line, then windows again
    paths = []
    for name, lines in (("windowed-syslog.log", syslog), ("windowed-iso.log", iso)):
        path = folder / name
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


@pytest.mark.parametrize("tz", [None, "Asia/Kolkata", "America/New_York"])
def test_lines_read_a_window_at_a_time_equal_lines_parsed_one_by_one(
    tmp_path: Path, tz: str | None
) -> None:
    for path in windowed(tmp_path):
        out = io.StringIO()
        write_json_lines(out, [path], tz=tz, year=2030)
        got = [json.loads(row) for row in out.getvalue().splitlines()]
        want = [p.to_json_dict() for p in parse_lines(path, tz=tz, year=2030)]
        assert len(got) == len(want) > 6000
        if tz is None:
            assert fast([path], 2030) == reference([path], 2030), path.name
        keys = ("line", "at", "zone_source", "host", "process", "pid", "level", "year_assumed")
        assert [[r.get(k) for k in keys] for r in got] == [
            [r.get(k) for k in keys] for r in want
        ], path.name


def test_a_summary_read_a_window_at_a_time_counts_what_the_json_gives(tmp_path: Path) -> None:
    for path in windowed(tmp_path):
        pattern, taken, blocks, *_ = run._opened(path)
        made = [ChunkParser(pattern, None, 2030, stats=True, text=text) for text in (True, False)]
        carries = [parser.initial() for parser in made]
        for number, lines in [*taken, *blocks]:
            chunks = [p.parse(number, lines, c) for p, c in zip(made, carries, strict=True)]
            carries = [chunk.end for chunk in chunks]
            json_chunk, marked = chunks
            assert marked.seen == json_chunk.seen, path.name
            assert (marked.used, marked.counts) == (json_chunk.used, json_chunk.counts)


def test_a_json_record_longer_than_a_text_line_keeps_its_time(tmp_path: Path) -> None:
    """A JSON line holds a whole record, a request's body with it: one of 300 KB is read
    whole, with its time and message, not cut into text that is no longer JSON."""
    body = "x" * 300_000
    path = tmp_path / "api.log"
    path.write_text(
        f'{{"ts":"2026-12-07T00:31:00.5Z","level":"info","msg":"stored","body":"{body}"}}\n'
        '{"ts":"2026-12-07T00:31:01Z","level":"info","msg":"stored"}\n',
        encoding="utf-8",
    )
    rows = fast([path], None)
    assert [(r["at"], r["template"], r.get("truncated")) for r in rows] == [
        ("2026-12-07T00:31:00.500000Z", "stored", None),
        ("2026-12-07T00:31:01Z", "stored", None),
    ]
    assert rows == reference([path], None)
