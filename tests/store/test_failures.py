"""A library that cannot serve: a server that never answers, a lock never released, a damaged
file, a driver we do not ship. Each ends the command with one line naming the library."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from retroline.cli import app
from retroline.errors import DatabaseError, UsageError
from retroline.model import Incident
from retroline.store import Library, Timeouts
from retroline.store.url import describe, resolve_url
from tests.conftest import EXAMPLE

POSTMORTEM = str(EXAMPLE / "postmortem.md")


def cli(*args: str) -> tuple[int, str]:
    """Run the command line in this process: its exit code and what it wrote to stderr."""
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stderr


# -- a server that never answers -----------------------------------------------------------


@contextmanager
def silent_server() -> Iterator[int]:
    """A port on loopback that accepts connections and never says a word; yields the port."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.05)
    accepted: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        while not stop.is_set():
            try:
                accepted.append(listener.accept()[0])
            except TimeoutError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield int(listener.getsockname()[1])
    finally:
        stop.set()
        thread.join(timeout=5)
        listener.close()
        for conn in accepted:
            conn.close()


def test_a_server_that_never_answers_times_out(tmp_path: Path) -> None:
    with silent_server() as port:
        url = f"postgresql://retroline:s3cret@127.0.0.1:{port}/incidents"
        env = {**os.environ, "RETROLINE_DB_CONNECT_TIMEOUT": "1", "RETROLINE_DB": url}
        started = time.monotonic()
        try:
            done = subprocess.run(
                [sys.executable, "-m", "retroline", "list"],
                capture_output=True,
                text=True,
                env=env,
                timeout=30,
            )
        except subprocess.TimeoutExpired:
            pytest.fail("'retroline list' hung on a server that never answers")
        took = time.monotonic() - started
    assert done.returncode == 4
    assert done.stderr == (
        f"error: cannot open the library postgresql://retroline:***@127.0.0.1:{port}/incidents:"
        " timed out after 2 s connecting to the server (limit set by "
        "RETROLINE_DB_CONNECT_TIMEOUT)\n"
    )
    assert took < 10  # libpq's shortest timeout is 2 s; the rest is start-up


# -- a lock that is never released ---------------------------------------------------------


@contextmanager
def locked_by_another_session(url: str) -> Iterator[None]:
    """Another session holds the whole library locked (reads and writes wait) until the
    block ends, or 15 s have passed, whichever comes first."""
    if url.startswith("sqlite"):
        holder = sqlite3.connect(
            url.removeprefix("sqlite:///"), isolation_level=None, check_same_thread=False
        )
        holder.execute("BEGIN EXCLUSIVE")
    else:
        import psycopg

        holder = psycopg.connect(url.replace("+psycopg", ""))  # type: ignore[assignment]
        holder.execute("LOCK TABLE incidents IN ACCESS EXCLUSIVE MODE")
    release = threading.Timer(15, holder.rollback)
    release.start()
    try:
        yield
    finally:
        release.cancel()
        holder.rollback()
        holder.close()


