"""Time zones as people write them: abbreviations, numeric offsets, IANA names.

An abbreviation is a label, not a zone: ``CEST`` means exactly UTC+2, while ``IST`` may mean
India, Ireland or Israel. A :class:`Zone` therefore keeps every meaning a label can have, in
order of how common it is in English-language operations writing, and the caller picks one
by context (:meth:`Zone.choose`) or reports the ambiguity.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import zoneinfo
from collections.abc import Sequence
from dataclasses import dataclass

from retroline.errors import UsageError

__all__ = [
    "ZONE_PATTERN",
    "Zone",
    "ZoneMeaning",
    "abbreviations",
    "is_iana_name",
    "parse_offset",
    "parse_zone",
    "region_offsets",
]

_H = dt.timedelta(hours=1)


@dataclass(frozen=True)
class ZoneMeaning:
    """One thing a zone label can stand for.

    ``offset`` is set when the label names a fixed offset (``CEST`` is UTC+2 all year);
    ``region`` is the IANA zone of the place the label belongs to. A generic label such as
    ``Pacific`` or ``--tz Europe/Zurich`` has no fixed offset and follows the region's
    daylight-saving rules.
    """

    name: str
    offset: dt.timedelta | None
    region: str | None = None

    def tzinfo(self) -> dt.tzinfo:
        """A tzinfo that turns a wall-clock time written with this label into an instant."""
        if self.offset is not None:
            return dt.timezone(self.offset)
        assert self.region is not None
        return zoneinfo.ZoneInfo(self.region)

    def offset_at(self, local: dt.datetime) -> dt.timedelta:
        """The UTC offset this meaning gives to a naive wall-clock time."""
        offset = local.replace(tzinfo=self.tzinfo()).utcoffset()
        assert offset is not None
        return offset

    def region_offset_at(self, local: dt.datetime) -> dt.timedelta | None:
        """The offset the home region actually used at that time (for season checks)."""
        if self.region is None:
            return None
        offset = local.replace(tzinfo=zoneinfo.ZoneInfo(self.region)).utcoffset()
        return offset


@dataclass(frozen=True)
class Zone:
    """A zone label as written, with every meaning it can have (most common first)."""

    label: str
    meanings: tuple[ZoneMeaning, ...]

    @property
    def ambiguous(self) -> bool:
        """True when the label stands for several different offsets (IST, CST, BST...)."""
        return len({(m.offset, m.region if m.offset is None else None) for m in self.meanings}) > 1

    @property
    def meaning(self) -> ZoneMeaning:
        """The most common meaning; use :meth:`choose` when there is context."""
        return self.meanings[0]

    def settled_by(
        self,
        meaning: ZoneMeaning,
        offsets_seen: Sequence[dt.timedelta],
        option_tz: str | None,
        doc_zone: Zone | None,
        local: dt.datetime | None = None,
    ) -> bool:
        """True when context, not habit, picked ``meaning``: the same offset written
        elsewhere in the document, the region of --tz or of the document's zone, or a
        summer-time label its region was using at the time (BST in September)."""
        if meaning.offset is not None and meaning.offset in offsets_seen:
            return True
        if local is not None and _in_summer(meaning, local):
            return True
        settled_doc = doc_zone is not None and not doc_zone.ambiguous
        regions = {option_tz, doc_zone.meaning.region if settled_doc and doc_zone else None}
        return meaning.region is not None and meaning.region in regions

    def choose(
        self,
        *,
        region_hint: str | None = None,
        offsets_seen: tuple[dt.timedelta, ...] = (),
    ) -> ZoneMeaning:
        """Pick a meaning by context.

        ``region_hint`` is an IANA name the document is known to live in (the ``--tz``
        option, say): a meaning on the same continent wins, so ``CST`` with
        ``Asia/Shanghai`` is China Standard Time. ``offsets_seen`` are offsets of other
        zones in the same document: the meaning closest to them wins, so ``IST`` next to
        ``GMT`` and ``BST`` is Irish. Without context the most common meaning is taken.
        """
        if not self.ambiguous:
            return self.meaning
        if region_hint and is_iana_name(region_hint):
            for meaning in self.meanings:
                if meaning.region == region_hint:
                    return meaning
            # The hint region's own offsets (winter and summer) come next, then its continent.
            hint_offsets = region_offsets(region_hint)
            for meaning in self.meanings:
                if meaning.offset in hint_offsets:
                    return meaning
            continent = region_hint.split("/", 1)[0]
            for meaning in self.meanings:
                if meaning.region and meaning.region.split("/", 1)[0] == continent:
                    return meaning
        if offsets_seen:

            def distance(meaning: ZoneMeaning) -> float:
                offset = meaning.offset if meaning.offset is not None else dt.timedelta(0)
                return min(abs((offset - seen).total_seconds()) for seen in offsets_seen)

            return min(self.meanings, key=distance)
        return self.meaning


def region_offsets(region: str) -> set[dt.timedelta | None]:
    """The offsets an IANA region keeps in winter and in summer (one, where it keeps one)."""
    zone = zoneinfo.ZoneInfo(region)
    return {dt.datetime(2020, month, 1, tzinfo=zone).utcoffset() for month in (1, 7)}


def _in_summer(meaning: ZoneMeaning, local: dt.datetime) -> bool:
    """True for a daylight-saving label (BST, CEST, EDT) whose region used it at ``local``:
    the season itself says which region's label it is."""
    if meaning.offset is None or meaning.region is None:
        return False
    region = zoneinfo.ZoneInfo(meaning.region)
    winter, summer = (
        dt.datetime(local.year, month, 1, tzinfo=region).utcoffset() for month in (1, 7)
    )
    if winter is None or summer is None or winter == summer:
        return False
    daylight = max(winter, summer)
    return meaning.offset == daylight and meaning.region_offset_at(local) == daylight


