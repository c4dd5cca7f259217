"""Corrections people make to an incident the program made, and the incident they give.

Extraction is never perfect: a person changes an event's kind, time or text, marks an event
as wrong, adds one the evidence does not show, accepts or dismisses a finding. Each is an
`Edit`, stored beside the extracted values (which stay as they were), and applied on
reading: `applied` gives the incident as corrected, with a note on every event an edit
changed.

An edit names its target by an identity (`anchors`) made of what extraction reads from the
evidence and what no edit changes: the event's source line and the words of its time, or
the finding's code and message, and which of several alike it is. The same evidence made
into an incident again gives the same identities, so corrections survive re-investigation;
when the evidence changed and a target is gone, its edits are kept and marked as not
applying.

    >>> import datetime as dt
    >>> from retroline.model import Event, Incident, Source
    >>> at = dt.datetime(2031, 4, 1, 10, tzinfo=dt.UTC)
    >>> incident = Incident(title="t", events=[
    ...     Event(at=at, time_text="10:00", text="db down", source=Source(path="a.md", line=3))])
    >>> target = anchors(incident.events, "event")[0]
    >>> edit = new_edit(incident, [], "kind", target, "impact_start", by="ana", now=at)
    >>> (edit.before, edit.after)
    ('other', 'impact_start')
    >>> applied(incident, [edit]).events[0].kind.value
    'impact_start'
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from retroline.errors import NotFoundError, UsageError
from retroline.instants import iso_utc
from retroline.model import (
    FINDING_EDITS,
    Edit,
    EditAction,
    Event,
    EventKind,
    Finding,
    Incident,
    Precision,
    Source,
)

__all__ = [
    "MAX_NAME",
    "MAX_TEXT",
    "Review",
    "added_target",
    "anchors",
    "applied",
    "clean_text",
    "describe",
    "new_edit",
    "parse_instant",
    "person",
    "review",
]

#: The longest text an edit may give (an event's text, a name, a reason).
MAX_TEXT = 4000
#: The longest name of the person who edits.
MAX_NAME = 100


def _digest(*parts: object) -> str:
    text = "\0".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def anchors(items: Sequence[Event] | Sequence[Finding], kind: str) -> list[str]:
    """The identity of each event (``kind`` "event") or finding ("finding") of a list, in
    its order: ``event:<hash>`` of the source line and the written time, or ``finding:``
    of the code and message, and of how many alike came before it in the list."""
    seen: Counter[str] = Counter()
    out = []
    for item in items:
        source = item.source
        where = (source.path, source.line, source.page) if source else (None, None, None)
        if isinstance(item, Event):
            key = _digest(*where, item.time_text)
        else:
            key = _digest(*where, item.code, item.message)
        out.append(f"{kind}:{_digest(key, seen[key])}")
        seen[key] += 1
    return out


def added_target(edit_id: int) -> str:
    """The identity of the event an ``add`` edit made, for the edits that follow it."""
    return f"added:{edit_id}"


def parse_instant(value: str) -> dt.datetime:
    """An instant a person typed: ISO 8601 (``2031-04-01 10:05``, ``...T10:05:30Z``,
    ``...+02:00``), read as UTC when it names no zone (the forms ask for UTC)."""
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    if text.upper().endswith(" UTC"):
        text = text[:-4].rstrip() + "+00:00"
    try:
        at = dt.datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"time {value!r}: give it as YYYY-MM-DD HH:MM[:SS] in UTC, or with its offset"
        ) from None
    if at.tzinfo is None:
        at = at.replace(tzinfo=dt.UTC)
    return at.astimezone(dt.UTC)


def clean_text(value: str) -> str:
    """``value`` as an edit stores it: stripped, its line breaks LF alone (a browser's
    textarea sends CRLF, which would otherwise show as a stray character and compare
    unequal to the same text saved again)."""
    return value.replace("\r\n", "\n").replace("\r", "\n").strip()


def _text(value: Any, what: str, *, limit: int = MAX_TEXT) -> str:
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{what}: give some text")
    text = " ".join(value.split()) if what == "name" else clean_text(value)
    if len(text) > limit:
        raise UsageError(f"{what}: at most {limit} characters (this is {len(text)})")
    return text


def person(by: Any) -> str:
    """The name of who corrects or undoes, as an edit records it: its blanks made single
    spaces, at most `MAX_NAME` characters; a UsageError when there is none or it is longer."""
    return _text(by, "name", limit=MAX_NAME)


def _kind(value: Any) -> EventKind:
    try:
        # As a list shows it ("impact start") or as it is stored ("impact_start").
        return EventKind(str(value).strip().lower().replace(" ", "_").replace("-", "_"))
    except ValueError:
        kinds = ", ".join(k.value for k in EventKind)
        raise UsageError(f"kind {value!r} is not one of: {kinds}") from None


class _State:
    """An incident while its edits are applied: its events and findings by identity."""

    def __init__(self, incident: Incident) -> None:
        self.events: dict[str, Event] = dict(
            zip(anchors(incident.events, "event"), incident.events, strict=True)
        )
        self.findings: dict[str, Finding] = dict(
            zip(anchors(incident.findings, "finding"), incident.findings, strict=True)
        )
        self.wrong: set[str] = set()
        self.status: dict[str, str] = {}

    def event(self, target: str | None) -> Event | None:
        return self.events.get(target or "") if target not in self.wrong else None

    def apply(self, edit: Edit) -> bool:
        """Apply ``edit``; False when its target is not in the incident."""
        if edit.action is EditAction.ADD:
            assert edit.id is not None, "an added event is named by its edit's id"
            self.events[added_target(edit.id)] = _added_event(edit)
            return True
        if edit.action in FINDING_EDITS:
            if edit.target not in self.findings:
                return False
            self.status[edit.target] = edit.after
            return True
        event = self.event(edit.target)
        if event is None or edit.target is None:
            return False
        note = f"{describe(edit)} (edit {edit.id}, by {edit.by}, {iso_utc(edit.at)})"
        changes: dict[str, Any] = {"notes": [*event.notes, note]}
        if edit.action is EditAction.KIND:
            changes["kind"] = EventKind(edit.after)
        elif edit.action is EditAction.TEXT:
            changes["text"] = edit.after
        elif edit.action is EditAction.TIME:
            at = parse_instant(edit.after)
            changes.update(at=at, date=at.date(), end_at=None, precision=_precision(at))
        elif edit.action is EditAction.WRONG:
            self.wrong.add(edit.target)
            return True
        self.events[edit.target] = event.model_copy(update=changes)
        return True


def _precision(at: dt.datetime) -> Precision:
    return Precision.SECOND if at.second or at.microsecond else Precision.MINUTE


def _added_event(edit: Edit) -> Event:
    after = edit.after
    at = parse_instant(after["at"])
    return Event(
        at=at,
        date=at.date(),
        precision=_precision(at),
        time_text=iso_utc(at),
        zone="UTC",
        text=after["text"],
        kind=EventKind(after.get("kind") or EventKind.OTHER),
        notes=[f"added by {edit.by}, {iso_utc(edit.at)} (edit {edit.id})"],
        source=Source(path=f"edit {edit.id} by {edit.by}"),
    )


def _by_time(event: Event) -> tuple[bool, dt.datetime]:
    return (event.at is None, event.at or dt.datetime.min.replace(tzinfo=dt.UTC))


def _replayed(incident: Incident, edits: Sequence[Edit]) -> tuple[_State, list[Edit]]:
    """The state of ``incident`` once ``edits`` are applied in the order they were made
    (undone ones skipped), and the edits, each saying whether it found its target."""
    state = _State(incident)
    listed = []
    for edit in sorted(edits, key=lambda e: (e.id is None, e.id or 0, e.at)):
        applies = edit.action is EditAction.ADD or (
            edit.target in state.findings
            if edit.action in FINDING_EDITS
            else state.event(edit.target) is not None
        )
        if edit.undone_at is None:
            applies = state.apply(edit)
        listed.append(edit.model_copy(update={"applies": applies}))
    return state, listed


def applied(incident: Incident, edits: Sequence[Edit]) -> Incident:
    """``incident`` as people corrected it: ``edits`` applied in the order they were made
    (undone ones skipped), and all of them listed in its ``edits``, each saying whether it
    found its target. Events moved in time or added take their place by time; events
    marked wrong and dismissed findings are left out. The extracted incident is unchanged."""
    return _corrected(incident, *_replayed(incident, edits))


def _corrected(incident: Incident, state: _State, listed: list[Edit]) -> Incident:
    """``incident`` with the events and findings of ``state`` and the edits ``listed``."""
    events = [e for key, e in state.events.items() if key not in state.wrong]
    if any(e.action in (EditAction.TIME, EditAction.ADD) for e in listed if e.applies):
        events.sort(key=_by_time)  # stable: events at one instant keep their order
    findings = [
        f for key, f in state.findings.items() if state.status.get(key) != EditAction.DISMISS
    ]
    return incident.model_copy(update={"events": events, "findings": findings, "edits": listed})


@dataclass(frozen=True)
class Review:
    """An incident as people corrected it, with the identity of each event and finding it
    shows: what a page offers to correct, and what an edit names as its ``target``."""

    incident: Incident
    events: list[tuple[str, Event]]
    findings: list[tuple[str, Finding]]

    def target(self, name: str) -> str:
        """The target named by ``name``: a target itself (``event:…``, ``finding:…``), or
        the place of an event or a finding in this review, ``e3`` or ``f1``, as `retroline
        edits list` numbers them."""
        given = name.strip()
        letter = given[:1].lower()
        if letter in ("e", "f") and given[1:].isdigit():
            listed = [t for t, _ in (self.events if letter == "e" else self.findings)]
            place = int(given[1:])
            if not 1 <= place <= len(listed):
                what = "events" if letter == "e" else "findings"
                raise NotFoundError(f"no {given}: the incident shows {len(listed)} {what}")
            return listed[place - 1]
        known = {t for t, _ in self.events} | {t for t, _ in self.findings}
        if given in known or given.startswith(("event:", "finding:")):
            return given  # an unknown one is refused where the edit is made
        raise UsageError(
            f"target {name!r}: give e1, e2, … for an event or f1, f2, … for a finding "
            "(see 'retroline edits list'), or its target"
        )

    def to_json(self) -> dict[str, Any]:
        """The review as plain JSON values: events and findings with their ``target``."""
        return {
            "id": self.incident.id,
            "title": self.incident.title,
            "events": [
                {"target": t, **e.model_dump(mode="json", include=_EVENT_FIELDS)}
                for t, e in self.events
            ],
            "findings": [
                {"target": t, **f.model_dump(mode="json", include=_FINDING_FIELDS)}
                for t, f in self.findings
            ],
            "edits": [e.model_dump(mode="json") for e in self.incident.edits],
        }


_EVENT_FIELDS = {"at", "time_text", "zone", "kind", "text", "notes", "source"}
_FINDING_FIELDS = {"code", "severity", "message", "source"}


def review(incident: Incident) -> Review:
    """``incident`` as read with its edits not applied (``Library.get(extracted=True)``),
    corrected by them (see `applied`), each event and finding with its identity."""
    state, listed = _replayed(incident, incident.edits)
    corrected = _corrected(incident, state, listed)
    target_of = {id(e): k for k, e in state.events.items()}
    events = [(target_of[id(e)], e) for e in corrected.events]
    findings = [
        (k, f) for k, f in state.findings.items() if state.status.get(k) != EditAction.DISMISS
    ]
    return Review(corrected, events, findings)


def describe(edit: Edit) -> str:
    """An edit in words: "kind: other → impact start", "marked wrong", "added"."""
    action = edit.action
    if action is EditAction.KIND:
        return f"kind corrected: {_words(edit.before)} → {_words(edit.after)}"
    if action is EditAction.TIME:
        return f"time corrected: {edit.before or 'none'} → {edit.after}"
    if action is EditAction.TEXT:
        return f"text corrected (was: {edit.before})"
    if action is EditAction.WRONG:
        return "marked wrong"
    if action is EditAction.ADD:
        return "added"
    return "accepted" if action is EditAction.ACCEPT else "dismissed"


def _words(kind: Any) -> str:
    return str(kind).replace("_", " ")


def new_edit(
    incident: Incident,
    edits: Sequence[Edit],
    action: EditAction | str,
    target: str | None,
    value: Any = None,
    *,
    by: str,
    now: dt.datetime,
    reason: str = "",
) -> Edit:
    """The edit a person asks for, checked against the extracted ``incident`` as ``edits``
    (those made before) correct it: its target must be there, its value valid and not the
    current one, which becomes its ``before``. A UsageError says what is wrong; a
    NotFoundError, that the target is not there (or was marked wrong, or dismissed).

    ``value``: an event kind (``kind``), an instant (``time``, see `parse_instant`), a
    text (``text``), ``{"at", "text", "kind"}`` (``add``); none for the others."""
    try:
        action = EditAction(action)
    except ValueError:
        actions = ", ".join(a.value for a in EditAction)
        raise UsageError(f"edit {action!r} is not one of: {actions}") from None
    name = person(by)
    why = reason.strip()
    if len(why) > MAX_TEXT:
        raise UsageError(f"reason: at most {MAX_TEXT} characters")
    made: dict[str, Any] = {"action": action, "by": name, "at": now, "reason": why}
    if action is EditAction.ADD:
        if not isinstance(value, dict):
            raise UsageError("add: give the event's time, kind and text")
        at = parse_instant(str(value.get("at") or ""))
        text = _text(value.get("text"), "text")
        kind = _kind(value.get("kind") or EventKind.OTHER.value)
        added = {"at": iso_utc(at), "kind": kind.value, "text": text}
        return _edit(made, target=None, subject=text, after=added)
    state, _listed = _replayed(incident, edits)
    if action in FINDING_EDITS:
        finding = state.findings.get(target or "")
        if finding is None or state.status.get(target or "") == EditAction.DISMISS:
            raise NotFoundError(f"no finding {target!r} in this incident (or it is dismissed)")
        if state.status.get(target or "") == action.value:
            raise UsageError(f"{action.value}: the finding is already {action.value}ed")
        return _edit(
            made,
            target=target,
            subject=finding.message,
            before=state.status.get(target or ""),
            after=action.value,
        )
    event = state.event(target)
    if event is None:
        raise NotFoundError(f"no event {target!r} in this incident (or it is marked wrong)")
    subject = event.text
    if action is EditAction.WRONG:
        return _edit(made, target=target, subject=subject, before=False, after=True)
    before: Any
    after: Any
    if action is EditAction.KIND:
        before, after = event.kind.value, _kind(value).value
    elif action is EditAction.TEXT:
        before, after = event.text, _text(value, "text")
    else:
        before = iso_utc(event.at) if event.at is not None else None
        after = iso_utc(parse_instant(str(value or "")))
    if before == after:
        raise UsageError(f"{action.value}: the event already has {after!r}")
    return _edit(made, target=target, subject=subject, before=before, after=after)


def _edit(made: dict[str, Any], **fields: Any) -> Edit:
    try:
        return Edit(**made, **fields)
    except ValidationError as exc:  # a value the model refuses: the person's mistake
        raise UsageError(f"edit: {exc.errors()[0]['msg']}") from None
