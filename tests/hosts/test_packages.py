"""Package lists and package histories of every supported tool read into an `Inventory`:
names, versions, arches, lines, events with UTC times and zone sources, transactions, the
host's name, and the errors of bad input."""

from __future__ import annotations

import datetime as dt
import gzip
from collections.abc import Callable
from pathlib import Path

import pytest

from retroline.errors import FormatError, InputError, ParseError, UsageError
from retroline.hosts import packages as module
from retroline.hosts.packages import (
    FORMATS,
    Install,
    Package,
    detect_format,
    host_from_name,
    read_packages,
)
from retroline.sources import ZoneSource

Write = Callable[..., Path]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Writes a package file into the test's folder and hands back its path."""

    def _write(text: str, name: str = "web01-packages.txt") -> Path:
        path = tmp_path / name
        path.write_text(text.lstrip("\n"), encoding="utf-8")
        return path

    return _write


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


RPM_QA = """\
httpd-2.4.6-97.el7.centos.5.x86_64
perl-Carp-1.26-244.el7.noarch
gpg-pubkey-f4a80eb5-53a7ff4b
glibc-2.17-326.el7_9.i686
openssl-libs-1:1.0.2k-26.el7_9.x86_64
"""

RPM_LAST = """\
httpd-2.4.6-97.el7.centos.5.x86_64            Tue 23 Aug 2016 10:15:02 AM CDT
perl-Carp-1.26-244.el7.noarch                 Mon 22 Aug 2016 03:01:44 PM CDT
gpg-pubkey-f4a80eb5-53a7ff4b                  Mon 01 Aug 2016 09:00:00 AM CDT
"""

DPKG_L = """\
Desired=Unknown/Install/Remove/Purge/Hold
| Status=Not/Inst/Conf-files/Unpacked/halF-conf/Half-inst/trig-aWait/Trig-pend
|/ Err?=(none)/Reinst-required (Status,Err: uppercase=bad)
||/ Name                          Version                 Architecture Description
+++-=============================-=======================-============-===============================
ii  adduser                       3.118ubuntu2            all          add and remove users and groups
ii  libc6:amd64                   2.31-0ubuntu9.9         amd64        GNU C Library: Shared libraries
rc  linux-image-5.4.0-42-generic  5.4.0-42.46             amd64        Signed kernel image generic
ii  openssl                       1.1.1f-1ubuntu2.16      amd64        Secure Sockets Layer toolkit
"""

DPKG_LOG = """\
2016-08-23 10:14:58 startup archives unpack
2016-08-23 10:15:02 upgrade openssl:amd64 1.0.2g-1ubuntu4.5 1.0.2g-1ubuntu4.6
2016-08-23 10:15:02 status half-configured openssl:amd64 1.0.2g-1ubuntu4.5
2016-08-23 10:15:02 status unpacked openssl:amd64 1.0.2g-1ubuntu4.6
2016-08-23 10:15:03 install curl:amd64 <none> 7.47.0-1ubuntu2.1
2016-08-23 10:15:04 configure curl:amd64 7.47.0-1ubuntu2.1 <none>
2016-08-23 10:15:04 status installed curl:amd64 7.47.0-1ubuntu2.1
2016-08-23 10:16:00 remove telnet:amd64 0.17-40 <none>
2016-08-23 10:16:01 purge telnet:amd64 0.17-40 <none>
"""

APT_HISTORY = """\

Start-Date: 2016-08-23  10:15:02
Commandline: apt-get upgrade
Requested-By: ops (1000)
Upgrade: libssl1.0.0:amd64 (1.0.2g-1ubuntu4.5, 1.0.2g-1ubuntu4.6), openssl:amd64 (1.0.2g-1ubuntu4.5, 1.0.2g-1ubuntu4.6)
End-Date: 2016-08-23  10:15:10

Start-Date: 2016-08-24  08:00:01
Commandline: apt-get install curl
Install: libcurl3:amd64 (7.47.0-1ubuntu2.1, automatic), curl:amd64 (7.47.0-1ubuntu2.1)
Remove: telnet:amd64 (0.17-40)
Downgrade: nginx:amd64 (1.10.3-0ubuntu0.16.04.5, 1.10.0-0ubuntu0.16.04.4)
End-Date: 2016-08-24  08:00:09
"""

