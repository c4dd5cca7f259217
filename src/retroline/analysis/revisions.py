"""Revisions of one document: recognise them, and merge them into one incident.

Wiki pages are exported at different revisions, renamed, re-titled ("Sno+ Issue" became
"PerfSonar DataStore Issue" between r5 and r17). What stays is the timeline: two documents
whose dated entries largely coincide are revisions of one incident. The merged timeline is the
union without duplicates, and where the two differ the newer revision wins.
"""

from __future__ import annotations

import datetime as dt
import re
from difflib import SequenceMatcher

from retroline.analysis.checks import findings_of
from retroline.documents.timeline import folded
from retroline.model import Document, Event, EventKind, Incident

# Share of the smaller timeline's entries that must reappear in the other for the two
# documents to be one: a revision keeps most entries; two incidents of one service share few.
SAME_DOCUMENT_SHARE = 0.5
# With the same title, a smaller share will do: the page was reworked, not replaced.
SAME_TITLE_SHARE = 0.3
# Texts this similar are one entry reworded ("Tom reported" -> "Thom reported").
SAME_TEXT = 0.6


def _day(event: Event) -> dt.date | None:
    return event.date or (event.at.date() if event.at else None)


def same_entry(a: Event, b: Event, *, reworded: bool = True) -> bool:
    """Two events are one entry: the same instant (or day, for dated ones) and like words.

    Within two revisions of one document (``reworded``), two timed entries at the same
    minute are one even when reworded: a revision that rewrites "Tom reported X" as "On
    advice from Marian, Tom ran Y" at 22:33 replaces it. Pasted log lines, and entries of
    documents not yet known to be one, are one only when their words match too: two
    incidents of one morning share minutes, not sentences.
    """
    if a.at is not None and b.at is not None:
        if a.at != b.at:
            return False
        if reworded and EventKind.LOG not in (a.kind, b.kind):
            return True
        return SequenceMatcher(None, folded(a.text), folded(b.text)).ratio() >= SAME_TEXT
    if _day(a) is None or _day(a) != _day(b):
        return False
    return SequenceMatcher(None, folded(a.text), folded(b.text)).ratio() >= SAME_TEXT


class _Index:
    """Events by instant and by day, so that finding an entry's twin is a lookup, not a
    scan: timelines of tens of thousands of entries are compared in linear time."""

    def __init__(self, events: list[Event]) -> None:
        self.by_at: dict[dt.datetime, list[Event]] = {}
        self.undated_by_day: dict[dt.date, list[Event]] = {}
        for event in events:
            self.add(event)

    def add(self, event: Event) -> None:
        if event.at is not None:
            self.by_at.setdefault(event.at, []).append(event)
        elif (day := _day(event)) is not None:
            self.undated_by_day.setdefault(day, []).append(event)

    def has_twin(self, event: Event, *, reworded: bool = True) -> bool:
        candidates = list(self.by_at.get(event.at, [])) if event.at is not None else []
        day = _day(event)
        if day is not None:
            candidates += self.undated_by_day.get(day, [])
        return any(same_entry(event, other, reworded=reworded) for other in candidates)


def overlap(a: Incident, b: Incident, *, reworded: bool = False) -> float:
    """Share of the smaller timeline's entries that the other timeline also has, entries
    being the same in time and words (in time alone with ``reworded``)."""
    small, large = sorted((a.events, b.events), key=len)
    if not small:
        return 0.0
    index = _Index(large)
    return sum(1 for e in small if index.has_twin(e, reworded=reworded)) / len(small)


def same_document(a: Incident, b: Incident) -> bool:
    """True when ``a`` and ``b`` read as two revisions of one document: the same title
    and timelines that do not contradict it, or most entries the same in time and words.
    Shared instants alone never make two documents one (see `shares_times_only`)."""
    dated = min(sum(1 for e in a.events if _day(e)), sum(1 for e in b.events if _day(e)))
    if folded(a.title) == folded(b.title) and a.title.strip():
        # One title: the same page, unless the timelines show two different incidents.
        return dated == 0 or overlap(a, b) >= SAME_TITLE_SHARE
    return dated >= 3 and overlap(a, b) >= SAME_DOCUMENT_SHARE


