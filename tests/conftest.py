"""Shared fixtures: libraries on every backend, a PostgreSQL server, the project's data."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from retroline.store import Library
from tests.postgres import PostgresServer, running_server

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
SEEDS = SHARED / "seeds"


def modules_spelling(pattern: str, *, allowed: tuple[str, ...] = ()) -> list[str]:
    """The source modules (relative paths) whose text matches ``pattern``, except the
    ``allowed`` ones: how a test says a piece of knowledge is written in one place only."""
    package = ROOT / "src" / "retroline"
    return [
        relative
        for path in sorted(package.rglob("*.py"))
        if (relative := path.relative_to(package).as_posix()) not in allowed
        and re.search(pattern, path.read_text())
    ]


# What a hostile file may carry to act on a terminal: clear the screen, set the window title,
# an OSC 8 hyperlink, a C1 CSI, DEL, a right-to-left override and an isolate; and Rich markup.
CONTROL = (
    "\x1b[2J\x1b]0;pwned\x07 \x1b]8;;https://evil.example\x07here\x1b]8;;\x07 \x9b31m "
    "\x7f \u202eevil\u202c \u2066x\u2069 [bold]b[/bold]"
)
_BIDI = set("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def raw_controls(text: str) -> set[str]:
    """The control and bidi characters in ``text``, newline and tab aside: what nothing shown
    from the evidence may hold raw."""
    return {
        c
        for c in text
        if (unicodedata.category(c) in ("Cc", "Cs") and c not in "\n\t") or c in _BIDI
    }


@contextlib.contextmanager
def never_hangs(seconds: int, what: str) -> Iterator[None]:
    """Fail the test if the block has not returned after ``seconds``: a guard against work
    that grows with the square of a run (minutes) or never ends, not a measure of speed
    (speed is measured in benchmarks/; a machine that stalls a few seconds passes)."""

    def cut(signum: int, frame: object) -> None:
        pytest.fail(f"{what}: still at work after {seconds} s")

    previous = signal.signal(signal.SIGALRM, cut)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def evidence_folder(tmp_path: Path, postmortem: str) -> Path:
    """A folder of evidence for ``investigate`` holding a postmortem (``postmortem.md``);
    a test adds its logs, metrics or host files beside it."""
    folder = tmp_path / "evidence"
    folder.mkdir()
    (folder / "postmortem.md").write_text(postmortem, encoding="utf-8")
    return folder


EXAMPLE = ROOT / "examples" / "checkout-outage"
BACKENDS = ["sqlite-memory", "sqlite-file", "postgresql"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """A real PostgreSQL server for the whole session (skipped only outside CI)."""
    try:
        with running_server() as server:
            yield server
    except (FileNotFoundError, subprocess.CalledProcessError, KeyError) as exc:
        detail = getattr(exc, "stderr", b"") or b""
        message = f"PostgreSQL could not be started: {exc} {detail.decode(errors='replace')[-300:]}"
        if os.environ.get("CI") == "true":
            pytest.fail(
                message + " (CI=true: the PostgreSQL tests must run; 'make test' installs it)"
            )
        pytest.skip(message)


@pytest.fixture
def postgres_url(postgres_server: PostgresServer) -> Iterator[str]:
    """The URL of a fresh, empty PostgreSQL database."""
    with postgres_server.database() as url:
        yield url


@pytest.fixture(params=BACKENDS)
def library_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty library on each backend in turn."""
    if request.param == "sqlite-memory":
        yield "sqlite://"
    elif request.param == "sqlite-file":
        yield f"sqlite:///{tmp_path / 'library.db'}"
    else:
        request.applymarker(pytest.mark.postgresql)
        server: PostgresServer = request.getfixturevalue("postgres_server")
        with server.database() as url:
            yield url


@pytest.fixture
def library(library_url: str) -> Iterator[Library]:
    """An empty library on each backend in turn, closed after the test."""
    lib = Library(library_url)
    yield lib
    lib.close()


def _uses_postgresql(item: pytest.Item) -> bool:
    callspec = getattr(item, "callspec", None)
    params = callspec.params if callspec is not None else {}
    return "postgres_server" in getattr(item, "fixturenames", ()) or (
        params.get("library_url") == "postgresql"
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that talks to the PostgreSQL server, so the run can count them."""
    for item in items:
        if _uses_postgresql(item):
            item.add_marker(pytest.mark.postgresql)


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Say how many PostgreSQL tests passed, failed or were skipped."""
    counts: dict[str, int] = {}
    for outcome in ("passed", "failed", "skipped", "error"):
        for report in terminalreporter.stats.get(outcome, []):
            if getattr(report, "when", "call") in ("call", "setup") and "postgresql" in getattr(
                report, "keywords", {}
            ):
                if outcome == "passed" and report.when != "call":
                    continue
                counts[outcome] = counts.get(outcome, 0) + 1
    if counts:
        summary = ", ".join(f"{n} {outcome}" for outcome, n in counts.items())
        terminalreporter.write_line(f"PostgreSQL tests (real server): {summary}")