YUM_LOG = """\
Dec 30 23:10:01 Installed: httpd-2.4.6-40.el7.centos.x86_64
Dec 31 10:15:02 Updated: esmond-2.1-1.el7.noarch
Jan 02 04:00:00 Erased: telnet
Jan 02 04:00:05 Installed: 1:java-1.8.0-openjdk-1.8.0.131-3.b12.el7_3.x86_64
"""

DNF_HISTORY = """\
ID     | Command line             | Date and time    | Action(s)      | Altered
-------------------------------------------------------------------------------
    12 | install httpd            | 2021-03-10 09:16 | Install        |    5
    11 | update                   | 2021-03-01 08:00 | I, U           |   42 EE
"""

YUM_HISTORY = """\
Loaded plugins: fastestmirror
ID     | Login user               | Date and time    | Action(s)      | Altered
-------------------------------------------------------------------------------
     7 | root <root>              | 2016-08-23 10:15 | Update         |    3
     6 | root <root>              | 2016-08-01 09:00 | Erase          |    1
history list
"""

DNF_HISTORY_INFO = """\
Transaction ID : 12
Begin time     : Wed 10 Mar 2021 09:16:52 AM UTC
Begin rpmdb    : 1138:2ef0d8a2c3b4e5f6a7b8c9d0e1f2a3b4c5d6e7f8
End time       : Wed 10 Mar 2021 09:16:58 AM UTC (6 seconds)
End rpmdb      : 1139:4bd0a9c1e2f3a4b5c6d7e8f9a0b1c2d3e4f5a6b7
User           : root <root>
Return-Code    : Success
Releasever     : 8
Command Line   : upgrade openssl-libs
Comment        :
Packages Altered:
    Install  apr-1.6.3-11.el8.x86_64                 @appstream
    Upgrade  openssl-libs-1:1.1.1g-15.el8_3.x86_64   @baseos
    Upgraded openssl-libs-1:1.1.1g-12.el8_3.x86_64   @@System
    Removed  telnet-1:0.17-76.el8.x86_64             @@System
Scriptlet output:
   1 warning: /etc/ssl/openssl.cnf created as /etc/ssl/openssl.cnf.rpmnew
"""

YUM_HISTORY_INFO = """\
Loaded plugins: fastestmirror
Transaction ID : 7
Begin time     : Tue Aug 23 10:15:02 2016
Begin rpmdb    : 512:0a1b2c3d4e5f
End time       :            10:15:10 2016 (8 seconds)
User           : root <root>
Return-Code    : Success
Command Line   : update httpd
Transaction performed with:
    Installed     rpm-4.11.3-21.el7.x86_64 @base
    Installed     yum-3.4.3-150.el7.centos.noarch @base
Packages Altered:
    Updated httpd-2.4.6-40.el7.centos.x86_64 @base
    Update        2.4.6-45.el7.centos.x86_64 @updates
history info
"""


PIP_FREEZE = """\
certifi==2023.7.22
-e git+https://github.com/example/tool.git@3f2c1a9#egg=tool
mypkg @ file:///home/ops/wheels/mypkg-1.0-py3-none-any.whl
# Editable install with no version control (local==0.1)
-e /srv/local
requests==2.31.0
"""

APK = """\
WARNING: Ignoring https://dl-cdn.alpinelinux.org/alpine/v3.18/main: No such file or directory
musl-1.2.4-r2
busybox-1.36.1-r5
ca-certificates-bundle-20230506-r0
"""


def test_rpm_qa_reads_nevra_and_skips_gpg_keys(write: Write) -> None:
    inventory = read_packages(write(RPM_QA, "psds0-rpm-qa.txt"))
    assert inventory.format == "rpm"
    assert inventory.packages == [
        Package("httpd", "2.4.6-97.el7.centos.5", "x86_64", "rpm", 1),
        Package("perl-Carp", "1.26-244.el7", "noarch", "rpm", 2),
        Package("glibc", "2.17-326.el7_9", "i686", "rpm", 4),
        Package("openssl-libs", "1:1.0.2k-26.el7_9", "x86_64", "rpm", 5),
    ]
    assert inventory.installs == []
    assert (inventory.host, inventory.host_source) == ("psds0", "file name")


