"""The public Python API (`import retroline`): what it promises exists, and gives what the
command line gives for the same input."""

from __future__ import annotations

import doctest
import importlib
import json
from pathlib import Path

import pytest

import retroline
import retroline.api
from retroline.errors import InputError
from tests.conftest import EXAMPLE
from tests.test_cli import POSTMORTEM, run


def test_all_names_the_api_and_each_resolves() -> None:
    assert set(retroline.__all__) == {*retroline._HOME, "RetrolineError", "__version__"}
    for name in retroline.__all__:
        assert getattr(retroline, name) is not None
    for name, home in retroline._HOME.items():
        assert getattr(retroline, name) is getattr(importlib.import_module(home), name)
    with pytest.raises(AttributeError):
        _ = retroline.no_such_name


def test_the_examples_in_the_docs_run() -> None:
    assert doctest.testmod(retroline.api).failed == 0


def test_extract_a_path_text_or_bytes_gives_what_the_cli_gives() -> None:
    code, out, _ = run("extract", POSTMORTEM, "--json")
    assert code == 0
    cli = json.loads(out)
    by_path = retroline.extract(Path(POSTMORTEM))
    assert json.loads(by_path.to_json()) == cli
    text = Path(POSTMORTEM).read_text(encoding="utf-8")
    by_text = retroline.extract(text, name="postmortem.md")
    by_bytes = retroline.extract(text.encode("utf-8"), name="postmortem.md")
    for incident in (by_text, by_bytes):
        assert [(e.at, e.text) for e in incident.events] == [(e.at, e.text) for e in by_path.events]
        assert incident.documents[0].path == "postmortem.md"
        assert incident.documents[0].sha256 == by_path.documents[0].sha256


def test_extract_says_what_is_wrong() -> None:
    with pytest.raises(InputError, match="no such file"):
        retroline.extract("missing.md")
    with pytest.raises(InputError, match="empty"):
        retroline.extract(b"  \n", name="blank.md")


def test_parse_logs_gives_the_lines_of_logs_parse_json() -> None:
    log = EXAMPLE / "logs" / "pay-eu-1.log"
    code, out, _ = run("logs", "parse", str(log), "--json")
    assert code == 0
    assert list(retroline.parse_logs([log])) == [json.loads(x) for x in out.splitlines()]


def test_investigate_stores_reports_and_serialises(tmp_path: Path) -> None:
    result = retroline.investigate(
        [EXAMPLE],
        library=str(tmp_path / "lib.db"),
        zones={"payments-db.syslog": "Europe/Berlin"},
        out_dir=tmp_path / "report",
    )
    data = json.loads(result.to_json())
    assert data["status"] == "created" and data["id"] == result.incident.id
    assert set(data["reports"]) == {"md", "html", "json"}
    again = retroline.investigate(
        [EXAMPLE],
        library=retroline.Library(str(tmp_path / "lib.db")),
        zones={"payments-db.syslog": "Europe/Berlin"},
    )
    assert again.saved.status.value == "unchanged"
    # The library as a path, as every other argument may be.
    third = retroline.investigate(
        [EXAMPLE], library=tmp_path / "lib.db", zones={"payments-db.syslog": "Europe/Berlin"}
    )
    assert third.saved.status.value == "unchanged" and third.incident.id == result.incident.id


def test_render_in_each_format() -> None:
    incident = retroline.extract(Path(POSTMORTEM))
    assert retroline.render(incident).startswith("# ")
    assert "<html" in retroline.render(incident, "html")
    assert json.loads(retroline.render(incident, "json"))["title"] == incident.title
