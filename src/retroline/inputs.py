"""What may be read as evidence: regular files, found by walks that never loop.

A named pipe given as a file would block a reader forever, a device would never end, and a
link to itself has no contents: each is named and refused (or skipped in a folder) here, in
one place, before any reader opens it.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterator
from pathlib import Path

from retroline.errors import InputError

__all__ = ["not_regular", "regular_file", "walk"]

_KINDS = (
    (stat.S_ISDIR, "is a folder, not a file"),
    (stat.S_ISFIFO, "is a named pipe (FIFO), not a file: only regular files are read"),
    (stat.S_ISCHR, "is a device, not a file: only regular files are read"),
    (stat.S_ISBLK, "is a device, not a file: only regular files are read"),
    (stat.S_ISSOCK, "is a socket, not a file: only regular files are read"),
)


def not_regular(path: str | Path) -> str | None:
    """Why ``path`` cannot be read as a file, or None when it is a regular file (a link
    to one counts). Nothing is opened: a pipe is told from its metadata."""
    try:
        mode = os.stat(path).st_mode
    except FileNotFoundError:
        return "is a broken link" if os.path.islink(path) else "no such file"
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "is a link that points back to itself (a loop)"
        if exc.errno == errno.ENAMETOOLONG:
            return "the name is too long"
        return f"cannot be read: {exc.strerror or exc}"
    except ValueError:  # a NUL in the name
        return "is not a valid file name"
    if stat.S_ISREG(mode):
        return None
    for test, reason in _KINDS:
        if test(mode):
            return reason
    return "is not a regular file"


def regular_file(path: str | Path) -> Path:
    """``path`` when it is a regular file; `InputError` naming it and saying what it is
    otherwise."""
    reason = not_regular(path)
    if reason is not None:
        raise InputError(reason, path)
    return Path(path)


def walk(
    folder: Path, skip: Callable[[Path], bool] = lambda _path: False
) -> Iterator[tuple[Path, str | None]]:
    """Every entry below ``folder`` that is not a folder, in name order, with the reason it
    cannot be read (None for a regular file); entries for which ``skip`` is true, and all
    below them, are left out. Links to folders are followed once: a folder already walked
    (by its device and inode) is not walked again, so loops end; nothing recurses, so
    depth does not matter."""
    seen: set[tuple[int, int]] = set()
    stack = [folder]
    while stack:
        here = stack.pop()
        try:
            info = here.stat()
            with os.scandir(here) as found:
                entries = sorted(found, key=lambda e: e.name)
        except OSError as exc:
            yield here, f"cannot be read: {exc.strerror or exc}"
            continue
        identity = (info.st_dev, info.st_ino)
        if identity in seen:
            continue
        seen.add(identity)
        folders = []
        for entry in entries:
            path = Path(entry.path)
            if skip(path):
                continue
            try:
                is_dir = entry.is_dir()  # follows a link: loops end at `seen`
            except OSError:
                is_dir = False
            if is_dir:
                folders.append(path)
            else:
                yield path, not_regular(path)
        stack.extend(reversed(folders))
