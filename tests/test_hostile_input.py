"""Input no one should write, as a hostile user writes it: every case is a clear one-line
error or a line kept and counted, never an internal error (exit 70) or a stopped run."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from retroline.errors import InputError, UsageError
from tests.test_cli import run

# Made up for the test: a log whose first line has no time, lines with a year 0, an offset
# of days and a date that does not exist, between lines that are fine.
BAD_TIMES = "\n".join(
    [
        "service starting (no time on this line)",
        "0000-01-01T00:00:00Z worker 1 says hello",
        "2031-05-04T10:00:00+99:99 worker 2 has a bad clock",
        "2031-02-30T10:00:00Z worker 3 lives on the thirtieth of February",
        "2031-05-04T10:00:01Z worker 4 is fine",
        "2031-05-04T10:00:02Z worker 5 is fine",
    ]
)


@pytest.fixture
def bad_times(tmp_path: Path) -> Path:
    path = tmp_path / "bad-times.log"
    path.write_text(BAD_TIMES + "\n", encoding="utf-8")
    return path


def test_lines_whose_time_is_no_instant_are_kept_without_one(bad_times: Path) -> None:
    code, out, err = run("logs", "parse", str(bad_times), "--json")
    assert code == 0, err
    rows = [json.loads(line) for line in out.splitlines()]
    assert len(rows) == 6
    assert [r["at"] for r in rows[:4]] == [None] * 4
    assert [r["at"] for r in rows[4:]] == ["2031-05-04T10:00:01Z", "2031-05-04T10:00:02Z"]


def test_the_summary_table_takes_templates_without_a_time(bad_times: Path) -> None:
    code, out, err = run("logs", "parse", str(bad_times))
    assert code == 0, err
    assert "worker <*> is fine" in out or "worker 4 is fine" in out


def test_the_onset_and_investigate_read_past_bad_lines(bad_times: Path, tmp_path: Path) -> None:
    code, out, err = run("logs", "onset", str(bad_times), "--at", "2031-05-04T10:00:01Z")
    assert code == 0, err
    note = tmp_path / "evidence" / "note.md"
    note.parent.mkdir()
    note.write_text("# Workers\n\n## Timeline\n\n- 2031-05-04 10:00 UTC workers fail\n")
    (note.parent / "w.log").write_text(BAD_TIMES + "\n", encoding="utf-8")
    code, out, err = run(
        "investigate",
        str(note.parent),
        "--json",
        "-o",
        str(tmp_path / "report"),
        db=str(tmp_path / "lib.db"),
    )
    assert code == 0, err
    assert json.loads(out)["logs"] == [str(note.parent / "w.log")]


@pytest.mark.parametrize(
    "args",
    [
        ["--at", "0001-01-01T00:00:00Z"],
        ["--at", "9999-12-31T23:59:59Z"],
        ["--at", "2031-05-04T10:00:00Z", "--before", "3000000d"],
        ["--at", "2031-05-04T10:00:00Z", "--after", "99999999999999999999"],
    ],
)
def test_windows_past_the_calendar_are_usage_errors(bad_times: Path, args: list[str]) -> None:
    code, _, err = run("logs", "onset", str(bad_times), *args)
    assert code == UsageError.exit_code, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")


@pytest.mark.parametrize("name", ["A" * 300, "../../../../etc/passwd", "Europe/", "x\x00y"])
@pytest.mark.parametrize("command", [["extract"], ["logs", "parse"], ["logs", "onset"]])
def test_any_zone_name_is_a_usage_error(bad_times: Path, command: list[str], name: str) -> None:
    extra = ["--at", "2031-05-04T10:00:00Z"] if command == ["logs", "onset"] else []
    code, _, err = run(*command, str(bad_times), *extra, "--tz", name)
    assert code == UsageError.exit_code, err
    assert "unknown time zone" in err


NOTE = "# Disk full on build-7\n\n## Timeline\n\n- 2031-05-04 10:00 UTC the disk fills\n"


@pytest.fixture
def odd_folder(tmp_path: Path) -> Path:
    """Evidence beside a named pipe, a socket, a device link, links that loop and a link
    back up the tree."""
    import os
    import socket

    folder = tmp_path / "evidence"
    (folder / "deep").mkdir(parents=True)
    (folder / "note.md").write_text(NOTE, encoding="utf-8")
    os.mkfifo(folder / "pipe.log")
    (folder / "self.md").symlink_to(folder / "self.md")
    (folder / "deep" / "up").symlink_to(folder)  # a loop through a folder link
    (folder / "null.log").symlink_to("/dev/null")
    (folder / "gone.md").symlink_to(folder / "missing.md")
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(folder / "s.sock"))
    except OSError:  # a path too long for a socket name: the test goes on without one
        pass
    finally:
        server.close()
    return folder


def test_a_folder_walk_skips_what_is_not_a_file_and_never_loops(odd_folder: Path) -> None:
    from retroline.investigation import gather

    found, skipped = gather([odd_folder])
    assert found == [odd_folder / "note.md"]
    reasons = {path.name: reason for path, reason in skipped}
    assert "named pipe" in reasons["pipe.log"]
    assert "loop" in reasons["self.md"]
    assert "device" in reasons["null.log"]
    assert "broken link" in reasons["gone.md"]
    if (odd_folder / "s.sock").exists():
        assert "socket" in reasons["s.sock"]


def test_investigate_names_what_it_skipped(odd_folder: Path, tmp_path: Path) -> None:
    code, out, err = run(
        "investigate", str(odd_folder), "--json", "-o", str(tmp_path / "report"),
        db=str(tmp_path / "lib.db"),
    )  # fmt: skip
    assert code == 0, err
    data = json.loads(out)
    assert data["documents"] == [str(odd_folder / "note.md")]
    assert {Path(s["path"]).name for s in data["skipped"]} >= {"pipe.log", "self.md", "null.log"}


@pytest.mark.parametrize("command", [["extract"], ["import"], ["logs", "parse"], ["investigate"]])
@pytest.mark.parametrize("name", ["pipe.log", "self.md", "null.log"])
def test_a_pipe_device_or_loop_given_as_a_file_is_refused_at_once(
    odd_folder: Path, tmp_path: Path, command: list[str], name: str
) -> None:
    extra = ["-o", str(tmp_path / "report")] if command == ["investigate"] else []
    code, _, err = run(*command, str(odd_folder / name), *extra, db=str(tmp_path / "l.db"))
    assert code in (InputError.exit_code, UsageError.exit_code), err
    assert name in err and len(err.strip().splitlines()) == 1


def test_a_very_deep_folder_is_walked(tmp_path: Path) -> None:
    from retroline.investigation import gather

    here = tmp_path
    for _ in range(1200):  # deeper than Python's recursion limit
        here = here / "d"
        here.mkdir()
    (here / "note.md").write_text(NOTE, encoding="utf-8")
    try:
        assert gather([tmp_path]) == ([here / "note.md"], [])
    finally:  # pytest's own clean-up recurses: take the tree down from the bottom
        (here / "note.md").unlink()
        while here != tmp_path:
            here.rmdir()
            here = here.parent


def test_an_investigation_of_nothing_usable_stores_nothing_and_says_why(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "junk.md").write_bytes(bytes(range(256)) * 20)
    (folder / "cpu.csv").write_text(
        "time,cpu\n" + "".join(f"2031-05-04T10:0{i}:00Z,{i}\n" for i in range(6))
    )
    db = str(tmp_path / "lib.db")
    code, out, err = run("investigate", str(folder), "-o", str(tmp_path / "report"), db=db)
    assert code == InputError.exit_code, out
    assert "none of the 2 file(s) could be used, nothing was stored" in err
    assert "metric series" in err or "binary" in err
    assert json.loads(run("list", "--json", db=db)[1] or "[]") == []
    assert not (tmp_path / "report").exists()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        (dt.datetime(1, 1, 1, 0, 0, tzinfo=dt.UTC), dt.datetime(1, 1, 1, 0, 5, tzinfo=dt.UTC)),
        (
            dt.datetime(14, 10, 18, 10, 0, tzinfo=dt.UTC),
            dt.datetime(14, 10, 19, 10, 0, tzinfo=dt.UTC),
        ),
        (
            dt.datetime(9998, 12, 1, 0, 0, tzinfo=dt.UTC),
            dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC),
        ),
    ],
)
def test_incidents_at_the_ends_of_the_calendar_store_and_render(
    first: dt.datetime, second: dt.datetime, tmp_path: Path
) -> None:
    from retroline.model import Event, Incident, Source
    from retroline.report.write import render
    from retroline.store import Library

    incident = Incident(
        title="Cut dates",
        events=[
            Event(at=at, text=f"entry {i}", source=Source(path="cut.md", line=i + 1))
            for i, at in enumerate((first, second))
        ],
    )
    library = Library(f"sqlite:///{tmp_path / 'lib.db'}")
    stored = library.get(library.save(incident).id)
    assert [e.at for e in stored.events] == [first, second]
    for fmt in ("html", "md", "json"):
        assert "entry 1" in render(stored, fmt)


def test_a_library_path_that_loops_is_a_usage_error(tmp_path: Path) -> None:
    loop = tmp_path / "library.db"
    loop.symlink_to(loop)
    code, _, err = run("list", db=str(loop))
    assert code == UsageError.exit_code and "cannot be a library file" in err


def test_entries_dated_outside_the_years_read_are_findings_not_silence(tmp_path: Path) -> None:
    note = tmp_path / "cut.md"
    note.write_text(
        "# Cut dates\n\n## Timeline\n\n- 2031-05-04 10:00 UTC first\n"
        "- 0014-10-18 10:20 UTC year fourteen\n- 9999-12-31 23:59 -0500 the last minute\n"
        "- 2031-05-04 11:00 UTC last\n",
        encoding="utf-8",
    )
    code, out, err = run("extract", str(note), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [e["text"] for e in data["events"]] == ["first", "last"]
    said = [f["message"] for f in data["findings"] if f["code"] == "impossible-date"]
    assert len(said) == 2 and "'0014-10-18'" in said[0] and "'9999-12-31'" in said[1]
