"""`retroline edits`: correcting a stored incident from the command line, as a person does
it: list what can be corrected, correct events and findings by their place (e2, f1), add
an event, undo; errors are one line and an exit code, and nothing half-done is stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.test_cli import run

NOTES = """\
# Search index went read-only

Date: 2030-06-02

## Timeline

- 07:10 UTC indexer fills the data disk on search-3
- 07:14 UTC the index turns read-only, queries fail
- 07:31 UTC old snapshots deleted, index writable again

## Action items

- Alert on the data disk at 80%
"""


@pytest.fixture
def stored(tmp_path: Path) -> tuple[str, str]:
    """A library holding one incident read from notes of our own: its path and the id."""
    notes = tmp_path / "search-index.md"
    notes.write_text(NOTES, encoding="utf-8")
    db = str(tmp_path / "library.db")
    code, _, err = run("import", str(notes), db=db)
    assert code == 0, err
    code, out, _ = run("list", "--json", db=db)
    return db, json.loads(out)[0]["id"]


def _review(db: str, ident: str) -> dict:
    code, out, err = run("edits", "list", ident, "--json", db=db)
    assert code == 0, err
    return json.loads(out)


def test_list_numbers_the_events_and_findings_as_the_commands_name_them(
    stored: tuple[str, str],
) -> None:
    db, ident = stored
    code, out, _ = run("edits", "list", ident, db=db)
    assert code == 0
    assert "e1" in out and "indexer fills the data disk on search-3" in out
    assert "e3" in out and "old snapshots deleted" in out
    assert "f1" in out  # the action item without an owner, at least
    assert "No corrections yet." in out
    review = _review(db, ident)
    assert [e["text"][:7] for e in review["events"]] == ["indexer", "the ind", "old sna"]
    assert all(e["target"].startswith("event:") for e in review["events"])
    assert review["edits"] == []


def test_correct_an_event_by_its_place_and_undo_it(stored: tuple[str, str]) -> None:
    db, ident = stored
    code, out, err = run(
        "edits",
        "kind",
        ident,
        "e2",
        "impact start",
        "--by",
        "Ana Lima",
        "--reason",
        "why",
        db=db,
    )
    assert code == 0, err
    assert "edit 1: kind corrected: other → impact start: the index turns read-only" in out
    code, out, _ = run("edits", "time", ident, "e3", "2030-06-02 09:35+02:00", "--by", "x", db=db)
    assert code == 0 and "edit 2: time corrected" in out
    review = _review(db, ident)
    assert review["events"][1]["kind"] == "impact_start"
    assert review["events"][2]["at"] == "2030-06-02T07:35:00Z"  # the offset was honoured
    assert [(e["id"], e["by"], e["reason"]) for e in review["edits"]] == [
        (1, "Ana Lima", "why"),
        (2, "x", ""),
    ]
    # The export (and so the report) shows the incident corrected.
    code, out, _ = run("export", ident, db=db)
    assert json.loads(out)["events"][1]["kind"] == "impact_start"

    code, out, _ = run("edits", "undo", ident, "1", "--by", "Ana Lima", db=db)
    assert code == 0 and "edit 1 undone: kind corrected: other → impact start" in out
    review = _review(db, ident)
    assert review["events"][1]["kind"] == "other"
    assert review["edits"][0]["undone_by"] == "Ana Lima"
    code, _, err = run("edits", "undo", ident, "1", "--by", "Ana Lima", db=db)
    assert code == 2 and err.startswith("error: edit 1 was already undone by Ana Lima at ")


def test_add_an_event_mark_one_wrong_and_dismiss_a_finding(stored: tuple[str, str]) -> None:
    db, ident = stored
    code, out, err = run(
        "edits",
        "add",
        ident,
        "2030-06-02 07:12",
        "disk alert pages the on-call",
        "--kind",
        "detection",
        "--by",
        "Ana",
        "--json",
        db=db,
    )
    assert code == 0, err
    assert json.loads(out)[0]["action"] == "add"
    assert run("edits", "wrong", ident, "e4", "--by", "Ana", db=db)[0] == 0
    findings = _review(db, ident)["findings"]
    assert run("edits", "dismiss", ident, "f1", "--by", "Ana", db=db)[0] == 0
    review = _review(db, ident)
    assert [e["text"] for e in review["events"]] == [
        "indexer fills the data disk on search-3",
        "disk alert pages the on-call",
        "the index turns read-only, queries fail",
    ]
    assert len(review["findings"]) == len(findings) - 1


@pytest.mark.parametrize(
    ("args", "code", "said"),
    [
        (["kind", "e9", "detection"], 5, "error: no e9: the incident shows 3 events"),
        (["kind", "x1", "detection"], 2, "error: target 'x1': give e1, e2, … for an event"),
        (["kind", "e1", "fixed"], 2, "error: kind 'fixed' is not one of: "),
        (["time", "e1", "yesterday"], 2, "error: time 'yesterday'"),
        (["accept", "e1"], 5, "error: no finding "),
        (["text", "e1", "   "], 2, "error: text: give some text"),
        (["undo", "7"], 5, "has no edit 7"),
    ],
)
def test_a_bad_correction_is_one_line_and_stores_nothing(
    stored: tuple[str, str], args: list[str], code: int, said: str
) -> None:
    db, ident = stored
    got, out, err = run("edits", args[0], ident, *args[1:], "--by", "Ana", db=db)
    assert (got, out) == (code, "")
    assert said in err and err.count("\n") == 1
    assert _review(db, ident)["edits"] == []


def test_an_unknown_incident_is_not_found(stored: tuple[str, str]) -> None:
    db, _ = stored
    code, _, err = run("edits", "list", "ffffffff", db=db)
    assert code == 5 and "ffffffff" in err