def test_rpm_last_times_with_their_zone_label_are_explicit(write: Write) -> None:
    inventory = read_packages(write(RPM_LAST))
    assert inventory.format == "rpm-last"
    assert [(p.name, p.version, p.arch) for p in inventory.packages] == [
        ("httpd", "2.4.6-97.el7.centos.5", "x86_64"),
        ("perl-Carp", "1.26-244.el7", "noarch"),
    ]
    first = inventory.installs[0]
    assert first == Install(
        utc("2016-08-23 15:15:02"),
        "install",
        "httpd",
        None,
        "2.4.6-97.el7.centos.5",
        "rpm",
        None,
        1,
        ZoneSource.EXPLICIT,
    )
    assert inventory.installs[1].at == utc("2016-08-22 20:01:44")


def test_rpm_last_ambiguous_label_follows_tz_region(write: Write) -> None:
    path = write("kernel-3.10.0-1160.el7.x86_64   Tue 23 Aug 2016 10:15:02 AM CST\n")
    assert read_packages(path).installs[0].at == utc("2016-08-23 16:15:02")
    china = read_packages(path, tz="Asia/Shanghai").installs[0]
    assert china.at == utc("2016-08-23 02:15:02")
    assert china.zone_source is ZoneSource.EXPLICIT


@pytest.mark.parametrize(
    ("tz", "at", "source"),
    [
        (None, "2016-08-23 10:15:02", ZoneSource.ASSUMED),
        ("Europe/Zurich", "2016-08-23 08:15:02", ZoneSource.OPTION),
    ],
)
def test_rpm_last_without_zone_uses_tz_or_assumes_utc(
    write: Write, tz: str | None, at: str, source: ZoneSource
) -> None:
    path = write("httpd-2.4.6-97.el7.x86_64   Tue Aug 23 10:15:02 2016\n")
    event = read_packages(path, tz=tz).installs[0]
    assert (event.at, event.zone_source) == (utc(at), source)


def test_rpm_last_unknown_zone_label_asks_for_tz(write: Write) -> None:
    path = write("httpd-2.4.6-97.el7.x86_64   Tue 23 Aug 2016 10:15:02 AM XYZT\n")
    with pytest.raises(ParseError, match=r"XYZT.*--tz") as caught:
        read_packages(path)
    assert caught.value.line == 1


@pytest.mark.parametrize(
    ("text", "name", "version", "arch"),
    [
        ("httpd 2.4.6-97.el7 1471965302\n", "httpd", "2.4.6-97.el7", None),
        ("httpd\t2.4.6-97.el7\tx86_64\t1471965302\n", "httpd", "2.4.6-97.el7", "x86_64"),
        ("httpd-2.4.6-97.el7.x86_64\t1471965302\n", "httpd", "2.4.6-97.el7", "x86_64"),
        ("bash\t(none):4.2.46-34.el7\tx86_64\t1471965302\n", "bash", "4.2.46-34.el7", "x86_64"),
        ("httpd\t2.4.6-97.el7\n", "httpd", "2.4.6-97.el7", None),
    ],
)
def test_rpm_queryformat_forms(
    write: Write, text: str, name: str, version: str, arch: str | None
) -> None:
    inventory = read_packages(write(text))
    assert inventory.format == "rpm-queryformat"
    assert inventory.packages == [Package(name, version, arch, "rpm", 1)]
    if "1471965302" in text:
        event = inventory.installs[0]
        assert event.at == utc("2016-08-23 15:15:02")
        assert event.zone_source is ZoneSource.EXPLICIT


def test_dpkg_l_skips_headers_and_removed_packages(write: Write) -> None:
    inventory = read_packages(write(DPKG_L))
    assert inventory.format == "dpkg-l"
    assert inventory.packages == [
        Package("adduser", "3.118ubuntu2", "all", "deb", 6),
        Package("libc6", "2.31-0ubuntu9.9", "amd64", "deb", 7),
        Package("openssl", "1.1.1f-1ubuntu2.16", "amd64", "deb", 9),
    ]


def test_dpkg_l_without_architecture_column(write: Write) -> None:
    text = (
        "||/ Name           Version        Description\n"
        "+++-==============-==============-==========================\n"
        "ii  libc6:i386     2.13-38        Embedded GNU C Library\n"
    )
    assert read_packages(write(text)).packages == [Package("libc6", "2.13-38", "i386", "deb", 3)]


