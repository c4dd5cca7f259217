"""The host-state example bundles investigated through the public API, as a user would:
datastore-upgrade (a maintenance-window update, httpd left running on the old code, package
drift against the test host, the publisher's memory rising) and watchdog-reboots (a
watchdog's host out of sockets through a night). Each bundle is copied to a temporary
folder first, so the checks see only what the folder holds."""

from __future__ import annotations

import datetime as dt
import re
import shutil
from collections import Counter
from pathlib import Path

import pytest

import retroline
from retroline.investigation import Investigation
from retroline.model import EventKind, Finding
from tests.conftest import ROOT

EXAMPLES = ROOT / "examples"
ONSET = dt.datetime(2016, 10, 11, 15, 0, tzinfo=dt.UTC)
# The window's yum transaction on store0 (rpm's install times and yum.log's, 14:05 UTC).
WINDOW = dt.datetime(2016, 10, 11, 14, 5, tzinfo=dt.UTC)
# The first wave of reboots in the watchdog's log: 21:14 CET.
FIRST_WAVE = dt.datetime(2017, 2, 16, 20, 14, tzinfo=dt.UTC)


def investigated(name: str, base: Path, good: str | None = None) -> Investigation:
    """The example bundle ``name``, copied under ``base``, investigated into a library and a
    report of its own; ``good`` names the host that works."""
    evidence = base / name
    shutil.copytree(EXAMPLES / name, evidence)
    return retroline.investigate(
        [evidence], library=str(base / "lib.db"), out_dir=base / "report", good=good
    )


def line_of(path: str, line: int | None) -> str:
    assert line is not None, f"no line given for {path}"
    return Path(path).read_text(encoding="utf-8").splitlines()[line - 1]


def only(findings: list[Finding], code: str) -> Finding:
    found = [f for f in findings if f.code == code]
    assert len(found) == 1, [f.message for f in findings]
    return found[0]


# ----------------------------------------------------------------- datastore-upgrade


@pytest.fixture(scope="module")
def datastore(tmp_path_factory: pytest.TempPathFactory) -> Investigation:
    return investigated(
        "datastore-upgrade", tmp_path_factory.mktemp("datastore"), good="store-test1"
    )


def test_every_file_of_the_datastore_bundle_is_read(datastore: Investigation) -> None:
    assert datastore.skipped == []
    read = {Path(d.path).name for d in datastore.incident.documents}
    assert read == {p.name for p in (EXAMPLES / "datastore-upgrade").iterdir()}
    assert datastore.onset == ONSET


def test_the_drift_finding_names_the_packages_store0_lags_on(datastore: Investigation) -> None:
    drift = only(datastore.incident.findings, "package-drift")
    assert drift.message.startswith("store0 lags store-test1 on 8 packages: ")
    for lagging in (
        "checkmate-datastore-plugin 1.6.0-1.el7 < 1.7.1-1.el7",
        "gridcron (3 packages) 2.3.1-1.el7 < 2.3.2-1.el7",
        "postgresql94 (4 packages) 9.4.6-1PGDG.rhel7 < 9.4.8-1PGDG.rhel7",
    ):
        assert lagging in drift.message
    # Packages only the test host has are said apart from those production lags on.
    assert "2 packages only on store-test1: gdb 7.6.1-80.el7, strace 4.8-11.el7" in drift.message
    # The application and httpd are at the same versions on both hosts after the window.
    assert "meterstore" not in drift.message and "httpd" not in drift.message
    assert drift.source is not None
    assert Path(drift.source.path).name == "store0-rpm-qa-last.txt"


def test_httpd_is_found_not_restarted_after_the_upgrade(datastore: Investigation) -> None:
    stale = [f for f in datastore.incident.findings if f.code == "not-restarted"]
    finding, *daemons = stale
    assert finding.message == (
        "store0: httpd (pid 1187) started 2016-09-27 09:51 UTC, before httpd was upgraded to "
        "2.4.6-40.el7.centos.4 at 2016-10-11 14:05 UTC: not restarted (also: httpd-tools)"
    )
    # The application's WSGI daemons (named by the title they set) run its old code too.
    assert [d.message.split(" started")[0] for d in daemons] == [
        "store0: (wsgi:meterstore) (pid 1190)",
        "store0: (wsgi:meterstore) (pid 1191)",
    ]
    assert all("before meterstore was upgraded to 2.4.0-1.el7" in d.message for d in daemons)
    assert finding.source is not None
    assert Path(finding.source.path).name == "store0-ps.txt"
    row = line_of(finding.source.path, finding.source.line)
    assert re.match(r"^\s*1187 Tue Sep 27 09:51:31 2016 /usr/sbin/httpd -DFOREGROUND$", row)
    # The publisher (restarted by its package's scripts) and PostgreSQL (restarted in the
    # morning) started after their packages changed; httpd's recycled workers too.
    assert "publisher" not in finding.message and "postgres" not in finding.message


