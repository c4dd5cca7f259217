"""Whether a library is up to date is read without Alembic, and says what Alembic says."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import sqlalchemy as sa
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from retroline.store import Library, migrate


def test_the_newest_migration_is_the_one_alembic_reads_as_head() -> None:
    script = ScriptDirectory.from_config(migrate._config())
    assert migrate.head() == script.get_current_head()
    # One line of migrations, each file named for its revision, numbered in order.
    revisions = list(script.walk_revisions())
    for revision in revisions:
        assert revision.path is not None
        assert revision.path.endswith(f"/{revision.revision}.py")
    names = [r.revision for r in reversed(revisions)]
    assert names == sorted(names)


def test_a_library_s_migration_is_the_one_alembic_reads(library_url: str) -> None:
    engine = sa.create_engine(library_url)
    try:
        with engine.connect() as connection:
            assert migrate.current(connection) is None
            assert MigrationContext.configure(connection).get_current_revision() is None
    finally:
        engine.dispose()
    library = Library(library_url)
    try:
        with library.engine.connect() as connection:
            assert migrate.current(connection) == migrate.head()
            alembic = MigrationContext.configure(connection).get_current_revision()
            assert migrate.current(connection) == alembic
    finally:
        library.close()


def test_opening_an_up_to_date_library_loads_no_alembic(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'library.db'}"
    first = Library(url)
    assert first.engine is not None  # created and migrated
    first.close()
    probe = (
        "import sys\n"
        "from retroline.store import Library\n"
        f"library = Library({url!r})\n"
        "library.engine\n"
        "library.close()\n"
        "print(any(name == 'alembic' or name.startswith('alembic.') for name in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
