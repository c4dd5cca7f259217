"""Import evidence into the library: read every file first, then write them in one transaction.

Reading first means a bad file is reported before anything is written, and the write itself is
all or nothing: the library never holds half an import.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from retroline.documents import read_document
from retroline.model import Incident
from retroline.store import Library, SaveResult

__all__ = ["import_documents"]


def import_documents(
    library: Library,
    paths: Sequence[str | Path],
    *,
    tz: str | None = None,
    format: str | None = None,
    progress: Callable[[Path], None] | None = None,
) -> list[SaveResult]:
    """Extract each document and store them all; returns one result per document."""
    incidents: list[tuple[Incident, str | None]] = []
    for path in paths:
        if progress is not None:
            progress(Path(path))
        incidents.append((read_document(path, tz=tz, format=format), None))
    return library.save_many(incidents)
