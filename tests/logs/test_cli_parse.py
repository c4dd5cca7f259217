"""``retroline logs parse`` as scripts and people use it: the JSON contract, errors, stdin."""

from __future__ import annotations

import gzip
import json
import random
import tarfile
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retroline.cli import app
from retroline.errors import InputError, UsageError
from retroline.logs.parse import parse_lines
from tests.logs.test_timestamps_loghub import LOGHUB

runner = CliRunner()
DATA = Path(__file__).parent / "data"
STACKTRACE = str(DATA / "stacktrace.log")
OPENSSH = LOGHUB / "OpenSSH" / "OpenSSH_2k.log"


def run(*args: str, stdin: bytes | None = None) -> tuple[int, str, str]:
    result = runner.invoke(app, list(args), input=stdin, env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def json_lines(out: str) -> list[dict]:
    return [json.loads(row) for row in out.splitlines()]


def test_json_has_exactly_the_documented_keys() -> None:
    code, out, err = run("logs", "parse", STACKTRACE, "--json")
    assert code == 0 and err == ""
    rows = json_lines(out)
    assert [r["line"] for r in rows] == [1, 2, 3, 4, 5]
    documented = {"line", "at", "template_id", "template", "host", "process", "pid", "level"}
    documented.add("zone_source")
    flags = {"continuation", "truncated", "binary", "year_assumed", "date_assumed"}
    for row in rows:
        assert {"line", "at", "template_id", "template"} <= set(row) <= documented | flags
        assert all(row[flag] is True for flag in flags & set(row))
        # The fixture writes no zone and none is given: UTC is assumed, and every line says so.
        assert row["zone_source"] == "assumed"
    assert rows[0]["at"] == "2016-09-08T20:31:48.123000Z"
    assert (rows[0]["level"], rows[0]["process"]) == ("ERROR", "org.foo.Bar")
    assert rows[1]["continuation"] is True and rows[1]["at"] == rows[0]["at"]


@pytest.mark.skipif(not OPENSSH.exists(), reason="../shared/loghub is not here")
def test_every_line_gets_its_final_template_and_tz_and_year_apply() -> None:
    code, out, _ = run(
        "logs", "parse", str(OPENSSH), "--json", "--year", "2017", "--tz", "Asia/Hong_Kong"
    )
    rows = json_lines(out)
    assert code == 0 and len(rows) == 2000
    assert rows[0]["at"] == "2017-12-09T22:55:46Z"  # Dec 10 06:55:46 at UTC+8
    by_id: dict[str, set[str]] = {}
    for row in rows:
        by_id.setdefault(row["template_id"], set()).add(row["template"])
    # Two passes: one id, one template text, from the first line to the last.
    assert all(len(texts) == 1 for texts in by_id.values())
    assert 15 <= len(by_id) <= 60


def test_several_files_share_template_ids_and_name_the_file(tmp_path: Path) -> None:
    other = tmp_path / "again.log"
    other.write_text(Path(STACKTRACE).read_text())
    code, out, _ = run("logs", "parse", STACKTRACE, str(other), "--json")
    rows = json_lines(out)
    assert code == 0 and len(rows) == 10
    assert {r["file"] for r in rows} == {STACKTRACE, str(other)}
    assert [r["template_id"] for r in rows[:5]] == [r["template_id"] for r in rows[5:]]


def test_stdin_is_read_once() -> None:
    code, out, _ = run("logs", "parse", "-", "--json", stdin=Path(STACKTRACE).read_bytes())
    rows = json_lines(out)
    assert code == 0 and [r["line"] for r in rows] == [1, 2, 3, 4, 5]
    assert "file" not in rows[0]


def test_truncated_archive_prints_what_was_read_then_fails(tmp_path: Path) -> None:
    body = "".join(
        f"2016-09-08 20:31:{i % 60:02d} host app[{i}]: job {i} done\n" for i in range(20000)
    )
    whole = gzip.compress(body.encode())
    cut = tmp_path / "cut.log.gz"
    cut.write_bytes(whole[: len(whole) // 2])
    code, out, err = run("logs", "parse", str(cut), "--json")
    rows = json_lines(out)
    assert code == InputError.exit_code
    assert rows and rows[-1]["line"] == len(rows)
    assert len(err.strip().splitlines()) == 1
    assert f"error: {cut}:{len(rows) + 1}: " in err and "cut off" in err


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["/no/such.log"], InputError.exit_code, "error: /no/such.log: no such log file"),
        ([STACKTRACE, "--tz", "Mars/Olympus"], UsageError.exit_code, "unknown time zone"),
        ([STACKTRACE, "--year", "99999"], UsageError.exit_code, "four-digit year"),
    ],
)
def test_bad_input_is_one_line_and_an_exit_code(args: list[str], code: int, message: str) -> None:
    exit_code, out, err = run("logs", "parse", *args, "--json")
    assert exit_code == code and out == ""
    assert message in err and len(err.strip().splitlines()) == 1


def _program(path: Path) -> Path:
    """A file of machine code and tables, as a program or a database is: short runs of
    bytes between newlines, most with NULs or control bytes in them."""
    rng = random.Random(7)
    path.write_bytes(b"\x7fELF\x02\x01\x01" + bytes(rng.randrange(256) for _ in range(60_000)))
    return path


