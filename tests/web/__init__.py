"""Tests of the web app; `fill_library` makes the small library they browse.

Three incidents written for these tests: two disk-full outages of the same database (so the
second has a "Seen before"), and an expired certificate whose title and timeline carry
markup that must stay text on every page.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import httpx

from retroline.model import ActionItem, Event, EventKind, Incident, Source, ZoneSource
from retroline.store import Library

#: Where the in-process clients say they are (a loopback address, as `retroline serve`'s).
BASE = "http://127.0.0.1:8765"
#: The token of an app started with one.
TOKEN = "a-long-token-for-the-tests"
EVIL = "<script>alert(1)</script>"
DISK = "Disk full on db-2"
DISK_AGAIN = "Disk full again on db-2"
CERT = f"Certificate expired on the API gateway {EVIL}"


def _event(at: str, text: str, kind: EventKind, path: str, line: int) -> Event:
    return Event(
        at=dt.datetime.fromisoformat(at),
        time_text=at[11:16] + " UTC",
        zone="UTC",
        zone_source=ZoneSource.EXPLICIT,
        text=text,
        kind=kind,
        source=Source(path=path, line=line),
    )


def _disk(title: str, day: str, path: str) -> Incident:
    return Incident(
        title=title,
        document_date=dt.date.fromisoformat(day),
        summary="The database host ran out of disk space and postgres stopped writing.",
        events=[
            _event(
                f"{day}T09:58:00+00:00",
                "postgres on db-2: could not extend file: No space left on device",
                EventKind.IMPACT_START,
                path,
                4,
            ),
            _event(
                f"{day}T10:05:00+00:00",
                "Disk alert paged the on-call",
                EventKind.DETECTION,
                path,
                5,
            ),
            _event(
                f"{day}T10:40:00+00:00", "Old WAL segments removed", EventKind.MITIGATION, path, 6
            ),
            _event(f"{day}T11:02:00+00:00", "Writes back to normal", EventKind.RESOLUTION, path, 7),
        ],
        action_items=[ActionItem(text="Alert at 80% disk on db-2", owner="dba")],
    )


def incidents() -> list[Incident]:
    """The incidents of the test library, oldest first."""
    cert = Incident(
        title=CERT,
        document_date=dt.date(2023, 11, 5),
        summary=f"Clients failed the TLS handshake {EVIL}.",
        events=[
            _event(
                "2023-11-05T03:00:00+00:00",
                f"TLS handshake failed: certificate has expired {EVIL}",
                EventKind.IMPACT_START,
                "/srv/notes/cert.md",
                3,
            ),
            _event(
                "2023-11-05T04:30:00+00:00",
                "Certificate renewed",
                EventKind.RESOLUTION,
                "/srv/notes/cert.md",
                9,
            ),
        ],
    )
    return [
        cert,
        _disk(DISK, "2024-03-01", "/srv/notes/disk-march.md"),
        _disk(DISK_AGAIN, "2024-05-20", "/srv/notes/disk-may.md"),
    ]


def fill_library(library: Library) -> dict[str, str]:
    """Save the test incidents in ``library``; their ids by title."""
    return {incident.title: library.save(incident).id for incident in incidents()}


def app_client(app: Any, **options: Any) -> httpx.AsyncClient:
    """An httpx client of ``app`` in process (no server, no network), at `BASE`."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE, **options)