def _m(name: str, hours: float | None, region: str | None) -> ZoneMeaning:
    offset = None if hours is None else dt.timedelta(hours=hours)
    return ZoneMeaning(name, offset, region)


# Most common meaning first. The order for the ambiguous labels follows what operations
# write-ups in English use most: IST is India far more often than Ireland or Israel, CST
# is US Central far more often than China.
_ABBREVIATIONS: dict[str, tuple[ZoneMeaning, ...]] = {
    "UTC": (_m("Coordinated Universal Time", 0, None),),
    "UT": (_m("Universal Time", 0, None),),
    "GMT": (_m("Greenwich Mean Time", 0, "Europe/London"),),
    "Z": (_m("Zulu (UTC)", 0, None),),
    "WET": (_m("Western European Time", 0, "Europe/Lisbon"),),
    "WEST": (_m("Western European Summer Time", 1, "Europe/Lisbon"),),
    "CET": (_m("Central European Time", 1, "Europe/Paris"),),
    "CEST": (_m("Central European Summer Time", 2, "Europe/Paris"),),
    "MET": (_m("Middle European Time", 1, "Europe/Paris"),),
    "MEST": (_m("Middle European Summer Time", 2, "Europe/Paris"),),
    "EET": (_m("Eastern European Time", 2, "Europe/Athens"),),
    "EEST": (_m("Eastern European Summer Time", 3, "Europe/Athens"),),
    "BST": (
        _m("British Summer Time", 1, "Europe/London"),
        _m("Bangladesh Standard Time", 6, "Asia/Dhaka"),
    ),
    "IST": (
        _m("India Standard Time", 5.5, "Asia/Kolkata"),
        _m("Irish Standard Time", 1, "Europe/Dublin"),
        _m("Israel Standard Time", 2, "Asia/Jerusalem"),
    ),
    "IDT": (_m("Israel Daylight Time", 3, "Asia/Jerusalem"),),
    "MSK": (_m("Moscow Time", 3, "Europe/Moscow"),),
    "SAST": (_m("South Africa Standard Time", 2, "Africa/Johannesburg"),),
    "CAT": (_m("Central Africa Time", 2, "Africa/Maputo"),),
    "EAT": (_m("East Africa Time", 3, "Africa/Nairobi"),),
    "WAT": (_m("West Africa Time", 1, "Africa/Lagos"),),
    "PST": (_m("Pacific Standard Time", -8, "America/Los_Angeles"),),
    "PDT": (_m("Pacific Daylight Time", -7, "America/Los_Angeles"),),
    "MST": (_m("Mountain Standard Time", -7, "America/Denver"),),
    "MDT": (_m("Mountain Daylight Time", -6, "America/Denver"),),
    "CST": (
        _m("Central Standard Time (North America)", -6, "America/Chicago"),
        _m("China Standard Time", 8, "Asia/Shanghai"),
        _m("Cuba Standard Time", -5, "America/Havana"),
    ),
    "CDT": (
        _m("Central Daylight Time (North America)", -5, "America/Chicago"),
        _m("Cuba Daylight Time", -4, "America/Havana"),
    ),
    "EST": (_m("Eastern Standard Time", -5, "America/New_York"),),
    "EDT": (_m("Eastern Daylight Time", -4, "America/New_York"),),
    "AST": (
        _m("Atlantic Standard Time", -4, "America/Halifax"),
        _m("Arabia Standard Time", 3, "Asia/Riyadh"),
    ),
    "ADT": (_m("Atlantic Daylight Time", -3, "America/Halifax"),),
    "NST": (_m("Newfoundland Standard Time", -3.5, "America/St_Johns"),),
    "NDT": (_m("Newfoundland Daylight Time", -2.5, "America/St_Johns"),),
    "AKST": (_m("Alaska Standard Time", -9, "America/Anchorage"),),
    "AKDT": (_m("Alaska Daylight Time", -8, "America/Anchorage"),),
    "HST": (_m("Hawaii Standard Time", -10, "Pacific/Honolulu"),),
    "BRT": (_m("Brasilia Time", -3, "America/Sao_Paulo"),),
    "ART": (_m("Argentina Time", -3, "America/Argentina/Buenos_Aires"),),
    "JST": (_m("Japan Standard Time", 9, "Asia/Tokyo"),),
    "KST": (_m("Korea Standard Time", 9, "Asia/Seoul"),),
    "HKT": (_m("Hong Kong Time", 8, "Asia/Hong_Kong"),),
    "SGT": (_m("Singapore Time", 8, "Asia/Singapore"),),
    "PHT": (_m("Philippine Time", 8, "Asia/Manila"),),
    "WIB": (_m("Western Indonesia Time", 7, "Asia/Jakarta"),),
    "ICT": (_m("Indochina Time", 7, "Asia/Bangkok"),),
    "PKT": (_m("Pakistan Standard Time", 5, "Asia/Karachi"),),
    "NPT": (_m("Nepal Time", 5.75, "Asia/Kathmandu"),),
    "GST": (_m("Gulf Standard Time", 4, "Asia/Dubai"),),
    "AEST": (_m("Australian Eastern Standard Time", 10, "Australia/Sydney"),),
    "AEDT": (_m("Australian Eastern Daylight Time", 11, "Australia/Sydney"),),
    "ACST": (_m("Australian Central Standard Time", 9.5, "Australia/Adelaide"),),
    "ACDT": (_m("Australian Central Daylight Time", 10.5, "Australia/Adelaide"),),
    "AWST": (_m("Australian Western Standard Time", 8, "Australia/Perth"),),
    "NZST": (_m("New Zealand Standard Time", 12, "Pacific/Auckland"),),
    "NZDT": (_m("New Zealand Daylight Time", 13, "Pacific/Auckland"),),
}

