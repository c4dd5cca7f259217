"""`retroline investigate` on evidence that holds metric files, as a user runs it: the
example bundle relay-memory-leak (a memory leak from 10:02 UTC, a restart at 14:21 after a
gap in the series), and small folders written here for what is skipped and what is warned."""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from lxml import etree
from lxml import html as lxml_html
from typer.testing import CliRunner

from retroline.cli import app
from tests.conftest import ROOT, evidence_folder
from tests.prometheus import STEP_AT, PrometheusServer

runner = CliRunner()

BUNDLE = ROOT / "examples" / "relay-memory-leak"
CSV = BUNDLE / "grafana-relayd-memory.csv"
LEAK = dt.datetime(2026, 5, 18, 10, 2, tzinfo=dt.UTC)
RESTART = dt.datetime(2026, 5, 18, 14, 21, tzinfo=dt.UTC)
NEAR = dt.timedelta(minutes=3)
SVG = "{http://www.w3.org/2000/svg}"


def investigate(*args: str, db: Path) -> dict[str, Any]:
    """``retroline --db DB investigate ARGS --json``: its summary, after checking it ran.
    ARGS hold ``-o``: the default report folder is the working directory's."""
    assert "-o" in args
    result = runner.invoke(app, ["--db", str(db), "investigate", *args, "--json"])
    assert result.exit_code == 0, result.output
    summary: dict[str, Any] = json.loads(result.stdout)
    return summary


def incident_of(summary: dict[str, Any]) -> dict[str, Any]:
    """The incident as the report's JSON holds it."""
    data: dict[str, Any] = json.loads(Path(summary["reports"]["json"]).read_text("utf-8"))
    return data


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text.replace("Z", "+00:00"))


