"""Duration statistics over many incidents (medians, p90, histograms, counts; no mean), and
their HTML page of small multiples."""

from __future__ import annotations

import base64
import datetime as dt
import doctest
import hashlib
import html
import json
import re

import pytest

from retroline.analysis import stats as stats_module
from retroline.analysis.stats import (
    BINS,
    MIN_N,
    UNKNOWN,
    distribution,
    month_of,
    stats,
    stats_rows,
)
from retroline.errors import UsageError
from retroline.model import (
    Event,
    EventKind,
    Incident,
    Precision,
    Section,
    SectionKind,
    Source,
    Window,
)
from retroline.report.stats_page import layout, stats_html

SOURCE = Source(path="pm.md", line=1)
NOW = dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.UTC)
DURATIONS = ["Time to detect", "Time to engage", "Time to mitigate", "Time to resolve"]


def event(kind: EventKind, at: dt.datetime, precision: Precision = Precision.MINUTE) -> Event:
    return Event(at=at, text=kind.value, kind=kind, precision=precision, source=SOURCE)


def timed(
    ident: str,
    start: dt.datetime,
    *,
    detect: float | None = None,
    engage: float | None = None,
    mitigate: float | None = None,
    resolve: float | None = None,
    title: str = "Incident",
    root_cause: str | None = None,
) -> Incident:
    """An incident whose impact starts at ``start`` and whose detection, mitigation and
    resolution come so many minutes after it (engagement: after the detection)."""
    events = [event(EventKind.IMPACT_START, start)]
    if detect is not None:
        events.append(event(EventKind.DETECTION, start + dt.timedelta(minutes=detect)))
        if engage is not None:
            at = start + dt.timedelta(minutes=detect + engage)
            events.append(event(EventKind.ENGAGEMENT, at))
    for kind, minutes in ((EventKind.MITIGATION, mitigate), (EventKind.RESOLUTION, resolve)):
        if minutes is not None:
            events.append(event(kind, start + dt.timedelta(minutes=minutes)))
    sections = []
    if root_cause is not None:
        sections.append(Section(kind=SectionKind.ROOT_CAUSE, title="Root cause", text=root_cause))
    return Incident(id=ident, title=title, events=events, sections=sections)


