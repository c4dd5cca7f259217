"""Corrections in the web app, in process (httpx over ASGI): the corrections page and its
forms, what each correction does to the incident page, the export and the Markdown report,
undo, and the guards (the name, CSRF, the token, the JSON-only API) and errors.

The library holds the incidents of `tests.web` and one more written here, with findings
(theirs have none). A page is read again after each form's redirect, as a reload would.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from typing import Any

import httpx
import pytest

from retroline import api
from retroline.analysis.edits import anchors
from retroline.model import Event, EventKind, Finding, Incident, Severity, Source, ZoneSource
from retroline.store import Library
from retroline.web.edits import NAME_COOKIE
from retroline.web.security import CSRF_COOKIE
from tests.web import DISK, EVIL, TOKEN, fill_library

pytestmark = pytest.mark.anyio

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
PROBLEM = re.compile(r'<p class="problem" role="alert">(.*?)</p>', re.S)

QUEUE = "Billing queue backlog"
#: The texts of the disk incident's events (tests.web), in time order.
DISK_TEXTS = [
    "postgres on db-2: could not extend file: No space left on device",
    "Disk alert paged the on-call",
    "Old WAL segments removed",
    "Writes back to normal",
]
ZONE = "no zone stated for 10:00: UTC assumed"
ORDER = "entry 3 is written before entry 2"


def _queue() -> Incident:
    """An incident with findings, to accept and dismiss."""

    def event(hhmm: str, text: str, kind: EventKind, line: int) -> Event:
        return Event(
            at=dt.datetime.fromisoformat(f"2025-02-03T{hhmm}:00+00:00"),
            time_text=hhmm,
            zone="UTC",
            zone_source=ZoneSource.EXPLICIT,
            text=text,
            kind=kind,
            source=Source(path="/srv/notes/queue.md", line=line),
        )

    return Incident(
        title=QUEUE,
        document_date=dt.date(2025, 2, 3),
        events=[
            event("10:00", "billing consumers stalled", EventKind.IMPACT_START, 3),
            event("10:30", "consumers restarted", EventKind.RESOLUTION, 4),
        ],
        findings=[
            Finding(code="zone-assumed", severity=Severity.WARNING, message=ZONE),
            Finding(code="order", severity=Severity.INFO, message=ORDER),
        ],
    )


@pytest.fixture
def ids(library: Library) -> dict[str, str]:
    """The ids of the incidents, by title."""
    found = fill_library(library)
    found[QUEUE] = library.save(_queue()).id
    return found


# -- helpers -------------------------------------------------------------------------------


async def _csrf(client: httpx.AsyncClient, ident: str) -> str:
    """Open the corrections page (which sets the CSRF cookie); the token of its forms."""
    r = await client.get(f"/incidents/{ident}/edits")
    assert r.status_code == 200, r.text
    found = CSRF_INPUT.search(r.text)
    assert found is not None
    return found.group(1)


async def _sign_in(client: httpx.AsyncClient, ident: str, name: str = "Ana") -> str:
    """Say who corrects, with the name form; the CSRF token of the page's forms."""
    csrf = await _csrf(client, ident)
    r = await client.post(f"/incidents/{ident}/edits/name", data={"csrf_token": csrf, "name": name})
    assert r.status_code == 303, r.text
    return csrf


async def _review(client: httpx.AsyncClient, ident: str) -> dict[str, Any]:
    r = await client.get(f"/api/incidents/{ident}/edits")
    assert r.status_code == 200, r.text
    data: dict[str, Any] = r.json()
    return data


async def _event_target(client: httpx.AsyncClient, ident: str, text: str) -> dict[str, Any]:
    """The event of the incident (as corrected so far) with this text, with its target."""
    events = (await _review(client, ident))["events"]
    found = [e for e in events if e["text"] == text]
    assert len(found) == 1, events
    return found[0]


async def _post(
    client: httpx.AsyncClient, ident: str, csrf: str, path: str = "", **fields: str
) -> httpx.Response:
    """Post a form of the corrections page, with its CSRF token."""
    return await client.post(f"/incidents/{ident}/edits{path}", data={"csrf_token": csrf, **fields})


def _section(page: str, name: str) -> str:
    """The ``<section id=NAME>`` of a page, or "" when the page has none."""
    found = re.search(rf'<section id="{name}"[^>]*>.*?</section>', page, re.S)
    return found.group(0) if found else ""


def _timeline_texts(page: str) -> list[str]:
    """The texts of the incident page's timeline table, in its order."""
    table = re.search(r'<table class="timeline">.*?</table>', page, re.S)
    assert table is not None
    return [html.unescape(t) for t in re.findall(r'<td class="text">([^<]*)', table.group(0))]


def _problem(r: httpx.Response) -> str:
    """The one-line message of an error page."""
    assert r.headers["content-type"].startswith("text/html")
    found = PROBLEM.search(r.text)
    assert found is not None, r.text
    return html.unescape(found.group(1))


def _markdown(library: Library, ident: str) -> str:
    return api.render(library.get(ident), "md")


def _corrections_md(library: Library, ident: str) -> list[str]:
    """The rows of the Markdown report's Corrections table."""
    text = _markdown(library, ident)
    assert "## Corrections" in text
    part = text.split("## Corrections", 1)[1].split("\n## ", 1)[0]
    return [line for line in part.splitlines() if re.match(r"\| \d+ \|", line)]


def _stored(library: Library, ident: str) -> list[Any]:
    return library.get(ident, extracted=True).edits


# -- the page and who corrects -------------------------------------------------------------


