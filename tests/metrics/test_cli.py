"""`retroline metrics read|changes|pull` as a user runs them: files written here, a real
Prometheus server, the output read back as a script would read it, and exit codes."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from retroline.cli import app
from retroline.errors import FormatError, UsageError
from tests.prometheus import BASE, END, EVERY, STEP_AT, PrometheusServer, free_port

runner = CliRunner()

START = dt.datetime(2026, 3, 2, 0, 0, tzinfo=dt.UTC)
#: Samples in the fixture, one a minute from START.
POINTS = 240
#: ``sockets`` steps from about 300 to about 500 at this sample (01:00 UTC).
STEP_INDEX = 60
#: ``rss`` is flat at 500 MiB, then rises 4 MiB a minute from this sample (03:00 UTC).
LEAK_INDEX = 180
#: What `metrics changes --json` prints for each change, and nothing else.
CHANGE_KEYS = {"series", "at", "kind", "score", "before", "after", "source"}


def run(*args: str) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def instant(index: int) -> dt.datetime:
    return START + dt.timedelta(minutes=index)


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture
def memory_csv(tmp_path: Path) -> Path:
    """A wide CSV with UTC times: ``sockets`` steps up, ``rss (MiB)`` starts leaking
    (fixed-seed noise on both)."""
    rng = np.random.default_rng(20260302)
    rows = ["time,sockets,rss (MiB)"]
    for i in range(POINTS):
        sockets = 300 + rng.normal(0, 5) + (200 if i >= STEP_INDEX else 0)
        rss = 500 + rng.normal(0, 2) + (4 * (i - LEAK_INDEX) if i >= LEAK_INDEX else 0)
        rows.append(f"{iso(instant(i))},{sockets:.1f},{rss:.2f}")
    path = tmp_path / "memory.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def local_csv(tmp_path: Path) -> Path:
    """A CSV whose times state no zone, with a gap of three empty rows."""
    rows = ["timestamp,queue"]
    for i in range(20):
        value = "" if 10 <= i < 13 else str(40 + i % 3)
        rows.append(f"{instant(i):%Y-%m-%d %H:%M:%S},{value}")
    path = tmp_path / "queue.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def json_lines(out: str) -> list[dict[str, Any]]:
    """The changes of `metrics changes --json`: every line a JSON object; a closing
    ``{"summary": ...}`` line, when there is one, is checked and left out."""
    lines = [json.loads(line) for line in out.splitlines()]
    assert all(isinstance(line, dict) for line in lines)
    if lines and set(lines[-1]) == {"summary"}:
        summary = lines.pop()["summary"]
        assert summary["changes"] == len(lines)
    for line in lines:
        assert set(line) == CHANGE_KEYS, line
    return lines


def csv_row(path: Path, line: int) -> list[str]:
    """The cells of line ``line`` (1-based) of a CSV file."""
    return path.read_text(encoding="utf-8").splitlines()[line - 1].split(",")


def index_of(at: str) -> int:
    """The sample of the fixture at the ISO instant ``at``."""
    moment = dt.datetime.fromisoformat(at.replace("Z", "+00:00"))
    return round((moment - START).total_seconds() / 60)


# --- metrics read --------------------------------------------------------------------------


def test_read_json_lists_each_series_with_its_span(memory_csv: Path) -> None:
    code, out, err = run("metrics", "read", str(memory_csv), "--json")
    assert (code, err) == (0, "")
    rows = {row["series"]: row for row in json.loads(out)}
    assert sorted(rows) == ["rss", "sockets"]
    rss = rows["rss"]
    assert (rss["name"], rss["labels"], rss["unit"]) == ("rss", {}, "MiB")
    assert rows["sockets"]["unit"] is None
    for row in rows.values():
        assert (row["points"], row["gaps"]) == (POINTS, 0)
        assert (row["first"], row["last"]) == ("2026-03-02T00:00:00Z", "2026-03-02T03:59:00Z")
        assert row["source"]["path"] == str(memory_csv)
        assert row["source"]["format"] == "csv"
        assert row["source"]["zone_source"] == "explicit"


def test_read_json_says_the_zone_was_assumed_or_given(local_csv: Path) -> None:
    _, out, _ = run("metrics", "read", str(local_csv), "--json")
    (queue,) = json.loads(out)
    assert (queue["points"], queue["gaps"]) == (20, 3)
    assert (queue["first"], queue["last"]) == ("2026-03-02T00:00:00Z", "2026-03-02T00:19:00Z")
    assert queue["source"]["zone_source"] == "assumed"
    code, out, _ = run("metrics", "read", str(local_csv), "--tz", "Europe/Zurich", "--json")
    (queue,) = json.loads(out)
    assert code == 0
    # 00:00 in Zurich (UTC+1 in March) is 23:00 UTC the day before.
    assert (queue["first"], queue["last"]) == ("2026-03-01T23:00:00Z", "2026-03-01T23:19:00Z")
    assert (queue["source"]["zone"], queue["source"]["zone_source"]) == (
        "Europe/Zurich",
        "option",
    )


def test_read_table_shows_the_series_in_utc(memory_csv: Path, local_csv: Path) -> None:
    code, out, _ = run("metrics", "read", str(memory_csv), str(local_csv))
    assert code == 0
    words = " ".join(out.split())  # a title wider than its table wraps
    assert f"{memory_csv}: 2 series (csv; times in UTC)" in words
    assert f"{local_csv}: 1 series (csv; times in UTC)" in words
    rss = next(line for line in out.splitlines() if " rss " in line)
    assert "MiB" in rss and f" {POINTS} " in rss
    assert "2026-03-02 00:00:00" in rss and "2026-03-02 03:59:00" in rss
    assert "stated" in rss
    queue = next(line for line in out.splitlines() if " queue " in line)
    assert " 3 " in queue and "UTC assumed" in queue
    _, out, _ = run("metrics", "read", str(local_csv), "--tz", "Europe/Zurich")
    queue = next(line for line in out.splitlines() if " queue " in line)
    assert "2026-03-01 23:00:00" in queue and "Europe/Zurich (--tz)" in queue


# --- metrics changes -----------------------------------------------------------------------


def test_changes_json_finds_the_step_and_the_leak_at_their_rows(memory_csv: Path) -> None:
    code, out, _ = run("metrics", "changes", str(memory_csv), "--json")
    assert code == 0
    changes = json_lines(out)
    by_series = {c["series"]: c for c in changes}
    assert sorted(by_series) == ["rss", "sockets"], changes
    step, leak = by_series["sockets"], by_series["rss"]
    assert step["kind"] == "level"
    assert abs(index_of(step["at"]) - STEP_INDEX) <= 3
    assert step["before"]["mean"] == pytest.approx(300, abs=3)
    assert step["after"]["mean"] == pytest.approx(500, abs=3)
    assert leak["kind"] == "trend"
    assert abs(index_of(leak["at"]) - LEAK_INDEX) <= 3
    assert leak["after"]["slope_per_s"] == pytest.approx(4 / 60, rel=0.1)
    assert leak["source"]["unit"] == "MiB"
    # In time order, each instant ISO UTC, and its source line is the row of that instant.
    assert [c["at"] for c in changes] == sorted(c["at"] for c in changes)
    for change in changes:
        assert change["at"].endswith("Z")
        assert change["source"]["path"] == str(memory_csv)
        assert change["source"]["format"] == "csv"
        assert csv_row(memory_csv, change["source"]["line"])[0] == change["at"]
        assert isinstance(change["score"], float) and change["score"] > 1


def test_the_first_point_of_the_new_regime_is_the_change(memory_csv: Path) -> None:
    _, out, _ = run("metrics", "changes", str(memory_csv), "--json")
    step = next(c for c in json_lines(out) if c["series"] == "sockets")
    row = step["source"]["line"]
    assert float(csv_row(memory_csv, row)[1]) > 400  # new level
    assert float(csv_row(memory_csv, row - 1)[1]) < 400  # old level


def test_a_limit_crossed_is_a_limit_change(memory_csv: Path) -> None:
    code, out, _ = run("metrics", "changes", str(memory_csv), "--limit", "sockets>400", "--json")
    assert code == 0
    (limit,) = [c for c in json_lines(out) if c["kind"] == "limit"]
    assert limit["series"] == "sockets"
    assert abs(index_of(limit["at"]) - STEP_INDEX) <= 3
    assert limit["before"]["value"] <= 400 < limit["after"]["value"]
    assert limit["before"]["limit"] == limit["after"]["limit"] == 400
    assert csv_row(memory_csv, limit["source"]["line"])[0] == limit["at"]


@pytest.mark.parametrize(
    "bad", ["sockets=400", "sockets>abc", "sockets>", ">400", "sockets>inf", "sockets!400"]
)
def test_a_limit_that_cannot_be_read_is_a_usage_error(memory_csv: Path, bad: str) -> None:
    code, out, err = run("metrics", "changes", str(memory_csv), "--limit", bad, "--json")
    assert code == UsageError.exit_code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("error: cannot read the limit")
    assert repr(bad) in err


@pytest.mark.parametrize(("onset", "first"), [(STEP_INDEX, "sockets"), (LEAK_INDEX, "rss")])
def test_at_ranks_the_nearest_strong_change_first(memory_csv: Path, onset: int, first: str) -> None:
    """The step is stronger, and comes first in time; at the leak's onset the leak leads."""
    code, out, _ = run("metrics", "changes", str(memory_csv), "--at", iso(instant(onset)), "--json")
    assert code == 0
    changes = json_lines(out)
    assert changes[0]["series"] == first
    assert {c["series"] for c in changes} == {"rss", "sockets"}


