"""The domain: an incident and what it is made of.

Every model is a pydantic v2 model, so an incident round-trips through JSON unchanged and
``incident_schema()`` gives the JSON Schema other tools can validate against. Instants are
always in UTC and serialised with a trailing ``Z``; a naive datetime is refused rather than
guessed, because a guessed zone is exactly the mistake Retroline exists to expose.
"""

from __future__ import annotations

import datetime as dt
import json
from enum import StrEnum
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from retroline.inert import inert_json
from retroline.instants import iso_utc
from retroline.sources import DateSource, Precision, ZoneSource

__all__ = [
    "EVIDENCE_EVENTS",
    "FINDING_EDITS",
    "ActionItem",
    "DateSource",
    "Document",
    "Edit",
    "EditAction",
    "Event",
    "EventKind",
    "Finding",
    "Hypothesis",
    "Incident",
    "Link",
    "LogChange",
    "MetricChange",
    "Precision",
    "Section",
    "SectionKind",
    "Severity",
    "Source",
    "UtcDateTime",
    "Window",
    "ZoneSource",
    "incident_schema",
]


def _to_utc(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("an instant needs a zone; convert it to UTC first")
    return value.astimezone(dt.UTC)


UtcDateTime = Annotated[
    dt.datetime,
    AfterValidator(_to_utc),
    PlainSerializer(iso_utc, return_type=str, when_used="json"),
]
"""A timezone-aware instant, kept and written in UTC (``2016-09-08T15:56:00Z``)."""


class EventKind(StrEnum):
    """What an event means for the incident; drives the durations in the report."""

    OTHER = "other"
    IMPACT_START = "impact_start"
    DETECTION = "detection"
    ENGAGEMENT = "engagement"
    MITIGATION = "mitigation"
    RESOLUTION = "resolution"
    CHANGE = "change"
    COMMUNICATION = "communication"
    LOG = "log"
    METRIC = "metric"


#: Events found in evidence (a log pattern that changed, a metric that changed), not written
#: in a document: they have no stated wording, date or order for the document checks.
EVIDENCE_EVENTS = frozenset({EventKind.LOG, EventKind.METRIC})


class SectionKind(StrEnum):
    """The usual parts of a postmortem, whatever a document calls them."""

    SUMMARY = "summary"
    IMPACT = "impact"
    DETECTION = "detection"
    TIMELINE = "timeline"
    ANALYSIS = "analysis"
    ROOT_CAUSE = "root_cause"
    CONTRIBUTING_FACTORS = "contributing_factors"
    MITIGATION = "mitigation"
    ACTION_ITEMS = "action_items"
    LESSONS = "lessons"
    REFERENCES = "references"
    OTHER = "other"


class Severity(StrEnum):
    """How much a finding matters."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)


class Source(_Model):
    """Where a piece of the incident came from: a file and a 1-based line in it.

    A PDF has pages: ``page`` is the page and ``line`` the line within it. A Word file has
    no lines: ``line`` is the paragraph, counting table rows, in document order. ``page`` is
    left out of JSON where there is none, so sources in files without pages read as before.
    """

    path: str
    line: int | None = Field(default=None, ge=1)
    page: int | None = Field(default=None, ge=1, exclude_if=lambda value: value is None)


class Document(_Model):
    """A file that went into the incident, identified by the hash of its bytes."""

    path: str
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    format: str
    encoding: str | None = None
    size: int = Field(ge=0)
    revision: str | None = None


class Event(_Model):
    """One entry of the timeline, with the words it came from and where they stand."""

    at: UtcDateTime | None = None
    end_at: UtcDateTime | None = None
    date: dt.date | None = None
    precision: Precision = Precision.MINUTE
    time_text: str = ""
    zone: str | None = None
    zone_source: ZoneSource | None = None
    date_source: DateSource | None = None
    year_source: DateSource | None = None
    # How the time was read where its words leave it open: "crossed midnight after the
    # previous entry", "2:15 read as 02:15 PM: ...", "CET is UTC+1, but ... was on UTC+2".
    notes: list[str] = Field(default_factory=list)
    text: str
    kind: EventKind = EventKind.OTHER
    details: list[str] = Field(default_factory=list)
    source: Source


class Section(_Model):
    """A part of the document, mapped to the usual postmortem parts."""

    kind: SectionKind = SectionKind.OTHER
    title: str
    text: str = ""
    source: Source | None = None


class ActionItem(_Model):
    """A follow-up action, with its owner and status where the document gives them."""

    text: str
    owner: str | None = None
    status: str | None = None
    due: dt.date | None = None
    source: Source | None = None


class Link(_Model):
    """A reference the document makes (ticket, dashboard, related page)."""

    url: str
    text: str = ""
    source: Source | None = None


class Hypothesis(_Model):
    """A proposed cause, with the facts it explains and those it leaves unexplained."""

    text: str
    explains: list[str] = Field(default_factory=list)
    unexplained: list[str] = Field(default_factory=list)
    source: Source | None = None


class Finding(_Model):
    """The result of a check on the story (a zone assumed, a window that contradicts), or
    of a look at the evidence (packages that differ between hosts). ``rows`` is the table
    behind the sentence, when it has one: a header row, then one row per item (the
    packages that differ, the processes not restarted), for the report to show."""

    code: str = Field(pattern=r"^[a-z][a-z0-9-]*$")
    severity: Severity = Severity.WARNING
    message: str
    source: Source | None = None
    rows: list[list[str]] = Field(default_factory=list)


class Window(_Model):
    """A span of time the document states, such as its impact window ("from 05:54 to 17:10")."""

    at: UtcDateTime | None = None
    end_at: UtcDateTime | None = None
    time_text: str = ""
    text: str = ""
    source: Source | None = None


class LogChange(_Model):
    """A log template whose rate changed at the onset: the evidence behind a log event.

    ``series`` counts its lines in equal bins from ``window_start``, ``bin_seconds`` each,
    across the windows before and after ``onset``: the small chart of the report.
    """

    template_id: str
    template: str
    change: str  # appeared, spiked, dropped, vanished
    score: float  # -log10 of the p-value of the rate change
    before: int
    after: int
    first_seen: UtcDateTime | None = None
    last_seen: UtcDateTime | None = None
    hosts: list[str] = Field(default_factory=list)
    onset: UtcDateTime | None = None
    window_start: UtcDateTime | None = None
    bin_seconds: float = 0.0
    series: list[int] = Field(default_factory=list)
    example: str = ""
    source: Source | None = None


class MetricChange(_Model):
    """A point where a metric series changed: the evidence behind a metric event.

    ``kind`` is level, trend, variance, gap or limit; ``before`` and ``after`` describe the
    regimes on either side (mean, slope per second, spread, points). ``times`` (seconds
    since the epoch) and ``values`` (None: a gap) are the series thinned for the report's
    chart; ``source`` is the file and line of the first sample of the new regime, and
    ``query``/``server`` say where a pulled series came from.
    """

    series: str
    kind: str
    at: UtcDateTime
    score: float
    before: dict[str, float | None] = Field(default_factory=dict)
    after: dict[str, float | None] = Field(default_factory=dict)
    unit: str | None = None
    times: list[float] = Field(default_factory=list)
    values: list[float | None] = Field(default_factory=list)
    query: str | None = None
    server: str | None = None
    source: Source | None = None


class EditAction(StrEnum):
    """What a person corrected in an incident the program made."""

    KIND = "kind"  # an event's kind
    TIME = "time"  # an event's instant
    TEXT = "text"  # an event's text
    WRONG = "wrong"  # the event is wrong: it leaves the timeline
    ADD = "add"  # an event the evidence does not show
    ACCEPT = "accept"  # a finding is right
    DISMISS = "dismiss"  # a finding is wrong, or does not matter


#: The edits of a finding (the others are of the timeline's events).
FINDING_EDITS = frozenset({EditAction.ACCEPT, EditAction.DISMISS})


class Edit(_Model):
    """A correction a person made, kept beside the value the program extracted: what it
    was (``before``), what it became (``after``), who made it and when.

    ``target`` names the event or finding, by an identity that stays the same when the
    incident is made again from the same evidence (``analysis.edits.anchors``); None for
    an event added by hand. ``subject`` is the target's text when the edit was made, so
    that an edit still says what it was about once its target is gone. An undone edit is
    kept, with who undid it and when. ``applies`` is False when the incident, made again
    from changed evidence, no longer has the target.
    """

    id: int | None = None
    action: EditAction
    target: str | None = None
    subject: str = ""
    before: Any = None
    after: Any = None
    by: str = Field(min_length=1)
    at: UtcDateTime
    reason: str = ""
    undone_at: UtcDateTime | None = None
    undone_by: str | None = None
    applies: bool = True


class Incident(_Model):
    """An incident: what happened, when (in UTC), and the evidence behind it.

    ``edits`` are the corrections people made to it (see `Edit`): an incident read from
    the library has them applied, and lists them all, undone ones too.
    """

    id: str | None = None
    title: str
    document_date: dt.date | None = None
    summary: str | None = None
    documents: list[Document] = Field(default_factory=list)
    events: list[Event] = Field(default_factory=list)
    sections: list[Section] = Field(default_factory=list)
    action_items: list[ActionItem] = Field(default_factory=list)
    links: list[Link] = Field(default_factory=list)
    hypotheses: list[Hypothesis] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    stated_windows: list[Window] = Field(default_factory=list)
    log_changes: list[LogChange] = Field(default_factory=list)
    metric_changes: list[MetricChange] = Field(default_factory=list)
    edits: list[Edit] = Field(default_factory=list)

    def to_json(self) -> str:
        """The incident as JSON text: the shape ``extract --json`` prints and
        `incident_schema` describes."""
        return inert_json(json.dumps(self.model_dump(mode="json"), indent=2, ensure_ascii=False))


def incident_schema() -> dict[str, Any]:
    """The JSON Schema of an incident as ``extract --json`` and ``export`` write it."""
    schema = Incident.model_json_schema(mode="serialization")
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