async def test_the_incident_page_links_to_its_corrections(
    client: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    page = (await client.get(f"/incidents/{ids[DISK]}")).text
    assert f'<a href="/incidents/{ids[DISK]}/edits">Correct this incident</a>' in page
    assert 'id="corrections"' not in page  # nothing corrected yet


async def test_the_corrections_page_lists_the_events_with_their_forms(
    client: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    ident = ids[DISK]
    await _sign_in(client, ident)
    r = await client.get(f"/incidents/{ident}/edits")
    assert r.status_code == 200
    page = r.text
    review = await _review(client, ident)
    assert [e["text"] for e in review["events"]] == DISK_TEXTS
    events = _section(page, "events")
    for event in review["events"]:
        target = event["target"]
        assert target.startswith("event:")
        row = re.search(rf'<tr id="{target.replace(":", "-")}">.*?</tr>', events, re.S)
        assert row is not None, target
        assert f">{event['text']}</textarea>" in row.group(0)
        assert f'name="target" value="{target}"' in row.group(0)
        assert 'name="form" value="event"' in row.group(0)
        assert 'name="form" value="wrong"' in row.group(0)
        assert 'name="kind"' in row.group(0) and 'name="time"' in row.group(0)
    assert 'value="2024-03-01 09:58:00"' in events  # the time, in UTC, ready to edit
    assert '<option value="impact_start" selected>' in events
    assert events.count("Mark wrong") == 4
    assert 'name="form" value="add"' in events
    assert page.count("<form ") == page.count('name="csrf_token"') == 1 + 2 * 4 + 1
    assert "No corrections yet." in page
    assert "recorded as made by <strong>Ana</strong>" in page
    assert f'href="/incidents/{ident}"' in page  # back to the incident


async def test_without_a_name_the_forms_are_absent_and_an_edit_is_refused(
    client: httpx.AsyncClient, library: Library, ids: dict[str, str]
) -> None:
    ident = ids[DISK]
    csrf = await _csrf(client, ident)
    page = (await client.get(f"/incidents/{ident}/edits")).text
    assert NAME_COOKIE not in client.cookies
    assert 'name="form"' not in page and "Mark wrong" not in page
    assert 'action="/incidents/' + ident + '/edits/name"' in page  # only the name form
    assert "Say who you are to correct this incident" in page
    assert "Start correcting" in page
    target = (await _event_target(client, ident, DISK_TEXTS[1]))["target"]
    r = await _post(client, ident, csrf, form="event", target=target, text="Paged the DBA")
    assert r.status_code == 400
    assert _problem(r) == "say who you are first (the name form at the top of the page)"
    added = await _post(
        client, ident, csrf, form="add", time="2024-03-01 10:10", text="bridge opened"
    )
    assert added.status_code == 400
    assert _stored(library, ident) == []
    # Undo asks for the name too.
    library.edit(ident, "wrong", target, by="Bo")
    undo = await _post(client, ident, csrf, path="/1/undo")
    assert undo.status_code == 400 and "say who you are first" in _problem(undo)
    assert _stored(library, ident)[0].undone_at is None


async def test_the_name_form_sets_a_strict_cookie_and_goes_back(
    client: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    ident = ids[DISK]
    csrf = await _csrf(client, ident)
    r = await _post(client, ident, csrf, path="/name", name="  Ana   Lima ")
    assert r.status_code == 303
    assert r.headers["location"] == f"/incidents/{ident}/edits"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{NAME_COOKIE}=Ana%20Lima;")
    assert "HttpOnly" in cookie
    assert "samesite=strict" in cookie.lower()
    assert "Path=/" in cookie
    page = (await client.get(r.headers["location"])).text
    assert 'name="name" type="text" maxlength="100" value="Ana Lima"' in page
    assert 'name="form" value="event"' in page and "Change</button>" in page
    for bad in ("", "   ", "x" * 101):
        refused = await _post(client, ident, csrf, path="/name", name=bad)
        assert refused.status_code == 400
        assert _problem(refused) == "name: give your name, at most 100 characters"
        assert NAME_COOKIE not in refused.headers.get("set-cookie", "")


# -- each correction, on the page, in the export, in the report ----------------------------


async def test_the_event_form_stores_only_the_fields_that_changed(
    client: httpx.AsyncClient, library: Library, ids: dict[str, str]
) -> None:
    ident = ids[DISK]
    csrf = await _sign_in(client, ident)
    target = (await _event_target(client, ident, DISK_TEXTS[1]))["target"]
    # A browser sends every field of the row: kind, time and text, changed or not.
    r = await _post(
        client,
        ident,
        csrf,
        form="event",
        target=target,
        kind="engagement",
        time="2024-03-01 10:50",
        text="Disk alert paged the DBA on-call",
        reason="the pager log says so",
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/incidents/{ident}/edits#edit-3"
    stored = _stored(library, ident)
    assert [(e.id, e.action.value, e.before, e.after) for e in stored] == [
        (1, "kind", "detection", "engagement"),
        (2, "time", "2024-03-01T10:05:00Z", "2024-03-01T10:50:00Z"),
        (3, "text", "Disk alert paged the on-call", "Disk alert paged the DBA on-call"),
    ]
    assert {e.by for e in stored} == {"Ana"}
    assert {e.reason for e in stored} == {"the pager log says so"}
    assert {e.subject for e in stored} == {"Disk alert paged the on-call"}
    # The extracted values stay as they were, beside the edits.
    extracted = library.get(ident, extracted=True).events[1]
    assert (extracted.text, extracted.kind) == ("Disk alert paged the on-call", EventKind.DETECTION)

    # Only the text changes now: the same kind and time sent again make no edit.
    again = await _post(
        client,
        ident,
        csrf,
        form="event",
        target=target,
        kind="engagement",
        time="2024-03-01 10:50:00",
        text="Disk alert paged the DBA",
    )
    assert again.status_code == 303
    assert [e.action.value for e in _stored(library, ident)] == ["kind", "time", "text", "text"]

    # The incident page, as a reload shows it: the event corrected and moved in time.
    page = (await client.get(f"/incidents/{ident}")).text
    assert _timeline_texts(page) == [
        DISK_TEXTS[0],
        DISK_TEXTS[2],
        "Disk alert paged the DBA",
        DISK_TEXTS[3],
    ]
    timeline = _section(page, "timeline")
    assert "2024-03-01 10:50" in timeline
    assert "kind corrected: detection → engagement (edit 1, by Ana" in timeline
    assert "time corrected: 2024-03-01T10:05:00Z → 2024-03-01T10:50:00Z (edit 2" in timeline
    corrections = _section(page, "corrections")
    assert corrections, "the incident page has no Corrections section"
    assert '<a href="#corrections">Corrections</a>' in page
    assert "kind corrected: detection → engagement" in corrections
    assert "text corrected (was: Disk alert paged the on-call)" in corrections
    assert "the pager log says so" in corrections
    assert corrections.count("<td>Ana</td>") == 4 and corrections.count("in force") == 4

    # The export: the corrected values, and every edit with before, after, who and when.
    data = (await client.get(f"/api/incidents/{ident}")).json()
    moved = next(e for e in data["events"] if e["text"] == "Disk alert paged the DBA")
    assert moved["kind"] == "engagement" and moved["at"] == "2024-03-01T10:50:00Z"
    assert [e["text"] for e in data["events"]] == _timeline_texts(page)
    edits = data["edits"]
    assert [(e["action"], e["before"], e["after"], e["by"]) for e in edits] == [
        ("kind", "detection", "engagement", "Ana"),
        ("time", "2024-03-01T10:05:00Z", "2024-03-01T10:50:00Z", "Ana"),
        ("text", "Disk alert paged the on-call", "Disk alert paged the DBA on-call", "Ana"),
        ("text", "Disk alert paged the DBA on-call", "Disk alert paged the DBA", "Ana"),
    ]
    for edit in edits:
        assert dt.datetime.fromisoformat(edit["at"]).tzinfo is not None
        assert edit["target"] == target and edit["undone_at"] is None and edit["applies"]

    # The Markdown report has the Corrections table.
    rows = _corrections_md(library, ident)
    assert len(rows) == 4
    assert rows[0].startswith(
        "| 1 | kind corrected: detection → engagement<br>_the pager log says so_ "
        "| Disk alert paged the on-call | Ana |"
    )
    assert rows[0].endswith("| in force |")
    assert "Disk alert paged the DBA" in _markdown(library, ident).split("## Corrections")[0]


async def test_marking_an_event_wrong_takes_it_out_of_the_incident(
    client: httpx.AsyncClient, library: Library, ids: dict[str, str]
) -> None:
    ident = ids[DISK]
    csrf = await _sign_in(client, ident)
    target = (await _event_target(client, ident, DISK_TEXTS[2]))["target"]
    r = await _post(client, ident, csrf, form="wrong", target=target)
    assert r.status_code == 303 and r.headers["location"].endswith("#edit-1")
    stored = _stored(library, ident)
    assert [(e.action.value, e.target, e.before, e.after) for e in stored] == [
        ("wrong", target, False, True)
    ]
    page = (await client.get(f"/incidents/{ident}")).text
    assert _timeline_texts(page) == [DISK_TEXTS[0], DISK_TEXTS[1], DISK_TEXTS[3]]
    assert DISK_TEXTS[2] not in _section(page, "timeline")
    assert "marked wrong" in _section(page, "corrections")
    assert DISK_TEXTS[2] in _section(page, "corrections")  # what the edit was about
    data = (await client.get(f"/api/incidents/{ident}")).json()
    assert DISK_TEXTS[2] not in [e["text"] for e in data["events"]]
    assert data["edits"][0]["action"] == "wrong" and data["edits"][0]["by"] == "Ana"
    # The corrections page no longer offers it; marking it wrong again finds nothing.
    edits_page = (await client.get(f"/incidents/{ident}/edits")).text
    assert DISK_TEXTS[0] in _section(edits_page, "events")
    assert f'value="{target}"' not in _section(edits_page, "events")
    twice = await _post(client, ident, csrf, form="wrong", target=target)
    assert twice.status_code == 404
    assert len(_stored(library, ident)) == 1
    assert "| marked wrong | Old WAL segments removed | Ana |" in _corrections_md(library, ident)[0]
    # Still in the extracted incident.
    assert DISK_TEXTS[2] in [e.text for e in library.get(ident, extracted=True).events]


async def test_an_added_event_takes_its_place_in_time(
    client: httpx.AsyncClient, library: Library, ids: dict[str, str]
) -> None:
    ident = ids[DISK]
    csrf = await _sign_in(client, ident)
    r = await _post(
        client,
        ident,
        csrf,
        form="add",
        time="2024-03-01 10:20",
        kind="engagement",
        text="DBA joined the bridge",
        reason="from the chat",
    )
    assert r.status_code == 303 and r.headers["location"].endswith("#edit-1")
    (edit,) = _stored(library, ident)
    assert edit.action.value == "add" and edit.target is None and edit.before is None
    assert edit.after == {
        "at": "2024-03-01T10:20:00Z",
        "kind": "engagement",
        "text": "DBA joined the bridge",
    }
    page = (await client.get(f"/incidents/{ident}")).text
    texts = _timeline_texts(page)
    assert texts == [DISK_TEXTS[0], DISK_TEXTS[1], "DBA joined the bridge", *DISK_TEXTS[2:]]
    assert "edit 1 by Ana" in _section(page, "timeline")  # its source names the edit
    assert "added" in _section(page, "corrections")
    data = (await client.get(f"/api/incidents/{ident}")).json()
    added = data["events"][2]
    assert added["text"] == "DBA joined the bridge" and added["kind"] == "engagement"
    assert added["at"] == "2024-03-01T10:20:00Z"
    assert added["source"]["path"] == "edit 1 by Ana"
    assert data["edits"][0]["after"]["text"] == "DBA joined the bridge"
    # The added event can be corrected in its turn, by the target the page gives it.
    review = await _review(client, ident)
    assert review["events"][2]["target"] == "added:1"
    kind = await _post(
        client,
        ident,
        csrf,
        form="event",
        target="added:1",
        kind="mitigation",
        time="2024-03-01 10:20",
        text="DBA joined the bridge",
    )
    assert kind.status_code == 303
    assert (await client.get(f"/api/incidents/{ident}")).json()["events"][2]["kind"] == "mitigation"
    assert (
        "| added<br>_from the chat_ | DBA joined the bridge | Ana |"
        in (_corrections_md(library, ident)[0])
    )
    assert len(library.get(ident, extracted=True).events) == 4


async def test_findings_are_accepted_and_dismissed(
    client: httpx.AsyncClient, library: Library, ids: dict[str, str]
) -> None:
    ident = ids[QUEUE]
    csrf = await _sign_in(client, ident)
    review = await _review(client, ident)
    assert [f["message"] for f in review["findings"]] == [ZONE, ORDER]
    zone, order = (f["target"] for f in review["findings"])
    assert zone.startswith("finding:") and order.startswith("finding:")
    edits_page = (await client.get(f"/incidents/{ident}/edits")).text
    assert 'name="verdict" value="accept"' in edits_page
    assert 'name="verdict" value="dismiss"' in edits_page

    accepted = await _post(client, ident, csrf, form="finding", target=zone, verdict="accept")
    dismissed = await _post(client, ident, csrf, form="finding", target=order, verdict="dismiss")
    assert accepted.status_code == dismissed.status_code == 303
    assert [(e.action.value, e.before, e.after) for e in _stored(library, ident)] == [
        ("accept", None, "accept"),
        ("dismiss", None, "dismiss"),
    ]
    page = (await client.get(f"/incidents/{ident}")).text
    findings = _section(page, "findings")
    assert ZONE in findings and ORDER not in findings
    corrections = _section(page, "corrections")
    assert "accepted" in corrections and "dismissed" in corrections and ORDER in corrections
    data = (await client.get(f"/api/incidents/{ident}")).json()
    assert [f["message"] for f in data["findings"]] == [ZONE]
    assert [(e["action"], e["subject"], e["by"]) for e in data["edits"]] == [
        ("accept", ZONE, "Ana"),
        ("dismiss", ORDER, "Ana"),
    ]
    assert [f["message"] for f in (await _review(client, ident))["findings"]] == [ZONE]
    rows = _corrections_md(library, ident)
    assert f"| accepted | {ZONE} | Ana |" in rows[0]
    assert f"| dismissed | {ORDER} | Ana |" in rows[1]
    markdown = _markdown(library, ident)
    assert ORDER not in markdown.split("## Corrections")[0]

    # Accepting twice says so; a dismissed finding is gone for further verdicts.
    again = await _post(client, ident, csrf, form="finding", target=zone, verdict="accept")
    assert again.status_code == 400 and "already accepted" in _problem(again)
    gone = await _post(client, ident, csrf, form="finding", target=order, verdict="accept")
    assert gone.status_code == 404
    assert len(_stored(library, ident)) == 2


async def test_undo_puts_the_value_back_and_keeps_the_edit(
    client: httpx.AsyncClient, library: Library, ids: dict[str, str]
) -> None:
    ident = ids[DISK]
    csrf = await _sign_in(client, ident)
    target = (await _event_target(client, ident, DISK_TEXTS[3]))["target"]
    await _post(
        client,
        ident,
        csrf,
        form="event",
        target=target,
        kind="resolution",
        time="2024-03-01 11:02",
        text="Writes resumed on db-2",
    )
    assert "Writes resumed on db-2" in _timeline_texts(
        (await client.get(f"/incidents/{ident}")).text
    )
    # Someone else takes it back.
    await _sign_in(client, ident, "Bo")
    r = await _post(client, ident, csrf, path="/1/undo")
    assert r.status_code == 303
    assert r.headers["location"] == f"/incidents/{ident}/edits#edit-1"
    (edit,) = _stored(library, ident)
    assert edit.undone_by == "Bo" and edit.undone_at is not None and edit.by == "Ana"

    page = (await client.get(f"/incidents/{ident}")).text
    assert _timeline_texts(page) == DISK_TEXTS
    corrections = _section(page, "corrections")
    assert "text corrected (was: Writes back to normal)" in corrections
    assert "undone by Bo" in corrections and "in force" not in corrections
    assert "Writes resumed on db-2" not in _section(page, "timeline")

    edits_page = (await client.get(f"/incidents/{ident}/edits")).text
    row = re.search(r'<tr id="edit-1" class="muted">.*?</tr>', edits_page, re.S)
    assert row is not None
    assert "undone by Bo" in row.group(0) and "<td>Ana</td>" in row.group(0)
    assert "Undo</button>" not in row.group(0)
    assert ">Writes back to normal</textarea>" in edits_page

    data = (await client.get(f"/api/incidents/{ident}")).json()
    assert data["events"][3]["text"] == "Writes back to normal"
    (listed,) = data["edits"]
    assert listed["undone_by"] == "Bo" and listed["undone_at"].endswith("Z")
    assert listed["before"] == "Writes back to normal"
    assert listed["after"] == "Writes resumed on db-2"
    assert _corrections_md(library, ident)[0].endswith(
        f"| undone by Bo, {listed['undone_at'][:16].replace('T', ' ')} |"
    )

    twice = await _post(client, ident, csrf, path="/1/undo")
    assert twice.status_code == 400
    assert _problem(twice).startswith("edit 1 was already undone by Bo at ")
    api_twice = await client.post(f"/api/incidents/{ident}/edits/1/undo", json={"by": "Cy"})
    assert api_twice.status_code == 400
    assert api_twice.json()["error"].startswith("edit 1 was already undone by Bo")
    assert _stored(library, ident)[0].undone_by == "Bo"


async def test_a_correction_survives_the_incident_made_again_from_the_same_evidence(
    client: httpx.AsyncClient, library: Library, ids: dict[str, str]
) -> None:
    ident = ids[DISK]
    csrf = await _sign_in(client, ident)
    extracted = library.get(ident, extracted=True)
    target = (await _event_target(client, ident, DISK_TEXTS[1]))["target"]
    await _post(
        client,
        ident,
        csrf,
        form="event",
        target=target,
        kind="detection",
        time="2024-03-01 10:05",
        text="Disk alert paged Ana",
    )
    library.replace(ident, extracted.model_copy(update={"edits": []}))
    page = (await client.get(f"/incidents/{ident}")).text
    assert "Disk alert paged Ana" in _timeline_texts(page)
    assert "in force" in _section(page, "corrections")
    # The evidence changed: the event's line is another one, the edit no longer applies.
    moved = [
        e.model_copy(update={"source": Source(path=e.source.path, line=40 + i)})
        for i, e in enumerate(extracted.events)
        if e.source is not None
    ]
    library.replace(ident, extracted.model_copy(update={"events": moved, "edits": []}))
    page = (await client.get(f"/incidents/{ident}")).text
    assert _timeline_texts(page) == DISK_TEXTS
    assert "no longer applies" in _section(page, "corrections")
    assert (await client.get(f"/api/incidents/{ident}")).json()["edits"][0]["applies"] is False
    edits_page = (await client.get(f"/incidents/{ident}/edits")).text
    assert "no longer applies" in _section(edits_page, "corrections")


# -- CSRF, the token, and the JSON-only API ------------------------------------------------


FORM_ROUTES = [
    ("", {"form": "wrong", "target": "{target}"}),
    ("", {"form": "add", "time": "2024-03-01 10:10", "kind": "other", "text": "x"}),
    ("/1/undo", {}),
    ("/name", {"name": "Mallory"}),
]


@pytest.mark.parametrize("token", [None, "wrong", "planted"])
@pytest.mark.parametrize(("path", "fields"), FORM_ROUTES)
async def test_a_form_without_its_csrf_token_is_a_403_and_stores_nothing(
    client: httpx.AsyncClient,
    library: Library,
    ids: dict[str, str],
    path: str,
    fields: dict[str, str],
    token: str | None,
) -> None:
    ident = ids[DISK]
    csrf = await _sign_in(client, ident)
    target = (await _event_target(client, ident, DISK_TEXTS[0]))["target"]
    made = library.edit(ident, "text", target, "edited before", by="Bo")
    assert made.id == 1
    data = {k: v.format(target=target) for k, v in fields.items()}
    if token == "wrong":
        data["csrf_token"] = csrf[:-2] + ("00" if not csrf.endswith("00") else "11")
    elif token == "planted":  # another site sets the cookie and posts the same value
        client.cookies.set(CSRF_COOKIE, "chosen.0000")
        data["csrf_token"] = "chosen.0000"
    r = await client.post(f"/incidents/{ident}/edits{path}", data=data)
    assert r.status_code == 403
    assert "security token" in _problem(r)
    stored = _stored(library, ident)
    assert [(e.id, e.action.value, e.undone_at) for e in stored] == [(1, "text", None)]
    assert NAME_COOKIE not in r.headers.get("set-cookie", "")


async def test_the_forms_work_with_their_csrf_token(
    client: httpx.AsyncClient, library: Library, ids: dict[str, str]
) -> None:
    """The counterpart of the 403s: the same forms with the token are taken."""
    ident = ids[DISK]
    csrf = await _sign_in(client, ident)
    target = (await _event_target(client, ident, DISK_TEXTS[0]))["target"]
    library.edit(ident, "text", target, "edited before", by="Bo")
    for path, fields in FORM_ROUTES:
        data = {k: v.format(target=target) for k, v in fields.items()}
        r = await _post(client, ident, csrf, path=path, **data)
        assert r.status_code == 303, (path, r.text)
    assert [e.action.value for e in _stored(library, ident)] == ["text", "wrong", "add"]
    assert _stored(library, ident)[0].undone_by == "Ana"


@pytest.mark.parametrize(
    ("content_type", "body"),
    [
        ("text/plain", '{"action": "wrong", "target": "{target}", "by": "Mallory"}'),
        ("application/x-www-form-urlencoded", "action=wrong&target={target}&by=Mallory"),
        ("multipart/form-data; boundary=x", ""),
    ],
)
async def test_the_json_api_takes_json_only(
    client: httpx.AsyncClient,
    library: Library,
    ids: dict[str, str],
    content_type: str,
    body: str,
) -> None:
    """What a page of another site can post without asking first (a "simple" request)
    is refused: a correction comes as application/json only."""
    ident = ids[DISK]
    target = (await _event_target(client, ident, DISK_TEXTS[0]))["target"]
    if content_type.startswith("multipart"):
        body = (
            f'--x\r\nContent-Disposition: form-data; name="action"\r\n\r\nwrong\r\n'
            f'--x\r\nContent-Disposition: form-data; name="target"\r\n\r\n{target}\r\n'
            f'--x\r\nContent-Disposition: form-data; name="by"\r\n\r\nMallory\r\n--x--\r\n'
        )
    r = await client.post(
        f"/api/incidents/{ident}/edits",
        content=body.replace("{target}", target),
        headers={"content-type": content_type},
    )
    assert 400 <= r.status_code < 500
    assert "error" in r.json()
    library.edit(ident, "text", target, "edited", by="Bo")
    undo = await client.post(
        f"/api/incidents/{ident}/edits/1/undo",
        content='{"by": "Mallory"}' if content_type == "text/plain" else "by=Mallory",
        headers={"content-type": content_type},
    )
    assert 400 <= undo.status_code < 500
    assert [(e.by, e.undone_at) for e in _stored(library, ident)] == [("Bo", None)]


async def test_the_json_leaves_nothing_a_terminal_acts_on(
    client: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    """A text with a bidi override and a C1 control comes back escaped in the JSON, as
    every other JSON of the program: the same value to a parser, nothing live on a
    terminal that prints it."""
    ident = ids[DISK]
    target = (await _event_target(client, ident, DISK_TEXTS[0]))["target"]
    text = "paged \u202eno-call\u202c \u009b31m"
    made = await client.post(
        f"/api/incidents/{ident}/edits",
        json={"action": "text", "target": target, "value": text, "by": "Bo\u009b"},
    )
    assert made.status_code == 201, made.text
    undone = await client.post(f"/api/incidents/{ident}/edits/1/undo", json={"by": "Bo"})
    listed = await client.get(f"/api/incidents/{ident}/edits")
    for answer in (made, undone, listed):
        raw = answer.content.decode("utf-8")
        assert not any(c in raw for c in "\u202e\u202c\u009b"), raw
        assert "\\u202e" in raw or "\\u009b" in raw
    assert made.json()["after"] == text


async def test_with_a_token_the_corrections_need_it(
    guarded: httpx.AsyncClient, library: Library, ids: dict[str, str]
) -> None:
    ident = ids[DISK]
    first = anchors(library.get(ident, extracted=True).events, "event")[0]
    page = await guarded.get(f"/incidents/{ident}/edits")
    assert page.status_code == 401
    assert '<form method="post" action="/login">' in page.text
    posted = await guarded.post(
        f"/incidents/{ident}/edits", data={"form": "wrong", "target": first}
    )
    assert posted.status_code == 401
    undo = await guarded.post(f"/incidents/{ident}/edits/1/undo")
    assert undo.status_code == 401
    listed = await guarded.get(f"/api/incidents/{ident}/edits")
    assert listed.status_code == 401 and "Authorization: Bearer" in listed.json()["error"]
    body = {"action": "wrong", "target": first, "by": "Mallory"}
    created = await guarded.post(f"/api/incidents/{ident}/edits", json=body)
    assert created.status_code == 401
    api_undo = await guarded.post(f"/api/incidents/{ident}/edits/1/undo", json={"by": "M"})
    assert api_undo.status_code == 401
    assert _stored(library, ident) == []
    # With the token, the same request is taken.
    bearer = {"authorization": f"Bearer {TOKEN}"}
    ok = await guarded.post(f"/api/incidents/{ident}/edits", json=body, headers=bearer)
    assert ok.status_code == 201
    assert [e.by for e in _stored(library, ident)] == ["Mallory"]


# -- errors --------------------------------------------------------------------------------

NO_INCIDENT = "no incident 'ffffffffffff' in the library (see 'retroline list')"


@pytest.mark.parametrize(
    ("method", "path", "json_body"),
    [
        ("GET", "/incidents/ffffffffffff/edits", False),
        ("POST", "/incidents/ffffffffffff/edits", False),
        ("POST", "/incidents/ffffffffffff/edits/1/undo", False),
        ("GET", "/api/incidents/ffffffffffff/edits", True),
        ("POST", "/api/incidents/ffffffffffff/edits", True),
        ("POST", "/api/incidents/ffffffffffff/edits/1/undo", True),
    ],
)
async def test_an_unknown_incident_is_a_404(
    client: httpx.AsyncClient, ids: dict[str, str], method: str, path: str, json_body: bool
) -> None:
    csrf = await _sign_in(client, ids[DISK])
    if json_body:
        body = {"action": "add", "value": {"at": "2024-01-01 10:00", "text": "x"}, "by": "Ana"}
        if path.endswith("/undo"):
            body = {"by": "Ana"}
        r = await client.request(method, path, json=body if method == "POST" else None)
        assert r.status_code == 404
        assert r.json() == {"error": NO_INCIDENT}
    else:
        data = {"csrf_token": csrf, "form": "add", "time": "2024-01-01 10:00", "text": "x"}
        r = await client.request(method, path, data=data if method == "POST" else None)
        assert r.status_code == 404
        assert _problem(r) == NO_INCIDENT
        assert "Error 404" in r.text


async def test_an_unknown_edit_is_a_404(client: httpx.AsyncClient, ids: dict[str, str]) -> None:
    ident = ids[DISK]
    csrf = await _sign_in(client, ident)
    page = await _post(client, ident, csrf, path="/7/undo")
    data = await client.post(f"/api/incidents/{ident}/edits/7/undo", json={"by": "Ana"})
    assert page.status_code == data.status_code == 404
    assert _problem(page) == data.json()["error"] == f"incident {ident} has no edit 7"


@pytest.mark.parametrize(
    ("fields", "body"),
    [
        pytest.param(
            {"form": "wrong", "target": "event:0000"},
            {"action": "wrong", "target": "event:0000"},
            id="wrong",
        ),
        pytest.param(
            {"form": "event", "target": "event:0000", "kind": "detection", "text": "x"},
            {"action": "kind", "target": "event:0000", "value": "detection"},
            id="event-form",
        ),
        pytest.param(
            {"form": "finding", "target": "finding:0000", "verdict": "dismiss"},
            {"action": "dismiss", "target": "finding:0000"},
            id="finding",
        ),
    ],
)
async def test_an_unknown_target_is_a_404(
    client: httpx.AsyncClient,
    library: Library,
    ids: dict[str, str],
    fields: dict[str, str],
    body: dict[str, str],
) -> None:
    ident = ids[QUEUE]
    csrf = await _sign_in(client, ident)
    data = await client.post(f"/api/incidents/{ident}/edits", json={**body, "by": "Ana"})
    assert data.status_code == 404
    assert body["target"] in data.json()["error"]
    page = await _post(client, ident, csrf, **fields)
    assert page.status_code == 404
    assert fields["target"] in _problem(page)
    assert _stored(library, ident) == []


# Each: the event form's fields, the JSON body, and what the message must say.
BAD = [
    pytest.param(
        {"kind": "colour"},
        {"action": "kind", "value": "colour"},
        "kind 'colour' is not one of: other, impact_start, detection",
        id="kind",
    ),
    pytest.param(
        {"time": "yesterday at ten"},
        {"action": "time", "value": "yesterday at ten"},
        "time 'yesterday at ten': give it as YYYY-MM-DD HH:MM[:SS] in UTC",
        id="time",
    ),
    pytest.param(
        {"time": "2024-02-30 10:00"},
        {"action": "time", "value": "2024-02-30 10:00"},
        "time '2024-02-30 10:00'",
        id="no-such-day",
    ),
    pytest.param(
        {"form": "add", "time": "2024-03-01 10:10", "text": "   "},
        {"action": "text", "value": "   "},
        "text: give some text",
        id="empty-text",
    ),
    pytest.param(
        {"form": "add", "time": "2024-03-01 10:10", "text": "x" * 4001},
        {"action": "text", "value": "x" * 4001},
        "text: at most 4000 characters (this is 4001)",
        id="long-text",
    ),
    pytest.param(
        {"form": "add", "time": "", "text": "bridge opened"},
        {"action": "add", "value": {"at": "", "text": "bridge opened"}},
        "time '': give it as YYYY-MM-DD",
        id="add-without-time",
    ),
    pytest.param(
        {},
        {"action": "kind", "value": "detection"},
        "",  # the page: nothing changed; the API: the event already has it
        id="same-value",
    ),
    pytest.param(
        {"text": "  Disk alert paged the on-call  "},
        {"action": "text", "value": "Disk alert paged the on-call"},
        "",
        id="same-text",
    ),
    pytest.param(
        {"time": "2024-03-01T12:05:00+02:00"},
        {"action": "time", "value": "2024-03-01T10:05:00Z"},
        "",
        id="same-time",
    ),
]


@pytest.mark.parametrize(("fields", "body", "said"), BAD)
async def test_a_bad_correction_is_a_400_saying_what(
    client: httpx.AsyncClient,
    library: Library,
    ids: dict[str, str],
    fields: dict[str, str],
    body: dict[str, Any],
    said: str,
) -> None:
    ident = ids[DISK]
    csrf = await _sign_in(client, ident)
    event = await _event_target(client, ident, DISK_TEXTS[1])
    # The event form as a browser sends it: every field, the one to check changed.
    form = {
        "form": "event",
        "target": event["target"],
        "kind": event["kind"],
        "time": "2024-03-01 10:05:00",
        "text": event["text"],
        **fields,
    }
    page = await _post(client, ident, csrf, **form)
    assert page.status_code == 400, page.text
    assert "Error 400" in page.text
    message = _problem(page)
    assert "\n" not in message
    if said:
        assert said in message
    else:
        assert message == "nothing was changed in the event: edit its kind, time or text"
    if body["action"] != "add":
        body = {**body, "target": event["target"]}
    data = await client.post(f"/api/incidents/{ident}/edits", json={**body, "by": "Ana"})
    assert data.status_code == 400
    error = data.json()["error"]
    assert set(data.json()) == {"error"} and "\n" not in error
    if said:
        assert said in error
    else:
        assert f"{body['action']}: the event already has" in error
    assert _stored(library, ident) == []


@pytest.mark.parametrize(
    ("body", "said"),
    [
        ({"action": "rename", "target": "x", "by": "Ana"}, "action: Input should be 'kind'"),
        ({"action": "wrong", "target": "x"}, "by: Field required"),
        ({"action": "wrong", "target": "x", "by": "  "}, "name: give some text"),
        ({"action": "add", "value": "at ten", "by": "Ana"}, "add: give the event's time"),
        (
            {
                "action": "add",
                "value": {"at": "2024-03-01 10:10", "text": "x", "kind": "y"},
                "by": "A",
            },
            "kind 'y' is not one of",
        ),
    ],
)
async def test_a_bad_json_correction_is_a_400_saying_what(
    client: httpx.AsyncClient,
    library: Library,
    ids: dict[str, str],
    body: dict[str, Any],
    said: str,
) -> None:
    ident = ids[DISK]
    r = await client.post(f"/api/incidents/{ident}/edits", json=body)
    assert r.status_code == 400
    assert said in r.json()["error"]
    assert _stored(library, ident) == []


async def test_an_unknown_form_is_a_400(
    client: httpx.AsyncClient, library: Library, ids: dict[str, str]
) -> None:
    ident = ids[DISK]
    csrf = await _sign_in(client, ident)
    r = await _post(client, ident, csrf, form="delete", target="event:0000")
    assert r.status_code == 400
    assert _problem(r) == "form 'delete' is not one of: event, wrong, add, finding"
    assert _stored(library, ident) == []


async def test_a_failing_change_of_several_stores_none(
    client: httpx.AsyncClient, library: Library, ids: dict[str, str]
) -> None:
    """A form that changes the kind (fine) and the text (too long) stores neither."""
    ident = ids[DISK]
    csrf = await _sign_in(client, ident)
    event = await _event_target(client, ident, DISK_TEXTS[1])
    r = await _post(
        client,
        ident,
        csrf,
        form="event",
        target=event["target"],
        kind="engagement",
        time="2024-03-01 10:05",
        text="x" * 4001,
    )
    assert r.status_code == 400
    assert "text: at most 4000 characters" in _problem(r)
    assert _stored(library, ident) == []
    assert (await _event_target(client, ident, DISK_TEXTS[1]))["kind"] == "detection"


# -- escaping ------------------------------------------------------------------------------


async def test_markup_in_a_correction_stays_text(
    client: httpx.AsyncClient, library: Library, ids: dict[str, str]
) -> None:
    ident = ids[DISK]
    name = f"Ana {EVIL}"
    csrf = await _sign_in(client, ident, name)
    target = (await _event_target(client, ident, DISK_TEXTS[1]))["target"]
    r = await _post(
        client,
        ident,
        csrf,
        form="event",
        target=target,
        kind="detection",
        time="2024-03-01 10:05",
        text=f"paged {EVIL}",
        reason=f"why {EVIL}",
    )
    assert r.status_code == 303
    await _post(client, ident, csrf, form="add", time="2024-03-01 10:30", text=f"added {EVIL}")
    assert [e.by for e in _stored(library, ident)] == [name, name]
    escaped = html.escape(EVIL, quote=False)
    for path in (f"/incidents/{ident}/edits", f"/incidents/{ident}"):
        page = (await client.get(path)).text
        assert EVIL not in page, path
        assert "<script>alert" not in page, path
        assert f"paged {escaped}" in page, path
        assert f"Ana {escaped}" in page, path
        assert f"why {escaped}" in page, path
        assert f"added {escaped}" in page, path
    # The name comes back from its cookie escaped in the name field too.
    edits_page = (await client.get(f"/incidents/{ident}/edits")).text
    assert f'value="Ana {html.escape(EVIL)}"' in edits_page
    assert f"paged {escaped}</textarea>" in edits_page
    # And in the Markdown report, where a viewer would render raw HTML.
    markdown = _markdown(library, ident)
    assert EVIL not in markdown
    assert f"| Ana {escaped} |" in markdown.split("## Corrections", 1)[1]


# -- JSON ----------------------------------------------------------------------------------


async def test_the_corrections_api_lists_creates_and_undoes(
    client: httpx.AsyncClient, library: Library, ids: dict[str, str]
) -> None:
    ident = ids[QUEUE]
    review = await _review(client, ident)
    assert review["id"] == ident and review["title"] == QUEUE
    assert [e["text"] for e in review["events"]] == [
        "billing consumers stalled",
        "consumers restarted",
    ]
    assert all(e["target"].startswith("event:") for e in review["events"])
    assert {"target", "at", "kind", "text", "source"} <= set(review["events"][0])
    assert [f["code"] for f in review["findings"]] == ["zone-assumed", "order"]
    assert all(f["target"].startswith("finding:") for f in review["findings"])
    assert review["edits"] == []
    target = review["events"][0]["target"]

    body = {"action": "time", "target": target, "value": "2025-02-03T10:55:00+01:00", "by": "Ana"}
    r = await client.post(f"/api/incidents/{ident}/edits", json=body)
    assert r.status_code == 201
    made = r.json()
    assert made["id"] == 1 and made["action"] == "time" and made["target"] == target
    assert (made["before"], made["after"]) == ("2025-02-03T10:00:00Z", "2025-02-03T09:55:00Z")
    assert made["by"] == "Ana" and made["at"].endswith("Z") and made["undone_at"] is None

    add = {
        "action": "add",
        "value": {"at": "2025-02-03 10:10", "kind": "detection", "text": "billing alert fired"},
        "by": "Bo",
        "reason": "seen in the pager",
    }
    r = await client.post(f"/api/incidents/{ident}/edits", json=add)
    assert (
        r.status_code == 201 and r.json()["id"] == 2 and r.json()["reason"] == "seen in the pager"
    )
    dismiss = {"action": "dismiss", "target": review["findings"][1]["target"], "by": "Bo"}
    assert (await client.post(f"/api/incidents/{ident}/edits", json=dismiss)).status_code == 201

    after = await _review(client, ident)
    assert [e["target"] for e in after["events"]][1] == "added:2"
    assert [e["text"] for e in after["events"]] == [
        "billing consumers stalled",
        "billing alert fired",
        "consumers restarted",
    ]
    assert [f["code"] for f in after["findings"]] == ["zone-assumed"]
    assert [e["id"] for e in after["edits"]] == [1, 2, 3]

    undone = await client.post(f"/api/incidents/{ident}/edits/2/undo", json={"by": "Cy"})
    assert undone.status_code == 200
    assert undone.json()["undone_by"] == "Cy" and undone.json()["id"] == 2
    assert "billing alert fired" not in [
        e["text"] for e in (await _review(client, ident))["events"]
    ]
    assert [e.undone_by for e in _stored(library, ident)] == [None, "Cy", None]
    bad_undo = await client.post(f"/api/incidents/{ident}/edits/1/undo", json={"by": " "})
    assert bad_undo.status_code == 400 and "name" in bad_undo.json()["error"]


async def test_a_time_with_an_offset_is_stored_in_utc(
    client: httpx.AsyncClient, library: Library, ids: dict[str, str]
) -> None:
    ident = ids[QUEUE]
    target = (await _review(client, ident))["events"][1]["target"]
    body = {"action": "time", "target": target, "value": "2025-02-03T12:45:00+02:00", "by": "Ana"}
    r = await client.post(f"/api/incidents/{ident}/edits", json=body)
    assert r.status_code == 201
    assert (r.json()["before"], r.json()["after"]) == (
        "2025-02-03T10:30:00Z",
        "2025-02-03T10:45:00Z",
    )
    data = (await client.get(f"/api/incidents/{ident}")).json()
    assert data["events"][1]["at"] == "2025-02-03T10:45:00Z"


async def test_the_openapi_schema_lists_the_corrections_routes(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    paths = schema["paths"]
    assert set(paths["/api/incidents/{ident}/edits"]) == {"get", "post"}
    assert set(paths["/api/incidents/{ident}/edits/{number}/undo"]) == {"post"}
    post = paths["/api/incidents/{ident}/edits"]["post"]
    assert "201" in post["responses"]
    assert "application/json" in post["requestBody"]["content"]
    assert post["tags"] == ["corrections"]
    correction = schema["components"]["schemas"]["Correction"]
    assert {"action", "target", "value", "by"} <= set(correction["properties"])
    assert not any("/edits" in p and not p.startswith("/api/") for p in paths)  # pages stay out
    docs = (await client.get("/docs")).text
    assert "/api/incidents/{ident}/edits" in docs


async def test_the_name_of_who_undoes_is_held_to_the_same_limit(
    client: httpx.AsyncClient, library: Library, ids: dict[str, str]
) -> None:
    ident = ids[DISK]
    target = (await _event_target(client, ident, DISK_TEXTS[0]))["target"]
    library.edit(ident, "text", target, "edited", by="Bo")
    too_long = await client.post(
        f"/api/incidents/{ident}/edits",
        json={"action": "kind", "target": target, "value": "other", "by": "x" * 101},
    )
    assert too_long.status_code == 400
    r = await client.post(f"/api/incidents/{ident}/edits/1/undo", json={"by": "x" * 5000})
    assert r.status_code == 400
    assert _stored(library, ident)[0].undone_at is None