def test_changes_table_says_what_changed(memory_csv: Path) -> None:
    code, out, _ = run("metrics", "changes", str(memory_csv))
    assert code == 0
    assert "2 changes, in time order (times in UTC)" in out
    step = next(line for line in out.splitlines() if "sockets jumps" in line)
    assert " level " in step and f"{memory_csv.name}:" in step
    assert any("rss starts rising" in line for line in out.splitlines())


@pytest.mark.parametrize("command", ["read", "changes"])
def test_a_file_that_is_not_metrics_is_exit_3_naming_it(tmp_path: Path, command: str) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("The relay leaked memory.\nWe restarted it.\n", encoding="utf-8")
    code, out, err = run("metrics", command, str(notes))
    assert code == FormatError.exit_code == 3
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"error: {notes}: not a metric file")


# --- metrics pull --------------------------------------------------------------------------


def test_pull_writes_a_file_that_changes_reads(
    prometheus_server: PrometheusServer, tmp_path: Path
) -> None:
    out = tmp_path / "level.json"
    start, end = (iso(dt.datetime.fromtimestamp(t, dt.UTC)) for t in (BASE, END - EVERY))
    code, _, err = run(
        "metrics",
        "pull",
        prometheus_server.url,
        "--query",
        "retroline_level",
        "--from",
        start,
        "--to",
        end,
        "--step",
        str(EVERY),
        "-o",
        str(out),
    )
    assert code == 0, err
    points = (END - BASE) // EVERY
    assert err.strip() == f"2 series, {2 * points} points written to {out}"
    code, stdout, err = run("metrics", "changes", str(out), "--json")
    assert code == 0, err
    changes = json_lines(stdout)
    # Instance a steps from 10 to 50 at STEP_AT; instance b stays at 7.
    (step,) = changes
    assert step["series"] == 'retroline_level{instance="a",job="fixture"}'
    assert step["kind"] == "level"
    assert step["at"] == iso(dt.datetime.fromtimestamp(STEP_AT, dt.UTC))
    assert (step["before"]["mean"], step["after"]["mean"]) == (10.0, 50.0)
    assert step["source"]["path"] == str(out)
    assert step["source"]["query"] == "retroline_level"
    assert step["source"]["server"] == prometheus_server.url


