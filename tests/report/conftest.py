"""Postmortems to render: a real one (the CERN DBoD seed, fixed id, clock and paths), the
same with more evidence (log lanes, a date-only and an approximate entry), and a hostile one
whose every field carries markup, and some terminal escapes and links a browser would run."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import os
from pathlib import Path

import pytest

from retroline.documents import read_document
from retroline.model import (
    ActionItem,
    DateSource,
    Event,
    EventKind,
    Finding,
    Hypothesis,
    Incident,
    Link,
    Precision,
    Section,
    SectionKind,
    Severity,
    Source,
    ZoneSource,
)
from retroline.report.postmortem import Postmortem, build
from tests.conftest import CONTROL, SEEDS

GOLDEN = Path(__file__).parent / "golden"
CERN = SEEDS / "cern-dbod-voms.txt"
NOW = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
# Where the evidence "lives" in the reports under test: fixed, so goldens do not depend on
# where the repository is checked out.
EVIDENCE = "/srv/evidence/cern-dbod-voms.txt"
HYPERVISOR_LOG = "/srv/evidence/ovm-hv07/xend.log"
NAS_LOG = "/srv/evidence/nas-dbod-02/messages"
# Markup that must stay text: a script, an attribute break-out, a script end, a template.
EVIL = '<script>alert(1)</script> "><img src=x onerror=alert(1)> </script> {{ 7*7 }}'
# Markdown links and an image to what a browser would run: they must stay text.
UNSAFE_LINKS = (
    "[js](javascript:alert(1)) ![img](data:text/html;base64,PHNjcmlwdD4=) "
    "[vb]( vbscript:msgbox(1)) [file](file:///etc/passwd)"
)


def assert_golden(name: str, text: str) -> None:
    """``text`` equals the golden file ``name``; with UPDATE_GOLDEN=1, write it instead."""
    path = GOLDEN / name
    if os.environ.get("UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
        return
    assert path.is_file(), f"{path} is missing: run UPDATE_GOLDEN=1 pytest tests/report"
    expected = path.read_text(encoding="utf-8")
    assert text == expected, (
        f"{name} differs; if the change is intended: UPDATE_GOLDEN=1 pytest tests/report"
    )


def _relocated(incident: Incident, path: str) -> Incident:
    """``incident`` with every reference to its document moved to ``path``."""
    old = json.dumps(incident.documents[0].path)
    return Incident.model_validate_json(incident.model_dump_json().replace(old, json.dumps(path)))


def cern_incident() -> Incident:
    """The CERN DBoD seed read with --tz Europe/Zurich, with a fixed id and source path."""
    if not CERN.is_file():
        pytest.skip("../shared/seeds is not here")
    incident = _relocated(read_document(CERN, tz="Europe/Zurich"), EVIDENCE)
    return incident.model_copy(update={"id": "inc-2014-10-18-dbod"})


@pytest.fixture
def cern_postmortem() -> Postmortem:
    """The report model of the CERN DBoD incident, as of a fixed clock."""
    return build(cern_incident(), now=NOW)


def _log(at: str, text: str, host: str, path: str, line: int, counts: str) -> Event:
    return Event(
        at=dt.datetime.fromisoformat(at),
        precision=Precision.SECOND,
        time_text=at.replace("+00:00", "Z"),
        zone="UTC",
        zone_source=ZoneSource.ASSUMED,
        text=text,
        kind=EventKind.LOG,
        details=[counts, f"hosts: {host}"],
        source=Source(path=path, line=line),
    )


@pytest.fixture
def investigated_postmortem() -> Postmortem:
    """The CERN incident with what an investigation adds (see ``investigated``)."""
    return investigated()


def investigated() -> Postmortem:
    """The CERN incident with what an investigation adds: log patterns from two more hosts
    (with counts over time), an approximate entry and a date-only entry."""
    incident = cern_incident()
    extra = [
        _log(
            "2014-10-18T03:54:52+00:00",
            "Log pattern appeared: domain <*>: device model failure: pid <*>: died due to signal <*>",
            "ovm-hv07",
            HYPERVISOR_LOG,
            4572,
            "0 lines before the onset, 3 after",
        ),
        _log(
            "2014-10-18T03:55:40+00:00",
            "Log pattern spiked: nfs: server <*> not responding, still trying",
            "nas-dbod-02",
            NAS_LOG,
            18211,
            "2 lines before the onset, 311 after",
        ),
        Event(
            at=dt.datetime(2014, 10, 18, 6, 0, tzinfo=dt.UTC),
            precision=Precision.APPROXIMATE,
            time_text="around 8 in the morning",
            zone="Europe/Zurich",
            zone_source=ZoneSource.OPTION,
            text="First user reports of proxy failures on the VOMS mailing list.",
            kind=EventKind.COMMUNICATION,
            source=Source(path=EVIDENCE, line=22),
        ),
        Event(
            date=dt.date(2014, 10, 21),
            precision=Precision.DAY,
            time_text="21 Oct",
            text="Incident report published.",
            kind=EventKind.COMMUNICATION,
            source=Source(path=EVIDENCE, line=3),
        ),
    ]
    pm = build(incident.model_copy(update={"events": incident.events + extra}), now=NOW)
    series = {
        "ovm-hv07": [0, 0, 0, 0, 0, 0, 1, 0, 2, 0, 0, 0],
        "nas-dbod-02": [1, 0, 1, 0, 1, 0, 48, 97, 88, 64, 40, 33],
    }
    rows = [
        dataclasses.replace(r, series=series.get(r.lane)) if r.kind == "log" else r
        for r in pm.timeline
    ]
    return dataclasses.replace(pm, timeline=rows, log_rows=[r for r in rows if r.kind == "log"])


@pytest.fixture
def hostile_postmortem() -> Postmortem:
    """A postmortem whose every string from the evidence carries ``EVIL``."""
    return hostile()


def hostile() -> Postmortem:
    """A postmortem whose every string from the evidence carries ``EVIL``; its title, summary,
    a log line, an owner, a link and a source carry ``CONTROL`` and ``UNSAFE_LINKS`` too."""
    source = Source(path=f"/tmp/{EVIL}/x.log", line=7)
    incident = Incident(
        id=f"id {EVIL}",
        title=f"Title {EVIL} {CONTROL}",
        summary=f"Summary {EVIL} {CONTROL}\n\n[ref]: javascript:alert(1)\n\n[ref] {UNSAFE_LINKS}",
        documents=[],
        events=[
            Event(
                at=dt.datetime(2024, 1, 1, 10, 0, tzinfo=dt.UTC),
                time_text=f"10:00 {EVIL}",
                zone=f"Zone {EVIL}",
                zone_source=ZoneSource.ASSUMED,
                date_source=DateSource.HEADING,
                year_source=DateSource.FILE_NAME,
                notes=[f"Note {EVIL}"],
                text=f"Event {EVIL}\u2028line",
                kind=EventKind.IMPACT_START,
                details=[f"Detail {EVIL}", f"hosts: host {EVIL}"],
                source=source,
            ),
            Event(
                at=dt.datetime(2024, 1, 1, 10, 5, tzinfo=dt.UTC),
                time_text=EVIL,
                text=f"Log | pipe {EVIL} {CONTROL} {UNSAFE_LINKS}",
                kind=EventKind.LOG,
                details=[f"hosts: {EVIL}"],
                source=Source(path=f"relative/{EVIL}", line=3),
            ),
            Event(
                date=dt.date(2024, 1, 2),
                precision=Precision.DAY,
                time_text=f"2 Jan {EVIL}",
                text=f"Day {EVIL}",
                source=Source(path="javascript:alert(1)"),
            ),
        ],
        sections=[
            Section(kind=kind, title=f"Part {EVIL}", text=f"# Heading {EVIL}\n- {EVIL}\n\n{EVIL}")
            for kind in (SectionKind.IMPACT, SectionKind.ROOT_CAUSE, SectionKind.LESSONS)
        ],
        action_items=[
            ActionItem(
                text=f"Action {EVIL}", owner=f"Owner {EVIL} {CONTROL}", status=f"Status {EVIL}"
            ),
            ActionItem(text=f"Orphan {EVIL}", source=source),
        ],
        links=[
            Link(url="javascript:alert(1)", text=f"Link {EVIL}"),
            Link(url=f"https://example.org/?q={EVIL}", text=f"Web {EVIL}"),
            Link(url=f"data:text/html,{CONTROL}", text=f"{UNSAFE_LINKS} {CONTROL}"),
        ],
        hypotheses=[
            Hypothesis(
                text=f"Hypothesis {EVIL}", explains=[f"Fact {EVIL}"], unexplained=[f"Gap {EVIL}"]
            )
        ],
        findings=[
            Finding(
                code="zone-assumed",
                severity=Severity.ERROR,
                message=f"Finding {EVIL}",
                source=source,
            )
        ],
    )
    pm = build(incident, now=NOW)
    rows = [dataclasses.replace(r, series=[1, 5, 2]) for r in pm.timeline]
    return dataclasses.replace(
        pm,
        sources=[f"/tmp/{EVIL}.md", f"/tmp/{CONTROL}.md"],
        timeline=rows,
        log_rows=[r for r in rows if r.kind == "log"],
        lanes=list(dict.fromkeys(r.lane for r in rows)),
    )