def test_dpkg_l_broken_row_is_a_parse_error(write: Write) -> None:
    with pytest.raises(ParseError) as caught:
        read_packages(write(DPKG_L + "garbage in the table\n"))
    assert caught.value.line == 10


def test_dpkg_query(write: Write) -> None:
    text = (
        "adduser\t3.118ubuntu2\nlibc6:amd64\t2.31-0ubuntu9.9\nold-config\t\ncurl\t7.68.0-1\tamd64\n"
    )
    inventory = read_packages(write(text))
    assert inventory.format == "dpkg-query"
    assert inventory.packages == [
        Package("adduser", "3.118ubuntu2", None, "deb", 1),
        Package("libc6", "2.31-0ubuntu9.9", "amd64", "deb", 2),
        Package("curl", "7.68.0-1", "amd64", "deb", 4),
    ]


@pytest.mark.parametrize(
    ("stamp", "tz"), [("2020-07-99 07:47:44", None), ("9999-12-31 23:00:00", "America/Chicago")]
)
def test_a_dpkg_log_time_out_of_the_calendar_names_its_line(
    write: Write, stamp: str, tz: str | None
) -> None:
    text = f"2016-08-23 14:02:11 startup archives unpack\n{stamp} purge nginx:all 1.0 <none>\n"
    with pytest.raises(ParseError, match=r"impossible (dpkg\.log )?time") as caught:
        read_packages(write(text, "dpkg.log"), tz=tz)
    assert caught.value.line == 2


@pytest.mark.parametrize(
    ("text", "name", "options", "line"),
    [
        ("httpd-1-1.el7.x86_64   Fri 31 Dec 9999 11:00:00 PM PST\n", "rpm-last.txt", {}, 1),
        ("Dec 31 23:00:00 Installed: httpd-1-1.el7.x86_64\n", "yum.log", {"year": 9999}, 1),
        ("Start-Date: 9999-12-31  23:00:00\nInstall: a:amd64 (1)\n", "history.log", {}, 1),
        (
            "ID | Command line | Date and time | Action(s) | Altered\n----\n"
            " 1 | x | 9999-12-31 23:00 | Install | 1\n",
            "dnf-history.txt",
            {},
            3,
        ),
    ],
)
def test_a_time_outside_the_years_1_to_9999_in_utc_names_its_line(
    write: Write, text: str, name: str, options: dict[str, int], line: int
) -> None:
    """9999-12-31 23:00 in Chicago is in the year 10000 in UTC: refused, not an
    OverflowError."""
    with pytest.raises(ParseError, match="outside the years 1 to 9999") as caught:
        read_packages(write(text, name), tz="America/Chicago", **options)
    assert caught.value.line == line


def test_dpkg_log_events(write: Write) -> None:
    inventory = read_packages(write(DPKG_LOG, "dpkg.log"), tz="America/Chicago")
    assert inventory.format == "dpkg-log"
    assert inventory.packages == []
    assert [(e.action, e.name, e.old, e.new, e.line) for e in inventory.installs] == [
        ("upgrade", "openssl", "1.0.2g-1ubuntu4.5", "1.0.2g-1ubuntu4.6", 2),
        ("install", "curl", None, "7.47.0-1ubuntu2.1", 5),
        ("remove", "telnet", "0.17-40", None, 8),
        ("remove", "telnet", "0.17-40", None, 9),
    ]
    first = inventory.installs[0]
    assert first.at == utc("2016-08-23 15:15:02")
    assert first.zone_source is ZoneSource.OPTION
    assert first.ecosystem == "deb"
    assert (inventory.host, inventory.host_source) == ("", "unknown")


