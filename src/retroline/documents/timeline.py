"""Blocks to timeline events: which lines are entries, which are their details, and when.

An entry is a block that *starts* with a time expression (after bullets and emphasis), a
table row whose leading cells are a date and a time, or the text under a heading that is a
time ("### 16:22"). Undated lines nested under an entry are its details; nested lines with
their own timestamp (pasted log lines) are events of their own. A document with no entries
at all is read as narrative: sentences with a clock time become approximate events.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, field, replace

from retroline.analysis.kinds import classify_event
from retroline.documents.blocks import Block, BlockKind, Parsed
from retroline.documents.narrative import story_entries
from retroline.model import Event, EventKind, Precision, ZoneSource
from retroline.when import (
    Resolved,
    TimeMatch,
    Zone,
    find_times,
    find_zone_statements,
    parse_zone,
    resolve,
)
from retroline.when.statements import defined_zone

# What may stand before an entry's time: list markers, emphasis, brackets, a log's "#".
_LEAD = re.compile(r"^[\s*_`>#\[(|•·\-–—~]*$")
# What separates an entry's time from its text: " - ", ": ", " | ", "**", "]" ...
_SEPARATOR = re.compile(r"^[\s*_`\]):|,.\-–—>]*\s*")
# A stamp at the start of an entry that names no real day or time ("2024-02-30", "25:10").
_ISO_DAY = re.compile(r"^[\s*_`>#\[(|•·\-–—~]*(\d{4})[-/](\d{1,2})[-/](\d{1,2})\b")
_CLOCK = re.compile(
    r"^[\s*_`>#\[(|•·\-–—~]*(?:\d{4}[-/]\d{1,2}[-/]\d{1,2}[ T])?(\d{1,2}):(\d{2})\b"
)


def impossible_stamp(text: str) -> str | None:
    """The stamp an entry starts with when it names no real day or time, else None."""
    day = _ISO_DAY.match(text)
    if day:
        try:
            dt.date(int(day[1]), int(day[2]), int(day[3]))
        except ValueError:
            return day.group(0).strip(" *_`>#[(|•·-–—~")
    clock = _CLOCK.match(text)
    if clock and (int(clock[1]) > 24 or int(clock[2]) > 59):
        return clock.group(0).strip(" *_`>#[(|•·-–—~")
    return None


@dataclass
class Entry:
    """A timeline entry found in the blocks, before it is placed in time."""

    match: TimeMatch
    text: str
    block: Block
    depth: int
    log: bool = False
    zone_hint: Zone | None = None  # a zone stated by the entry this one is nested in
    parent: Entry | None = None
    details: list[str] = field(default_factory=list)
    context_date: dt.date | None = None
    narrative: bool = False


@dataclass
class StatedWindow:
    """An impact window the document states ("unavailable from 05:54 to 17:10")."""

    resolved: Resolved
    text: str
    line: int
    page: int | None = None


@dataclass
class Timeline:
    """The events of a document and what was learned on the way."""

    events: list[Event]
    windows: list[StatedWindow]
    ambiguous: list[Event]
    impossible: list[tuple[str, Block]] = field(default_factory=list)


# An entry's time stands in its first characters; the longest form ("17:57 Friday, August
# 08 2008 CEST") is well within this many.
_HEAD = 100
_TIMELIKE = re.compile(r"\d|noon|midnight|midday", re.I)


@functools.lru_cache(maxsize=8192)
def _times_in(text: str) -> tuple[TimeMatch, ...]:
    """find_times, remembered: several passes look at the same block of text."""
    return tuple(find_times(text))


def leading_time(text: str) -> TimeMatch | None:
    """The time expression an entry starts with, if it starts with one."""
    head = text[:_HEAD]
    if not _TIMELIKE.search(head):
        return None
    for match in _times_in(head):
        if not _LEAD.match(text[: match.start]):
            return None
        if match.has_date or match.has_time:
            return match
        return None
    return None


def _rest(text: str, match: TimeMatch) -> str:
    rest = text[match.end :]
    rest = (
        re.sub(r"^\s*\d{3,6}\]\s*", "", rest) if text[: match.start].strip().endswith("[") else rest
    )
    return _SEPARATOR.sub("", rest, count=1).strip()


def _statement_zone(text: str) -> Zone | None:
    """The zone a piece of text declares for the times around it, if any."""
    zone = None
    defines: dict[str, dt.timedelta] = {}
    for statement in find_zone_statements(text):
        if statement.zone is not None and zone is None:
            zone = statement.zone
        defines.update(statement.defines)
    if zone is None and len(defines) == 1:
        label, offset = next(iter(defines.items()))
        zone = defined_zone(label, offset)
    return zone


def _row_entry(block: Block) -> tuple[TimeMatch, str] | None:
    """A table row with a date and/or time in its leading cells."""
    cells = [c for c in (block.cells or []) if c.strip()]
    if len(cells) < 2:
        return None
    joined = " ".join(cells[:2])
    first = leading_time(cells[0])
    if first is None:
        return None
    combined = leading_time(joined)
    if combined is not None and combined.end > len(cells[0]) and combined.has_time:
        used = joined[: combined.end]
        taken = 2 if len(used) > len(cells[0]) + 1 else 1
        return combined, " — ".join(cells[taken:])
    if _rest(cells[0], first):
        return first, " — ".join([_rest(cells[0], first), *cells[1:]])
    return first, " — ".join(cells[1:])


_DAY_RANGE = re.compile(
    r"\b(\d{1,2})(?:st|nd|rd|th)?\s*[-–]\s*\d{1,2}(?:st|nd|rd|th)?(\s+(?:of\s+)?[A-Z][a-z]{2,8})\b"
)


def _day_of(
    text: str, reference: dt.date | dt.datetime | None, fallback: dt.date | None
) -> dt.date | None:
    """The calendar day a heading or date line names ("31 December", "13-14 June"), if any."""
    text = _DAY_RANGE.sub(r"\1\2", text)  # a span of days starts on its first day
    for match in _times_in(text):
        if match.has_date and match.day is not None:
            resolved = resolve(match, reference_date=reference)
            return resolved.date or fallback
    return fallback


def _is_prose(text: str) -> bool:
    """Several sentences of running text: a story, not a timeline entry."""
    return len(text) > 200 and len(re.findall(r"[.!?](?:\s|$)", text)) >= 3


_ON_DAY = re.compile(r"\b[Oo]n\s+(?:the\s+)?$")


def _incident_day(text: str, reference: dt.date | dt.datetime | None) -> dt.date | None:
    """The day a summary says the incident happened on ("On July 17, 2018 uploads failed"):
    the day of a timeline that gives times alone."""
    for match in find_times(text):
        if match.day is not None and match.relative is None and _ON_DAY.search(text[: match.start]):
            return resolve(match, reference_date=reference).date
    return None


def find_entries(
    parsed: Parsed,
    reference: dt.date | dt.datetime | None = None,
    impossible: list[tuple[str, Block]] | None = None,
) -> tuple[list[Entry], Zone | None]:
    """The entries of the document, in document order, and the zone it states for itself."""
    entries: list[Entry] = []
    doc_zone: Zone | None = None
    context: dt.date | None = None
    heading_time: TimeMatch | None = None
    table_zone: Zone | None = None
    last_top: Entry | None = None

    def note_statement(text: str) -> None:
        nonlocal doc_zone
        if doc_zone is None:
            doc_zone = _statement_zone(text)

    log_zone: Zone | None = None  # the zone a sentence gives the log lines near it
    section_logs: list[Entry] = []
    for block in parsed.blocks:
        if block.kind is BlockKind.HEADING:
            heading_time = None
            table_zone = None
            log_zone, section_logs = _log_zone(block.text), []
            found = leading_time(block.text)
            if found is not None and not _rest(block.text, found) and found.has_time:
                heading_time = found  # "### 16:22": the text below is the entry
            if block.depth >= 1 or found is not None:
                context = _day_of(block.text, reference, context)
            note_statement(block.text)
            last_top = None
            continue
        if block.kind is BlockKind.ROW:
            if block.header:
                table_zone = _statement_zone(block.text) or table_zone
                continue
            row = _row_entry(block)
            if row is not None and row[1]:
                entry = Entry(row[0], row[1], block, 1, zone_hint=table_zone, context_date=context)
                entries.append(entry)
                last_top = entry
            continue
        found = leading_time(block.text)
        if found is not None and block.kind is BlockKind.PARAGRAPH and _is_prose(block.text):
            found = None  # a story paragraph that happens to open with a time
        if context is None and not entries and found is None and block.kind is BlockKind.PARAGRAPH:
            context = _incident_day(block.text, reference)
        if found is None and impossible is not None and (bad := impossible_stamp(block.text)):
            impossible.append((bad, block))
            continue
        if found is not None:
            rest = _rest(block.text, found)
            if not rest:
                if found.has_time:
                    heading_time = found
                if found.has_date:
                    context = _day_of(block.text, reference, context)  # a date line
                continue
            nested = (
                last_top is not None
                and block.depth > last_top.depth
                and block.kind in (BlockKind.ITEM, BlockKind.CODE, BlockKind.QUOTE)
            )
            is_log = block.kind is BlockKind.CODE or (
                found.second is not None and (nested or bool(_LOG_SHAPE.match(rest)))
            )
            entry = Entry(found, rest, block, block.depth, log=is_log, context_date=context)
            if is_log and not found.zone and log_zone is not None:
                entry.zone_hint = log_zone
            if is_log:
                section_logs.append(entry)
            if nested and last_top is not None:
                entry.parent = last_top
                entry.zone_hint = _statement_zone(last_top.block.text) or entry.zone_hint
            else:
                last_top = entry
            entries.append(entry)
            heading_time = None if not is_log else heading_time
            continue
        if heading_time is not None and block.kind in (BlockKind.PARAGRAPH, BlockKind.ITEM):
            entry = Entry(heading_time, block.text, block, 1, context_date=context)
            entries.append(entry)
            last_top = entry
            heading_time = None
            continue
        if (
            last_top is not None
            and block.depth > last_top.depth
            and block.kind is not BlockKind.PARAGRAPH
        ):
            last_top.details.append(block.text)
            continue
        said = _log_zone(block.text)
        if said is not None:
            log_zone = said
            for earlier in section_logs:  # "The two syslog lines above are UTC."
                if not earlier.match.zone and earlier.zone_hint is None:
                    earlier.zone_hint = said
        else:
            note_statement(block.text)
        if block.depth <= (last_top.depth if last_top else 0):
            last_top = None
    return entries, doc_zone


# Words that make a time range an impact window rather than, say, a maintenance slot.
_IMPACT_WORDS = re.compile(
    r"\b(unavailable|down|outage|impact\w*|window|affected|degraded|fail\w*|errors?|read-only"
    r"|unreachable|disrupt\w*|interrupt\w*|broken|offline|stale|delayed|lost)\b",
    re.I,
)
# The text after a timestamp to the second that makes the line a pasted log line.
_LOG_SHAPE = re.compile(
    r"^(?:\d{3,6}\]\s*)?(?:(?:TRACE|DEBUG|INFO|NOTICE|WARN|WARNING|ERROR|ERR|CRIT|CRITICAL|FATAL|ALERT|EMERG)\b"
    r"|(?:[\w.-]+\s+)?[\w./-]+\[\d+\]:|[\w.-]+:\s|\[)"
)
# "syslog on that box is in UTC", "the server logs in UTC", "edibridge writes UTC timestamps":
# the zone of the log lines around it, not of the document.
_LOG_ZONE = re.compile(
    r"\b(?:logs?|syslog|timestamps?|server|box|host|machine|clock|lines)\b[^.;]{0,60}?"
    r"\b(?:is|are|in|writes?|uses?|logs)\s+(?:in\s+)?(?P<zone>UTC|GMT|Z|[A-Z]{3,4})\b"
    r"|\b(?:writes?|logs?|uses?)\s+(?P<zone2>UTC|GMT)\s+(?:timestamps?|times?)\b"
)


def _log_zone(text: str) -> Zone | None:
    found = _LOG_ZONE.search(text)
    return parse_zone(found["zone"] or found["zone2"]) if found else None


def stated_windows(parsed: Parsed) -> list[tuple[TimeMatch, Block]]:
    """Ranges with clock times that describe the impact ("unavailable from 05:54 to 17:10",
    an infobox row "Incident window | 02:00 - 06:30"): candidate impact windows."""
    found = []
    for block in parsed.blocks:
        if block.kind not in (BlockKind.PARAGRAPH, BlockKind.ITEM, BlockKind.ROW):
            continue
        if (
            block.kind is not BlockKind.ROW and leading_time(block.text)
        ) or not _IMPACT_WORDS.search(block.text):
            continue
        if ":" not in block.text:
            continue
        for match in _times_in(block.text):
            if match.is_range and match.has_time:
                found.append((match, block))
    return found


def _precision(resolved: Resolved, match: TimeMatch) -> Precision:
    if resolved.approximate or match.approximate or match.relative is not None:
        return Precision.APPROXIMATE
    return resolved.precision


def build_events(parsed: Parsed, path: str, *, option_tz: str | None = None) -> Timeline:
    """The document's timeline: entries resolved to UTC, in document order."""
    reference: dt.date | dt.datetime | None = (
        parsed.posted_at or parsed.document_date() or parsed.year_hint
    )
    if isinstance(reference, dt.datetime) and reference.tzinfo is not None:
        reference = reference.replace(tzinfo=None)
    impossible: list[tuple[str, Block]] = []
    entries, doc_zone = find_entries(parsed, reference, impossible)
    if not any(not e.log for e in entries):
        entries += [
            Entry(story.match, story.text, story.block, 0, narrative=True)
            for story in story_entries(parsed)
        ]
    # With nothing said about zones, the sender's own zone (a mail's Date: header) is the best
    # guess for the times in the text; it stays a guess, marked as assumed.
    guessed = doc_zone is None and option_tz is None and parsed.writer_zone is not None
    if guessed and parsed.writer_zone:
        doc_zone = parse_zone(parsed.writer_zone)
    offsets = _offsets_seen(entries)
    labels = label_definitions(parsed)
    events: list[Event] = []
    previous: Resolved | None = None
    resolved_of: dict[int, Resolved] = {}
    context: dt.date | None = None
    story: Resolved | None = None  # the last event of a narrative, for "the next morning"
    for entry in entries:
        if not entry.log and entry.context_date != context:
            # A new date heading or date line: times under it start from that day.
            context, previous = entry.context_date, None
        parent = resolved_of.get(id(entry.parent)) if entry.parent else None
        if entry.narrative:
            resolved = resolve(
                entry.match,
                reference_date=reference,
                default_date=story.date if story else None,
                doc_zone=doc_zone,
                option_tz=option_tz,
                previous=_night_before(story),
                offsets_seen=offsets,
                labels=labels,
            )
            story = resolved if resolved.date is not None else story
            resolved_of[id(entry)] = resolved
            events.append(_event(entry, resolved, path))
            continue
        zone = entry.zone_hint or doc_zone
        resolved = resolve(
            entry.match,
            reference_date=parent.date if parent and parent.date else reference,
            default_date=(parent.date if parent else None) or entry.context_date,
            doc_zone=zone,
            option_tz=option_tz,
            previous=None if entry.log or entry.narrative else previous,
            offsets_seen=offsets,
            labels=labels,
        )
        if guessed and entry.zone_hint is None and resolved.zone_source is ZoneSource.DOCUMENT:
            resolved = replace(resolved, zone_source=ZoneSource.ASSUMED)
        resolved_of[id(entry)] = resolved
        if not entry.log and not entry.narrative and resolved.date is not None:
            previous = resolved
        events.append(_event(entry, resolved, path))
    ambiguous = [
        event
        for entry, event in zip(entries, events, strict=True)
        if resolved_of[id(entry)].ambiguous_zone
    ]
    events = drop_repeats(events)
    windows = []
    # A window stated in words outside any table takes the document's zone, or failing that
    # the zone the timeline itself was written in.
    window_zone = doc_zone or next(
        (e.zone_hint for e in entries if e.zone_hint and not e.log), None
    )
    for match, block in stated_windows(parsed):
        resolved = resolve(
            match,
            reference_date=reference,
            doc_zone=window_zone,
            option_tz=option_tz,
            offsets_seen=offsets,
        )
        if resolved.at is not None and resolved.end_at is not None:
            windows.append(StatedWindow(resolved, block.text, block.line, block.page))
    return Timeline(events, windows, ambiguous, impossible)


