"""A library that cannot serve: a server that never answers, a lock never released, a damaged
file, a driver we do not ship. Each ends the command with one line naming the library."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from retroline.cli import app


def cli(*args: str) -> tuple[int, str]:
    """Run the command line in this process: its exit code and what it wrote to stderr."""
    result = CliRunner().invoke(app, list(args), env={"COLUMNS": "200"})
    return result.exit_code, result.stderr


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