def test_apt_history_blocks_are_transactions(write: Write) -> None:
    inventory = read_packages(write(APT_HISTORY, "history.log"))
    assert inventory.format == "apt-history"
    rows = [(e.action, e.name, e.old, e.new, e.transaction, e.line) for e in inventory.installs]
    assert rows == [
        ("upgrade", "libssl1.0.0", "1.0.2g-1ubuntu4.5", "1.0.2g-1ubuntu4.6", "line 1", 4),
        ("upgrade", "openssl", "1.0.2g-1ubuntu4.5", "1.0.2g-1ubuntu4.6", "line 1", 4),
        ("install", "libcurl3", None, "7.47.0-1ubuntu2.1", "line 7", 9),
        ("install", "curl", None, "7.47.0-1ubuntu2.1", "line 7", 9),
        ("remove", "telnet", "0.17-40", None, "line 7", 10),
        (
            "downgrade",
            "nginx",
            "1.10.3-0ubuntu0.16.04.5",
            "1.10.0-0ubuntu0.16.04.4",
            "line 7",
            11,
        ),
    ]
    assert inventory.installs[0].at == utc("2016-08-23 10:15:02")
    assert inventory.installs[0].zone_source is ZoneSource.ASSUMED
    assert inventory.installs[2].at == utc("2016-08-24 08:00:01")


def test_apt_history_broken_package_list(write: Write) -> None:
    text = "Start-Date: 2016-08-23  10:15:02\nUpgrade: openssl:amd64 (1.0, 1.1), broken\n"
    with pytest.raises(ParseError, match="broken package list") as caught:
        read_packages(write(text))
    assert caught.value.line == 2


def test_yum_log_without_year_has_no_times(write: Write) -> None:
    inventory = read_packages(write(YUM_LOG, "yum.log"))
    assert inventory.format == "yum-log"
    assert [(e.at, e.action, e.name, e.old, e.new) for e in inventory.installs] == [
        (None, "install", "httpd", None, "2.4.6-40.el7.centos"),
        (None, "upgrade", "esmond", None, "2.1-1.el7"),
        (None, "remove", "telnet", None, None),
        (None, "install", "java-1.8.0-openjdk", None, "1:1.8.0.131-3.b12.el7_3"),
    ]
    assert all(e.year_from is None for e in inventory.installs)


def test_yum_log_year_moves_on_at_new_year(write: Write) -> None:
    inventory = read_packages(write(YUM_LOG, "db2-yum.log"), year=2016, tz="Europe/Berlin")
    assert [(e.at, e.year_from, e.zone_source) for e in inventory.installs] == [
        (utc("2016-12-30 22:10:01"), "option", ZoneSource.OPTION),
        (utc("2016-12-31 09:15:02"), "option", ZoneSource.OPTION),
        (utc("2017-01-02 03:00:00"), "order", ZoneSource.OPTION),
        (utc("2017-01-02 03:00:05"), "order", ZoneSource.OPTION),
    ]
    assert inventory.host == "db2"


def test_yum_log_unknown_action_is_a_parse_error(write: Write) -> None:
    with pytest.raises(ParseError, match=r"yum\.log") as caught:
        read_packages(write(YUM_LOG + "Jan 02 05:00:00 Exploded: httpd\n"))
    assert caught.value.line == 5


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            DNF_HISTORY,
            [
                ("12", "install", "2021-03-10 09:16", 3),
                ("11", "install", "2021-03-01 08:00", 4),
                ("11", "upgrade", "2021-03-01 08:00", 4),
            ],
        ),
        (
            YUM_HISTORY,
            [("7", "upgrade", "2016-08-23 10:15", 4), ("6", "remove", "2016-08-01 09:00", 5)],
        ),
    ],
)
def test_history_listing_transactions(
    write: Write, text: str, expected: list[tuple[str, str, str, int]]
) -> None:
    inventory = read_packages(write(text))
    assert inventory.format == "dnf-history"
    rows = [(e.transaction, e.action, e.at, e.line) for e in inventory.installs]
    assert rows == [(t, a, utc(at), line) for t, a, at, line in expected]
    assert all(e.name == "" and e.ecosystem == "rpm" for e in inventory.installs)


def test_pip_freeze(write: Write) -> None:
    inventory = read_packages(write(PIP_FREEZE, "app1-pip-freeze.txt"))
    assert inventory.format == "pip-freeze"
    assert inventory.packages == [
        Package("certifi", "2023.7.22", None, "python", 1),
        Package(
            "tool", "git+https://github.com/example/tool.git@3f2c1a9#egg=tool", None, "python", 2
        ),
        Package("mypkg", "file:///home/ops/wheels/mypkg-1.0-py3-none-any.whl", None, "python", 3),
        Package("local", "/srv/local", None, "python", 5),
        Package("requests", "2.31.0", None, "python", 6),
    ]
    assert inventory.host == "app1"


