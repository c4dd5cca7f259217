"""Input no one should write, as a hostile user writes it: every case is a clear one-line
error or a line kept and counted, never an internal error (exit 70) or a stopped run."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from retroline.errors import UsageError
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
    code, out, err = run("logs", "onset", str(bad_times), *args)
    assert code == UsageError.exit_code, err
    assert len(err.strip().splitlines()) == 1 and err.startswith("error: ")


@pytest.mark.parametrize("name", ["A" * 300, "../../../../etc/passwd", "Europe/", "x\x00y"])
@pytest.mark.parametrize("command", [["extract"], ["logs", "parse"], ["logs", "onset"]])
def test_any_zone_name_is_a_usage_error(bad_times: Path, command: list[str], name: str) -> None:
    extra = ["--at", "2031-05-04T10:00:00Z"] if command == ["logs", "onset"] else []
    code, _, err = run(*command, str(bad_times), *extra, "--tz", name)
    assert code == UsageError.exit_code, err
    assert "unknown time zone" in err
