"""What a header layout is and what it gives: the parts of one line's header, as text.

`HeaderPattern` is a layout written as one regex with named groups (the catalog is in
`headers.py`); `RecordPattern` is a layout read by code, whole line by whole line (a JSON
object, key=value pairs: `structured.py`). Both give `Fields`; `timestamps.TimeResolver`
turns their time parts into an instant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple

from retroline.logs.timestamps import MONTH_PATTERN, ZONE_PATTERN

__all__ = [
    "FRACTION",
    "HEADER_FLAGS",
    "HMS",
    "LEVEL_WORDS",
    "MESSAGE",
    "MONTH",
    "NAMED_GROUP",
    "ZONE",
    "Fields",
    "HeaderPattern",
    "RecordPattern",
    "nil",
    "tidy_fields",
]

#: How header regexes are compiled: ASCII classes. Headers are written in ASCII digits and
#: separators, and \d, \s and \w then cost a table lookup, not a Unicode query: a tenth
#: of the time of a match. Classes that take names (a process) list the other characters.
HEADER_FLAGS = re.ASCII

#: Header regex fragments with the time groups `TimeResolver` reads: a clock (minutes and
#: seconds padded or not, "22:16:0"), a fraction after ".", "," or ":" (of nine digits at
#: most: more, after a comma, is the next cell of a row, "13:42:28,001606001116"), a zone
#: glued to the time or a zone name after a blank ("20:40:43 CET"), a month name in any
#: known language.
HMS = r"(?P<H>\d{1,2}):(?P<M>\d{1,2}):(?P<S>\d{1,2})"
FRACTION = r"(?:[.,:](?P<f>\d{1,9})(?!\d))?"
ZONE = rf"(?: ?(?P<z>{ZONE_PATTERN}))?+"
MONTH = f"(?P<b>{MONTH_PATTERN})"
#: "AM" or "PM" after a twelve-hour clock; possessive, as the zone is: a layout never reads
#: the clock without it (twelve hours off). Not where a word goes on ("PM2.5").
MERIDIEM = r"(?: ?(?P<p>[AaPp]\.?[Mm]\.?)(?!\w))?+"

#: How every line-oriented layout's regex ends: the rest of the line is the message.
MESSAGE = "(?P<msg>.*)$"
#: A named group's opening, to make a regex's groups unnamed (to join or nest layouts).
NAMED_GROUP = re.compile(r"\(\?P<\w+>")

#: Words that name a severity, as headers write them (any case), for a ``level`` group.
LEVEL_WORDS = (
    r"(?i:trace|debug|info|information|informational|notice|note|warn|warning|error|err"
    r"|severe|fatal|critical|crit|alert|emerg|emergency|fine|finer|finest|config|verbose"
    # Three-letter spellings ("[INF]", "WRN").
    r"|trc|dbg|inf|wrn|ftl|crt)"
)


# A process written with its level: the level first and a slash ("warning/ApiListener",
# "ERROR/MainProcess"), or the level last after a dot ("production.ERROR"); the level in
# one case (a class named "Error" is a name).
_PROCESS_LEVEL = re.compile(
    rf"(?:(?P<first>{LEVEL_WORDS})/(?P<name>[^/\s]+)|(?P<named>[^\s]+?)\.(?P<last>{LEVEL_WORDS}))",
    HEADER_FLAGS,
)


def tidy_fields(
    process: str | None, pid: str | None, level: str | None
) -> tuple[str | None, str | None, str | None]:
    """A header's process, pid and level as read, each where it belongs: a pid of "-" is
    none; a process of digits alone is the pid (when the header has none); a process
    holding its level (`_PROCESS_LEVEL`) in a header without one is the two apart."""
    if pid == "-":
        pid = None
    if process and pid is None and process.isdigit():
        return None, process, level
    if level is not None or not process:
        return process, pid, level
    m = _PROCESS_LEVEL.fullmatch(process)
    if m is None:
        return process, pid, level
    word = m["first"] or m["last"]
    if not (word.isupper() or word.islower()):
        return process, pid, level
    return m["name"] or m["named"], pid, word


class Fields(NamedTuple):
    """The parts of one line's header, as text; `TimeResolver` turns ``time`` into an instant."""

    time: dict[str, str | None] | None
    host: str | None
    process: str | None
    pid: str | None
    level: str | None
    label: str | None
    message: str


@dataclass(frozen=True)
class HeaderPattern:
    """One header layout: a name, a regex with named groups, and an example line.

    ``companions``: the other layouts a file's lines were seen in (a learnt layout's), tried
    before the catalog on a line that misses this one."""

    name: str
    regex: str
    example: str
    companions: tuple[HeaderPattern, ...] = field(default=(), repr=False, compare=False)

    @cached_property
    def compiled(self) -> re.Pattern[str]:
        """The regex, compiled when first used: the catalog's layouts are many, and some
        (the layout of a file without a header, a large one) most runs never try."""
        return re.compile(self.regex, HEADER_FLAGS)

    @property
    def yearless(self) -> bool:
        """Whether the layout's stamps may leave out the year: no group for one, or one its
        own example leaves empty (syslog's, which a few writers add)."""
        names = set(self.compiled.groupindex)
        example = self.compiled.match(self.example)
        return not ({"y", "epoch"} & names) and (
            example is None or example.groupdict().get("Y") is None
        )

    @property
    def weight(self) -> int:
        """How much the pattern explains of a line: its number of named groups."""
        return len(self.compiled.groupindex)

    def parse(self, line: str) -> Fields | None:
        """Split one line into its header fields and message, or None if it does not fit."""
        m = self.compiled.match(line)
        if m is None:
            return None
        g = m.groupdict()
        process, pid, level = tidy_fields(nil(g.get("proc")), g.get("pid"), g.get("level"))
        return Fields(
            g,
            nil(g.get("host")),
            process,
            pid,
            level,
            g.get("label"),
            g["msg"] or "",
        )


def nil(value: str | None) -> str | None:
    """RFC 5424 writes an absent field as "-"; so do many other layouts."""
    return None if value in (None, "", "-") else value


class RecordPattern(HeaderPattern):
    """A layout read by code rather than by its regex (JSON objects, key=value pairs).

    Its regex only says what its lines look like; `parse` does the reading (the chunked
    path, `jsonl`, calls it for such lines rather than reading regex groups)."""
