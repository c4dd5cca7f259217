"""Bring a library's schema up to date with Alembic, inside one transaction.

Every command that opens a library asks whether it is up to date; that is read without
loading Alembic (a tenth of a second): the newest migration from the migrations' file
names, the library's own from its version table. Alembic is loaded only to migrate.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text
from sqlalchemy.engine import Connection

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).with_name("migrations")
#: Where Alembic keeps a database's migration, as it does by default.
VERSION_TABLE = "alembic_version"


def _config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def head() -> str | None:
    """The newest migration this version of Retroline knows. Each migration is a file named
    for its revision and numbered after the one it follows (a test holds this to
    Alembic's own reading of them)."""
    names = sorted(path.stem for path in (MIGRATIONS / "versions").glob("[0-9]*.py"))
    return names[-1] if names else None


def current(connection: Connection) -> str | None:
    """The migration the library was last brought to (None for a new library)."""
    if not inspect(connection).has_table(VERSION_TABLE):
        return None
    found = connection.execute(text(f"SELECT version_num FROM {VERSION_TABLE}")).scalar()
    return None if found is None else str(found)


def upgrade(connection: Connection) -> None:
    """Apply every migration the library lacks, on the caller's transaction."""
    from alembic import command

    cfg = _config()
    cfg.attributes["connection"] = connection
    command.upgrade(cfg, "head")
