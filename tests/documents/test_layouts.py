"""Timeline layouts of real postmortems, each in a small document written for this test:
status pages, headings that carry the entry, day headings, labels, lists that end with
their times, prose, quoted mail with a correction, and where every date came from."""

from __future__ import annotations

import datetime as dt

from retroline.model import DateSource, Precision, ZoneSource
from tests.documents.reading import codes, read, utc

STATUS_PAGE = """\
Elevated API errors
Incident Report for Larkspur Cloud

Resolved
The fix has been rolled out to every region and error rates are back to normal.
Posted Mar 03, 2022 - 17:25 UTC

Monitoring
A fix was deployed; we are watching error rates.
Posted Mar 03, 2022 - 16:50 UTC

Investigating
We are investigating elevated 502 errors on the public API.
Posted Mar 03, 2022 - 16:02 UTC
This incident affected: API, Dashboard.
"""


def test_status_page_dates_each_update_by_the_line_below_it(tmp_path):
    incident = read(tmp_path, "status.txt", STATUS_PAGE)
    assert [(utc(e), e.text.split(" ", 3)[:3]) for e in incident.events] == [
        ("2022-03-03 17:25", ["Resolved:", "The", "fix"]),
        ("2022-03-03 16:50", ["Monitoring:", "A", "fix"]),
        ("2022-03-03 16:02", ["Investigating:", "We", "are"]),
    ]
    assert [e.source.line for e in incident.events] == [5, 9, 13]
    assert "out-of-order" not in codes(incident)  # newest first is the page's order


HOSTED_HISTORY = """\
Previous incidents
Storage API is down
Resolved Jun 12, 2023 at 04:10pm UTC
Storage API recovered.
2 previous updates
Web UI is down
Resolved Jun 03, 2023 at 08:41am UTC
Web UI recovered.
"""


def test_status_history_dates_the_text_below_its_stamp(tmp_path):
    incident = read(tmp_path, "history.txt", HOSTED_HISTORY)
    assert [(utc(e), e.text) for e in incident.events] == [
        ("2023-06-12 16:10", "Resolved: Storage API recovered."),
        ("2023-06-03 08:41", "Resolved: Web UI recovered."),
    ]


HEADINGS = """\
# Queue stall

## Timeline

All times are in US/Eastern.

### 2022-11-03 21:00 - Problem starts

Workers stop taking jobs from the queue.

### 21:40 - Team alerted

A customer reports stuck exports in the support channel.

### 2022-11-04 09:15 - Fix deployed

The worker pool is restarted with the new limit.
"""


def test_headings_that_carry_the_entry(tmp_path):
    incident = read(tmp_path, "2022-11-04-queue-stall.md", HEADINGS)
    events = incident.events
    assert [(utc(e), e.text) for e in events] == [
        ("2022-11-04 01:00", "Problem starts"),
        ("2022-11-04 01:40", "Team alerted"),
        ("2022-11-04 13:15", "Fix deployed"),  # still EDT: daylight time ends on 6 November
    ]
    assert events[1].details == ["A customer reports stuck exports in the support channel."]
    assert {e.zone_source for e in events} == {ZoneSource.DOCUMENT}


DAYS = """\
# Build breakage

## Timeline (all times in PST/PDT)

### 2021-03-10

A change that drops the exit code is merged upstream.

### 2021-03-13

**22:10** The release tag is cut<br>
**23:55** CI turns red on every branch

### 2021-03-14

**09:30** The pin to the last good release lands
"""


def test_day_headings_and_a_day_without_a_time(tmp_path):
    incident = read(tmp_path, "days.md", DAYS)
    first, *timed = incident.events
    assert (first.at, first.date, first.precision) == (None, dt.date(2021, 3, 10), Precision.DAY)
    assert first.date_source is DateSource.HEADING
    # 13 March is still PST (UTC-8); 14 March 09:30 is after the spring-forward (UTC-7).
    assert [utc(e) for e in timed] == ["2021-03-14 06:10", "2021-03-14 07:55", "2021-03-14 16:30"]
    assert [e.text for e in timed] == [
        "The release tag is cut",
        "CI turns red on every branch",
        "The pin to the last good release lands",
    ]


BRACKETS = """\
# Lease service outage, 2019-03-26

All times in CET.

## Timeline

- [12-05 16:21] A bug that stops the lease service from starting is merged
- [03-20 16:46] The service's spec is updated but the pod is not replaced
- [03-25 23:04] The node is drained and the new pod crash-loops
- [03-26 02:50] The outage is reported
"""


def test_month_day_stamps_take_the_year_of_the_entries_around_them(tmp_path):
    incident = read(tmp_path, "leases.md", BRACKETS)
    assert [utc(e) for e in incident.events] == [
        "2018-12-05 15:21",
        "2019-03-20 15:46",
        "2019-03-25 22:04",
        "2019-03-26 01:50",
    ]
    assert {e.year_source for e in incident.events} == {DateSource.DOCUMENT}
    inferred = next(f for f in incident.findings if f.code == "year-inferred")
    assert "2018, 2019" in inferred.message and "document's own date" in inferred.message


