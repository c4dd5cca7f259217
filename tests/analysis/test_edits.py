"""Corrections applied to an incident (analysis/edits.py): each action, undo, the identity
that lets a correction find its event again, and the checks on what a person asks for."""

from __future__ import annotations

import datetime as dt

import pytest

from retroline.analysis.edits import (
    added_target,
    anchors,
    applied,
    describe,
    new_edit,
    parse_instant,
    review,
)
from retroline.errors import NotFoundError, UsageError
from retroline.model import Edit, Event, EventKind, Finding, Incident, Source

NOW = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)


def _at(hhmm: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"2031-04-01T{hhmm}:00+00:00")


def _event(hhmm: str, text: str, line: int, kind: EventKind = EventKind.OTHER) -> Event:
    return Event(
        at=_at(hhmm),
        time_text=hhmm,
        text=text,
        kind=kind,
        source=Source(path="notes.md", line=line),
    )


def incident() -> Incident:
    return Incident(
        title="Queue backlog",
        events=[
            _event("10:00", "consumers stalled", 3),
            _event("10:20", "paged the on-call", 4),
            _event("11:00", "consumers restarted", 5),
        ],
        findings=[
            Finding(code="zone-assumed", message="no zone stated: UTC assumed"),
            Finding(code="order", message="entry 3 is before entry 2"),
        ],
    )


def _made(
    inc: Incident, edits: list[Edit], action: str, target: str | None, value: object = None
) -> Edit:
    """A new edit as the library makes it: checked, then numbered after the others."""
    edit = new_edit(inc, edits, action, target, value, by="ana", now=NOW)
    return edit.model_copy(update={"id": len(edits) + 1})


def _target(inc: Incident, index: int) -> str:
    return anchors(inc.events, "event")[index]


def test_each_event_correction_applies_and_says_so_in_a_note() -> None:
    inc = incident()
    edits: list[Edit] = []
    edits.append(_made(inc, edits, "kind", _target(inc, 0), "impact_start"))
    edits.append(_made(inc, edits, "text", _target(inc, 1), "paged the DBA on-call"))
    edits.append(_made(inc, edits, "time", _target(inc, 2), "2031-04-01 10:50"))
    out = applied(inc, edits)
    assert [e.text for e in out.events] == [
        "consumers stalled",
        "paged the DBA on-call",
        "consumers restarted",
    ]
    assert out.events[0].kind is EventKind.IMPACT_START
    assert out.events[2].at == _at("10:50")
    assert out.events[0].notes == [
        "kind corrected: other → impact start (edit 1, by ana, 2026-01-02T03:04:00Z)"
    ]
    assert edits[1].before == "paged the on-call"
    assert edits[2].before == "2031-04-01T11:00:00Z"
    # The extracted incident is left as it was.
    assert inc.events[0].kind is EventKind.OTHER
    assert [e.applies for e in out.edits] == [True, True, True]


def test_a_time_correction_moves_the_event_into_its_place() -> None:
    inc = incident()
    edit = _made(inc, [], "time", _target(inc, 2), "2031-04-01T09:30:00+02:00")
    out = applied(inc, [edit])
    assert out.events[0].text == "consumers restarted"
    assert out.events[0].at == _at("07:30")  # the offset given is honoured


def test_wrong_events_and_dismissed_findings_leave_the_corrected_incident() -> None:
    inc = incident()
    edits: list[Edit] = []
    edits.append(_made(inc, edits, "wrong", _target(inc, 1)))
    finding = anchors(inc.findings, "finding")
    edits.append(_made(inc, edits, "dismiss", finding[0]))
    edits.append(_made(inc, edits, "accept", finding[1]))
    out = applied(inc, edits)
    assert [e.text for e in out.events] == ["consumers stalled", "consumers restarted"]
    assert [f.code for f in out.findings] == ["order"]
    assert [describe(e) for e in edits] == ["marked wrong", "dismissed", "accepted"]
    with pytest.raises(NotFoundError, match="marked wrong"):
        _made(inc, edits, "text", _target(inc, 1), "anything")
    with pytest.raises(NotFoundError, match="dismissed"):
        _made(inc, edits, "accept", finding[0])


