"""The library's contract, run against every backend (SQLite memory, SQLite file, PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from retroline.documents import read_document
from retroline.errors import AmbiguousIdError, NotFoundError
from retroline.model import (
    ActionItem,
    Document,
    Event,
    Finding,
    Hypothesis,
    Incident,
    Link,
    Precision,
    Section,
    SectionKind,
    Source,
    ZoneSource,
)
from retroline.store import Library, SaveStatus
from tests.conftest import EXAMPLE
from tests.store.old_library import backend_url, migrated_to, old_incident_row


def make_incident(title: str = "Disk full on db-3", sha: str = "a" * 64) -> Incident:
    src = Source(path="pm.md", line=3)
    return Incident(
        title=title,
        document_date=dt.date(2024, 5, 2),
        summary="The disk filled up.",
        documents=[
            Document(path="pm.md", sha256=sha, format="markdown", encoding="utf-8", size=10)
        ],
        events=[
            Event(
                at=dt.datetime(2024, 5, 1, 22, 15, tzinfo=dt.UTC),
                end_at=dt.datetime(2024, 5, 1, 22, 20, tzinfo=dt.UTC),
                date=dt.date(2024, 5, 2),
                precision=Precision.MINUTE,
                time_text="2 May 00:15 CEST",
                zone="CEST",
                zone_source=ZoneSource.EXPLICIT,
                text="Alert fires",
                details=["pager went off"],
                source=src,
            ),
            Event(
                date=dt.date(2024, 5, 3), precision=Precision.DAY, text="Disk replaced", source=src
            ),
        ],
        sections=[
            Section(kind=SectionKind.ROOT_CAUSE, title="Root cause", text="logs", source=src)
        ],
        action_items=[
            ActionItem(text="Rotate logs", owner="ana", status="open", due=dt.date(2024, 6, 1))
        ],
        links=[Link(url="https://tickets/1", text="ticket", source=src)],
        hypotheses=[Hypothesis(text="log storm", explains=["disk full"], unexplained=["at night"])],
        findings=[Finding(code="zone-not-stated", message="UTC assumed", source=src)],
    )


def test_round_trip_keeps_every_field(library: Library) -> None:
    incident = make_incident()
    saved = library.save(incident)
    assert saved.status is SaveStatus.CREATED
    back = library.get(saved.id)
    assert back.model_dump() == incident.model_copy(update={"id": saved.id}).model_dump()
    assert back.events[0].at == dt.datetime(2024, 5, 1, 22, 15, tzinfo=dt.UTC)


def test_same_documents_twice_is_one_incident(library: Library) -> None:
    first = library.save(make_incident())
    second = library.save(make_incident())
    assert second.status is SaveStatus.UNCHANGED
    assert second.id == first.id
    assert [s.id for s in library.summaries()] == [first.id]


def test_two_files_of_the_same_bytes_are_stored_once(library: Library) -> None:
    """Two hosts' identical package lists in one investigation: one document, no error."""
    incident = make_incident()
    twin = incident.documents[0].model_copy(update={"path": "copy/pm.md"})
    incident.documents = [*incident.documents, twin]
    saved = library.save(incident, key="evidence:twins")
    assert saved.status is SaveStatus.CREATED
    assert [d.path for d in library.get(saved.id).documents] == ["pm.md"]
    assert library.save(incident, key="evidence:twins").status is SaveStatus.UNCHANGED


def test_same_key_updates_in_place(library: Library) -> None:
    first = library.save(make_incident(), key="doc:pm")
    newer = make_incident(title="Disk full on db-3 (final)", sha="b" * 64)
    newer.events = newer.events[:1]
    second = library.save(newer, key="doc:pm")
    assert (second.status, second.id) == (SaveStatus.UPDATED, first.id)
    back = library.get(first.id)
    assert back.title == "Disk full on db-3 (final)"
    assert len(back.events) == 1
    assert [d.sha256 for d in back.documents] == ["a" * 64, "b" * 64]


def test_ids_resolve_by_prefix_and_complain_clearly(library: Library) -> None:
    saved = library.save(make_incident())
    assert library.get(saved.id[:4]).id == saved.id
    with pytest.raises(NotFoundError, match="no incident 'zzzz'"):
        library.get("zzzz")
    with pytest.raises(NotFoundError):
        library.get("%")  # LIKE wildcards are taken literally


def test_ambiguous_prefix(library: Library) -> None:
    ids = {library.save(make_incident(title=f"t{i}", sha=f"{i:064x}")).id for i in range(40)}
    shared = next(a[:1] for a in ids for b in ids if a != b and a[0] == b[0])
    with pytest.raises(AmbiguousIdError, match="matches several"):
        library.get(shared)


def test_remove_deletes_everything(library: Library) -> None:
    saved = library.save(make_incident())
    keep = library.save(make_incident(title="other", sha="c" * 64))
    assert library.remove(saved.id[:6]) == saved.id
    assert [s.id for s in library.summaries()] == [keep.id]
    with pytest.raises(NotFoundError):
        library.remove(saved.id)
    # the removed incident's document can be imported again as a new incident
    assert library.save(make_incident()).status is SaveStatus.CREATED


def test_summaries_count_and_span(library: Library) -> None:
    saved = library.save(make_incident())
    (summary,) = library.summaries()
    assert (summary.id, summary.events, summary.documents) == (saved.id, 2, 1)
    assert summary.to_json()["first_at"] == "2024-05-01T22:15:00Z"


def test_example_document_round_trips(library: Library) -> None:
    incident = read_document(EXAMPLE / "postmortem.md")
    saved = library.save(incident)
    assert library.get(saved.id).model_dump(exclude={"id"}) == incident.model_dump(exclude={"id"})


texts = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    title=texts.filter(str.strip),
    text=texts,
    owner=st.none() | texts,
    line=st.none() | st.integers(1, 10**6),
    page=st.none() | st.integers(1, 10**4),
)
def test_any_text_round_trips(
    library: Library, title: str, text: str, owner: str | None, line: int | None, page: int | None
) -> None:
    incident = Incident(
        title=title,
        events=[Event(text=text, source=Source(path=text or "x", line=line, page=page))],
        action_items=[ActionItem(text=text, owner=owner)],
    )
    saved = library.save(incident, key="k:" + title)
    assert library.get(saved.id).model_dump(exclude={"id"}) == incident.model_dump(exclude={"id"})
    library.remove(saved.id)


@pytest.mark.parametrize(
    "backend", ["sqlite-file", pytest.param("postgresql", marks=pytest.mark.postgresql)]
)
def test_a_library_from_before_pages_gains_them(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    """A library last migrated before sources had pages opens, keeps its rows, and stores
    pages from then on."""
    library_url = backend_url(backend, request, tmp_path)
    with migrated_to(library_url, "0005_event_date_sources") as connection:
        old_incident_row(connection, "Old outage", dt.datetime(2024, 1, 1))
        connection.execute(
            text(
                "INSERT INTO events (incident_id, position, precision, time_text, text, kind, "
                "details, source_path, source_line) VALUES ('old1', 0, 'minute', '10:00', "
                "'disk full', 'other', '[]', 'pm.md', 4)"
            )
        )
    library = Library(library_url)
    try:
        assert library.get("old1").events[0].source == Source(path="pm.md", line=4)
        incident = make_incident(sha="c" * 64)
        incident.events[0].source = Source(path="pm.pdf", line=7, page=2)
        saved = library.save(incident)
        assert library.get(saved.id).events[0].source.page == 2
    finally:
        library.close()