# Labels for a region's local time, whatever the season: "10:00 PT", "All times are Pacific".
_GENERIC: dict[str, str] = {
    "PT": "America/Los_Angeles",
    "PACIFIC": "America/Los_Angeles",
    "MT": "America/Denver",
    "MOUNTAIN": "America/Denver",
    "CT": "America/Chicago",
    "CENTRAL": "America/Chicago",
    "ET": "America/New_York",
    "EASTERN": "America/New_York",
    "UK": "Europe/London",
    "BRITISH": "Europe/London",
    "LONDON": "Europe/London",
}

# Long names: "Pacific Standard Time" is the same label as PST.
_LONG_NAMES: dict[str, str] = {
    "PACIFIC STANDARD TIME": "PST",
    "PACIFIC DAYLIGHT TIME": "PDT",
    "MOUNTAIN STANDARD TIME": "MST",
    "MOUNTAIN DAYLIGHT TIME": "MDT",
    "CENTRAL STANDARD TIME": "CST",
    "CENTRAL DAYLIGHT TIME": "CDT",
    "EASTERN STANDARD TIME": "EST",
    "EASTERN DAYLIGHT TIME": "EDT",
    "CENTRAL EUROPEAN TIME": "CET",
    "CENTRAL EUROPEAN SUMMER TIME": "CEST",
    "EASTERN EUROPEAN TIME": "EET",
    "EASTERN EUROPEAN SUMMER TIME": "EEST",
    "WESTERN EUROPEAN TIME": "WET",
    "BRITISH SUMMER TIME": "BST",
    "GREENWICH MEAN TIME": "GMT",
    "COORDINATED UNIVERSAL TIME": "UTC",
    "INDIA STANDARD TIME": "IST",
    "JAPAN STANDARD TIME": "JST",
    "ZULU": "Z",
}


