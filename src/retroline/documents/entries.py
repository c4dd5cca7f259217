"""Blocks to timeline entries: which blocks are entries, which are their details, and which
day and zone the document gives them.

An entry is a block that starts with a time (:mod:`retroline.documents.stamps`), a table row
whose leading cells are a date and a time, a heading that is a time with its title
(``### 21:00 - Team alerted``), or the text under a line that is only a time (``### 16:22``,
``Resolved May 28, 2024 at 02:23pm UTC``). A ``Posted ...`` line stamps the update written
above it, as status pages list them. Undated lines nested under an entry are its details;
nested lines with their own timestamp (pasted log lines) are events of their own. Inside a
timeline section a date heading followed by untimed text is an entry of that day, and a
short label may stand before the time (``Start: 2016/03/29 22:00 - ...``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass, field

from retroline.documents.blocks import Block, BlockKind, Parsed
from retroline.documents.metadata import METADATA_LINE, first_days
from retroline.documents.sections import classify
from retroline.documents.stamps import (
    STATUS_OPENS,
    EntryTime,
    Lead,
    bare,
    comment_header,
    entry_time,
    t_offset,
    t_zero,
    times_in,
    trailing_time,
)
from retroline.model import DateSource, Precision, SectionKind
from retroline.when import (
    DayContext,
    TimeMatch,
    Zone,
    find_zone_statements,
    parse_time,
    parse_zone,
    resolve,
)
from retroline.when.statements import defined_zone

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
        if not 1900 <= int(day[1]) <= 2099:  # the years the time grammar reads (when.patterns)
            return day.group(0).strip(" *_`>#[(|•·-–—~")
    clock = _CLOCK.match(text)
    if clock and (int(clock[1]) > 24 or int(clock[2]) > 59):
        return clock.group(0).strip(" *_`>#[(|•·-–—~")
    return None


@dataclass(frozen=True)
class Reference:
    """The document's own date: the basis for the years and days its entries leave out."""

    when: dt.date | dt.datetime | None
    source: DateSource = DateSource.DOCUMENT


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
    context: DayContext | None = None
    narrative: bool = False
    of_day: bool = False  # text under a date heading: an entry of that day, with no time
    section: SectionKind = SectionKind.OTHER  # the part of the document it stands in
    corrected: bool = False  # its written date is one the document corrects
    month: DayContext | None = None  # the month and year a heading above names ("June 2021")
    part: int = 0  # which part of the document (between two headings) it stands in
    # "T+4m": the span from T0, and the T0 the document named ("T0 = 2023-06-14 13:02 UTC")
    from_zero: tuple[dt.timedelta, TimeMatch] | None = None


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


def _row_entry(block: Block) -> tuple[TimeMatch, str, bool] | None:
    """A table row with a date and/or time in its leading cells; the flag says whether the
    date and the time stand in two cells."""
    cells = [c for c in (block.cells or []) if c.strip()]
    if len(cells) < 2:
        return None
    first = entry_time(cells[0])
    if first is None or first.lead is not Lead.NONE:
        # "| Incident start (customer impact) | 2024-02-01 09:14 UTC |": a milestone and
        # its time, the time in the last cell, as a page's properties table lists them.
        last = parse_time(cells[-1])
        if last is not None and last.has_time and (last.has_date or len(cells) == 2):
            return last, " — ".join(cells[:-1]), False
        return None
    joined = " ".join(cells[:2])
    combined = entry_time(joined)
    if combined is not None and combined.match.end > len(cells[0]) and combined.match.has_time:
        used = joined[: combined.match.end]
        taken = 2 if len(used) > len(cells[0]) + 1 else 1
        match = combined.match
        if not match.zone and taken < len(cells) - 1 and parse_zone(cells[taken]) is not None:
            # "| 09/01/2024 | 15:05 | UTC | ... |": a zone column beside the time
            match = dataclasses.replace(match, zone=cells[taken].strip())
            taken += 1
        return match, " — ".join(cells[taken:]), taken >= 2
    if first.rest:
        return first.match, " — ".join([first.rest, *cells[1:]]), False
    return first.match, " — ".join(cells[1:]), False


def day_of(text: str, reference: Reference, source: DateSource) -> DayContext | None:
    """The calendar day a heading or date line names ("31 December", "13-14 June"), if any,
    with where its year came from."""
    text = first_days(text)
    for match in times_in(text):
        if match.has_date and match.day is not None:
            resolved = resolve(
                match, reference_date=reference.when, reference_source=reference.source
            )
            if resolved.date is None:
                return None
            year = source if resolved.year_source is DateSource.ENTRY else resolved.year_source
            return DayContext(resolved.date, source, year or source)
    return None


