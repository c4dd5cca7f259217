"""What a file of evidence is: a postmortem document, a log, or a kind recognised but not
read yet (metric series, package lists, socket and process tables: `shapes`), from its
name and a sample of its lines."""

from __future__ import annotations

import itertools
from enum import StrEnum
from pathlib import Path

from retroline.documents.formats import SUFFIXES, sniff
from retroline.errors import InputError, RetrolineError
from retroline.evidence.shapes import unread_kind
from retroline.logs.headers import PATTERNS, detect
from retroline.logs.reader import read_lines

# Names that say what a file is, whatever its content looks like at first; documents'
# suffixes are the documents' own table.
_LOG_SUFFIXES = {".log", ".gz", ".bz2", ".xz", ".jsonl", ".journal", ".out", ".err"}
_LOG_NAMES = {"syslog", "messages", "kern.log", "auth.log", "daemon.log", "journal"}
_SAMPLE = 200
# A log is a file most of whose lines start with a timestamped header; a postmortem with
# a few pasted log lines stays a document.
LOG_SHARE = 0.5


class EvidenceKind(StrEnum):
    """The kinds of evidence Retroline knows; `READ` are those this version reads."""

    DOCUMENT = "document"
    LOG = "log"
    METRICS = "metrics"
    PACKAGES = "packages"
    SOCKETS = "sockets"
    PROCESSES = "processes"


#: The kinds this version reads; a file of another kind is reported as not read.
READ = frozenset({EvidenceKind.DOCUMENT, EvidenceKind.LOG})


def _sample(path: Path) -> list[str]:
    """The first non-empty lines of a file, as text (none when it cannot be read as text)."""
    try:
        return [raw.text for raw in itertools.islice(read_lines(path), _SAMPLE) if raw.text.strip()]
    except RetrolineError:
        return []


def _looks_like_log(sample: list[str]) -> bool:
    if not sample:
        return False
    pattern = detect(sample)
    if pattern is PATTERNS[-1]:  # the fallback: the whole line is the message
        return False
    stamped = sum(
        1 for line in sample if (fields := pattern.parse(line)) is not None and fields.time
    )
    return stamped / len(sample) >= LOG_SHARE


def classify(path: str | Path) -> EvidenceKind:
    """The kind of evidence in ``path``: by its name when that is clear, else its lines."""
    p = Path(path)
    if not p.is_file():
        raise InputError("no such file", p)
    suffix = p.suffix.lower()
    if suffix in SUFFIXES:
        return EvidenceKind.DOCUMENT
    if (
        suffix in _LOG_SUFFIXES
        or p.name.lower() in _LOG_NAMES
        or p.name.lower().startswith(tuple(_LOG_NAMES))
    ):
        return EvidenceKind.LOG
    try:
        with p.open("rb") as f:
            head = f.read(4096)
    except OSError as exc:
        raise InputError(f"cannot be read: {exc.strerror or exc}", p) from exc
    if sniff(head, p) is not None:  # a Word file or a PDF, whatever its name
        return EvidenceKind.DOCUMENT
    sample = _sample(p)
    unread = unread_kind(sample)
    if unread is not None:  # before logs: a sar report or a metrics table has times too
        return EvidenceKind(unread)
    return EvidenceKind.LOG if _looks_like_log(sample) else EvidenceKind.DOCUMENT
