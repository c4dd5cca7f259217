"""The web app in process (httpx over ASGI): every route, its errors, and its safety.

The library is a SQLite file in the test's folder holding the incidents of `tests.web`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import Depends
from starlette.responses import PlainTextResponse

from retroline.analysis.facets import facets
from retroline.errors import UsageError
from retroline.store import Library
from retroline.web.app import PAGE_SIZE, create_app
from retroline.web.pages import query
from retroline.web.security import CSRF_COOKIE, SESSION_COOKIE, csrf_protected
from tests.web import BASE, CERT, DISK, DISK_AGAIN, EVIL, TOKEN, app_client, incidents

pytestmark = pytest.mark.anyio

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


def _order(text: str, *titles: str) -> list[int]:
    return [text.index(f">{title}<") for title in titles]


def _escaped(title: str) -> str:
    return title.replace("<", "&lt;").replace(">", "&gt;")


# -- the library ---------------------------------------------------------------------------


async def test_the_library_lists_every_incident_newest_first(
    client: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    r = await client.get("/")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("text/html")
    for ident in ids.values():
        assert f'href="/incidents/{ident}"' in r.text
        assert ident in r.text
    positions = _order(r.text, DISK_AGAIN, DISK, _escaped(CERT))
    assert positions == sorted(positions)
    assert "2024-05-20" in r.text and "2023-11-05" in r.text
    assert '<td class="num-cell">4</td>' in r.text  # a disk incident's events
    assert 'action="/"' in r.text and 'name="q"' in r.text  # the search box


async def test_the_library_sorts_by_title(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"sort": "title"})
    positions = _order(r.text, _escaped(CERT), DISK_AGAIN, DISK)
    assert positions == sorted(positions)


@pytest.mark.parametrize(
    ("params", "shown", "hidden"),
    [
        ({"since": "2024-01-01"}, [DISK, DISK_AGAIN], [CERT]),
        ({"until": "2023-12-31"}, [CERT], [DISK, DISK_AGAIN]),
        ({"since": "2024-03-01", "until": "2024-03-01"}, [DISK], [CERT, DISK_AGAIN]),
    ],
)
async def test_the_library_filters_by_day(
    client: httpx.AsyncClient, params: dict[str, str], shown: list[str], hidden: list[str]
) -> None:
    page = (await client.get("/", params=params)).text
    listed = {i["title"] for i in (await client.get("/api/incidents", params=params)).json()}
    assert listed == set(shown)
    for title in shown:
        assert f">{_escaped(title)}<" in page
    for title in hidden:
        assert f">{_escaped(title)}<" not in page


def _facet(name: str, title: str) -> str:
    """The service or cause (``name``) the library works out for the test incident
    ``title``."""
    (incident,) = [i for i in incidents() if i.title == title]
    value = getattr(facets(incident), name)
    assert value is not None
    return str(value)


@pytest.mark.parametrize(
    ("name", "of", "shown", "hidden"),
    [
        ("service", DISK, [DISK_AGAIN, DISK], [CERT]),
        ("cause", DISK, [DISK_AGAIN, DISK], [CERT]),
        ("service", CERT, [CERT], [DISK, DISK_AGAIN]),
        ("cause", CERT, [CERT], [DISK, DISK_AGAIN]),
    ],
)
async def test_the_library_filters_by_service_and_cause(
    client: httpx.AsyncClient, name: str, of: str, shown: list[str], hidden: list[str]
) -> None:
    value = _facet(name, of)
    page = (await client.get("/", params={name: value})).text
    for title in shown:
        assert f">{_escaped(title)}<" in page
    for title in hidden:
        assert f">{_escaped(title)}<" not in page
    assert f'<option value="{value}" selected>{value}</option>' in page
    assert f"<dd>{value}</dd>" in page  # said above the list
    as_json = "/api/incidents" + query({name: value, "limit": PAGE_SIZE})
    assert f'href="{as_json.replace("&", "&amp;")}"' in page
    data = await client.get(as_json)
    assert [i["title"] for i in data.json()] == shown  # newest first
    assert {i[name] for i in data.json()} == {value}
    assert data.headers["x-total-count"] == str(len(shown))


async def test_a_search_keeps_the_service_chosen(client: httpx.AsyncClient) -> None:
    value = _facet("service", DISK)
    both = (await client.get("/", params={"q": "disk"})).text
    assert f">{_escaped(DISK)}<" in both and f">{_escaped(DISK_AGAIN)}<" in both
    other = _facet("service", CERT)
    page = (await client.get("/", params={"q": "disk", "service": other})).text
    assert f">{_escaped(DISK)}<" not in page and "0 incidents" in page
    page = (await client.get("/", params={"q": "disk", "service": value})).text
    assert f'<option value="{value}" selected>{value}</option>' in page
    as_json = "/api/search" + query({"q": "disk", "service": value})
    assert f'href="{as_json.replace("&", "&amp;")}"' in page
    hits = (await client.get(as_json)).json()
    assert sorted(h["title"] for h in hits) == sorted([DISK, DISK_AGAIN])
    hits = (await client.get("/api/search", params={"q": "disk", "cause": "no-such"})).json()
    assert hits == []


async def test_the_filters_offer_the_values_the_library_has(client: httpx.AsyncClient) -> None:
    page = (await client.get("/")).text
    for name in ("service", "cause"):
        assert f'<select id="{name}" name="{name}">' in page
        assert '<option value="" selected>any</option>' in page
        values = {_facet(name, title) for title in (DISK, DISK_AGAIN, CERT)}
        offered = re.search(f'<select id="{name}" name="{name}">(.*?)</select>', page, re.S)
        assert offered is not None
        assert set(re.findall(r'<option value="([^"]+)"', offered.group(1))) == values


async def test_a_service_no_incident_has_matches_nothing(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"service": "nothing-like-it", "sort": "title"})
    assert r.status_code == 200
    assert "No incident of the library matches these filters." in r.text
    assert '<option value="nothing-like-it" selected>nothing-like-it</option>' in r.text
    data = await client.get("/api/incidents", params={"cause": "nothing-like-it"})
    assert (data.status_code, data.json(), data.headers["x-total-count"]) == (200, [], "0")


async def test_the_incidents_api_comes_a_page_at_a_time(client: httpx.AsyncClient) -> None:
    async def titles(**params: Any) -> tuple[list[str], str]:
        r = await client.get("/api/incidents", params=params)
        assert r.status_code == 200
        return [i["title"] for i in r.json()], r.headers["x-total-count"]

    assert await titles(limit=2) == ([DISK_AGAIN, DISK], "3")
    assert await titles(offset=1, limit=1) == ([DISK], "3")
    assert await titles(offset=2) == ([CERT], "3")
    assert await titles(offset=3) == ([], "3")
    assert await titles(sort="title", offset=1) == ([DISK_AGAIN, DISK], "3")
    assert await titles(since="2024-01-01", limit=1) == ([DISK_AGAIN], "2")


async def test_a_filter_that_keeps_nothing_says_so(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"since": "2030-01-01"})
    assert r.status_code == 200
    assert "No incident of the library falls between these days" in r.text


async def test_an_empty_library_says_how_to_fill_it(tmp_path: Path) -> None:
    async with app_client(create_app(Library(str(tmp_path / "empty.db")))) as c:
        r = await c.get("/")
    assert r.status_code == 200
    assert "The library is empty" in r.text
    assert "retroline import FILE" in r.text


# -- search --------------------------------------------------------------------------------


async def test_a_search_shows_each_hit_with_its_snippet_and_fields(
    client: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    r = await client.get("/", params={"q": "space"})
    assert r.status_code == 200
    assert "<mark>space</mark>" in r.text
    assert f'href="/incidents/{ids[DISK]}"' in r.text
    assert f'href="/incidents/{ids[DISK_AGAIN]}"' in r.text
    assert f'href="/incidents/{ids[CERT]}"' not in r.text
    assert "timeline" in r.text  # where the word was found
    assert 'href="/api/search?q=space"' in r.text  # the same as JSON


async def test_a_search_without_a_hit_says_so(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"q": "kerberos"})
    assert r.status_code == 200
    assert "Nothing in the library matches kerberos." in r.text


async def test_a_search_takes_the_filters_and_a_sort(
    client: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    r = await client.get("/", params={"q": "disk", "since": "2024-04-01"})
    assert f'href="/incidents/{ids[DISK_AGAIN]}"' in r.text
    assert f'href="/incidents/{ids[DISK]}"' not in r.text
    for sort, order in (("date", [DISK_AGAIN, DISK, CERT]), ("title", [CERT, DISK_AGAIN, DISK])):
        r = await client.get("/", params={"q": "certificate or disk", "sort": sort})
        positions = _order(r.text, *(_escaped(title) for title in order))
        assert positions == sorted(positions)


async def test_the_search_api_gives_what_the_command_line_gives(
    client: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    r = await client.get("/api/search", params={"q": "space"})
    assert r.status_code == 200
    hits = r.json()
    assert {h["id"] for h in hits} == {ids[DISK], ids[DISK_AGAIN]}
    for hit in hits:
        assert set(hit) == {"id", "title", "score", "snippet", "matched"}
        assert "[space]" in hit["snippet"]
        assert "timeline" in hit["matched"]
    titled = (await client.get("/api/search", params={"q": "disk", "kind": "title"})).json()
    assert {h["id"] for h in titled} == {ids[DISK], ids[DISK_AGAIN]}
    one = (await client.get("/api/search", params={"q": "disk", "limit": 1})).json()
    assert len(one) == 1
    assert (await client.get("/api/search", params={"q": "kerberos"})).json() == []


# -- an incident ---------------------------------------------------------------------------


async def test_an_incident_is_its_report_with_seen_before_and_a_way_back(
    client: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    r = await client.get(f"/incidents/{ids[DISK_AGAIN]}")
    assert r.status_code == 200
    page = r.text
    assert '<section id="timeline"' in page
    assert "could not extend file: No space left on device" in page
    assert 'id="seen"' in page and "Seen before" in page
    assert ids[DISK] in page  # the earlier outage, in "Seen before"
    assert '<a href="/">← Library</a>' in page
    assert f'href="/api/incidents/{ids[DISK_AGAIN]}"' in page
    # The page's own policy (its style and script by hash) is the header's, unframed.
    meta = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert meta is not None
    own = meta.group(1).replace("&#39;", "'")
    assert r.headers["content-security-policy"] == own + "; frame-ancestors 'none'"
    assert "script-src 'sha256-" in own


async def test_an_incident_is_found_by_the_start_of_its_id(
    client: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    r = await client.get(f"/incidents/{ids[DISK][:6]}")
    assert r.status_code == 200
    assert DISK in r.text


async def test_an_incident_without_a_like_has_no_seen_before(
    client: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    r = await client.get(f"/incidents/{ids[CERT]}")
    assert r.status_code == 200
    assert 'id="seen"' not in r.text


@pytest.mark.parametrize(
    "path", ["/incidents/{}", "/api/incidents/{}", "/api/incidents/{}/similar"]
)
async def test_an_unknown_incident_is_a_404(client: httpx.AsyncClient, path: str) -> None:
    r = await client.get(path.format("ffffffffffff"))
    assert r.status_code == 404
    if path.startswith("/api"):
        assert r.json() == {
            "error": "no incident 'ffffffffffff' in the library (see 'retroline list')"
        }
    else:
        assert r.headers["content-type"].startswith("text/html")
        assert "Error 404" in r.text
        assert "no incident &#39;ffffffffffff&#39; in the library" in r.text


@pytest.mark.parametrize(("path", "json_body"), [("/no/such/page", False), ("/api/nothing", True)])
async def test_an_unknown_path_is_a_404_in_its_kind(
    client: httpx.AsyncClient, path: str, json_body: bool
) -> None:
    r = await client.get(path)
    assert r.status_code == 404
    if json_body:
        assert r.json() == {"error": "nothing at /api/nothing: see /openapi.json for the API"}
    else:
        assert "nothing at /no/such/page" in r.text


# -- statistics ----------------------------------------------------------------------------


async def test_the_statistics_page_is_the_stats_report_with_links(
    client: httpx.AsyncClient,
) -> None:
    r = await client.get("/stats")
    assert r.status_code == 200
    assert "Incident statistics" in r.text
    assert "Time to resolve" in r.text
    assert '<a href="/">← Library</a>' in r.text
    assert '<a href="/stats?by=month">By month</a>' in r.text
    assert "style-src 'sha256-" in r.headers["content-security-policy"]
    by_month = await client.get("/stats", params={"by": "month"})
    assert by_month.status_code == 200
    assert "<strong>By month</strong>" in by_month.text
    assert "2024-03" in by_month.text


async def test_the_statistics_api_groups_as_asked(client: httpx.AsyncClient) -> None:
    data = (await client.get("/api/stats")).json()
    assert data["by"] is None and data["incidents"] == 3
    assert {"groups", "durations", "bins", "min_n"} <= set(data)
    by_month = (await client.get("/api/stats", params={"by": "month"})).json()
    assert {g["key"] for g in by_month["groups"]} >= {"2024-03", "2024-05", "2023-11"}


# -- errors of the request -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "params", "said"),
    [
        ("/", {"since": "yesterday"}, "since &#39;yesterday&#39;: write a day as YYYY-MM-DD"),
        ("/", {"sort": "size"}, "sort &#39;size&#39; is not one of: date, title"),
        ("/", {"q": "disk", "sort": "size"}, "sort &#39;size&#39; is not one of"),
        ("/", {"q": "-- !!"}, ""),
        ("/", {"since": "2024-05-01", "until": "2024-01-01"}, "is after until"),
        ("/stats", {"by": "colour"}, "--by &#39;colour&#39; is not one of"),
        ("/api/stats", {"by": "colour"}, "--by 'colour' is not one of"),
        ("/api/incidents", {"until": "2024-13-01"}, "until '2024-13-01': write a day"),
        ("/api/incidents", {"limit": "0"}, "limit: "),
        ("/api/incidents", {"offset": "-1"}, "offset: "),
        ("/api/search", {"q": "disk", "since": "13/01/2024"}, "since '13/01/2024'"),
        ("/api/search", {"q": "disk", "kind": "colour"}, "unknown kind 'colour'"),
        ("/api/search", {"q": "disk", "limit": "0"}, "limit: "),
        ("/api/search", {"q": "disk", "limit": "many"}, "limit: "),
        ("/api/search", {}, "q: "),
        ("/api/search", {"q": "--"}, ""),
        ("/api/incidents/x/similar", {"limit": "0"}, "limit: "),
    ],
)
async def test_a_wrong_parameter_is_a_400_saying_what(
    client: httpx.AsyncClient, path: str, params: dict[str, str], said: str
) -> None:
    r = await client.get(path, params=params)
    assert r.status_code == 400
    if path.startswith("/api"):
        message = r.json()["error"]
        assert said in message and "\n" not in message
    else:
        assert r.headers["content-type"].startswith("text/html")
        assert said in r.text


async def test_a_crash_is_a_500_page_with_the_headers(
    library: Library, ids: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(**_filters: Any) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setattr(library, "listing", broken)
    app = create_app(library)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app, raise_app_exceptions=False), base_url=BASE
    ) as c:
        page, data = await c.get("/"), await c.get("/api/incidents")
    assert page.status_code == data.status_code == 500
    assert "internal error" in page.text and "a bug" not in page.text
    assert data.json() == {"error": "internal error: the server's log has the details"}
    assert "default-src 'none'" in page.headers["content-security-policy"]


# -- JSON ----------------------------------------------------------------------------------


async def test_the_incidents_api_lists_the_summaries(
    client: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    r = await client.get("/api/incidents")
    assert r.headers["content-type"] == "application/json"
    listed = r.json()
    assert [i["title"] for i in listed] == [DISK_AGAIN, DISK, CERT]
    assert set(listed[0]) == {
        "id", "title", "document_date", "day", "events", "documents", "first_at", "last_at",
        "updated_at", "service", "cause",
    }  # fmt: skip
    assert listed[0]["events"] == 4 and listed[0]["first_at"] == "2024-05-20T09:58:00Z"


async def test_the_incident_api_is_the_export(
    client: httpx.AsyncClient, library: Library, ids: dict[str, str]
) -> None:
    r = await client.get(f"/api/incidents/{ids[CERT]}")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    data = r.json()
    assert data == json.loads(library.get(ids[CERT]).to_json())
    assert data["title"] == CERT
    assert data["events"][0]["at"] == "2023-11-05T03:00:00Z"
    assert {"title", "document_date", "events", "sections", "action_items", "findings"} <= set(data)


async def test_the_similar_api_gives_the_matches_with_reasons(
    client: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    matches = (await client.get(f"/api/incidents/{ids[DISK_AGAIN]}/similar")).json()
    assert matches[0]["id"] == ids[DISK]
    assert {"id", "title", "score", "reasons"} <= set(matches[0])
    assert {"kind", "value", "weight"} <= set(matches[0]["reasons"][0])
    assert all(m["id"] != ids[DISK_AGAIN] for m in matches)


async def test_the_api_is_described_and_its_docs_load_nothing(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()
    assert {
        "/api/incidents",
        "/api/incidents/{ident}",
        "/api/incidents/{ident}/edits",
        "/api/incidents/{ident}/edits/{number}/undo",
        "/api/incidents/{ident}/similar",
        "/api/investigations",
        "/api/investigations/{job}",
        "/api/search",
        "/api/stats",
    } == set(schema["paths"])
    docs = await client.get("/docs")
    assert docs.status_code == 200
    assert "/api/incidents/{ident}/similar" in docs.text
    assert "<script" not in docs.text and "cdn" not in docs.text.lower()
    assert not re.search(r'(src|href)="https?:', docs.text)
    assert (await client.get("/redoc")).status_code == 404


# -- safety --------------------------------------------------------------------------------

ROUTES = [
    "/",
    "/?q=certificate",
    "/incidents/{cert}",
    "/incidents/{disk}",
    "/stats",
    "/stats?by=cause",
    "/docs",
    "/api/incidents",
    "/api/incidents/{cert}",
    "/api/incidents/{disk}/similar",
    "/api/search?q=certificate",
    "/api/stats",
    "/openapi.json",
    "/incidents/ffffffffffff",
    "/stats?by=colour",
    "/nothing",
]


@pytest.mark.parametrize("route", ROUTES)
async def test_every_answer_has_the_security_headers(
    client: httpx.AsyncClient, ids: dict[str, str], route: str
) -> None:
    r = await client.get(route.format(cert=ids[CERT], disk=ids[DISK_AGAIN]))
    csp = r.headers["content-security-policy"]
    assert csp.startswith("default-src 'none'")
    assert "frame-ancestors 'none'" in csp and "base-uri 'none'" in csp
    assert "http" not in csp and "*" not in csp and "unsafe" not in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.parametrize("route", [r for r in ROUTES if not r.startswith(("/api", "/openapi"))])
async def test_markup_from_the_evidence_stays_text_on_every_page(
    client: httpx.AsyncClient, ids: dict[str, str], route: str
) -> None:
    r = await client.get(route.format(cert=ids[CERT], disk=ids[DISK_AGAIN]))
    assert EVIL not in r.text
    assert "<script>alert" not in r.text
    if "{cert}" in route or route == "/":
        assert _escaped(EVIL) in r.text


async def test_a_search_snippet_with_markup_stays_text(client: httpx.AsyncClient) -> None:
    r = await client.get("/", params={"q": "handshake", "kind": "timeline"})
    assert "<mark>handshake</mark>" in r.text
    assert EVIL not in r.text and "alert(1)" in r.text


async def test_a_host_name_not_served_is_refused(library: Library, ids: dict[str, str]) -> None:
    """A site whose DNS name is rebound to 127.0.0.1 cannot read the library."""
    async with app_client(create_app(library)) as c:
        refused = await c.get("/api/incidents", headers={"host": "evil.example:8765"})
        for host in ("localhost:8765", "127.0.0.1", "[::1]:8765"):
            assert (await c.get("/api/incidents", headers={"host": host})).status_code == 200
    assert refused.status_code == 400
    assert "'evil.example'" in refused.json()["error"]
    assert refused.headers["x-content-type-options"] == "nosniff"
    async with app_client(create_app(library, hosts=["incidents.example"])) as c:
        named = await c.get("/api/incidents", headers={"host": "incidents.example"})
        local = await c.get("/api/incidents")
    assert named.status_code == 200 and local.status_code == 400
    async with app_client(create_app(library, hosts=["*"])) as c:
        anywhere = await c.get("/api/incidents", headers={"host": "evil.example"})
    assert anywhere.status_code == 200


# -- the token -----------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/incidents/x", "/stats", "/docs", "/nothing"])
async def test_without_the_token_a_page_is_the_login_form(
    guarded: httpx.AsyncClient, path: str
) -> None:
    r = await guarded.get(path)
    assert r.status_code == 401
    assert '<form method="post" action="/login">' in r.text
    assert f'name="next" value="{path}"' in r.text
    assert CSRF_INPUT.search(r.text)
    assert CSRF_COOKIE in r.headers["set-cookie"]
    assert "HttpOnly" in r.headers["set-cookie"] and "SameSite=Strict" in r.headers["set-cookie"]


@pytest.mark.parametrize("path", ["/api/incidents", "/api/stats", "/openapi.json"])
async def test_without_the_token_the_api_is_a_401(guarded: httpx.AsyncClient, path: str) -> None:
    r = await guarded.get(path)
    assert r.status_code == 401
    assert "Authorization: Bearer" in r.json()["error"]
    assert r.headers["www-authenticate"].startswith("Bearer")
    wrong = await guarded.get(path, headers={"authorization": "Bearer not-the-token"})
    assert wrong.status_code == 401
    right = await guarded.get(path, headers={"authorization": f"Bearer {TOKEN}"})
    assert right.status_code == 200


async def test_the_token_in_a_header_opens_every_page(
    guarded: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    headers = {"authorization": f"Bearer {TOKEN}"}
    for path in ("/", f"/incidents/{ids[DISK]}", "/stats", "/docs"):
        assert (await guarded.get(path, headers=headers)).status_code == 200


async def _login_form(client: httpx.AsyncClient, path: str = "/login") -> str:
    """Open the login form; the CSRF token of its hidden field."""
    r = await client.get(path)
    found = CSRF_INPUT.search(r.text)
    assert found is not None
    return found.group(1)


async def test_the_login_form_sets_the_session_cookie(
    guarded: httpx.AsyncClient, ids: dict[str, str]
) -> None:
    csrf = await _login_form(guarded, f"/incidents/{ids[DISK]}")
    r = await guarded.post(
        "/login", data={"csrf_token": csrf, "token": TOKEN, "next": f"/incidents/{ids[DISK]}"}
    )
    assert r.status_code == 303
    assert r.headers["location"] == f"/incidents/{ids[DISK]}"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=")
    assert "HttpOnly" in cookie and "samesite=strict" in cookie.lower()
    assert TOKEN not in cookie  # the cookie proves the token without holding it
    for path in ("/", f"/incidents/{ids[DISK]}", "/stats", "/api/incidents"):
        assert (await guarded.get(path)).status_code == 200
    assert "Log out" in (await guarded.get("/")).text


async def test_a_wrong_token_in_the_form_is_refused(guarded: httpx.AsyncClient) -> None:
    csrf = await _login_form(guarded)
    r = await guarded.post("/login", data={"csrf_token": csrf, "token": "guess", "next": "/stats"})
    assert r.status_code == 401
    assert "That is not the token" in r.text
    assert 'name="next" value="/stats"' in r.text  # still going back there
    assert SESSION_COOKIE not in guarded.cookies
    assert (await guarded.get("/")).status_code == 401


async def test_login_goes_back_only_to_a_page_of_this_app(guarded: httpx.AsyncClient) -> None:
    csrf = await _login_form(guarded)
    for target in ("//evil.example/", "https://evil.example/", "/\\evil.example"):
        r = await guarded.post("/login", data={"csrf_token": csrf, "token": TOKEN, "next": target})
        assert r.headers["location"] == "/"


async def test_logout_ends_the_session(guarded: httpx.AsyncClient) -> None:
    csrf = await _login_form(guarded)
    await guarded.post("/login", data={"csrf_token": csrf, "token": TOKEN})
    page = (await guarded.get("/")).text
    found = CSRF_INPUT.search(page[page.index('action="/logout"') :])
    assert found is not None
    r = await guarded.post("/logout", data={"csrf_token": found.group(1)})
    assert r.status_code == 303
    assert (await guarded.get("/")).status_code == 401


async def test_an_empty_token_is_refused() -> None:
    with pytest.raises(UsageError, match="not empty"):
        create_app(Library("sqlite://"), token=" ")


async def test_without_a_token_the_login_page_goes_on(client: httpx.AsyncClient) -> None:
    r = await client.get("/login", params={"next": "/stats"})
    assert r.status_code == 303 and r.headers["location"] == "/stats"


# -- CSRF ----------------------------------------------------------------------------------


async def test_login_without_the_csrf_token_is_a_403(guarded: httpx.AsyncClient) -> None:
    await _login_form(guarded)  # the cookie is set, the field is left out
    r = await guarded.post("/login", data={"token": TOKEN})
    assert r.status_code == 403
    assert "security token" in r.text
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")


async def test_login_with_a_wrong_csrf_token_is_a_403(guarded: httpx.AsyncClient) -> None:
    csrf = await _login_form(guarded)
    # Its last character changed (to another one: a token may end in "0" already).
    wrong = csrf[:-1] + ("1" if csrf.endswith("0") else "0")
    r = await guarded.post("/login", data={"csrf_token": wrong, "token": TOKEN})
    assert r.status_code == 403


async def test_a_planted_csrf_pair_is_a_403(guarded: httpx.AsyncClient) -> None:
    """Another site (or another port of this host) can set a cookie and post the same value:
    the token must also be signed by this app."""
    planted = "chosen.0000"
    guarded.cookies.set(CSRF_COOKIE, planted)
    r = await guarded.post("/login", data={"csrf_token": planted, "token": TOKEN})
    assert r.status_code == 403


async def test_a_csrf_token_of_another_app_is_a_403(library: Library, ids: dict[str, str]) -> None:
    async with app_client(create_app(library, token=TOKEN)) as other:
        csrf = await _login_form(other)
    async with app_client(create_app(library, token=TOKEN)) as c:
        c.cookies.set(CSRF_COOKIE, csrf)
        r = await c.post("/login", data={"csrf_token": csrf, "token": TOKEN})
    assert r.status_code == 403


async def test_the_csrf_helper_guards_a_new_form(library: Library, ids: dict[str, str]) -> None:
    """What a later form does: its page puts ``guard.csrf_token(request)`` in the field
    (the library page does, for its log-out form), its route depends on `csrf_protected`."""
    app = create_app(library, token=TOKEN)

    @app.post("/corrections", dependencies=[Depends(csrf_protected)])
    def correct() -> PlainTextResponse:
        return PlainTextResponse("saved")

    async with app_client(app, headers={"authorization": f"Bearer {TOKEN}"}) as c:
        missing = await c.post("/corrections", data={"text": "x"})
        found = CSRF_INPUT.search((await c.get("/")).text)
        assert found is not None
        ok = await c.post("/corrections", data={"csrf_token": found.group(1), "text": "x"})
        wrong = await c.post("/corrections", data={"csrf_token": "x.y", "text": "x"})
    assert ok.status_code == 200 and ok.text == "saved"
    assert missing.status_code == wrong.status_code == 403