def _is_prose(block: Block, found: EntryTime) -> bool:
    """Several sentences of running text: a story, not a timeline entry. A time alone on the
    first line of the block, or set off from its text ("14:05 - ", "April 22: "), is the
    stamp of an entry, however long."""
    first = entry_time(block.lines[0].text) if len(block.lines) > 1 else None
    if first is not None and bare(first):
        return False
    text = block.text
    if _SET_OFF.match(text, found.match.end):
        return False
    return len(text) > 200 and len(re.findall(r"[.!?](?:\s|$)", text)) >= 3


_SET_OFF = re.compile(r"[\s*_`]*[-–—:|)\]]+(?:\s|$)")
# "on July 17, 2018", "On the evening of Thursday, November 3, 2022", "07:18 UTC on 17
# September 2020": where a summary names the day of the incident.
_ON = re.compile(
    r"\b[Oo]n\s+(?:the\s+(?:(?:early\s+|late\s+)?(?:morning|afternoon|evening|night)\s+of\s+)?)?"
)


def _incident_day(text: str, reference: Reference) -> DayContext | None:
    """The day a summary says the incident happened on ("On July 17, 2018 uploads failed"):
    the day of a timeline that gives times alone."""
    for on in _ON.finditer(text):
        found = times_in(text[on.end() : on.end() + 60])
        if not found or found[0].start != 0:
            continue
        match = found[0]
        if match.day is not None and match.month is not None and match.relative is None:
            resolved = resolve(
                match, reference_date=reference.when, reference_source=reference.source
            )
            if resolved.date is None:
                return None
            year = resolved.year_source or DateSource.DOCUMENT
            if year is DateSource.ENTRY:
                year = DateSource.DOCUMENT
            return DayContext(resolved.date, DateSource.DOCUMENT, year)
    return None


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
        if (block.kind is not BlockKind.ROW and entry_time(block.text)) or not _IMPACT_WORDS.search(
            block.text
        ):
            continue
        if ":" not in block.text:
            continue
        for match in times_in(block.text):
            if match.is_range and match.has_time and not _planned(block.text, match):
                found.append((match, block))
    return found


# "maintenance window 14:00-16:00 UTC", "We will be upgrading ... from 04:00 to 06:00": a
# window someone planned or announces, not the one the incident had.
_PLANNED = re.compile(r"\b(?:maintenance|scheduled|planned|will|going to)\b", re.I)


def _planned(text: str, match: TimeMatch) -> bool:
    """The sentence that holds ``match`` speaks of a planned or coming window."""
    start = max(text.rfind(". ", 0, match.start), text.rfind("(", 0, match.start)) + 1
    end = text.find(". ", match.end)
    return bool(_PLANNED.search(text[start : end if end >= 0 else len(text)]))


_ATTRIBUTION = re.compile(r"\bwrote:?\s*$", re.I)
# "Duration: ...", "Impact: ...": a field of a form, not something that happened.
_FIELD = re.compile(r"^[\s*_]*[A-Z][\w /&'-]{0,30}[*_]*:[*_]*\s")


def _is_status(block: Block) -> bool:
    """A status page's word alone on its line ("Resolved", "Update")."""
    found = STATUS_OPENS.match(block.text)
    return found is not None and not block.text[found.end() :].strip(" *_")


@dataclass
class _Walk:
    """What the walk over the blocks carries from one block to the next."""

    reference: Reference
    title: str | None = None
    entries: list[Entry] = field(default_factory=list)
    doc_zone: Zone | None = None
    context: DayContext | None = None
    heading_time: EntryTime | None = None  # a time alone on its line: the text below is it
    table_zone: Zone | None = None
    last_top: Entry | None = None
    log_zone: Zone | None = None  # the zone a sentence gives the log lines near it
    section_logs: list[Entry] = field(default_factory=list)
    timeline_depth: int | None = None  # the depth of the timeline section's heading, if in one
    # A date heading (or date line) with no entry under it yet, and its words.
    day_heading: tuple[DayContext, str] | None = None
    pending: list[Block] = field(default_factory=list)  # untimed text a stamp below may date
    section: SectionKind = SectionKind.OTHER  # the part of the document being read
    month: DayContext | None = None  # "June 2021" above a status history: the year of its days
    part: int = 0  # counts the headings that are not days or entries
    zero: TimeMatch | None = None  # T0 of a relative timeline
    section_depth: int = 0
    tail_timed: set[int] = field(default_factory=set)  # items that end with their time
    tail_runs: set[int] = field(default_factory=set)  # ... in a list of several such items
    tail_days: set[int] = field(default_factory=set)  # untimed items of such a list
    status: str | None = None  # the status word of the update being read

    def note_statement(self, text: str) -> None:
        if self.doc_zone is None:
            self.doc_zone = _statement_zone(text)

    def add(self, entry: Entry) -> Entry:
        entry.section = self.section
        entry.month = self.month
        entry.part = self.part
        self.entries.append(entry)
        self.day_heading = None
        self.pending = []
        return entry


