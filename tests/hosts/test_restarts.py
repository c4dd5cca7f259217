"""The "not restarted after upgrade" rule: by time and name, by file lists, and
needrestart's own verdicts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from retroline.hosts.packages import Install, read_packages
from retroline.hosts.processes import Process, ProcessTable, read_processes
from retroline.hosts.restarts import NeedsRestart, not_restarted, restart_text, runs_from
from retroline.sources import Precision, ZoneSource

SESSION = """\
Tue Aug 23 14:30:00 CDT 2016
  PID                  STARTED COMMAND
  812 Tue Aug 23 08:15:02 2016 /usr/sbin/httpd -DFOREGROUND
  840 Tue Aug 23 13:30:00 2016 /usr/sbin/httpd -DFOREGROUND
  950 Mon Aug 22 16:00:00 2016 /usr/pgsql-13/bin/postgres -D /var/lib/pgsql/13/data
  951 Mon Aug 22 16:00:01 2016 postgres: walwriter
  640 Mon Aug  1 08:00:15 2016 /usr/sbin/rsyslogd -n
  700 Mon Aug  1 08:00:20 2016 /usr/bin/python3 /usr/sbin/esmond-ingest
NEEDRESTART-VER: 3.5
NEEDRESTART-SVC: sshd.service
NEEDRESTART-SVC: httpd.service
"""

# dnf history info of the upgrade, in the host's zone.
HISTORY = """\
Transaction ID : 42
Begin time     : Tue 23 Aug 2016 09:02:11 AM CDT
Begin rpmdb    : 512:abc
End time       :            09:02:40 AM CDT (29 seconds)
User           : root <root>
Return-Code    : Success
Command Line   : update
Transaction performed with:
    Installed     dnf-4.7.0-4.el8.noarch @anaconda
Packages Altered:
    Upgrade  httpd-2.4.37-43.el8.x86_64         @appstream
    Upgraded httpd-2.4.37-41.el8.x86_64         @@System
    Upgrade  httpd-tools-2.4.37-43.el8.x86_64   @appstream
    Upgraded httpd-tools-2.4.37-41.el8.x86_64   @@System
    Upgrade  postgresql13-server-13.4-1PGDG.rhel8.x86_64 @pgdg13
    Upgraded postgresql13-server-13.3-1PGDG.rhel8.x86_64 @@System
    Upgrade  openssh-server-8.0p1-10.el8.x86_64 @baseos
    Upgraded openssh-server-8.0p1-9.el8.x86_64  @@System
    Upgrade  zlib-1.2.11-17.el8.x86_64          @baseos
    Upgraded zlib-1.2.11-16.el8.x86_64          @@System
