"""Durations from event kinds, each known or unknown with its reason."""

from __future__ import annotations

import datetime as dt

import pytest

from retroline.analysis.durations import durations, human
from retroline.analysis.kinds import classify_event
from retroline.documents import read_document
from retroline.model import Event, EventKind, Incident, Source
from tests.conftest import EXAMPLE, SEEDS


def at(hour: int, minute: int) -> dt.datetime:
    return dt.datetime(2024, 5, 1, hour, minute, tzinfo=dt.UTC)


def event(kind: EventKind, when: dt.datetime) -> Event:
    return Event(at=when, text=kind.value, kind=kind, source=Source(path="pm.md", line=1))


def test_the_four_intervals() -> None:
    incident = Incident(
        title="t",
        events=[
            event(EventKind.IMPACT_START, at(10, 0)),
            event(EventKind.DETECTION, at(10, 12)),
            event(EventKind.ENGAGEMENT, at(10, 20)),
            event(EventKind.MITIGATION, at(11, 5)),
            event(EventKind.RESOLUTION, at(12, 30)),
        ],
    )
    got = {d.name: human(d.value) for d in durations(incident)}
    assert got == {
        "Time to detect": "12 min",
        "Time to engage": "8 min",
        "Time to mitigate": "1 h 5 min",
        "Time to resolve": "2 h 30 min",
    }


def test_unknown_says_why() -> None:
    incident = Incident(title="t", events=[event(EventKind.DETECTION, at(10, 0))])
    detect, *_ = durations(incident)
    assert detect.value is None
    assert detect.unknown_because == "no impact start in the timeline"
    assert human(None) == "unknown"


def test_example_postmortem_durations() -> None:
    incident = read_document(EXAMPLE / "postmortem.md")
    got = {d.name: human(d.value) for d in durations(incident)}
    # 18:02 errors start, 18:09 alert fires, 18:16 Jonas acknowledges, 18:38 rollback starts,
    # 18:49 error rate back to baseline
    assert got == {
        "Time to detect": "7 min",
        "Time to engage": "7 min",
        "Time to mitigate": "36 min",
        "Time to resolve": "47 min",
    }


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not here")
def test_cern_durations_from_its_kinds() -> None:
    incident = read_document(SEEDS / "cern-dbod-voms.txt", tz="Europe/Zurich")
    got = {d.name: human(d.value) for d in durations(incident)}
    assert got["Time to detect"] == "4 h 53 min"  # 05:54 crash, 10:47 team notified


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("Virtual machine dbvrtg4037 hosting 3 databases crashed.", EventKind.IMPACT_START),
        ("DBoD team is notified that there is a problem", EventKind.DETECTION),
        (
            "Ignacio starts investigating the problem and how could be resolved",
            EventKind.ENGAGEMENT,
        ),
        ("Eva restarts the database through the GUI", EventKind.MITIGATION),
        ("Got confirmation that the issue seems to be solved.", EventKind.RESOLUTION),
        ("Rollback complete on all instances; error rate back to baseline.", EventKind.RESOLUTION),
        ("Config change merged and rolled out to payments-api", EventKind.CHANGE),
        ("Eva updates the GGUS ticket asking someone to check", EventKind.COMMUNICATION),
        ("Lunch", EventKind.OTHER),
    ],
)
def test_event_kinds_from_words(text: str, kind: EventKind) -> None:
    assert classify_event(text) is kind
