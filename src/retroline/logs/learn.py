"""Learn the header of a log layout the catalog does not know, from a sample of its lines.

A header is what comes before the message in every line of the same shape. Each sample line
is searched for the earliest timestamp written in one of the forms logs use (`STAMPS`); the
text before it is generalised by the shape of its runs (a word of letters, digits, dots and
dashes; a run of blanks; any other character as written), and what follows it up to the
message (separators, a level word when most lines have one there) likewise. Lines of one
shape make one `HeaderPattern`, written as the catalog's are, so every reader takes it as
it takes those. Nothing here knows any product: only how timestamps and headers are written.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from datetime import date, timedelta
from functools import cache
from pathlib import Path

from retroline.logs.layout import (
    FRACTION,
    HEADER_FLAGS,
    HMS,
    LEVEL_WORDS,
    MERIDIEM,
    MESSAGE,
    MONTH,
    NAMED_GROUP,
    ZONE,
    HeaderPattern,
    RecordPattern,
)
from retroline.logs.reader import last_lines
from retroline.logs.timestamps import ZONE_PATTERN, TimeResolver, clock_only, seconds_of_day

__all__ = [
    "PLAIN",
    "STAMPS",
    "extend",
    "first_date",
    "late_layout",
    "late_pattern",
    "learn",
    "written_date",
]


_DOW = r"(?:(?i:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,? )"


# A month name, then the day, an optional year and the clock.
# The year may be followed by a comma, an "@" or "at" before the clock ("Mar 7, 2026 @
# 16:24:15.123", as a search front end exports its rows; "March 7, 2026 at 4:24:15 PM").
_MON_D_TIME = (
    rf"{_DOW}?{MONTH}(?: +|-)(?P<d>\d{{1,2}})(?:st|nd|rd|th)?,? (?:(?P<Y>\d{{4}}),? (?:@ |at )?)?"
    + HMS
    + FRACTION
    + MERIDIEM
)


# The forms of two numbers and a year, month first, by what is between them and whether the
# clock comes first ("00:31:00 12/07/2026"); each has its day-first ("dmy...") and its
# order-assumed ("...-assumed") twin (`_slash_order`).
_SLASHED = {"mdy": ("/", False), "mdy-dash": ("-", False), "mdy-after-clock": ("/", True)}

# Between a date and its clock: blanks (a comma before them), " -- " or " - ", a dash or
# a comma.
_DATE_TIME = r"(?:,? +| --? |[-,])"


def _slashed(first: str, second: str, sep: str = "/", clock_first: bool = False) -> str:
    """Two numbers and a year, then the clock: month first ("mdy") or day first ("dmy"),
    between slashes (the year of two digits or four) or dashes (four). Or the clock first,
    then a blank and the date."""
    year = r"(?:(?P<Y>\d{4})|(?P<y>\d\d))" if sep == "/" else r"(?P<Y>\d{4})"
    date = rf"(?P<{first}>\d{{1,2}}){sep}(?P<{second}>\d{{1,2}}){sep}{year}"
    if clock_first:
        return HMS + FRACTION + MERIDIEM + ",? +" + date + r"(?!\d)" + ZONE
    return date + _DATE_TIME + HMS + FRACTION + MERIDIEM + ZONE


#: The forms a timestamp is written in, each a regex with the time groups `TimeResolver`
#: reads; the most complete first (at one position the longest match wins anyway).
STAMPS: tuple[tuple[str, str], ...] = (
    # Month and day padded or not ("2026-3-7 9:05:03", as some locales write it); an "@"
    # may stand between the date and the clock, as a search front end writes it.
    (
        "iso",
        r"(?P<Y>\d{4})-(?P<m>[01]?\d)-(?P<d>[0-3]?\d)(?:[Tt_-]| {1,2}| @ )"
        + HMS
        + FRACTION
        + MERIDIEM
        + ZONE,
    ),
    # ISO 8601's basic format ("20261207T003100Z").
    (
        "iso-basic",
        r"(?P<Y>\d{4})(?P<m>[01]\d)(?P<d>[0-3]\d)T(?P<H>[0-2]\d)(?P<M>[0-5]\d)(?P<S>[0-5]\d)"
        + FRACTION
        + ZONE,
    ),
    # The clock to the minute ("2026-12-07T00:31+01:00"): never where seconds follow.
    (
        "iso-minutes",
        r"(?P<Y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)(?:T| {1,2})(?P<H>[0-2]?\d):(?P<M>[0-5]\d)"
        r"(?![:\d])" + MERIDIEM + ZONE,
    ),
    # A date and a time in fields of their own ("date=2019-05-15 time=18:03:36", cells of a
    # row): the date is the line's, not the day the file was written.
    (
        "iso-fields",
        r"(?P<Y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)[ \t,;|]+(?:[A-Za-z_]{1,12}[=:][ \t]*)?"
        + HMS
        + FRACTION
        + MERIDIEM
        + ZONE,
    ),
    (
        "ymd-slash",
        r"(?P<Y>\d{4})/(?P<m>[01]?\d)/(?P<d>[0-3]?\d)[-T ]" + HMS + FRACTION + MERIDIEM + ZONE,
    ),
    # The clock's parts between dots, after a dash ("2026-12-07-00.31.00.123456", as a
    # database's diagnostic log and a supercomputer's RAS log write it) or a blank.
    (
        "iso-dotted-clock",
        r"(?P<Y>\d{4})-(?P<m>[01]\d)-(?P<d>[0-3]\d)[- ](?P<H>[0-2]\d)\.(?P<M>[0-5]\d)\.(?P<S>[0-5]\d)"
        r"(?:\.(?P<f>\d{1,9})(?!\d))?",
    ),
    # Year, month and day between colons ("2026:12:07-00:31:00", a control panel's log).
    (
        "ymd-colons",
        r"(?P<Y>\d{4}):(?P<m>[01]\d):(?P<d>[0-3]\d)[-T ]" + HMS + FRACTION + MERIDIEM + ZONE,
    ),
    # Year, month and day marked by the CJK characters for them ("2026年3月7日 16:24:15").
    (
        "ymd-cjk",
        "(?P<Y>\\d{4})\u5e74(?P<m>[01]?\\d)\u6708(?P<d>[0-3]?\\d)\u65e5 ?" + HMS + FRACTION + ZONE,
    ),
    (
        "ymd-dots",
        r"(?P<Y>\d{4})\.(?P<m>\d\d)\.(?P<d>\d\d)[-T ]" + HMS + FRACTION + MERIDIEM + ZONE,
    ),
    (
        "ymd-compact",
        r"(?P<Y>\d{4})(?P<m>[01]\d)(?P<d>[0-3]\d)[-T ]" + HMS + FRACTION + MERIDIEM + ZONE,
    ),
    ("yymmdd", r"(?P<y>\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d) +" + HMS + FRACTION),
    # Date and clock as bare digits ("081109 203615"); like a time of day alone, a header
    # only when most lines start with it.
    (
        "yymmdd-compact",
        r"(?P<y>\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d) (?P<H>[0-2]\d)(?P<M>[0-5]\d)(?P<S>[0-5]\d)",
    ),
    # Month and day, a slash, then the clock as bare digits ("1207/000502.764799", after
    # a process and thread id in a browser engine's logs): no year.
    (
        "md-compact",
        r"(?P<m>[01]\d)(?P<d>[0-3]\d)/(?P<H>[0-2]\d)(?P<M>[0-5]\d)(?P<S>[0-5]\d)" + FRACTION,
    ),
    # Month and day without a year, then the clock: after blanks ("12-07 00:31:00.123") or
    # a dash ("12/07-00:31:00.123456"); not the end of a longer date ("Jan-07-26").
    ("md-dash", r"(?<![\w./-])(?P<m>[01]?\d)-(?P<d>[0-3]?\d) +" + HMS + FRACTION),
    ("md-slash", r"(?<![\w./-])(?P<m>[01]?\d)/(?P<d>[0-3]?\d)-" + HMS + FRACTION),
    # Year, month and day as digits, a colon, the clock as digits ("20261207:003100.123").
    (
        "ymd-colon-compact",
        r"(?P<Y>\d{4})(?P<m>[01]\d)(?P<d>[0-3]\d):(?P<H>[0-2]\d)(?P<M>[0-5]\d)(?P<S>[0-5]\d)"
        r"(?:\.(?P<f>\d{1,9}))?",
    ),
    (
        "mon-d-time-year",
        rf"(?:(?P<z>{ZONE_PATTERN}) )?{_DOW}?{MONTH} +(?P<d>\d{{1,2}}) {HMS}{FRACTION} (?P<Y>\d{{4}})",
    ),
    # The zone between the clock and the year, as date(1) writes it ("Mon Dec  7 00:31:00
    # UTC 2026").
    (
        "mon-d-time-zone-year",
        rf"{_DOW}?{MONTH} +(?P<d>\d{{1,2}}) {HMS}{FRACTION} (?P<z>{ZONE_PATTERN}) (?P<Y>\d{{4}})",
    ),
    # A zone before the month ("[CEST Aug  6 10:14:52]"), or after the clock ("... 2026
    # 16:24:17 GMT-0800": the longer match, where a zone follows); one group each.
    ("mon-d-time", rf"(?:(?P<z>{ZONE_PATTERN}) )?" + _MON_D_TIME),
    ("mon-d-time-zone", _MON_D_TIME + ZONE),
    (
        "d-mon-y-time",
        # The year in four digits, or in two ("07-MAR-21 16:24:15", a database's default;
        # "07 Mar 21 16:24:15", as mail headers once wrote it): after a day and a month,
        # two digits and a clock are the year, never the day of a date without one.
        r"(?P<d>\d{1,2})(?:st|nd|rd|th|\.)?[-/. ]?"
        + MONTH
        + r"(?:[-/. ]?(?P<Y>\d{4})|[-/. ](?P<y>\d\d))(?:::|[: T])"
        + HMS
        + FRACTION
        + MERIDIEM
        + ZONE,
    ),
    ("d-mon-time", r"(?P<d>\d{1,2}) " + MONTH + " " + HMS + FRACTION + MERIDIEM),
    # The day and the month's name, then the clock to the minute ("07-Mar 16:24", as a backup
    # director writes its jobs): never where seconds follow.
    ("d-mon-minutes", r"(?P<d>\d{1,2})[- ]" + MONTH + r" (?P<H>[0-2]?\d):(?P<M>[0-5]\d)(?![:\d])"),
    # A month's name, the day and the year, then the clock to the minute ("December 7, 2026
    # 00:31: text"): a colon may end it, but no seconds follow.
    (
        "mon-d-y-minutes",
        MONTH
        + r" +(?P<d>\d{1,2})(?:st|nd|rd|th)?,? (?P<Y>\d{4}),? (?P<H>[0-2]?\d):(?P<M>[0-5]\d)"
        + r"(?!:?\d)"
        + MERIDIEM,
    ),
    # A month name, the day and the year between slashes or dashes ("dec/07/2026 00:31:00",
    # "Dec-07-26 00:31:00"), or the year first ("2026 Dec 07 00:31:00").
    ("mon/d/y", MONTH + r"/(?P<d>\d{1,2})/(?P<Y>\d{4}) " + HMS + FRACTION + MERIDIEM),
    (
        "mon-d-y",
        MONTH + r"[-.](?P<d>\d{1,2})[-.](?:(?P<Y>\d{4})|(?P<y>\d\d)) " + HMS + FRACTION + MERIDIEM,
    ),
    (
        "y-mon-d-time",
        r"(?P<Y>\d{4})[-/. ]"
        + MONTH
        + r"[-/. ] *(?P<d>\d{1,2})[ T]"
        + HMS
        + FRACTION
        + MERIDIEM
        + ZONE,
    ),
    *((form, _slashed("m", "d", *how)) for form, how in _SLASHED.items()),
    # The clock, then an ISO date ("00:31:00 2026-12-07").
    (
        "iso-after-clock",
        HMS
        + FRACTION
        + MERIDIEM
        + r",? +(?P<Y>\d{4})-(?P<m>[01]\d)-(?P<d>[0-3]\d)(?![\d:])"
        + ZONE,
    ),
    (
        "dmy-dots",
        r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?:(?P<Y>\d{4})|(?P<y>\d\d)),? " + HMS + FRACTION + ZONE,
    ),
    ("epoch", r"(?<![\d.])(?P<epoch>1\d{9}(?:\d{3}){0,3})(?:\.(?P<f>\d{1,9}))?(?![\d.])"),
    ("time", HMS + FRACTION + MERIDIEM),
)


@cache
def _searches() -> dict[str, re.Pattern[str]]:
    """Each form, found anywhere in a line, not inside a word or a number. Compiled when
    first needed: a file whose layout the catalog reads never needs them."""
    return {
        name: re.compile(r"(?<![\w])(?:" + regex + r")(?!\d)", HEADER_FLAGS)
        for name, regex in STAMPS
    }


# The forms a layout is built from: those found in lines, and slashed dates day first,
# which a layout takes when a line's first number cannot be a month (`_slash_order`), a
# line alone is never read so; or month first, said to be assumed, when no line's numbers
# show the order: the empty group "o" makes each line's date assumed
# (`TimeResolver.assumes_date`).
_FORM = {
    **dict(STAMPS),
    **{"dm" + form[2:]: _slashed("d", "m", *how) for form, how in _SLASHED.items()},
    **{form + "-assumed": "(?P<o>)" + _slashed("m", "d", *how) for form, how in _SLASHED.items()},
}

#: How far into a line a header's timestamp may start.
REACH = 160
# A line's runs: a word, a run of blanks, any other character.
_RUN = re.compile(r"[\w.\-/@]+|[ \t]+|.", HEADER_FLAGS)
_WORD = r"[\w.\-/@]+"
_LEVEL_ONLY = re.compile(LEVEL_WORDS + "$", HEADER_FLAGS)
# The letters that stand for a severity (verbose, debug, info, warning, error, fatal), as a
# character class, and as the level group of a layout.
_LETTERS = "[VDIWEF]"
_LETTER_LEVEL = f"(?P<level>{_LETTERS})"
# What may follow the timestamp before the message: a closing bracket, a separator.
_AFTER = r"[\])>]?(?:::|[ \t]*[|,-](?=[ \t])|:(?=[ \t]))?[ \t]*"
# A level word after the timestamp, bracketed or not, and the separator after it.
_LEVEL_AFTER = (
    rf"(?:[\[(<]?(?P<level>{LEVEL_WORDS})(?:[ \t]*[\])>])?(?:::|:)?(?=[ \t\[]|$)[ \t]*"
    r"(?:[:|-](?=[ \t]|$)[ \t]*)?)?"
)
# A level word inside the bracket a header opened before its timestamp, near the stamp,
# between other characters than letters ("...:VERBOSE1:...", "...: INFO/"). Bounded, and no
# look-ahead for the bracket's end, so that a long line without one costs linear time.
_LEVEL_INSIDE = rf"(?:[^\]\n]{{0,80}}?(?<![A-Za-z])(?P<level>{LEVEL_WORDS})(?![A-Za-z]))?"
# Share of the sample lines a time of day alone must start for it to be a header (a time
# inside messages is common; a header written in most lines is not chance).
_TIME_ONLY_SHARE = 0.5
_BARE_FORMS = frozenset({"time", "yymmdd-compact"})
# Forms without a year or a month name: not enough, in a few lines, to make a layout.
_UNDATED_FORMS = frozenset(
    {"time", "yymmdd", "yymmdd-compact", "md-compact", "md-dash", "md-slash", "epoch"}
)


def _stamp(line: str) -> tuple[str, int, int] | None:
    """The earliest timestamp in a line's first `REACH` characters: form, start, end."""
    head = line[: REACH + 64]
    best: tuple[int, int, str] | None = None
    for name, search in _searches().items():
        m = search.search(head, 0, REACH + 64)
        if m is None or m.start() > REACH:
            continue
        key = (m.start(), -m.end(), name)
        if best is None or key[:2] < best[:2]:
            best = key
    if best is None:
        return None
    return best[2], best[0], -best[1]