def _month_line(walk: _Walk, block: Block) -> bool:
    """A line that names a month and its year and nothing else ("June 2021"): the year of
    the yearless days below it. True when the block was one."""
    if len(block.text) > 40:
        return False
    matches = times_in(block.text)
    if len(matches) != 1:
        return False
    match = matches[0]
    if match.day is not None or match.month is None or match.year is None or match.two_digit_year:
        return False
    if re.search(r"[^\W\d_]{2,}", block.text[: match.start] + block.text[match.end :]):
        return False
    walk.month = DayContext(dt.date(match.year, match.month, 1))
    return True


def _relative(walk: _Walk, block: Block) -> bool:
    """A relative timeline: the line that names T0, and the entries written as spans from it
    ("T+4m: on-call acknowledges"). True when the block was one of them."""
    if walk.zero is None and (zero := t_zero(block.text)) is not None:
        walk.zero = zero
        walk.note_statement(block.text)
        return True
    found = t_offset(block.text) if walk.zero is not None else None
    if found is None or walk.zero is None:
        return False
    offset, words, rest = found
    match = TimeMatch(0, len(words), words, precision=Precision.MINUTE)
    entry = Entry(match, rest, block, block.depth, context=walk.context)
    entry.from_zero = (offset, walk.zero)
    walk.last_top = walk.add(entry)
    return True


def _heading(walk: _Walk, block: Block) -> None:
    if _month_line(walk, block):
        return
    walk.heading_time = None
    walk.day_heading = None
    walk.table_zone = None
    walk.pending, walk.status = [], None
    walk.log_zone, walk.section_logs = _log_zone(block.text), []
    walk.last_top = None
    found = entry_time(block.text)
    # A heading that starts with a date or a time is a day or an entry of the part it is in
    # ("### 21:00 - Problem starts" is no problem statement).
    dated = found is not None and (found.match.has_date or found.match.has_time)
    kind = SectionKind.OTHER if dated else classify(block.text)
    # The document's title dates the document; a heading below it dates the entries under it.
    source = DateSource.DOCUMENT if block.text == walk.title else DateSource.HEADING
    if not dated:
        walk.part += 1
    if dated and walk.section is not SectionKind.TIMELINE:
        # A day or an entry heading is part of a timeline, whatever came above it.
        walk.section, walk.section_depth = SectionKind.OTHER, block.depth
    elif not dated and (kind is not SectionKind.OTHER or block.depth <= walk.section_depth):
        # Unnamed subsections ("Process improvements") stay in the part they are under.
        walk.section, walk.section_depth = kind, block.depth
    if kind is SectionKind.TIMELINE:
        walk.timeline_depth = block.depth
    elif (
        walk.timeline_depth is not None
        and block.depth <= walk.timeline_depth
        and (found is None or not (found.match.has_date or found.match.has_time))
    ):
        walk.timeline_depth = None  # the next part of the document
    if _is_status(block):
        walk.status = block.text.strip(" *_:")
    walk.note_statement(block.text)
    if found is not None and found.match.has_date:
        day = day_of(block.text, walk.reference, source)
        walk.context = day or walk.context
        if day is not None and not found.match.has_time and bare(found):
            walk.day_heading = (day, found.match.text)  # "### 2016-10-24": a day, no title
    elif found is None and block.depth >= 1:
        day = day_of(block.text, walk.reference, source)
        if day is not None:
            walk.context = day
            walk.day_heading = (day, block.text) if _only_a_day(block.text) else None
    if found is None or not found.match.has_time or found.lead is Lead.POSTED:
        return
    if bare(found):
        walk.heading_time = found  # "### 16:22": the text below is the entry
        return
    # "### 21:00 - Team alerted": the heading is the entry, the text under it its details.
    walk.last_top = walk.add(Entry(found.match, _labelled(found), block, 0, context=walk.context))


