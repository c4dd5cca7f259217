"""What a file of evidence is: a postmortem document or a log (metric series and package
lists come later), from its name and a sample of its lines."""

from __future__ import annotations

import itertools
from enum import StrEnum
from pathlib import Path

from retroline.documents.formats import sniff
from retroline.errors import InputError, RetrolineError
from retroline.logs.headers import PATTERNS, detect
from retroline.logs.reader import read_lines

# Names that say what a file is, whatever its content looks like at first.
_DOCUMENT_SUFFIXES = {
    ".md",
    ".markdown",
    ".html",
    ".htm",
    ".rst",
    ".eml",
    ".mediawiki",
    ".wiki",
    ".twiki",
    ".docx",
    ".pdf",
}
_LOG_SUFFIXES = {".log", ".gz", ".bz2", ".xz", ".jsonl", ".journal", ".out", ".err"}
_LOG_NAMES = {"syslog", "messages", "kern.log", "auth.log", "daemon.log", "journal"}
_SAMPLE = 200
# A log is a file most of whose lines start with a timestamped header; a postmortem with
# a few pasted log lines stays a document.
LOG_SHARE = 0.5


class EvidenceKind(StrEnum):
    """The kinds of evidence Retroline reads."""

    DOCUMENT = "document"
    LOG = "log"


def _looks_like_log(path: Path) -> bool:
    try:
        sample = [
            raw.text for raw in itertools.islice(read_lines(path), _SAMPLE) if raw.text.strip()
        ]
    except RetrolineError:
        return False
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
    if suffix in _DOCUMENT_SUFFIXES:
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
    return EvidenceKind.LOG if _looks_like_log(p) else EvidenceKind.DOCUMENT
