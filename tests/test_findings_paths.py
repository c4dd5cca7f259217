"""Every finding survives every path: what `extract` finds, `import` stores and `investigate`
reports, including what only the reading shows (a zone the document did not settle, an
entry left out as no real date)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

from tests.test_cli import run

# Made up for the test: times in an abbreviation with several meanings, one impossible date.
NOTE = """# Payment gateway outage

Date: 2026-02-10

## Timeline

- 10:00 IST alerts fire for the payment gateway
- 10:20 IST database failover started
- 2026-02-30 10:40 IST a cache flush was tried
- 11:00 IST recovered

## Root cause

The primary database ran out of connections.
"""


def codes(findings: list[dict]) -> Counter[str]:
    return Counter(f["code"] for f in findings)


def test_findings_made_while_reading_survive_import_and_investigate(tmp_path: Path) -> None:
    note = tmp_path / "outage.md"
    note.write_text(NOTE, encoding="utf-8")
    code, out, err = run("extract", str(note), "--json")
    assert code == 0, err
    extracted = codes(json.loads(out)["findings"])
    assert extracted["zone-ambiguous"] >= 3 and extracted["impossible-date"] == 1

    db = str(tmp_path / "lib.db")
    assert run("import", str(note), db=db)[0] == 0
    incident = json.loads(run("list", "--json", db=db)[1])[0]["id"]
    imported = codes(json.loads(run("export", incident, "--json", db=db)[1])["findings"])
    assert imported == extracted

    report = tmp_path / "report"
    code, _, err = run("investigate", str(note), "-o", str(report), db=str(tmp_path / "other.db"))
    assert code == 0, err
    investigated = json.loads((report / "incident.json").read_text(encoding="utf-8"))
    assert codes(investigated["findings"]) == extracted


def test_two_documents_keep_the_findings_of_both(tmp_path: Path) -> None:
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "outage.md").write_text(NOTE, encoding="utf-8")
    (folder / "chat.md").write_text(
        "# Chat log of the gateway outage\n\nDate: 2026-02-10\n\n"
        "- 10:05 CST paging the database team\n- 10:50 CST failover done\n",
        encoding="utf-8",
    )
    report = tmp_path / "report"
    code, _, err = run("investigate", str(folder), "-o", str(report), db=str(tmp_path / "l.db"))
    assert code == 0, err
    found = codes(json.loads((report / "incident.json").read_text())["findings"])
    messages = " ".join(
        f["message"] for f in json.loads((report / "incident.json").read_text())["findings"]
    )
    assert found["impossible-date"] == 1
    assert "'IST'" in messages and "'CST'" in messages
