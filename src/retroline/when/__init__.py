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

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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

# Where each name lives: the submodules load on first use (PEP 562), so that a reader that
# needs only zones (the log readers) does not load the document time grammar.
_HOME = {
    "Anchor": "relative",
    "Relative": "relative",
    "DayContext": "resolution",
    "Resolved": "resolution",
    "full_year": "resolution",
    "infer_year": "resolution",
    "resolve": "resolution",
    "resolve_sequence": "resolution",
    "TimeMatch": "match",
    "find_times": "match",
    "parse_time": "match",
    "ZoneStatement": "statements",
    "defined_zone": "statements",
    "find_zone_statements": "statements",
    "Zone": "zones",
    "ZoneMeaning": "zones",
    "parse_offset": "zones",
    "parse_zone": "zones",
    "zone_offset": "zones",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)