"""


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


def change(name: str, at: dt.datetime, new: str = "2.0", action: str = "upgrade") -> Install:
    return Install(at, action, name, "1.0", new, "rpm", None, 7, ZoneSource.EXPLICIT)


def process(
    command: str, started: dt.datetime | None, unit: str | None = None, **kw: object
) -> Process:
    args = str(kw.pop("args", f"/usr/sbin/{command}"))
    return Process(
        int(str(kw.pop("pid", 812))),
        started,
        ZoneSource.EXPLICIT,
        command,
        args,
        unit,
        3,
        "ps-lstart",
        Precision.SECOND,
        started,
    )


def table(*processes: Process) -> ProcessTable:
    return ProcessTable("web1", Path("ps.txt"), "ps-lstart", None, processes)


@pytest.fixture
def session(tmp_path: Path) -> tuple[ProcessTable, list[Install]]:
    ps = tmp_path / "web1-ps.txt"
    ps.write_text(SESSION, encoding="utf-8")
    history = tmp_path / "web1-dnf-history-info.txt"
    history.write_text(HISTORY, encoding="utf-8")
    return read_processes(ps), read_packages(history).installs


def test_the_rule_on_a_captured_session(session: tuple[ProcessTable, list[Install]]) -> None:
    processes, installs = session
    found = not_restarted(processes, installs)
    flagged = [(n.process.pid, n.package, n.version) for n in found]
    assert flagged == [
        (812, "httpd", "2.4.37-43.el8"),
        (812, "httpd-tools", "2.4.37-43.el8"),
        (950, "postgresql13-server", "13.4-1PGDG.rhel8"),
        (951, "postgresql13-server", "13.4-1PGDG.rhel8"),
        (None, "openssh-server", "8.0p1-10.el8"),
    ]
    # 840 started after the upgrade; rsyslogd and esmond-ingest match nothing upgraded.
    httpd = found[0]
    assert httpd.upgraded_at == utc(2016, 8, 23, 14, 2, 11)
    assert httpd.process.started == utc(2016, 8, 23, 13, 15, 2)
    assert httpd.process.zone_source is ZoneSource.CONTEXT
    assert httpd.install is not None and httpd.install.line == 11
    assert "needrestart agrees" in httpd.reason  # httpd.service was flagged too
    sshd = found[-1]
    assert sshd.process.unit == "sshd.service" and sshd.reason == "needrestart says so"
    assert sshd.upgraded_at == utc(2016, 8, 23, 14, 2, 11)


def test_the_sentence(session: tuple[ProcessTable, list[Install]]) -> None:
    found = not_restarted(*session)
    assert restart_text(found[0]) == (
        "httpd (pid 812) started 2016-08-23 13:15 UTC, before httpd was upgraded to "
        "2.4.37-43.el8 at 2016-08-23 14:02 UTC: not restarted"
    )


def test_the_sentence_of_the_issue() -> None:
    found = not_restarted(
        table(process("httpd", utc(2016, 8, 23, 10, 15, 2))),
        [change("esmond", utc(2016, 8, 23, 14, 2), "2.1")],
        package_files={"esmond": ["/usr/sbin/httpd"]},
    )
    assert restart_text(found[0]) == (
        "httpd (pid 812) started 2016-08-23 10:15 UTC, before esmond was upgraded to 2.1 "
        "at 2016-08-23 14:02 UTC: not restarted"
    )


@pytest.mark.parametrize(
    ("started", "at", "flagged"),
    [
        (utc(2016, 8, 23, 10), utc(2016, 8, 23, 14), True),
        (utc(2016, 8, 23, 15), utc(2016, 8, 23, 14), False),
        (utc(2016, 8, 23, 14), utc(2016, 8, 23, 14), False),  # the same second: not before
    ],
)
def test_started_before_the_upgrade_needs_a_restart(
    started: dt.datetime, at: dt.datetime, flagged: bool
) -> None:
    found = not_restarted(table(process("httpd", started)), [change("httpd", at)])
    assert bool(found) is flagged


def test_an_unrelated_package_is_not_a_reason() -> None:
    found = not_restarted(
        table(process("httpd", utc(2016, 8, 23, 10))),
        [change("zlib", utc(2016, 8, 23, 14)), change("nginx", utc(2016, 8, 23, 14))],
    )
    assert found == []


def test_removals_and_timeless_events_are_not_reasons() -> None:
    events = [
        change("httpd", utc(2016, 8, 23, 14), action="remove"),
        Install(None, "upgrade", "httpd", "1", "2", "rpm", None, 3, ZoneSource.ASSUMED),
    ]
    assert not_restarted(table(process("httpd", utc(2016, 8, 23, 10))), events) == []


def test_the_latest_change_of_a_package_is_the_one_reported() -> None:
    found = not_restarted(
        table(process("httpd", utc(2016, 8, 1))),
        [change("httpd", utc(2016, 8, 10), "2.0"), change("httpd", utc(2016, 8, 20), "3.0")],
    )
    assert [(n.version, n.upgraded_at) for n in found] == [("3.0", utc(2016, 8, 20))]


def test_a_coarse_start_flags_only_when_its_whole_span_is_before() -> None:
    day = Process(
        812, utc(2016, 8, 23), ZoneSource.ASSUMED, "httpd", "/usr/sbin/httpd", None, 3, "ps",
        Precision.DAY, utc(2016, 8, 23, 23, 59, 59),
    )  # fmt: skip
    assert not_restarted(table(day), [change("httpd", utc(2016, 8, 23, 14))]) == []
    found = not_restarted(table(day), [change("httpd", utc(2016, 8, 24, 9))])
    assert "assumed UTC" in found[0].reason
    assert "between 2016-08-23 00:00 UTC and 2016-08-23 23:59 UTC" in restart_text(found[0])


def test_a_process_without_a_start_is_never_flagged_by_time() -> None:
    unknown = process("httpd", None)
    assert not_restarted(table(unknown), [change("httpd", utc(2016, 8, 23, 14))]) == []


def test_needrestart_without_a_matching_package() -> None:
    flagged = Process(None, None, None, "", "", "foo.service", 5, "needrestart", flagged=True)
    found = not_restarted(table(flagged), [change("zlib", utc(2016, 8, 23, 14))])
    assert [(n.package, n.version, n.upgraded_at, n.reason) for n in found] == [
        ("", None, None, "needrestart says so")
    ]
    assert restart_text(found[0]) == "foo.service: needrestart says it needs a restart"


@pytest.mark.parametrize(
    ("command", "unit", "args", "package", "matches"),
    [
        ("httpd", None, "", "httpd", True),
        ("httpd", None, "", "httpd-tools", True),
        ("apache2", None, "", "apache2-bin", True),
        ("postgres", None, "", "postgresql-server", True),
        ("postgres", None, "", "postgresql13", True),
        ("", "postgresql@13-main.service", "", "postgresql-13", True),
        ("chronyd", None, "", "chrony", True),
        ("sshd", None, "", "openssh-server", True),
        ("python3", None, "/usr/bin/python3 /usr/sbin/esmond", "esmond", True),
        ("python3", None, "/usr/bin/python3 /usr/sbin/esmond", "python3-libs", True),
        ("python3", None, "/usr/bin/python3 /usr/sbin/esmond", "python3-requests", False),
        ("httpd", None, "", "nginx", False),
        ("httpd", None, "", "http-parser", False),
        ("java", None, "", "javapackages-tools", False),
        # A title the process set for itself: the parts inside the parentheses.
        ("(wsgi:shopfront)", None, "(wsgi:shopfront) -DFOREGROUND", "shopfront", True),
        ("(wsgi:shopfront)", None, "(wsgi:shopfront) -DFOREGROUND", "shopfront-api", True),
        ("(wsgi:shopfront)", None, "(wsgi:shopfront) -DFOREGROUND", "nginx", False),
    ],
)
def test_runs_from_by_name(
    command: str, unit: str | None, args: str, package: str, matches: bool
) -> None:
    p = Process(1, None, None, command, args or f"/usr/sbin/{command}", unit, 1)
    assert runs_from(p, package) is matches


def test_runs_from_by_files() -> None:
    httpd = process("httpd", None, unit="httpd.service")
    files = {
        "httpd": ["/usr/lib/systemd/system/httpd.service", "/usr/share/man/man8/httpd.8.gz"],
        "httpd-tools": ["/usr/bin/ab"],
        "mod_wsgi": ["/usr/sbin/httpd"],
    }
    assert runs_from(httpd, "httpd", files)  # by its unit file
    assert not runs_from(httpd, "httpd-tools", files)  # listed: files win over the name
    assert runs_from(httpd, "mod_wsgi", files)
    assert runs_from(httpd, "httpd-core")  # not listed: by name


def test_results_are_dataclasses() -> None:
    n = not_restarted(
        table(process("httpd", utc(2016, 8, 23, 10))), [change("httpd", utc(2016, 8, 23, 14))]
    )[0]
    assert isinstance(n, NeedsRestart)
    assert n.reason.startswith("started before httpd was changed (upgrade)")


@pytest.mark.parametrize(
    ("action", "words"),
    [("downgrade", "was downgraded to 2.0"), ("install", "was installed as 2.0")],
)
def test_the_sentence_names_the_change(action: str, words: str) -> None:
    found = not_restarted(
        table(process("httpd", utc(2016, 8, 23, 10))),
        [change("httpd", utc(2016, 8, 23, 14), action=action)],
    )
    assert words in restart_text(found[0])
