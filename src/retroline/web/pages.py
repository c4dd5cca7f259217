"""The web app's answers: its own HTML pages, the report pages with a way back to the
library, and JSON as the command line writes it (`JSON`).

The app's pages (the library, search results, login, errors, the API's list) are Jinja2
templates in ``report/templates/web/``, rendered by the report's environment: everything
escaped, every text inert. Their one stylesheet (the report's, plus ``web/web.css``) is
inlined and allowed by its hash; they have no script and work without JavaScript.

An incident and the statistics are the pages ``retroline report`` and ``retroline stats
--html`` write, whole: their own Content-Security-Policy (a ``<meta>`` naming the hashes of
their inline style and script) is repeated as the response's header, with no framing, and a
bar of links to the library goes in after ``<body>``.
"""

from __future__ import annotations

import datetime as dt
import html
import json
import re
from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Any
from urllib.parse import quote, urlencode

import jinja2
from markupsafe import Markup, escape
from starlette.responses import HTMLResponse, JSONResponse

from retroline.inert import inert, inert_json
from retroline.report.html import asset, csp_hash, page_environment
from retroline.store.listing import SORTS, checked_sort
from retroline.store.search import SearchHit
from retroline.web.security import CSRF_FIELD, policy

__all__ = ["JSON", "SORTS", "ordered_hits", "page", "report_page"]

_META_CSP = re.compile(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">')
_MATCHED = re.compile(r"\[([^\[\]]+)\]")


class JSON(JSONResponse):
    """JSON as the command line writes it: UTF-8, nothing a terminal acts on left raw."""

    def render(self, content: Any) -> bytes:
        return inert_json(json.dumps(content, ensure_ascii=False)).encode("utf-8")


def web_asset(name: str) -> str:
    """A file of the web app's templates folder (its stylesheet), as text."""
    return (resources.files("retroline.report") / "templates" / "web" / name).read_text("utf-8")


def marked(snippet: str) -> Markup:
    """A search snippet as HTML: the text escaped, the matched words (in [brackets] from
    the search) in ``<mark>``."""
    return Markup(_MATCHED.sub(r"<mark>\1</mark>", str(escape(inert(snippet, lines=False)))))


def path_part(value: str) -> str:
    """``value`` quoted to stand as one segment of a URL path."""
    return quote(value, safe="")


def query(params: Mapping[str, Any], **more: Any) -> str:
    """A query string (with its ``?``) of the parameters, and ``more``, that have a value."""
    kept = {k: v for k, v in {**params, **more}.items() if v}
    return "?" + urlencode(kept) if kept else ""


@cache
def environment() -> jinja2.Environment:
    """The report's page environment, with the filters the web pages use."""
    env = page_environment()
    env.filters.update(marked=marked, path=path_part)
    env.globals.update(query=query, csrf_field=CSRF_FIELD, sorts=SORTS)
    return env


@cache
def _css() -> tuple[Markup, str]:
    css = asset("report.css") + "\n" + web_asset("web.css")
    return Markup(css), csp_hash(css)


def page(template: str, *, status: int = 200, **context: Any) -> HTMLResponse:
    """One of the app's pages (``report/templates/web/TEMPLATE``), with its policy."""
    css, digest = _css()
    text = environment().get_template(f"web/{template}").render(css=css, **context)
    return HTMLResponse(
        text, status_code=status, headers={"Content-Security-Policy": policy(style=digest)}
    )


def report_page(report: str, **links: Any) -> HTMLResponse:
    """A page the report renderers wrote (an incident's postmortem, the statistics), with
    the bar of links to the rest of the app after ``<body>`` (``links`` go to its
    template) and its own policy as the response's header, with framing forbidden.

    ``<body>`` and the ``<meta>`` are the first of the page: anything from the evidence
    before them is escaped and cannot spell them."""
    bar = environment().get_template("web/bar.html.j2").render(**links)
    text = report.replace("<body>\n", "<body>\n" + bar.rstrip("\n") + "\n", 1)
    found = _META_CSP.search(report)
    own = html.unescape(found.group(1)) if found else "default-src 'none'"
    return HTMLResponse(text, headers={"Content-Security-Policy": own + "; frame-ancestors 'none'"})


def _newest_first(day: dt.date | None) -> tuple[bool, int]:
    """A sort key: the latest day first, incidents without a day last."""
    return (day is None, -day.toordinal() if day is not None else 0)


def ordered_hits(hits: Sequence[SearchHit], sort: str | None) -> list[SearchHit]:
    """Search hits by relevance (as found), or by ``sort`` (`SORTS`, the library listing's
    orders): newest first, or by title."""
    if not sort:
        return list(hits)
    if checked_sort(sort) == "title":
        return sorted(hits, key=lambda h: (h.title.casefold(), h.id))
    return sorted(hits, key=lambda h: _newest_first(h.date))
