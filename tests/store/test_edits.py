"""Corrections in the library, on every backend: stored beside the extracted values, read
back applied, undone, all or none, kept when the incident is made again from the same
evidence, and a library made before them opens with none."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from retroline.analysis.edits import anchors
from retroline.errors import NotFoundError, UsageError
from retroline.investigation import investigate
from retroline.model import Event, EventKind, Finding, Incident, Source
from retroline.store import Library, SaveStatus
from tests.store.old_library import backend_url, migrated_to, old_incident_row
from tests.test_investigate import FIXED, queue_outage


def _incident() -> Incident:
    at = dt.datetime(2031, 4, 1, 10, 0, tzinfo=dt.UTC)
    return Incident(
        title="Search cluster red",
        events=[
            Event(
                at=at,
                time_text="10:00",
                text="shard allocation failed",
                source=Source(path="red.md", line=4),
            ),
            Event(
                at=at + dt.timedelta(minutes=40),
                time_text="10:40",
                text="replicas back",
                kind=EventKind.RESOLUTION,
                source=Source(path="red.md", line=5),
            ),
        ],
        findings=[Finding(code="zone-assumed", message="no zone: UTC assumed")],
    )


def test_an_edit_is_stored_beside_the_extracted_value(library: Library) -> None:
    ident = library.save(_incident()).id
    target = anchors(_incident().events, "event")[0]
    edit = library.edit(ident, "text", target, "shard allocation failed on node 3", by="ana")
    assert (edit.before, edit.by) == ("shard allocation failed", "ana")
    assert edit.id is not None
    assert edit.at.tzinfo is dt.UTC
    corrected = library.get(ident)
    assert corrected.events[0].text == "shard allocation failed on node 3"
    assert [e.before for e in corrected.edits] == ["shard allocation failed"]
    extracted = library.get(ident, extracted=True)
    assert extracted.events[0].text == "shard allocation failed"
    assert len(extracted.edits) == 1
    # Search reads the incident as corrected.
    assert [h.id for h in library.search("node 3")] == [ident]


def test_undo_keeps_the_edit_and_brings_the_value_back(library: Library) -> None:
    ident = library.save(_incident()).id
    target = anchors(_incident().events, "event")[1]
    edit = library.edit(ident, "kind", target, "mitigation", by="ana")
    assert edit.id is not None
    undone = library.undo_edit(ident, edit.id, by="bo")
    assert undone.undone_by == "bo" and undone.undone_at is not None
    stored = library.get(ident)
    assert stored.events[1].kind is EventKind.RESOLUTION
    assert stored.edits[0].undone_by == "bo"
    with pytest.raises(UsageError, match="already undone by bo"):
        library.undo_edit(ident, edit.id, by="bo")
    with pytest.raises(NotFoundError, match="has no edit 99"):
        library.undo_edit(ident, 99, by="bo")


def test_several_edits_are_stored_all_or_none(library: Library) -> None:
    ident = library.save(_incident()).id
    first, second = anchors(_incident().events, "event")
    with pytest.raises(UsageError, match="kind 'broken'"):
        library.edit_all(
            ident, [("text", first, "shards failed"), ("kind", second, "broken")], by="ana"
        )
    assert library.get(ident, extracted=True).edits == []
    made = library.edit_all(
        ident, [("text", first, "shards failed"), ("wrong", second, None)], by="ana"
    )
    assert [e.action.value for e in made] == ["text", "wrong"]
    assert [e.id for e in library.get(ident).edits] == [e.id for e in made]
    assert [e.text for e in library.get(ident).events] == ["shards failed"]


def test_removing_an_incident_removes_its_edits(library: Library) -> None:
    ident = library.save(_incident()).id
    finding = anchors(_incident().findings, "finding")[0]
    library.edit(ident, "dismiss", finding, by="ana")
    library.remove(ident)
    again = library.save(_incident()).id
    assert library.get(again).edits == []
    assert len(library.get(again).findings) == 1


def test_edits_survive_investigating_the_same_evidence_again(
    library: Library, tmp_path: Path
) -> None:
    evidence = queue_outage(tmp_path / "evidence")
    first = investigate([evidence], library, now=FIXED)
    ident = first.saved.id
    view = library.get(ident, extracted=True)
    targets = dict(zip([e.text for e in view.events], anchors(view.events, "event"), strict=True))
    log_text = next(e.text for e in view.events if e.kind is EventKind.LOG)
    library.edit(ident, "kind", targets["workers stop consuming"], "impact_start", by="ana")
    library.edit(ident, "text", targets[log_text], "the consumers lost the broker", by="ana")
    # Other options: the incident is made again from the same evidence; the edits apply.
    again = investigate([evidence], library, year=2026, now=FIXED)
    assert (again.saved.id, again.saved.status) == (ident, SaveStatus.UPDATED)
    stored = library.get(ident)
    texts = {e.text: e.kind for e in stored.events}
    assert texts["workers stop consuming"] is EventKind.IMPACT_START
    assert "the consumers lost the broker" in texts and log_text not in texts
    assert [e.applies for e in stored.edits] == [True, True]
    # The log changes (its first hour is cut): the log event now comes from another line.
    # Its edit stays on record, marked as not applying; the note's edit still applies.
    log = evidence / "q1.log"
    lines = log.read_text().splitlines(keepends=True)
    log.write_text("".join(lines[60:]))
    changed = investigate([evidence], library, now=FIXED)
    assert changed.saved.id == ident
    stored = library.get(ident)
    assert [e.applies for e in stored.edits] == [True, False]
    assert "the consumers lost the broker" not in {e.text for e in stored.events}


def test_a_library_made_before_edits_opens_with_none(
    request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    url = backend_url("sqlite-file", request, tmp_path)
    when = dt.datetime(2026, 1, 1, 12, 0)
    with migrated_to(url, "0011_listing") as connection:
        old_incident_row(connection, "An old outage", when)
    library = Library(url)
    assert library.get("old1").edits == []
    finding_free = library.get("old1")
    assert finding_free.title == "An old outage"
    with pytest.raises(NotFoundError, match="no event"):
        library.edit("old1", "wrong", "event:0", by="ana")
