"""The template miner's state in the library, on every backend: ids shared across runs."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retroline.cli import app
from retroline.errors import DatabaseError
from retroline.logs.run import summarise
from retroline.logs.state import load_miner, store_miner
from retroline.logs.templates import TemplateMiner
from retroline.store import Library

DATA = Path(__file__).resolve().parents[1] / "logs" / "data"
UTC = dt.UTC


def write_log(path: Path, users: list[str], hour: int) -> Path:
    lines = [
        f"2016-09-08T{hour:02d}:{i:02d}:00Z web-1 sshd[{100 + i}]: "
        f"Accepted publickey for {user} from 10.0.0.{i} port {4000 + i} ssh2"
        for i, user in enumerate(users)
    ]
    lines.append(f"2016-09-08T{hour:02d}:59:00Z web-1 cron[7]: job backup finished in 42s")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_an_empty_library_has_no_templates(library: Library) -> None:
    assert library.log_templates() == []
    assert load_miner(library).templates == []


def test_state_round_trips_and_later_runs_share_ids(library: Library, tmp_path: Path) -> None:
    first = write_log(tmp_path / "a.log", ["alice", "bob", "carol", "dave"], 10)
    miner = TemplateMiner()
    stats, errors = summarise([first], miner=miner)
    assert errors == []
    assert store_miner(library, miner, stats) == len(miner.templates)
    stored = library.log_templates()
    assert [t["id"] for t in stored] == [t.id for t in miner.templates]
    accepted = next(t for t in stored if t["template"].startswith("Accepted"))
    assert accepted["count"] == 4
    assert accepted["first_seen"] == dt.datetime(2016, 9, 8, 10, 0, tzinfo=UTC)
    assert accepted["last_seen"] == dt.datetime(2016, 9, 8, 10, 3, tzinfo=UTC)

    # A later run on another file starts from the library: same messages, same ids.
    second = write_log(tmp_path / "b.log", ["erin", "frank"], 8)
    again = load_miner(library)
    later, _ = summarise([second], miner=again)
    assert {s.id for s in later} <= {t["id"] for t in stored}
    store_miner(library, again, later)
    widened = {t["id"]: t for t in library.log_templates()}[accepted["id"]]
    assert widened["count"] == 6
    assert widened["first_seen"] == dt.datetime(2016, 9, 8, 8, 0, tzinfo=UTC)
    assert widened["last_seen"] == accepted["last_seen"]


def test_a_failed_save_writes_nothing(library: Library) -> None:
    miner = TemplateMiner()
    miner.add("worker 1 started")
    items = [*miner.export(), {"id": "broken", "template": None, "tokens": [], "count": 1}]
    with pytest.raises(DatabaseError):
        library.save_log_templates(items)
    assert library.log_templates() == []


@pytest.mark.parametrize("library_url", ["sqlite-file", "postgresql"], indirect=True)
def test_cli_store_shares_ids_between_runs(library_url: str, tmp_path: Path) -> None:
    # (an in-memory library does not outlive one command: file and server only)
    runner = CliRunner()
    log = write_log(tmp_path / "a.log", ["alice", "bob", "carol"], 10)

    def parse(*options: str) -> list[dict]:
        result = runner.invoke(app, ["--db", library_url, "logs", "parse", str(log), *options])
        assert result.exit_code == 0, result.output
        return [json.loads(row) for row in result.stdout.splitlines()]

    def stored() -> list[dict]:
        library = Library(library_url)
        try:
            return library.log_templates()
        finally:
            library.close()

    first = parse("--json", "--store")
    assert stored()
    assert [r["template_id"] for r in parse("--json", "--use-library")] == [
        r["template_id"] for r in first
    ]
    parse("--json", "--store")
    counts = {t["id"]: t["count"] for t in stored()}
    assert counts[first[0]["template_id"]] == 6
