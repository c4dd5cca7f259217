"""The library's listing: a page of its incidents, filtered by day, service and cause and
sorted, all in the database (`page`), and the values it can be filtered by (`facet_values`).

`Library.listing` and `Library.facet_values` call these on a connection of theirs; the
rows come from ``search_docs`` (one an incident, with its day and facets, written with it).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy import ColumnElement, Connection, func, select

from retroline.errors import UsageError
from retroline.instants import iso_utc_or_none
from retroline.store import schema
from retroline.store import search as fulltext

__all__ = ["SORTS", "IncidentSummary", "Listing", "checked_sort", "facet_values", "page"]


#: The orders of the library's listing: "date", the latest day first and incidents without
#: a day last; "title", alphabetical in any case. Ties go by id.
SORTS = ("date", "title")


def checked_sort(sort: str | None) -> str:
    """``sort`` as one of `SORTS` ("date" when not given); a UsageError (a 400) otherwise."""
    if not sort:
        return "date"
    if sort not in SORTS:
        raise UsageError(f"sort {sort!r} is not one of: {', '.join(SORTS)}")
    return sort


@dataclass(frozen=True)
class IncidentSummary:
    """One line of the library's listing.

    ``day`` is the day it is listed under: its document's date, else its first event's
    (`store.search.incident_day`); ``service`` and ``cause`` are its facets
    (`retroline.analysis.facets`), None where its words do not make them clear."""

    id: str
    title: str
    document_date: dt.date | None
    events: int
    documents: int
    first_at: dt.datetime | None
    last_at: dt.datetime | None
    updated_at: dt.datetime
    day: dt.date | None = None
    service: str | None = None
    cause: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The summary as plain JSON values (instants in UTC with a ``Z``)."""

        iso = iso_utc_or_none

        return {
            "id": self.id,
            "title": self.title,
            "document_date": self.document_date.isoformat() if self.document_date else None,
            "day": self.day.isoformat() if self.day else None,
            "events": self.events,
            "documents": self.documents,
            "first_at": iso(self.first_at),
            "last_at": iso(self.last_at),
            "updated_at": iso(self.updated_at),
            "service": self.service,
            "cause": self.cause,
        }


_SUMMARY = TypeAdapter(IncidentSummary)


@dataclass(frozen=True)
class Listing:
    """A page of the library's listing (`Library.listing`): its incidents, how many
    incidents pass the filters on all pages together, and how many the library holds."""

    incidents: list[IncidentSummary]
    matching: int
    total: int


def _listing_order(sort: str) -> list[ColumnElement[Any]]:
    """The ORDER BY of the listing in ``sort`` order (`SORTS`): the incident's day (its
    search row's, which an index of migration 0011 reads in order) or its title, then its
    id."""
    inc, docs = schema.incidents, schema.search_docs
    if sort == "title":
        return [func.lower(inc.c.title), inc.c.id]
    return [docs.c.day.desc().nulls_last(), inc.c.id]


def page(
    conn: Connection,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    sort: str | None = None,
    service: str | None = None,
    cause: str | None = None,
    offset: int = 0,
    limit: int | None = None,
) -> Listing:
    """A page of the incidents (see `Library.listing`), read on ``conn``."""
    sort = checked_sort(sort)
    if since is not None and until is not None and since > until:
        raise UsageError(f"since {since} is after until {until}: nothing can be in between")
    if offset < 0:
        raise UsageError(f"offset {offset}: give 0 or more")
    if limit is not None and limit < 1:
        raise UsageError(f"limit {limit}: give 1 or more")
    ev, doc, inc, docs = schema.events, schema.documents, schema.incidents, schema.search_docs
    wanted: list[ColumnElement[bool]] = []
    if since is not None:
        wanted.append(docs.c.day >= since)
    if until is not None:
        wanted.append(docs.c.day <= until)
    for name, value in zip(fulltext.FACETS, (service, cause), strict=True):
        if value:
            wanted.append(docs.c[name] == value)
    # Every incident has its search row, written with it (and by migration 0010 for
    # those from before): the rows are found by its indexes, then their incidents.
    query = (
        select(
            inc.c.id,
            inc.c.title,
            inc.c.document_date,
            inc.c.updated_at,
            docs.c.day,
            docs.c.service,
            docs.c.cause,
        )
        .select_from(docs.join(inc, inc.c.id == docs.c.incident_id))
        .where(*wanted)
        .order_by(*_listing_order(sort))
        .offset(offset)
        .limit(limit)
    )
    # The counts and span of the page's incidents only.
    on_page = select(query.subquery().c.id)
    ev_stats = (
        select(
            ev.c.incident_id,
            func.count().label("events"),
            func.min(ev.c.at).label("first_at"),
            func.max(ev.c.at).label("last_at"),
        )
        .where(ev.c.incident_id.in_(on_page))
        .group_by(ev.c.incident_id)
    )
    doc_stats = (
        select(doc.c.incident_id, func.count().label("documents"))
        .where(doc.c.incident_id.in_(on_page))
        .group_by(doc.c.incident_id)
    )
    no_events = {"events": 0, "first_at": None, "last_at": None}
    found = conn.execute(query).all()
    events = {r.incident_id: r._mapping for r in conn.execute(ev_stats)}
    documents = {r.incident_id: r.documents for r in conn.execute(doc_stats)}
    # Validated, so that a damaged row fails here (see `_decoded`), not in a caller
    # that prints its title.
    shown = [
        _SUMMARY.validate_python(
            {
                **r._mapping,
                **{k: events.get(r.id, no_events)[k] for k in no_events},
                "documents": documents.get(r.id, 0),
            }
        )
        for r in found
    ]
    count = select(func.count()).select_from(docs)  # one row per incident
    matching = conn.execute(count.where(*wanted)).scalar_one()
    total = conn.execute(count).scalar_one() if wanted else matching
    return Listing(shown, matching, total)


def facet_values(conn: Connection) -> dict[str, list[str]]:
    """The values of each of `store.search.FACETS` that the incidents have, in order."""
    docs = schema.search_docs
    return {
        name: list(
            conn.execute(
                select(docs.c[name])
                .where(docs.c[name].is_not(None))
                .distinct()
                .order_by(docs.c[name])
            ).scalars()
        )
        for name in fulltext.FACETS
    }
