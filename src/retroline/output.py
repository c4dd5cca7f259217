"""Write an output file whole or not at all, and say clearly when it cannot be written.

Every file Retroline writes for the user (reports, exports) goes through `write_text`: the
text goes to a new temporary file in the target's folder, created exclusively (it never
opens a file or link that is already there), then takes the target's name in one rename,
so a reader never sees half a file and an interrupted run leaves none behind. Any failure
of the file system is an `OutputError` naming the path.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from retroline.errors import OutputError

__all__ = ["make_folder", "write_text"]


def make_folder(folder: Path) -> Path:
    """Create ``folder`` and its parents when missing; an `OutputError` when it cannot be
    (a file in the way, no permission)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create this folder: {_reason(exc)}", folder) from exc
    return folder


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` to ``path`` (UTF-8) atomically; its folder is created when missing."""
    make_folder(path.parent)
    if os.path.isdir(path):  # False, not an error, for a name too long
        raise OutputError("is a folder, not a file: give a file name", path)
    partial: Path | None = None
    try:
        # O_CREAT | O_EXCL: a new file, never one (or a link) already there.
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, prefix=f".{path.name}.", suffix=".partial",
            delete=False,
        ) as handle:  # fmt: skip
            partial = Path(handle.name)
            handle.write(text)
        os.replace(partial, path)
    except OSError as exc:
        if partial is not None:
            partial.unlink(missing_ok=True)
        raise OutputError(f"cannot write: {_reason(exc)}", path) from exc
    return path


def _reason(exc: OSError) -> str:
    """The system's words for a failure ("No such file or directory"), lower-cased."""
    reason = exc.strerror or str(exc)
    return reason[:1].lower() + reason[1:]