def day(month: int, day: int = 10) -> dt.datetime:
    return dt.datetime(2024, month, day, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def five_incidents() -> list[Incident]:
    """Five incidents with every duration known: detected after 2, 7, 20, 90 and 300 min."""
    return [
        timed("a", day(1), detect=2, engage=1, mitigate=10, resolve=30),
        timed("b", day(1, 20), detect=7, engage=3, mitigate=20, resolve=60),
        timed("c", day(2), detect=20, engage=5, mitigate=40, resolve=120),
        timed("d", day(2, 15), detect=90, engage=10, mitigate=100, resolve=600),
        timed("e", day(3), detect=300, engage=60, mitigate=400, resolve=3000),
    ]


def test_doctests() -> None:
    assert doctest.testmod(stats_module).failed == 0


def test_exact_median_p90_and_histogram(five_incidents: list[Incident]) -> None:
    result = stats(five_incidents)
    (group,) = result.groups
    assert (group.key, group.incidents, group.ids) == ("all", 5, ("a", "b", "c", "d", "e"))
    detect = group.distributions[0]
    assert detect.name == "Time to detect"
    assert detect.n == 5
    assert detect.median == 20 * 60
    # Linear interpolation: rank 0.9 x (5 - 1) = 3.6, so 90 + 0.6 x (300 - 90) = 216 min.
    assert detect.p90 == pytest.approx(216 * 60)
    assert (detect.min, detect.max) == (2 * 60, 300 * 60)
    assert detect.counts == (1, 1, 1, 1, 1, 0)  # <5, 5-15, 15-60 min, 1-4 h, 4-24 h, >=1 d
    assert not detect.too_few
    resolve = group.distributions[3]
    assert resolve.median == 120 * 60
    assert resolve.counts == (0, 0, 1, 2, 1, 1)  # 30, 60, 120, 600 min and 50 h


def test_durations_in_the_order_and_words_of_their_definitions(
    five_incidents: list[Incident],
) -> None:
    result = stats(five_incidents)
    assert [name for name, _ in result.durations] == DURATIONS
    assert [d.name for d in result.groups[0].distributions] == DURATIONS
    assert "first sign someone noticed" in result.durations[0][1]


@pytest.mark.parametrize(
    ("seconds", "label"),
    [
        (0, "< 5 min"),
        (299, "< 5 min"),
        (300, "5–15 min"),
        (900, "15–60 min"),
        (3599, "15–60 min"),
        (3600, "1–4 h"),
        (4 * 3600, "4–24 h"),
        (86399, "4–24 h"),
        (86400, "≥ 1 d"),
        (40 * 86400, "≥ 1 d"),
    ],
)
def test_bins_include_their_lower_bound(seconds: float, label: str) -> None:
    d = distribution("Time to detect", "", [seconds])
    assert d.counts[[b.label for b in BINS].index(label)] == 1
    assert sum(d.counts) == 1


def test_median_of_an_even_count_is_the_midpoint() -> None:
    d = distribution("Time to resolve", "", [60.0, 120.0, 600.0, 7200.0])
    assert (d.n, d.median, d.p90) == (4, 360.0, 5220.0)


def test_incidents_without_a_duration_count_in_the_group_not_in_its_n(
    five_incidents: list[Incident],
) -> None:
    untimed = Incident(id="f", title="No timeline", events=[])
    only_detected = timed("g", day(3, 5), detect=15)
    result = stats([*five_incidents, untimed, only_detected])
    (group,) = result.groups
    assert group.incidents == 7
    by_name = {d.name: d for d in group.distributions}
    assert by_name["Time to detect"].n == 6
    assert by_name["Time to engage"].n == 5
    assert by_name["Time to mitigate"].n == 5
    assert by_name["Time to resolve"].n == 5


def test_fewer_than_five_are_too_few_to_compare(five_incidents: list[Incident]) -> None:
    assert MIN_N == 5
    result = stats(five_incidents[:4])
    detect = result.groups[0].distributions[0]
    assert detect.n == 4
    assert detect.too_few
    assert detect.note == "too few to compare (n < 5)"
    assert not stats(five_incidents).groups[0].distributions[0].too_few


def test_an_empty_distribution() -> None:
    result = stats([Incident(id="x", title="t")])
    d = result.groups[0].distributions[0]
    assert (d.n, d.median, d.p90, d.min, d.max) == (0, None, None, None, None)
    assert d.counts == (0,) * len(BINS)
    assert d.note == "no incident has it"


def test_no_incidents_at_all() -> None:
    assert stats([]).groups == ()
    assert stats([], by="month").groups == ()


def test_approximate_times_are_counted_and_said() -> None:
    start = day(1)
    incident = Incident(
        id="a",
        title="t",
        events=[
            event(EventKind.IMPACT_START, start),
            event(EventKind.DETECTION, start + dt.timedelta(minutes=20), Precision.APPROXIMATE),
        ],
    )
    detect = stats([incident]).groups[0].distributions[0]
    assert (detect.n, detect.approximate) == (1, 1)
    assert detect.note == "too few to compare (n < 5); 1 approximate"


# --- grouping ------------------------------------------------------------------------------


def test_month_of_prefers_the_impact_start() -> None:
    both = Incident(
        title="t",
        document_date=dt.date(2024, 4, 2),
        events=[
            Event(at=day(2, 28), text="a change", kind=EventKind.CHANGE, source=SOURCE),
            event(EventKind.IMPACT_START, day(3, 1)),
        ],
    )
    assert month_of(both) == "2024-03"
    window = Incident(title="t", stated_windows=[Window(at=day(5), end_at=day(5, 11))])
    assert month_of(window) == "2024-05"


def test_month_of_falls_back_to_the_first_event_then_the_document_date() -> None:
    first = Incident(
        title="t",
        document_date=dt.date(2024, 4, 2),
        events=[
            Event(date=dt.date(2024, 2, 27), text="noticed", source=SOURCE),
            Event(at=day(3), text="restarted", source=SOURCE),
        ],
    )
    assert month_of(first) == "2024-02"
    assert month_of(Incident(title="t", document_date=dt.date(2023, 12, 30))) == "2023-12"
    assert month_of(Incident(title="t")) is None


def test_by_month_in_time_order_with_unknown_last(five_incidents: list[Incident]) -> None:
    dated = Incident(id="f", title="t", document_date=dt.date(2023, 12, 1))
    undated = Incident(id="g", title="t")
    result = stats([undated, *five_incidents, dated], by="month")
    assert [(g.key, g.incidents) for g in result.groups] == [
        ("2023-12", 1),
        ("2024-01", 2),
        ("2024-02", 2),
        ("2024-03", 1),
        (UNKNOWN, 1),
    ]
    january = result.groups[1]
    assert january.ids == ("a", "b")
    assert january.distributions[0].median == pytest.approx(4.5 * 60)  # 2 and 7 min
    assert january.distributions[0].too_few


def test_by_service_most_incidents_first() -> None:
    incidents = [
        timed("a", day(1), detect=5, title="payments-api outage"),
        timed("b", day(2), detect=10, title="payments-api errors"),
        timed("c", day(3), detect=15, title="search-api slow"),
        timed("d", day(4), detect=20, title="Postmortem"),
    ]
    result = stats(incidents, by="service")
    assert [(g.key, g.ids) for g in result.groups] == [
        ("payments-api", ("a", "b")),
        ("search-api", ("c",)),
        (UNKNOWN, ("d",)),
    ]
    assert result.groups[0].distributions[0].median == 7.5 * 60


def test_by_cause() -> None:
    incidents = [
        timed("a", day(1), resolve=30, root_cause="The TLS certificate expired."),
        timed("b", day(2), resolve=90, root_cause="A disk filled up: no space left."),
        timed("c", day(3), resolve=50, root_cause="The certificate was not renewed."),
    ]
    result = stats(incidents, by="cause")
    assert [(g.key, g.ids) for g in result.groups] == [
        ("certificate/expiry", ("a", "c")),
        ("capacity/resource exhaustion", ("b",)),
    ]
    assert result.groups[0].distributions[3].median == 40 * 60


def test_an_unknown_grouping_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="--by 'team' is not one of: service, cause, month"):
        stats([], by="team")