def _only_a_day(text: str) -> bool:
    """A heading that names a day and nothing else ("Tuesday, 8 March 2016"), not a titled
    part of the document ("October 29-30, 2025 - CPU-bound latency")."""
    text = first_days(text)
    match = next((m for m in times_in(text) if m.has_date), None)
    if match is None:
        return False
    return not re.search(r"[^\W\d_]{2,}", text[: match.start] + text[match.end :])


def _labelled(found: EntryTime) -> str:
    """An entry's text with the status word or label it was written after."""
    if found.lead in (Lead.STATUS, Lead.LABEL) and found.word:
        return f"{found.word}: {found.rest}" if found.rest else found.word
    return found.rest


def _stamp_above(walk: _Walk, found: EntryTime, block: Block) -> bool:
    """A stamp under the update it dates ("Posted ..."); True when it made an entry."""
    text_blocks = [b for b in walk.pending if b.text.strip()]
    # An update starts at its status word ("Resolved - ..."), after the incident's title.
    opened = [i for i, b in enumerate(text_blocks) if STATUS_OPENS.match(b.text)]
    if opened:
        text_blocks = text_blocks[opened[-1] :]
    if not text_blocks:
        return False
    first, details = text_blocks[0], [b.text for b in text_blocks[1:]]
    text = first.text
    if walk.status and not STATUS_OPENS.match(text):
        text = f"{walk.status}: {text}"
    entry = Entry(found.match, text, first, 1, context=walk.context, details=details)
    walk.add(entry)
    walk.status = None
    walk.last_top = None
    return True


def _trailing(walk: _Walk, found: EntryTime) -> bool:
    """Whether a stamp with no text of its own dates the text above it rather than below:
    it says "Posted", or it closes an update that a status word opened ("Resolved" on a line
    of its own, or "Resolved - text") and has text of its own to date."""
    if found.lead is Lead.POSTED:
        return True
    if found.lead is Lead.STATUS or not walk.pending:
        return False  # "Resolved May 28 at 02:23pm": the status and its time open an update
    return walk.status is not None or any(STATUS_OPENS.match(b.text) for b in walk.pending)


def find_entries(
    parsed: Parsed,
    reference: Reference | None = None,
    impossible: list[tuple[str, Block]] | None = None,
) -> tuple[list[Entry], Zone | None]:
    """The entries of the document, in document order, and the zone it states for itself."""
    walk = _Walk(reference or Reference(None), title=parsed.title)
    walk.tail_timed, walk.tail_runs, walk.tail_days = _tail_timed(parsed.blocks)
    for block in parsed.blocks:
        if block.kind is BlockKind.META:
            continue
        if block.kind is BlockKind.HEADING and not _posted_line(block):
            _heading(walk, block)
            continue
        if block.kind is BlockKind.ROW:
            _row(walk, block)
            continue
        _block(walk, block, impossible)
    return _in_the_timeline(walk.entries), walk.doc_zone


# Parts of a postmortem that look back on the timeline: the times they give repeat it.
_ELSEWHERE = {
    SectionKind.SUMMARY,
    SectionKind.IMPACT,
    SectionKind.ROOT_CAUSE,
    SectionKind.CONTRIBUTING_FACTORS,
    SectionKind.ANALYSIS,
    SectionKind.LESSONS,
    SectionKind.ACTION_ITEMS,
    SectionKind.REFERENCES,
}


def _in_the_timeline(entries: list[Entry]) -> list[Entry]:
    """When the document gives entries outside its summary, impact, analysis and follow-up
    sections (in a timeline section, or in a part of its own per incident), those are its
    timeline: the dated lines of the others repeat it ("- October 21 (103 minutes): Redis
    overload") and are left out."""
    told = [e for e in entries if not e.log]
    if not told:
        return entries
    # Log lines pasted as evidence (a code block in an analysis with no entries of its own)
    # are no timeline entries; those quoted under an entry or among the entries stay.
    parts = {e.part for e in told}
    entries = [e for e in entries if not e.log or e.parent is not None or e.part in parts]
    if not any(e.section not in _ELSEWHERE for e in told):
        return entries
    return [e for e in entries if e.log or e.section not in _ELSEWHERE]