def test_pull_of_a_bad_query_is_exit_2(prometheus_server: PrometheusServer, tmp_path: Path) -> None:
    out = tmp_path / "bad.json"
    code, _, err = run(
        "metrics",
        "pull",
        prometheus_server.url,
        "--query",
        "rate(retroline_level[",
        "--from",
        "2024-01-01T00:00Z",
        "--to",
        "2024-01-01T01:00Z",
        "-o",
        str(out),
    )
    assert code == UsageError.exit_code == 2
    assert err.count("\n") == 1 and "parse error" in err
    assert prometheus_server.url in err
    assert not out.exists()


def test_pull_from_a_port_nobody_listens_on_is_exit_3(tmp_path: Path) -> None:
    url = f"http://127.0.0.1:{free_port()}"
    out = tmp_path / "none.json"
    code, _, err = run(
        "metrics",
        "pull",
        url,
        "--query",
        "up",
        "--from",
        "2024-01-01T00:00Z",
        "--to",
        "2024-01-01T01:00Z",
        "-o",
        str(out),
    )
    assert code == 3
    assert err.count("\n") == 1
    assert err.startswith(f"error: {url}: cannot reach the Prometheus server")
    assert not out.exists()


# --- help ----------------------------------------------------------------------------------


@pytest.mark.parametrize("command", [[], ["read"], ["changes"], ["pull"]])
def test_help_shows_an_example(command: list[str]) -> None:
    code, out, _ = run("metrics", *command, "--help")
    assert code == 0
    assert f"Example: retroline metrics {command[0] if command else ''}" in out