# --- output --------------------------------------------------------------------------------


def test_to_json_has_counts_medians_and_no_mean(five_incidents: list[Incident]) -> None:
    text = stats(five_incidents, by="month").to_json()
    assert "mean" not in text.lower()
    data = json.loads(text)
    assert data["by"] == "month"
    assert data["incidents"] == 5
    assert data["min_n"] == 5
    assert "linear" in data["percentile"]
    assert [b["label"] for b in data["bins"]] == [b.label for b in BINS]
    assert data["bins"][-1]["to_seconds"] is None
    assert [d["key"] for d in data["durations"]] == [
        "time_to_detect",
        "time_to_engage",
        "time_to_mitigate",
        "time_to_resolve",
    ]
    january = data["groups"][0]
    assert (january["key"], january["incidents"], january["ids"]) == ("2024-01", 2, ["a", "b"])
    detect = january["durations"]["time_to_detect"]
    assert detect == {
        "name": "Time to detect",
        "n": 2,
        "too_few": True,
        "median_seconds": 270.0,
        "p90_seconds": 390.0,  # 120 + 0.9 x (420 - 120)
        "min_seconds": 120.0,
        "max_seconds": 420.0,
        "median": "4 min",
        "p90": "6 min",
        "min": "2 min",
        "max": "7 min",
        "histogram": [1, 1, 0, 0, 0, 0],
        "approximate": 0,
    }


def test_stats_rows(five_incidents: list[Incident]) -> None:
    rows = stats_rows(stats([*five_incidents[:3], Incident(id="z", title="t")], by="month"))
    assert rows[0] == ["Group", "Incidents", "Duration", "n", "Median", "p90", "Min", "Max", "Note"]
    assert len(rows) == 1 + 3 * 4  # 2024-01, 2024-02, unknown; four durations each
    assert rows[1] == [
        "2024-01", "2", "Time to detect", "2", "4 min", "6 min", "2 min", "7 min",
        "too few to compare (n < 5)",
    ]  # fmt: skip
    assert rows[-1] == [
        "unknown",
        "1",
        "Time to resolve",
        "0",
        "–",
        "–",
        "–",
        "–",
        "no incident has it",
    ]


