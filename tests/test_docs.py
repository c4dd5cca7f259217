"""Docs that cannot drift: every command has help with an example; the README's quick start."""

from __future__ import annotations

import re

import pytest
import typer
from typer.testing import CliRunner

from retroline.cli import app
from tests.conftest import ROOT

runner = CliRunner()


def command_paths(group: typer.Typer = app, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [(*prefix, c.name or c.callback.__name__) for c in group.registered_commands]  # type: ignore[union-attr]
    for sub in group.registered_groups:
        assert sub.typer_instance is not None
        paths += command_paths(sub.typer_instance, (*prefix, sub.name or ""))
    return paths


@pytest.mark.parametrize("path", command_paths(), ids=" ".join)
def test_every_command_has_help_with_an_example(path: tuple[str, ...]) -> None:
    result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"'retroline {' '.join(path)} --help' shows no example"


def test_readme_quick_start_is_the_two_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    commands = re.findall(r"^ {4}(\S.*)$", quick, re.M)
    assert commands == ["make demo", "make test"]


def test_readme_uses_only_real_commands() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    known = {p[0] for p in command_paths()}
    used = set(re.findall(r"retroline(?: --db \S+)? ([a-z]+)\b", readme))
    assert used, "the README shows no retroline command"
    assert used <= known, f"the README names commands that do not exist: {used - known}"


def test_ci_runs_make_test() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_the_architecture_map_names_every_module() -> None:
    """ARCHITECTURE.md cannot fall behind the code: every top-level module and every
    module of a subpackage is named in it."""
    text = (ROOT / "ARCHITECTURE.md").read_text()
    package = ROOT / "src" / "retroline"
    missing = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(package)
        if path.name in ("__init__.py", "__main__.py") or "migrations" in relative.parts:
            continue
        name = path.stem
        spelled = (f"`{relative.as_posix()}`", f"`{name}`", f"`{name}.py`", f"{name}.py")
        if not any(s in text for s in spelled):
            missing.append(relative.as_posix())
    assert missing == []
