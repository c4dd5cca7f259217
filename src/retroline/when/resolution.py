"""From a time expression to an instant in UTC: years, dates, zones, midnight.

The rules here are the ones a careful reader applies without noticing:

* a date without a year belongs to the year that puts it closest before the document date
  (a December entry in a January document is last year's);
* a clock time without a date belongs to the date above it, and a time that jumps far back
  from the previous entry (23:50, then 00:10) has crossed midnight;
* the zone written next to the time wins, then the document's own statement ("All times in
  PDT"), then the user's ``--tz``, and only then UTC is assumed, and the result says which.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from retroline.errors import UsageError
from retroline.sources import DateSource, Precision, ZoneSource
from retroline.when.match import TimeMatch
from retroline.when.relative import Anchor, relative_date
from retroline.when.zones import Zone, ZoneMeaning, is_iana_name, parse_zone

__all__ = [
    "FUTURE_GRACE",
    "MIDNIGHT_JUMP",
    "DayContext",
    "Resolved",
    "full_year",
    "infer_year",
    "resolve",
    "resolve_sequence",
]

FUTURE_GRACE = dt.timedelta(days=60)
"""How far after the document date an undated-year entry may fall. Postmortems describe the
past, but they also list follow-ups due in the weeks after; two months covers those without
pulling last autumn's events into next autumn."""

MIDNIGHT_JUMP = dt.timedelta(hours=6)
"""A time-only entry this much earlier than the entry before it has crossed midnight.
Timelines are written in order; a step back of a few minutes is an entry out of order (a
check reports it), a step back of many hours is the next day."""

_UTC = Zone("UTC", (ZoneMeaning("Coordinated Universal Time", dt.timedelta(0)),))


@dataclass(frozen=True)
class DayContext:
    """A calendar day an entry may be placed on, and where that day and its year came from
    (a day heading, a table column, the document's own date, its file name...)."""

    date: dt.date
    source: DateSource = DateSource.HEADING
    year_source: DateSource = DateSource.HEADING


@dataclass(frozen=True)
class Resolved:
    """A time expression placed on the calendar and, when it has a time of day, in UTC.

    ``date`` is the calendar date as written (in the zone of the text), ``local`` the naive
    wall-clock time in that zone. ``notes`` carries what a consistency check may want to
    report: a year or date taken from context, a zone label that contradicts the season, a
    weekday that does not match the date.
    """

    at: dt.datetime | None
    date: dt.date | None
    precision: Precision
    time_text: str
    local: dt.datetime | None = None
    end_at: dt.datetime | None = None
    zone: str | None = None
    zone_source: ZoneSource | None = None
    approximate: bool = False
    ambiguous_zone: bool = False
    notes: tuple[str, ...] = ()
    date_source: DateSource | None = None
    year_source: DateSource | None = None


def _year_for(
    month: int,
    day: int,
    reference: dt.date,
    weekday: int | None,
    *,
    nearest: bool = False,
    limit: dt.date | None = None,
) -> tuple[int | None, bool]:
    """:func:`infer_year`, and whether the weekday is what settled it.

    With ``nearest`` the year that puts the day closest to ``reference`` (the entry before
    it) wins, in either direction but not after ``limit`` (the document's date and its grace):
    a timeline moves on from one entry to the next, across New Year too.
    """
    candidates = []
    for year in (reference.year + 1, reference.year, reference.year - 1):
        try:
            candidates.append(dt.date(year, month, day))
        except ValueError:
            continue
    by_weekday = False
    if weekday is not None:
        matching = [c for c in candidates if c.weekday() == weekday]
        by_weekday = len(matching) == 1 and len(candidates) > 1
        candidates = matching or candidates
    if not candidates:
        return None, False
    if nearest:
        allowed = [c for c in candidates if limit is None or c <= limit] or candidates
        return min(allowed, key=lambda c: abs(c - reference)).year, by_weekday
    before = [c for c in candidates if c <= reference + FUTURE_GRACE]
    if before:
        return max(before).year, by_weekday
    return min(candidates, key=lambda c: abs(c - reference)).year, by_weekday


def infer_year(
    month: int, day: int, reference: dt.date, *, weekday: int | None = None
) -> int | None:
    """The year of ``day``/``month`` as seen from a document dated ``reference``.

    The latest candidate not more than :data:`FUTURE_GRACE` after the reference wins. A
    weekday written with the date ("Saturday 18th October") picks the year in which it
    matches, when one of the three candidate years does. None when the day exists in none
    of them (29 February far from a leap year).
    """
    return _year_for(month, day, reference, weekday)[0]


