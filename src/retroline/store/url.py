"""Where the library lives: an SQLAlchemy URL from --db, RETROLINE_DB or the user data folder."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from retroline.errors import UsageError

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

# SQLAlchemy and platformdirs are imported where they are used: the command line reads
# ENV_VAR at start-up, and commands that never open the library should not pay for them.

ENV_VAR = "RETROLINE_DB"

# The one driver the store uses for each database it supports (SQLAlchemy's names).
DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg"}


def default_path() -> Path:
    """The SQLite file used when nothing names a library: per user, not per folder."""
    import platformdirs

    return Path(platformdirs.user_data_dir("retroline")) / "library.db"


def resolve_url(db: str | None = None) -> URL:
    """Turn ``--db`` (an SQLAlchemy URL or a plain file path) into a URL.

    >>> str(resolve_url("sqlite://"))
    'sqlite://'
    """
    from sqlalchemy.engine import URL, make_url
    from sqlalchemy.exc import ArgumentError

    value = db or os.environ.get(ENV_VAR) or str(default_path())
    if "://" not in value:
        try:
            path = Path(value).expanduser().resolve()
        except (RuntimeError, OSError) as exc:  # a link that loops, a name too long
            raise UsageError(f"--db {value!r} cannot be a library file: {exc}") from exc
        return URL.create("sqlite", database=str(path))
    try:
        url = make_url(value)
    except ArgumentError as exc:
        raise UsageError(f"--db {value!r} is neither a file path nor a database URL") from exc
    if url.get_backend_name() == "postgresql" and url.get_driver_name() in ("", "psycopg2"):
        # psycopg 3 is the driver we ship with; a bare postgresql:// means it.
        url = url.set(drivername="postgresql+psycopg")
    backend = url.get_backend_name()
    if backend not in DRIVERS:
        raise UsageError(
            f"--db {describe(url)}: only SQLite (a file path or sqlite:///path) and "
            "PostgreSQL (postgresql://...) are supported"
        )
    if url.get_driver_name() != DRIVERS[backend]:
        # Another driver would fail on import, or behave unlike the one the store is made for.
        raise UsageError(
            f"--db {describe(url)}: the driver {url.get_driver_name()!r} is not supported; "
            "Retroline reaches PostgreSQL with psycopg (postgresql:// or postgresql+psycopg://) "
            "and SQLite with Python's sqlite3 (a file path or sqlite:///path)"
        )
    return url


def describe(url: URL) -> str:
    """The URL as it can be shown to a person: no password."""
    return url.render_as_string(hide_password=True)
