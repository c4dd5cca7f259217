"""The library page a page at a time: a library of hundreds lists its newest first, a
hundred to a page, with links to the others; a page past the end is a bad request."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from retroline.analysis.facets import facets
from retroline.model import Event, EventKind, Incident, Precision, Source
from retroline.store import Library
from retroline.web.app import PAGE_SIZE, create_app

pytestmark = pytest.mark.anyio
COUNT = 2 * PAGE_SIZE + 30


def stalled(i: int) -> Incident:
    """The ``i``-th incident of the library, ``i`` days after 1 January 2030."""
    return Incident(
        title=f"Queue stalled, number {i:03d}",
        events=[
            Event(
                at=dt.datetime(2030, 1, 1, tzinfo=dt.UTC) + dt.timedelta(days=i),
                precision=Precision.MINUTE,
                time_text="x",
                text="queue stalled",
                kind=EventKind.IMPACT_START,
                source=Source(path="pm.md", line=1),
            )
        ],
    )


@pytest.fixture
async def client(tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    library = Library(str(tmp_path / "library.db"))
    library.save_many((stalled(i), f"k:{i}", None) for i in range(COUNT))
    transport = httpx.ASGITransport(app=create_app(library))
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as c:
        yield c
    library.close()


def titles(html: str) -> list[str]:
    return re.findall(r'class="title" href="/incidents/[^"]+">([^<]+)</a>', html)


async def test_the_library_is_listed_a_page_at_a_time(client: httpx.AsyncClient) -> None:
    first = await client.get("/")
    assert first.status_code == 200
    shown = titles(first.text)
    assert len(shown) == PAGE_SIZE and shown[0] == f"Queue stalled, number {COUNT - 1:03d}"
    assert f"page 1 of 3 ({COUNT} incidents)" in first.text
    assert 'rel="next" href="/?page=2"' in first.text and 'rel="prev"' not in first.text
    last = await client.get("/", params={"page": 3})
    assert titles(last.text)[-1] == "Queue stalled, number 000"
    assert len(titles(last.text)) == COUNT - 2 * PAGE_SIZE and 'rel="next"' not in last.text
    by_title = await client.get("/", params={"page": 2, "sort": "title"})
    assert 'href="/?sort=title&amp;page=1"' in by_title.text
    for bad in (4, 0):
        answer = await client.get("/", params={"page": bad})
        assert answer.status_code == 400, bad


async def test_the_pages_and_their_json_keep_the_filters(client: httpx.AsyncClient) -> None:
    service = facets(stalled(0)).service
    assert service is not None
    first = await client.get("/", params={"since": "2030-01-02", "service": service})
    assert f"page 1 of 3 ({COUNT - 1} incidents)" in first.text
    assert f'rel="next" href="/?since=2030-01-02&amp;service={service}&amp;page=2"' in first.text
    as_json = f"/api/incidents?since=2030-01-02&amp;service={service}&amp;limit={PAGE_SIZE}"
    assert f'href="{as_json}"' in first.text
    second = await client.get("/", params={"service": service, "page": 2})
    assert f'rel="prev" href="/?service={service}&amp;page=1"' in second.text
    link = f"/api/incidents?service={service}&offset={PAGE_SIZE}&limit={PAGE_SIZE}"
    assert f'href="{link.replace("&", "&amp;")}"' in second.text
    data = await client.get(link)
    assert [i["title"] for i in data.json()] == titles(second.text)  # the same page
    assert data.headers["x-total-count"] == str(COUNT)
    other = await client.get("/", params={"service": service, "cause": "no such cause"})
    assert other.status_code == 200 and titles(other.text) == []
    assert "No incident of the library matches these filters." in other.text