# --- the HTML page -------------------------------------------------------------------------

EVIL = '<script>alert(1)</script> "><img src=x onerror=alert(1)> \x1b[2J\u202e'


@pytest.fixture
def page(five_incidents: list[Incident]) -> str:
    result = stats([*five_incidents, Incident(id="z", title="t")], by="month")
    return stats_html(result, title="Library " + EVIL, now=NOW)


def test_one_svg_per_group_and_duration(page: str) -> None:
    # Four groups (2024-01, 2024-02, 2024-03, unknown) in each of four rows.
    assert len(re.findall(r"<svg viewBox=", page)) == 4 * 4
    assert len(re.findall(r'<figure class="panel', page)) == 4 * 4
    for name in DURATIONS:
        assert f"<h2>{name}</h2>" in page


def test_each_histogram_writes_its_n_and_marks_median_and_p90(page: str) -> None:
    assert page.count(">n = 2 of 2<") == 4 * 2  # January and February, every duration
    assert page.count(">n = 1 of 1<") == 4  # March
    assert page.count(">n = 0 of 1<") == 4  # the incident without a timeline
    assert page.count('<line class="median"') == 3 * 4
    assert page.count('<line class="p90"') == 3 * 4
    assert page.count("no incident has it") == 4 * 2  # in the chart and in the table
    assert page.count('<span class="flag few">too few to compare</span>') == 3 * 4 + 1


def test_a_row_shares_its_scale(five_incidents: list[Incident]) -> None:
    result = stats(five_incidents, by="month")
    rows = layout(result)
    detect = rows[0]
    assert detect.top == 1  # no bin of any month holds two detections
    heights = {b.height for p in detect.panels for b in p.bars if b.count}
    assert heights == {124 - 42}  # every one-incident bar is the full height of the plot
    assert [p.group for p in detect.panels] == ["2024-01", "2024-02", "2024-03"]


def test_median_and_p90_stand_where_their_values_are(five_incidents: list[Incident]) -> None:
    (detect, *_) = layout(stats(five_incidents))
    (panel,) = detect.panels
    # The median (20 min) is in the third bin, p90 (216 min) in the fourth, near its end.
    width = (294 - 6) / len(BINS)
    assert panel.median_x is not None and panel.p90_x is not None
    assert 6 + 2 * width < panel.median_x < 6 + 3 * width
    assert 6 + 3 * width < panel.p90_x < 6 + 4 * width
    assert [m.text for m in panel.labels] == ["median", "p90"]


def test_the_page_is_self_contained(page: str) -> None:
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", page, re.I)
    assert "<script" not in page.lower().replace("&lt;script", "")
    assert "<link" not in page
    assert "@import" not in page
    style = re.search(r"<style>(.*?)</style>", page, re.S)
    assert style is not None
    digest = base64.b64encode(hashlib.sha256(style.group(1).encode()).digest()).decode()
    policy = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]*)">', page)
    assert policy is not None
    assert html.unescape(policy.group(1)) == (
        f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; "
        "base-uri 'none'; form-action 'none'"
    )


def test_the_title_is_escaped(page: str) -> None:
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("&lt;script&gt;") == 2  # the <title> and the <h1>
    assert "\x1b" not in page and "\u202e" not in page
    assert "\\x1b[2J\\u202e" in page  # terminal escapes shown, inert


def test_the_page_is_repeatable_and_says_when(five_incidents: list[Incident]) -> None:
    result = stats(five_incidents)
    first = stats_html(result, title="t", now=NOW)
    assert first == stats_html(result, title="t", now=NOW)
    assert "2024-05-06T07:08:09Z" in first
    assert "no mean" in first.lower()


def test_the_page_of_no_incidents() -> None:
    page = stats_html(stats([]), title="Empty", now=NOW)
    assert "<svg viewBox=" not in page
    assert "<h1>Empty</h1>" in page
