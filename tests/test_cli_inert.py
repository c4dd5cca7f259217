"""The command line as a hostile file meets it: titles, events, log lines and file names that
carry terminal escapes, bidi overrides and Rich markup reach stdout and stderr inert."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from rich.console import Console

import retroline.cli as cli
from retroline.errors import InputError
from tests.conftest import CONTROL, raw_controls
from tests.test_cli import run

# How CONTROL is shown: each character written as its escape, the markup as written.
SHOWN = (
    "\\x1b[2J\\x1b]0;pwned\\x07 \\x1b]8;;https://evil.example\\x07here\\x1b]8;;\\x07 \\x9b31m "
    "\\x7f \\u202eevil\\u202c \\u2066x\\u2069 [bold]b[/bold]"
)
DOC_NAME = "pm\x1b[31m\u202e.md"
LOG_NAME = "app\x1b]0;t\x07.log"


def _inert(*outputs: str) -> None:
    for output in outputs:
        assert raw_controls(output) == set(), output


@pytest.fixture
def hostile_files(tmp_path: Path) -> tuple[Path, Path]:
    """A postmortem and a log whose names, title, events, action item and lines carry CONTROL."""
    doc = tmp_path / DOC_NAME
    doc.write_text(
        f"# Outage {CONTROL}\n\nDate: 2031-04-01\n\n## Summary\n\nIt broke {CONTROL}\n\n"
        f"## Timeline\n\n- 10:00 UTC cache down {CONTROL}\n- 10:30 UTC cache back\n\n"
        f"## Action items\n\n- Fix the cache {CONTROL} (owner: Bob)\n",
        encoding="utf-8",
    )
    log = tmp_path / LOG_NAME
    lines = [f"2031-04-01T09:{m:02d}:00Z host1 app[12]: request ok {m}" for m in range(60)]
    lines += [f"2031-04-01T10:{m:02d}:00Z host1 app[12]: failed {CONTROL} {m}" for m in range(30)]
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return doc, log


def test_extract_shows_title_events_and_file_name_inert(hostile_files: tuple[Path, Path]) -> None:
    doc, _ = hostile_files
    code, out, err = run("extract", str(doc))
    assert code == 0
    _inert(out, err)
    assert f"Outage {SHOWN}" in " ".join(out.split())  # the title, unwrapped
    assert "pm\\x1b[31m\\u202e.md" in out
    _, as_json, _ = run("extract", str(doc), "--json")
    assert json.loads(as_json)["title"] == f"Outage {CONTROL}"  # JSON keeps the text itself


def test_import_list_show_and_report_are_inert(
    hostile_files: tuple[Path, Path], tmp_path: Path
) -> None:
    doc, _ = hostile_files
    db = str(tmp_path / "lib.db")
    code, out, err = run("import", str(doc), db=db)
    assert code == 0
    _inert(out, err)
    # the file name and title, markup shown as written (unwrapped: Rich wraps long lines)
    assert f"pm\\x1b[31m\\u202e.md: Outage {SHOWN}" in " ".join(out.split())
    incident_id = out.split()[0]
    for command in (
        ["list"],
        ["show", incident_id],
        ["report", incident_id, "--format", "md"],
        ["report", incident_id, "--format", "html"],
    ):
        code, out, err = run(*command, db=db)
        assert code == 0, command
        _inert(out, err)
        assert "[bold]b[/bold]" in out, command


def test_logs_parse_onset_and_add_are_inert(
    hostile_files: tuple[Path, Path], tmp_path: Path
) -> None:
    doc, log = hostile_files
    code, out, err = run("logs", "parse", str(log))
    assert code == 0
    _inert(out, err)
    assert "\\u202eevil" in out and "pwned" not in out  # a log line's escape sequences are dropped
    code, out, err = run("logs", "onset", str(log), "--at", "2031-04-01T10:00Z")
    assert code == 0
    _inert(out, err)
    assert "\\u202eevil" in out and "pwned" not in out and "app\\x1b]0;t\\x07.log" in out
    db = str(tmp_path / "lib.db")
    incident_id = run("import", "-q", str(doc), db=db)[1].strip()
    code, out, err = run("logs", "add", incident_id, str(log), "--at", "2031-04-01T10:00Z", db=db)
    assert code == 0
    _inert(out, err)
    assert "\\u202eevil" in out and "pwned" not in out  # a log line's escape sequences are dropped


def test_investigate_prints_title_and_skipped_files_inert(
    hostile_files: tuple[Path, Path], tmp_path: Path
) -> None:
    doc, _ = hostile_files
    evidence = doc.parent
    (evidence / "empty\x1b]0;t\x07.md").write_text("", encoding="utf-8")
    code, out, err = run(
        "investigate", str(evidence), "-o", str(tmp_path / "report"), db=str(tmp_path / "l.db")
    )
    assert code == 0
    _inert(out, err)
    assert "Outage \\x1b[2J" in out and "empty\\x1b]0;t\\x07.md" in err


@pytest.mark.parametrize(
    "name", ["no\x1b]0;pwned\x07such.md", "no\u202esuch.md", "two\nlines\t.md", "\x9b2J.md"]
)
def test_an_error_naming_a_hostile_file_is_one_inert_line(tmp_path: Path, name: str) -> None:
    code, out, err = run("extract", str(tmp_path / name))
    assert code == InputError.exit_code
    _inert(out, err)
    assert len(err.strip().splitlines()) == 1 and "no such file" in err


def test_progress_shows_file_names_inert(
    hostile_files: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    screen = io.StringIO()
    monkeypatch.setattr(cli, "_err", lambda: Console(file=screen, force_terminal=True, width=200))
    doc, _ = hostile_files
    other = tmp_path / "b\x1b]0;t\x07[red]x.md"
    other.write_text("# Second\n\n- 2031-04-02 10:00 UTC down\n", encoding="utf-8")
    code, _, _ = run("import", str(doc), str(other), db=str(tmp_path / "lib.db"))
    assert code == 0
    shown = screen.getvalue()
    assert "\x07" not in shown and "\x1b]0;" not in shown  # no raw title sequence
    assert "b\\x1b]0;t\\x07[red]x.md" in shown


def test_json_outputs_keep_the_text_but_nothing_live(
    hostile_files: tuple[Path, Path], tmp_path: Path
) -> None:
    """JSON escapes C0 by itself; DEL, C1, bidi overrides and lone surrogates it leaves raw
    unless told. Every JSON output writes them as \\u escapes: the same text to a parser."""
    doc, log = hostile_files
    db = str(tmp_path / "lib.db")
    outputs = {
        "extract": run("extract", str(doc), "--json")[1],
        "import": run("import", str(doc), "--json", db=db)[1],
        "list": run("list", "--json", db=db)[1],
        "logs parse": run("logs", "parse", str(log), str(log), "--json")[1],
        "investigate": run(
            "investigate", str(doc), str(log), "--json", "-o", str(tmp_path / "r"), db=db
        )[1],
    }
    ident = json.loads(outputs["list"])[0]["id"]
    outputs["export"] = run("export", ident, db=db)[1]
    for name, out in outputs.items():
        assert out.strip(), name
        assert raw_controls(out) == set(), name
    assert json.loads(outputs["extract"])["title"] == f"Outage {CONTROL}"
    rows = [json.loads(r) for r in outputs["logs parse"].splitlines()]
    assert any(CONTROL.split()[-3] in r["template"] for r in rows)  # \u2066x\u2069 kept
    assert {r["file"] for r in rows} == {str(log)}
