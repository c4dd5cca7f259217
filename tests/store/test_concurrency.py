"""Two `retroline import` runs at once, in separate processes, on SQLite and PostgreSQL.

Each pair of runs starts together (a barrier), 20 pairs of each kind: two writers into a
library that does not exist yet (both migrate it), and the same document twice into a
library that already holds incidents. Every run must succeed, every distinct document must
be stored, and each must be stored once.

The runs are forked from the test process and call the command line in it (`CliRunner`),
which is what `python -m retroline import` runs, without paying its start-up 160 times.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import multiprocessing
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from retroline.cli import app
from retroline.store import Library
from tests.postgres import PostgresServer

PAIRS = 20
FORK = multiprocessing.get_context("fork")


@dataclass(frozen=True)
class Run:
    """What one `retroline import` run did."""

    document: str
    code: int
    out: str
    err: str

    @property
    def status(self) -> str | None:
        """The import's status for its document (created, updated, unchanged), if it worked."""
        if self.code != 0:
            return None
        (item,) = json.loads(self.out)
        return str(item["status"])


def write_document(folder: Path, n: int) -> Path:
    """A small postmortem of its own: title, day and times differ from every other ``n``."""
    day = dt.date(2021, 1, 1) + dt.timedelta(days=3 * n)
    path = folder / f"outage-{n}.md"
    path.write_text(
        f"# Cache node {n} lost its disk\n\n"
        f"Date: {day.isoformat()}\n\n"
        "## Timeline\n\n"
        f"- {day.isoformat()} 10:{n % 60:02d} UTC - alert for node {n} fires\n"
        f"- {day.isoformat()} 11:{n % 60:02d} UTC - node {n} drained\n"
        f"- {day.isoformat()} 12:{n % 60:02d} UTC - node {n} replaced\n",
        encoding="utf-8",
    )
    return path


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _import(url: str, path: str, start: Any, results: Any) -> None:
    """One run of `retroline --db URL import --json PATH`, started with its partner."""
    start.wait(timeout=30)
    result = CliRunner().invoke(app, ["--db", url, "import", "--json", path])
    results.put((path, result.exit_code, result.stdout, result.stderr))


@pytest.fixture(autouse=True)
def warm(tmp_path: Path) -> None:
    """Load every module an import uses in this process, once, so that the forked runs
    start at once instead of each loading them again (as start-up, this is not the test)."""
    warm_up = write_document(tmp_path, 10**4)
    assert CliRunner().invoke(app, ["--db", "sqlite://", "import", str(warm_up)]).exit_code == 0
    warm_up.unlink()


def run_pair(url: str, first: Path, second: Path) -> list[Run]:
    """Import ``first`` and ``second`` into ``url`` at the same time, in two processes."""
    start, results = FORK.Barrier(2), FORK.Queue()
    workers = [
        FORK.Process(target=_import, args=(url, str(path), start, results))
        for path in (first, second)
    ]
    for worker in workers:
        worker.start()
    runs = [Run(*results.get(timeout=120)) for _ in workers]
    for worker in workers:
        worker.join(timeout=30)
        assert worker.exitcode == 0
    return runs


def stored_documents(url: str) -> dict[str, list[str]]:
    """Each stored document's hash -> the incidents holding it (one, when all is well)."""
    library = Library(url)
    try:
        found: dict[str, list[str]] = {}
        for summary in library.summaries():
            for document in library.get(summary.id).documents:
                found.setdefault(document.sha256, []).append(summary.id)
        return found
    finally:
        library.close()


@dataclass
class Tally:
    """What went wrong over all the pairs: failed runs, documents lost, documents stored in
    more than one incident, and documents that share an incident with another."""

    runs: int = 0
    failed: list[str] = field(default_factory=list)
    lost: int = 0
    duplicated: int = 0
    merged: int = 0

    def record(self, runs: list[Run]) -> None:
        """Count the runs of one pair."""
        self.runs += len(runs)
        self.failed += [
            f"{Path(r.document).name}: exit {r.code}: {r.err.strip() or r.out.strip()}"
            for r in runs
            if r.code != 0
        ]

    def inspect(self, url: str, expected: set[str]) -> None:
        """Count what the library at ``url`` holds of the ``expected`` documents, each of
        which should be in one incident of its own."""
        stored = stored_documents(url)
        self.lost += len(expected - set(stored))
        self.duplicated += sum(len(ids) - 1 for ids in stored.values())
        sharing = Counter(i for ids in stored.values() for i in ids)
        self.merged += sum(n - 1 for n in sharing.values())

    @property
    def clean(self) -> bool:
        return not (self.failed or self.lost or self.duplicated or self.merged)

    def verdict(self) -> str:
        return (
            f"{len(self.failed)} of {self.runs} runs failed, {self.lost} documents lost, "
            f"{self.duplicated} duplicated, {self.merged} merged; "
            f"first failures: {self.failed[:3]}"
        )


@pytest.fixture(params=["sqlite-file", pytest.param("postgresql", marks=pytest.mark.postgresql)])
def new_library(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Callable[[], AbstractContextManager[str]]:
    """A maker of URLs of libraries that do not exist yet, on each backend in turn."""
    counter = iter(range(10**6))

    @contextmanager
    def sqlite() -> Iterator[str]:
        yield f"sqlite:///{tmp_path / f'library-{next(counter)}.db'}"

    if request.param == "sqlite-file":
        return sqlite
    server: PostgresServer = request.getfixturevalue("postgres_server")
    return server.database


def test_two_writers_into_a_new_library(
    new_library: Callable[[], AbstractContextManager[str]], tmp_path: Path
) -> None:
    tally = Tally()
    for pair in range(PAIRS):
        first = write_document(tmp_path, 2 * pair)
        second = write_document(tmp_path, 2 * pair + 1)
        with new_library() as url:
            tally.record(run_pair(url, first, second))
            tally.inspect(url, {sha256(first), sha256(second)})
    print(f"two writers into a new library: {tally.verdict()}")
    assert tally.clean, tally.verdict()


def test_same_document_twice_into_an_existing_library(
    new_library: Callable[[], AbstractContextManager[str]], tmp_path: Path
) -> None:
    tally = Tally()
    statuses: list[tuple[str | None, ...]] = []
    with new_library() as url:
        seed = write_document(tmp_path, 1000)
        assert CliRunner().invoke(app, ["--db", url, "import", str(seed)]).exit_code == 0
        expected = {sha256(seed)}
        for pair in range(PAIRS):
            document = write_document(tmp_path, pair)
            expected.add(sha256(document))
            runs = run_pair(url, document, document)
            statuses.append(tuple(sorted(str(r.status) for r in runs)))
            tally.record(runs)
        tally.inspect(url, expected)
        print(f"the same document twice at once: {tally.verdict()}")
        assert tally.clean, tally.verdict()
        assert len(stored_documents(url)) == PAIRS + 1
        # one run stored it, the other found it there
        assert set(statuses) == {("created", "unchanged")}