def test_apk_info(write: Write) -> None:
    inventory = read_packages(write(APK, "alpine3_apk.txt"))
    assert inventory.format == "apk"
    assert inventory.packages == [
        Package("musl", "1.2.4-r2", None, "apk", 2),
        Package("busybox", "1.36.1-r5", None, "apk", 3),
        Package("ca-certificates-bundle", "20230506-r0", None, "apk", 4),
    ]
    assert inventory.host == "alpine3"


@pytest.mark.parametrize(
    ("text", "fmt"),
    [
        (RPM_QA, "rpm"),
        (RPM_LAST, "rpm-last"),
        ("httpd 2.4.6-97.el7 1471965302\n", "rpm-queryformat"),
        (DPKG_L, "dpkg-l"),
        ("adduser\t3.118ubuntu2\n", "dpkg-query"),
        (DPKG_LOG, "dpkg-log"),
        (APT_HISTORY, "apt-history"),
        (YUM_LOG, "yum-log"),
        (DNF_HISTORY, "dnf-history"),
        (YUM_HISTORY, "dnf-history"),
        (DNF_HISTORY_INFO, "dnf-history-info"),
        (YUM_HISTORY_INFO, "dnf-history-info"),
        (PIP_FREEZE, "pip-freeze"),
        (APK, "apk"),
        ("# host: web01\n" + RPM_QA, "rpm"),
    ],
)
def test_detect_format_from_content(text: str, fmt: str) -> None:
    assert detect_format(text.splitlines()) == fmt
    assert fmt in FORMATS


def test_every_format_has_a_reader() -> None:
    assert set(module._READERS) == set(FORMATS)


@pytest.mark.parametrize("header", ["# host: db-primary-1", "hostname: db-primary-1"])
def test_host_header_line(write: Write, header: str) -> None:
    inventory = read_packages(write(f"{header}\n{RPM_QA}", "rpm-qa.txt"))
    assert (inventory.host, inventory.host_source) == ("db-primary-1", "header")
    assert inventory.packages[0].line == 2


def test_host_option_wins(write: Write) -> None:
    inventory = read_packages(write("# host: other\n" + RPM_QA), host="web09")
    assert (inventory.host, inventory.host_source) == ("web09", "option")


@pytest.mark.parametrize(
    ("name", "host"),
    [
        ("psds0-rpm-qa.txt", "psds0"),
        ("psds0_dpkg.txt", "psds0"),
        ("web01.example.com-packages.txt.gz", "web01.example.com"),
        ("apt-mirror-01-dpkg-l.txt", "apt-mirror-01"),
        ("db2.yum.log", "db2"),
        ("web01.txt", "web01"),
        ("web01", "web01"),
        ("dpkg.log", None),
        ("dpkg.log.1", None),
        ("rpm-qa.txt", None),
        ("yum.log-20170101", None),
        ("history.log.gz", None),
    ],
)
def test_host_from_file_name(name: str, host: str | None) -> None:
    assert host_from_name(name) == host


def test_compressed_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "web02-rpm-qa.txt.gz"
    path.write_bytes(gzip.compress(RPM_QA.encode()))
    inventory = read_packages(path)
    assert (inventory.host, len(inventory.packages)) == ("web02", 4)


def test_unknown_format_names_the_known_ones(write: Write) -> None:
    with pytest.raises(FormatError, match="known formats: rpm, rpm-last") as caught:
        read_packages(write("Hello, this is a note about the outage.\n"))
    assert caught.value.path is not None
    with pytest.raises(FormatError):
        detect_format(["Hello, this is a note about the outage."])