def abbreviations() -> tuple[str, ...]:
    """Every abbreviation the table knows, for documentation and tests."""
    return tuple(_ABBREVIATIONS)


@functools.cache
def _iana_names() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def user_zone(name: str) -> dt.tzinfo:
    """The zone a user names (``--tz``, a zone per file pattern): an IANA name, or UTC/GMT/Z.
    Anything else, a name too long for the zone database or one with a path in it included,
    is a `UsageError` naming the value."""
    if name.upper() in ("UTC", "Z", "GMT"):
        return dt.UTC
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError) as exc:
        shown = name if len(name) <= 60 else name[:57] + "..."
        raise UsageError(
            f"unknown time zone {shown!r}: give an IANA name such as Europe/Zurich, "
            "America/Los_Angeles or UTC"
        ) from exc


def is_iana_name(name: str) -> bool:
    """True for an IANA zone name that tzdata knows (``Europe/Zurich``)."""
    return name in _iana_names()


_OFFSET = re.compile(
    r"^(?:(?P<base>UTC|GMT|UT)\s*)?(?P<sign>[+\-\u2212])\s*(?P<hh>\d{1,2})(?::?(?P<mm>\d{2}))?$",
    re.IGNORECASE,
)


def parse_offset(text: str) -> dt.timedelta | None:
    """A numeric offset: ``+0530``, ``+05:30``, ``-07``, ``UTC-7``, ``GMT+2``, ``UTC + 2``.

    ``GMT+2`` means two hours ahead of UTC, as people write it, not the inverted POSIX
    ``Etc/GMT+2``. Offsets beyond +-14h or with minutes other than 00/15/30/45 are refused:
    no zone has them, so the text is something else (a range, a phone number).
    """
    found = _OFFSET.match(text.strip())
    if not found:
        return None
    hh_text = found["hh"]
    # A bare sign needs two hour digits (+05, -0700): "-7" alone is a number, not a zone.
    if found["base"] is None and len(hh_text) != 2:
        return None
    hours, minutes = int(hh_text), int(found["mm"] or 0)
    if hours > 14 or minutes not in (0, 15, 30, 45):
        return None
    offset = dt.timedelta(hours=hours, minutes=minutes)
    return -offset if found["sign"] in "-\u2212" else offset


def _offset_name(offset: dt.timedelta) -> str:
    total = int(offset.total_seconds()) // 60
    sign = "-" if total < 0 else "+"
    hours, minutes = divmod(abs(total), 60)
    return f"UTC{sign}{hours:02d}:{minutes:02d}"


_PAREN_OFFSET = re.compile(r"^(?P<label>.+?)\s*\((?P<offset>[^()]+)\)$")
# "PST/PDT", "CET/CEST": a region's standard and daylight labels together name its local time.
_PAIR = re.compile(r"^(?P<a>[A-Z]{2,5})\s?/\s?(?P<b>[A-Z]{2,5})$")


