"""Entries to timeline events: each placed on its day and in UTC, saying where the day, the
year and the zone came from.

The blocks are first cut into one unit per entry (:mod:`retroline.documents.units`), the
entries found (:mod:`retroline.documents.entries`), and each is then resolved in document
order: an entry's day is the one it writes, else the day above it (a heading, a date line,
a table column), else the entry before it (moved on when the clock jumps back across
midnight), else the document's own date. A document with no entries at all is read as
narrative: sentences with a clock time become approximate events.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, replace

from retroline.analysis.kinds import classify_event
from retroline.documents.blocks import Block, BlockKind, Parsed
from retroline.documents.corrections import corrected, find_correction, wrong_date
from retroline.documents.entries import (
    Entry,
    Reference,
    find_entries,
    stated_windows,
)
from retroline.documents.narrative import story_entries
from retroline.documents.stamps import times_in
from retroline.documents.units import split_blocks
from retroline.model import DateSource, Event, EventKind, Precision, ZoneSource
from retroline.when import (
    Anchor,
    DayContext,
    Resolved,
    TimeMatch,
    Zone,
    find_zone_statements,
    parse_offset,
    parse_zone,
    resolve,
)
from retroline.when.resolution import shifted
from retroline.when.statements import defined_zone


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


def _precision(resolved: Resolved, match: TimeMatch) -> Precision:
    if resolved.approximate or match.approximate:
        return Precision.APPROXIMATE
    return resolved.precision


def reference_of(parsed: Parsed) -> Reference:
    """The document's own date and where it came from: the basis for what entries omit."""
    if parsed.posted_at is not None:
        posted = parsed.posted_at
        if posted.tzinfo is not None:
            posted = posted.replace(tzinfo=None)
        return Reference(posted, DateSource.DOCUMENT)
    best = parsed.best_date()
    if best is not None:
        return Reference(best.date, best.source)
    return Reference(parsed.year_hint, DateSource.DOCUMENT)


# A day named in a story this long before the day the story is at is background.
BACKGROUND = dt.timedelta(days=3)


@dataclass
class _Place:
    """What placing one entry in time carries on to the next."""

    context: DayContext | None = None
    previous: Resolved | None = None
    story: Resolved | None = None  # the last event of a narrative, for "the next morning"
    zone: Zone | None = None  # the zone the entry before wrote, for entries that write none
    written_zone: Zone | None = None  # the one zone the document writes with its times
    twelve_hour: bool = False  # the timeline writes AM and PM
    background: set[int] = field(default_factory=set)  # story sentences that look back


def build_events(parsed: Parsed, path: str, *, option_tz: str | None = None) -> Timeline:
    """The document's timeline: entries resolved to UTC, in document order."""
    reference = reference_of(parsed)
    impossible: list[tuple[str, Block]] = []
    units = replace(parsed, blocks=split_blocks(parsed.blocks))
    entries, doc_zone = find_entries(units, reference, impossible)
    if all(e.log or _told(e) for e in entries):
        # No timeline, or only sentences that open with "At around 09:11": a story, told in
        # prose; every sentence of it with a time counts, wherever the time stands.
        entries = [e for e in entries if e.log] + [
            Entry(story.match, story.text, story.block, 0, narrative=True)
            for story in story_entries(parsed)
        ]
    _apply_correction(units, entries)
    # With nothing said about zones, the sender's own zone (a mail's Date: header) is the best
    # guess for the times in the text; it stays a guess, marked as assumed.
    guessed = doc_zone is None and option_tz is None and parsed.writer_zone is not None
    if guessed and parsed.writer_zone:
        doc_zone = parse_zone(parsed.writer_zone)
    offsets = _offsets_seen(entries)
    if parsed.writer_zone and (writer := parse_offset(parsed.writer_zone)) is not None:
        offsets.append(writer)  # a mail sent at +0530 settles "IST" as India's
    labels = label_definitions(parsed)
    events: list[Event] = []
    resolved_of: dict[int, Resolved] = {}
    place = _Place(
        written_zone=None if doc_zone or option_tz else _written_zone(units, reference),
        twelve_hour=_twelve_hour(entries),
    )
    for entry in entries:
        resolved = _place(
            entry, place, resolved_of, reference, doc_zone, option_tz, offsets, labels
        )
        if guessed and entry.zone_hint is None and resolved.zone_source is ZoneSource.DOCUMENT:
            resolved = replace(resolved, zone_source=ZoneSource.ASSUMED)
        resolved_of[id(entry)] = resolved
        events.append(_event(entry, resolved, path))
    first_told = min(
        (v.at for e, v in zip(entries, events, strict=True) if e.narrative and v.at), default=None
    )
    kept = [
        (e, v)
        for e, v in zip(entries, events, strict=True)
        if id(e) not in place.background and not _before_the_story(e, v, first_told)
    ]
    entries, events = [e for e, _ in kept], [v for _, v in kept]
    ambiguous = [
        event
        for entry, event in zip(entries, events, strict=True)
        if resolved_of[id(entry)].ambiguous_zone
    ]
    events = drop_repeats(_story_days(entries, events))
    windows = []
    # A window stated in words outside any table takes the document's zone, or failing that
    # the zone the timeline itself was written in.
    window_zone = doc_zone or next(
        (e.zone_hint for e in entries if e.zone_hint and not e.log), None
    )
    for match, block in stated_windows(parsed):
        resolved = resolve(
            match,
            reference_date=reference.when,
            doc_zone=window_zone,
            option_tz=option_tz,
            offsets_seen=offsets,
        )
        if resolved.at is not None and resolved.end_at is not None:
            windows.append(StatedWindow(resolved, block.text, block.line, block.page))
    return Timeline(events, windows, ambiguous, impossible)