def shares_times_only(a: Incident, b: Incident) -> bool:
    """Two documents that are not one but whose timelines share most of their instants:
    worth saying, as the reader may know them to be one (a rewrite in other words)."""
    dated = min(sum(1 for e in a.events if _day(e)), sum(1 for e in b.events if _day(e)))
    return (
        dated >= 3
        and not same_document(a, b)
        and overlap(a, b, reworded=True) >= SAME_DOCUMENT_SHARE
    )


def _revision_key(doc: Document, incident: Incident) -> tuple[dt.date, int]:
    number = re.search(r"(\d+)(?:\.(\d+))?$", doc.revision or "")
    rank = int(number.group(2) or number.group(1)) if number else 0
    return (incident.document_date or dt.date.min, rank)


def newer_first(a: Incident, b: Incident) -> tuple[Incident, Incident]:
    """The two revisions, newest first: by document date, then revision number."""
    key_a = max(
        (_revision_key(d, a) for d in a.documents), default=(a.document_date or dt.date.min, 0)
    )
    key_b = max(
        (_revision_key(d, b) for d in b.documents), default=(b.document_date or dt.date.min, 0)
    )
    return (a, b) if key_a >= key_b else (b, a)


def _when(event: Event) -> tuple[dt.datetime, int]:
    if event.at is not None:
        return event.at, 1
    day = _day(event) or dt.date.min
    return dt.datetime.combine(day, dt.time(), dt.UTC), 0


def in_time_order(events: list[Event]) -> list[Event]:
    """Events in UTC order; an entry with only a date comes first on its day."""
    return sorted(events, key=_when)


def merge(a: Incident, b: Incident) -> Incident:
    """One incident from two revisions: the newer one's text, the union of both timelines.

    The documents keep ``a``'s first, so an incident stored from ``a`` keeps its identity.
    """
    newer, older = newer_first(a, b)
    events = list(newer.events)
    index = _Index(newer.events)
    events += [event for event in older.events if not index.has_twin(event)]
    events.sort(key=_when)
    documents = list(a.documents) + [d for d in b.documents if d not in a.documents]
    merged = newer.model_copy(
        update={
            "id": a.id or b.id,
            "events": events,
            "documents": documents,
            "links": newer.links
            + [link for link in older.links if link.url not in {x.url for x in newer.links}],
            "findings": [],
        }
    )
    merged.findings = findings_of(merged, a, b)
    return merged


def union(primary: Incident, other: Incident) -> Incident:
    """One incident from two different documents about it: ``primary`` leads (title, date,
    summary), the timelines join without duplicates, and every part of ``other`` is kept."""
    events = list(primary.events)
    index = _Index(events)
    for event in other.events:
        if not index.has_twin(event):
            events.append(event)
            index.add(event)
    events.sort(key=_when)
    joined = primary.model_copy(
        update={
            "events": events,
            "documents": primary.documents
            + [d for d in other.documents if d not in primary.documents],
            "sections": primary.sections + other.sections,
            "action_items": primary.action_items + other.action_items,
            "links": primary.links
            + [link for link in other.links if link.url not in {x.url for x in primary.links}],
            "hypotheses": primary.hypotheses + other.hypotheses,
            "stated_windows": primary.stated_windows + other.stated_windows,
            "findings": [],
        }
    )
    joined.findings = findings_of(joined, primary, other)
    return joined


def revisions_merged(incidents: list[Incident]) -> list[tuple[list[int], Incident]]:
    """The incidents read from several documents with the revisions of each document
    merged: one pair per document, the indices of its revisions in ``incidents`` and the
    merged incident, in the order each document was first seen. `import` stores each pair;
    `combine` joins them into the one incident an investigation is about."""
    groups: list[tuple[list[int], Incident]] = []
    for index, incident in enumerate(incidents):
        for i, (members, kept) in enumerate(groups):
            if same_document(kept, incident):
                groups[i] = ([*members, index], merge(kept, incident))
                break
        else:
            groups.append(([index], incident))
    return groups


def combine(incidents: list[Incident]) -> Incident:
    """One incident from every document of an investigation: revisions merged, then the
    document with the most timed entries leading the others."""
    merged = [incident for _, incident in revisions_merged(incidents)]
    merged.sort(key=lambda inc: -sum(1 for e in inc.events if e.at is not None))
    result = merged[0]
    for other in merged[1:]:
        result = union(result, other)
    return result
