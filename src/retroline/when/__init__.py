"""Recognising time expressions in text and resolving them to UTC.

Pure functions, no I/O. :func:`find_times` finds expressions in a line and keeps their
spans; :func:`resolve` places one on the calendar and in UTC given the document's date and
zones; :func:`resolve_sequence` does the same for a timeline's entries in order;
:func:`find_zone_statements` finds "All times in PDT" and its kin.

>>> import datetime as dt
>>> from retroline.when import find_times, resolve
>>> match = find_times("8 Sep 17:56 CEST Tom notes ...")[0]
>>> resolve(match, reference_date=dt.date(2016, 9, 23)).at.isoformat()
'2016-09-08T15:56:00+00:00'
"""

from retroline.when.match import TimeMatch, find_times, parse_time
from retroline.when.relative import Anchor, Relative
from retroline.when.resolution import (
    DayContext,
    Resolved,
    full_year,
    infer_year,
    resolve,
    resolve_sequence,
)
from retroline.when.statements import ZoneStatement, defined_zone, find_zone_statements
from retroline.when.zones import Zone, ZoneMeaning, parse_offset, parse_zone, zone_offset

__all__ = [
    "Anchor",
    "DayContext",
    "Relative",
    "Resolved",
    "TimeMatch",
    "Zone",
    "ZoneMeaning",
    "ZoneStatement",
    "defined_zone",
    "find_times",
    "find_zone_statements",
    "full_year",
    "infer_year",
    "parse_offset",
    "parse_time",
    "parse_zone",
    "resolve",
    "resolve_sequence",
    "zone_offset",
]
