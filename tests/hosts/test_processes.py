"""Process snapshot readers: ps lstart, ps aux / ps -ef, systemctl show and status,
needrestart -b, and sessions that mix them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path

import pytest

from retroline.errors import FormatError, InputError, ParseError, UsageError
from retroline.hosts.processes import read_processes
from retroline.sources import Precision, ZoneSource

Write = Callable[[str, str], Path]

PS_LSTART = """\
  PID                  STARTED COMMAND
    1 Mon Aug  1 08:00:11 2016 /usr/lib/systemd/systemd --switched-root --system
  812 Tue Aug 23 10:15:02 2016 /usr/sbin/httpd -DFOREGROUND
  813 Tue Aug 23 10:15:03 2016 postgres: walwriter
  900 Tue Aug 23 15:40:00 2016 /usr/bin/python3 /usr/sbin/esmond-ingest --config /etc/esmond.conf
   44 Mon Aug  1 08:00:12 2016 [kworker/0:1]
"""

PS_AUX = """\
Tue Aug 23 14:30:00 CDT 2016
USER       PID %CPU %MEM    VSZ   RSS TTY      STAT START   TIME COMMAND
root         1  0.0  0.1 193884  6980 ?        Ss   2015   12:01 /usr/lib/systemd/systemd --system
root       812  0.0  0.4 226040 10204 ?        Ss   Aug22   0:03 /usr/sbin/httpd -DFOREGROUND
apache     820  0.0  0.2 228124  5120 ?        S    10:15   0:00 /usr/sbin/httpd -DFOREGROUND
"""

PS_EF = """\
UID        PID  PPID  C STIME TTY          TIME CMD
root         1     0  0 2015 ?        00:12:01 /usr/lib/systemd/systemd --system
root       812     1  0 Aug22 ?        00:00:03 /usr/sbin/httpd -DFOREGROUND
"""

SYSTEMCTL_SHOW = """\
Id=httpd.service
ExecMainStartTimestamp=Tue 2016-08-23 10:15:02 CDT
ExecMainPID=812
ActiveEnterTimestamp=Tue 2016-08-23 10:15:03 CDT

Id=postgresql.service
ExecMainStartTimestamp=
ExecMainPID=950
ActiveEnterTimestamp=Mon 2016-08-22 21:00:00 UTC

Id=backup.service
ExecMainStartTimestamp=n/a
ExecMainPID=0
ActiveEnterTimestamp=n/a
"""

SYSTEMCTL_STATUS = """\
● httpd.service - The Apache HTTP Server
   Loaded: loaded (/usr/lib/systemd/system/httpd.service; enabled; vendor preset: disabled)
   Active: active (running) since Tue 2016-08-23 10:15:02 CDT; 2 weeks ago
     Docs: man:httpd(8)
 Main PID: 812 (httpd)
   Status: "Total requests: 0; Current requests/sec: 0; Current traffic:   0 B/sec"
   CGroup: /system.slice/httpd.service
           ├─812 /usr/sbin/httpd -DFOREGROUND
           └─820 /usr/sbin/httpd -DFOREGROUND

Aug 23 10:15:02 web1 systemd[1]: Starting The Apache HTTP Server...
Aug 23 10:15:02 web1 systemd[1]: Started The Apache HTTP Server.

● rsyslog.service - System Logging Service
   Loaded: loaded (/usr/lib/systemd/system/rsyslog.service; enabled; vendor preset: enabled)
   Active: active (running) since Mon 2016-08-01 08:00:15 CDT; 1 months 6 days ago
 Main PID: 640 (rsyslogd)

○ certbot.service - Certbot
   Loaded: loaded (/lib/systemd/system/certbot.service; static)
   Active: inactive (dead) since Tue 2016-08-23 03:00:02 CDT; 11h ago
 Main PID: 3300 (code=exited, status=0/SUCCESS)