@pytest.mark.parametrize("library_url", ["sqlite-file", "postgresql"], indirect=True)
def test_a_lock_never_released_times_out(library_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RETROLINE_DB_STATEMENT_TIMEOUT", "1")
    library = Library(library_url)
    waiting = (
        "another process that is using it" if library_url.startswith("sqlite") else "the database"
    )
    calls: dict[str, Callable[[], object]] = {
        "read": library.summaries,
        "write to": lambda: library.save(Incident(title="Disk full")),
    }
    try:
        library.summaries()  # made and migrated before the other session locks it
        with locked_by_another_session(library_url):
            for doing, call in calls.items():
                started = time.monotonic()
                with pytest.raises(DatabaseError) as info:
                    call()
                assert time.monotonic() - started < 8
                assert str(info.value) == (
                    f"cannot {doing} the library {describe(library.url)}: timed out after 1 s "
                    f"waiting for {waiting} (limit set by RETROLINE_DB_STATEMENT_TIMEOUT)"
                )
        assert library.summaries() == []  # the lock gone, the library serves again
    finally:
        library.close()


@pytest.mark.parametrize(
    ("value", "seconds"), [("", None), (" 2.5 ", 2.5), ("soon", 0), ("0", 0), ("-1", 0)]
)
@pytest.mark.parametrize("variable", ["connect", "statement"])
def test_timeouts_come_from_the_environment(
    variable: str, value: str, seconds: float | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unset: the default; a positive number of seconds: that; anything else: a UsageError."""
    name = f"RETROLINE_DB_{variable.upper()}_TIMEOUT"
    monkeypatch.setenv(name, value)
    if seconds != 0:
        expected = Timeouts() if seconds is None else Timeouts(**{variable: seconds})
        assert Library("sqlite://").timeouts == expected
        return
    with pytest.raises(UsageError) as info:
        Library("sqlite://")
    assert str(info.value) == (
        f"{name}={value.strip()!r}: give the timeout as a number of seconds above 0"
    )


# -- a damaged library ---------------------------------------------------------------------

DAMAGE = {
    "a title that is no UTF-8": "UPDATE incidents SET title = CAST(X'C328FF' AS TEXT)",
    "a title stored as bytes": "UPDATE incidents SET title = X'C328FF'",
    "JSON that is no UTF-8": "UPDATE events SET details = X'C328FF'",
    "an instant that is no date": "UPDATE events SET at = 'in the morning'",
    "a precision Retroline does not know": "UPDATE events SET precision = 'fortnight'",
    "a table gone": "DROP TABLE sections",
}


def damaged_message(path: Path) -> str:
    return (
        f"error: the library {describe(resolve_url(str(path)))} is not a Retroline library "
        "or is damaged: "
    )


def assert_damage_reported(path: Path, incident_id: str | None) -> None:
    """``list``, ``show`` and ``import`` on the library at ``path`` each work or fail with
    the one-line error naming it, never with an internal error; ``show`` reads everything,
    so it fails."""
    for args in (("list",), ("show", incident_id or "c803"), ("import", POSTMORTEM)):
        code, err = cli("--db", str(path), *args)
        assert code in (0, 4), (args, err)
        if code == 4:
            assert err.startswith(damaged_message(path)), (args, err)
            assert err.count("\n") == 1, (args, err)
        elif args[0] == "show":
            pytest.fail(f"show read a damaged incident without an error: {err}")


@pytest.mark.parametrize("damage", DAMAGE)
def test_a_damaged_sqlite_library_is_reported(damage: str, tmp_path: Path) -> None:
    path = tmp_path / "library.db"
    assert cli("--db", str(path), "import", POSTMORTEM)[0] == 0
    with sqlite3.connect(path) as conn:
        (incident_id,) = conn.execute("SELECT id FROM incidents").fetchone()
        conn.execute(DAMAGE[damage])
    conn.close()
    assert_damage_reported(path, incident_id)


@pytest.mark.parametrize("damage", ["random bytes", "pages overwritten"])
def test_a_file_that_is_no_library_is_reported(damage: str, tmp_path: Path) -> None:
    path = tmp_path / "library.db"
    if damage == "random bytes":
        path.write_bytes(os.urandom(8192))
    else:
        assert cli("--db", str(path), "import", POSTMORTEM)[0] == 0
        data = bytearray(path.read_bytes())
        data[100:] = os.urandom(len(data) - 100)  # the 100-byte header stays valid
        path.write_bytes(bytes(data))
    assert_damage_reported(path, None)
    with pytest.raises(DatabaseError) as info:
        Library(str(path)).summaries()
    assert isinstance(info.value.__cause__, sa.exc.SQLAlchemyError)  # kept for --debug


# -- drivers -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "postgresql+asyncpg://retroline:s3cret@127.0.0.1/incidents",
        "postgresql+pg8000://retroline:s3cret@127.0.0.1/incidents",
        "sqlite+aiosqlite:///incidents.db",
    ],
)
def test_a_driver_we_do_not_ship_is_a_usage_error(url: str) -> None:
    code, err = cli("--db", url, "list")
    assert code == 2
    shown = url.replace("s3cret", "***")
    driver = url.split("+")[1].split(":")[0]
    assert err == (
        f"error: --db {shown}: the driver {driver!r} is not supported; Retroline reaches "
        "PostgreSQL with psycopg (postgresql:// or postgresql+psycopg://) and SQLite with "
        "Python's sqlite3 (a file path or sqlite:///path)\n"
    )


def test_postgresql_without_psycopg_installed_is_a_usage_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # what 'import psycopg' finds: nothing
    with pytest.raises(UsageError) as info:
        Library("postgresql://retroline:s3cret@127.0.0.1:1/incidents").summaries()
    assert str(info.value).startswith(
        "--db postgresql://retroline:***@127.0.0.1:1/incidents: PostgreSQL needs the psycopg "
        "package, which is not installed"
    )
    assert str(info.value).endswith("pip install 'retroline[postgresql]'")