def _tail_timed(blocks: list[Block]) -> tuple[set[int], set[int], set[int]]:
    """The list items that end their sentence with a time; those of them that stand in a
    list of several such items with none that starts with its time (a timeline that writes
    each time after its event, more of them than items that start with a time); and the
    other items of such a list."""
    timed: set[int] = set()
    runs: set[int] = set()
    untimed: set[int] = set()
    run: list[Block] = []
    others: list[Block] = []
    led = 0

    def close() -> None:
        if len(run) >= 2 and len(run) > led:
            runs.update(id(b) for b in run)
            untimed.update(id(b) for b in others)

    for block in blocks:
        if block.kind is not BlockKind.ITEM:
            close()
            run, others, led = [], [], 0
            continue
        if entry_time(block.text) is not None:
            led += 1
        elif trailing_time(block.text) is not None:
            timed.add(id(block))
            run.append(block)
        else:
            others.append(block)
    close()
    return timed, runs, untimed


def _posted_line(block: Block) -> bool:
    """ "Posted Mar 19, 2014 - 15:35 CET" standing alone, as a page may set it: a stamp of
    the text above, whatever its markup."""
    found = entry_time(block.text)
    return found is not None and found.lead is Lead.POSTED and bare(found)


def _row(walk: _Walk, block: Block) -> None:
    if block.header:
        walk.table_zone = _statement_zone(block.text) or walk.table_zone
        return
    row = _row_entry(block)
    if row is None or not row[1]:
        return
    match, text, apart = row
    context = walk.context
    if apart and match.has_date:
        context = None  # the row's own date column
    entry = Entry(match, text, block, 1, zone_hint=walk.table_zone, context=context)
    if apart:
        entry.details.append("date from the table's date column")
    walk.last_top = walk.add(entry)