def _pair(label: str) -> Zone | None:
    """The local time of a region written as its two labels ("PST/PDT"), else None."""
    found = _PAIR.match(label.upper())
    if not found:
        return None
    first, second = _ABBREVIATIONS.get(found["a"]), _ABBREVIATIONS.get(found["b"])
    if not first or not second:
        return None
    shared = [m.region for m in first if m.region and m.region in {n.region for n in second}]
    if not shared:
        return None
    return Zone(label, (ZoneMeaning(f"{label} (local time of {shared[0]})", None, shared[0]),))


def parse_zone(text: str) -> Zone | None:
    """Read a zone label as written; None when it is not one we know.

    Accepts abbreviations (``CEST``), long names (``Pacific Daylight Time``), generic
    region words (``PT``, ``Pacific``), numeric offsets (``+02:00``, ``UTC-7``), IANA names
    (``Europe/Zurich``), and a label with its offset in parentheses (``PST (UTC-7)``), in
    which case the written offset wins over the label: people get the label wrong across
    daylight-saving changes far more often than the number.
    """
    label = " ".join(text.split())
    if not label:
        return None
    paren = _PAREN_OFFSET.match(label)
    if paren:
        offset = parse_offset(paren["offset"])
        inner = parse_zone(paren["label"])
        if offset is not None and inner is not None:
            base = inner.choose(offsets_seen=(offset,))
            return Zone(label, (ZoneMeaning(_offset_name(offset), offset, base.region),))
        if inner is not None and parse_zone(paren["offset"]) is None:
            return None
        return inner or (parse_zone(paren["offset"]) if offset is None else None)
    offset = parse_offset(label)
    if offset is not None:
        return Zone(label, (ZoneMeaning(_offset_name(offset), offset, None),))
    if "/" in label and (pair := _pair(label)) is not None:
        return pair
    upper = label.upper()
    key = _LONG_NAMES.get(upper, upper)
    if key in _ABBREVIATIONS:
        return Zone(label, _ABBREVIATIONS[key])
    for suffix in (" TIME", ""):
        generic = upper.removesuffix(suffix)
        if generic in _GENERIC:
            name = generic.title() if len(generic) > 3 else generic
            return Zone(label, (ZoneMeaning(f"{name} time", None, _GENERIC[generic]),))
    if is_iana_name(label):
        return Zone(label, (ZoneMeaning(label, None, label),))
    return None


def _alternation(words: list[str]) -> str:
    return "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))


# A zone written after a time. Abbreviations must be upper case ("ET" in prose is rarely a
# zone otherwise); IANA names are checked against tzdata after matching.
ZONE_PATTERN = re.compile(
    r"(?:"
    r"(?:UTC|GMT|UT)\s?[+\-\u2212]\s?\d{1,2}(?::?\d{2})?(?![\d:])"
    r"|[A-Z]{2,5}/[A-Z]{2,5}(?![\w/])"
    r"|(?:" + _alternation([k for k in _ABBREVIATIONS if k != "Z"]) + r")(?![\w+\-])"
    r"|(?i:" + _alternation(list(_LONG_NAMES)) + r")(?!\w)"
    r"|(?:Pacific|Mountain|Central|Eastern)\s+[Tt]ime(?!\w)"
    r"|(?:PT|MT|CT|ET)(?![\w+\-])"
    r"|[A-Z][A-Za-z]+(?:_[A-Z][a-z]+)*/[A-Z][A-Za-z_]+(?:/[A-Z][A-Za-z_]+)?"
    r")"
    r"(?:\s?\(\s?(?:(?:UTC|GMT)\s?)?[+\-\u2212]\s?\d{1,2}(?::?\d{2})?\s?\))?",
)
"""Matches one zone label (with an optional parenthesised offset) at a given position."""


def zone_offset(label: str, at: dt.datetime) -> dt.timedelta | None:
    """The offset from UTC a zone label or IANA name had at the instant ``at``."""
    zone = parse_zone(label)
    if zone is None:
        try:
            zone = Zone(label, (ZoneMeaning(label, None, label),)) if is_iana_name(label) else None
        except ValueError:
            return None
    if zone is None:
        return None
    return at.astimezone(zone.meaning.tzinfo()).utcoffset()
