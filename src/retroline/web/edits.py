"""Corrections in the web app: the page that corrects an incident, and its JSON twins.

    /incidents/{id}/edits                 the incident's events and findings, each with a
                                          form to correct it, a form to add an event, and
                                          the corrections made so far, each with "undo"
    POST /incidents/{id}/edits            a correction (form: ``form`` says which)
    POST /incidents/{id}/edits/{n}/undo   take correction n back
    POST /incidents/{id}/edits/name       who is correcting (kept in a cookie)
    /api/incidents/{id}/edits             the same as JSON; POST a correction as JSON
    POST /api/incidents/{id}/edits/{n}/undo

Every correction names who made it: the pages ask once and keep the name in a cookie; the
JSON says it in ``by``. Forms carry the CSRF token (`security.csrf_protected`); the JSON
routes take a JSON body only, which a page of another site cannot send without the browser
asking this app first (a CORS preflight, which it does not answer), so they need no token
beyond the app's own. The work is the public API's (`retroline.api.correct`,
`undo_correction`, `corrections`); these routes read forms and choose pages.
"""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import quote, unquote

from fastapi import Depends, FastAPI, Form, Request
from pydantic import BaseModel, Field
from starlette.responses import RedirectResponse, Response

from retroline import api
from retroline.analysis.edits import MAX_NAME, Review, clean_text, describe, parse_instant
from retroline.errors import NotFoundError, UsageError
from retroline.model import EditAction, EventKind
from retroline.store import Library
from retroline.web.pages import JSON, page, path_part
from retroline.web.security import csrf_protected, guard_of

__all__ = ["NAME_COOKIE", "register"]

#: The cookie that remembers who is correcting, so that each form need not ask.
NAME_COOKIE = "retroline_name"

#: What the kind menus offer, in the order of an incident's life.
KINDS = [k.value for k in EventKind]


class Correction(BaseModel):
    """A correction sent as JSON (see `retroline.api.correct` for the actions)."""

    action: EditAction
    target: str | None = Field(
        default=None, description="The event or finding (from GET .../edits); none to add."
    )
    value: Any = Field(
        default=None,
        description='A kind, an instant (UTC unless it has an offset), a text, or for "add" '
        '{"at", "kind", "text"}.',
    )
    by: str = Field(description="Who makes the correction.")
    reason: str = ""


class Undo(BaseModel):
    """Who takes a correction back."""

    by: str


def name_of(request: Request) -> str:
    """Who is correcting, from the cookie the name form set ("" when not said yet)."""
    return " ".join(unquote(request.cookies.get(NAME_COOKIE, "")).split())[:MAX_NAME]


def _back(ident: str, anchor: str = "") -> RedirectResponse:
    """Back to the corrections page of ``ident`` (at ``anchor``), after a form."""
    where = f"/incidents/{path_part(ident)}/edits" + (f"#{anchor}" if anchor else "")
    return RedirectResponse(where, status_code=303)


def _form_changes(
    view: Review, form: str, target: str, kind: str, time: str, text: str, verdict: str
) -> list[tuple[str, str | None, Any]]:
    """The corrections a posted form asks for, against the incident as corrected so far:
    on the event form, one per field that differs from the event's current value."""
    if form == "add":
        return [(EditAction.ADD.value, None, {"at": time, "kind": kind, "text": text})]
    if form == "wrong":
        return [(EditAction.WRONG.value, target, None)]
    if form == "finding":
        return [(verdict, target, None)]
    if form != "event":
        raise UsageError(f"form {form!r} is not one of: event, wrong, add, finding")
    event = dict(view.events).get(target)
    if event is None:
        raise NotFoundError(f"no event {target!r} in this incident: reload the page")
    changes: list[tuple[str, str | None, Any]] = []
    if kind and kind != event.kind.value:
        changes.append((EditAction.KIND.value, target, kind))
    if time.strip() and (event.at is None or parse_instant(time) != event.at):
        changes.append((EditAction.TIME.value, target, time))
    if text.strip() and clean_text(text) != event.text:
        changes.append((EditAction.TEXT.value, target, text))
    if not changes:
        raise UsageError("nothing was changed in the event: edit its kind, time or text")
    return changes