def full_year(two_digits: int, reference: dt.date | None = None) -> int:
    """The year a two-digit year names: the one nearest ``reference``, else the POSIX pivot
    (69-99 in the 1900s, 00-68 in the 2000s)."""
    return _century(two_digits, reference)


def _century(two_digits: int, reference: dt.date | None) -> int:
    if reference is None:
        # The POSIX strptime pivot: 69-99 are the 1900s, 00-68 the 2000s.
        return (1900 if two_digits >= 69 else 2000) + two_digits
    base = reference.year - reference.year % 100
    options = (base - 100 + two_digits, base + two_digits, base + 100 + two_digits)
    return min(options, key=lambda y: abs(y - reference.year))


def _zone_of(value: str | Zone | None, what: str) -> Zone | None:
    if value is None or isinstance(value, Zone):
        return value
    zone = parse_zone(value)
    if zone is None:
        raise UsageError(
            f"unknown time zone {value!r} for {what}; use an IANA name like Europe/Zurich"
        )
    return zone


def _option_zone(option_tz: str | None) -> Zone | None:
    if option_tz is None:
        return None
    if not is_iana_name(option_tz) and option_tz.upper() not in ("UTC", "GMT"):
        raise UsageError(
            f"--tz {option_tz!r} is not an IANA zone name; use one like Europe/Zurich or UTC"
        )
    return parse_zone(option_tz)


def _calendar_date(
    match: TimeMatch,
    reference: dt.date | None,
    notes: list[str],
    *,
    after: dt.date | None = None,
) -> tuple[dt.date | None, bool]:
    """The date ``match`` writes, its year completed from ``reference`` (the document's date)
    when it has none, or from ``after`` (the entry before) when given; and whether the written
    weekday is what settled that year."""
    assert match.month is not None
    day = match.day or 1
    month = match.month
    by_weekday = False
    if match.year is not None:
        year = _century(match.year, reference) if match.two_digit_year else match.year
        if match.day_first is not None and not match.order_hinted and reference is not None:
            # 03/04/2016 reads both ways: take the reading nearer the document date.
            try:
                other = dt.date(year, day, month)
                this = dt.date(year, month, day)
            except ValueError:
                other = None
            if other is not None and abs(other - reference) < abs(this - reference):
                month, day = day, month
                notes.append("day and month order taken from the document date")
    elif after is not None:
        limit = reference + FUTURE_GRACE if reference is not None else None
        found_year, by_weekday = _year_for(
            month, day, after, match.weekday, nearest=True, limit=limit
        )
        if found_year is None:
            return None, False
        year = found_year
        notes.append("year taken from the entry before")
    elif reference is not None:
        found_year, by_weekday = _year_for(month, day, reference, match.weekday)
        if found_year is None:
            return None, False
        year = found_year
        notes.append("year taken from the context")
    else:
        return None, False
    try:
        date = dt.date(year, month, day)
    except ValueError:
        notes.append("no such date")
        return None, False
    if match.weekday is not None and match.day is not None and date.weekday() != match.weekday:
        notes.append("weekday does not match the date")
    return date, by_weekday


def _pick_zone(
    match: TimeMatch,
    doc_zone: Zone | None,
    option: Zone | None,
    option_tz: str | None,
    offsets_seen: Sequence[dt.timedelta],
    labels: Mapping[str, Zone] | None = None,
) -> tuple[Zone, ZoneMeaning, ZoneSource]:
    explicit = None
    if match.zone:
        # A label the document defines for itself ("PST (UTC-7)", "CEST = UTC + 2") wins
        # over the table: the writer said what they meant by it.
        explicit = (labels or {}).get(match.zone.strip().upper()) or parse_zone(match.zone)
    for zone, source in (
        (explicit, ZoneSource.EXPLICIT),
        (doc_zone, ZoneSource.DOCUMENT),
        (option, ZoneSource.OPTION),
    ):
        if zone is not None:
            # The document's own zone is as good a hint as --tz: "all times Central, CST".
            hint = option_tz or (
                doc_zone.meaning.region if doc_zone is not None and not doc_zone.ambiguous else None
            )
            meaning = zone.choose(region_hint=hint, offsets_seen=tuple(offsets_seen))
            return zone, meaning, source
    return _UTC, _UTC.meaning, ZoneSource.ASSUMED


