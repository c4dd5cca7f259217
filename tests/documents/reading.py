"""Reading a small document written by a test, and the parts of the result tests compare."""

from __future__ import annotations

from pathlib import Path

from retroline.documents import read_document
from retroline.model import Event, Incident


def read(tmp_path: Path, name: str, text: str, tz: str | None = None) -> Incident:
    """``text`` saved as ``name`` and read as a document."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_document(path, tz=tz)


def utc(event: Event) -> str:
    """An event's instant, to the minute, in UTC."""
    assert event.at is not None, event
    return event.at.strftime("%Y-%m-%d %H:%M")


def codes(incident: Incident) -> set[str]:
    """The codes of the incident's findings."""
    return {f.code for f in incident.findings}
