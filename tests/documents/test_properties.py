"""Property tests: no text or bytes crash the extractor, and a time written in any supported
form and zone reads back as the same instant."""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from retroline.documents import Format, read_document
from retroline.documents.formats import BINARY
from retroline.documents.read import parse_text
from retroline.documents.timeline import build_events
from retroline.errors import RetrolineError

# Text that looks like postmortems often enough to reach deep code paths.
PIECES = st.sampled_from(
    [
        "\n",
        "\n\n",
        "- ",
        "* ",
        "   * ",
        "# ",
        "## ",
        "---+ ",
        "== ",
        " ==",
        "| ",
        " | ",
        "<li>",
        "</li>",
        "<del>",
        "</del>",
        "> ",
        "8 Sep 17:56 CEST ",
        "2016-09-08T15:56:00Z ",
        "18-Oct-14 ",
        "05:54 ",
        "[13:26] ",
        "Sep 12 18:38:21 ",
        "2:54 PM PST ",
        "yesterday ",
        "around 8PM ",
        "the next morning ",
        "All times in PDT. ",
        "CEST = UTC + 2 ",
        "from 05:54 to 17:10 ",
        "Root cause: ",
        "Action items\n",
        "owner: Ana ",
        "(me) ",
        "Posted on 1 May 2020 by X\n",
        "Subject: x\n",
        "From: a@b\n",
        "Date: Mon, 6 Feb 2017 16:48:02 -0500\n",
        ":Date: 2020-01-01\n",
        "====\n",
        "{|\n",
        "|-\n",
        '%META:TOPICINFO{date="1473860087"}%\n',
        "2024-02-30 ",
        "25:99 ",
    ]
)
DOCS = st.lists(st.one_of(PIECES, st.text(max_size=12)), max_size=40).map("".join)


@settings(max_examples=150, deadline=None)
@given(
    text=DOCS,
    fmt=st.sampled_from([f for f in Format if f not in BINARY]),
    tz=st.sampled_from([None, "Europe/Zurich"]),
)
def test_any_text_in_any_format_never_crashes(text: str, fmt: Format, tz: str | None) -> None:
    parsed = parse_text(text, fmt, "doc")
    timeline = build_events(parsed, "doc", option_tz=tz)
    for event in timeline.events:
        assert event.at is None or event.at.utcoffset() == dt.timedelta(0)
        assert event.source.line is None or event.source.line >= 1


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    data=st.binary(max_size=400),
    suffix=st.sampled_from([".md", ".txt", ".html", ".eml", ".docx", ".pdf"]),
)
def test_any_bytes_give_an_incident_or_one_clear_error(data: bytes, suffix: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"doc{suffix}"
        path.write_bytes(data)
        try:
            incident = read_document(path)
        except RetrolineError as exc:
            assert str(path) in str(exc) and "\n" not in str(exc)
        else:
            assert incident.title


FORMS = [
    "%d %b %H:%M {zone}",  # 8 Sep 17:56 CEST
    "%Y-%m-%d %H:%M {zone}",
    "%d-%b-%y %H:%M {zone}",  # 18-Oct-14 05:54
    "%b %d, %Y %I:%M %p {zone}",
    "%A %d %B %Y %H:%M {zone}",
]
ZONES = {
    "UTC": "UTC",
    "CEST": "Europe/Paris",
    "CET": "Europe/Paris",
    "PDT": "America/Los_Angeles",
    "EST": "America/New_York",
    "JST": "Asia/Tokyo",
    "+0530": "Asia/Kolkata",
}


@settings(max_examples=120, deadline=None)
@given(
    moment=st.datetimes(min_value=dt.datetime(2001, 1, 1), max_value=dt.datetime(2035, 12, 31)),
    form=st.sampled_from(FORMS),
    label=st.sampled_from(sorted(ZONES)),
)
def test_a_written_time_reads_back_to_the_same_instant(
    moment: dt.datetime, form: str, label: str
) -> None:
    local = moment.replace(second=0, microsecond=0, tzinfo=ZoneInfo(ZONES[label]))
    offset = local.utcoffset()
    # Only labels that are right for the season: "CEST" in January is a different time.
    if label in ("CEST", "PDT") and offset == local.replace(month=1, day=15).utcoffset():
        return
    if label in ("CET", "EST") and offset != local.replace(month=1, day=15).utcoffset():
        return
    written = local.strftime(form.format(zone=label))
    document = f"# Outage\n\nDate: {local.year}-{local.month:02d}-{min(local.day, 28):02d}\n\n## Timeline\n\n- {written} - the disk filled up\n"
    parsed = parse_text(document, Format.MARKDOWN, "doc.md")
    (event,) = build_events(parsed, "doc.md").events
    assert event.at == local.astimezone(dt.UTC), written
    assert event.text == "the disk filled up"