def _season_note(zone: Zone, meaning: ZoneMeaning, local: dt.datetime) -> str | None:
    """A note when a fixed-offset label is off-season for its region (PST in July)."""
    if meaning.offset is None or meaning.region is None or zone.label.upper() == "GMT":
        return None
    actual = meaning.region_offset_at(local)
    if actual is not None and actual != meaning.offset:
        hours = actual.total_seconds() / 3600
        return (
            f"{zone.label} is UTC{meaning.offset.total_seconds() / 3600:+g}, but {meaning.region}"
            f" was on UTC{hours:+g} then; the label was taken as written"
        )
    return None


def resolve(
    match: TimeMatch,
    *,
    reference_date: dt.date | dt.datetime | None = None,
    default_date: dt.date | DayContext | None = None,
    doc_zone: str | Zone | None = None,
    option_tz: str | None = None,
    previous: Resolved | None = None,
    offsets_seen: Sequence[dt.timedelta] = (),
    labels: Mapping[str, Zone] | None = None,
    reference_source: DateSource = DateSource.DOCUMENT,
    year_reference: dt.date | None = None,
    year_source: DateSource | None = None,
) -> Resolved:
    """Place ``match`` on the calendar and in UTC.

    ``reference_date`` is the document's date (a datetime when the time of writing is known,
    as for a blog post), ``reference_source`` where that date came from; ``default_date`` the
    day of the heading or entry the match sits under (a :class:`DayContext` says where it
    came from; a plain date counts as a heading); ``previous`` the entry before it, for
    midnight crossings, "the next morning" and "10 minutes later". A date written without a
    year takes the year that puts it nearest before ``year_reference`` (the date of the entry
    before, say; ``reference_date`` when not given), whose own origin is ``year_source``.
    ``doc_zone`` is the zone the document states, ``option_tz`` the user's ``--tz``.
    ``offsets_seen`` (offsets of other zones in the document) settle ambiguous labels;
    ``labels`` maps zone labels (upper case) to what the document defines them to mean.

    The result says where its date and year came from (``date_source``, ``year_source``).
    Raises :class:`~retroline.errors.UsageError` for an unknown ``doc_zone``/``option_tz``.
    """
    ref_moment = reference_date if isinstance(reference_date, dt.datetime) else None
    reference = reference_date.date() if isinstance(reference_date, dt.datetime) else reference_date
    context = (
        DayContext(default_date)
        if isinstance(default_date, dt.date) and not isinstance(default_date, DayContext)
        else default_date
    )
    notes: list[str] = []
    date: dt.date | None = None
    date_from: DateSource | None = None
    year_from: DateSource | None = None
    from_reference = False
    relative = match.relative
    if relative is not None and relative.offset is not None and not match.has_time:
        return _offset(match, relative.offset, previous)
    if relative is not None and relative.offset is None:
        anchor, date_from = reference, reference_source
        if relative.anchor is Anchor.PREVIOUS and previous is not None and previous.date:
            anchor, date_from = previous.date, DateSource.ORDER
        if anchor is not None:
            date = relative_date(relative, anchor, hour=match.hour)
            year_from = date_from
    elif match.has_date:
        date, by_weekday = _calendar_date(match, reference, notes, after=year_reference)
        date_from = DateSource.ENTRY
        if match.year is not None:
            year_from = DateSource.ENTRY
        elif by_weekday:
            year_from = DateSource.WEEKDAY
        elif year_reference is not None:
            year_from = year_source or DateSource.ORDER
        else:
            year_from = reference_source
    elif match.has_time:
        if context is not None:
            date, date_from, year_from = context.date, context.source, context.year_source
        if (
            previous is not None
            and previous.local is not None
            and (date is None or previous.local.date() > date)
        ):
            date, date_from = previous.local.date(), DateSource.ORDER
            year_from = previous.year_source
        if date is None and reference is not None:
            date, from_reference = reference, True
            date_from = year_from = reference_source
            notes.append("date taken from the document date")
    zone, meaning, source = _pick_zone(
        match,
        _zone_of(doc_zone, "the document"),
        _option_zone(option_tz),
        option_tz,
        offsets_seen,
        labels,
    )
    base = Resolved(
        at=None,
        date=date,
        precision=match.precision,
        time_text=match.text,
        approximate=match.approximate,
        notes=tuple(notes),
        date_source=date_from if date is not None else None,
        year_source=year_from if date is not None else None,
    )
    if date is None or not match.has_time:
        return base
    assert match.hour is not None
    local = dt.datetime.combine(
        date,
        dt.time(match.hour, match.minute or 0, min(match.second or 0, 59), match.microsecond or 0),
    )
    if (
        not match.has_date
        and match.relative is None
        and previous is not None
        and previous.local is not None
        and previous.local - local > MIDNIGHT_JUMP
    ):
        local += dt.timedelta(days=1)
        notes.append("crossed midnight after the previous entry")
        base = replace(base, date_source=DateSource.ORDER)
    # A bare time in a text written at 17:57 that reads later than 17:57 happened the day
    # before ("at 10PM the alarms went off", written the next morning).
    if (
        from_reference
        and ref_moment is not None
        and ref_moment.tzinfo is None
        and local > ref_moment
    ):
        local -= dt.timedelta(days=1)
        notes.append("taken as the day before the time of writing")
    at = local.replace(tzinfo=meaning.tzinfo()).astimezone(dt.UTC)
    note = _season_note(zone, meaning, local)
    if note:
        notes.append(note)
    if zone.meaning.offset is not None and meaning.offset != zone.meaning.offset:
        notes.append(f"{zone.label} read as {meaning.name}")
    end_at = _range_end(match, local, meaning, notes)
    label = "UTC" if zone.label == "Z" else zone.label
    return replace(
        base,
        at=at,
        date=local.date(),
        local=local,
        end_at=end_at,
        zone=label,
        zone_source=source,
        ambiguous_zone=zone.ambiguous
        and not zone.settled_by(
            meaning, offsets_seen, option_tz, _zone_of(doc_zone, "the document"), local
        ),
        notes=tuple(notes),
    )