REPORT_FORM = """\
Incident Report Number: 2019-044

What happened?

A switch replacement left one residence without network.

What was the timeline of the incident?

Start: 2019/11/05 22:00 – Planned maintenance began.
2019/11/06 01:30 – Connections were moved to the new switch.
2019/11/06 08:35 – Analysts began working on the issue.
End: 2019/11/06 09:12 – Service was confirmed restored.

What was the root cause?

Date: 2019/11/07
"""


def test_start_and_end_labels_in_a_report_form(tmp_path):
    incident = read(tmp_path, "form.txt", REPORT_FORM, tz="America/Denver")
    assert [(utc(e), e.text) for e in incident.events] == [
        ("2019-11-06 05:00", "Start: Planned maintenance began."),
        ("2019-11-06 08:30", "Connections were moved to the new switch."),
        ("2019-11-06 15:35", "Analysts began working on the issue."),
        ("2019-11-06 16:12", "End: Service was confirmed restored."),
    ]


TRAILING = """\
# Friday's outage

Around lunch time many sites could not be reached.

The outage occurred on Friday, August 25, 2017.

- The backbone reported routing instability from 12:22 to 12:45 JST.
- A second carrier saw route changes from 12:24 to 12:39 JST.
- Many sites stayed down into the afternoon. One host reported errors from 12:25 to 17:25 JST.
"""


def test_a_list_whose_items_end_with_their_times(tmp_path):
    incident = read(tmp_path, "friday.md", TRAILING)
    events = incident.events
    assert [utc(e) for e in events] == ["2017-08-25 03:22", "2017-08-25 03:24", "2017-08-25 03:25"]
    assert events[0].end_at == dt.datetime(2017, 8, 25, 3, 45, tzinfo=dt.UTC)
    assert events[2].text.startswith("Many sites stayed down")


FLATTENED_MAIL = (
    "Hi, sorry: the correct date should be : 2021-09-09. The times are right. "
    "On 09/09/21 10:09, Ana Ruiz wrote: > Hi, > > At 05:00 UTC 2021-10-09 a config push took "
    "the > mirror service down for IPv4 users. > > By 08:11 UTC 2021-10-09 I rolled back the "
    "> push and restarted services. > > By 08:23 UTC 2021-10-09 the service was back. > > "
    "-- Ana\n"
)


def test_a_flattened_quoted_mail_corrected_by_its_cover_note(tmp_path):
    incident = read(tmp_path, "mirror.txt", FLATTENED_MAIL)
    events = incident.events
    assert [utc(e) for e in events] == ["2021-09-09 05:00", "2021-09-09 08:11", "2021-09-09 08:23"]
    assert {e.date_source for e in events} == {DateSource.CORRECTION}
    assert not any("wrote" in e.text for e in events)
    finding = next(f for f in incident.findings if f.code == "date-corrected")
    assert "2021-10-09" in finding.message and "2021-09-09" in finding.message


STORY = """\
Mail service interruption

Posted on: 2022-07-13 16:41:38+00:00

At around 09:11 UTC on Tuesday, July 12th 2022, the mail server suffered a breakdown.

The team tried to repair it. As that proved hard, we decided to fail forward at approximately 14:40 UTC. We had announced the new server on June 15, 2022.

At approximately 17:33 UTC the migration had completed, and mail was flowing again.
"""


def test_a_story_told_in_prose(tmp_path):
    incident = read(tmp_path, "story.txt", STORY)
    assert [utc(e) for e in incident.events] == [
        "2022-07-12 09:11",
        "2022-07-12 14:40",
        "2022-07-12 17:33",
    ]
    assert not any("June 15" in e.text for e in incident.events)


def test_headings_left_open_each_hold_their_own_text(tmp_path):
    # libxml2 nests a heading left open in the one before: each heading's text was the rest
    # of the page (12 s for these 250, the square of the page), now only its own.
    grew = " ".join(["the queue grew again"] * 10)
    clocks = [f"{i // 60:02d}:{i % 60:02d}" for i in range(250)]
    html = "<html><body><h1>Queue outage</h1>\n" + "".join(
        f"<h2>2024-03-12 {clock} UTC step {i}: {grew}\n" for i, clock in enumerate(clocks)
    )
    incident = read(tmp_path, "steps.html", html)
    assert [utc(e) for e in incident.events] == [f"2024-03-12 {clock}" for clock in clocks]
    assert [e.text for e in incident.events] == [f"step {i}: {grew}" for i in range(250)]


