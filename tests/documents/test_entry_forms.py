"""More ways postmortems write a timeline, each in a small document written for this test:
relative "T+" timelines, key-value tables, ticket and forum pages, zone columns, European
clocks, stories with an hour alone, and the owners of follow-ups."""

from __future__ import annotations

from retroline.model import DateSource
from tests.documents.reading import codes, read, utc

RELATIVE = """\
# Cache stampede on the pricing service

**T0 = 2025-02-10 22:40 UTC (first page)**

## Timeline

- T-20m: nightly price import starts
- T0: page for p99 latency
- T+7m: on-call joins the bridge
- T+1h15m: cache warmed by hand
- T+25h: import moved to a quieter hour
"""


def test_a_relative_timeline_counts_from_its_t0(tmp_path):
    incident = read(tmp_path, "relative.md", RELATIVE)
    assert [utc(e) for e in incident.events] == [
        "2025-02-10 22:20",
        "2025-02-10 22:40",
        "2025-02-10 22:47",
        "2025-02-10 23:55",
        "2025-02-11 23:40",
    ]
    late = incident.events[-1]
    assert late.date_source is DateSource.HEADING
    assert any("T0" in note for note in late.notes)


KEY_VALUE = """\
Finance / Incidents

INC-88: Card refunds stuck
Created by Ines Moreau

| Field | Value |
|---|---|
| Severity | SEV-3 |
| Refunds stopped | 2025-03-03 07:05 UTC |
| Alert fired | 2025-03-03 07:20 UTC |
| Refunds flowing again | 2025-03-03 08:02 UTC |
| Time to detect | 15 min |

Root cause

The refund worker's token expired and nothing renewed it.

Action items

| Action | Owner | Status |
|---|---|---|
| Renew the worker token from the secret store | Ines Moreau | Done |
"""


def test_a_key_value_table_with_the_time_in_its_last_cell(tmp_path):
    incident = read(tmp_path, "properties.txt", KEY_VALUE)
    assert [(utc(e), e.text.split(" |")[0]) for e in incident.events] == [
        ("2025-03-03 07:05", "Refunds stopped"),
        ("2025-03-03 07:20", "Alert fired"),
        ("2025-03-03 08:02", "Refunds flowing again"),
    ]
    # Plain lines that name a part of a postmortem head it, though no mark says so.
    assert "no-root-cause" not in codes(incident)
    assert [(a.text, a.owner) for a in incident.action_items] == [
        ("Renew the worker token from the secret store", "Ines Moreau")
    ]


TICKET = """\
Nightly backups failed on the replica #412

ruth-m commented on Apr 8, 2025

Timeline, all times UTC:

- 01:10 UTC backup job starts
- 01:42 UTC job fails: disk full on the replica

Action items

- [ ] alert at 80% disk on the replica, @ruth-m

sam-o commented on Apr 9, 2025 · edited

One more for the timeline:

- 06:30 UTC (Apr 9) old snapshots pruned by hand, backups green again
"""


def test_a_ticket_page_dated_by_its_comment_headers(tmp_path):
    incident = read(tmp_path, "ticket.txt", TICKET)
    assert [utc(e) for e in incident.events] == [
        "2025-04-08 01:10",
        "2025-04-08 01:42",
        "2025-04-09 06:30",
    ]
    # The next comment ends the list of follow-ups above it.
    assert [(a.text.split(",")[0], a.owner) for a in incident.action_items] == [
        ("alert at 80% disk on the replica", "ruth-m")
    ]


ZONE_COLUMN = """\
# Settlement file late

| Date | Time | Zone | Event |
|---|---|---|---|
| 14/05/2025 | 07:50 | SGT | settlement file not received |
| 14/05/2025 | 00:05 | UTC | sender's job failed |
| 14/05/2025 | 08:30 | SGT | file re-sent by the bank |
"""


def test_a_zone_column_places_each_row(tmp_path):
    incident = read(tmp_path, "settlement.md", ZONE_COLUMN)
    assert [utc(e) for e in incident.events] == [
        "2025-05-13 23:50",
        "2025-05-14 00:05",
        "2025-05-14 00:30",
    ]
    assert "zones-mixed" in codes(incident)


EUROPEAN = """\
OPERATIONS REPORT - TICKET SCANNERS
Report date: 12.09.2025
All times CET/CEST (Vienna) unless marked.

Thu 11 Sep
14.20  scanners at the north gate stop syncing
14h35  vendor support called
15.05  firmware 4.12 rolled back, scanners sync again
"""


