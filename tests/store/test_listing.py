"""The library's listing (`Library.listing`): filtered by day, service and cause, sorted,
counted and cut into pages by the database, on every backend; and the facets of incidents
stored before migration 0011, filled in when the library is opened."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from retroline.analysis.facets import facets
from retroline.errors import UsageError
from retroline.model import Document, Event, EventKind, Incident, Precision, Source
from retroline.store import Library, schema
from retroline.store import search as search_module
from retroline.store.listing import Listing
from tests.store.old_library import backend_url, migrated_to, old_incident_row

SOURCE = Source(path="pm.md", line=1)


def _at(at: dt.datetime, text: str) -> Event:
    return Event(
        at=at,
        precision=Precision.MINUTE,
        time_text="x",
        text=text,
        kind=EventKind.IMPACT_START,
        source=SOURCE,
    )


def incidents() -> dict[str, Incident]:
    """Six incidents, by a short name: two of one service and cause on the same day, one
    listed by its first event (late in the evening west of UTC: the next day in UTC), one
    by a day an entry states without a time, one without a day at all."""
    disk_day = dt.date(2024, 5, 2)
    return {
        "disk": Incident(
            title="Disk full on the payments database",
            document_date=disk_day,
            summary="The payments database ran out of disk space.",
            documents=[
                Document(path="pm.md", sha256="d" * 64, format="markdown", encoding="utf-8", size=9)
            ],
            events=[
                _at(dt.datetime(2024, 5, 1, 22, 0, tzinfo=dt.UTC), "disk alert"),
                _at(dt.datetime(2024, 5, 2, 1, 0, tzinfo=dt.UTC), "disk cleaned"),
            ],
        ),
        "disk again": Incident(
            title="Disk full again on the payments database",
            document_date=disk_day,
            summary="The payments database ran out of disk space again.",
        ),
        "cert": Incident(
            title="Certificate expired on the API gateway",
            document_date=dt.date(2023, 11, 5),
            summary="The TLS certificate expired.",
        ),
        "dns": Incident(
            title="alpha: DNS resolvers timed out",
            summary="The resolvers timed out after a config change.",
            events=[
                _at(
                    dt.datetime(2024, 3, 1, 23, 30, tzinfo=dt.timezone(dt.timedelta(hours=-2))),
                    "resolvers stopped answering",
                )
            ],
        ),
        "queue": Incident(
            title="Queue backlog",
            summary="Nothing more.",
            events=[
                Event(
                    date=dt.date(2023, 12, 24),
                    precision=Precision.DAY,
                    text="the queue grew",
                    source=SOURCE,
                )
            ],
        ),
        "mail": Incident(title="Beta outage of the mail server", summary="Mail stopped."),
    }


@pytest.fixture
def stocked(library: Library) -> dict[str, str]:
    """The library holding `incidents`; their ids by short name."""
    return {name: library.save(incident).id for name, incident in incidents().items()}


def names(listing: Listing, stocked: dict[str, str]) -> list[str]:
    by_id = {ident: name for name, ident in stocked.items()}
    return [by_id[s.id] for s in listing.incidents]


def by_date(stocked: dict[str, str]) -> list[str]:
    """The incidents newest first: the two of 2 May by id, then 2 March (UTC), 24 and 5
    November, and the one without a day last."""
    same_day = sorted(["disk", "disk again"], key=lambda name: stocked[name])
    return [*same_day, "dns", "queue", "cert", "mail"]


def test_the_listing_is_newest_first_with_the_undated_last(
    library: Library, stocked: dict[str, str]
) -> None:
    everything = library.listing()
    assert names(everything, stocked) == by_date(stocked)
    assert (everything.matching, everything.total) == (6, 6)
    days = {
        name: s.day
        for name, s in zip(names(everything, stocked), everything.incidents, strict=True)
    }
    assert days["dns"] == dt.date(2024, 3, 2)  # 1 March 23:30 at UTC-2
    assert days["queue"] == dt.date(2023, 12, 24)
    assert days["mail"] is None


def test_the_listing_sorts_by_title_in_any_case(library: Library, stocked: dict[str, str]) -> None:
    listed = library.listing(sort="title")
    # "alpha" before "Beta" although "B" < "a" in code points.
    assert names(listed, stocked) == ["dns", "mail", "cert", "disk again", "disk", "queue"]


def test_the_listing_comes_a_page_at_a_time(library: Library, stocked: dict[str, str]) -> None:
    order = by_date(stocked)
    pages = [library.listing(offset=start, limit=2) for start in (0, 2, 4, 6)]
    assert [names(p, stocked) for p in pages] == [order[0:2], order[2:4], order[4:6], []]
    assert {(p.matching, p.total) for p in pages} == {(6, 6)}
    titled = library.listing(sort="title", offset=1, limit=3)
    assert names(titled, stocked) == ["mail", "cert", "disk again"]


def test_each_line_counts_its_own_events_and_documents(
    library: Library, stocked: dict[str, str]
) -> None:
    (disk,) = library.listing(since=dt.date(2024, 5, 2), sort="title", offset=1).incidents
    assert (disk.id, disk.events, disk.documents) == (stocked["disk"], 2, 1)
    assert disk.first_at is not None and disk.last_at is not None
    assert disk.to_json()["first_at"] == "2024-05-01T22:00:00Z"
    assert disk.to_json()["last_at"] == "2024-05-02T01:00:00Z"
    (again,) = library.listing(since=dt.date(2024, 5, 2), sort="title", limit=1).incidents
    assert (again.id, again.events, again.documents, again.first_at) == (
        stocked["disk again"],
        0,
        0,
        None,
    )


@pytest.mark.parametrize(
    ("since", "until", "expected"),
    [
        (dt.date(2024, 1, 1), None, ["disk", "disk again", "dns"]),
        (None, dt.date(2023, 12, 31), ["queue", "cert"]),
        (dt.date(2024, 3, 2), dt.date(2024, 3, 2), ["dns"]),  # its UTC day
        (dt.date(2024, 3, 1), dt.date(2024, 3, 1), []),
    ],
)
def test_the_listing_filters_by_day(
    library: Library,
    stocked: dict[str, str],
    since: dt.date | None,
    until: dt.date | None,
    expected: list[str],
) -> None:
    listed = library.listing(since=since, until=until)
    assert sorted(names(listed, stocked)) == sorted(expected)  # the undated never
    assert (listed.matching, listed.total) == (len(expected), 6)


@pytest.mark.parametrize("facet", ["service", "cause"])
def test_the_listing_filters_by_service_and_cause(
    library: Library, stocked: dict[str, str], facet: str
) -> None:
    values = {name: getattr(facets(incident), facet) for name, incident in incidents().items()}
    value = values["disk"]
    assert value is not None and value == values["disk again"] != values["cert"]
    listed = library.listing(**{facet: value})
    assert names(listed, stocked) == [n for n in by_date(stocked) if values[n] == value]
    assert (listed.matching, listed.total) == (2, 6)
    with_day = library.listing(**{facet: value}, until=dt.date(2024, 5, 1))
    assert (with_day.incidents, with_day.matching) == ([], 0)
    unknown = library.listing(**{facet: "no such " + facet})
    assert (unknown.incidents, unknown.matching, unknown.total) == ([], 0, 6)


def test_each_line_carries_the_facets_saved_with_the_incident(
    library: Library, stocked: dict[str, str]
) -> None:
    made = incidents()
    by_id = {ident: made[name] for name, ident in stocked.items()}
    for summary in library.summaries():
        found = facets(by_id[summary.id])
        assert (summary.service, summary.cause) == (found.service, found.cause)
    # Replacing an incident writes its facets anew.
    library.replace(stocked["mail"], made["cert"])
    (replaced,) = [s for s in library.summaries() if s.id == stocked["mail"]]
    cert = facets(made["cert"])
    assert (replaced.service, replaced.cause) == (cert.service, cert.cause)
    assert cert.cause is not None


def test_the_facet_values_are_those_the_incidents_have(
    library: Library, stocked: dict[str, str]
) -> None:
    made = [facets(incident) for incident in incidents().values()]
    assert library.facet_values() == {
        "service": sorted({f.service for f in made if f.service is not None}),
        "cause": sorted({f.cause for f in made if f.cause is not None}),
    }
    assert len(library.facet_values()["service"]) >= 3


def test_a_facet_of_any_length_is_stored_and_found(library: Library) -> None:
    """A B-tree index (PostgreSQL's limit: 2704 bytes a row) would refuse this save."""
    name = "".join(f"{i:04x}" for i in range(1000)).replace("0", "q") + "-api"
    incident = Incident(title=f"x{name} service outage", summary="It went down.")
    service = facets(incident).service
    assert service is not None and len(service) > 3000
    saved = library.save(incident)
    assert [s.id for s in library.listing(service=service).incidents] == [saved.id]


def test_summaries_are_the_whole_listing(library: Library, stocked: dict[str, str]) -> None:
    assert library.summaries() == library.listing().incidents
    assert [s.id for s in library.summaries()] == [stocked[n] for n in by_date(stocked)]


@pytest.mark.parametrize(
    ("arguments", "said"),
    [
        ({"sort": "size"}, "sort 'size' is not one of: date, title"),
        ({"since": dt.date(2024, 2, 1), "until": dt.date(2024, 1, 1)}, "is after until"),
        ({"offset": -1}, "offset -1: give 0 or more"),
        ({"limit": 0}, "limit 0: give 1 or more"),
    ],
)
def test_a_wrong_listing_is_a_usage_error(
    library: Library, arguments: dict[str, object], said: str
) -> None:
    with pytest.raises(UsageError, match=said):
        library.listing(**arguments)  # type: ignore[arg-type]


def test_an_empty_library_lists_nothing(library: Library) -> None:
    assert library.listing(service="dns", limit=100) == Listing([], 0, 0)
    assert library.facet_values() == {"service": [], "cause": []}


# -- libraries from before migration 0011 -------------------------------------------------


def old_library(library_url: str) -> None:
    """A library at migration 0010 holding `incidents` (but the one without a day), each
    written with SQL with its search row as that version wrote it: no facets."""
    with migrated_to(library_url, "0010_search") as connection:
        for name, incident in incidents().items():
            if name == "mail":
                continue
            ident = name.replace(" ", "-")
            old_incident_row(
                connection,
                incident.title,
                dt.datetime(2024, 6, 1),
                id=ident,
                key=f"k:{ident}",
                summary=incident.summary,
                document_date=incident.document_date,
            )
            connection.execute(
                sa.text(
                    "INSERT INTO search_docs (incident_id, day, title, summary) "
                    "VALUES (:id, :day, :title, :summary)"
                ),
                {
                    "id": ident,
                    "day": search_module.incident_day(incident),
                    "title": incident.title,
                    "summary": incident.summary,
                },
            )


def facet_rows(library: Library) -> dict[str, tuple[str | None, str | None, bool]]:
    docs = schema.search_docs
    with library.engine.connect() as connection:
        found = connection.execute(
            sa.select(docs.c.incident_id, docs.c.service, docs.c.cause, docs.c.faceted)
        )
        return {r.incident_id: (r.service, r.cause, bool(r.faceted)) for r in found}


@pytest.mark.parametrize(
    "backend", ["sqlite-file", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_a_library_from_0010_gets_its_facets_once_opened(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    library_url = backend_url(backend, request, tmp_path)
    old_library(library_url)
    library = Library(library_url)
    try:
        rows = facet_rows(library)
        assert len(rows) == 5
        for ident, row in rows.items():
            found = facets(library.get(ident))  # as saving it today would work them out
            assert row == (found.service, found.cause, True), ident
        payments = facets(incidents()["disk"]).service
        assert payments is not None
        listed = library.listing(service=payments)
        assert [s.id for s in listed.incidents] == ["disk", "disk-again"]
        assert listed.total == 5
        assert payments in library.facet_values()["service"]
        # Still searchable: the rows' full-text index followed the update.
        assert [h.id for h in library.search("resolvers")] == ["dns"]
    finally:
        library.close()


def test_facets_of_old_rows_are_filled_all_or_none_and_tried_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    library_url = f"sqlite:///{tmp_path / 'library.db'}"
    old_library(library_url)
    real = search_module.facet_columns
    calls: list[str] = []

    def failing_at_the_third(incident: Incident) -> dict[str, object]:
        calls.append(incident.title)
        if len(calls) == 3:
            raise OSError("disk full")
        return real(incident)

    monkeypatch.setattr(search_module, "facet_columns", failing_at_the_third)
    library = Library(library_url)
    try:
        with pytest.raises(OSError, match="disk full"):
            library.listing()
        engine = sa.create_engine(library_url)
        with engine.connect() as connection:
            marked = connection.execute(sa.select(schema.search_docs.c.faceted)).scalars().all()
        engine.dispose()
        assert marked == [False] * 5
        monkeypatch.setattr(search_module, "facet_columns", real)
        assert library.listing().matching == 5  # the same Library, opened again
        assert {row[2] for row in facet_rows(library).values()} == {True}
    finally:
        library.close()


@pytest.mark.parametrize("facet", ["service", "cause"])
def test_a_search_keeps_the_incidents_of_a_service_or_cause(
    library: Library, stocked: dict[str, str], facet: str
) -> None:
    values = {name: getattr(facets(incident), facet) for name, incident in incidents().items()}
    everywhere = {hit.id for hit in library.search("database")}
    assert {stocked["disk"], stocked["disk again"]} <= everywhere
    kept = library.search("database", **{facet: values["disk"]})
    assert {hit.id for hit in kept} == {stocked["disk"], stocked["disk again"]}
    assert library.search("database", **{facet: values["cert"]}) == []
    assert library.search("database", **{facet: "no such " + facet}) == []