def label_definitions(parsed: Parsed) -> dict[str, Zone]:
    """Zone labels the document defines itself: "CEST = UTC + 2", "in PST (UTC-7)"."""
    labels: dict[str, Zone] = {}
    for block in parsed.blocks:
        for statement in find_zone_statements(block.text):
            for label, offset in statement.defines.items():
                labels[label.upper()] = defined_zone(label, offset)
            zone = statement.zone
            if zone is not None and "(" in zone.label and zone.meaning.offset is not None:
                labels[zone.label.split("(")[0].strip().upper()] = zone
    return labels


def _folded(text: str) -> str:
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


def drop_repeats(events: list[Event]) -> list[Event]:
    """Leave out entries that repeat an earlier one: a reply quoting the timeline, the same
    line pasted twice. Same time, and one text begins the other."""
    kept: list[Event] = []
    seen: dict[tuple[dt.datetime | None, dt.date | None], list[str]] = {}
    for event in events:
        text = _folded(event.text)
        earlier = seen.setdefault((event.at, event.date), [])
        if any(other.startswith(text) or text.startswith(other) for other in earlier):
            continue
        earlier.append(text)
        kept.append(event)
    return kept


def _night_before(story: Resolved | None) -> Resolved | None:
    """The story's last event as "the next morning" counts from it.

    An event in the small hours still belongs to the night before: "the next morning" after
    "just after 2 AM Saturday" is Saturday morning, not Sunday.
    """
    if story is None or story.local is None or story.local.hour >= 6 or story.date is None:
        return story
    return replace(story, date=story.date - dt.timedelta(days=1))


def _event(entry: Entry, resolved: Resolved, path: str) -> Event:
    """The timeline event for an entry placed in time."""
    return Event(
        at=resolved.at,
        end_at=resolved.end_at,
        date=resolved.date,
        precision=_precision(resolved, entry.match),
        time_text=entry.match.text,
        zone=resolved.zone if resolved.at is not None else None,
        zone_source=resolved.zone_source if resolved.at is not None else None,
        text=entry.text,
        kind=EventKind.LOG if entry.log else classify_event(entry.text),
        details=entry.details,
        source=entry.block.source(path),
    )


def _offsets_seen(entries: list[Entry]) -> list[dt.timedelta]:
    """Offsets of the unambiguous zones in the document: they settle ambiguous labels."""
    seen = []
    for entry in entries:
        if entry.match.zone:
            zone = parse_zone(entry.match.zone)
            if zone is not None and not zone.ambiguous and zone.meaning.offset is not None:
                seen.append(zone.meaning.offset)
    return seen
