"""Markdown postmortems: headings become sections, timestamped bullets become events.

Parsed with markdown-it-py, whose tokens carry the source line of every block, so each event
points back to the line it was written on.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from markdown_it import MarkdownIt
from markdown_it.token import Token

from retroline.documents.sections import classify
from retroline.errors import ParseError
from retroline.model import (
    ActionItem,
    Event,
    Link,
    Precision,
    Section,
    SectionKind,
    Source,
    ZoneSource,
)

# An ISO 8601 stamp at the start of a bullet: "2024-03-05 14:02 UTC - ...",
# "**2024-03-05T14:02:10+01:00**: ...". Other forms are the timeline extractor's job.
_STAMP = re.compile(
    r"^\s*(?:\*\*|__|`)?\s*"
    r"(?P<date>\d{4}-\d{2}-\d{2})"
    r"(?:[T ](?P<h>\d{2}):(?P<m>\d{2})(?::(?P<s>\d{2})(?:[.,]\d+)?)?"
    r"\s*(?P<zone>Z|UTC|GMT|[+-]\d{2}:?\d{2})?)?"
    r"\s*(?:\*\*|__|`)?\s*(?:[-\u2013\u2014:|]\s*)?(?:\*\*|__)?\s*"
)
_OWNER = re.compile(
    r"\((?:owner|assignee|assigned to|who)\s*[:=]\s*(?P<owner>[^)]+)\)|"
    r"(?:^|\s)@(?P<handle>[A-Za-z][\w.-]*)|"
    r"\b(?:owner|assignee)\s*[:=]\s*(?P<plain>[A-Z][\w.-]*(?: [A-Z][\w.-]*)?)",
    re.IGNORECASE,
)
_CHECKBOX = re.compile(r"^\[(?P<mark>[ xX])\]\s*")
_DATE_LINE = re.compile(
    r"^\s*(?:date|published|written|posted)\s*:\s*(\d{4}-\d{2}-\d{2})", re.I | re.M
)


@dataclass
class _Block:
    """One list item or paragraph with its text and first source line."""

    text: str
    line: int
    depth: int
    children: list[_Block] = field(default_factory=list)


@dataclass
class MarkdownParts:
    """What a Markdown document says, before checks are run on it."""

    title: str
    document_date: dt.date | None
    events: list[Event]
    sections: list[Section]
    action_items: list[ActionItem]
    links: list[Link]


def _inline_text(token: Token) -> str:
    return " ".join((token.content or "").split())


def _stamp(text: str, path: str, line: int, tz: str | None) -> Event | None:
    m = _STAMP.match(text)
    if not m:
        return None
    rest = text[m.end() :].strip()
    if not rest:
        return None
    try:
        day = dt.date.fromisoformat(m["date"])
        if m["h"] is not None:
            dt.time(int(m["h"]), int(m["m"]), int(m["s"] or 0))
    except ValueError as exc:
        raise ParseError(
            f"impossible date or time {text[: m.end()].strip()!r}: {exc}", path, line
        ) from exc
    if m["h"] is None:
        return Event(
            date=day,
            precision=Precision.DAY,
            time_text=m["date"],
            text=rest,
            source=Source(path=path, line=line),
        )
    local = dt.datetime(day.year, day.month, day.day, int(m["h"]), int(m["m"]), int(m["s"] or 0))
    zone_text = m["zone"]
    if zone_text:
        if zone_text in ("Z", "UTC", "GMT"):
            tzinfo: dt.tzinfo = dt.UTC
        else:
            digits = zone_text.replace(":", "")
            sign = -1 if digits[0] == "-" else 1
            tzinfo = dt.timezone(
                sign * dt.timedelta(hours=int(digits[1:3]), minutes=int(digits[3:5]))
            )
        zone, zone_source = zone_text, ZoneSource.EXPLICIT
    elif tz:
        tzinfo, zone, zone_source = ZoneInfo(tz), tz, ZoneSource.OPTION
    else:
        tzinfo, zone, zone_source = dt.UTC, "UTC", ZoneSource.ASSUMED
    return Event(
        at=local.replace(tzinfo=tzinfo),
        date=day,
        precision=Precision.SECOND if m["s"] else Precision.MINUTE,
        time_text=text[: m.end()].strip(" -:|*_`\u2013\u2014"),
        zone=zone,
        zone_source=zone_source,
        text=rest,
        source=Source(path=path, line=line),
    )


def _action(text: str, path: str, line: int) -> ActionItem:
    status = None
    box = _CHECKBOX.match(text)
    if box:
        status = "done" if box["mark"] in "xX" else "open"
        text = text[box.end() :]
    owner = None
    m = _OWNER.search(text)
    if m:
        owner = (m["owner"] or m["handle"] or m["plain"]).strip()
    return ActionItem(
        text=text.strip(), owner=owner, status=status, source=Source(path=path, line=line)
    )


def parse(text: str, path: str, *, tz: str | None = None) -> MarkdownParts:
    """Read a Markdown postmortem; ``tz`` (IANA) applies to stamps that state no zone."""
    md = MarkdownIt("commonmark").enable("table")
    tokens = md.parse(text)
    title = ""
    sections: list[Section] = []
    events: list[Event] = []
    actions: list[ActionItem] = []
    links: list[Link] = []
    current: Section | None = None
    body: list[str] = []
    depth = 0

    def close_section() -> None:
        if current is not None:
            current.text = "\n".join(body).strip()

    for i, tok in enumerate(tokens):
        line = (tok.map[0] + 1) if tok.map else 0
        if tok.type == "heading_open":
            heading = _inline_text(tokens[i + 1])
            if not title and tok.tag in ("h1", "h2"):
                title = heading
                if tok.tag == "h1":
                    continue
            close_section()
            body = []
            current = Section(
                kind=classify(heading), title=heading, source=Source(path=path, line=line)
            )
            sections.append(current)
        elif tok.type in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif tok.type in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif tok.type == "inline" and tokens[i - 1].type == "paragraph_open":
            opener = tokens[i - 1].map
            para_line = opener[0] + 1 if opener else line
            content = tok.content.strip()
            body.append(content)
            for child in tok.children or []:
                if child.type == "link_open":
                    href = str(child.attrs.get("href", ""))
                    if href.startswith(("http://", "https://", "mailto:")):
                        links.append(
                            Link(url=href, text="", source=Source(path=path, line=para_line))
                        )
            if depth == 0:
                continue
            first = " ".join(content.splitlines()[0].split())
            event = _stamp(first, path, para_line, tz)
            if event is not None:
                events.append(event)
            elif depth > 1 and events and events[-1].source.line is not None:
                # An undated line under a dated one is that entry's detail, not an event.
                events[-1].details.append(first)
            elif current is not None and current.kind is SectionKind.ACTION_ITEMS and depth == 1:
                actions.append(_action(first, path, para_line))
    close_section()

    for link in links:
        if not link.text:
            link.text = link.url
    if not title:
        title = next((ln.strip("# ").strip() for ln in text.splitlines() if ln.strip()), path)
    date_line = _DATE_LINE.search(text)
    doc_date = dt.date.fromisoformat(date_line[1]) if date_line else None
    return MarkdownParts(title, doc_date, events, sections, actions, links)
