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
from retroline.model import EVIDENCE_EVENTS, Document, Event, Incident

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
        if reworded and a.kind not in EVIDENCE_EVENTS and b.kind not in EVIDENCE_EVENTS:
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
    dated = min(_dated(a), _dated(b))
    if folded(a.title) == folded(b.title) and a.title.strip():
        # One title: the same page, unless the timelines show two different incidents.
        return dated == 0 or overlap(a, b) >= SAME_TITLE_SHARE
    return dated >= 3 and overlap(a, b) >= SAME_DOCUMENT_SHARE


def shares_times_only(a: Incident, b: Incident) -> bool:
    """Two documents that are not one but whose timelines share most of their instants:
    worth saying, as the reader may know them to be one (a rewrite in other words)."""
    dated = min(_dated(a), _dated(b))
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


def union(primary: Incident, *others: Incident) -> Incident:
    """One incident from different documents about it: ``primary`` leads (title, date,
    summary), the timelines join without duplicates, and every part of the ``others`` is
    kept. One pass over all of them: joining many notes costs what reading them does."""
    events = list(primary.events)
    index = _Index(events)
    documents = list(primary.documents)
    known = {(d.path, d.sha256) for d in documents}
    links = list(primary.links)
    urls = {link.url for link in links}
    for other in others:
        for event in other.events:
            if not index.has_twin(event):
                events.append(event)
                index.add(event)
        for doc in other.documents:
            if (doc.path, doc.sha256) not in known:
                known.add((doc.path, doc.sha256))
                documents.append(doc)
        for link in other.links:
            if link.url not in urls:
                urls.add(link.url)
                links.append(link)
    events.sort(key=_when)
    everyone = (primary, *others)
    joined = primary.model_copy(
        update={
            "events": events,
            "documents": documents,
            "sections": [x for inc in everyone for x in inc.sections],
            "action_items": [x for inc in everyone for x in inc.action_items],
            "links": links,
            "hypotheses": [x for inc in everyone for x in inc.hypotheses],
            "stated_windows": [x for inc in everyone for x in inc.stated_windows],
            "findings": [],
        }
    )
    joined.findings = findings_of(joined, *everyone)
    return joined


def _dated(incident: Incident) -> int:
    return sum(1 for e in incident.events if _day(e))


def _keys(incident: Incident) -> set[object]:
    """What another revision of ``incident`` must share with it (`same_document`): its
    title, or (with entries enough to compare) one of its instants or days."""
    keys: set[object] = {("title", folded(incident.title))} if incident.title.strip() else set()
    if _dated(incident) >= 3:
        for event in incident.events:
            if event.at is not None:
                keys.add(("at", event.at))
            if (day := _day(event)) is not None:
                keys.add(("day", day))
    return keys


def revisions_merged(incidents: list[Incident]) -> list[tuple[list[int], Incident]]:
    """The incidents read from several documents with the revisions of each document
    merged: one pair per document, the indices of its revisions in ``incidents`` and the
    merged incident, in the order each document was first seen. `import` stores each pair;
    `combine` joins them into the one incident an investigation is about."""
    groups: list[tuple[list[int], Incident]] = []
    # Only documents sharing a title, an instant or a day can be one: each is compared
    # with those, found by lookup, so many documents cost linear time, not pairwise.
    holders: dict[object, set[int]] = {}
    for index, incident in enumerate(incidents):
        keys = _keys(incident)
        candidates = sorted({i for key in keys for i in holders.get(key, ())})
        for i in candidates:
            members, kept = groups[i]
            if same_document(kept, incident):
                groups[i] = ([*members, index], merge(kept, incident))
                break
        else:
            i = len(groups)
            groups.append(([index], incident))
        for key in _keys(groups[i][1]) if candidates else keys:
            holders.setdefault(key, set()).add(i)
    return groups


def combine(incidents: list[Incident]) -> Incident:
    """One incident from every document of an investigation: revisions merged, then the
    document with the most timed entries leading the others."""
    merged = [incident for _, incident in revisions_merged(incidents)]
    merged.sort(key=lambda inc: -sum(1 for e in inc.events if e.at is not None))
    return union(merged[0], *merged[1:])
