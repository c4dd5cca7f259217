"""Output files: written whole or not at all, and a file system that refuses is a one-line
`OutputError` naming the path (exit 7), never an internal error."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from retroline.errors import OutputError
from retroline.output import make_folder, write_text
from tests.conftest import evidence_folder
from tests.test_cli import POSTMORTEM, run


@pytest.fixture
def library(tmp_path: Path) -> tuple[str, str]:
    """A library holding the example postmortem, and the incident's id."""
    db = str(tmp_path / "lib.db")
    code, _, err = run("import", POSTMORTEM, db=db)
    assert code == 0, err
    code, out, _ = run("list", "--json", db=db)
    return db, json.loads(out)[0]["id"]


# Places no one can write to, root included: a file where a folder must be, a name too
# long for the file system, a folder where the file must be.
def _file_in_the_way(tmp: Path) -> Path:
    (tmp / "a-file").write_text("evidence\n")
    return tmp / "a-file" / "out.json"


def _too_long(tmp: Path) -> Path:
    return tmp / ("x" * 300 + ".json")


def _a_folder(tmp: Path) -> Path:
    (tmp / "folder").mkdir()
    return tmp / "folder"


PLACES: list[tuple[str, Callable[[Path], Path], str]] = [
    ("file in the way", _file_in_the_way, "cannot create this folder"),
    ("name too long", _too_long, "cannot write"),
    ("a folder", _a_folder, "is a folder"),
]


@pytest.mark.parametrize(("name", "place", "says"), PLACES, ids=[p[0] for p in PLACES])
def test_export_and_report_say_where_they_cannot_write(
    tmp_path: Path,
    library: tuple[str, str],
    name: str,
    place: Callable[[Path], Path],
    says: str,
) -> None:
    db, incident = library
    target = place(tmp_path)
    for argv in (
        ("export", incident, "--json", "-o", str(target)),
        ("report", incident, "-o", str(target)),
    ):
        code, _, err = run(*argv, db=db)
        assert code == OutputError.exit_code, (argv, err)
        assert "internal error" not in err
        line = err.strip()
        assert "\n" not in line and says in line and str(target)[:40] in line


def test_investigate_says_when_its_report_folder_cannot_be_made(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("not a folder\n")
    code, _, err = run(
        "investigate", POSTMORTEM, "-o", str(tmp_path / "taken"), db=str(tmp_path / "lib.db")
    )
    assert code == OutputError.exit_code and "cannot create this folder" in err


def test_export_makes_missing_folders(tmp_path: Path, library: tuple[str, str]) -> None:
    db, incident = library
    target = tmp_path / "new" / "deeper" / "x.json"
    code, _, err = run("export", incident, "--json", "-o", str(target), db=db)
    assert code == 0, err
    assert target.read_text(encoding="utf-8").startswith("{")


def test_a_failed_write_leaves_the_old_file_and_no_partial(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "report.md"
    target.write_text("the report before\n", encoding="utf-8")

    def full(src: str | os.PathLike[str], dst: str | os.PathLike[str]) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OutputError, match="no space left on device") as info:
        write_text(target, "the report after\n")
    assert info.value.path == str(target)
    assert target.read_text(encoding="utf-8") == "the report before\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.md"]


def test_a_link_at_the_temporary_name_is_not_followed(tmp_path: Path) -> None:
    # The old writer used "<name>.partial"; a link planted there must not be written
    # through.
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    (tmp_path / "report.md.partial").symlink_to(victim)
    write_text(tmp_path / "report.md", "report\n")
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    assert (tmp_path / "report.md").read_text(encoding="utf-8") == "report\n"


def test_make_folder_names_the_folder(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("x")
    with pytest.raises(OutputError) as info:
        make_folder(tmp_path / "f" / "g")
    assert str(info.value).startswith(str(tmp_path / "f" / "g"))


def _snapshot(root: Path, leave_out: tuple[Path, ...]) -> dict[str, bytes]:
    """Every file under ``root`` (links as their target's name) but those under
    ``leave_out``."""
    found = {}
    for path in sorted(root.rglob("*")):
        if any(path == p or p in path.parents for p in leave_out):
            continue
        if path.is_symlink():
            found[str(path)] = os.readlink(path).encode()
        elif path.is_file():
            found[str(path)] = path.read_bytes()
    return found


@pytest.mark.parametrize("where", ["the evidence folder", "the folder of a given file"])
def test_investigate_never_writes_among_the_evidence(tmp_path: Path, where: str) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    note = evidence / "postmortem.md"
    note.write_text("# Outage\n\n## Timeline\n\n- 2031-05-04 10:00 UTC the API fails\n")
    before = _snapshot(tmp_path, ())
    given = [str(evidence)] if where == "the evidence folder" else [str(note)]
    code, _, err = run("investigate", *given, "-o", str(evidence), db=str(tmp_path / "l.db"))
    assert code == 2 and "holds evidence" in err, err
    assert _snapshot(tmp_path, (tmp_path / "l.db",)) == before


def test_no_command_writes_outside_its_output_or_through_a_link(tmp_path: Path) -> None:
    evidence = evidence_folder(tmp_path, Path(POSTMORTEM).read_text(encoding="utf-8"))
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n", encoding="utf-8")
    report = tmp_path / "report"
    report.mkdir()
    for name in ("postmortem.md", "postmortem.html", "incident.json"):
        (report / name).symlink_to(victim)  # planted where the report goes
    db = tmp_path / "lib.db"
    before = _snapshot(tmp_path, (report, db))
    code, _, err = run("investigate", str(evidence), "-o", str(report), db=str(db))
    assert code == 0, err
    code, out, _ = run("list", "--json", db=str(db))
    ident = json.loads(out)[0]["id"]
    single = tmp_path / "single"
    single.mkdir()
    (single / "r.html").symlink_to(victim)
    assert (
        run("report", ident, "--format", "html", "-o", str(single / "r.html"), db=str(db))[0] == 0
    )
    assert run("export", ident, "-o", str(single / "x.json"), db=str(db))[0] == 0
    assert _snapshot(tmp_path, (report, db, single)) == before
    assert victim.read_text(encoding="utf-8") == "keep me\n"
    written = [*report.iterdir(), *single.iterdir()]
    assert all(p.is_file() and not p.is_symlink() for p in written)
