"""Host state in an investigation: package transactions as change events near the onset,
socket tables counted as findings, the files as evidence."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from retroline.hosts.attach import install_events, restart_findings, transactions
from retroline.hosts.packages import read_packages
from retroline.hosts.processes import read_processes
from retroline.model import EventKind
from tests.conftest import evidence_folder
from tests.test_cli import run

POSTMORTEM = """\
# Publisher stopped after the maintenance window

## Timeline

All times are UTC.

- 2031-08-23 18:00 UTC - Publishing to the broker stops (impact start).
- 2031-08-23 19:30 UTC - Apache restarted; publishing resumes.
"""

# dpkg.log: two runs of apt on the same day, local time (given with --tz or --zone).
DPKG_LOG = """\
2031-08-20 09:00:01 install tmux:amd64 <none> 3.2a-4
2031-08-23 17:10:02 upgrade apache2:amd64 2.4.57-2 2.4.58-1
2031-08-23 17:10:05 upgrade apache2-bin:amd64 2.4.57-2 2.4.58-1
2031-08-23 17:10:09 upgrade esmond:all 2.0-1 2.1-1
"""

NETSTAT = "\n".join(
    [
        "Active Internet connections (servers and established)",
        "Proto Recv-Q Send-Q Local Address           Foreign Address         State",
        "tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN",
        *(
            f"tcp        0      0 10.0.0.5:{40000 + i:<5}          10.0.{i % 4}.7:5432"
            f"           FIN_WAIT2"
            for i in range(9)
        ),
        "tcp        0      0 10.0.0.5:443            10.0.9.1:51000          ESTABLISHED",
    ]
)


def test_package_events_are_grouped_per_minute_and_kept_near_the_onset(tmp_path: Path) -> None:
    path = tmp_path / "psds0-dpkg.log"
    path.write_text(DPKG_LOG, encoding="utf-8")
    inventory = read_packages(path, host="psds0")
    runs = transactions(inventory)
    assert [len(t.installs) for t in runs] == [1, 3]
    onset = dt.datetime(2031, 8, 23, 18, tzinfo=dt.UTC)
    everything = install_events([inventory], None)
    assert len(everything) == 2
    [upgrade, *_] = reversed(install_events([inventory], onset))
    assert upgrade.kind is EventKind.CHANGE
    assert upgrade.text == (
        "Packages upgraded on psds0: apache2 2.4.57-2 -> 2.4.58-1, "
        "apache2-bin 2.4.57-2 -> 2.4.58-1, esmond 2.0-1 -> 2.1-1"
    )
    assert upgrade.at == dt.datetime(2031, 8, 23, 17, 10, 2, tzinfo=dt.UTC)
    assert (upgrade.source.path, upgrade.source.line) == (str(path), 2)
    late = dt.datetime(2031, 10, 1, tzinfo=dt.UTC)  # more than 30 days later: nothing kept
    assert install_events([inventory], late) == []


def test_investigate_reads_package_logs_and_socket_tables(tmp_path: Path) -> None:
    evidence = evidence_folder(tmp_path, POSTMORTEM)
    (evidence / "psds0-dpkg.log").write_text(DPKG_LOG, encoding="utf-8")
    (evidence / "psds0-netstat.txt").write_text(NETSTAT + "\n", encoding="utf-8")
    report = tmp_path / "report"
    code, out, err = run(
        "investigate", str(evidence), "-o", str(report), "--json", db=str(tmp_path / "l.db")
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["skipped"] == []
    incident = json.loads((report / "incident.json").read_text(encoding="utf-8"))
    changes = [e for e in incident["events"] if e["kind"] == "change"]
    assert [e["at"] for e in changes] == ["2031-08-20T09:00:01Z", "2031-08-23T17:10:02Z"]
    assert changes[1]["text"].startswith("Packages upgraded on psds0: apache2 2.4.57-2 -> ")
    assert all(e["zone_source"] == "assumed" for e in changes)  # dpkg.log states no zone
    [sockets] = [f for f in incident["findings"] if f["code"] == "sockets"]
    # Eleven rows with the listener, as `netstat -an | grep -c tcp` counts them.
    assert (
        sockets["message"] == "psds0: 11 TCP sockets: 82% in FIN-WAIT, 82% to port 5432 on 4 hosts"
    )
    assert sockets["source"]["path"].endswith("psds0-netstat.txt")
    formats = {Path(d["path"]).name: d["format"] for d in incident["documents"]}
    assert formats["psds0-dpkg.log"] == "dpkg-log"
    assert formats["psds0-netstat.txt"] == "netstat"


ITB_RPMS = """\
condor-8.4.8-1.osg.x86_64
condor-cron-1.1.2-1.osg.noarch
rsv-3.14-1.osg.noarch
bash-4.2.46-34.el7.x86_64
"""
PROD_RPMS = """\
condor-8.4.8-1.osg.x86_64
condor-cron-1.1.1-1.osg.noarch
rsv-3.13-1.osg.noarch
bash-4.2.46-34.el7.x86_64
"""


def _two_hosts(tmp_path: Path) -> Path:
    evidence = evidence_folder(tmp_path, POSTMORTEM)
    (evidence / "itb1-rpm-qa.txt").write_text(ITB_RPMS, encoding="utf-8")
    (evidence / "prod0-rpm-qa.txt").write_text(PROD_RPMS, encoding="utf-8")
    return evidence


def test_investigate_says_how_the_failing_host_lags_the_good_one(tmp_path: Path) -> None:
    evidence = _two_hosts(tmp_path)
    report = tmp_path / "report"
    code, _, err = run(
        "investigate", str(evidence), "--good", "itb1", "-o", str(report), "--json",
        db=str(tmp_path / "l.db"),
    )  # fmt: skip
    assert code == 0, err
    incident = json.loads((report / "incident.json").read_text(encoding="utf-8"))
    [finding] = [f for f in incident["findings"] if f["code"] == "package-drift"]
    assert finding["message"] == (
        "prod0 lags itb1 on 2 packages: condor-cron 1.1.1-1.osg < 1.1.2-1.osg, "
        "rsv 3.13-1.osg < 3.14-1.osg"
    )
    assert finding["source"]["path"].endswith("prod0-rpm-qa.txt")
    assert finding["source"]["line"] == 2  # condor-cron, the first package it names
    # The table behind the sentence, shown in the report's host-state section.
    assert finding["rows"] == [
        ["package", "itb1", "prod0", "prod0 against itb1", "line"],
        ["condor-cron", "1.1.2-1.osg", "1.1.1-1.osg", "older", "2"],
        ["rsv", "3.14-1.osg", "3.13-1.osg", "older", "3"],
    ]
    markdown = (report / "postmortem.md").read_text(encoding="utf-8")
    host_state = markdown.split("## Host state", 1)[1].split("\n## ", 1)[0]
    assert "### Packages that differ" in host_state
    assert "| package | itb1 | prod0 | prod0 against itb1 | Source |" in host_state
    # Each row links to its own line of the failing host's list.
    assert "| rsv | 3.14-1.osg | 3.13-1.osg | older | " in host_state
    assert "prod0-rpm-qa.txt:3 |" in host_state.split("| rsv |", 1)[1].splitlines()[0]
    html = (report / "postmortem.html").read_text(encoding="utf-8")
    assert '<section id="hosts">' in html and '<td class="mono">rsv</td>' in html
    # Without --good the first host by name is the reference, and the finding says so.
    code, _, err = run(
        "investigate", str(evidence), "-o", str(tmp_path / "r2"), "--json",
        db=str(tmp_path / "l2.db"),
    )  # fmt: skip
    incident = json.loads((tmp_path / "r2" / "incident.json").read_text(encoding="utf-8"))
    [finding] = [f for f in incident["findings"] if f["code"] == "package-drift"]
    assert finding["message"].endswith("first by name; say which with --good)")
    code, _, err = run(
        "investigate", str(evidence), "--good", "nosuch", "-o", str(tmp_path / "r3"),
        db=str(tmp_path / "l3.db"),
    )  # fmt: skip
    assert code == 2 and "--good nosuch" in err and len(err.strip().splitlines()) == 1


def test_hosts_diff_prints_the_drift_and_its_json(tmp_path: Path) -> None:
    evidence = _two_hosts(tmp_path)
    files = [str(evidence / "itb1-rpm-qa.txt"), str(evidence / "prod0-rpm-qa.txt")]
    code, out, err = run("hosts", "diff", *files, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["hosts"] == ["itb1", "prod0"] and data["reference"] == "itb1"
    assert data["same"] == 2
    code, out, err = run("hosts", "diff", *files)
    assert code == 0, err
    assert "prod0 lags itb1 on 2 packages" in " ".join(out.split())
    code, out, err = run("hosts", "diff", files[0])
    assert code == 2 and "two hosts" in err


PS = """\
  PID                  STARTED COMMAND
    1 Mon Aug  1 08:00:11 2031 /usr/lib/systemd/systemd --switched-root --system
  812 Sat Aug 23 09:15:02 2031 /usr/sbin/apache2 -k start
  901 Sat Aug 23 17:30:00 2031 /usr/bin/esmond-ingest --config /etc/esmond.conf
