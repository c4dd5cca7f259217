"""The local web app over the incident library (``retroline serve``), in datasette's spirit.

Every page is rendered on the server and works without JavaScript; every page has its JSON
under ``/api`` (described by ``/openapi.json`` and listed at ``/docs``, a page that loads
nothing from the network). The routes call the public API (`retroline.api`) and the report
renderers, and hold no logic of their own beyond presentation.

    /                          the library: incidents a page at a time, search (?q=),
                               since/until, service/cause, sort
    /incidents/{id}            the incident's postmortem, as ``retroline report`` writes it
    /incidents/{id}/edits      correct it: its events and findings (see `web.edits`)
    /investigate               a new investigation, then its progress until the incident
                               is ready (see `web.investigations`)
    /stats?by=                 the statistics page, as ``retroline stats --html`` writes it
    /login, /logout            the login form (when the app has a token)
    /docs                      the JSON API, listed from its OpenAPI schema
    /api/incidents             the library (as ``retroline list --json``), filtered and
                               a page at a time as the library page
    /api/incidents/{id}        the incident (as ``retroline export``)
    /api/incidents/{id}/similar  its similar incidents (as ``retroline similar --json``)
    /api/search?q=             the search (as ``retroline search --json``)
    /api/stats?by=             the statistics (as ``retroline stats --json``)

Errors are the project's (`retroline.errors`): each answers with its ``http_status`` and its
one-line message, as a page or, under ``/api``, as ``{"error": message}``. The safety of it
all (token, CSRF, hosts, headers) is in `retroline.web.security`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Depends, FastAPI, Form, Query, Request
from fastapi.exceptions import RequestValidationError
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from retroline import __version__, api
from retroline.analysis.stats import GROUPINGS
from retroline.errors import RetrolineError, UsageError
from retroline.instants import parse_day
from retroline.report.stats_page import stats_html
from retroline.report.write import render
from retroline.store import Library
from retroline.web import edits, investigations
from retroline.web.pages import JSON, ordered_hits, page, report_page
from retroline.web.security import (
    LOCAL_HOSTS,
    Guard,
    Shield,
    clear_session,
    csrf_protected,
    guard_of,
    set_session,
)

__all__ = ["create_app"]

#: The title of the statistics page.
STATS_TITLE = "Incident library"

#: Incidents listed on one page of the library.
PAGE_SIZE = 100

Since = Annotated[str | None, Query(description="Incidents on or after this day (YYYY-MM-DD).")]
Until = Annotated[str | None, Query(description="Incidents on or before this day (YYYY-MM-DD).")]
Sort = Annotated[str | None, Query(description="date (newest first) or title.")]
Service = Annotated[
    str | None, Query(description="Incidents about this service (a value no incident has: none).")
]
Cause = Annotated[
    str | None, Query(description="Incidents with this type of cause (as `/api/stats?by=cause`).")
]
By = Annotated[str | None, Query(description="Group by service, cause or month.")]


def wants_json(request: Request) -> bool:
    """Whether an answer to ``request`` is JSON (the API) rather than a page."""
    path = request.url.path
    return path.startswith("/api/") or path == "/api" or path == "/openapi.json"


def failure(request: Request, status: int, message: str) -> Response:
    """An error as the request expects it: ``{"error": message}`` or a page saying it."""
    if wants_json(request):
        return JSON({"error": message}, status_code=status)
    return page("error.html.j2", status=status, code=status, message=message)


def _local_path(target: str | None) -> str:
    """Where to go after logging in: a path of this app, never another site."""
    if target and target.startswith("/") and not target.startswith(("//", "/\\")):
        return target
    return "/"


def login_page(
    request: Request, *, message: str | None = None, next: str | None = None
) -> Response:
    """The answer to a request without the token (a 401): the login form, which brings
    the browser back to this page (or ``next``) once logged in; JSON under /api."""
    if wants_json(request):
        return JSON(
            {"error": "this server needs its token: send 'Authorization: Bearer TOKEN'"},
            status_code=401,
            headers={"WWW-Authenticate": 'Bearer realm="retroline"'},
        )
    guard = guard_of(request)
    if next is None and request.url.path != "/login":
        next = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return page(
        "login.html.j2",
        status=401,
        csrf=guard.csrf_token(request),
        next=_local_path(next),
        message=message,
    )


def _is_https(request: Request) -> bool:
    return request.url.scheme == "https"


def create_app(
    library: Library,
    *,
    token: str | None = None,
    hosts: Sequence[str] = LOCAL_HOSTS,
    upload_limit: int = investigations.UPLOAD_LIMIT,
) -> FastAPI:
    """The web app over ``library``.

    ``token``: every request must show it (a Bearer header, or the cookie the login form
    sets); None for none, which is only safe on the loopback. ``hosts``: the host names the
    app answers to (``"*"`` for any), the loopback by default, so that a site whose name is
    rebound to 127.0.0.1 cannot read the library through a visitor's browser.
    ``upload_limit``: the most bytes one new investigation may upload (a 413 past it).
    """
    app = FastAPI(
        title="Retroline",
        version=__version__,
        description="The incident library: incidents, search, similar incidents, statistics.",
        docs_url=None,  # FastAPI's pages load Swagger UI and ReDoc from a CDN
        redoc_url=None,
        openapi_url="/openapi.json",
    )
    app.state.guard = Guard(token)
    app.add_middleware(
        Shield,
        guard=app.state.guard,
        hosts=hosts,
        refuse=failure,
        login=login_page,
    )

    @app.exception_handler(RetrolineError)
    async def retroline_error(request: Request, exc: RetrolineError) -> Response:
        return failure(request, exc.http_status, str(exc))

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        if exc.status_code == 404:
            message = f"nothing at {request.url.path}: " + (
                "see /openapi.json for the API" if wants_json(request) else "see the library at /"
            )
        else:
            message = str(exc.detail)
        return failure(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        problem = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in problem.get("loc", ())[1:]) or "request"
        return failure(request, 400, f"{where}: {problem.get('msg', 'not valid')}")

    _pages(app, library)
    edits.register(app, library)
    investigations.register(app, library, upload_limit=upload_limit, refuse=failure)
    _api(app, library)
    return app


def _pages(app: FastAPI, library: Library) -> None:
    """The HTML pages."""

    @app.get("/", include_in_schema=False)
    def library_page(
        request: Request,
        q: str | None = None,
        since: str | None = None,
        until: str | None = None,
        sort: str | None = None,
        service: str | None = None,
        cause: str | None = None,
        page_number: Annotated[int, Query(alias="page", ge=1)] = 1,
    ) -> Response:
        first, last = parse_day(since, "since"), parse_day(until, "until")
        guard = guard_of(request)
        form = {"q": q, "since": since, "until": until, "sort": sort}
        form |= {"service": service, "cause": cause}
        context: dict[str, Any] = {
            "form": {key: value or "" for key, value in form.items()},
            "logout": guard.token is not None,
            "csrf": guard.csrf_token(request) if guard.token is not None else "",
        }
        if q and q.strip():
            hits = api.search(
                q, since=first, until=last, service=service, cause=cause, library=library
            )
            return page(
                "library.html.j2",
                hits=ordered_hits(hits, sort),
                facets=library.facet_values(),
                **context,
            )
        # A page at a time: a library of thousands stays quick to load and to read.
        shown = library.listing(
            since=first,
            until=last,
            sort=sort,
            service=service,
            cause=cause,
            offset=(page_number - 1) * PAGE_SIZE,
            limit=PAGE_SIZE,
        )
        pages = max(1, -(-shown.matching // PAGE_SIZE))
        if page_number > pages:
            raise UsageError(f"page {page_number}: the list has {pages} page(s)")
        return page(
            "library.html.j2",
            hits=None,
            incidents=shown.incidents,
            matching=shown.matching,
            total=shown.total,
            page_number=page_number,
            pages=pages,
            page_size=PAGE_SIZE,
            facets=library.facet_values(),
            **context,
        )

    @app.get("/incidents/{ident}", include_in_schema=False)
    def incident_page(ident: str) -> Response:
        incident = library.get(ident)
        assert incident.id is not None  # a stored incident has its id
        seen = api.similar_incidents(incident.id, library=library)
        return report_page(render(incident, "html", seen=seen), incident=incident.id)

    @app.get("/stats", include_in_schema=False)
    def stats_page(by: str | None = None) -> Response:
        result = api.incident_stats(by=by or None, library=library)
        text = stats_html(result, title=STATS_TITLE, now=dt.datetime.now(dt.UTC))
        return report_page(text, stats=True, by=result.by, groupings=list(GROUPINGS))

    @app.get("/login", include_in_schema=False)
    def login_form(request: Request, next: str | None = None) -> Response:
        if guard_of(request).token is None:
            return RedirectResponse(_local_path(next), status_code=303)
        return page(
            "login.html.j2",
            csrf=guard_of(request).csrf_token(request),
            next=_local_path(next),
            message=None,
        )

    @app.post("/login", include_in_schema=False, dependencies=[Depends(csrf_protected)])
    def login(
        request: Request,
        token: Annotated[str, Form()] = "",
        next: Annotated[str, Form()] = "/",
    ) -> Response:
        guard = guard_of(request)
        if not guard.token_matches(token):
            return login_page(request, message="That is not the token: try again.", next=next)
        response = RedirectResponse(_local_path(next), status_code=303)
        set_session(response, guard, secure=_is_https(request))
        return response

    @app.post("/logout", include_in_schema=False, dependencies=[Depends(csrf_protected)])
    def logout(request: Request) -> Response:
        response = RedirectResponse("/login", status_code=303)
        clear_session(response, secure=_is_https(request))
        return response

    @app.get("/docs", include_in_schema=False)
    def docs() -> Response:
        return page("docs.html.j2", schema=app.openapi())


def _api(app: FastAPI, library: Library) -> None:
    """The JSON API: what the command line prints with ``--json``, the same shapes."""

    @app.get("/api/incidents", response_class=JSON, tags=["incidents"])
    def incidents(
        since: Since = None,
        until: Until = None,
        sort: Sort = None,
        service: Service = None,
        cause: Cause = None,
        offset: Annotated[int, Query(ge=0, description="Skip this many incidents.")] = 0,
        limit: Annotated[
            int | None, Query(ge=1, description="At most this many incidents (all if not given).")
        ] = None,
    ) -> Response:
        """The incidents of the library (as ``retroline list --json``), newest first: those
        that pass the filters, ``limit`` of them from ``offset`` on (the library page's
        "This page as JSON" link gives its own). The ``X-Total-Count`` header says how
        many pass the filters, on all pages together."""
        shown = library.listing(
            since=parse_day(since, "since"),
            until=parse_day(until, "until"),
            sort=sort,
            service=service,
            cause=cause,
            offset=offset,
            limit=limit,
        )
        return JSON(
            [s.to_json() for s in shown.incidents],
            headers={"X-Total-Count": str(shown.matching)},
        )

    @app.get("/api/incidents/{ident}", tags=["incidents"])
    def incident(ident: str) -> Response:
        """One incident, id or unique id prefix (as ``retroline export``)."""
        return Response(library.get(ident).to_json(), media_type="application/json")

    @app.get("/api/incidents/{ident}/similar", response_class=JSON, tags=["incidents"])
    def similar(ident: str, limit: Annotated[int, Query(ge=1, le=100)] = 5) -> Response:
        """The past incidents most like this one, each with its reasons (as ``retroline
        similar --json``)."""
        seen = api.similar_incidents(ident, library=library, limit=limit)
        return JSON([m.to_json() for m in seen.matches])

    @app.get("/api/search", response_class=JSON, tags=["search"])
    def search(
        q: Annotated[str, Query(description='Words; "a phrase", -word, or.')],
        since: Since = None,
        until: Until = None,
        kind: Annotated[
            list[str] | None, Query(description="Match in these fields only (repeatable).")
        ] = None,
        limit: Annotated[int, Query(ge=1, le=1000)] = 20,
        service: Service = None,
        cause: Cause = None,
    ) -> Response:
        """Full-text search of the library, best first, each hit with a snippet and the
        fields it matched in (as ``retroline search --json``)."""
        hits = api.search(
            q,
            since=parse_day(since, "since"),
            until=parse_day(until, "until"),
            kinds=kind or (),
            limit=limit,
            service=service,
            cause=cause,
            library=library,
        )
        return JSON([hit.to_json() for hit in hits])

    @app.get("/api/stats", response_class=JSON, tags=["stats"])
    def stats(by: By = None) -> Response:
        """How long the incidents took, as distributions (as ``retroline stats --json``)."""
        return JSON(api.incident_stats(by=by or None, library=library).to_dict())
