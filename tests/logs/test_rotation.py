"""A log rotated while it is read (truncated in place, or moved away and replaced) is never
a silent gap: the command says which file and how, and exits 3 unless told to allow it."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import retroline.logs.run as run_module
from retroline.errors import ChangedError, InputError
from retroline.logs.run import changed_while_read, write_json_lines
from tests.test_cli import run

LINES = 60_000  # about 3.5 MB: several blocks, so the file changes between two of them


def _write(path: Path) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for i in range(LINES):
            fh.write(f"2031-05-04T10:{i // 1000 % 60:02d}:{i % 60:02d}Z worker {i} heartbeat ok\n")


def _truncate(path: Path) -> None:
    os.truncate(path, 1000)


def _replace(path: Path) -> None:
    fresh = path.with_suffix(".new")
    fresh.write_text("2031-05-04T11:00:00Z worker 0 started\n", encoding="utf-8")
    os.replace(fresh, path)


@pytest.fixture(params=[_truncate, _replace], ids=["copytruncate", "moved and replaced"])
def rotated_log(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[Path, str]]:
    """A log that is rotated right after the first block of it was read."""
    path = tmp_path / "app.log"
    _write(path)
    rotate: Callable[[Path], None] = request.param
    reading = run_module.read_blocks

    def read_then_rotate(name: str | Path, *args: object) -> Iterator[object]:
        for n, block in enumerate(reading(name, *args)):  # type: ignore[arg-type]
            yield block
            if n == 0 and Path(name) == path:
                rotate(path)

    monkeypatch.setattr(run_module, "read_blocks", read_then_rotate)
    yield path, "shrank" if rotate is _truncate else "replaced"


def test_json_output_ends_with_an_error_naming_the_file(rotated_log: tuple[Path, str]) -> None:
    path, how = rotated_log
    code, out, err = run("logs", "parse", str(path), "--json")
    assert code == InputError.exit_code
    assert err.startswith(f"error: {path}: ") and how in err
    assert out  # what was read before the rotation is given


def test_the_table_and_onset_say_it_too(rotated_log: tuple[Path, str]) -> None:
    path, how = rotated_log
    code, _, err = run("logs", "parse", str(path))
    assert code == InputError.exit_code and how in err
    _write(path)  # whole again, to be rotated again as it is read
    code, _, err = run("logs", "onset", str(path), "--at", "2031-05-04T10:30:00Z")
    assert code == InputError.exit_code and how in err


def test_allowed_rotation_is_a_warning(rotated_log: tuple[Path, str]) -> None:
    path, how = rotated_log
    code, out, err = run("logs", "parse", str(path), "--json", "--allow-rotation")
    assert code == 0, err
    assert err.startswith("warning: ") and how in err
    assert all(json.loads(row)["line"] for row in out.splitlines())
    _write(path)
    code, _, err = run(
        "logs", "onset", str(path), "--at", "2031-05-04T10:30:00Z", "--allow-rotation"
    )
    assert code == 0 and how in err


def test_a_log_that_grows_is_not_a_rotation(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text("2031-05-04T10:00:00Z worker 1 ok\n", encoding="utf-8")
    before = {str(path): os.stat(path)}
    with path.open("a", encoding="utf-8") as fh:
        fh.write("2031-05-04T10:00:01Z worker 2 ok\n")
    assert changed_while_read(before) == []
    path.unlink()
    (gone,) = changed_while_read(before)
    assert isinstance(gone, ChangedError) and "removed" in str(gone)


def test_the_library_function_raises_after_writing(rotated_log: tuple[Path, str]) -> None:
    path, _ = rotated_log
    with open(os.devnull, "w", encoding="utf-8") as sink, pytest.raises(ChangedError):
        write_json_lines(sink, [path], workers=1)