"""


def test_investigate_says_which_processes_were_not_restarted_after_an_upgrade(
    tmp_path: Path,
) -> None:
    evidence = evidence_folder(tmp_path, POSTMORTEM)
    (evidence / "psds0-dpkg.log").write_text(DPKG_LOG, encoding="utf-8")
    (evidence / "psds0-ps.txt").write_text(PS, encoding="utf-8")
    report = tmp_path / "report"
    code, out, err = run(
        "investigate", str(evidence), "-o", str(report), "--json", db=str(tmp_path / "l.db")
    )
    assert code == 0, err
    assert json.loads(out)["skipped"] == []
    incident = json.loads((report / "incident.json").read_text(encoding="utf-8"))
    stale = [f for f in incident["findings"] if f["code"] == "not-restarted"]
    # apache2 started at 09:15, before apache2 was upgraded at 17:10; esmond-ingest started
    # after esmond's upgrade: only apache2 is named.
    assert [f["message"].split(" (pid")[0] for f in stale] == ["psds0: apache2"]
    assert "apache2 was upgraded to 2.4.58-1 at 2031-08-23 17:10 UTC" in stale[0]["message"]
    assert stale[0]["message"].endswith("(also: apache2-bin)")
    assert stale[0]["source"]["path"].endswith("psds0-ps.txt") and stale[0]["source"]["line"] == 3
    assert stale[0]["rows"] == [
        ["host", "process", "pid", "started", "package", "changed", "rule"],
        [
            "psds0",
            "apache2",
            "812",
            "2031-08-23 09:15 UTC",
            "apache2 2.4.58-1",
            "2031-08-23 17:10 UTC",
            "started before the change",
        ],
    ]
    markdown = (report / "postmortem.md").read_text(encoding="utf-8")
    assert "### Processes not restarted after a package change" in markdown
    assert "| psds0 | apache2 | 812 | 2031-08-23 09:15 UTC |" in markdown


def test_a_restart_finding_names_the_package_named_as_the_process_first(tmp_path: Path) -> None:
    log = tmp_path / "web1-yum.log"
    # yum upgrades httpd-tools a second before httpd itself.
    log.write_text(
        "Oct 11 14:05:02 Updated: httpd-tools-2.4.6-40.el7.x86_64\n"
        "Oct 11 14:05:03 Updated: httpd-2.4.6-40.el7.x86_64\n",
        encoding="utf-8",
    )
    ps = tmp_path / "web1-ps.txt"
    ps.write_text(
        "  PID                  STARTED COMMAND\n"
        " 1187 Tue Sep 27 09:51:10 2031 /usr/sbin/httpd -DFOREGROUND\n"
        " 1190 Tue Sep 27 09:51:11 2031 (wsgi:shopfront) -DFOREGROUND\n",
        encoding="utf-8",
    )
    inventory = read_packages(log, host="web1", year=2031)
    [finding] = restart_findings([read_processes(ps, host="web1")], [inventory])
    assert finding.message.startswith("web1: httpd (pid 1187) started 2031-09-27 09:51 UTC, ")
    assert "before httpd was upgraded to 2.4.6-40.el7 at 2031-10-11 14:05 UTC" in finding.message
    assert finding.message.endswith("(also: httpd-tools)")


def test_the_host_of_a_file_from_the_user_its_header_or_its_name(tmp_path: Path) -> None:
    evidence = evidence_folder(tmp_path, POSTMORTEM)
    (evidence / "itb1-rpm-qa.txt").write_text(ITB_RPMS, encoding="utf-8")
    # Its first line names the host: it wins over the file's name.
    (evidence / "web01-rpm-qa.txt").write_text("# host: prod0\n" + PROD_RPMS, encoding="utf-8")
    # A name that says no host: --host says it.
    (evidence / "capture-3.txt").write_text(NETSTAT + "\n", encoding="utf-8")
    report = tmp_path / "report"
    code, _, err = run(
        "investigate", str(evidence), "--good", "itb1", "--host", "capture-*.txt=db02",
        "-o", str(report), "--json", db=str(tmp_path / "l.db"),
    )  # fmt: skip
    assert code == 0, err
    incident = json.loads((report / "incident.json").read_text(encoding="utf-8"))
    [drift] = [f for f in incident["findings"] if f["code"] == "package-drift"]
    assert drift["message"].startswith("prod0 lags itb1 on 2 packages")
    [sockets] = [f for f in incident["findings"] if f["code"] == "sockets"]
    assert sockets["message"].startswith("db02: 11 TCP sockets")
    files = [str(evidence / "itb1-rpm-qa.txt"), str(evidence / "capture-3.txt")]
    code, out, err = run("hosts", "sockets", files[1], "--host", "capture-3.txt=db02", "--json")
    assert code == 0, err
    assert json.loads(out)[0]["host"] == "db02"
    (evidence / "list.txt").write_text(PROD_RPMS, encoding="utf-8")
    code, out, err = run(
        "hosts", "diff", files[0], str(evidence / "list.txt"), "--host", "list.txt=prod9", "--json"
    )
    assert code == 0, err
    assert json.loads(out)["hosts"] == ["itb1", "prod9"]
    code, _, err = run("hosts", "diff", *files, "--host", "prod9")
    assert code == 2 and "--host 'prod9': write it as PATTERN=HOST" in err