def row_instant(path: Path, line: int) -> dt.datetime:
    """The instant of line ``line`` of a Grafana CSV export (epoch milliseconds first)."""
    cell = path.read_text(encoding="utf-8").splitlines()[line - 1].split(",")[0]
    return dt.datetime.fromtimestamp(int(cell) / 1000, tz=dt.UTC)


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The example bundle investigated once into a library and a report of its own."""
    base = tmp_path_factory.mktemp("relay")
    summary = investigate(str(BUNDLE), "-o", str(base / "report"), db=base / "lib.db")
    return {"summary": summary, "incident": incident_of(summary), "db": base / "lib.db"}


def metric_events(incident: dict[str, Any]) -> list[dict[str, Any]]:
    return [e for e in incident["events"] if e["kind"] == "metric"]


def test_the_bundle_reads_its_metric_file(bundle: dict[str, Any]) -> None:
    summary = bundle["summary"]
    assert summary["status"] == "created"
    assert summary["metrics"] == [str(CSV)]
    assert summary["skipped"] == []
    assert utc(summary["onset"]) == LEAK
    formats = {Path(d["path"]).name: d["format"] for d in bundle["incident"]["documents"]}
    assert formats[CSV.name] == "grafana-csv"


def test_the_leak_and_the_restart_are_metric_events_at_their_rows(bundle: dict[str, Any]) -> None:
    events = metric_events(bundle["incident"])
    leak = [e for e in events if abs(utc(e["at"]) - LEAK) <= NEAR]
    restart = [e for e in events if abs(utc(e["at"]) - RESTART) <= NEAR]
    assert len(leak) == 1 and "starts rising" in leak[0]["text"], events
    assert len(restart) == 1 and "drops" in restart[0]["text"], events
    for event in events:
        assert event["source"]["path"] == str(CSV)
        assert event["zone_source"] == "explicit"  # epoch milliseconds state their zone
        assert row_instant(CSV, event["source"]["line"]) == utc(event["at"])
    # The evidence behind each: the kind of change, its regimes and the series for a chart.
    evidence = {c["source"]["line"]: c for c in bundle["incident"]["metric_changes"]}
    trend = evidence[leak[0]["source"]["line"]]
    assert trend["kind"] == "trend" and trend["series"] == "relayd RSS"
    assert trend["after"]["slope_per_s"] > 0
    assert trend["unit"] == "bytes"
    level = evidence[restart[0]["source"]["line"]]
    assert level["kind"] == "level"
    assert level["after"]["mean"] < level["before"]["mean"] / 2
    assert 0 < len(level["times"]) == len(level["values"])
    assert None in level["values"]  # the gap 14:12-14:20 is drawn as one


def test_the_html_report_draws_the_series_with_its_changes(bundle: dict[str, Any]) -> None:
    page = Path(bundle["summary"]["reports"]["html"]).read_text(encoding="utf-8")
    tree = lxml_html.fromstring(page)
    (section,) = tree.xpath('//section[@id="metrics"]')
    charts = [svg for svg in section.iter() if svg.tag in ("svg", f"{SVG}svg")]
    assert len(charts) == 1
    (svg,) = charts
    assert svg.get("aria-label", "").startswith("relayd RSS from")
    marks = [el for el in svg.iter() if el.tag in ("line", f"{SVG}line")]
    kinds = {cls for el in marks for cls in (el.get("class") or "").split()}
    assert {"change", "trend", "level"} <= kinds
    assert [el for el in svg.iter() if el.tag in ("path", f"{SVG}path")]
    # The impact window: from the impact start (10:02) to the mitigation (14:20; no entry
    # says it was resolved), shaded between the leak's mark and the restart's.
    (band,) = [el for el in svg.iter() if "window" in (el.get("class") or "").split()]
    left, width = float(band.get("x")), float(band.get("width"))
    trend_x = next(float(el.get("x1")) for el in marks if "trend" in el.get("class", ""))
    level_x = next(float(el.get("x1")) for el in marks if "level" in el.get("class", ""))
    assert left == pytest.approx(trend_x, abs=0.5) and trend_x < left + width < level_x
    # Nothing is fetched from elsewhere: no URL with a scheme or host in any attribute or style.
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name in ("src", "href", "xlink:href", "action", "data", "poster"):
            value = (element.get(name) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//", "data:", "ftp:")), value
    for style in tree.xpath("//style/text() | //@style"):
        assert "url(" not in style and "@import" not in style
    assert not tree.xpath("//script[@src] | //link[@href] | //iframe | //img | //object")
    assert b"http://" not in etree.tostring(section).replace(b"http://www.w3.org/2000/svg", b"")


def test_the_markdown_report_has_a_metric_evidence_table(bundle: dict[str, Any]) -> None:
    text = Path(bundle["summary"]["reports"]["md"]).read_text(encoding="utf-8")
    part = text.split("## Metric evidence", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in part.splitlines() if line.startswith("|")]
    assert rows[0] == "| UTC | Change | Source |"
    assert rows[1] == "| --- | --- | --- |"
    body = rows[2:]
    lines = {e["source"]["line"] for e in metric_events(bundle["incident"])}
    assert len(body) == len(lines)
    for line in lines:
        at = row_instant(CSV, line)
        (row,) = [r for r in body if f"{CSV.name}:{line} |" in r]
        assert row.startswith(f"| {at:%Y-%m-%d %H:%M:%S} |")


def test_investigating_again_is_unchanged_with_the_same_events(
    bundle: dict[str, Any], tmp_path: Path
) -> None:
    again = investigate(str(BUNDLE), "-o", str(tmp_path / "report"), db=bundle["db"])
    assert again["status"] == "unchanged"
    assert again["id"] == bundle["summary"]["id"]
    incident = incident_of(again)
    assert incident["events"] == bundle["incident"]["events"]
    assert incident["metric_changes"] == bundle["incident"]["metric_changes"]


def sockets_csv(path: Path, *, zone: str = "") -> Path:
    """Sockets in use every minute from 00:00 on 2 March 2026, stepping up at 01:00; times
    written with ``zone`` after them (none by default)."""
    rng = np.random.default_rng(3)
    rows = ["time,sockets"]
    start = dt.datetime(2026, 3, 2)
    for i in range(180):
        stamp = f"{start + dt.timedelta(minutes=i):%Y-%m-%d %H:%M:%S}{zone}"
        rows.append(f"{stamp},{300 + rng.normal(0, 5) + (200 if i >= 60 else 0):.1f}")
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def test_without_an_onset_the_metrics_are_skipped_with_a_reason(tmp_path: Path) -> None:
    evidence = evidence_folder(
        tmp_path,
        "# Relay leaked memory\n\n## Summary\n\nThe relay leaked memory until restarted.\n",
    )
    metrics = sockets_csv(evidence / "sockets.csv", zone="Z")
    summary = investigate(str(evidence), "-o", str(tmp_path / "report"), db=tmp_path / "lib.db")
    assert summary["metrics"] == []
    assert summary["onset"] is None
    (skipped,) = summary["skipped"]
    assert skipped["path"] == str(metrics)
    assert skipped["reason"].startswith("no onset to read it at")
    assert "retroline metrics changes" in skipped["reason"]
    assert metric_events(incident_of(summary)) == []


@pytest.fixture
def lb_outage(tmp_path: Path) -> Path:
    """A postmortem whose times say UTC, and sockets.csv whose times say no zone."""
    evidence = evidence_folder(
        tmp_path,
        "# Sockets ran out on lb-2\n\nDate: 2026-03-02\n\n## Timeline\n\n"
        "- 2026-03-02 01:00 UTC - connections refused on lb-2\n"
        "- 2026-03-02 02:00 UTC - lb-2 restarted\n",
    )
    sockets_csv(evidence / "sockets.csv")
    return evidence


def test_metric_times_without_zone_are_a_zone_not_stated_finding(
    lb_outage: Path, tmp_path: Path
) -> None:
    metrics = lb_outage / "sockets.csv"
    summary = investigate(str(lb_outage), "-o", str(tmp_path / "report"), db=tmp_path / "lib.db")
    assert summary["metrics"] == [str(metrics)]
    incident = incident_of(summary)
    (event,) = metric_events(incident)
    assert (event["at"], event["zone"], event["zone_source"]) == (
        "2026-03-02T01:00:00Z",
        "UTC",
        "assumed",
    )
    assert event["source"] == {"path": str(metrics), "line": 62}
    (finding,) = [f for f in incident["findings"] if f["code"] == "zone-not-stated"]
    assert finding["source"] == event["source"]
    assert "UTC was assumed" in finding["message"] and "--tz" in finding["message"]


def test_the_zone_of_a_metric_file_given_leaves_no_such_finding(
    lb_outage: Path, tmp_path: Path
) -> None:
    summary = investigate(
        str(lb_outage),
        "--zone",
        "sockets.csv=Europe/Zurich",
        "-o",
        str(tmp_path / "report"),
        db=tmp_path / "lib.db",
    )
    incident = incident_of(summary)
    (event,) = metric_events(incident)
    # 01:00 in Zurich (UTC+1 in March) is midnight UTC, an hour before the onset.
    assert (event["at"], event["zone"], event["zone_source"]) == (
        "2026-03-02T00:00:00Z",
        "Europe/Zurich",
        "option",
    )
    assert "zone-not-stated" not in [f["code"] for f in incident["findings"]]


def test_a_pulled_series_keeps_its_query_and_server(
    prometheus_server: PrometheusServer, tmp_path: Path
) -> None:
    """A file written by 'metrics pull' is evidence like an export: its step becomes an
    event at the instant it happened, with the query and the server it came from."""
    evidence = evidence_folder(
        tmp_path,
        "# Level jumped on a\n\nDate: 2024-01-01\n\n## Timeline\n\n"
        "- 2024-01-01 01:00 UTC - level alert fires\n- 2024-01-01 02:00 UTC - level fixed\n",
    )
    pulled = evidence / "level.json"
    result = runner.invoke(
        app,
        [
            "metrics",
            "pull",
            prometheus_server.url,
            "--query",
            "retroline_level",
            "--from",
            "2024-01-01T00:00Z",
            "--to",
            "2024-01-01T03:59:45Z",
            "--step",
            "15",
            "-o",
            str(pulled),
        ],
    )
    assert result.exit_code == 0, result.output
    summary = investigate(str(evidence), "-o", str(tmp_path / "report"), db=tmp_path / "lib.db")
    assert summary["metrics"] == [str(pulled)]
    incident = incident_of(summary)
    (event,) = metric_events(incident)
    assert utc(event["at"]) == dt.datetime.fromtimestamp(STEP_AT, dt.UTC)
    assert event["text"].startswith('retroline_level{instance="a",job="fixture"}')
    assert "query: retroline_level" in event["details"]
    assert f"server: {prometheus_server.url}" in event["details"]
    (change,) = incident["metric_changes"]
    assert (change["query"], change["server"]) == ("retroline_level", prometheus_server.url)
    assert change["source"]["path"] == str(pulled)


def test_a_hostile_series_name_stays_text_in_every_report(lb_outage: Path, tmp_path: Path) -> None:
    metrics = lb_outage / "sockets.csv"
    lines = metrics.read_text(encoding="utf-8").splitlines()
    lines[0] = 'time,"<script>alert(1)</script> a|b"'
    metrics.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = investigate(str(lb_outage), "-o", str(tmp_path / "report"), db=tmp_path / "lib.db")
    page = Path(summary["reports"]["html"]).read_text(encoding="utf-8")
    assert "<script>alert(1)" not in page
    tree = lxml_html.fromstring(page)
    # The name inside the page's script is JSON with "<" escaped: no script is opened.
    assert page.count("<script") == len(tree.findall(".//script"))
    (section,) = tree.xpath('//section[@id="metrics"]')
    assert "<script>alert(1)</script> a|b jumps" in section.text_content()
    markdown = Path(summary["reports"]["md"]).read_text(encoding="utf-8")
    part = markdown.split("## Metric evidence", 1)[1].split("\n## ", 1)[0]
    (row,) = [r for r in part.splitlines() if "alert(1)" in r]
    assert "<script>" not in row
    assert len(re.findall(r"(?<!\\)\|", row)) == 4  # the pipe in the name splits no cell


def test_a_metric_file_with_a_broken_row_is_skipped_naming_the_line(
    lb_outage: Path, tmp_path: Path
) -> None:
    metrics = lb_outage / "sockets.csv"
    lines = metrics.read_text(encoding="utf-8").splitlines()
    lines[29] = lines[29].split(",")[0] + ",abc"
    metrics.write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = investigate(str(lb_outage), "-o", str(tmp_path / "report"), db=tmp_path / "lib.db")
    assert summary["metrics"] == []
    (skipped,) = summary["skipped"]
    assert skipped["path"] == str(metrics)
    assert f"{metrics}:30:" in skipped["reason"] and "'abc'" in skipped["reason"]
    assert metric_events(incident_of(summary)) == []


def test_a_changed_metric_file_replaces_its_events(tmp_path: Path) -> None:
    """The export cut before the restart: investigated again, the incident is updated and
    holds the leak only, not the drop the earlier file showed."""
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    for path in BUNDLE.iterdir():
        (evidence / path.name).write_bytes(path.read_bytes())
    db = tmp_path / "lib.db"
    first = investigate(str(evidence), "-o", str(tmp_path / "first"), db=db)
    metrics = evidence / CSV.name
    cut = RESTART - dt.timedelta(hours=1)
    rows = metrics.read_text(encoding="utf-8").splitlines()
    kept = [rows[0], *(r for r in rows[1:] if int(r.split(",")[0]) < cut.timestamp() * 1000)]
    metrics.write_text("\n".join(kept) + "\n", encoding="utf-8")
    again = investigate(str(evidence), "-o", str(tmp_path / "report"), db=db)
    assert (again["id"], again["status"]) == (first["id"], "updated")
    incident = incident_of(again)
    (event,) = metric_events(incident)
    assert abs(utc(event["at"]) - LEAK) <= NEAR
    assert [c["kind"] for c in incident["metric_changes"]] == ["trend"]