def register(app: FastAPI, library: Library) -> None:
    """Add the corrections page, its forms and its JSON routes to ``app``."""

    @app.get("/incidents/{ident}/edits", include_in_schema=False)
    def edits_page(request: Request, ident: str) -> Response:
        view = api.corrections(ident, library=library)
        return page(
            "edits.html.j2",
            view=view,
            incident=view.incident,
            name=name_of(request),
            kinds=KINDS,
            describe=describe,
            csrf=guard_of(request).csrf_token(request),
        )

    @app.post(
        "/incidents/{ident}/edits", include_in_schema=False, dependencies=[Depends(csrf_protected)]
    )
    def edit_form(
        request: Request,
        ident: str,
        form: Annotated[str, Form()],
        target: Annotated[str, Form()] = "",
        kind: Annotated[str, Form()] = "",
        time: Annotated[str, Form()] = "",
        text: Annotated[str, Form()] = "",
        verdict: Annotated[str, Form()] = "",
        reason: Annotated[str, Form()] = "",
    ) -> Response:
        by = name_of(request)
        if not by:
            raise UsageError("say who you are first (the name form at the top of the page)")
        view = api.corrections(ident, library=library)
        changes = _form_changes(view, form, target, kind, time, text, verdict)
        made = api.correct(ident, changes, by=by, reason=reason, library=library)
        return _back(ident, f"edit-{made[-1].id}")

    @app.post(
        "/incidents/{ident}/edits/{number}/undo",
        include_in_schema=False,
        dependencies=[Depends(csrf_protected)],
    )
    def undo_form(request: Request, ident: str, number: int) -> Response:
        by = name_of(request)
        if not by:
            raise UsageError("say who you are first (the name form at the top of the page)")
        api.undo_correction(ident, number, by=by, library=library)
        return _back(ident, f"edit-{number}")

    @app.post(
        "/incidents/{ident}/edits/name",
        include_in_schema=False,
        dependencies=[Depends(csrf_protected)],
    )
    def name_form(request: Request, ident: str, name: Annotated[str, Form()] = "") -> Response:
        name = " ".join(name.split())
        if not name or len(name) > MAX_NAME:
            raise UsageError(f"name: give your name, at most {MAX_NAME} characters")
        response = _back(ident)
        response.set_cookie(
            NAME_COOKIE,
            quote(name, safe=""),
            path="/",
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
        )
        return response

    @app.get("/api/incidents/{ident}/edits", response_class=JSON, tags=["corrections"])
    def edits_json(ident: str) -> dict[str, Any]:
        """The incident as people corrected it: its events and findings, each with the
        ``target`` that names it in a correction, and the corrections (``edits``), undone
        ones included."""
        return api.corrections(ident, library=library).to_json()

    @app.post(
        "/api/incidents/{ident}/edits", status_code=201, response_class=JSON, tags=["corrections"]
    )
    def edit_json(ident: str, correction: Correction) -> dict[str, Any]:
        """Correct the incident: ``kind``, ``time``, ``text`` or ``wrong`` on an event,
        ``add`` an event, ``accept`` or ``dismiss`` a finding. Answers the correction as
        stored (its id, and the value it replaced in ``before``)."""
        made = api.correct(
            ident,
            [(correction.action.value, correction.target, correction.value)],
            by=correction.by,
            reason=correction.reason,
            library=library,
        )
        return made[0].model_dump(mode="json")

    @app.post(
        "/api/incidents/{ident}/edits/{number}/undo", response_class=JSON, tags=["corrections"]
    )
    def undo_json(ident: str, number: int, undo: Undo) -> dict[str, Any]:
        """Take correction ``number`` back: it stays in the record, marked undone."""
        return api.undo_correction(ident, number, by=undo.by, library=library).model_dump(
            mode="json"
        )
