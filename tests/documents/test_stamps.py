"""Where an entry's time stands (documents/stamps.py) and how blocks are cut into one unit
per entry (documents/units.py)."""

from __future__ import annotations

import pytest

from retroline.documents.blocks import Block, BlockKind, Line
from retroline.documents.stamps import Lead, bare, entry_time, shape, trailing_time
from retroline.documents.units import split_blocks


@pytest.mark.parametrize(
    ("text", "time", "lead", "rest"),
    [
        ("- **21:00** - Team alerted", "21:00", Lead.NONE, "Team alerted"),
        ("[03-26 17:40] Node upgrade starts", "03-26 17:40", Lead.NONE, "Node upgrade starts"),
        ("Resolved May 28, 2024 at 02:23pm UTC", "May 28, 2024 at 02:23pm UTC", Lead.STATUS, ""),
        ("Posted Oct 31, 2019 - 11:05 PDT", "Oct 31, 2019 - 11:05 PDT", Lead.POSTED, ""),
        (
            "Start: 2016/03/29 22:00 – Maintenance began",
            "2016/03/29 22:00",
            Lead.LABEL,
            "Maintenance began",
        ),
        (
            "10 minutes later: the cache recovered",
            "10 minutes later",
            Lead.NONE,
            "the cache recovered",
        ),
        ("- At 14:02 UTC, the on-call is paged", "14:02 UTC", Lead.WORD, "the on-call is paged"),
        ("🔴 14:02 · Alert fired", "14:02", Lead.NONE, "Alert fired"),
        ("14:10 → Rollback started", "14:10", Lead.NONE, "Rollback started"),
    ],
)
def test_entry_times(text, time, lead, rest):
    found = entry_time(text)
    assert found is not None
    assert (found.match.text, found.lead, found.rest) == (time, lead, rest)


@pytest.mark.parametrize(
    "text",
    [
        "Date/time: 2023-08-26 21:14 PDT",  # a field of the summary, no milestone
        "Duration: 21:45 to 23:28 UTC (103 minutes)",
        "The outage started at 14:00 and lasted an hour",  # prose
        "Version 2.6.32 was deployed",
    ],
)
def test_not_entry_times(text):
    assert entry_time(text) is None


def test_a_date_marker_after_the_time_dates_the_entry():
    found = entry_time("**05:39 UTC** (Oct 30) - Latency back to normal")
    assert found is not None
    assert (found.match.month, found.match.day, found.match.hour) == (10, 30, 5)
    assert found.match.zone == "UTC"
    assert found.rest == "Latency back to normal"


def test_a_time_in_the_title_of_a_dated_entry():
    found = entry_time("April 22: Network maintenance in the lab (13:00EST): nothing to do")
    assert found is not None
    match = found.match
    assert (match.month, match.day, match.hour, match.zone) == (4, 22, 13, "EST")
    assert found.rest.startswith("Network maintenance in the lab")
    assert "13:00" not in found.rest


def test_bare_stamps():
    stamp = entry_time("### 16:22")
    assert stamp is not None and bare(stamp)
    entry = entry_time("16:22 - paged")
    assert entry is not None and not bare(entry)


def test_entries_of_one_timeline_share_a_shape():
    one, two = "21:14 - DNS changes", "23:54 - first report"
    first, second = entry_time(one), entry_time(two)
    assert first is not None and second is not None
    assert shape(one, first.match) == shape(two, second.match)
    other = "2023-01-04 05:13: monitor fired"
    third = entry_time(other)
    assert third is not None and shape(other, third.match) != shape(one, first.match)


@pytest.mark.parametrize(
    ("text", "time"),
    [
        ("Mobile data was unstable from 12:22 to 12:45 JST.", "12:22 to 12:45 JST"),
        ("The carrier saw route flaps until 14:05. More later.", "14:05"),
    ],
)
def test_trailing_times(text, time):
    match = trailing_time(text)
    assert match is not None and match.text == time


def test_a_time_in_the_middle_does_not_trail():
    assert trailing_time("At 12:22 the network failed and stayed down for hours.") is None


def _paragraph(*lines: tuple[str, bool]) -> Block:
    written = [Line(text, number, hard) for number, (text, hard) in enumerate(lines, start=10)]
    return Block(BlockKind.PARAGRAPH, " ".join(t for t, _ in lines), 10, lines=written)


def test_hard_breaks_cut_a_paragraph_into_entries():
    block = _paragraph(
        ("**16:27** Tag 0.13.6 is cut", False),
        ("**21:36** Travis is upset", True),
        ("and all PRs are failing", False),
    )
    units = split_blocks([block])
    assert [(u.text, u.line) for u in units] == [
        ("**16:27** Tag 0.13.6 is cut", 10),
        ("**21:36** Travis is upset and all PRs are failing", 11),
    ]


def test_a_time_alone_keeps_its_text():
    block = _paragraph(("7:42", False), ("Ana assesses the database.", False))
    assert [u.text for u in split_blocks([block])] == ["7:42 Ana assesses the database."]


def test_a_wrapped_time_does_not_start_an_entry():
    block = _paragraph(
        ("We saw the first errors when the deploy reached the", False),
        ("14:00 batch and then rolled back.", False),
    )
    assert len(split_blocks([block])) == 1


def test_a_posted_line_is_a_unit_of_its_own():
    block = _paragraph(
        ("Traffic is recovering.", False),
        ("Posted Oct 31, 2019 - 09:58 PDT", False),
        ("This incident affected: API.", False),
    )
    assert [u.text for u in split_blocks([block])] == [
        "Traffic is recovering.",
        "Posted Oct 31, 2019 - 09:58 PDT",
        "This incident affected: API.",
    ]


def test_a_reflowed_timeline_is_cut_where_each_entry_starts():
    text = (
        "15:27 - Config change submitted (ID 42.) 21:14 - Changes take effect. 80% of "
        "requests fail. 21:20 - Monitoring sends a first e-mail."
    )
    units = split_blocks([Block(BlockKind.PARAGRAPH, text, 3)])
    assert [u.text for u in units] == [
        "15:27 - Config change submitted (ID 42.)",
        "21:14 - Changes take effect. 80% of requests fail.",
        "21:20 - Monitoring sends a first e-mail.",
    ]
    assert {u.line for u in units} == {3}


def test_times_inside_sentences_do_not_cut_a_paragraph():
    text = "14:00 - The service failed. Users saw errors from 14:05 until 14:30 that day."
    assert len(split_blocks([Block(BlockKind.PARAGRAPH, text, 1)])) == 1