def _place(
    entry: Entry,
    place: _Place,
    resolved_of: dict[int, Resolved],
    reference: Reference,
    doc_zone: Zone | None,
    option_tz: str | None,
    offsets: list[dt.timedelta],
    labels: dict[str, Zone],
) -> Resolved:
    """One entry placed in time, given what the entries before it established."""
    if entry.narrative:
        match = entry.match
        story_day = place.story.date if place.story else None
        if (
            story_day is not None
            and match.relative is not None
            and match.relative.weekday is not None
            and match.relative.anchor is Anchor.DOCUMENT
        ):
            # "On Tuesday afternoon" in a story that is at Tuesday 5 March: that day, or the
            # next such day as the story moves on; not the Tuesday before the post.
            relative = replace(match.relative, anchor=Anchor.PREVIOUS, direction=0)
            match = replace(match, relative=relative)
        clock_note = None
        if place.twelve_hour and not _CLOCK_DIGITS.search(match.text):
            # "Sometime around 9" after "8:15 pm": the hour alone, in the half of the day
            # that keeps the story going forward.
            match, clock_note = _afternoon(match, place.story)
        resolved = resolve(
            match,
            reference_date=reference.when,
            reference_source=reference.source,
            default_date=(
                DayContext(
                    place.story.date, DateSource.ORDER, place.story.year_source or DateSource.ORDER
                )
                if place.story and place.story.date
                else None
            ),
            doc_zone=doc_zone,
            option_tz=option_tz,
            previous=_night_before(place.story),
            offsets_seen=offsets,
            labels=labels,
        )
        if clock_note:
            resolved = replace(resolved, notes=(*resolved.notes, clock_note))
        story = place.story
        if (
            resolved.at is None
            and resolved.date is not None
            and story is not None
            and story.date is not None
            and resolved.date < story.date - BACKGROUND
        ):
            # "We had announced the migration on June 15": a day well before the story's,
            # told as background. It neither moves the story nor is an event of it.
            place.background.add(id(entry))
            return resolved
        place.story = resolved if resolved.date is not None else place.story
        return resolved
    if not entry.log and entry.context != place.context:
        # A new date heading or date line: times under it start from that day.
        place.context, place.previous = entry.context, None
    if entry.from_zero is not None:
        return _from_zero(entry, entry.from_zero, reference, doc_zone, option_tz, labels)
    if entry.of_day and entry.context is not None:
        return Resolved(
            at=None,
            date=entry.context.date,
            precision=Precision.DAY,
            time_text=entry.match.text,
            date_source=entry.context.source,
            year_source=entry.context.year_source,
        )
    parent = resolved_of.get(id(entry.parent)) if entry.parent else None
    previous = None if entry.log else place.previous
    context: DayContext | None = entry.context
    if (
        previous is not None
        and previous.local is not None
        and previous.date_source in (DateSource.ENTRY, DateSource.TABLE)
        and (context is None or previous.local.date() != context.date)
    ):
        # The entry before wrote its own day: a new date context, which the day above (a
        # heading, the page's date line) no longer overrides.
        context = DayContext(
            previous.local.date(), DateSource.ORDER, previous.year_source or DateSource.ORDER
        )
    if parent is not None and parent.date is not None:
        context = DayContext(
            parent.date,
            parent.date_source or DateSource.ENTRY,
            parent.year_source or DateSource.ENTRY,
        )
    year_basis, year_source = None, None
    if previous is not None and previous.date is not None:
        # A year carried from the entry before came from where that entry's year came from.
        inherited = previous.year_source
        written = inherited in (DateSource.ENTRY, DateSource.HEADING, DateSource.TABLE, None)
        year_basis, year_source = previous.date, DateSource.ORDER if written else inherited
    elif context is not None:
        year_basis, year_source = context.date, context.year_source
    elif entry.month is not None:
        year_basis, year_source = entry.month.date, DateSource.HEADING
    zone = entry.zone_hint or doc_zone
    from_context = zone is None and not entry.log and not entry.match.zone
    if from_context:
        zone = place.zone or (None if option_tz else place.written_zone)
    match, clock_note = entry.match, None
    if place.twelve_hour and not entry.log:
        match, clock_note = _afternoon(match, previous)
    resolved = resolve(
        match,
        reference_date=parent.date if parent and parent.date else reference.when,
        reference_source=reference.source,
        default_date=context,
        doc_zone=zone,
        option_tz=option_tz,
        previous=previous,
        offsets_seen=offsets,
        labels=labels,
        year_reference=year_basis,
        year_source=year_source,
    )
    if from_context and zone is not None and resolved.zone_source is ZoneSource.DOCUMENT:
        resolved = replace(resolved, zone_source=ZoneSource.CONTEXT)
    if clock_note:
        resolved = replace(resolved, notes=(*resolved.notes, clock_note))
    if entry.log:
        return resolved
    if entry.match.zone and (stated := parse_zone(entry.match.zone)) is not None:
        place.zone = stated
    if resolved.date is not None:
        place.previous = resolved
    return resolved