def test_an_added_event_takes_its_place_and_can_be_corrected_in_turn() -> None:
    inc = incident()
    edits: list[Edit] = []
    value = {"at": "2031-04-01 09:55", "kind": "change", "text": "config pushed"}
    edits.append(_made(inc, edits, "add", None, value))
    edits.append(_made(inc, edits, "kind", added_target(1), "impact_start"))
    out = applied(inc, edits)
    first = out.events[0]
    assert (first.text, first.kind, first.at) == (
        "config pushed",
        EventKind.IMPACT_START,
        _at("09:55"),
    )
    assert first.source.path == "edit 1 by ana"
    assert edits[1].before == "change"


def test_undone_edits_stay_listed_and_do_not_apply() -> None:
    inc = incident()
    edit = _made(inc, [], "text", _target(inc, 0), "consumers hung")
    undone = edit.model_copy(update={"undone_at": NOW, "undone_by": "bo"})
    out = applied(inc, [undone])
    assert out.events[0].text == "consumers stalled"
    assert out.edits[0].undone_by == "bo"
    # Once undone, the old value is the current one again: the same edit can be made anew.
    again = _made(inc, [undone], "text", _target(inc, 0), "consumers hung")
    assert again.before == "consumers stalled"


def test_identities_hold_when_the_same_evidence_is_read_again() -> None:
    """The same events, read again (new objects, other instants from another --tz), have
    the same identities; alike entries of one line are told apart by their order."""
    again = incident()
    moved = [e.model_copy(update={"at": _at("23:59")}) for e in again.events]
    assert anchors(incident().events, "event") == anchors(moved, "event")
    twins = [_event("10:00", "a", 7), _event("10:00", "b", 7)]
    assert len(set(anchors(twins, "event"))) == 2


def test_an_edit_whose_event_is_gone_is_kept_and_marked() -> None:
    inc = incident()
    edit = _made(inc, [], "text", _target(inc, 0), "consumers hung")
    changed = inc.model_copy(update={"events": inc.events[1:]})  # the evidence changed
    out = applied(changed, [edit])
    assert [e.text for e in out.events] == ["paged the on-call", "consumers restarted"]
    assert out.edits[0].applies is False


def test_review_names_the_targets_of_the_corrected_incident_in_order() -> None:
    inc = incident()
    edit = _made(inc, [], "time", _target(inc, 2), "2031-04-01 09:00")
    view = review(inc.model_copy(update={"edits": [edit]}))
    assert [t for t, _ in view.events] == [_target(inc, i) for i in (2, 0, 1)]
    data = view.to_json()
    assert data["events"][0]["target"] == _target(inc, 2)
    assert data["events"][0]["at"] == "2031-04-01T09:00:00Z"
    assert data["edits"][0]["after"] == "2031-04-01T09:00:00Z"


@pytest.mark.parametrize(
    ("action", "target", "value", "by", "message"),
    [
        ("rename", 0, None, "ana", "is not one of"),
        ("kind", 0, "outage", "ana", "kind 'outage' is not one of"),
        ("kind", 0, "other", "ana", "already has 'other'"),
        ("text", 0, "   ", "ana", "text: give some text"),
        ("time", 0, "yesterday", "ana", "time 'yesterday'"),
        ("text", 0, "x", "  ", "name: give some text"),
        ("text", 0, "x" * 5000, "ana", "at most 4000"),
        ("add", None, {"at": "2031-04-01 10:00", "text": ""}, "ana", "text: give some text"),
        ("add", None, "10:00 something", "ana", "give the event's time"),
    ],
)
def test_what_a_person_asks_for_is_checked(
    action: str, target: int | None, value: object, by: str, message: str
) -> None:
    inc = incident()
    aim = _target(inc, target) if target is not None else None
    with pytest.raises(UsageError, match=message):
        new_edit(inc, [], action, aim, value, by=by, now=NOW)


def test_unknown_targets_are_not_found() -> None:
    inc = incident()
    with pytest.raises(NotFoundError, match="no event"):
        new_edit(inc, [], "wrong", "event:0000", by="ana", now=NOW)
    with pytest.raises(NotFoundError, match="no finding"):
        new_edit(inc, [], "accept", _target(inc, 0), by="ana", now=NOW)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2031-04-01 10:05", "2031-04-01T10:05:00+00:00"),
        ("2031-04-01T10:05:30Z", "2031-04-01T10:05:30+00:00"),
        ("2031-04-01 12:05 UTC", "2031-04-01T12:05:00+00:00"),
        ("2031-04-01T12:05+02:00", "2031-04-01T10:05:00+00:00"),
    ],
)
def test_typed_instants_are_utc_unless_they_say_otherwise(text: str, expected: str) -> None:
    assert parse_instant(text).isoformat() == expected