def _block(walk: _Walk, block: Block, impossible: list[tuple[str, Block]] | None) -> None:
    if _month_line(walk, block) or _relative(walk, block):
        return
    if len(block.text) <= 80 and _statement_zone(block.text) is not None:
        walk.note_statement(block.text)  # "All times in CEST": said of the entries, not one
        dated = entry_time(block.text)
        if dated is not None and dated.match.day is not None and not dated.match.has_time:
            # "2015-10-21 (all times UTC)": the day of the entries below, and their zone.
            day = day_of(block.text, walk.reference, DateSource.HEADING)
            walk.context = day or walk.context
        return
    if _ATTRIBUTION.search(block.text):
        return  # "On Sat, Feb 4, 2017 at 9:02 AM, Derek wrote:": who is quoted, not an event
    found = entry_time(block.text)
    in_timeline = walk.timeline_depth is not None
    if found is not None and found.lead is Lead.LABEL and not in_timeline:
        found = None  # "Impact: 10:00 ..." outside a timeline is a field, not a milestone
    if (
        found is not None
        and found.lead is Lead.WORD
        and block.kind is BlockKind.PARAGRAPH
        and not in_timeline
    ):
        found = None  # "At 10:15 we noticed ..." in running text: a story, read as one
    if found is not None and block.kind is BlockKind.PARAGRAPH and _is_prose(block, found):
        found = None  # a story paragraph that happens to open with a time
    if found is not None and found.lead is Lead.POSTED and not bare(found):
        found = None  # "Posted on 3 May by Ben": a byline
    if (
        walk.context is None
        and not walk.entries
        and found is None
        and block.kind is BlockKind.PARAGRAPH
        and not METADATA_LINE.search(block.text)  # "last modified by Bram on Oct 04, 2022"
    ):
        walk.context = _incident_day(block.text, walk.reference)
    if found is None and impossible is not None and (bad := impossible_stamp(block.text)):
        impossible.append((bad, block))
        return
    if found is not None and (found.match.has_time or found.match.is_offset):
        if bare(found):
            if _trailing(walk, found):
                _stamp_above(walk, found, block)
            else:
                walk.heading_time = found  # the text below is the entry
                if found.match.has_date:
                    walk.context = day_of(block.text, walk.reference, DateSource.HEADING)
            return
        _timed(walk, block, found)
        return
    if found is not None and found.match.has_date:
        if bare(found):  # a date line: the entries below are of this day
            day = day_of(block.text, walk.reference, DateSource.HEADING)
            walk.context = day or walk.context
            walk.day_heading = (day, found.match.text) if day else None
            walk.heading_time = None
            return
        _timed(walk, block, found)
        return
    if (
        found is None
        and id(block) in walk.tail_timed
        and (in_timeline or id(block) in walk.tail_runs)
        and walk.section is not SectionKind.ACTION_ITEMS
        and (walk.last_top is None or block.depth <= walk.last_top.depth)
        and (tail := trailing_time(block.text)) is not None
    ):
        # "- Mobile data down from 12:22 to 12:45 JST.": the time closes the entry.
        walk.last_top = walk.add(Entry(tail, block.text, block, block.depth, context=walk.context))
        return
    if found is None and id(block) in walk.tail_days and walk.context is not None:
        # An item of such a list whose first sentence ends with no time: an entry at the
        # first time it gives further on, or of the day being told when it gives none.
        timed = next((m for m in times_in(block.text) if m.has_time), None)
        entry = Entry(
            timed or TimeMatch(0, 0, "", precision=Precision.DAY),
            block.text,
            block,
            block.depth,
            context=walk.context,
            of_day=timed is None,
        )
        walk.last_top = walk.add(entry)
        return
    if (header := comment_header(block.text)) is not None:
        if header.match.has_time:
            walk.heading_time = header  # "Priya added a comment - 07/Nov/22 3:40 PM"
            return
        # "bob commented on Mar 5, 2023": another's words begin, on that day, in no section
        walk.part += 1
        walk.section, walk.section_depth = SectionKind.OTHER, 0
        walk.context = day_of(block.text, walk.reference, DateSource.HEADING) or walk.context
        walk.last_top = None
        return
    if walk.heading_time is not None and block.kind in (BlockKind.PARAGRAPH, BlockKind.ITEM):
        stamp = walk.heading_time
        text = block.text
        if stamp.lead in (Lead.STATUS, Lead.LABEL) and stamp.word:
            text = f"{stamp.word}: {text}"
        entry = Entry(stamp.match, text, block, 1, context=walk.context)
        if stamp.lead is Lead.BYLINE:
            entry.details.append(stamp.word)  # who wrote it
        walk.last_top = walk.add(entry)
        walk.heading_time = None
        return
    if (
        walk.day_heading is not None
        and in_timeline
        and block.kind in (BlockKind.PARAGRAPH, BlockKind.ITEM)
        and not _FIELD.match(block.text)
        and not any(m.has_time for m in times_in(block.text))
    ):
        # "### 2016-10-24" then "A change is committed ...": an entry of that day.
        day, words = walk.day_heading
        match = TimeMatch(0, len(words), words, precision=Precision.DAY)
        entry = Entry(match, block.text, block, 1, context=day, of_day=True)
        walk.last_top = walk.add(entry)
        return
    last_top = walk.last_top
    if (
        last_top is not None
        and block.depth > last_top.depth
        and (block.kind is not BlockKind.PARAGRAPH or last_top.block.kind is BlockKind.HEADING)
    ):
        last_top.details.append(block.text)
        return
    said = _log_zone(block.text)
    if said is not None:
        walk.log_zone = said
        for earlier in walk.section_logs:  # "The two syslog lines above are UTC."
            if not earlier.match.zone and earlier.zone_hint is None:
                earlier.zone_hint = said
    else:
        walk.note_statement(block.text)
    if _is_status(block):
        walk.status, walk.pending = block.text.strip(" *_:"), []
    elif block.kind in (BlockKind.PARAGRAPH, BlockKind.ITEM, BlockKind.QUOTE):
        walk.pending.append(block)
    if (
        last_top is not None
        and last_top.block.kind is BlockKind.HEADING
        and block.kind is BlockKind.PARAGRAPH
    ):
        last_top.details.append(block.text)  # the text under "### 21:00 - Team alerted"
        return
    if block.depth <= (last_top.depth if last_top else 0):
        walk.last_top = None


def _timed(walk: _Walk, block: Block, found: EntryTime) -> None:
    """An entry that starts with its own time (or date)."""
    last_top = walk.last_top
    nested = (
        last_top is not None
        and block.depth > last_top.depth
        and block.kind in (BlockKind.ITEM, BlockKind.CODE, BlockKind.QUOTE)
    )
    rest = _labelled(found)
    match = found.match
    is_log = block.kind is BlockKind.CODE or (
        match.second is not None and (nested or bool(_LOG_SHAPE.match(rest)))
    )
    entry = Entry(match, rest, block, block.depth, log=is_log, context=walk.context)
    if is_log and not match.zone and walk.log_zone is not None:
        entry.zone_hint = walk.log_zone
    if is_log:
        walk.section_logs.append(entry)
    if nested and last_top is not None:
        entry.parent = last_top
        entry.zone_hint = _statement_zone(last_top.block.text) or entry.zone_hint
        walk.entries.append(entry)
    else:
        walk.last_top = walk.add(entry)
    if not is_log:
        walk.heading_time = None
