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
from collections.abc import Sequence

from retroline.logs.layout import (
    FRACTION,
    HEADER_FLAGS,
    HMS,
    LEVEL_WORDS,
    MONTH,
    ZONE,
    HeaderPattern,
)
from retroline.logs.timestamps import ZONE_PATTERN

__all__ = ["STAMPS", "learn"]


_DOW = r"(?:(?i:mon|tue|wed|thu|fri|sat|sun)[a-z]*\.?,? )"

#: The forms a timestamp is written in, each a regex with the time groups `TimeResolver`
#: reads; the most complete first (at one position the longest match wins anyway).
STAMPS: tuple[tuple[str, str], ...] = (
    ("iso", r"(?P<Y>\d{4})-(?P<m>\d\d)-(?P<d>\d\d)(?:T| {1,2})" + HMS + FRACTION + ZONE),
    ("ymd-slash", r"(?P<Y>\d{4})/(?P<m>\d\d)/(?P<d>\d\d)[-T ]" + HMS + FRACTION + ZONE),
    ("ymd-compact", r"(?P<Y>\d{4})(?P<m>[01]\d)(?P<d>[0-3]\d)[-T ]" + HMS + FRACTION + ZONE),
    ("yymmdd", r"(?P<y>\d\d)(?P<m>[01]\d)(?P<d>[0-3]\d) +" + HMS + FRACTION),
    (
        "mon-d-time-year",
        rf"(?:(?P<z>{ZONE_PATTERN}) )?{_DOW}?{MONTH} +(?P<d>\d{{1,2}}) {HMS}{FRACTION} (?P<Y>\d{{4}})",
    ),
    (
        "mon-d-time",
        rf"(?:(?P<z>{ZONE_PATTERN}) )?{_DOW}?{MONTH} +(?P<d>\d{{1,2}}),? (?:(?P<Y>\d{{4}}) )?"
        + HMS
        + FRACTION,
    ),
    (
        "d-mon-y-time",
        r"(?P<d>\d{1,2})[-/ ]" + MONTH + r"[-/ ](?P<Y>\d{4})[: T]" + HMS + FRACTION + ZONE,
    ),
    ("d-mon-time", r"(?P<d>\d{1,2}) " + MONTH + " " + HMS + FRACTION),
    (
        "mdy",
        r"(?P<m>\d{1,2})/(?P<d>\d{1,2})/(?P<Y>\d{4}),? "
        + HMS
        + FRACTION
        + r"(?: ?(?P<p>[AaPp][Mm]))?"
        + ZONE,
    ),
    ("dmy-dots", r"(?P<d>\d{1,2})\.(?P<m>\d{1,2})\.(?P<Y>\d{4}),? " + HMS + FRACTION + ZONE),
    ("epoch", r"(?<![\d.])(?P<epoch>1\d{9}(?:\d{3}){0,3})(?:\.(?P<f>\d{1,9}))?(?![\d.])"),
    ("time", HMS + FRACTION),
)

# Each form, found anywhere in a line, not inside a word or a number.
_SEARCH = {
    name: re.compile(r"(?<![\w])(?:" + regex + r")(?!\d)", HEADER_FLAGS) for name, regex in STAMPS
}
_FORM = dict(STAMPS)

#: How far into a line a header's timestamp may start.
REACH = 160
# A line's runs: a word, a run of blanks, any other character.
_RUN = re.compile(r"[\w.\-/@]+|[ \t]+|.", HEADER_FLAGS)
_WORD = r"[\w.\-/@]+"
_LEVEL_ONLY = re.compile(LEVEL_WORDS + "$", HEADER_FLAGS)
# What may follow the timestamp before the message: a closing bracket, a separator.
_AFTER = r"[\])>]?(?:::|[ \t]*[|,-](?=[ \t])|:(?=[ \t]))?[ \t]*"
# A level word after the timestamp, bracketed or not, and the separator after it.
_LEVEL_AFTER = (
    rf"(?:[\[(<]?(?P<level>{LEVEL_WORDS})[\])>]?(?:::|:)?(?=[ \t]|$)[ \t]*"
    r"(?:[:|-](?=[ \t]|$)[ \t]*)?)?"
)
_MESSAGE = "(?P<msg>.*)$"
# Share of the sample lines a time of day alone must start for it to be a header (a time
# inside messages is common; a header written in most lines is not chance).
_TIME_ONLY_SHARE = 0.5


def _stamp(line: str) -> tuple[str, int, int] | None:
    """The earliest timestamp in a line's first `REACH` characters: form, start, end."""
    head = line[: REACH + 64]
    best: tuple[int, int, str] | None = None
    for name, search in _SEARCH.items():
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
    level_taken = False
    for i, kind in enumerate(shape):
        if kind == "B":
            parts.append(r"[ \t]+")
        elif kind == "W":
            values = {r[i] for r in runs}
            if not level_taken and all(_LEVEL_ONLY.match(v) for v in values):
                parts.append(f"(?P<level>{LEVEL_WORDS})")
                level_taken = True
            else:
                parts.append(_WORD)
        else:
            parts.append(re.escape(kind[1:]))
    return "".join(parts)


def _name(regex: str) -> str:
    return "learnt-" + hashlib.sha256(regex.encode()).hexdigest()[:10]


def learn(lines: Sequence[str]) -> HeaderPattern | None:
    """The header layout most of a sample's lines share, learnt from where their timestamp
    is; None when too few lines have one in a shape held in common.

    The other layouts seen in at least two lines come as the pattern's ``companions``."""
    sample = [line for line in lines if line.strip()]
    if not sample:
        return None
    groups: dict[tuple[str, tuple[str, ...]], list[tuple[str, int, int]]] = defaultdict(list)
    for line in sample:
        found = _stamp(line)
        if found is None:
            continue
        form, start, end = found
        groups[(form, _shape(line[:start]))].append((line, start, end))
    least = max(2, len(sample) // 20)
    patterns: list[tuple[int, HeaderPattern]] = []
    for (form, shape), members in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        if len(members) < least:
            break
        if form == "time" and len(members) < len(sample) * _TIME_ONLY_SHARE:
            continue
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


def _build(
    form: str, shape: tuple[str, ...], members: list[tuple[str, int, int]]
) -> HeaderPattern | None:
    """The pattern of lines of one stamp form and prefix shape; with the level word after
    the stamp when most of them have one."""
    prefix = _prefix_regex(shape, [line[:start] for line, start, _ in members])
    base = "^" + prefix + "(?:" + _FORM[form] + ")" + _AFTER
    example = members[0][0]
    levelled = 0
    if "(?P<level>" not in prefix:  # one level per header
        with_level = re.compile(base + _LEVEL_AFTER + _MESSAGE, HEADER_FLAGS)
        for line, _, _ in members:
            m = with_level.match(line)
            if m is not None and m.group("level"):
                levelled += 1
    regex = base + (_LEVEL_AFTER if levelled and levelled * 2 >= len(members) else "") + _MESSAGE
    compiled = re.compile(regex, HEADER_FLAGS)
    if sum(1 for line, _, _ in members if compiled.match(line)) * 2 < len(members):
        return None
    return HeaderPattern(_name(regex), regex, example)