_CLOCK_DIGITS = re.compile(r"\d[:.h]\d")
_AM_PM = re.compile(r"\d\s?[AaPp]\.?[Mm]\b\.?|\d[ap]\b")


def _before_the_story(entry: Entry, event: Event, first: dt.datetime | None) -> bool:
    """A day a story names well before the first time it tells ("We had announced the
    migration on June 15"): background, not an event of it."""
    return (
        entry.narrative
        and event.at is None
        and event.date is not None
        and first is not None
        and event.date < first.date() - BACKGROUND
    )


def _twelve_hour(entries: list[Entry]) -> bool:
    """A timeline that writes a 12-hour clock: some of its times say AM or PM."""
    return any(_AM_PM.search(e.match.text) for e in entries if not e.log)


def _afternoon(match: TimeMatch, previous: Resolved | None) -> tuple[TimeMatch, str | None]:
    """A bare "2:15" in a timeline that writes "1:50 PM" before it is 2:15 PM: read a time
    without AM or PM in the half of the day that keeps it after the entry before, when only
    the afternoon does."""
    if (
        previous is None
        or previous.local is None
        or match.hour is None
        or not 1 <= match.hour <= 11
        or match.has_date
        or _AM_PM.search(match.text)
    ):
        return match, None
    written = previous.local.replace(hour=match.hour, minute=match.minute or 0)
    later = written + dt.timedelta(hours=12)
    if written >= previous.local or later < previous.local:
        return match, None
    note = (
        f"{match.text} read as {_clock(later)}: the timeline writes a 12-hour clock and the "
        f"entry before was at {_clock(previous.local)}"
    )
    return replace(match, hour=match.hour + 12), note


def _clock(moment: dt.datetime) -> str:
    return moment.strftime("%I:%M %p").lstrip("0")


def _apply_correction(parsed: Parsed, entries: list[Entry]) -> None:
    """Move the entries that write a date the document itself corrects to the right one."""
    correction = find_correction(parsed.blocks)
    if correction is None:
        return
    wrong = wrong_date([e.match for e in entries if not e.log], correction)
    if wrong is None:
        return
    for entry in entries:
        if not entry.log and (fixed := corrected(entry.match, wrong, correction)) is not None:
            entry.match, entry.corrected = fixed, True


