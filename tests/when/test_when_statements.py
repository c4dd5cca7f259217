"""Document-level zone statements."""

from __future__ import annotations

import datetime as dt

import pytest

from retroline.when import find_zone_statements

H = dt.timedelta(hours=1)


@pytest.mark.parametrize(
    ("text", "label"),
    [
        ("All times in PDT", "PDT"),
        ("All times are in UTC.", "UTC"),
        ("All times are Pacific.", "Pacific"),
        ("Note: all times are Pacific Time", "Pacific Time"),
        ("Date and Time in CET", "CET"),
        ("| Date and Time in CET | Event |", "CET"),
        ("(times in UTC)", "UTC"),
        ("Timeline (all times UTC)", "UTC"),
        ("Timeline (all times in PDT)", "PDT"),
        ("## Time (UTC)", "UTC"),
        ("All timestamps below are in UTC", "UTC"),
        ("Times shown are in Europe/Zurich", "Europe/Zurich"),
        ("Times are given in CEST", "CEST"),
        ("All times are PST (UTC-7)", "PST (UTC-7)"),
        ("Time zone: America/New_York", "America/New_York"),
        ("All times Eastern", "Eastern"),
    ],
)
def test_statements(text, label):
    statements = [s for s in find_zone_statements(text) if s.zone is not None]
    assert [s.zone.label for s in statements] == [label]
    assert text[statements[0].start : statements[0].end] == statements[0].text


def test_statement_with_a_definition():
    text = "Tom reports the following stompclt errors in syslog (times are UTC; CEST = UTC + 2):"
    statements = find_zone_statements(text)
    assert [s.zone.label if s.zone else None for s in statements] == ["UTC", None]
    assert statements[1].defines == {"CEST": 2 * H}


@pytest.mark.parametrize(
    "text",
    [
        "All times are approximate",
        "at times in Central Europe the network",
        "it took times in the order of minutes",
        "Two times in the past the hang-check daemon had gone off",
        "Building message loops is one of the fine arts",
    ],
)
def test_not_statements(text):
    assert find_zone_statements(text) == []
