"""`retroline search` as a user runs it: after an investigation, its log patterns, hosts'
packages and words are found, with a snippet and the fields that matched; dates and kinds
narrow it; a bad day is a usage error."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import ROOT
from tests.test_cli import run


def test_search_finds_what_an_investigation_stored(tmp_path: Path) -> None:
    db = str(tmp_path / "l.db")
    for bundle, extra in (
        ("watchdog-reboots", []),
        ("datastore-upgrade", ["--good", "store-test1"]),
    ):
        code, _, err = run(
            "investigate", str(ROOT / "examples" / bundle), *extra, "-o", str(tmp_path / bundle),
            db=db,
        )  # fmt: skip
        assert code == 0, err
    code, out, err = run("search", "check-ins rebooting", "--kind", "templates", "--json", db=db)
    assert code == 0, err
    [hit] = json.loads(out)
    assert set(hit) == {"id", "title", "score", "snippet", "matched"}
    assert hit["title"].startswith("The hang watchdog") and "templates" in hit["matched"]
    assert "[" in hit["snippet"]
    # A package that differs between two hosts is found through the drift finding.
    code, out, err = run("search", "postgresql94", "--json", db=db)
    assert code == 0, err
    assert [h["title"][:20] for h in json.loads(out)] == ["Measurement archive "]
    code, out, _ = run("search", "check-ins", "--until", "2010-01-01", "--json", db=db)
    assert json.loads(out) == []
    code, out, _ = run("search", "watchdog", db=db)
    assert code == 0 and "The hang watchdog" in " ".join(out.split())
    code, out, _ = run("search", "zeppelin", db=db)
    assert code == 0 and "nothing in the library matches" in out
    code, _, err = run("search", "watchdog", "--since", "last week", db=db)
    assert code == 2 and "--since 'last week': write a day as YYYY-MM-DD" in err
    code, _, err = run("search", "watchdog", "--kind", "weather", db=db)
    assert code == 2 and len(err.strip().splitlines()) == 1