# --- source lines and zones ----------------------------------------------------------------


def write_layout(path: Path, layout: str) -> Path:
    """``sockets`` stepping up at STEP_INDEX, written in one of the layouts exports use."""
    rng = np.random.default_rng(11)
    quoted = layout == "quoted"
    rows = ["# exported from Grafana"] if layout == "comment" else []
    rows.append('"time","sockets"' if quoted else "time,sockets")
    for i in range(2 * STEP_INDEX):
        cells = (iso(instant(i)), f"{300 + rng.normal(0, 5) + (200 if i >= STEP_INDEX else 0):.1f}")
        rows.append(",".join(f'"{c}"' for c in cells) if quoted else ",".join(cells))
        if layout == "blank lines" and i % 10 == 0:
            rows.append("")
    newline = "\r\n" if layout == "crlf with bom" else "\n"
    text = newline.join(rows) + newline
    path.write_bytes((b"\xef\xbb\xbf" if layout == "crlf with bom" else b"") + text.encode())
    return path


@pytest.mark.parametrize("layout", ["plain", "crlf with bom", "blank lines", "comment", "quoted"])
def test_the_source_line_is_the_row_of_the_change_in_any_layout(
    tmp_path: Path, layout: str
) -> None:
    path = write_layout(tmp_path / "sockets.csv", layout)
    code, out, err = run("metrics", "changes", str(path), "--json")
    assert code == 0, err
    (step,) = json_lines(out)
    assert step["kind"] == "level"
    assert abs(index_of(step["at"]) - STEP_INDEX) <= 3
    row = path.read_text(encoding="utf-8-sig").splitlines()[step["source"]["line"] - 1]
    assert row.split(",")[0].strip('"') == step["at"]


def test_changes_warn_when_utc_was_assumed(tmp_path: Path) -> None:
    path = write_layout(tmp_path / "sockets.csv", "plain")
    path.write_text(path.read_text(encoding="utf-8").replace("Z,", ","), encoding="utf-8")
    code, out, err = run("metrics", "changes", str(path), "--json")
    assert code == 0
    (step,) = json_lines(out)
    assert step["source"]["zone_source"] == "assumed"
    assert json.loads(out.splitlines()[-1])["summary"]["zone_assumed"] == [str(path)]
    # One warning (words compared: a long path may wrap it on a narrow terminal).
    assert " ".join(err.split()) == f"warning: {path}: times state no zone; read as UTC (give --tz)"
    code, out, err = run("metrics", "changes", str(path), "--tz", "Europe/Zurich", "--json")
    (step,) = json_lines(out)
    assert (code, err) == (0, "")
    assert (step["source"]["zone"], step["source"]["zone_source"]) == ("Europe/Zurich", "option")
    assert step["at"] == iso(instant(STEP_INDEX) - dt.timedelta(hours=1))
