"""The command line as a user runs it: real files, a real library, output and exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retroline.cli import app
from retroline.errors import InputError, NotFoundError, UsageError
from tests.conftest import EXAMPLE

runner = CliRunner()
POSTMORTEM = str(EXAMPLE / "postmortem.md")


def run(*args: str, db: str | None = None) -> tuple[int, str, str]:
    argv = (["--db", db] if db else []) + list(args)
    result = runner.invoke(app, argv, env={"COLUMNS": "200"})
    return result.exit_code, result.stdout, result.stderr


def test_extract_json_follows_the_contract() -> None:
    code, out, _ = run("extract", POSTMORTEM, "--json")
    assert code == 0
    data = json.loads(out)
    assert set(data) >= {
        "title",
        "document_date",
        "events",
        "sections",
        "action_items",
        "links",
        "findings",
    }
    assert data["title"] == "Checkout API errors after the payments-db connection pool change"
    assert data["document_date"] == "2026-03-12"
    first = data["events"][0]
    assert first["at"] == "2026-03-11T16:40:00Z"
    assert first["date"] == "2026-03-11"
    assert first["zone_source"] == "explicit"
    assert first["source"] == {"path": POSTMORTEM, "line": 23}
    assert first["text"].startswith("Config change")
    assert len(data["events"]) == 8
    owners = [a["owner"] for a in data["action_items"]]
    assert owners == ["Priya", "Jonas", "Jonas", None]
    assert [f["code"] for f in data["findings"]] == ["action-without-owner"]


def test_tz_option_applies_where_no_zone_is_written(tmp_path: Path) -> None:
    doc = tmp_path / "local.md"
    doc.write_text("# Local\n\n## Timeline\n\n- 2014-10-18 05:54 - VM crashed\n", encoding="utf-8")
    _, out, _ = run("extract", str(doc), "--json")
    (event,) = json.loads(out)["events"]
    assert (event["at"], event["zone_source"]) == ("2014-10-18T05:54:00Z", "assumed")
    assert "zone-not-stated" in [f["code"] for f in json.loads(out)["findings"]]
    _code, out, _ = run("extract", str(doc), "--tz", "Europe/Zurich", "--json")
    (event,) = json.loads(out)["events"]
    assert (event["at"], event["zone"], event["zone_source"]) == (
        "2014-10-18T03:54:00Z",
        "Europe/Zurich",
        "option",
    )


def test_import_list_show_export_rm(tmp_path: Path) -> None:
    db = str(tmp_path / "lib.db")
    code, out, err = run("import", POSTMORTEM, db=db)
    assert code == 0 and "created, 8 events" in out and "library:" in err
    code, out, _ = run("import", "-q", POSTMORTEM, db=db)
    incident_id = out.strip()
    assert code == 0 and len(incident_id) == 12
    code, out, _ = run("list", "--json", db=db)
    listed = json.loads(out)
    assert [i["id"] for i in listed] == [incident_id] and listed[0]["events"] == 8
    code, out, _ = run("list", db=db)
    assert incident_id in out and "Checkout API errors" in out
    code, out, _ = run("show", incident_id[:5], db=db)
    assert code == 0 and "2026-03-11 18:09" in out and "CheckoutErrorRate > 5%" in out
    code, out, _ = run("export", incident_id, "--json", db=db)
    exported = json.loads(out)
    code, extracted, _ = run("extract", POSTMORTEM, "--json")
    assert {**json.loads(extracted), "id": incident_id} == exported
    target = tmp_path / "out.json"
    assert run("export", incident_id, "-o", str(target), db=db)[0] == 0
    assert json.loads(target.read_text()) == exported
    code, out, _ = run("rm", incident_id, db=db)
    assert code == 0 and f"removed {incident_id}" in out
    code, out, err = run("list", db=db)
    assert code == 0 and "library is empty" in err


def test_schema_validates_extract_output() -> None:
    import jsonschema

    _code, out, _ = run("schema")
    schema = json.loads(out)
    _, extracted, _ = run("extract", POSTMORTEM, "--json")
    jsonschema.validate(json.loads(extracted), schema)
    assert schema["properties"]["events"]["type"] == "array"


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ["extract", "/no/such/file.md"],
            InputError.exit_code,
            "error: /no/such/file.md: no such file",
        ),
        (
            ["extract", POSTMORTEM, "--tz", "Mars/Olympus"],
            UsageError.exit_code,
            "unknown time zone",
        ),
        (["show", "nothing"], NotFoundError.exit_code, "error: no incident 'nothing'"),
        (["--db", "mysql://x/y", "list"], UsageError.exit_code, "only SQLite"),
    ],
)
def test_errors_are_one_line_and_an_exit_code(
    args: list[str], code: int, message: str, tmp_path: Path
) -> None:
    db = str(tmp_path / "lib.db")
    exit_code, out, err = run(*args, db=None if args[0] == "--db" else db)
    assert exit_code == code
    assert message in err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err + out


def test_binary_and_empty_files(tmp_path: Path) -> None:
    binary = tmp_path / "dump.bin"
    binary.write_bytes(b"hello\n\x00\x01\x02")
    code, _, err = run("extract", str(binary))
    assert code == InputError.exit_code and f"{binary}:2: binary data" in err
    empty = tmp_path / "empty.md"
    empty.write_text("  \n")
    code, _, err = run("extract", str(empty))
    assert code == InputError.exit_code and "the file is empty" in err


def test_unreachable_database_is_one_line(tmp_path: Path) -> None:
    code, _, err = run("list", db="postgresql://nobody@127.0.0.1:1/none")
    assert code == 4
    assert err.startswith("error: cannot open the library postgresql://nobody@127.0.0.1:1/none: ")
    assert len(err.strip().splitlines()) == 1


def test_debug_shows_the_traceback(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "retroline", "--debug", "extract", str(tmp_path / "missing.md")],
        capture_output=True,
        text=True,
    )
    assert proc.returncode != 0
    assert "Traceback" in proc.stderr and "InputError" in proc.stderr


def test_db_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "env.db"
    result = runner.invoke(app, ["import", "-q", POSTMORTEM], env={"RETROLINE_DB": str(db)})
    assert result.exit_code == 0 and db.exists()


def test_postgresql_works_like_sqlite(postgres_url: str) -> None:
    code, out, _ = run("import", "-q", POSTMORTEM, db=postgres_url)
    assert code == 0
    code, out, _ = run("list", "--json", db=postgres_url)
    assert json.loads(out)[0]["events"] == 8


def test_long_work_shows_progress_on_a_terminal_and_never_with_json(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    from rich.console import Console

    import retroline.cli as cli

    screen = io.StringIO()
    monkeypatch.setattr(cli, "_err", lambda: Console(file=screen, force_terminal=True, width=120))
    second = tmp_path / "second.md"
    second.write_text("# Second outage\n\n- 2031-04-01 10:00 UTC cache down\n", encoding="utf-8")
    db = str(tmp_path / "lib.db")
    code, _, _ = run("import", POSTMORTEM, str(second), db=db)
    assert code == 0
    shown = screen.getvalue()
    assert "reading" in shown and "2/2" in shown
    screen.truncate(0)
    screen.seek(0)
    code, out, _ = run("investigate", POSTMORTEM, "-o", str(tmp_path / "r"), "--json", db=db)
    assert code == 0 and json.loads(out)["title"]
    assert "reading" not in screen.getvalue() and "investigating" not in screen.getvalue()
    code, _, _ = run("investigate", POSTMORTEM, "-o", str(tmp_path / "r2"), db=db)
    assert code == 0 and "investigating" in screen.getvalue()


def test_importing_again_with_another_zone_reads_the_document_anew(tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_text(
        "# Cache outage\n\nDate: 2031-04-01\n\n## Timeline\n\n- 10:00 cache down\n"
        "- 10:30 cache back\n",
        encoding="utf-8",
    )
    db = str(tmp_path / "lib.db")

    def imported(*options: str) -> tuple[str, list[str]]:
        code, out, err = run("import", str(note), "--json", *options, db=db)
        assert code == 0, err
        (row,) = json.loads(out)
        events = json.loads(run("export", row["id"], "--json", db=db)[1])["events"]
        return row["status"], [e["at"] for e in events]

    status, times = imported("--tz", "Europe/Berlin")
    assert status == "created" and times[0] == "2031-04-01T08:00:00Z"
    status, times = imported("--tz", "America/New_York")
    assert status == "updated" and times == ["2031-04-01T14:00:00Z", "2031-04-01T14:30:00Z"]
    assert imported("--tz", "America/New_York")[0] == "unchanged"
    assert len(json.loads(run("list", "--json", db=db)[1])) == 1


def test_each_run_in_one_process_prints_for_its_own_terminal(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("2031-05-04T10:00:01Z worker 4 is fine after a long and winding restart\n")
    widths = []
    for columns in ("60", "200", "60"):
        result = runner.invoke(app, ["logs", "parse", str(log)], env={"COLUMNS": columns})
        assert result.exit_code == 0
        widths.append(max(len(line) for line in result.stdout.splitlines()))
    assert widths[0] <= 60 < widths[1] and widths[2] <= 60
