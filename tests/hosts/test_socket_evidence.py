"""Socket tables through a night as evidence: the limits a sysctl file sets or the user
gives, the snapshots as series whose changes (a limit crossed among them) join the
timeline, and the finding that says which limit the sockets reached and when."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from retroline.errors import ParseError
from retroline.evidence.kinds import EvidenceKind, classify
from retroline.hosts.attach import socket_limits
from retroline.hosts.packages import host_from_name
from retroline.hosts.socket_counts import SysctlLimit, sysctl_limits
from retroline.hosts.sockets import SocketTable
from tests.test_cli import run

POSTMORTEM = """\
# Every test machine rebooted at once

## Timeline

- 2031-03-04 20:00 UTC - The watchdog declares every test machine hung (impact start).
- 2031-03-05 06:30 UTC - The watchdog is stopped (mitigated).
"""

SYSCTL = """\
fs.file-max = 9223372036854775807
net.core.somaxconn = 4096
net.ipv4.tcp_fin_timeout = 60
net.ipv4.tcp_max_orphans = 512
net.ipv4.tcp_max_tw_buckets = 8192
"""

START = dt.datetime(2031, 3, 4, 17, 0, tzinfo=dt.UTC)
STEP = dt.timedelta(minutes=10)


def fin_wait(k: int) -> int:
    """FIN-WAIT sockets in snapshot ``k``: flat at 100, then up by 30 a snapshot from 18:30."""
    return 100 + max(0, k - 9) * 30


def netstat_night(snapshots: int = 30) -> tuple[str, dict[int, int]]:
    """``while true; do date; netstat -an; sleep 600; done`` through an evening: the text
    and the line of each snapshot's date line."""
    lines: list[str] = []
    dates: dict[int, int] = {}
    for k in range(snapshots):
        at = START + k * STEP
        dates[k] = len(lines) + 1
        lines.append(at.strftime("%a %b %d %H:%M:%S UTC %Y"))
        lines.append("Active Internet connections (servers and established)")
        lines.append("Proto Recv-Q Send-Q Local Address           Foreign Address         State")
        lines.append("tcp        0      0 0.0.0.0:5432            0.0.0.0:*               LISTEN")
        for i in range(fin_wait(k)):
            lines.append(
                f"tcp        0      0 10.1.0.5:5432           10.1.2.{i % 40 + 10}:{20000 + i}"
                "       FIN_WAIT2"
            )
        for i in range(20):
            lines.append(
                f"tcp        0      0 10.1.0.5:{30000 + i}          10.1.3.1:8080"
                "          ESTABLISHED"
            )
    return "\n".join(lines) + "\n", dates


def first_reaching(bound: int, count: object) -> int:
    return next(k for k in range(30) if count(k) >= bound)  # type: ignore[operator]


@pytest.fixture
def night(tmp_path: Path) -> tuple[Path, dict[int, int]]:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "postmortem.md").write_text(POSTMORTEM, encoding="utf-8")
    text, dates = netstat_night()
    (evidence / "watch01-netstat.txt").write_text(text, encoding="utf-8")
    (evidence / "watch01-sysctl.txt").write_text(SYSCTL, encoding="utf-8")
    return evidence, dates


def _investigate(tmp_path: Path, evidence: Path, *extra: str) -> dict[str, object]:
    report = tmp_path / f"report{len(extra)}"
    code, out, err = run(
        "investigate", str(evidence), "-o", str(report), "--json", *extra,
        db=str(tmp_path / f"l{len(extra)}.db"),
    )  # fmt: skip
    assert code == 0, err
    result = json.loads(out)
    assert result["skipped"] == []
    assert sorted(Path(p).name for p in result["hosts"]) == [
        "watch01-netstat.txt",
        "watch01-sysctl.txt",
    ]
    incident: dict[str, object] = json.loads((report / "incident.json").read_text("utf-8"))
    return incident


def test_sysctl_limits_name_their_key_and_line(tmp_path: Path) -> None:
    path = tmp_path / "web01-sysctl.txt"
    path.write_text(SYSCTL, encoding="utf-8")
    found = sysctl_limits(path)
    # fs.file-max at LONG_MAX means no limit: left out.
    assert set(found) == {"FIN-WAIT", "TIME-WAIT"}
    assert found["FIN-WAIT"] == SysctlLimit("net.ipv4.tcp_max_orphans", 512, "FIN-WAIT", path, 4)
    assert classify(path) is EvidenceKind.SETTINGS
    assert host_from_name(path.name) == "web01"
    path.write_text("net.ipv4.tcp_max_tw_buckets = many\n", encoding="utf-8")
    with pytest.raises(ParseError, match=r"tcp_max_tw_buckets is 'many', not a number") as err:
        sysctl_limits(path)
    assert err.value.line == 1


def test_limits_apply_to_the_same_host_and_the_user_s_bounds_every_socket() -> None:
    table = SocketTable("watch01", Path("watch01-netstat.txt"), "netstat", ())
    own = {"FIN-WAIT": SysctlLimit("net.ipv4.tcp_max_orphans", 512, "FIN-WAIT", Path("a"), 4)}
    other = {"FIN-WAIT": SysctlLimit("net.ipv4.tcp_max_orphans", 64, "FIN-WAIT", Path("b"), 4)}
    assert socket_limits(table, None, [("watch01", own), ("db02", other)]) == own
    assert socket_limits(table, 400, [("db02", other)]) == {None: 400}


