"""Property tests: any text is safe, and every supported form reads back the same instant."""

from __future__ import annotations

import datetime as dt
import os
import zoneinfo

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from retroline.when import find_times, find_zone_statements, parse_zone, resolve
from retroline.when.zones import abbreviations

# Pieces that reach the deeper paths of the recognisers when glued together at random.
FRAGMENTS = [
    "8 Sep",
    "17:56",
    "CEST",
    "2016-09-08",
    "T",
    "15:56:00",
    "Z",
    "+02:00",
    "-",
    " - ",
    "to",
    "from",
    "yesterday",
    "evening",
    "around",
    "8PM",
    "6:30AM",
    "the next morning",
    "Friday",
    ",",
    " ",
    "18-Oct-14",
    "2016/09/08",
    "Sep 12",
    "[",
    "]",
    "(UTC-7)",
    "PST",
    "IST",
    "12/09/2016",
    "29 Feb",
    "31/02/2016",
    "May 2017",
    "24:00",
    "0930h",
    "last night",
    "on",
    "Monday",
    "noon",
    "Europe/Zurich",
    "GMT+2",
    "23:50",
    "00:10",
    "and",
    "between",
    "\u2013",
    "a.m.",
    "3 days ago",
]


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_any_text_never_crashes(text):
    check_everything(text)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(" ".join))
def test_time_like_text_never_crashes(text):
    check_everything(text)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join))
def test_glued_fragments_never_crash(text):
    check_everything(text)


def check_everything(text: str) -> None:
    find_zone_statements(text)
    previous = None
    for match in find_times(text):
        assert 0 <= match.start < match.end <= len(text)
        assert text[match.start : match.end] == match.text
        for reference in (None, dt.date(2016, 9, 23), dt.datetime(2008, 8, 8, 17, 57)):
            result = resolve(
                match, reference_date=reference, previous=previous, option_tz="Europe/Zurich"
            )
            if result.at is not None:
                assert result.at.utcoffset() == dt.timedelta(0)
        previous = result


MONTH_ABBR = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
MONTH_NAMES = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _offset_text(offset: dt.timedelta, colon: bool) -> str:
    minutes = int(offset.total_seconds()) // 60
    sign = "-" if minutes < 0 else "+"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}{':' if colon else ''}{mins:02d}"


def _ampm(local: dt.datetime) -> str:
    hour = local.hour % 12 or 12
    return f"{hour}:{local:%M:%S} {'PM' if local.hour >= 12 else 'AM'}"


# Every form takes the local wall-clock time and the zone text and renders one expression.
FORMS = [
    lambda t, z: f"{t:%Y-%m-%dT%H:%M:%S}{z if z[0] in '+-' else ' ' + z}",
    lambda t, z: f"{t:%Y-%m-%d %H:%M:%S} {z}",
    lambda t, z: f"{t.day} {MONTH_ABBR[t.month - 1]} {t.year} {t:%H:%M:%S} {z}",
    lambda t, z: f"{t.day}-{MONTH_ABBR[t.month - 1]}-{t:%y} {t:%H:%M:%S} {z}",
    lambda t, z: f"{MONTH_NAMES[t.month - 1]} {t.day}, {t.year} {t:%H:%M:%S} {z}",
    lambda t, z: f"{t:%Y/%m/%d-%H:%M:%S} {z}",
    lambda t, z: f"{t:%H:%M:%S} {z} {WEEKDAYS[t.weekday()]}, {MONTH_NAMES[t.month - 1]} {t:%d %Y}",
    lambda t, z: f"{t.day} {MONTH_ABBR[t.month - 1]} {t.year} {_ampm(t)} {z}",
    lambda t, z: f"[{t:%Y-%m-%d %H:%M:%S} {z}]",
    lambda t, z: f"{MONTH_ABBR[t.month - 1]} {t.day} {t:%H:%M:%S} {z}",  # syslog: no year
    lambda t, z: f"{t:%d.%m.%Y %H:%M:%S} {z}",
    lambda t, z: f"on {t.day} {MONTH_NAMES[t.month - 1]} {t.year} at {t:%H:%M:%S} {z}",
]

FIXED = sorted(
    label for label in abbreviations() if label != "Z" and not parse_zone(label).ambiguous
)
REGIONS = [
    "Europe/Zurich",
    "America/Los_Angeles",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/St_Johns",
    "Pacific/Auckland",
    "UTC",
]

instants = st.datetimes(
    min_value=dt.datetime(1990, 1, 1),
    max_value=dt.datetime(2035, 12, 31),
    timezones=st.just(dt.UTC),
).map(lambda t: t.replace(microsecond=0))


@st.composite
def zone_and_local(draw, instant):
    kind = draw(st.sampled_from(["label", "offset", "region", "gmt"]))
    if kind == "label":
        label = draw(st.sampled_from(FIXED))
        offset = parse_zone(label).meaning.offset
        return label, (instant + offset).replace(tzinfo=None)
    if kind in ("offset", "gmt"):
        minutes = draw(st.integers(-12 * 4, 14 * 4)) * 15
        offset = dt.timedelta(minutes=minutes)
        if kind == "gmt":
            hours = draw(st.integers(-12, 14))
            offset = dt.timedelta(hours=hours)
            text = f"UTC{hours:+d}" if draw(st.booleans()) else f"GMT{hours:+d}"
        else:
            text = _offset_text(offset, draw(st.booleans()))
        return text, (instant + offset).replace(tzinfo=None)
    region = draw(st.sampled_from(REGIONS))
    local = instant.astimezone(zoneinfo.ZoneInfo(region))
    naive = local.replace(tzinfo=None, fold=0)  # text carries no fold
    # Skip the wall-clock hour that happens twice when clocks go back: no text can tell.
    assume(naive.replace(tzinfo=zoneinfo.ZoneInfo(region)).utcoffset() == local.utcoffset())
    return region, naive


@settings(max_examples=int(os.environ.get("WHEN_EXAMPLES", 400)), deadline=None)
@given(instant=instants, data=st.data(), form=st.sampled_from(FORMS))
def test_rendered_instant_reads_back(instant, data, form):
    zone_text, local = data.draw(zone_and_local(instant))
    text = form(local, zone_text)
    matches = find_times(f"- {text} service restarted")
    assert [m.text for m in matches] == [text.strip("[]").removeprefix("on ")], text
    result = resolve(matches[0], reference_date=local.date())
    assert result.at == instant, text
