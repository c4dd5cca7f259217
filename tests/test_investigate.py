"""The main job end to end: a folder of evidence to a stored incident and its report."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from lxml import html as lxml_html
from typer.testing import CliRunner

from retroline.cli import app
from retroline.errors import RetrolineWarning, UsageError
from retroline.investigation import gather, investigate
from retroline.model import EventKind
from retroline.store import Library, SaveStatus
from tests.conftest import EXAMPLE, SEEDS, evidence_folder

FIXED = dt.datetime(2026, 11, 22, 12, 0, tzinfo=dt.UTC)
ZONES = {"payments-db.syslog": "Europe/Berlin"}


def test_the_example_bundle(library: Library, tmp_path: Path) -> None:
    result = investigate([EXAMPLE], library, zones=ZONES, out_dir=tmp_path / "report", now=FIXED)
    incident = result.incident
    assert [p.name for p in result.documents] == ["postmortem.md"]
    assert sorted(p.name for p in result.logs) == ["pay-eu-1.log", "payments-db.syslog"]
    assert result.skipped == []
    assert result.onset == dt.datetime(2026, 3, 11, 18, 2, tzinfo=dt.UTC)
    # the error that starts at the onset is found in the log and linked to its line
    log_events = [e for e in incident.events if e.kind is EventKind.LOG]
    appeared = next(e for e in log_events if "appeared" in e.text)
    assert "pool timeout" in appeared.text
    assert appeared.source.path.endswith("pay-eu-1.log") and appeared.source.line
    assert appeared.at is not None and appeared.at >= result.onset
    # the evidence behind each log event is stored, with its counts over time
    evidence = {(c.source.path, c.source.line): c for c in incident.log_changes if c.source}
    change = evidence[(appeared.source.path, appeared.source.line)]
    assert change.change == "appeared" and change.before == 0
    assert sum(change.series) == change.after and len(change.series) == 24
    assert "▅" in result.reports["md"].read_text(encoding="utf-8") if result.reports else True
    # one timeline, in UTC order
    timed = [e.at for e in incident.events if e.at is not None]
    assert timed == sorted(timed)
    assert {d.format for d in incident.documents} == {"markdown", "log"}
    # the report files
    assert set(result.reports) == {"md", "html", "json"}
    page = result.reports["html"].read_text(encoding="utf-8")
    assert "Checkout API errors after the payments-db connection pool change" in page
    assert len(lxml_html.fromstring(page).findall(".//script")) == 1
    assert json.loads(result.reports["json"].read_text())["id"] == incident.id
    assert "| Time to detect | 7 min |" in result.reports["md"].read_text(encoding="utf-8")


def test_investigating_again_changes_nothing(library: Library, tmp_path: Path) -> None:
    first = investigate([EXAMPLE], library, zones=ZONES, now=FIXED)
    again = investigate([EXAMPLE], library, zones=ZONES, now=FIXED)
    assert first.saved.status is SaveStatus.CREATED
    assert (again.saved.id, again.saved.status) == (first.saved.id, SaveStatus.UNCHANGED)
    assert len(library.summaries()) == 1


def queue_outage(folder: Path) -> Path:
    """A note with an onset at 10:00 UTC and a syslog (no year written) whose errors
    start then."""
    folder.mkdir()
    (folder / "pm.md").write_text(
        "# Queue outage\n\nDate: 2026-03-03\n\n## Timeline\n\n"
        "- 10:00 UTC workers stop consuming\n- 10:30 UTC queue drained\n",
        encoding="utf-8",
    )
    rows = []
    start = dt.datetime(2026, 3, 3, 9, 0)
    for i in range(360):
        t = start + dt.timedelta(seconds=20 * i)
        stamp = f"{t:%b} {t.day:>2} {t:%H:%M:%S}"
        rows.append(f"{stamp} q1 worker[1]: heartbeat ok")
        if t.hour >= 10:
            rows.append(f"{stamp} q1 worker[1]: consumer crashed: broken pipe to broker-{i % 3}")
    (folder / "q1.log").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


def test_investigating_again_with_other_options_replaces_the_incident(
    library: Library, tmp_path: Path
) -> None:
    # A wrong --year puts the syslog's lines in another year: the change at the onset is
    # missed. The same evidence investigated again without it must not be "unchanged".
    evidence = queue_outage(tmp_path / "evidence")
    wrong = investigate([evidence], library, year=2019, now=FIXED)
    assert not [e for e in wrong.incident.events if e.kind is EventKind.LOG]
    right = investigate([evidence], library, now=FIXED)
    assert (right.saved.id, right.saved.status) == (wrong.saved.id, SaveStatus.UPDATED)
    fresh = investigate([evidence], Library(f"sqlite:///{tmp_path / 'fresh.db'}"), now=FIXED)
    stored = library.get(right.saved.id)
    assert [e.text for e in stored.events] == [e.text for e in fresh.incident.events]
    assert any("broken pipe" in e.text for e in stored.events if e.kind is EventKind.LOG)
    assert len(library.summaries()) == 1
    # and the same options once more change nothing
    again = investigate([evidence], library, now=FIXED)
    assert again.saved.status is SaveStatus.UNCHANGED


def test_a_new_version_of_the_program_replaces_the_incident(
    library: Library, monkeypatch: pytest.MonkeyPatch
) -> None:
    import retroline

    first = investigate([EXAMPLE], library, zones=ZONES, now=FIXED)
    monkeypatch.setattr(retroline, "__version__", "99.0.0")
    later = investigate([EXAMPLE], library, zones=ZONES, now=FIXED)
    assert (later.saved.id, later.saved.status) == (first.saved.id, SaveStatus.UPDATED)


def test_an_imported_postmortem_gets_its_logs(library: Library, tmp_path: Path) -> None:
    from retroline.ingest import import_documents

    (imported,) = import_documents(library, [EXAMPLE / "postmortem.md"])
    result = investigate([EXAMPLE], library, zones=ZONES, now=FIXED)
    assert result.saved.id == imported.id
    assert any(e.kind is EventKind.LOG for e in library.get(imported.id).events)


def test_gather_skips_hidden_and_output(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "config").write_text("x")
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "postmortem.md").write_text("# old report")
    (tmp_path / "notes.md").write_text("# notes")
    assert gather([tmp_path], exclude=[tmp_path / "report"]) == ([tmp_path / "notes.md"], [])


def test_bad_files_are_skipped_with_their_reason(library: Library, tmp_path: Path) -> None:
    (tmp_path / "postmortem.md").write_text(
        "# Disk full\n\n- 2024-05-01 10:00 UTC - disk full on db-3\n", encoding="utf-8"
    )
    (tmp_path / "empty.txt").write_text("")
    result = investigate([tmp_path], library, now=FIXED)
    assert [(p.name, reason.endswith("the file is empty")) for p, reason in result.skipped] == [
        ("empty.txt", True)
    ]
    assert result.incident.title == "Disk full"


def _queue_postmortem(folder: Path) -> None:
    """A postmortem whose onset is 2024-05-01 10:00 UTC, for the logs beside it."""
    (folder / "postmortem.md").write_text(
        "# Queue stalled\n\n- 2024-05-01 10:00 UTC - the queue stalled on mq-1\n",
        encoding="utf-8",
    )


def test_logs_that_hold_no_log_are_skipped_and_the_others_read(
    library: Library, tmp_path: Path
) -> None:
    _queue_postmortem(tmp_path)
    (tmp_path / "mq-1.log").write_text(
        "".join(f"2024-05-01 09:{m:02d}:00 INFO queue depth {m}\n" for m in range(60))
        + "".join(f"2024-05-01 10:{m:02d}:00 ERROR consumer {m} timed out\n" for m in range(20)),
        encoding="utf-8",
    )
    (tmp_path / "mq-2.log").write_text("")
    (tmp_path / "mq-3.log").write_bytes(bytes(range(256)) * 64)
    result = investigate([tmp_path], library, now=FIXED)
    assert [p.name for p in result.logs] == ["mq-1.log"]
    reasons = {p.name: reason for p, reason in result.skipped}
    assert reasons["mq-2.log"].endswith("the log is empty (no line with text)")
    assert reasons["mq-3.log"].startswith(f"{tmp_path / 'mq-3.log'}:1: binary data, not a log")
    changed = [e.text for e in result.incident.events if e.kind is EventKind.LOG]
    assert any("timed out" in text for text in changed)


def test_a_log_stamp_that_names_no_instant_is_a_finding_at_its_line(
    library: Library, tmp_path: Path
) -> None:
    _queue_postmortem(tmp_path)
    lines = [f"2024-05-01 09:{m:02d}:00 INFO queue depth {m}" for m in range(60)]
    lines.insert(30, "2024-04-31 09:30:30 INFO depth checked")
    log = tmp_path / "mq-1.log"
    log.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.warns(RetrolineWarning, match=r"mq-1\.log:31: a stamp that names no instant"):
        result = investigate([tmp_path], library, now=FIXED)
    [found] = [f for f in result.incident.findings if f.code == "impossible-date"]
    assert found.source is not None and (found.source.path, found.source.line) == (str(log), 31)
    assert found.message.endswith("such lines are kept without a time")


def test_nothing_to_investigate(library: Library, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="no evidence files"):
        investigate([tmp_path], library)


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not here")
def test_cli_investigate_and_report(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "lib.db")
    out = tmp_path / "report"
    result = runner.invoke(
        app,
        [
            "--db",
            db,
            "investigate",
            str(EXAMPLE),
            "--zone",
            "payments-db.syslog=Europe/Berlin",
            "-o",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["reports"]["html"] == str(out / "postmortem.html")
    assert (out / "postmortem.html").exists()
    for fmt in ("md", "html", "json"):
        target = tmp_path / f"r.{fmt}"
        done = runner.invoke(
            app, ["--db", db, "report", summary["id"][:6], "--format", fmt, "-o", str(target)]
        )
        assert done.exit_code == 0, done.output
        assert target.read_text(encoding="utf-8").strip()
    bad = runner.invoke(app, ["--db", db, "report", summary["id"], "--format", "pdf"])
    assert bad.exit_code == UsageError.exit_code and "md, html, json" in bad.stderr
    zone = runner.invoke(app, ["--db", db, "investigate", str(EXAMPLE), "--zone", "Europe/Berlin"])
    assert zone.exit_code == UsageError.exit_code and "PATTERN=ZONE" in zone.stderr


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not here")
def test_every_seed_renders_in_utc_order(tmp_path: Path) -> None:
    from retroline.ingest import import_documents
    from retroline.report.write import render

    library = Library(str(tmp_path / "lib.db"))
    import_documents(library, sorted(SEEDS.iterdir()))
    summaries = library.summaries()
    assert len(summaries) == 4
    for summary in summaries:
        incident = library.get(summary.id)
        markdown = render(incident, "md", now=FIXED)
        page = render(incident, "html", now=FIXED)
        assert incident.title.split("?")[0] in markdown
        instants = [e.at for e in incident.events if e.at]
        rows = [r for r in markdown.splitlines() if r.startswith("| e")]
        assert len(rows) == len(incident.events)
        shown = [r.split(" | ")[1].lstrip("~") for r in rows if ":" in r.split(" | ")[1]]
        assert shown == sorted(shown)
        assert len(instants) == len(shown)
        assert "<html" in page
    library.close()


def test_one_error_on_many_hosts_at_the_onset_is_a_finding(
    library: Library, tmp_path: Path
) -> None:
    """Thirty hosts log the same error within half a minute, once, at the onset: the
    investigation reads the logs again for it and says so, measured against the four hours
    the logs run (not the half minute of the error's own lines)."""
    import random

    rng = random.Random(3)
    day = dt.datetime(2031, 5, 6, 18, 0, tzinfo=dt.UTC)
    evidence = evidence_folder(
        tmp_path,
        "# Storage filer stopped answering\n\nDate: 2031-05-06\n\n## Timeline\n\n"
        "- 20:10 UTC clients lose the filer\n- 20:40 UTC filer restarted\n",
    )
    order = list(range(30))
    rng.shuffle(order)
    for i in range(30):
        host = f"node{i:02d}"
        lines = [
            (day + dt.timedelta(seconds=rng.randrange(4 * 3600)),
             f"sshd[{rng.randrange(9999)}]: Accepted publickey for user{rng.randrange(5)}")
            for _ in range(60)
        ]  # fmt: skip
        lines.append(
            (
                day.replace(hour=20, minute=10, second=order[i]),
                "kernel: nfs: filer01 not responding",
            )
        )
        text = "".join(f"{t:%b %e %H:%M:%S} {host} {rest}\n" for t, rest in sorted(lines))
        (evidence / f"{host}.log").write_text(text, encoding="utf-8")
    result = investigate([evidence], library, now=FIXED)
    messages = [f.message for f in result.incident.findings]
    assert any(
        m.startswith(
            "30 hosts logged 'nfs: filer01 not responding' within 29 s at 2031-05-06 20:10"
        )
        for m in messages
    ), messages


def test_logs_that_start_after_the_onset_are_said_to_show_no_change(
    library: Library, tmp_path: Path
) -> None:
    """The logs begin a minute after the onset the document gives: nothing before it to
    compare with, so no change can be found, and a finding says why rather than leaving
    the log evidence empty without a word."""
    evidence = evidence_folder(
        tmp_path,
        "# Queue stalled\n\nDate: 2031-05-06\n\n## Timeline\n\n"
        "- 20:10 UTC consumers stop\n- 20:40 UTC queue restarted\n",
    )
    (evidence / "queue.log").write_text(
        "".join(
            f"2031-05-06T20:{11 + i // 60:02d}:{i % 60:02d}Z worker {i % 3} idle\n"
            for i in range(120)
        ),
        encoding="utf-8",
    )
    result = investigate([evidence], library, now=FIXED)
    said = [f.message for f in result.incident.findings if f.code == "logs-miss-onset"]
    assert said == [
        "1 log file(s): the logs start at 2031-05-06T20:11:00Z, after the onset: no line"
        " before it to compare with"
    ]
    # Logs that reach both sides say nothing of the kind.
    (evidence / "queue.log").write_text(
        "".join(
            f"2031-05-06T20:{i // 60:02d}:{i % 60:02d}Z worker {i % 3} idle\n" for i in range(1800)
        ),
        encoding="utf-8",
    )
    again = investigate([evidence], library, now=FIXED)
    assert not [f for f in again.incident.findings if f.code == "logs-miss-onset"]