def test_a_night_of_snapshots_crosses_the_sysctl_limit(
    tmp_path: Path, night: tuple[Path, dict[int, int]]
) -> None:
    evidence, dates = night
    incident = _investigate(tmp_path, evidence)
    crossing = first_reaching(512, fin_wait)
    at = START + crossing * STEP
    [finding] = [f for f in incident["findings"] if f["code"] == "sockets"]  # type: ignore[attr-defined,index]
    assert finding["severity"] == "warning"
    assert finding["message"].endswith(
        f"; {fin_wait(crossing)} FIN-WAIT sockets reached net.ipv4.tcp_max_orphans 512 first "
        f"at {at:%Y-%m-%d %H:%M} UTC (line {dates[crossing]})"
    )
    # The busiest snapshot is the last: its counts by state are the finding's table.
    assert finding["source"]["line"] == dates[29]
    assert ["state", "FIN-WAIT", str(fin_wait(29))] in finding["rows"]
    # The crossing is a metric event, linked to the date line of the snapshot past it.
    events = [e for e in incident["events"] if e["kind"] == "metric"]  # type: ignore[attr-defined,index]
    [limit] = [e for e in events if "crosses its limit" in e["text"]]
    assert limit["text"].startswith('tcp_sockets{host="watch01",state="FIN-WAIT"} crosses')
    assert limit["at"] == f"{at:%Y-%m-%dT%H:%M:%S}Z"
    assert limit["source"]["line"] == dates[crossing]
    assert limit["details"][1:] == [
        f"before: {fin_wait(crossing - 1)} sockets (limit 512 sockets)",
        f"after: {fin_wait(crossing)} sockets (limit 512 sockets)",
    ]
    rising = [e for e in events if "FIN-WAIT" in e["text"] and "rising" in e["text"]]
    assert rising and rising[0]["at"].startswith("2031-03-04T18:")
    # The series is kept for the report's chart.
    charts = {c["series"] for c in incident["metric_changes"]}  # type: ignore[attr-defined,index]
    assert 'tcp_sockets{host="watch01",state="FIN-WAIT"}' in charts


def test_the_user_s_limit_bounds_every_socket(
    tmp_path: Path, night: tuple[Path, dict[int, int]]
) -> None:
    evidence, _ = night
    incident = _investigate(tmp_path, evidence, "--socket-limit", "400")
    total = first_reaching(400, lambda k: fin_wait(k) + 21)  # the listener and 20 established
    [finding] = [f for f in incident["findings"] if f["code"] == "sockets"]  # type: ignore[attr-defined,index]
    assert finding["message"].startswith(f"watch01: {fin_wait(29) + 21} TCP sockets (limit 400): ")
    assert (
        f"sockets reached limit 400 first at {START + total * STEP:%Y-%m-%d %H:%M} UTC"
        in (finding["message"])
    )
    code, _, err = run(
        "investigate", str(evidence), "--socket-limit", "0", "-o", str(tmp_path / "r"),
        db=str(tmp_path / "x.db"),
    )  # fmt: skip
    assert code == 2 and "--socket-limit 0" in err and len(err.strip().splitlines()) == 1


def test_hosts_sockets_counts_each_snapshot_against_the_limits(
    tmp_path: Path, night: tuple[Path, dict[int, int]]
) -> None:
    evidence, dates = night
    netstat, sysctl = evidence / "watch01-netstat.txt", evidence / "watch01-sysctl.txt"
    code, out, err = run("hosts", "sockets", str(netstat), "--sysctl", str(sysctl), "--json")
    assert code == 0, err
    [report] = json.loads(out)
    assert report["host"] == "watch01" and report["format"] == "netstat"
    assert report["limits"] == {
        "FIN-WAIT": {"value": 512, "from": f"net.ipv4.tcp_max_orphans ({sysctl}:4)"},
        "TIME-WAIT": {"value": 8192, "from": f"net.ipv4.tcp_max_tw_buckets ({sysctl}:5)"},
    }
    snapshots = report["snapshots"]
    assert [s["line"] for s in snapshots] == [dates[k] for k in range(30)]
    assert snapshots[0]["at"] == "2031-03-04T17:00:00Z"
    assert snapshots[0]["by_state"] == {"FIN-WAIT": 100, "ESTABLISHED": 20, "LISTEN": 1}
    assert snapshots[0]["by_local_port"]["5432"] == 100
    crossing = first_reaching(512, fin_wait)
    [limit] = [c for c in report["changes"] if c["kind"] == "limit"]
    assert limit["at"] == f"{START + crossing * STEP:%Y-%m-%dT%H:%M:%S}Z"
    assert limit["after"] == {"value": fin_wait(crossing), "limit": 512}
    assert "reached net.ipv4.tcp_max_orphans 512" in report["finding"]
    # Without --json: the snapshots, the finding and the changes, for people.
    code, out, err = run("hosts", "sockets", str(netstat), "--limit", "300")
    assert code == 0, err
    text = " ".join(out.split())
    assert f"watch01: {fin_wait(29) + 21} TCP sockets (limit 300)" in text
    assert "crosses its limit 300 sockets" in text
    code, _, err = run("hosts", "sockets", str(netstat), "--limit", "-1")
    assert code == 2 and "--limit -1" in err
