"""Zone labels, offsets and IANA names; ambiguous labels and how context settles them."""

from __future__ import annotations

import datetime as dt

import pytest

from retroline.when import parse_offset, parse_zone
from retroline.when.zones import abbreviations

H = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "offset"),
    [
        ("+0530", 5.5 * H),
        ("+05:30", 5.5 * H),
        ("-07", -7 * H),
        ("-0700", -7 * H),
        ("UTC-7", -7 * H),
        ("UTC+2", 2 * H),
        ("GMT+2", 2 * H),  # as people write it, not the inverted POSIX Etc/GMT+2
        ("UTC + 2", 2 * H),
        ("utc-03:30", -3.5 * H),
        ("\u22120800", -8 * H),
        ("+1245", 12.75 * H),
    ],
)
def test_parse_offset(text, offset):
    assert parse_offset(text) == offset


@pytest.mark.parametrize("text", ["+7", "-1:00", "+1530", "+0517", "UTC", "12:30", "", "+"])
def test_not_offsets(text):
    assert parse_offset(text) is None


@pytest.mark.parametrize(
    ("label", "offset"),
    [
        ("UTC", 0),
        ("Z", 0),
        ("GMT", 0),
        ("CEST", 2),
        ("CET", 1),
        ("EEST", 3),
        ("WEST", 1),
        ("PDT", -7),
        ("PST", -8),
        ("EDT", -4),
        ("AKST", -9),
        ("HST", -10),
        ("JST", 9),
        ("AEDT", 11),
        ("ACST", 9.5),
        ("NZDT", 13),
        ("MSK", 3),
        ("Pacific Daylight Time", -7),
        ("central european summer time", 2),
        ("PST (UTC-7)", -7),  # the written offset wins over the label
        ("CET (UTC+2)", 2),
    ],
)
def test_fixed_labels(label, offset):
    zone = parse_zone(label)
    assert zone is not None
    assert zone.meaning.offset == offset * H
    assert not zone.ambiguous


@pytest.mark.parametrize(
    ("label", "region", "summer", "winter"),
    [
        ("Europe/Zurich", "Europe/Zurich", 2, 1),
        ("PT", "America/Los_Angeles", -7, -8),
        ("Pacific", "America/Los_Angeles", -7, -8),
        ("Eastern Time", "America/New_York", -4, -5),
        ("America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires", -3, -3),
    ],
)
def test_region_zones_follow_daylight_saving(label, region, summer, winter):
    zone = parse_zone(label)
    assert zone is not None
    meaning = zone.meaning
    assert meaning.offset is None
    assert meaning.region == region
    assert meaning.offset_at(dt.datetime(2016, 7, 1, 12)) == summer * H
    assert meaning.offset_at(dt.datetime(2016, 1, 1, 12)) == winter * H


@pytest.mark.parametrize("label", ["Europe/Nowhere", "XYZ", "Central Europe", "", "Pacific Ocean"])
def test_unknown_labels(label):
    assert parse_zone(label) is None


@pytest.mark.parametrize(
    ("label", "hint", "seen", "offset"),
    [
        ("IST", None, (), 5.5),  # India, the most common reading
        ("IST", "Europe/Dublin", (), 1),
        ("IST", None, (0 * H, 1 * H), 1),  # next to GMT and BST: Irish
        ("IST", "Asia/Jerusalem", (), 2),
        ("CST", None, (), -6),
        ("CST", "Asia/Shanghai", (), 8),
        ("CST", None, (8 * H, 9 * H), 8),  # next to HKT and JST: China
        ("BST", None, (), 1),
        ("BST", "Asia/Dhaka", (), 6),
    ],
)
def test_ambiguous_labels_by_context(label, hint, seen, offset):
    zone = parse_zone(label)
    assert zone is not None
    assert zone.ambiguous
    assert zone.choose(region_hint=hint, offsets_seen=seen).offset == offset * H


def test_every_abbreviation_parses_with_a_fixed_offset():
    for label in abbreviations():
        zone = parse_zone(label)
        assert zone is not None, label
        assert all(m.offset is not None for m in zone.meanings), label
        assert all(abs(m.offset) <= 14 * H for m in zone.meanings if m.offset is not None)