def _shape(prefix: str) -> tuple[str, ...]:
    """A prefix's runs by kind: ``W`` a word, ``B`` blanks, other characters as written."""
    out = []
    for run in _RUN.findall(prefix):
        if run[0] in " \t":
            out.append("B")
        elif len(run) > 1 or run[0].isalnum() or run[0] in "_.-/@":
            out.append("W")
        else:
            out.append("=" + run)
    return tuple(out)


def _prefix_regex(shape: tuple[str, ...], prefixes: Sequence[str]) -> str:
    """The regex of prefixes of one shape: words generalised (a word that is a level word
    in every line is the level), blanks as blanks, the rest as written."""
    runs = [_RUN.findall(prefix) for prefix in prefixes]
    parts: list[str] = []
    level_taken = pid_taken = False
    for i, kind in enumerate(shape):
        if kind == "B":
            parts.append(r"[ \t]+")
        elif kind == "W":
            values = {r[i] for r in runs}
            if not level_taken and all(_LEVEL_ONLY.match(v) for v in values):
                parts.append(f"(?P<level>{LEVEL_WORDS})")
                level_taken = True
            elif not level_taken and not i and all(re.fullmatch(_LETTERS, v) for v in values):
                # A severity's first letter starting every line ("E [<stamp>] ...").
                parts.append(_LETTER_LEVEL)
                level_taken = True
            elif not pid_taken and all(v.isdigit() for v in values) and _pid_place(shape, i):
                # Any word still reads there, as before: a line whose value is not a
                # number keeps its header (and its time), without a pid.
                parts.append(r"(?:(?P<pid>\d+)|" + _WORD + ")")
                pid_taken = True
            else:
                parts.append(_WORD)
        elif kind == _ANY_MARK:
            parts.append(r"[^\w\s]")
        else:
            parts.append(re.escape(kind[1:]))
    return "".join(parts)