def test_dotted_and_h_clocks_of_a_european_report(tmp_path):
    incident = read(tmp_path, "report.txt", EUROPEAN)
    assert [utc(e) for e in incident.events] == [
        "2025-09-11 12:20",
        "2025-09-11 12:35",
        "2025-09-11 13:05",
    ]


FORUM = """\
Board › Home servers

My NAS fell off the network on Saturday
Posted 2025-07-14 by quietfox · 3 replies

All times are my local time (I'm in Chicago).

On Saturday July 12 I noticed at 7:50 pm that the shares were gone. At 8:30 pm I rebooted
the switch. Sometime around 9 I found the cable the dog had chewed. I swapped it at 9:40 pm.

What I'm changing:

- Cable runs go in a conduit. (me, done)
- A ping check that emails me. (me, next weekend)
"""


def test_a_forum_story_with_an_hour_alone_and_the_posters_follow_ups(tmp_path):
    incident = read(tmp_path, "forum.txt", FORUM)
    assert [utc(e) for e in incident.events] == [
        "2025-07-13 00:50",
        "2025-07-13 01:30",
        "2025-07-13 02:00",
        "2025-07-13 02:40",
    ]
    around = incident.events[2]
    assert around.text.startswith("Sometime around 9")
    assert any("9:00 PM" in note for note in around.notes)
    # "(me)" is the writer of the post, named in its byline.
    assert [a.owner for a in incident.action_items] == ["quietfox", "quietfox"]


def test_a_count_after_about_is_no_hour(tmp_path):
    text = FORUM.replace(
        "Sometime around 9 I found", "We lost about 9 GB of thumbnails. I then found"
    )
    incident = read(tmp_path, "forum.txt", text)
    assert [utc(e) for e in incident.events] == [
        "2025-07-13 00:50",
        "2025-07-13 01:30",
        "2025-07-13 02:40",
    ]


NAMED_OWNERS = """\
# Mail queue stuck

## Timeline

- 2025-01-20 10:00 UTC queue stops draining
- 2025-01-20 10:45 UTC relay restarted

## Impact

Outbound mail was delayed from 10:00 to 10:45 UTC. We will be moving the relay in a
maintenance window from 02:00 to 04:00 UTC on Jan 30.

## Follow-ups

- Dana Whit will add a queue-age alert.
- Owner: K. Osei, Mail Team. Target: 2025-02-14. Retire the old relay.
- We will document the restart.
"""


def test_owners_named_as_subjects_and_labels_and_a_planned_window(tmp_path):
    incident = read(tmp_path, "mail.md", NAMED_OWNERS)
    assert [a.owner for a in incident.action_items] == ["Dana Whit", "K. Osei, Mail Team", None]
    # The maintenance window still to come says nothing about the incident's.
    assert [w.time_text for w in incident.stated_windows] == ["10:00 to 10:45 UTC"]
    assert "impact-window-contradiction" not in codes(incident)


MAIL = """\
From: Ops Desk <ops@example.org>
To: all-staff@example.org
Subject: =?utf-8?q?Resolved=3A_print_server_outage?=
Date: Tue, 07 Oct 2025 11:20:00 +0200
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

All times CEST.

UPDATE 1 (09:05 CEST): The print server stopped accepting jobs after the night=
ly patch run.
RESOLVED (10:40 CEST): The spooler was restarted and the queued jobs were pri=
nted.
"""


def test_a_quoted_printable_mail_is_decoded_before_it_is_read(tmp_path):
    incident = read(tmp_path, "update.eml", MAIL)
    assert incident.title == "Resolved: print server outage"
    assert [(utc(e), e.text) for e in incident.events] == [
        (
            "2025-10-07 07:05",
            "UPDATE 1: The print server stopped accepting jobs after the nightly patch run.",
        ),
        (
            "2025-10-07 08:40",
            "RESOLVED: The spooler was restarted and the queued jobs were printed.",
        ),
    ]


ALIGNED = """\
INCIDENT REPORT - BADGE READERS
Date of incident: 2025-11-03
All times UTC.

Timeline
09:12  readers at door 4 reject every badge
09:40  controller rebooted, readers accept badges

Corrective actions
Action                               Owner          Due
Monitor the controller's heartbeat   L. Brandt      2025-11-20
Keep a spare controller on site      Facilities     2025-12-01
"""


def test_columns_lined_up_with_spaces_are_a_table(tmp_path):
    incident = read(tmp_path, "report.txt", ALIGNED)
    assert [utc(e) for e in incident.events] == ["2025-11-03 09:12", "2025-11-03 09:40"]
    assert [(a.text, a.owner) for a in incident.action_items] == [
        ("Monitor the controller's heartbeat", "L. Brandt"),
        ("Keep a spare controller on site", "Facilities"),
    ]