def shifted(start: Resolved, offset: dt.timedelta, **changes: Any) -> Resolved:
    """A resolved time moved on by a span (a relative entry counted from another); the
    caller says where the date now comes from."""
    assert start.at is not None and start.local is not None
    local = start.local + offset
    return replace(start, at=start.at + offset, date=local.date(), local=local, **changes)


def _offset(match: TimeMatch, offset: dt.timedelta, previous: Resolved | None) -> Resolved:
    """ "10 minutes later": the entry before, moved on by the span the words give."""
    if previous is None or previous.at is None or previous.local is None:
        return Resolved(
            at=None,
            date=None,
            precision=match.precision,
            time_text=match.text,
            approximate=match.approximate,
        )
    return shifted(
        previous,
        offset,
        precision=match.precision,
        time_text=match.text,
        approximate=match.approximate,
        end_at=None,
        date_source=DateSource.ORDER,
        notes=(f"counted from the entry before ({previous.time_text})",),
    )


def _range_end(
    match: TimeMatch, start: dt.datetime, meaning: ZoneMeaning, notes: list[str]
) -> dt.datetime | None:
    end = match.range_end
    if end is None or end.hour is None:
        return None
    date = start.date()
    if end.month is not None and end.day is not None:
        year = start.year
        if end.year is not None:
            year = _century(end.year, start.date()) if end.two_digit_year else end.year
        try:
            date = dt.date(year, end.month, end.day)
        except ValueError:
            notes.append("range end is no date")
            return None
    local = dt.datetime.combine(date, dt.time(end.hour, end.minute or 0, min(end.second or 0, 59)))
    if local < start and end.month is None:
        local += dt.timedelta(days=1)
        notes.append("range ends after midnight")
    end_zone = parse_zone(end.zone) if end.zone and end.zone != match.zone else None
    tz = end_zone.meaning.tzinfo() if end_zone else meaning.tzinfo()
    return local.replace(tzinfo=tz).astimezone(dt.UTC)


def resolve_sequence(
    matches: Iterable[TimeMatch | None],
    *,
    reference_date: dt.date | dt.datetime | None = None,
    doc_zone: str | Zone | None = None,
    option_tz: str | None = None,
    offsets_seen: Sequence[dt.timedelta] = (),
) -> list[Resolved | None]:
    """Resolve the entries of a timeline in order, carrying the date from entry to entry.

    An entry with a date sets the date for the time-only entries after it; a time-only entry
    far earlier than the one before it moves to the next day. None entries (lines without a
    time) pass through as None.
    """
    results: list[Resolved | None] = []
    previous: Resolved | None = None
    current: dt.date | None = None
    for match in matches:
        if match is None:
            results.append(None)
            continue
        resolved = resolve(
            match,
            reference_date=reference_date,
            default_date=current,
            doc_zone=doc_zone,
            option_tz=option_tz,
            previous=previous,
            offsets_seen=offsets_seen,
        )
        results.append(resolved)
        if resolved.date is not None:
            current = resolved.date
            previous = resolved
    return results