def _pid_place(shape: tuple[str, ...], i: int) -> bool:
    """Whether a number at run ``i`` of a prefix stands where a process id does: alone in
    brackets or parentheses ("[1234] ", "(1234) "), or before a colon ("1234:M ",
    "[1234:5678:"); not in angle brackets (a syslog priority) nor between blanks (a counter,
    a Unix time)."""
    before = shape[i - 1] if i else ""
    after = shape[i + 1] if i + 1 < len(shape) else ""
    return (before, after) in (("=[", "=]"), ("=(", "=)")) or after == "=:"


def _name(regex: str) -> str:
    return "learnt-" + hashlib.sha256(regex.encode()).hexdigest()[:10]


def stamp_forms(lines: Iterable[str]) -> frozenset[str]:
    """The forms of the timestamps that start the headers of ``lines`` (`_stamp`)."""
    return frozenset(found[0] for line in lines if (found := _stamp(line)) is not None)


def learn(
    lines: Sequence[str], sparse: bool = False, forms: Collection[str] = ()
) -> HeaderPattern | None:
    """The header layout most of a sample's lines share, learnt from where their timestamp
    is; None when too few lines have one in a shape held in common.

    ``sparse``: for a file no layout reads: any two lines with a dated stamp in one shape
    make its layout (a tool's output with a stamped line where each run starts), the lines
    between them continuing the record before; one line does, when the stamp starts it (a
    program's one log line, then the trace it died with).

    ``forms``: the stamp forms of the lines the file's own layout reads (`stamp_forms`). A
    line with a stamp in one of them after a prefix of header fields (`_fields_only`) is a
    layout of its own even alone: the file's writer writing a second layout (a virtual
    host's requests among the others), whose time is its own, not the line's before.

    The other layouts seen in at least two lines come as the pattern's ``companions``."""
    sample = [line for line in lines if line.strip()]
    if not sample:
        return None
    groups: dict[tuple[str, tuple[str, ...]], list[tuple[str, int, int]]] = defaultdict(list)
    for line in sample:
        found = _stamp(line)
        if found is None or (sparse and found[0] in _UNDATED_FORMS):
            continue
        form, start, end = found
        groups[(form, _shape(line[:start]))].append((line, start, end))
    least = 2 if sparse else max(2, len(sample) // 20)
    if sparse:
        groups = _by_marks(groups, least)
    patterns: list[tuple[int, HeaderPattern]] = []
    for (form, shape), members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        alone = (sparse and not shape) or (form in forms and _fields_only(shape))
        if len(members) < (1 if alone else least):
            continue
        if form in _BARE_FORMS and len(members) < len(sample) * _TIME_ONLY_SHARE:
            continue
        if form == "time" and _after_dates(members):
            continue  # a date of a form not known: the clock is not put on another day
        if form in _SLASHED:
            form = _slash_order(form, members)
        pattern = _build(form, shape, members)
        if pattern is not None:
            hits = sum(1 for line in sample if pattern.compiled.match(line))
            patterns.append((hits, pattern))
    if not patterns:
        return None
    patterns.sort(key=lambda hp: -hp[0])
    first = patterns[0][1]
    others = tuple(p for _, p in patterns[1:] if p.regex != first.regex)
    return HeaderPattern(first.name, first.regex, first.example, others)


# The forms a line may start a layout with alone (`late_layout`): a four-digit year or a
# month name, and the order of day and month never in doubt.
_LATE_FORMS = tuple(
    name
    for name, _ in STAMPS
    if name not in _UNDATED_FORMS and name not in _SLASHED and name != "iso-fields"
)
#: The layout of a file without a header: any line but one starting in one of them, in a
#: bracket or not, which is read in a layout of its own (`late_layout`).
PLAIN = (
    r"(?!\[?(?:"
    + "|".join(NAMED_GROUP.sub("(?:", _FORM[name]) for name in _LATE_FORMS)
    + r"))(?P<msg>.*)"
)


@cache
def _undated() -> re.Pattern[str]:
    """`PLAIN` as a whole line: one call rules most lines out of `late_layout`. Compiled
    when first needed (it is large), as the catalog compiles its layouts, so that the two
    share one compiled regex (`re`'s cache)."""
    return re.compile("^" + PLAIN + "$", HEADER_FLAGS)


_LATE = "late-"
_late: dict[str, HeaderPattern] = {}


def written_date(pattern: HeaderPattern, lines: Iterable[str]) -> date | None:
    """The date written by the first of ``lines`` that writes a full one (a banner's
    "logging started: 3/7/2026 16:24:15", a "#Date:" header), when ``pattern``'s stamps
    write the time of day alone: such lines are put on it rather than on the day the file
    was last written, which a copy changes. When they write a date, with its year or not,
    the first full date in header place (`_date_parts`): lines without a year, of this
    layout or of others in the file, take theirs from it. None for other patterns, or when
    no line writes a date. The date is the one written, in the line's own zone (its day
    and month in the order a line alone is read: month first when numbers do not tell)."""
    names = set(pattern.compiled.groupindex)
    if "H" not in names or names & {"y", "epoch", "tai"}:
        return None
    header_only = bool(names & {"m", "b", "d"})
    if not header_only and "Y" in names:
        return None
    # The layouts whose lines are read as they read them: the file's own first (its lines
    # write no year, mostly, and are then passed over without a search for stamps, which
    # would cost a file's start tens of milliseconds), then the others that write a year.
    # A file whose own layout writes the year gives it to the lines of others that do not
    # (syslog lines before a writer's dated ones, in a file joined from two).
    dated = []
    if header_only:
        dated = [pattern] + [
            companion
            for companion in pattern.companions
            if (found := set(companion.compiled.groupindex)) & {"Y", "y"}
            and found & {"m", "b"}
            and "d" in found
        ]
    for line in lines:
        parts = _date_parts(line, dated, header_only)
        if not (parts.get("Y") or parts.get("y")) or not (parts.get("m") or parts.get("b")):
            continue
        if not parts.get("d"):
            continue
        parts.pop("z", None)  # the date as written, not the UTC one
        at = TimeResolver(None, None).resolve(parts)
        if at is not None:
            return at.date()
    return None


# Lines out of order by up to this many seconds do not make a file's last time of day
# earlier than its first (`first_date`): threads write a few lines late.
_REORDERED = 60


def first_date(
    path: str | Path, pattern: HeaderPattern, sample: list[str], day: date | None
) -> date | None:
    """The date a file's lines that write the time of day alone start on: the one its
    first lines write (`written_date`); else, when they all write the time of day alone,
    ``day`` (the day the file was last written), or the day before it when the file ends
    at an earlier time of day than it starts (it ran past midnight, once at least: the
    resolver moves to the next day there, `TimeResolver`, and the last line is then on
    ``day``). None otherwise."""
    written = written_date(pattern, sample)
    if written is not None or day is None or not clock_only(pattern.compiled.groupindex):
        return written
    first, last = _clock(pattern, sample), _clock(pattern, reversed(last_lines(path)))
    if first is None or last is None or first - last <= _REORDERED:
        return None
    return day - timedelta(days=1)


def _clock(pattern: HeaderPattern, lines: Iterable[str]) -> int | None:
    """The time of day, in seconds, of the first of ``lines`` ``pattern`` reads one in."""
    for line in lines:
        fields = pattern.parse(line)
        parts = dict(fields.time) if fields is not None and fields.time else {}
        if parts.get("H") and clock_only(name for name, value in parts.items() if value):
            return seconds_of_day(parts)
    return None


def _date_parts(
    line: str, dated: Sequence[HeaderPattern], header_only: bool
) -> dict[str, str | None]:
    """The time parts of a line's first stamp: as the first of the ``dated`` layouts that
    reads the line reads it, else as found. With ``header_only``, only a stamp in header
    place (read by one of them, or starting the line, maybe in a bracket): a date quoted in
    a message may be of any year."""
    for layout in dated:
        fields = layout.parse(line)
        if fields is not None and fields.time:
            return dict(fields.time)
    found = _stamp(line)
    if found is None or (header_only and line[: found[1]] not in ("", "[", "(")):
        return {}
    m = _searches()[found[0]].match(line, found[1], found[2])
    return {} if m is None else m.groupdict()


def late_layout(line: str) -> HeaderPattern | None:
    """The layout of a line no known layout reads that starts with a dated timestamp (in a
    bracket or not): a layout the file's writer took up after the sampled lines (a new
    version's, a second program's), whose time is the line's own, not the line's before.

    The layout follows from the stamp's form and the bracket alone (`late_pattern`), never
    from the line's other words, so every chunk of a file, parsed apart, gets the same one.
    """
    # An indented line (a stack frame) is ruled out before the regex, which costs more.
    if line[:1].isspace() or _undated().match(line) is not None:
        return None
    found = _stamp(line)
    if found is None:
        return None
    form, start, _ = found
    if form not in _LATE_FORMS or line[:start] not in ("", "["):
        return None
    return late_pattern(_LATE + line[:start] + form)


def late_pattern(name: str) -> HeaderPattern | None:
    """The layout `late_layout` names ``name`` (None: no such name): the stamp, what may
    follow it (a bracket's end, a separator, a level word), then the message."""
    found = _late.get(name)
    if found is None:
        form = name.removeprefix(_LATE).removeprefix("[")
        if not name.startswith(_LATE) or form not in _LATE_FORMS:
            return None
        bracket = r"\[" if name.startswith(_LATE + "[") else ""
        regex = "^" + bracket + "(?:" + _FORM[form] + ")" + _AFTER + _LEVEL_AFTER + MESSAGE
        found = _late[name] = HeaderPattern(name, regex, "")
    return found


# A mark of a prefix that lines of one layout write in different characters (">>>" and
# "<<<" opening a section and closing it): any such character reads there.
_ANY_MARK = "=?"


def _by_marks(
    groups: dict[tuple[str, tuple[str, ...]], list[tuple[str, int, int]]], least: int
) -> dict[tuple[str, tuple[str, ...]], list[tuple[str, int, int]]]:
    """``groups`` with those too small to make a layout joined when their prefixes differ
    only in the characters of their marks (`_ANY_MARK` where they do): in a file no layout
    reads, a tool's stamped lines may open with different marks."""
    out: dict[tuple[str, tuple[str, ...]], list[tuple[str, int, int]]] = {}
    small: dict[tuple[str, tuple[str, ...]], list[tuple[tuple[str, ...], list]]] = {}
    for (form, shape), members in groups.items():
        if len(members) >= least or not any(kind[0] == "=" for kind in shape):
            out[(form, shape)] = members
            continue
        coarse = tuple(_ANY_MARK if kind[0] == "=" else kind for kind in shape)
        small.setdefault((form, coarse), []).append((shape, members))
    for (form, _), parts in small.items():
        if len(parts) == 1:
            out[(form, parts[0][0])] = parts[0][1]
            continue
        # Marks all the parts write alike stay as written.
        shape = tuple(
            kinds[0] if len(set(kinds)) == 1 else _ANY_MARK
            for kinds in zip(*(shape for shape, _ in parts), strict=True)
        )
        out[(form, shape)] = [member for _, members in parts for member in members]
    return out


# The characters other than words and blanks a prefix of header fields holds: brackets,
# bars, commas and colons (between words: "host:443").
_FIELD_MARKS = frozenset({"=[", "=]", "=<", "=>", "=(", "=)", "=|", "=,", "=:"})


def _fields_only(shape: tuple[str, ...]) -> bool:
    """Whether a prefix's shape is header fields: not indented (a continuation line), only
    words, blanks and `_FIELD_MARKS`, and no colon before a blank ("failed at: ", a message
    telling a time) or at the end."""
    if shape[:1] == ("B",) or any(kind not in _FIELD_MARKS for kind in shape if kind[0] == "="):
        return False
    return not any(
        kind == "=:" and (i + 1 == len(shape) or shape[i + 1] == "B")
        for i, kind in enumerate(shape)
    )


# What ends a prefix that holds a date in a form not known ("23.11 ", "26/11/23-"): numbers
# between dots, slashes or dashes, or eight digits, and a separator.
_DATEISH = re.compile(r"(?<!\w)(?:\d{1,4}[-/.]\d{1,2}(?:[-/.]\d{1,4})?|\d{8})[-_/.T ]{0,3}$")


def _after_dates(members: list[tuple[str, int, int]]) -> bool:
    """Whether most lines write a date just before their clock, in a form not known."""
    dated = sum(1 for line, start, _ in members if _DATEISH.search(line, 0, start))
    return dated * 2 > len(members)


def _slash_order(form: str, members: list[tuple[str, int, int]]) -> str:
    """The order of dates of two numbers and a year ("07/12/2026", ``form`` "mdy", or
    "07-12-2026", "mdy-dash"): day first ("dmy...") when some line's first number is above
    12 (a day) and none's second is, month first the other way round, and month first
    said to be assumed ("...-assumed") when no line shows it (every number 12 or less) or
    lines disagree."""
    search = _searches()[form]
    firsts, seconds = set(), set()
    for line, start, end in members:
        m = search.match(line, start, end)
        if m is not None:
            firsts.add(int(m["m"]))
            seconds.add(int(m["d"]))
    day_first = max(firsts, default=0) > 12
    month_first = max(seconds, default=0) > 12
    if day_first != month_first:
        return "dm" + form[2:] if day_first else form
    return form + "-assumed"


def _build(
    form: str, shape: tuple[str, ...], members: list[tuple[str, int, int]]
) -> HeaderPattern | None:
    """The pattern of lines of one stamp form and prefix shape; with the level word after
    the stamp when most of them have one."""
    prefix = _prefix_regex(shape, [line[:start] for line, start, _ in members])
    if _LETTER_LEVEL in prefix:
        # A severity's letter before the stamp, and its word after it ("I, [<stamp>]  INFO
        # -- :"): the word is the level.
        worded = _built(form, shape, members, prefix.replace(_LETTER_LEVEL, _LETTERS))
        if worded is not None and "(?P<level>" in worded.regex:
            return worded
    return _built(form, shape, members, prefix)


def _built(
    form: str, shape: tuple[str, ...], members: list[tuple[str, int, int]], prefix: str
) -> HeaderPattern | None:
    """`_build`'s pattern with the regex of the lines' prefix given."""
    afters = [_AFTER]
    at_once = sum(1 for line, _, end in members if line.startswith("]", end))
    if shape.count("=[") > shape.count("=]") and at_once * 2 < len(members):
        # A bracket opened before the stamp and left open after it: the header runs to
        # where it closes (process, thread, level and source inside it), with the level
        # word found there; when most lines close it (an escape sequence opens one that
        # never closes).
        level = "" if "(?P<level>" in prefix else _LEVEL_INSIDE
        # A number after a hash next to the stamp is the process id ("[<stamp> #4120]").
        pid = "" if "(?P<pid>" in prefix else r"(?:[ \t]*+#(?P<pid>\d+))?"
        afters.insert(0, pid + level + r"[^\]\n]*+\]:?[ \t]*")
    for after in afters:
        # The stamp starts as it was found, not inside a word: a prefix's word never takes
        # the first digit of the hour ("12/07-23:59:59" is not 3 o'clock).
        base = "^" + prefix + r"(?<!\w)(?:" + _FORM[form] + ")" + after
        levelled = 0
        if "(?P<level>" not in prefix + after:  # one level per header
            with_level = re.compile(base + _LEVEL_AFTER + MESSAGE, HEADER_FLAGS)
            for line, _, _ in members:
                m = with_level.match(line)
                if m is not None and m.group("level"):
                    levelled += 1
        level_after = _LEVEL_AFTER if levelled and levelled * 2 >= len(members) else ""
        regex = base + level_after + MESSAGE
        compiled = re.compile(regex, HEADER_FLAGS)
        if sum(1 for line, _, _ in members if compiled.match(line)) * 2 >= len(members):
            lines = [line for line, _, _ in members]
            return extend(HeaderPattern(_name(regex), regex, members[0][0]), lines)
    return None


# The header fields a layout may write between its timestamp (and level) and the message,
# each known by the shape of its text alone: (kind, what opens it, its value, what closes
# it and the blanks after). A field is learnt when most lines of a layout have one of these
# shapes at the same place.
_BLANKS = r"[ \t]+"
_DASH = r"[ \t]+-[ \t]+"
# Where a field's level word is, in what closes it: the level group once a layout has none.
_LEVEL_SLOT = f"(?:{LEVEL_WORDS})"
# Where a field's process id is, in what closes it ("cron[555]: "): the pid group likewise;
# and its process ("DEBUG:app.main:").
_PID_SLOT = r"\[\d+\]"
_PAREN_PID_SLOT = r"\([ \t]*+\d+\)"
_NAME_SLOT = r"[\w$.\-]++"
# A syslog tag: a program, its pid in brackets, a colon and a blank.
_TAG = r"[\w$.\-/@]+(?:\[\d+\])?:[ \t]"
# After a closing bracket: blanks, or the next bracket at once ("[0.006s][info][gc]").
_CLOSED = r"\]:?(?:[ \t]+|(?=\[))"
_FIELDS: tuple[tuple[str, str, str, str], ...] = (
    (
        "level",
        r"[\[(<]?",
        rf"(?:{LEVEL_WORDS}|{_LETTERS})",
        r"(?:[ \t]*[\])>]:?(?:[ \t]+|(?=\[))|[:!]?" + _BLANKS + ")",
    ),
    # A level after one other word ("app@db ERROR:  ", where lines of no session have no
    # such word), or after any number of named values ("tid=7 job=12 INFO: ", a context
    # some lines carry more of; a process id first is read as one, "named-pid"): after the
    # plain level, which wins where both read as many lines.
    (
        "word-level",
        r"(?:(?!pid=)(?:[A-Za-z_][\w.\-]*+=[^\s=]*+[ \t]++)++|[^\s\[\]]\S*+[ \t]++)?[\[(<]?",
        # Or a word in capitals, when the column holds level words (`_levels`).
        f"(?:{LEVEL_WORDS}|[A-Z]{{2,}}+)",
        r"(?:[ \t]*[\])>]:?(?:[ \t]+|(?=\[))|:" + _BLANKS + ")",
    ),
    # A level glued to the fields before it by a colon, a dash or a bracket, with no blank
    # between them ("10.0.0.7(5123):app@db:[41]:ERROR:  ", "sess-7f-LOG:  "): a prefix
    # written without blanks, whose last word is the level (a column of them, `_levels`).
    (
        "glued-level",
        r"\S*?(?<=[:\]\-])",
        f"(?:{LEVEL_WORDS}|[A-Z]{{2,}}+)",
        ":" + _BLANKS,
    ),
    # A word with a capital first, padded to a column's width, in a column of severities
    # (`_levels`: "Default", "Fault" beside "Info", "Error", as a system's unified log
    # writes its table): the padding tells a table's column from a message's first word.
    ("column-level", "", "[A-Z][a-z]+", r"[ \t]+"),
    # A level between colons, and the logger after it ("...,000:DEBUG:app.main:text"):
    # the logger is the process (`_NAME_SLOT`).
    ("colon-level", ":?", f"(?:{LEVEL_WORDS})", rf":(?:{_NAME_SLOT}:)?"),
    # A level letter, a slash and a tag, its pid in parentheses ("I/Zygote( 812): ").
    ("letter-tag", "", _LETTERS, rf"/{_NAME_SLOT}[ \t]*+{_PAREN_PID_SLOT}:" + _BLANKS),
    # A double dash and the program's name, maybe empty, before a colon ("-- worker: ").
    ("dash-name", r"--[ \t]+", r"[\w$.\-/@]*", ":" + _BLANKS),
    # A level and a process joined by a slash ("INFO/MainProcess] ").
    ("level-name", "", rf"(?:{LEVEL_WORDS})/[\w$.\-]+", r"\]?:?" + _BLANKS),
    ("number", "", r"\d+", _BLANKS),
    # The stream a line was written to, and maybe whether it is whole ("F") or a part of
    # one ("P"), as container runtimes tag the lines they keep ("stdout F ").
    ("stream", "", r"(?:stdout|stderr)(?:[ \t]+[FP](?=[ \t]))?", _BLANKS),
    # A process id named so, without a bracket ("pid 4: ", "pid=4 ").
    ("named-pid", r"pid[ =]", r"\d+", ":?" + _BLANKS),
    # A number in brackets: the process id (ahead of other bracketed fields, which it is),
    # also when the bracket names it ("[pid 4] ") or a line's number follows it ("[4-17] ",
    # a process id and its session's line).
    ("bracket-number", r"\[(?:pid[ =:]?)?", r"\d+", r"(?:-\d+)?" + _CLOSED),
    # A process id and a thread's number after a hash, then a colon ("5405#0: ").
    ("pid-hash", "", r"\d+", r"#\d+:" + _BLANKS),
    # A bracketed field (a thread, a component, a request), brackets nested once inside.
    ("bracket", r"\[", r"(?:[^\[\]\n]|\[[^\[\]\n]*\])*", _CLOSED),
    # A name and then a level word before a lone dash ("app.db INFO - ", "{job.py:12}
    # WARNING - "), or a level in brackets after a name ("util.py[DEBUG]: "): the name is
    # the process, the level word the level (`_LEVEL_SLOT`).
    ("name-level-dash", "", r"[^\s\[-]\S*", r"[ \t]+" + _LEVEL_SLOT + _DASH),
    ("name-level", "", r"[\w$.\-/@]+", r"\[" + _LEVEL_SLOT + r"\]:" + _BLANKS),
    # Up to three words before a lone dash ("agent.bin", "agent.bin *64"): the dash
    # separates the header from the message. Before the narrower names below, which would
    # leave the dash and miss other names there.
    ("name-dash", "", r"[^\s|-]\S*(?:[ ][^\s|-]\S*){0,2}?", _DASH),
    # A name ending in a colon (a logger, a tag, a program with a pid or another tag in its
    # bracket: "app[web.1]: "), maybe padded to a column's width ("a.b.App      : ").
    (
        "name",
        "",
        r"[\w$.\-/@]+(?:\([\w$.\-]*\))?",
        rf"(?:{_PID_SLOT}|\[[\w.\-]+\])?[ \t]*+:" + _BLANKS,
    ),
    # A syslog facility and level ("authpriv.info "), before a host would read it.
    ("facility-level", r"(?:[a-z]+[0-7]?)\.", f"(?:{LEVEL_WORDS})", _BLANKS),
    # A host: the word before a syslog tag.
    ("host", "", r"[\w.\-]+", r"[ \t]+(?=" + _TAG + ")"),
    # A qualified name (a logger written without its colon).
    ("name", "", r"[A-Za-z_][\w$]*(?:\.[\w$]+)+", _BLANKS),
    # A word of capitals (a component, a facility).
    ("name-caps", "", r"[A-Z][A-Z0-9_]+", _BLANKS),
    ("dash", "", "-", _BLANKS),
    # Three dashes between fields ("4120 --- [main] "): unlike a lone dash, not the end of
    # the header.
    ("dashes", "", "---", _BLANKS),
    # Cells of one word between bars (a message may be a cell too), then the last bar
    # before the message.
    ("cell", r"\|[ \t]*", r"[^|\s]*", r"[ \t]*(?=\|)"),
    ("bar", r"\|", "", r"[ \t]*"),
    # Weak fields (these two and numbers): a word with digits (a node, a date) and a second
    # timestamp are taken only when a surer field follows them, as message words and table
    # columns often look the same.
    # (A run with a digit in it, taken whole: linear on a long run without blanks.)
    ("code", "", r"(?=[\w.:/\-]*\d)[\w.:/\-]++", _BLANKS),
    (
        "stamp",
        "",
        "(?:" + "|".join(NAMED_GROUP.sub("(?:", form) for _, form in STAMPS) + ")",
        _BLANKS,
    ),
)
_WEAK = frozenset({"number", "code", "stamp"})
# Shapes sure enough to follow the timestamp, but not to vouch for weak fields before them:
# a record's columns (an access log's) end in such words as often as a header does.
_LEADING = frozenset({"name-dash", "name-caps"})
_FIELD_MATCH = tuple(
    (kind, opens, value, closes, re.compile(opens + f"({value})" + closes, HEADER_FLAGS))
    for kind, opens, value, closes in _FIELDS
)
_LEVEL_FIELD = next(compiled for kind, *_, compiled in _FIELD_MATCH if kind == "level")
# The places in what closes a field that fill a group the layout has not taken yet (the
# first field to hold one fills it): (the place, its group, the place as that group).
_SLOTS = (
    (_LEVEL_SLOT, "level", f"(?P<level>{LEVEL_WORDS})"),
    (_PID_SLOT, "pid", r"\[(?P<pid>\d+)\]"),
    (_PAREN_PID_SLOT, "pid", r"\([ \t]*+(?P<pid>\d+)\)"),
    (_NAME_SLOT, "proc", f"(?P<proc>{_NAME_SLOT})"),
)
#: Share of a layout's lines that must have a field at one place for it to be learnt.
FIELD_SHARE = 0.9
_MOST_FIELDS = 10
# A line whose text at a field's place starts with a blank or a control character escaped
# as syslog daemons write it ("#011", a tab): the next line of a record written over several
# (a stack frame, a statement's next line), each with the header of a line of its own. Such
# lines do not count against a field the others write there, when the others are a quarter
# of the lines at least (where most lines start with a blank, it pads a column).
_CONTINUED = re.compile(r"[ \t]|#0[01][0-7]").match
# The group a field of each kind fills, the first time (level, pid, process, thread).
_GROUP = {
    "level": "level",
    "word-level": "level",
    "colon-level": "level",
    "glued-level": "level",
    "column-level": "level",
    "dash-name": "proc",
    "letter-tag": "level",
    "facility-level": "level",
    "pid-name": "pid",
    "pid-hash": "pid",
    "level-name": "proc",
    "host": "host",
    "number": "pid",
    "bracket-number": "pid",
    "named-pid": "pid",
    "name": "proc",
    "name-dash": "proc",
    "name-level-dash": "proc",
    "name-level": "proc",
    "name-caps": "proc",
    "bracket": "thread",
}


def _levels(values: set[str], titled: bool = False) -> bool:
    """Whether the values of a column of names are severities: each a word in capitals,
    some of them level words (``LOG`` and ``STATEMENT`` beside ``ERROR``, say); with
    ``titled``, words with a capital first count too (a column of brackets: ``[Warning]``
    beside ``[System]``)."""
    return all(v.isalpha() and (v.isupper() or (titled and v.istitle())) for v in values) and any(
        _LEVEL_ONLY.match(v) for v in values
    )


def _padded_levels(found: list[re.Match[str]]) -> bool:
    """Whether words with a capital first are a table's column of severities: each padded
    to the same width, some of them level words (`_levels`)."""
    return (
        len({m.end() for m in found}) == 1
        and any(m.end() - m.end(1) > 1 for m in found)
        and _levels({m.group(1) for m in found}, True)
    )


def _not_hosts(values: set[str]) -> bool:
    """Whether a column before a syslog tag names no host: capitals (a severity, a
    facility) or bare numbers (a count, a process id)."""
    return _caps(values) or all(v.isdigit() for v in values)


def _caps(values: set[str]) -> bool:
    """Whether a column's values are words in capitals, one of them at least, or levels."""
    return any(v.isalpha() and v.isupper() for v in values) or any(
        _LEVEL_ONLY.match(v) for v in values
    )


def _leveled(messages: list[str], least: float) -> bool:
    """Whether at least ``least`` of ``messages`` start with a level field."""
    return sum(1 for message in messages if _LEVEL_FIELD.match(message)) >= least


# A layout's level group of the usual level words, and that group widened to every word in
# capitals (`_level_column`).
_USUAL_LEVEL = f"(?P<level>{LEVEL_WORDS})"
_CAPS_LEVEL = f"(?P<level>{LEVEL_WORDS}|[A-Z]{{2,}}+)"


def _level_column(
    pattern: HeaderPattern, matches: list[re.Match[str]], least: float
) -> HeaderPattern:
    """``pattern`` with its level group widened to words in capitals, when the lines its
    level group leaves empty hold such a word in its process group instead, and the two
    make one column of severities (``LOG:`` and ``STATEMENT:`` beside ``ERROR:``, where
    only ``ERROR`` is a usual level word): else ``pattern`` itself. Without it, the
    level of those lines is read as their process."""
    groups = pattern.compiled.groupindex
    if "level" not in groups or "proc" not in groups or _USUAL_LEVEL not in pattern.regex:
        return pattern
    levels = {m["level"] for m in matches if m["level"]}
    others = {m["proc"] for m in matches if m["level"] is None and m["proc"]}
    column = sum(1 for m in matches if m["level"] or m["proc"] in others)
    if not (levels and others) or column < least:
        return pattern
    if not all(len(v) >= 2 and v.isalpha() and v.isupper() for v in others):
        return pattern
    if not _levels(levels | others):
        return pattern
    regex = pattern.regex.replace(_USUAL_LEVEL, _CAPS_LEVEL, 1)
    return HeaderPattern(f"{pattern.name}+levels", regex, pattern.example, pattern.companions)


def extend(pattern: HeaderPattern, lines: Sequence[str]) -> HeaderPattern:
    """``pattern`` with the header fields learnt that most of its lines write before their
    message (pids, levels, bracketed threads, loggers, cells), so that templates do not
    carry them; the pattern itself when none is found.

    Each field is optional in the result: a line without it keeps its timestamp. A group
    of ``pattern`` that most lines leave empty (an optional level the layout writes
    elsewhere) gives its name to the field learnt. A level group that misses the column's
    other capitals is widened first (`_level_column`)."""
    if not pattern.regex.endswith(MESSAGE) or isinstance(pattern, RecordPattern):
        return pattern
    matches = [m for m in map(pattern.compiled.match, lines) if m is not None]
    if len(matches) < 2:
        return pattern
    least = len(matches) * FIELD_SHARE
    leveled = _level_column(pattern, matches, least)
    if leveled is not pattern:
        pattern = leveled
        matches = [m for m in map(pattern.compiled.match, lines) if m is not None]
        least = len(matches) * FIELD_SHARE
    empty = {
        group
        for group in _GROUP.values()
        if group in pattern.compiled.groupindex
        and sum(1 for m in matches if m.group(group) is None) >= least
    }
    taken = set(pattern.compiled.groupindex) - empty
    messages = [m.group("msg") for m in matches]
    # Columns between tabs are a record's fields, not a header's (a tab-separated table).
    if sum(1 for message in messages if message.count("\t") >= 3) >= least:
        return pattern
    parts: list[str] = []
    weak: list[tuple[str, str, str, str]] = []
    total = len(matches)
    for _ in range(_MOST_FIELDS):
        continued = sum(1 for message in messages if _CONTINUED(message))
        if continued and 4 * (len(messages) - continued) >= max(len(messages), 8):
            messages = [message for message in messages if not _CONTINUED(message)]
            total -= continued
            least = total * FIELD_SHARE
        best: tuple[bool, int, str, str, str, str, list[str], set[str]] | None = None
        for kind, opens, value, closes, compiled in _FIELD_MATCH:
            found = [m for line in messages if (m := compiled.match(line))]
            if kind in ("word-level", "glued-level") and not _levels({m.group(1) for m in found}):
                continue
            if kind == "column-level" and not _padded_levels(found):
                continue
            if kind == "host" and _not_hosts({m.group(1) for m in found}):
                continue
            key = (kind not in _WEAK and not (weak and kind in _LEADING), len(found))
            if len(found) >= least and (best is None or key > best[:2]):
                rest = [m.string[m.end() :] for m in found]
                best = (*key, kind, opens, value, closes, rest, {m.group(1) for m in found})
        if best is None:
            break
        sure, _, kind, opens, value, closes, messages, values = best
        group = _GROUP.get(kind)
        if group == "proc" and all(v.isdigit() for v in values):
            kind = "pid-name"  # a number where a name stands, with its colon: a process id
        elif (group == "proc" and _levels(values)) or (
            (group == "thread" or kind == "cell") and _levels(values, True)
        ):
            kind = "level"  # a column of severities, some of them not the usual words
        weak.append((kind, opens, value, closes))
        if not sure:
            continue
        for field_kind, field_opens, field_value, field_closes in weak:
            group = _GROUP.get(field_kind)
            if group is not None and group not in taken:
                taken.add(group)
                field_value = f"(?P<{group}>{field_value})"
            for slot, slot_group, grouped in _SLOTS:
                if slot in field_closes and slot_group not in taken:
                    taken.add(slot_group)
                    field_closes = field_closes.replace(slot, grouped)
            parts.append(f"(?:{field_opens}{field_value}{field_closes})?")
        weak = []
        if (closes.endswith(_DASH) or (kind == "dash" and len(parts) > 1)) and not (
            "level" not in taken and _leveled(messages, least)
        ):
            break  # a lone dash ends the header, unless the level is still to come
    if not parts:
        return pattern
    head = pattern.regex.removesuffix(MESSAGE)
    for group in empty & taken:
        head = head.replace(f"(?P<{group}>", "(?:")
    regex = head + "".join(parts) + MESSAGE
    return HeaderPattern(f"{pattern.name}+fields", regex, pattern.example, pattern.companions)