def test_a_long_sentence_of_many_times_is_read_in_one_pass(tmp_path):
    # Each time used to search the whole sentence before it again (was it a span's start?
    # in brackets?): 1,440 times after 250 KB of words took 10 s, now a small part of one.
    clocks = [f"{i // 60:02d}:{i % 60:02d}" for i in range(24 * 60)]
    text = (
        "Disk array failure\n\nPosted on: 2022-07-13\n\nOn Tuesday, July 12th 2022 the array "
        + "checked its disks and " * 12_000
        + "checked them at "
        + ", ".join(clocks)
        + " and then gave up.\n"
    )
    incident = read(tmp_path, "story.txt", text)
    assert [utc(e) for e in incident.events] == [f"2022-07-12 {clock}" for clock in clocks]
    assert incident.events[0].text.endswith("checked them at 00:00")
    assert [e.text for e in incident.events[1:3]] == ["00:01", "00:02"]


SUMMARY_REPEATS = """\
# Feature flag outages

## Summary

- **October 21** (103 minutes): cache overload
- **October 24** (72 minutes): rate limits

## Incident timeline

### October 21, 2025 - Cache overload

**Duration:** 21:45 to 23:28 UTC (103 minutes)

A deployment made retries fan out.

- **21:45 UTC** - Error rates rise
- **23:28 UTC** - Error rates back to normal

### October 24, 2025 - Rate limits

- **18:00 UTC** - Rate limiting rolled out
- **00:10 UTC (Oct 25)** - Rate limits removed
"""


def test_the_timeline_section_is_the_timeline(tmp_path):
    incident = read(tmp_path, "flags.md", SUMMARY_REPEATS)
    assert [(utc(e), e.text) for e in incident.events] == [
        ("2025-10-21 21:45", "Error rates rise"),
        ("2025-10-21 23:28", "Error rates back to normal"),
        ("2025-10-24 18:00", "Rate limiting rolled out"),
        ("2025-10-25 00:10", "Rate limits removed"),
    ]


ZONE_ABOVE = """\
# DNS outage

## Timeline

- 2024-02-02 09:00 PST - Resolver config pushed
- 09:12 - Lookups start to time out
- 09:40 - Config reverted
"""


def test_entries_without_a_zone_take_the_one_above(tmp_path):
    incident = read(tmp_path, "dns.md", ZONE_ABOVE, tz="Europe/Zurich")
    assert [utc(e) for e in incident.events] == [
        "2024-02-02 17:00",
        "2024-02-02 17:12",
        "2024-02-02 17:40",
    ]
    assert [e.zone_source for e in incident.events] == [
        ZoneSource.EXPLICIT,
        ZoneSource.CONTEXT,
        ZoneSource.CONTEXT,
    ]
    assert "zone-from-context" in codes(incident)


ADDRESSED = """\
URL: https://status.example.org/log/2025-04-26
Weekly log

- April 22: Network maintenance in the lab (13:00EST): planned, nothing to do.
- April 24: API capacity (04:00EST): capacity was added.
"""


def test_a_page_address_dates_the_page(tmp_path):
    incident = read(tmp_path, "weekly.txt", ADDRESSED)
    assert incident.title == "Weekly log"
    assert [utc(e) for e in incident.events] == ["2025-04-22 18:00", "2025-04-24 09:00"]
    assert {e.year_source for e in incident.events} == {DateSource.URL}
    # EST in April: New York was on EDT (UTC-4); the label is followed and flagged.
    assert "zone-out-of-season" in codes(incident)


def test_a_weekday_that_names_another_day(tmp_path):
    text = "# Outage\n\n## Timeline\n\n- Monday 12 March 2024 10:00 UTC - Disks fill up\n"
    incident = read(tmp_path, "weekday.md", text)
    assert utc(incident.events[0]) == "2024-03-12 10:00"
    finding = next(f for f in incident.findings if f.code == "weekday-mismatch")
    assert "Tuesday" in finding.message


PREPOSITIONS = """\
# Login failures, 2026-01-05

At 14:00 we shipped the new session store.

- At 14:02 UTC, the on-call engineer is paged for login errors.
- By 14:20 UTC the session store was rolled back.
"""


def test_list_entries_that_open_with_a_preposition(tmp_path):
    incident = read(tmp_path, "login.md", PREPOSITIONS)
    assert [(utc(e), e.text) for e in incident.events] == [
        ("2026-01-05 14:02", "the on-call engineer is paged for login errors."),
        ("2026-01-05 14:20", "the session store was rolled back."),
    ]


HISTORY_AFTER = """\
Past incidents

Mar 3, 2022

Login errors
Resolved
The fix is out and logins work again.
Mar 3, 17:25 UTC
Identified
A bad certificate was deployed to the login service.
Mar 3, 16:50 UTC
"""


def test_status_history_with_the_time_under_each_update(tmp_path):
    incident = read(tmp_path, "history-after.txt", HISTORY_AFTER)
    assert [(utc(e), e.text) for e in incident.events] == [
        ("2022-03-03 17:25", "Resolved: The fix is out and logins work again."),
        ("2022-03-03 16:50", "Identified: A bad certificate was deployed to the login service."),
    ]