def test_the_window_upgrade_is_a_change_linked_to_the_package_files(
    datastore: Investigation,
) -> None:
    window = [
        e
        for e in datastore.incident.events
        if e.kind is EventKind.CHANGE
        and e.text.startswith("Packages ")
        and e.at is not None
        and WINDOW <= e.at < WINDOW + dt.timedelta(minutes=1)
    ]
    # rpm's install times and yum.log see the same run: one event, yum's, which says what
    # was upgraded rather than only installed at a time.
    files = sorted(Path(e.source.path).name for e in window)
    assert files == ["store0-yum.log"]
    for event in window:
        assert " on store0: " in event.text
        assert event.at is not None and event.at < ONSET
        named = " ".join([event.text, *event.details])
        for package in ("meterstore 2.4.0-1.el7", "meterstore-publisher 2.4.0-1.el7"):
            assert package in named
        assert "httpd 2.4.6-40.el7.centos.4" in named
        # The event links to the line of the first package it names.
        name, version = event.text.split(": ", 1)[1].split(", ")[0].split(" ")
        row = line_of(event.source.path, event.source.line)
        assert f"{name}-{version.split(':')[-1]}." in row
    yum = next(e for e in window if e.source.path.endswith("yum.log"))
    assert yum.text.startswith("Packages upgraded on store0: ")
    assert any("year not written" in d for d in yum.details)


def test_the_publishers_memory_starts_rising_at_the_onset(datastore: Investigation) -> None:
    incident = datastore.incident
    rising = [
        m
        for m in incident.metric_changes
        if "meterstore-publisher RSS" in m.series and m.kind == "trend"
    ]
    assert rising, [(m.series, m.kind, m.at) for m in incident.metric_changes]
    change = min(rising, key=lambda m: abs(m.at - ONSET))
    assert abs(change.at - ONSET) <= dt.timedelta(minutes=5)
    assert change.source is not None
    cell = line_of(change.source.path, change.source.line).split(",")[0]
    assert dt.datetime.fromtimestamp(int(cell) / 1000, tz=dt.UTC) == change.at
    events = [e for e in incident.events if e.kind is EventKind.METRIC]
    assert any("starts rising" in e.text and e.at == change.at for e in events)


def test_the_publishers_new_error_is_found_in_the_syslog(datastore: Investigation) -> None:
    appeared = [
        e
        for e in datastore.incident.events
        if e.kind is EventKind.LOG and "appeared" in e.text and "rejected summary batch" in e.text
    ]
    assert len(appeared) == 1
    [event] = appeared
    assert Path(event.source.path).name == "store0-messages.log"
    assert "HTTP 500" in line_of(event.source.path, event.source.line)
    assert event.at == dt.datetime(2016, 10, 11, 15, 0, 41, tzinfo=dt.UTC)


# ----------------------------------------------------------------- watchdog-reboots

_DATE = re.compile(r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun) \w{3} [ \d]\d \d\d:\d\d:\d\d CET \d{4}$")


def busiest_snapshot(path: Path) -> tuple[int, Counter[str]]:
    """The date line of the snapshot with the most TCP rows, and what its rows hold,
    counted here from the file's text: rows, FIN-WAIT rows, rows on local port 5432 and
    the distinct peers among those."""
    best: tuple[int, Counter[str]] | None = None
    line, seen, peers = 0, Counter[str](), set[str]()

    def close() -> None:
        nonlocal best
        if line and (best is None or seen["rows"] > best[1]["rows"]):
            seen["peers"] = len(peers)
            best = (line, seen)

    for number, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if _DATE.match(text):
            close()
            line, seen, peers = number, Counter(), set()
        elif text.startswith("tcp"):
            _proto, _recv, _send, local, peer, state = text.split()
            seen["rows"] += 1
            seen["fin-wait"] += state.startswith("FIN_WAIT")
            if local.endswith(":5432") and state != "LISTEN":
                seen["5432"] += 1
                peers.add(peer.rsplit(":", 1)[0])
    close()
    assert best is not None
    return best


