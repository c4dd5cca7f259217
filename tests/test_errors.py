"""The exception tree: one root, every class mapped to an exit code and an HTTP status."""

from __future__ import annotations

import inspect

import pytest
import sqlalchemy as sa

import retroline.errors as errors
from retroline.errors import DatabaseError, InputError, ParseError, RetrolineError
from retroline.store import Library


def all_error_classes() -> list[type[RetrolineError]]:
    return [
        obj
        for _, obj in inspect.getmembers(errors, inspect.isclass)
        if issubclass(obj, RetrolineError)
    ]


def test_every_error_is_exported_and_mapped() -> None:
    classes = all_error_classes()
    assert {c.__name__ for c in classes} | {"RetrolineWarning"} == set(errors.__all__)
    for cls in classes:
        assert 1 <= cls.exit_code <= 125, cls
        assert 400 <= cls.http_status <= 599, cls
        assert cls.__doc__, cls
        assert cls.__name__ in errors.__doc__, f"{cls.__name__} missing from the tree drawing"


def test_input_errors_name_file_and_line() -> None:
    assert str(ParseError("bad date", "pm.md", 12)) == "pm.md:12: bad date"
    assert str(InputError("no such file", "pm.md")) == "pm.md: no such file"
    assert str(InputError("unreadable")) == "unreadable"


def test_database_errors_are_translated_at_the_boundary(tmp_path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "not-a-db"
    folder.mkdir()
    lib = Library(str(folder))  # a folder where the SQLite file should be
    with pytest.raises(DatabaseError) as info:
        lib.summaries()
    assert isinstance(info.value.__cause__, sa.exc.SQLAlchemyError)
    assert "cannot open the library sqlite:///" in str(info.value)


def test_corrupt_sqlite_file(tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "lib.db"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(DatabaseError, match="file is not a database"):
        Library(str(path)).summaries()


def test_a_library_path_under_a_file_is_a_database_error(tmp_path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "a-file").write_text("not a folder")
    with pytest.raises(DatabaseError, match="cannot make the library's folder"):
        Library(str(tmp_path / "a-file" / "lib.db")).summaries()