@pytest.mark.parametrize("mode", [["--json"], []])
def test_a_binary_file_is_refused_at_its_first_binary_line(tmp_path: Path, mode) -> None:
    program = _program(tmp_path / "tool")
    code, out, err = run("logs", "parse", str(program), *mode)
    assert code == InputError.exit_code and out == ""
    assert err.startswith(f"error: {program}:1: binary data, not a log (")
    assert len(err.strip().splitlines()) == 1
    # The reference reader refuses it at the same line.
    with pytest.raises(InputError, match="binary data, not a log") as caught:
        list(parse_lines(program))
    assert caught.value.line == 1


def _archives(folder: Path) -> dict[str, str]:
    """Logs handed over in archives the reader does not unpack, by file name: the advice
    each gets."""
    log = folder / "app.log"
    log.write_text("".join(f"2016-09-08 20:31:{i:02d} host app[1]: job {i}\n" for i in range(60)))
    with zipfile.ZipFile(folder / "logs.zip", "w") as stored:  # stored, not deflated
        stored.write(log, "app.log")
    with tarfile.open(folder / "logs.tar.gz", "w:gz") as packed:
        packed.add(log, "app.log")
    (folder / "app.log.zst").write_bytes(b"\x28\xb5\x2f\xfd" + bytes(range(256)) * 8)
    return {
        "logs.zip": "a ZIP archive: unpack it and give the files in it",
        "logs.tar.gz": "a tar archive: unpack it and give the files in it",
        "app.log.zst": "compressed with zstd: unpack it (zstd -d) and give that",
    }


def test_an_archive_is_refused_with_what_to_do(tmp_path: Path) -> None:
    """Even a ZIP whose log is stored as it is, or a tar inside gzip, whose lines could be
    read: the files in them would be read as one."""
    for name, advice in _archives(tmp_path).items():
        code, out, err = run("logs", "parse", str(tmp_path / name), "--json")
        assert code == InputError.exit_code and out == ""
        assert err.strip() == f"error: {tmp_path / name}: {advice}"


@pytest.mark.parametrize("body", [b"", b"\n  \n\t\r\n"])
def test_an_empty_log_is_refused(tmp_path: Path, body: bytes) -> None:
    path = tmp_path / "empty.log"
    path.write_bytes(body)
    code, out, err = run("logs", "parse", str(path), "--json")
    assert code == InputError.exit_code and out == ""
    assert err.strip() == f"error: {path}: the log is empty (no line with text)"
    with pytest.raises(InputError, match="the log is empty"):
        list(parse_lines(path))


def test_blank_lines_before_the_first_text_are_no_empty_log(tmp_path: Path) -> None:
    path = tmp_path / "late.log"
    path.write_text("\n" * 450 + "2016-09-08 20:31:00 host app[1]: job 1 done\n")
    code, out, err = run("logs", "parse", str(path), "--json")
    rows = json_lines(out)
    assert code == 0 and err == "" and len(rows) == 451
    assert rows[-1]["at"] == "2016-09-08T20:31:00Z"


def test_a_log_with_some_binary_junk_is_read(tmp_path: Path) -> None:
    """A crash leaves a block of NULs in a log: its lines are flagged, the others read."""
    lines = [f"2016-09-08 20:31:{i:02d} host app[{i}]: job {i} done" for i in range(40)]
    path = tmp_path / "crashed.log"
    junk = b"\x00" * 4096 + b"\n" + b"\x01\x02\x00\x03\n" * 10
    path.write_bytes(junk + "\n".join(lines).encode() + b"\n")
    code, out, err = run("logs", "parse", str(path), "--json")
    rows = json_lines(out)
    assert code == 0 and err == ""
    assert [bool(r.get("binary")) for r in rows] == [True] * 11 + [False] * 40
    assert rows[11]["at"] == "2016-09-08T20:31:00Z"


def test_a_stamp_that_names_no_instant_is_told_of_at_its_first_line(tmp_path: Path) -> None:
    """Such a line keeps no time, never a wrong one, and the user is told where, once a
    file, after the output: a day the month lacks, an hour past 23, in a header or in a
    JSON record."""
    files = {
        "days.log": "2025-04-01 10:00:00 INFO up\n2025-04-31 10:00:01 INFO checked\n"
        "2025-04-31 10:00:01 INFO checked\n",
        "hours.log": "2025-04-01 10:00:00 INFO up\n2025-04-01 24:61:00 INFO late\n",
        "records.log": '{"ts":"2025-02-29T10:00:00Z","msg":"leap day of no leap year"}\n',
        "fine.log": "2025-04-01 10:00:00 INFO up\n",
    }
    for name, body in files.items():
        (tmp_path / name).write_text(body)
    paths = [str(tmp_path / name) for name in files]
    code, out, err = run("logs", "parse", *paths, "--json")
    rows = json_lines(out)
    assert code == 0 and len(rows) == 7
    assert [r["at"] for r in rows if r["template"].startswith(("checked", "late", "leap"))] == [
        None
    ] * 4
    told = err.strip().splitlines()
    assert [line.split(": a stamp")[0] for line in told] == [
        f"warning: {tmp_path / 'days.log'}:2",
        f"warning: {tmp_path / 'hours.log'}:2",
        f"warning: {tmp_path / 'records.log'}:1",
    ]
    assert all(line.endswith("such lines are kept without a time") for line in told)


def test_summary_for_people_lists_templates_with_counts() -> None:
    code, out, _ = run("logs", "parse", STACKTRACE)
    assert code == 0
    assert "templates over 5 lines" in out
    assert "request failed" in out and "2016-09-08 20:31:48" in out
