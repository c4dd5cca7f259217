"""Import evidence into the library: read every file first, then write them in one transaction.

Reading first means a bad file is reported before anything is written, and the write itself is
all or nothing: the library never holds half an import. A document that is a revision of an
incident already in the library (or of another file in the same import) is merged into it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Sequence
from pathlib import Path

import retroline
from retroline.analysis.checks import kept_apart
from retroline.analysis.revisions import merge, revisions_merged, same_document, shares_times_only
from retroline.documents import read_document
from retroline.model import Incident
from retroline.store import IncidentSummary, Library, SaveResult, incident_key

__all__ = ["import_documents", "inputs_hash"]


def _shas(incident: Incident) -> set[str]:
    return {d.sha256 for d in incident.documents}


def inputs_hash(incident: Incident, **options: object) -> str:
    """What a stored incident is a function of, as one hash: its evidence (the hashes of
    its documents and logs), the options that change how it was read, and the program's
    version. The library remakes a stored incident whose hash differs (`Library.save_in`);
    `import` and `investigate` both record it."""
    facts = {
        "evidence": sorted(_shas(incident)),
        "options": options,
        "version": retroline.__version__,
    }
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()


def _stored_revision(
    library: Library, summaries: list[IncidentSummary], incident: Incident
) -> Incident | None:
    """An incident in the library that ``incident`` is another revision of, if any; a
    finding on ``incident`` for each one it shares its times with but not its words
    (kept apart: the reader may know better).

    Only incidents with the same title or an overlapping time span are read in full.
    """
    times = [e.at for e in incident.events if e.at is not None]
    near: list[Incident] = []
    for summary in summaries:
        overlapping = bool(times) and summary.first_at is not None and summary.last_at is not None
        if overlapping:
            first = summary.first_at.replace(tzinfo=dt.UTC)  # type: ignore[union-attr]
            last = summary.last_at.replace(tzinfo=dt.UTC)  # type: ignore[union-attr]
            overlapping = min(times) <= last and max(times) >= first
        if summary.title == incident.title or overlapping:
            stored = library.get(summary.id)
            if same_document(stored, incident):
                return stored
            if shares_times_only(stored, incident):
                near.append(stored)
    incident.findings += [kept_apart(incident, other) for other in near]
    return None


def import_documents(
    library: Library,
    paths: Sequence[str | Path],
    *,
    tz: str | None = None,
    format: str | None = None,
    progress: Callable[[Path], None] | None = None,
) -> list[SaveResult]:
    """Extract each document and store them all; returns one result per document."""
    read: list[Incident] = []
    for path in paths:
        if progress is not None:
            progress(Path(path))
        read.append(read_document(path, tz=tz, format=format))
    # Revisions within this import merge first (as in an investigation), then with what
    # the library holds.
    grouped = revisions_merged(read)
    groups = [members for members, _ in grouped]
    merged = [incident for _, incident in grouped]
    summaries = library.summaries() if merged else []  # read once for every document
    to_save: list[tuple[Incident, str | None, str | None]] = []
    for incident in merged:
        inputs = inputs_hash(incident, tz=tz, format=format)
        stored = _stored_revision(library, summaries, incident)
        if stored is None:
            to_save.append((incident, None, inputs))
        elif _shas(stored) == _shas(incident):
            # The same evidence again: read anew (other options, another version) and
            # stored in place when its inputs differ; unchanged when they do not.
            to_save.append((incident, incident_key(stored), inputs))
        else:
            to_save.append((merge(stored, incident), incident_key(stored), None))
    saved = library.save_many(to_save)
    results: list[SaveResult] = [saved[0]] * len(read)
    for group, result in zip(groups, saved, strict=True):
        for index in group:
            results[index] = result
    return results