"""

NEEDRESTART = """\
NEEDRESTART-VER: 3.5
NEEDRESTART-KCUR: 5.10.0-8-amd64
NEEDRESTART-KEXP: 5.10.0-9-amd64
NEEDRESTART-KSTA: 3
NEEDRESTART-SVC: apache2.service
NEEDRESTART-SVC: ssh.service
"""


@pytest.fixture
def write(tmp_path: Path) -> Write:
    def _write(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return _write


def utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=dt.UTC)


def test_ps_lstart_in_the_given_zone(write: Write) -> None:
    table = read_processes(write("ps.txt", PS_LSTART), tz="America/Chicago", host="web1")
    assert table.format == "ps-lstart"
    assert table.host == "web1"
    by_pid = {p.pid: p for p in table.processes}
    httpd = by_pid[812]
    assert httpd.started == utc(2016, 8, 23, 15, 15, 2)
    assert httpd.latest_start == httpd.started
    assert httpd.zone_source is ZoneSource.OPTION
    assert httpd.precision is Precision.SECOND
    assert (httpd.command, httpd.args, httpd.line) == ("httpd", "/usr/sbin/httpd -DFOREGROUND", 3)
    assert by_pid[813].command == "postgres"
    assert by_pid[44].command == "kworker/0:1"
    assert by_pid[900].args.endswith("--config /etc/esmond.conf")


def test_ps_lstart_without_zone_is_assumed_utc(write: Write) -> None:
    httpd = read_processes(write("ps.txt", PS_LSTART)).processes[1]
    assert httpd.started == utc(2016, 8, 23, 10, 15, 2)
    assert httpd.zone_source is ZoneSource.ASSUMED


def test_ps_lstart_takes_the_zone_of_the_date_line(write: Write) -> None:
    table = read_processes(write("ps.txt", "Tue Aug 23 14:30:00 CDT 2016\n" + PS_LSTART))
    assert table.taken == utc(2016, 8, 23, 19, 30)
    assert table.taken_source == "date line"
    httpd = table.processes[1]
    assert httpd.started == utc(2016, 8, 23, 15, 15, 2)
    assert httpd.zone_source is ZoneSource.CONTEXT


def test_ps_aux_starts_are_placed_relative_to_the_date_line(write: Write) -> None:
    table = read_processes(write("ps-aux.txt", PS_AUX))
    assert table.format == "ps"
    init, master, worker = table.processes
    # 2015: the year only.
    assert init.started == utc(2015, 1, 1, 6)
    assert init.latest_start == utc(2016, 1, 1, 5, 59, 59)
    assert init.precision is Precision.APPROXIMATE
    # Aug22: this year (the snapshot's), a day in Chicago.
    assert master.started == utc(2016, 8, 22, 5)
    assert master.latest_start == utc(2016, 8, 23, 4, 59, 59)
    assert master.precision is Precision.DAY
    assert master.zone_source is ZoneSource.CONTEXT
    # 10:15: the snapshot's day.
    assert worker.started == utc(2016, 8, 23, 15, 15)
    assert worker.latest_start == utc(2016, 8, 23, 15, 15, 59)
    assert worker.precision is Precision.MINUTE
    assert (worker.pid, worker.command) == (820, "httpd")


def test_ps_aux_with_the_taken_argument(write: Write) -> None:
    taken = dt.datetime(2016, 8, 23, 14, 30, tzinfo=dt.timezone(dt.timedelta(hours=-5)))
    body = PS_AUX.split("\n", 1)[1]
    table = read_processes(write("ps-aux.txt", body), tz="America/Chicago", taken=taken)
    assert table.taken == utc(2016, 8, 23, 19, 30)
    assert table.taken_source == "option"
    assert table.processes[2].started == utc(2016, 8, 23, 15, 15)
    assert table.processes[2].zone_source is ZoneSource.OPTION


def test_ps_aux_without_a_snapshot_time_keeps_no_start_and_says_why(write: Write) -> None:
    body = PS_AUX.split("\n", 1)[1]
    init, master, worker = read_processes(write("ps-aux.txt", body)).processes
    assert init.started is not None  # a year needs no snapshot time
    for process in (master, worker):
        assert process.started is None and process.latest_start is None
        assert process.note is not None and "snapshot has no time" in process.note


def test_ps_aux_start_after_the_snapshot_is_refused_as_a_time(write: Write) -> None:
    text = "2016-08-20T12:00:00Z\n" + PS_AUX.split("\n", 1)[1]
    master = read_processes(write("ps-aux.txt", text)).processes[1]
    assert master.started is None
    assert master.note is not None and "after the snapshot" in master.note


def test_ps_ef(write: Write) -> None:
    table = read_processes(write("ps-ef.txt", "1471962600\n" + PS_EF))
    assert table.taken == utc(2016, 8, 23, 14, 30)
    assert table.format == "ps"
    master = table.processes[1]
    assert (master.pid, master.command, master.started) == (812, "httpd", utc(2016, 8, 22))
    assert master.zone_source is ZoneSource.ASSUMED


def test_systemctl_show(write: Write) -> None:
    table = read_processes(write("show.txt", SYSTEMCTL_SHOW))
    assert table.format == "systemctl-show"
    httpd, postgres = table.processes  # backup.service runs nothing
    assert (httpd.unit, httpd.pid, httpd.line) == ("httpd.service", 812, 1)
    assert httpd.started == utc(2016, 8, 23, 15, 15, 2)  # the main process, not activation
    assert httpd.zone_source is ZoneSource.EXPLICIT
    assert httpd.command == ""
    assert httpd.name == "httpd.service"
    assert postgres.started == utc(2016, 8, 22, 21)
    assert postgres.note is not None and "activation" in postgres.note


def test_systemctl_status(write: Write) -> None:
    table = read_processes(write("status.txt", SYSTEMCTL_STATUS))
    assert table.format == "systemctl-status"
    httpd, rsyslog = table.processes  # certbot is dead
    assert (httpd.unit, httpd.pid, httpd.command) == ("httpd.service", 812, "httpd")
    assert httpd.args == "/usr/sbin/httpd -DFOREGROUND"
    assert httpd.started == utc(2016, 8, 23, 15, 15, 2)
    assert httpd.zone_source is ZoneSource.EXPLICIT
    assert (httpd.line, httpd.format) == (1, "systemctl-status")
    assert (rsyslog.unit, rsyslog.pid, rsyslog.command) == ("rsyslog.service", 640, "rsyslogd")
    assert rsyslog.args == ""


def test_needrestart_batch(write: Write) -> None:
    table = read_processes(write("needrestart.txt", NEEDRESTART))
    assert table.format == "needrestart"
    assert [(p.unit, p.flagged, p.line) for p in table.processes] == [
        ("apache2.service", True, 5),
        ("ssh.service", True, 6),
    ]
    assert all(p.pid is None and p.started is None for p in table.processes)


def test_a_captured_session_reads_every_section(write: Write) -> None:
    text = (
        "$ date\nTue Aug 23 14:30:00 CDT 2016\n$ ps -eo pid,lstart,args\n"
        + PS_LSTART
        + "$ systemctl status httpd rsyslog\n"
        + SYSTEMCTL_STATUS
        + "$ needrestart -b\n"
        + NEEDRESTART
    )
    table = read_processes(write("session.txt", text))
    assert table.format == "ps-lstart+systemctl-status+needrestart"
    assert len(table.processes) == 5 + 2 + 2
    assert table.taken == utc(2016, 8, 23, 19, 30)


@pytest.mark.parametrize(
    ("text", "error", "words"),
    [
        ("", InputError, "empty"),
        ("hello\nworld\n", FormatError, "not a process snapshot"),
        (PS_LSTART + "  99 yesterday /bin/sh\n", ParseError, "a broken ps row"),
        (PS_LSTART + "  99 Tue Feb 30 10:15:02 2016 /bin/sh\n", ParseError, "impossible"),
        (PS_EF + "root  x  1  0 Aug22 ?  00:00:03 /bin/sh\n", ParseError, "not a number"),
        (PS_EF + "root  7  1  0 yday ?  00:00:03 /bin/sh\n", ParseError, "no START we know"),
        ("Id=x.service\nExecMainStartTimestamp=soon\n", ParseError, "not a systemd timestamp"),
        ("Id=x.service\nExecMainStartTimestamp=Tue 2016-08-23 10:15:02 XQZ\n", ParseError, "--tz"),
        ("NEEDRESTART-VER: 3.5\nNEEDRESTART-SVC:\n", ParseError, "without a service"),
        ("1471962600\n" + PS_EF + "$ date\n1471962660\n", ParseError, "more than one snapshot"),
    ],
)
def test_errors_name_file_and_line(
    write: Write, text: str, error: type[InputError], words: str
) -> None:
    path = write("broken.txt", text)
    with pytest.raises(error) as caught:
        read_processes(path)
    assert words in str(caught.value)
    assert caught.value.path == str(path)
    if error is ParseError:
        assert caught.value.line == len(text.splitlines())


def test_a_naive_snapshot_time_is_refused(write: Write) -> None:
    with pytest.raises(UsageError):
        read_processes(write("ps.txt", PS_AUX), taken=dt.datetime(2016, 8, 23, 14, 30))


def test_a_snapshot_time_past_the_year_9999_in_utc_is_refused(write: Write) -> None:
    taken = dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-12)))
    with pytest.raises(UsageError, match="9999"):
        read_processes(write("ps.txt", PS_AUX), taken=taken)


@pytest.mark.parametrize("start", ["0000", "Aug23"])
def test_a_ps_start_out_of_the_calendar_names_its_line(write: Write, start: str) -> None:
    """Year 0, and a day placed past 9999 by the snapshot time, are broken rows."""
    text = "USER PID START COMMAND\nroot 812 " + start + " /usr/sbin/httpd\n"
    taken = dt.datetime(9999, 12, 31, 11, tzinfo=dt.UTC)
    with pytest.raises(ParseError, match="impossible start") as caught:
        read_processes(write("ps.txt", text), tz="Pacific/Kiritimati", taken=taken)
    assert caught.value.line == 2


def test_ps_aux_start_in_the_year_9999(write: Write) -> None:
    text = "USER PID START COMMAND\nroot 812 9999 /usr/sbin/httpd\n"
    (process,) = read_processes(write("ps.txt", text)).processes
    assert process.latest_start == utc(9999, 12, 31, 23, 59, 59)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ("Fri Dec 31 23:00:00 PST 9999\n  PID STARTED COMMAND\n", 1),
        ("  PID STARTED COMMAND\n 1 Fri Dec 31 22:00:00 9999 /sbin/init\n", 2),
        ("Id=x.service\nExecMainStartTimestamp=Fri 9999-12-31 22:00:00 PST\n", 2),
        ("Id=x.service\nExecMainStartTimestamp=Mon 0001-01-01 00:10:00\n", 2),
    ],
)
def test_a_time_outside_the_years_1_to_9999_in_utc_names_its_line(
    write: Write, text: str, line: int
) -> None:
    zone = "Asia/Kathmandu" if "0001" in text else "America/Chicago"
    with pytest.raises(ParseError, match="outside the years 1 to 9999") as caught:
        read_processes(write("ps.txt", text), tz=zone)
    assert caught.value.line == line


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        read_processes(tmp_path)