@pytest.fixture(scope="module")
def watchdog(tmp_path_factory: pytest.TempPathFactory) -> Investigation:
    return investigated("watchdog-reboots", tmp_path_factory.mktemp("watchdog"))


def test_the_socket_finding_counts_the_busiest_snapshot(watchdog: Investigation) -> None:
    finding = only(watchdog.incident.findings, "sockets")
    assert finding.source is not None
    netstat = Path(finding.source.path)
    assert netstat.name == "watch01-netstat.txt"
    line, seen = busiest_snapshot(netstat)
    assert finding.source.line == line
    share = round(100 * seen["fin-wait"] / seen["rows"])
    on_port = round(100 * seen["5432"] / seen["rows"])
    assert seen["peers"] == 40
    assert 45 <= on_port <= 60  # about half: the build machines' PostgreSQL connections
    assert finding.message.startswith(
        f"watch01: {seen['rows']} TCP sockets: {share}% in FIN-WAIT, "
        f"{on_port}% on local port 5432 from 40 hosts at "
    )
    # The snapshot's date line is in CET; the finding says when in UTC.
    taken = dt.datetime.strptime(line_of(str(netstat), line), "%a %b %d %H:%M:%S CET %Y")
    assert f"at {taken - dt.timedelta(hours=1):%Y-%m-%d %H:%M} UTC" in finding.message


def test_the_reboot_waves_appear_in_the_watchdogs_log_at_the_onset(
    watchdog: Investigation,
) -> None:
    assert [p.name for p in watchdog.logs] == ["watchdog.log"]
    assert watchdog.onset == dt.datetime(2017, 2, 16, 20, 11, tzinfo=dt.UTC)
    reboots = [
        e
        for e in watchdog.incident.events
        if e.kind is EventKind.LOG and "appeared" in e.text and "rebooting" in e.text
    ]
    assert len(reboots) == 1
    [event] = reboots
    assert event.at is not None
    assert FIRST_WAVE <= event.at < FIRST_WAVE + dt.timedelta(minutes=1)
    assert "missed 3 check-ins; rebooting" in line_of(event.source.path, event.source.line)


def test_the_reboots_of_every_machine_at_once_are_one_shared_cause(
    watchdog: Investigation,
) -> None:
    finding = only(watchdog.incident.findings, "many-hosts")
    assert finding.message.startswith(
        "'host <*> missed <*> check-ins; rebooting (pdu-<*> outlet <*>)' was logged for "
        "110 hosts within "
    )
    # Every round of the night is counted, not only those near the onset.
    assert "at 2017-02-16 20:14 UTC (and 31 more times, every 20 min): a shared cause" in (
        finding.message
    )
    assert finding.source is not None
    first = line_of(finding.source.path, finding.source.line)
    assert first.startswith("2017-02-16T21:14:0") and "missed 3 check-ins; rebooting" in first
    assert finding.rows[0] == ["first line (UTC)", "hosts", "within", "some of them"]
    assert finding.rows[1][:2] == ["2017-02-16T20:14:05.273000Z", "110"]


def test_the_sockets_cross_the_orphan_limit_before_the_reboots(watchdog: Investigation) -> None:
    [crossing] = [
        e
        for e in watchdog.incident.events
        if e.kind is EventKind.METRIC and "crosses its limit 512 sockets" in e.text
    ]
    assert crossing.text.startswith('tcp_sockets{host="watch01",state="FIN-WAIT"}')
    assert crossing.at is not None
    assert (
        dt.datetime(2017, 2, 16, 20, 20, tzinfo=dt.UTC)
        <= crossing.at
        < FIRST_WAVE.replace(minute=21)
    )
    assert _DATE.match(line_of(crossing.source.path, crossing.source.line))
    # The report draws the series and holds the tables behind the findings.
    report = watchdog.reports["html"].read_text(encoding="utf-8")
    assert 'aria-label="tcp_sockets{host=&#34;watch01&#34;,state=&#34;FIN-WAIT&#34;}' in report
    markdown = watchdog.reports["md"].read_text(encoding="utf-8")
    host_state = markdown.split("## Host state", 1)[1].split("\n## ", 1)[0]
    assert "### Sockets at the busiest snapshot" in host_state
    assert "### The same event on many hosts at once" in host_state
    assert "| local port | 5432 |" in host_state