def _from_zero(
    entry: Entry,
    from_zero: tuple[dt.timedelta, TimeMatch],
    reference: Reference,
    doc_zone: Zone | None,
    option_tz: str | None,
    labels: dict[str, Zone],
) -> Resolved:
    """ "T+1h10m": T0 as the document names it, moved on by the span."""
    offset, zero_match = from_zero
    zero = resolve(
        zero_match,
        reference_date=reference.when,
        reference_source=reference.source,
        doc_zone=doc_zone,
        option_tz=option_tz,
        labels=labels,
    )
    if zero.at is None or zero.local is None:
        return Resolved(at=None, date=None, precision=Precision.MINUTE, time_text=entry.match.text)
    return shifted(
        zero,
        offset,
        end_at=None,
        time_text=entry.match.text,
        date_source=DateSource.HEADING,
        year_source=DateSource.HEADING,
        notes=(*zero.notes, f"{entry.match.text} counted from T0 = {zero_match.text}"),
    )


def _told(entry: Entry) -> bool:
    """An entry that is a sentence of prose opening with a vague time ("At around 09:11 UTC
    on Tuesday, the server ...") rather than an entry of a timeline."""
    return entry.block.kind is BlockKind.PARAGRAPH and (
        (entry.match.approximate and entry.match.text[:1].isalpha())
        or entry.match.is_offset  # "Ten minutes later support forwarded ..."
    )


def _written_zone(parsed: Parsed, reference: Reference) -> Zone | None:
    """The zone of every time the document writes with one, when they all agree: a writer
    who puts "UTC 05:13" in the text and no zone on the timeline means UTC there too. Pasted
    log lines and times to the second (machine stamps) do not count."""
    found: dict[dt.timedelta, Zone] = {}
    day = reference.when if reference.when is not None else dt.date(2020, 1, 1)
    when = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
    for block in parsed.blocks:
        if block.kind in (BlockKind.CODE, BlockKind.META):
            continue
        if not any(c.isdigit() for c in block.text):
            continue
        for match in times_in(block.text):
            if not match.zone or match.second is not None:
                continue
            zone = parse_zone(match.zone)
            if zone is None or zone.ambiguous:
                return None
            offset = when.astimezone(zone.meaning.tzinfo()).utcoffset()
            if offset is not None:
                found.setdefault(offset, zone)
            if len(found) > 1:
                return None
    return next(iter(found.values()), None)


def _story_days(entries: list[Entry], events: list[Event]) -> list[Event]:
    """A story's sentences that only name the day ("On the 2nd of March we had downtime.",
    "Saturday June 1.") set the day for the times that follow them; when the next time the
    story tells is on that day, the day alone is no event of its own."""
    kept = []
    for i, (entry, event) in enumerate(zip(entries, events, strict=True)):
        if entry.narrative and event.at is None and event.date is not None:
            following = next(
                (
                    v
                    for e, v in zip(entries[i + 1 :], events[i + 1 :], strict=True)
                    if not (e.narrative and v.at is None and v.date == event.date)
                ),
                None,
            )
            if following is not None and following.at is not None and following.date == event.date:
                continue
        kept.append(event)
    return kept


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


def folded(text: str) -> str:
    """Text as entries are compared: lower case, punctuation dropped, spaces collapsed."""
    return " ".join(re.sub(r"[^\w\s]", " ", text.lower()).split())


# Two entries that agree this far are the same entry, whatever follows.
_REPEAT_WORDS = 64


def drop_repeats(events: list[Event]) -> list[Event]:
    """Leave out entries that repeat an earlier one: a reply quoting the timeline, the same
    line pasted twice. Same time, and the words of one text begin the other."""
    kept: list[Event] = []
    # Per instant: the texts seen, and every run of their first words, so that each check
    # is a few set lookups however many entries share the instant.
    texts: dict[tuple[dt.datetime | None, dt.date | None], set[str]] = {}
    heads: dict[tuple[dt.datetime | None, dt.date | None], set[str]] = {}
    for event in events:
        words = folded(event.text).split()[:_REPEAT_WORDS]
        key = (event.at, event.date)
        seen, begun = texts.setdefault(key, set()), heads.setdefault(key, set())
        text = " ".join(words)
        if text in begun or any(" ".join(words[:n]) in seen for n in range(1, len(words) + 1)):
            continue
        seen.add(text)
        begun.update(" ".join(words[:n]) for n in range(1, len(words) + 1))
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
        date_source=DateSource.CORRECTION if entry.corrected else resolved.date_source,
        year_source=DateSource.CORRECTION if entry.corrected else resolved.year_source,
        notes=list(resolved.notes),
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
