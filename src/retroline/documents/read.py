"""A postmortem file to an Incident: load the bytes, detect the format, run its reader."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from retroline.analysis.checks import run_checks
from retroline.documents import markdown
from retroline.documents.load import LoadedText, load
from retroline.errors import FormatError, UsageError
from retroline.model import Document, Incident

__all__ = ["Format", "check_zone", "detect_format", "read_document"]


class Format(StrEnum):
    """Document formats Retroline reads."""

    MARKDOWN = "markdown"
    TEXT = "text"


_MARKDOWN_SUFFIXES = {".md", ".markdown", ".mdown", ".mkd"}
_MARKDOWN_HINT = re.compile(r"^(#{1,6} \S|[-*] \S|\d+\. \S)", re.M)


def check_zone(tz: str | None) -> str | None:
    """Validate an IANA zone name given by the user (``--tz``)."""
    if tz is None:
        return None
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise UsageError(
            f"--tz {tz!r} is not a known IANA time zone "
            "(e.g. UTC, Europe/Zurich, America/Los_Angeles)"
        ) from exc
    return tz


def detect_format(loaded: LoadedText) -> Format:
    """The format of a document, from its name and then its content."""
    if Path(loaded.path).suffix.lower() in _MARKDOWN_SUFFIXES:
        return Format.MARKDOWN
    if _MARKDOWN_HINT.search(loaded.text[:20000]):
        return Format.MARKDOWN
    return Format.TEXT


def read_document(
    path: str | Path, *, tz: str | None = None, format: str | None = None
) -> Incident:
    """Read one postmortem document into an Incident, with findings from the checks.

    ``tz`` is the IANA zone for times the document gives without one; ``format`` overrides
    detection.
    """
    check_zone(tz)
    loaded = load(path)
    if format is None:
        fmt = detect_format(loaded)
    else:
        try:
            fmt = Format(format)
        except ValueError as exc:
            known = ", ".join(f.value for f in Format)
            raise UsageError(f"--format {format!r} is not one of: {known}") from exc
    # Plain text is read with the Markdown reader for now: bullets and headings are the same
    # signal in both; the dedicated prose reader comes with the timeline extractor.
    parts = markdown.parse(loaded.text, loaded.path, tz=tz)
    if not parts.title.strip():
        raise FormatError("no title or text found", loaded.path)
    document = Document(
        path=loaded.path,
        sha256=loaded.sha256,
        format=fmt.value,
        encoding=loaded.encoding,
        size=loaded.size,
    )
    incident = Incident(
        title=parts.title,
        document_date=parts.document_date,
        documents=[document],
        events=parts.events,
        sections=parts.sections,
        action_items=parts.action_items,
        links=parts.links,
    )
    incident.findings = run_checks(incident)
    return incident
