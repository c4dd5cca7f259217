"""Zone statements: where a document says once which zone its times are in.

"All times in PDT", "All times are Pacific", "(times in UTC)", a table header "Date and
Time in CET", "Timeline (all times UTC)", "times are UTC; CEST = UTC + 2". The caller decides
the scope (the whole document, a section, the lines under an entry) from the statement's
position; this module only finds them and reads the zone.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from dataclasses import dataclass, field

from retroline.when.zones import Zone, ZoneMeaning, parse_offset, parse_zone

__all__ = ["ZoneStatement", "defined_zone", "find_zone_statements"]


@dataclass(frozen=True)
class ZoneStatement:
    """A statement at ``text[start:end]`` that times are in ``zone``.

    ``defines`` holds labels the statement gives an offset to ("CEST = UTC + 2"), which a
    caller may prefer to the built-in table for this document. ``zone`` is None for a
    statement that only defines labels.
    """

    start: int
    end: int
    text: str
    zone: Zone | None
    defines: dict[str, dt.timedelta] = field(default_factory=dict)


# The zone words a statement may end with. Generic region words ("Pacific") are allowed
# here, unlike after a clock time, but not when another capitalised word follows them
# ("times in Central Europe" is not a zone statement).
_ZONE_WORDS = (
    r"(?P<zone>"
    r"(?:UTC|GMT|UT)(?:\s?[+\-\u2212]\s?\d{1,2}(?::?\d{2})?)?"
    r"|[A-Z]{2,5}(?:\s?\(\s?(?:UTC|GMT)?\s?[+\-\u2212]\s?\d{1,2}(?::?\d{2})?\s?\))?"
    r"|[+\-\u2212]\d\d:?\d\d"
    r"|[A-Z]{2,5}/[A-Z]{2,5}"
    r"|(?:Pacific|Mountain|Central|Eastern)(?:\s+(?:Standard|Daylight))?(?:\s+[Tt]ime)?"
    r"(?!\s+[A-Z])"
    r"|(?i:pacific|mountain|central|eastern)(?:\s+(?i:standard|daylight))?\s+(?i:time)"
    r"|(?:Central|Eastern|Western)\s+European(?:\s+Summer)?\s+[Tt]ime"
    r"|(?:UK|British|London)\s+(?i:time)(?:\s?\(\s?[A-Z]{2,5}\s?\))?"
    r"|(?:Coordinated\s+Universal|Greenwich\s+Mean)\s+[Tt]ime"
    r"|[A-Z][A-Za-z]+(?:_[A-Z][a-z]+)*/[A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z_]+)?"
    r")(?![\w/])"
)

_STATEMENTS = [
    # All times in PDT / All times are Pacific / times are UTC / Times shown are in CET /
    # All timestamps below are in UTC / Date and Time in CET / time zone: UTC
    re.compile(
        r"(?i:\b(?:all\s+)?(?:date\s+and\s+)?(?:times?|timestamps?|dates?\s+and\s+times?|"
        r"hours|clock\s+times|time\s*zone)\b)"
        r"(?:\s+(?i:below|above|here|shown|given|listed|quoted|used|mentioned|referenced|"
        r"(?:in|on|of)\s+this\s+(?:document|report|post|page|timeline|note|write-?up|e-?mail|message|thread|review)))?"
        r"(?:\s*(?i::|=|(?:are|is)(?:\s+(?:in|expressed\s+in|given\s+in|shown\s+in))?|in))"
        r"\s+(?i:the\s+)?(?i:local\s*(?:time\s*)?\(\s*)?"
        + _ZONE_WORDS
        + r"(?:\s+(?i:time|timezone|time\s+zone|zone))?"
    ),
    # All times UTC, all times Eastern
    re.compile(r"(?i:\ball\s+(?:times|timestamps))\s+" + _ZONE_WORDS),
    # everything below is in mountain time, the timeline is in CET, entries are in UTC
    re.compile(
        r"(?i:\b(?:everything|all\s+of\s+(?:this|it)|the\s+(?:timeline|entries)|entries)"
        r"(?:\s+(?:below|above|here))?\s+(?:is|are)\s+(?:(?:written|given|listed)\s+)?in)\s+"
        + _ZONE_WORDS
    ),
    # Time (UTC), Timeline (all times UTC), Timestamp [CET]
    re.compile(
        r"(?i:\b(?:time(?:line|stamps?|s)?|date|when|start|end)\s*)[(\[]\s*(?i:all\s+times\s+"
        r"(?:are\s+|in\s+)?)?" + _ZONE_WORDS + r"\s*[)\]]"
    ),
]

# CEST = UTC + 2, CEST=UTC+2, PDT is UTC-7
_DEFINITION = re.compile(
    r"\b(?P<label>[A-Z]{2,5})\s*(?:=|is|means)\s*(?P<offset>(?:UTC|GMT)\s?[+\-\u2212]\s?"
    r"\d{1,2}(?::?\d{2})?)(?![\d:])"
)


def _read_zone(label: str) -> Zone | None:
    # "PDT (UTC-7)" and bare labels go through the same parser as zones after a time.
    zone = parse_zone(label)
    if zone is None and label.upper() in ("UT",):
        return parse_zone("UTC")
    return zone


# Every statement has one of these; text without any is passed over at once.
_ANY_STATEMENT = re.compile(
    r"(?i:time|zone|hours|clock|everything|entries|date|when|start|end|based in"
    r"|(?:i'?m|i am|we'?re|we are|live|work|sit) in)|[A-Z]{2,5}\s*(?:=|is\b|means)"
)


def find_zone_statements(text: str) -> list[ZoneStatement]:
    """Every zone statement in ``text``, in order.

    >>> [s.zone.label for s in find_zone_statements("Timeline (all times in PDT)") if s.zone]
    ['PDT']
    """
    return list(_statements(text))


# A document's blocks are asked for their statements by more than one reader.
@functools.lru_cache(maxsize=8192)
def _statements(text: str) -> tuple[ZoneStatement, ...]:
    if not _ANY_STATEMENT.search(text):
        return ()
    found: list[ZoneStatement] = []
    taken: list[tuple[int, int]] = []
    for pattern in _STATEMENTS:
        for hit in pattern.finditer(text):
            zone = _read_zone(hit["zone"])
            if zone is None:
                continue
            if any(hit.start() < end and start < hit.end() for start, end in taken):
                continue
            taken.append((hit.start(), hit.end()))
            found.append(ZoneStatement(hit.start(), hit.end(), hit.group(), zone))
    for hit in _PLACE.finditer(text):
        region = city_zone(hit["city"])
        if region is None or any(hit.start() < end and start < hit.end() for start, end in taken):
            continue
        zone = Zone(hit["city"], (ZoneMeaning(f"local time of {region}", None, region),))
        found.append(ZoneStatement(hit.start(), hit.end(), hit.group(), zone))
    for hit in _DEFINITION.finditer(text):
        offset = parse_offset(hit["offset"])
        if offset is None:
            continue
        statement = ZoneStatement(hit.start(), hit.end(), hit.group(), None, {hit["label"]: offset})
        found.append(statement)
    found.sort(key=lambda s: s.start)
    return tuple(found)


# "I'm in Denver", "we are based in Edinburgh", "(Sydney time)", "local time in Tokyo": the
# writer's place, whose local time their times are in.
_CITY = r"[A-Z][a-z]+(?:[ _-][A-Z][a-z]+){0,2}"
_PLACE = re.compile(
    r"(?:(?i:\b(?:i'?m|i am|we'?re|we are|(?:we|i)\s+(?:live|work|sit))\s+(?:based\s+)?in|"
    r"\bbased in|\blocal time (?:in|of))\s+|\()(?P<city>" + _CITY + r")(?:\b(?!\s+time\))| time\))"
)


@functools.cache
def _cities() -> dict[str, str]:
    """City names of the zone database ("denver" -> America/Denver), each one unambiguous."""
    names: dict[str, str] = {}
    repeated: set[str] = set()
    for name in sorted(zoneinfo.available_timezones()):
        if "/" not in name or name.startswith(("Etc/", "SystemV/", "US/", "Canada/", "Brazil/")):
            continue
        city = name.rsplit("/", 1)[1].replace("_", " ").lower()
        if city in names and names[city] != name:
            repeated.add(city)
        names.setdefault(city, name)
    return {city: zone for city, zone in names.items() if city not in repeated}


def city_zone(city: str) -> str | None:
    """The zone of a city the zone database names ("Denver" -> America/Denver), if any."""
    return _cities().get(" ".join(city.replace("_", " ").split()).lower())


def defined_zone(label: str, offset: dt.timedelta) -> Zone:
    """A zone for a label the document defines itself ("CEST = UTC + 2")."""
    name = f"{label} as defined by the document"
    return Zone(label, (ZoneMeaning(name, offset),))
