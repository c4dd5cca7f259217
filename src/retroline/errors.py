"""Every error Retroline raises on purpose, as one tree with one root.

    RetrolineError                   exit 1   HTTP 500
    ├── UsageError                   exit 2   HTTP 400   a wrong option or argument value
    ├── InputError                   exit 3   HTTP 422   a file we cannot read (path, line)
    │   ├── EncodingError                                bytes that are no text we know
    │   ├── FormatError                                  a format we do not recognise
    │   ├── ParseError                                   recognised, but broken at a line
    │   ├── NotALogError                                 a log that is empty, binary, an archive
    │   └── ChangedError                                 a file truncated or replaced as it was read
    ├── LibraryError                 exit 4   HTTP 500   the incident library (database)
    │   ├── NotFoundError            exit 5   HTTP 404   no incident with that id
    │   ├── AmbiguousIdError         exit 6   HTTP 409   an id prefix that matches several
    │   ├── DatabaseError                                the database refused or is unreachable
    │   └── MigrationError                               the schema could not be brought up to date
    └── OutputError                  exit 7   HTTP 500   an output file or folder we cannot write

A `RetrolineWarning` (a Python warning, not an error) tells of what the work went on past:
a log line kept without a time, say. The CLI prints each as one line after the output.

Messages are written for the person at the terminal: what failed, on which input, what to do.
The CLI prints ``str(error)`` on one line and exits with ``exit_code``; the web app answers
with ``http_status``. Foreign exceptions (sqlite3, psycopg, parsers) are translated at the
boundary with ``raise ... from exc`` so the original stays in the chain for ``--debug``.
"""

from __future__ import annotations

from pathlib import Path

from retroline.sources import where

__all__ = [
    "AmbiguousIdError",
    "ChangedError",
    "DatabaseError",
    "EncodingError",
    "FormatError",
    "InputError",
    "LibraryError",
    "MigrationError",
    "NotALogError",
    "NotFoundError",
    "OutputError",
    "ParseError",
    "RetrolineError",
    "RetrolineWarning",
    "UsageError",
]


class RetrolineError(Exception):
    """Root of every error Retroline raises on purpose."""

    exit_code: int = 1
    http_status: int = 500

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(RetrolineError):
    """An option or argument value that cannot work (an unknown zone, a bad year)."""

    exit_code = 2
    http_status = 400


class InputError(RetrolineError):
    """A file that cannot be read as evidence; carries the file and, where known, the line."""

    exit_code = 3
    http_status = 422

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        self.path = str(path) if path is not None else None
        self.line = line
        super().__init__(message)

    def __str__(self) -> str:
        if not self.path:
            return self.message
        return f"{where(self.path, self.line)}: {self.message}"


class EncodingError(InputError):
    """Bytes that decode as no text encoding we know (a binary file, say)."""


class FormatError(InputError):
    """A file whose format we do not recognise or do not support."""


class NotALogError(InputError):
    """A file given as a log (or as other lines of text) that holds none: it is empty,
    binary data (a program, a database), or an archive to unpack first. Nothing of it was
    read."""


class ChangedError(InputError):
    """A file that shrank or was replaced while it was read (a log rotated under us): what
    was read stands, but lines may be missing; ``--allow-rotation`` makes it a warning."""


class ParseError(InputError):
    """A file in a known format that is broken at a given line."""


class LibraryError(RetrolineError):
    """Something went wrong in the incident library (the database)."""

    exit_code = 4
    http_status = 500


class NotFoundError(LibraryError):
    """No incident with the given id."""

    exit_code = 5
    http_status = 404


class AmbiguousIdError(LibraryError):
    """An id prefix that matches more than one incident."""

    exit_code = 6
    http_status = 409


class DatabaseError(LibraryError):
    """The database could not be opened, refused a statement, or went away."""


class MigrationError(LibraryError):
    """The library's schema could not be brought up to date."""


class OutputError(RetrolineError):
    """An output file or folder that cannot be written (a missing parent, a file in the
    way, no permission, a full disk); carries the path."""

    exit_code = 7
    http_status = 500

    def __init__(self, message: str, path: str | Path):
        self.path = str(path)
        super().__init__(message)

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class RetrolineWarning(UserWarning):
    """What the user should know of a run that went on: the file and line, and what was
    done (a log line whose stamp names no instant is kept without a time)."""