@pytest.mark.parametrize("text", ["", "\n\n  \n", "# host: web01\n"])
def test_empty_file_is_an_input_error(write: Write, text: str) -> None:
    with pytest.raises(InputError, match="empty") as caught:
        read_packages(write(text))
    assert type(caught.value) is InputError


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (RPM_QA + "not a package\n", 6),
        (RPM_LAST + "httpd-2.4.6-97.el7.x86_64   Tue 99 Foo 2016\n", 4),
        (DPKG_LOG + "2016-08-23 10:17:00 upgrade half-a-line\n", 10),
        (DPKG_LOG + "something else\n", 10),
        (APT_HISTORY + "Bogus: line\n", 13),
        (DNF_HISTORY + "    10 | x | yesterday | Install | 1\n", 5),
        (DNF_HISTORY + "    10 | x | 2021-02-01 08:00 | Frobnicate | 1\n", 5),
        (PIP_FREEZE + "not a requirement line\n", 7),
        (APK + "musl\n", 5),
        ("adduser\t3.118\nbroken line without tab\n", 2),
        ("httpd 2.4.6-97.el7 1471965302\nhttpd 2.4 extra words 1471965302\n", 2),
    ],
)
def test_broken_line_is_a_parse_error_naming_it(write: Write, text: str, line: int) -> None:
    path = write(text)
    with pytest.raises(ParseError) as caught:
        read_packages(path)
    assert caught.value.line == line
    assert str(path) in str(caught.value)


def test_bad_tz_is_a_usage_error(write: Write) -> None:
    with pytest.raises(UsageError):
        read_packages(write(RPM_QA), tz="Mars/Olympus")


def test_impossible_year_is_a_usage_error(write: Write) -> None:
    with pytest.raises(UsageError, match="year"):
        read_packages(write(YUM_LOG), year=0)


def test_binary_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "junk.bin"
    path.write_bytes(bytes(range(256)) * 64)
    with pytest.raises(InputError):
        read_packages(path)


@pytest.mark.parametrize(
    "text",
    [
        "Start-Date: 2016-08-23  10:15:02\nInstall: " + "a" * 200_000 + "\n",
        "Start-Date: 2016-08-23  10:15:02\nInstall: " + "a (1), " * 30_000 + "b\n",
        "httpd-2.4.6-97.el7.x86_64 Tue" + " " * 200_000 + "x\n",
    ],
)
def test_long_broken_lines_fail_as_parse_errors(write: Write, text: str) -> None:
    with pytest.raises(ParseError) as caught:
        read_packages(write(text))
    assert caught.value.line == 2 or "Tue" in text


def test_apt_history_purge_and_reinstall(write: Write) -> None:
    text = (
        "Start-Date: 2020-05-01  12:00:00\n"
        "Commandline: apt purge telnet\n"
        "Purge: telnet:amd64 (0.17-41.2build1)\n"
        "Reinstall: bash:amd64 (5.0-6ubuntu1.1)\n"
        "End-Date: 2020-05-01  12:00:02\n"
    )
    rows = [(e.action, e.name, e.old, e.new) for e in read_packages(write(text)).installs]
    assert rows == [
        ("remove", "telnet", "0.17-41.2build1", None),
        ("reinstall", "bash", None, "5.0-6ubuntu1.1"),
    ]


def test_dnf_history_info_pairs_upgrade_rows(write: Write) -> None:
    inventory = read_packages(write(DNF_HISTORY_INFO))
    assert inventory.format == "dnf-history-info"
    assert [
        (e.action, e.name, e.old, e.new, e.transaction, e.line) for e in inventory.installs
    ] == [
        ("install", "apr", None, "1.6.3-11.el8", "12", 12),
        ("upgrade", "openssl-libs", "1:1.1.1g-12.el8_3", "1:1.1.1g-15.el8_3", "12", 13),
        ("remove", "telnet", "1:0.17-76.el8", None, "12", 15),
    ]
    assert {(e.at, e.zone_source) for e in inventory.installs} == {
        (utc("2021-03-10 09:16:52"), ZoneSource.EXPLICIT)
    }


def test_yum_history_info_version_only_row_takes_the_name_before(write: Write) -> None:
    inventory = read_packages(write(YUM_HISTORY_INFO), tz="America/Chicago")
    assert [(e.action, e.name, e.old, e.new, e.transaction) for e in inventory.installs] == [
        ("upgrade", "httpd", "2.4.6-40.el7.centos", "2.4.6-45.el7.centos", "7"),
    ]
    event = inventory.installs[0]
    assert (event.at, event.zone_source) == (utc("2016-08-23 15:15:02"), ZoneSource.OPTION)


def test_history_info_unknown_row_is_a_parse_error(write: Write) -> None:
    text = DNF_HISTORY_INFO.replace("    Removed  telnet", "    Exploded telnet")
    with pytest.raises(ParseError, match="Packages Altered") as caught:
        read_packages(write(text))
    assert caught.value.line == 15
