"""A library as an older version left it: migrated only up to a given revision, for the
tests that open it with today's code and check that nothing is lost."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, create_engine, text

from retroline.store.migrate import MIGRATIONS
from retroline.store.url import resolve_url


def backend_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh library's URL: a SQLite file, or the test PostgreSQL server's database."""
    if backend == "sqlite-file":
        return f"sqlite:///{tmp_path / 'library.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@contextmanager
def migrated_to(library_url: str, revision: str) -> Iterator[Connection]:
    """The library at ``library_url`` migrated up to ``revision`` only, and a connection
    in one transaction to fill it as that version would have."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    engine = create_engine(resolve_url(library_url))
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            yield connection
    finally:
        engine.dispose()


def old_incident_row(connection: Connection, title: str, when: dt.datetime, **more: Any) -> None:
    """An incident's row as an older version wrote it: id ``old1``, key ``k:old``, created
    and updated ``when``, and ``more`` columns that version had (``inputs``, ``summary``)."""
    columns = {"id": "old1", "key": "k:old", "title": title, "created_at": when}
    columns |= {"updated_at": when, **more}
    names = ", ".join(columns)
    values = ", ".join(f":{name}" for name in columns)
    connection.execute(text(f"INSERT INTO incidents ({names}) VALUES ({values})"), columns)
