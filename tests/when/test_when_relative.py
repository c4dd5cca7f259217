"""Narrative times relative to the document date or the entry before."""

from __future__ import annotations

import datetime as dt

import pytest

from retroline.model import Precision, ZoneSource
from retroline.when import Anchor, find_times, resolve

BLOG = dt.datetime(2008, 8, 8, 17, 57)  # "17:57 Friday, August 08 2008"


@pytest.mark.parametrize(
    ("line", "text", "at"),
    [
        # hangcheck-tcp-sockets-blog.txt
        (
            "had hung around 8PM yesterday evening, and rebooted them",
            "around 8PM yesterday evening",
            dt.datetime(2008, 8, 7, 20, 0),
        ),
        (
            "Until I killed the hang-check daemon just after 6:30AM.",
            "just after 6:30AM",
            dt.datetime(2008, 8, 8, 6, 30),
        ),
        ("yesterday around 8 pm it began", "yesterday around 8 pm", dt.datetime(2008, 8, 7, 20)),
        ("this morning at 9:15 we", "this morning at 9:15", dt.datetime(2008, 8, 8, 9, 15)),
        ("last night at 2AM it", "last night at 2AM", dt.datetime(2008, 8, 8, 2, 0)),
        ("last night at 11PM it", "last night at 11PM", dt.datetime(2008, 8, 7, 23, 0)),
        ("on Wednesday at 14:00 we", "on Wednesday at 14:00", dt.datetime(2008, 8, 6, 14, 0)),
        ("at ~10:15 the", "at ~10:15", dt.datetime(2008, 8, 8, 10, 15)),
        ("at about noon the", "at about noon", dt.datetime(2008, 8, 8, 12, 0)),
        ("2 days ago at 10:00 the", "2 days ago at 10:00", dt.datetime(2008, 8, 6, 10, 0)),
        ("tonight at 23:00 we", "tonight at 23:00", dt.datetime(2008, 8, 8, 23, 0)),
    ],
)
def test_relative_to_the_document(line, text, at):
    (match,) = find_times(line)
    assert match.text == text
    result = resolve(match, reference_date=BLOG)
    assert result.at == at.replace(tzinfo=dt.UTC)
    assert result.approximate
    assert result.precision is Precision.APPROXIMATE
    assert result.zone_source is ZoneSource.ASSUMED


@pytest.mark.parametrize(
    ("line", "date"),
    [
        ("When I pulled up my work email this morning", dt.date(2008, 8, 8)),
        ("Until last night.", dt.date(2008, 8, 7)),
        ("I have to go into work tomorrow", dt.date(2008, 8, 9)),
        ("It happened on Monday", dt.date(2008, 8, 4)),
        ("It happened on Friday", dt.date(2008, 8, 8)),
        ("see you next Monday", dt.date(2008, 8, 11)),
        ("three days ago", dt.date(2008, 8, 5)),
    ],
)
def test_day_phrases_without_a_time(line, date):
    (match,) = find_times(line)
    result = resolve(match, reference_date=BLOG)
    assert (result.at, result.date) == (None, date)
    assert result.approximate


def test_the_next_morning_counts_from_the_previous_entry():
    previous = resolve(find_times("8 Sep 23:45 CEST")[0], reference_date=dt.date(2016, 9, 23))
    (match,) = find_times("the next morning at 9:10 CEST Tom restarted it")
    assert match.relative is not None and match.relative.anchor is Anchor.PREVIOUS
    result = resolve(match, reference_date=dt.date(2016, 9, 23), previous=previous)
    assert result.at == dt.datetime(2016, 9, 9, 7, 10, tzinfo=dt.UTC)


def test_a_later_bare_time_is_the_day_before_the_writing():
    (match,) = find_times("at 10PM the alarms went off")
    result = resolve(match, reference_date=BLOG)
    assert result.at == dt.datetime(2008, 8, 7, 22, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    "line",
    [
        "Two times in the past the hang-check daemon had gone off",
        "about 5 servers",
        "around 50% were from the hang-check daemon",
        "the number of open sockets dropped down under 200",
        "it peaked at just over 800 before dropping",
        "it polls the database every 30 seconds",
    ],
)
def test_not_relative_times(line):
    assert find_times(line) == []
