"""Writes are all or nothing: an exception or a kill -9 mid-import leaves the library as it was."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from retroline.errors import InputError
from retroline.ingest import import_documents
from retroline.store import Library
from retroline.store import library as library_module
from tests.conftest import EXAMPLE


def snapshot(lib: Library) -> list[dict]:
    """Everything the library holds, as plain data."""
    return [lib.get(s.id).model_dump() for s in lib.summaries()]


BIG_EVENTS = 12_000


def write_big_document(path: Path, events: int, day: int = 1) -> Path:
    """A postmortem with ``events`` timeline entries, titled and dated by ``day``."""
    lines = [f"# Very long incident {day}", "", "## Timeline", ""]
    lines += [
        f"- 2024-{day:02d}-{1 + i // 86400 % 28:02d} "
        f"{i // 3600 % 24:02d}:{i // 60 % 60:02d}:{i % 60:02d} UTC"
        f" - step {i} of the runbook replayed"
        for i in range(events)
    ]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_exception_mid_import_leaves_library_unchanged(
    library: Library, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_documents(library, [EXAMPLE / "postmortem.md"])
    before = snapshot(library)
    second = write_big_document(tmp_path / "second.md", 50, day=2)
    third = write_big_document(tmp_path / "third.md", 60, day=3)

    calls = {"n": 0}
    real_save_in = library_module.Library.save_in

    def failing_save_in(self: Library, conn: sa.Connection, incident, *, key=None, inputs=None):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:  # the first new incident is written, then the disk "fails"
            raise OSError("disk full")
        return real_save_in(self, conn, incident, key=key, inputs=inputs)

    monkeypatch.setattr(library_module.Library, "save_in", failing_save_in)
    with pytest.raises(OSError, match="disk full"):
        import_documents(library, [second, third])
    assert calls["n"] == 2
    assert snapshot(library) == before


def test_bad_file_is_reported_before_anything_is_written(library: Library, tmp_path: Path) -> None:
    good = write_big_document(tmp_path / "good.md", 5)
    empty = tmp_path / "empty.md"
    empty.write_text("\n \n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        import_documents(library, [good, empty])
    assert str(info.value) == f"{empty}: the file is empty"
    binary = tmp_path / "image.md"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    with pytest.raises(InputError, match=r"image.md:3: binary data"):
        import_documents(library, [good, binary])
    assert library.summaries() == []


def _wait_for(predicate, proc: subprocess.Popen, timeout: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        if predicate():
            return True
        time.sleep(0.002)
    return False


def _postgres_writing(url: str) -> bool:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return bool(
                conn.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                        "AND pid <> pg_backend_pid() AND xact_start IS NOT NULL "
                        "AND query ILIKE 'INSERT INTO events%'"
                    )
                ).scalar()
            )
    finally:
        engine.dispose()


@pytest.mark.slow
@pytest.mark.parametrize("library_url", ["sqlite-file", "postgresql"], indirect=True)
def test_kill_9_during_large_import(library_url: str, tmp_path: Path) -> None:
    lib = Library(library_url)
    import_documents(lib, [EXAMPLE / "postmortem.md"])
    before = snapshot(lib)
    lib.close()

    # Big enough that storing it takes a few hundred milliseconds, long enough for the
    # kill to land inside the write (the test waits for the write to begin).
    big = write_big_document(tmp_path / "big.md", BIG_EVENTS)
    errors = tmp_path / "stderr.txt"
    with errors.open("wb") as stderr:
        proc = subprocess.Popen(
            [sys.executable, "-m", "retroline", "--db", library_url, "import", str(big)],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        if library_url.startswith("sqlite"):
            journal = Path(library_url.removeprefix("sqlite:///") + "-journal")
            caught = _wait_for(journal.exists, proc)
        else:
            caught = _wait_for(lambda: _postgres_writing(library_url), proc)
        assert caught, f"the import ended before it could be killed: {errors.read_text()}"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait()
    assert proc.returncode == -signal.SIGKILL

    reopened = Library(library_url)
    try:
        assert snapshot(reopened) == before  # no partial incident, the old one intact
        if library_url.startswith("sqlite"):
            path = library_url.removeprefix("sqlite:///")
            with sqlite3.connect(path) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        # and the library still takes the same import in full
        (result,) = import_documents(reopened, [big])
        last = reopened.get(result.id).events[-1].text
        assert last == f"step {BIG_EVENTS - 1} of the runbook replayed"
    finally:
        reopened.close()
