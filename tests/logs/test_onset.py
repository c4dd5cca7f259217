"""Onset analysis: a heartbeat that stops and an error that starts, BGL alerts, the CLI."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from retroline.cli import app
from retroline.errors import UsageError
from retroline.logs.attach import attach, incident_onset
from retroline.logs.onset import ChangeKind, analyse, g_score, parse_duration, parse_instant
from retroline.logs.parse import parse_lines
from retroline.logs.templates import TemplateMiner
from retroline.model import Event, EventKind, Incident, Source
from retroline.store import Library
from tests.conftest import EXAMPLE
from tests.logs.test_timestamps_loghub import LOGHUB

BUNDLE = Path(__file__).parent / "data" / "onset"
FILES = [BUNDLE / "app.log", BUNDLE / "db-3.syslog"]
ONSET = datetime(2024, 3, 11, 10, 42, tzinfo=UTC)
runner = CliRunner()


def by_template(changes: list, start: str) -> object:
    return next((c for c in changes if c.template.startswith(start)), None)


def test_heartbeat_stops_and_error_starts_at_the_known_minute() -> None:
    onset = analyse(FILES, ONSET, year=2024)
    error = by_template(onset.changes, "connection to <*> refused")
    heartbeat = by_template(onset.changes, "heartbeat ok")
    assert error is not None and heartbeat is not None
    assert onset.changes[0] is error
    assert (error.kind, error.before, error.after) == (ChangeKind.APPEARED, 0, 72)
    assert (heartbeat.kind, heartbeat.before, heartbeat.after) == (ChangeKind.VANISHED, 120, 0)
    assert error.first_seen.replace(second=0, microsecond=0) == ONSET
    assert ONSET - timedelta(minutes=1) <= heartbeat.last_seen < ONSET
    # The examples point at real lines: the first error after, the last heartbeat before.
    lines = (BUNDLE / "app.log").read_text().splitlines()
    first_error = error.examples[0]
    assert first_error.path == str(BUNDLE / "app.log")
    assert "connection to db-3:5432 refused" in lines[first_error.line - 1]
    assert first_error.line == next(i for i, t in enumerate(lines, 1) if "refused after" in t)
    assert "seq=144" in lines[heartbeat.examples[-1].line - 1]
    # Steady templates (requests, the database's checkpoints) are not reported.
    assert by_template(onset.changes, "GET") is None
    assert by_template(onset.changes, "checkpoint") is None


def test_only_the_true_onset_minute_shows_both_changes() -> None:
    both = []
    for minute in range(30, 56):
        at = ONSET.replace(minute=minute)
        changes = analyse(FILES, at, year=2024).changes
        error = by_template(changes, "connection to <*> refused")
        heartbeat = by_template(changes, "heartbeat ok")
        if (
            error is not None
            and error.kind is ChangeKind.APPEARED
            and heartbeat is not None
            and heartbeat.kind is ChangeKind.VANISHED
        ):
            both.append(minute)
    assert both == [42]


def test_scores_are_symmetric_and_zero_without_change() -> None:
    assert g_score(60, 30, 1 / 3) == pytest.approx(0.0, abs=1e-9)
    assert g_score(0, 30, 1 / 3) > 10 and g_score(60, 0, 1 / 3) > 10
    assert g_score(0, 1, 1 / 3) < 1  # one line alone proves nothing
    assert g_score(10**6, 0, 0.5) > 1000  # no overflow on huge counts


@pytest.mark.parametrize(
    ("text", "expected"),
    [("90s", timedelta(seconds=90)), ("1h30m", timedelta(minutes=90)), ("2d", timedelta(2))],
)
def test_durations(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["soon", "0m", "5 parsecs"])
def test_bad_durations_are_usage_errors(text: str) -> None:
    with pytest.raises(UsageError):
        parse_duration(text)


def test_instants_take_the_zone_when_they_state_none() -> None:
    assert parse_instant("2024-03-11 11:42", "Europe/Zurich") == ONSET
    assert parse_instant("2024-03-11T10:42:00Z", "Europe/Zurich") == ONSET
    with pytest.raises(UsageError):
        parse_instant("yesterday")


BGL = LOGHUB / "BGL" / "BGL_2k.log"


@pytest.mark.skipif(not BGL.exists(), reason="../shared/loghub is not here")
def test_bgl_first_alert_burst_is_explained_by_alert_templates() -> None:
    lines = list(parse_lines(BGL))
    alerts = sorted(p.at for p in lines if p.label != "-" and p.at is not None)
    # The first burst: an alert followed by four more within the hour.
    burst = next(at for i, at in enumerate(alerts) if alerts[i + 4] - at <= timedelta(hours=1))
    miner = TemplateMiner()
    onset = analyse([BGL], burst, before=timedelta(days=30), after=timedelta(days=7), miner=miner)
    alert, total = Counter(), Counter()
    for p in lines:
        learnt = miner.match(p.message)
        tid = learnt.template.id if learnt is not None else None
        total[tid] += 1
        alert[tid] += p.label != "-"
    top = onset.changes[:5]
    alert_templates = [c for c in top if alert[c.template_id] * 2 > total[c.template_id]]
    assert top[0].template == "data TLB error interrupt" and top[0].kind is ChangeKind.APPEARED
    assert len(alert_templates) >= 2


def test_cli_onset_json() -> None:
    # The zone applies to the logs and to --at alike: read as Zurich time, the error
    # starts at 10:42 local, 09:42 UTC.
    args = ["--at", "2024-03-11 10:42", "--tz", "Europe/Zurich", "--year", "2024", "--json"]
    result = runner.invoke(app, ["logs", "onset", *map(str, FILES), *args])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["at"] == "2024-03-11T09:42:00Z"
    assert data["lines"] == 876
    first = data["changes"][0]
    assert first["kind"] == "appeared" and first["examples"][0]["line"] > 0
    assert {"before", "after", "first_seen", "last_seen", "hosts", "score"} <= set(first)


def test_attach_adds_log_events_once(library: Library) -> None:
    from retroline.ingest import import_documents

    (saved,) = import_documents(library, [EXAMPLE / "postmortem.md"])
    logs = [EXAMPLE / "logs" / "pay-eu-1.log", EXAMPLE / "logs" / "payments-db.syslog"]
    before = library.get(saved.id)
    at = datetime(2026, 3, 11, 18, 2, tzinfo=UTC)
    for _ in range(2):  # attaching again replaces, it does not pile up
        result = attach(library, saved.id, logs, at=at, year=2026, tz="Europe/Berlin")
    stored = library.get(saved.id)
    log_events = [e for e in stored.events if e.kind is EventKind.LOG]
    assert len(log_events) == len(result.events) >= 1
    # the document's own entries stay, in order, with the log events placed among them in time
    assert [e for e in stored.events if e.kind is not EventKind.LOG] == before.events
    assert [e.at for e in stored.events if e.at] == sorted(e.at for e in stored.events if e.at)
    first = next(e for e in log_events if "appeared" in e.text)  # the strongest change
    assert "pool timeout" in first.text and first.at >= at
    assert first.source.path == str(logs[0]) and first.source.line is not None
    line = logs[0].read_text().splitlines()[first.source.line - 1]
    assert "pool timeout" in line


def test_the_onset_is_the_impact_start_else_the_first_event() -> None:
    def event(hour: int, kind: EventKind) -> Event:
        at = datetime(2026, 3, 11, hour, tzinfo=UTC)
        return Event(at=at, text="x", kind=kind, source=Source(path="pm.md", line=1))

    first = event(16, EventKind.CHANGE)
    impact = event(18, EventKind.IMPACT_START)
    assert incident_onset(Incident(title="t", events=[first, impact])) == impact.at
    assert incident_onset(Incident(title="t", events=[first])) == first.at
    assert incident_onset(Incident(title="t")) is None


def test_cli_add(tmp_path: Path) -> None:
    db = str(tmp_path / "lib.db")
    code = runner.invoke(app, ["--db", db, "import", "-q", str(EXAMPLE / "postmortem.md")])
    incident_id = code.stdout.strip()
    logs = [str(EXAMPLE / "logs" / "pay-eu-1.log")]
    args = ["--at", "2026-03-11T18:02Z", "--before", "20m", "--after", "20m"]
    result = runner.invoke(app, ["--db", db, "logs", "add", incident_id, *logs, *args])
    assert result.exit_code == 0, result.output
    assert "log events added to " + incident_id in result.stderr
    shown = runner.invoke(app, ["--db", db, "show", incident_id, "--json"])
    kinds = [e["kind"] for e in json.loads(shown.stdout)["events"]]
    assert "log" in kinds


def test_logs_on_one_side_of_the_onset_say_no_change_can_be_told(tmp_path: Path) -> None:
    path = tmp_path / "app.log"
    path.write_text(
        "".join(f"2024-03-11T10:{50 + i // 60}:{i % 60:02d}Z ok {i % 4}\n" for i in range(300)),
        encoding="utf-8",
    )
    after = analyse([path], ONSET)
    assert after.coverage() == (
        "the logs start at 2024-03-11T10:50:00Z, after the onset: no line before it to compare with"
    )
    assert after.to_json()["coverage"] == after.coverage()
    before = analyse([path], ONSET + timedelta(hours=1))
    assert before.coverage() == (
        "the logs end at 2024-03-11T10:54:59Z, before the onset: no line after it to compare with"
    )
    assert analyse([path], ONSET + timedelta(minutes=10)).coverage() is None
    shown = runner.invoke(app, ["logs", "onset", str(path), "--at", "2024-03-11T10:42Z"])
    assert "after the onset: no line before it" in " ".join(shown.stdout.split())
