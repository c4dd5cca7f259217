"""Socket table readers: ss, ss -s, netstat, /proc/net/tcp(6), watch loops, and the counts."""

from __future__ import annotations

import datetime as dt
import gzip
import ipaddress
import struct
from collections.abc import Callable
from pathlib import Path

import pytest

from retroline.errors import EncodingError, FormatError, InputError, ParseError, UsageError
from retroline.hosts import sockets
from retroline.hosts.socket_counts import Counts, counts, limit_from_sysctl, series, summary
from retroline.hosts.sockets import Snapshot, SocketRow, family, normal_state, read_sockets
from retroline.sources import ZoneSource

SS_TANP = """\
State      Recv-Q Send-Q        Local Address:Port          Peer Address:Port Process
LISTEN     0      128                 0.0.0.0:22                 0.0.0.0:*     users:(("sshd",pid=601,fd=3))
ESTAB      0      0                  10.0.0.5:40012             10.0.0.7:5432  users:(("postgres",pid=812,fd=9))
FIN-WAIT-2 0      0                  10.0.0.5:40014             10.0.0.7:5432
TIME-WAIT  0      0                  10.0.0.5:40016             10.0.0.8:5432
CLOSE-WAIT 1      0        [::ffff:10.0.0.5]:8080     [::ffff:10.0.0.9]:51234 users:(("java",pid=900,fd=41),("java",pid=900,fd=42))
ESTAB      0      0          [2001:db8::1]%eth0:443          [2001:db8::2]:54321 users:(("Web Content",pid=77,fd=5))
LISTEN     0      128                    [::]:22                    [::]:*     users:(("sshd",pid=601,fd=4))
"""

SS_NETID = """\
Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:Port
udp   UNCONN 0      0            0.0.0.0:68         0.0.0.0:*
tcp   ESTAB  0      36          10.0.0.5:22      10.0.0.99:60000
\t cubic wscale:7,7 rto:204 rtt:0.5/0.25 mss:1448
u_str ESTAB  0      0                  * 16001            * 16002
tcp   SYN-SENT 0    1           10.0.0.5:40100     10.0.0.7:5432
"""

NETSTAT_ANP = """\
Active Internet connections (servers and established)
Proto Recv-Q Send-Q Local Address           Foreign Address         State       PID/Program name
tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN      601/sshd
tcp        0      0 10.0.0.5:40012          10.0.0.7:5432           FIN_WAIT2   812/postgres
tcp        0      0 10.0.0.5:40014          10.0.0.7:5432           FIN_WAIT1   -
tcp        0      0 10.0.0.5:40016          10.0.0.7:5432           TIME_WAIT   -
tcp        0      0 10.0.0.5:5432           10.0.0.20:39000         ESTABLISHED 813/postgres: walwriter
tcp6       0      0 :::22                   :::*                    LISTEN      601/sshd
tcp6       0      0 ::ffff:10.0.0.5:8080    ::ffff:10.0.0.9:51234   ESTABLISHED 900/java
udp        0      0 0.0.0.0:68              0.0.0.0:*                           544/dhclient
Active UNIX domain sockets (servers and established)
Proto RefCnt Flags       Type       State         I-Node   PID/Program name     Path
unix  2      [ ACC ]     STREAM     LISTENING     15432    1/systemd            /run/systemd/private
unix  3      [ ]         STREAM     CONNECTED     16001    -
"""

NETSTAT_A = """\
Active Internet connections (servers and established)
Proto Recv-Q Send-Q Local Address           Foreign Address         State
tcp        0      0 *:ssh                   *:*                     LISTEN
tcp        0      0 host.example.org:http   client7.example.or:51234 ESTABLISHED
tcp        0      0 host.example.org:40012  db1.example.org:postgresql FIN_WAIT2
tcp        0      0 localhost:9999          localhost:exotic-svc    CLOSE_WAIT
"""

NETSTAT_MACOS = """\
Active Internet connections (including servers)
Proto Recv-Q Send-Q  Local Address          Foreign Address        (state)
tcp4       0      0  10.0.0.5.52344         10.0.0.7.5432          FIN_WAIT_2
tcp4       0      0  *.22                   *.*                    LISTEN
tcp6       0      0  2001:db8::1.443        2001:db8::2.54321      SYN_RCVD
"""


def _hex4(address: str) -> str:
    """An IPv4 address as /proc/net/tcp writes it: one little-endian 32-bit word."""
    return "{:08X}".format(struct.unpack("<I", ipaddress.IPv4Address(address).packed)[0])


def _hex6(address: str) -> str:
    """An IPv6 address as /proc/net/tcp6 writes it: four little-endian 32-bit words."""
    return "".join(f"{w:08X}" for w in struct.unpack("<4I", ipaddress.IPv6Address(address).packed))


def test_hex_helpers_agree_with_hand_written_fields() -> None:
    assert _hex4("10.0.0.5") == "0500000A"
    assert _hex6("::ffff:10.0.0.5") == "0000000000000000FFFF00000500000A"
    assert _hex6("2001:db8::1") == "B80D0120000000000000000001000000"


PROC_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 15001 1 0000000000000000 100 0 0 10 0
   1: 0500000A:9C4C 0700000A:1538 05 00000000:00000000 00:00000000 00000000   999        0 0 3 0000000000000000
   2: 0500000A:9C4E 0700000A:1538 01 00000000:00000000 00:00000000 00000000   999        0 16002 1 0000000000000000 20 4 30 10 -1
   3: 0500000A:9C50 0800000A:1538 06 00000000:00000000 03:00000F1A 00000000     0        0 0 3 0000000000000000
"""

PROC_TCP6 = """\
  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 00000000000000000000000000000000:0016 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 15003 1 0000000000000000 100 0 0 10 0
   1: 0000000000000000FFFF00000500000A:1F90 0000000000000000FFFF00000900000A:C802 08 00000000:00000001 00:00000000 00000000  1000        0 16100 1 0000000000000000 20 4 0 10 -1
   2: B80D0120000000000000000001000000:01BB B80D0120000000000000000002000000:D431 01 00000000:00000000 00:00000000 00000000    33        0 16101 1 0000000000000000 20 4 0 10 -1
"""

SS_SUMMARY = """\
Total: 1087
TCP:   539 (estab 20, closed 10, orphaned 0, timewait 5/0), ports 0

Transport Total     IP        IPv6
RAW\t  0         0         0
UDP\t  6         4         2
TCP\t  529       520       9
INET\t  535       524       11
FRAG\t  0         0         0
"""

_HEADER = (
    "Active Internet connections (servers and established)\n"
    "Proto Recv-Q Send-Q Local Address           Foreign Address         State\n"
)


def _netstat_rows(*states: str) -> str:
    return "".join(
        f"tcp        0      0 10.0.0.5:{40000 + i}    10.0.0.7:5432    {state}\n"
        for i, state in enumerate(states)
    )


# As `while true; do date; netstat -an; sleep 60; done > netstat.log` writes it.
WATCH_LOOP = (
    "Tue Mar  1 02:00:01 CET 2016\n"
    + _HEADER
    + "tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN\n"
    + _netstat_rows("ESTABLISHED", "ESTABLISHED")
    + "Tue Mar  1 02:01:01 CET 2016\n"
    + _HEADER
    + "tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN\n"
    + _netstat_rows("ESTABLISHED", "FIN_WAIT2", "FIN_WAIT2", "FIN_WAIT2", "FIN_WAIT1")
    + "Tue Mar  1 02:02:01 CET 2016\n"
    + _HEADER
    + "tcp        0      0 0.0.0.0:22              0.0.0.0:*               LISTEN\n"
    + _netstat_rows(*["FIN_WAIT2"] * 5, "TIME_WAIT")
)


Write = Callable[..., Path]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Writes text to a file in a temporary folder and hands back its path."""

    def _write(text: str, name: str = "sockets.txt") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return _write


def _row(path: Path, index: int = 0, snapshot: int = 0) -> SocketRow:
    return read_sockets(path).snapshots[snapshot].rows[index]


# ----------------------------------------------------------------------------- states


@pytest.mark.parametrize(
    ("text", "state"),
    [
        ("FIN-WAIT-1", "FIN-WAIT-1"),
        ("FIN_WAIT1", "FIN-WAIT-1"),
        ("fin-wait-1", "FIN-WAIT-1"),
        ("FIN_WAIT_2", "FIN-WAIT-2"),
        ("FIN_WAIT", "FIN-WAIT"),
        ("ESTAB", "ESTABLISHED"),
        ("established", "ESTABLISHED"),
        ("TIME_WAIT", "TIME-WAIT"),
        ("timewait", "TIME-WAIT"),
        ("SYN_RECV", "SYN-RECV"),
        ("SYN_RCVD", "SYN-RECV"),
        ("SYN-SENT", "SYN-SENT"),
        ("CLOSE_WAIT", "CLOSE-WAIT"),
        ("LAST_ACK", "LAST-ACK"),
        ("CLOSED", "CLOSE"),
        ("UNCONN", "CLOSE"),
        ("LISTENING", "LISTEN"),
        ("UNKNOWN", "UNKNOWN"),
        ("01", "ESTABLISHED"),
        ("04", "FIN-WAIT-1"),
        ("05", "FIN-WAIT-2"),
        ("06", "TIME-WAIT"),
        ("0A", "LISTEN"),
        ("0a", "LISTEN"),
        ("0B", "CLOSING"),
        ("0C", "NEW-SYN-RECV"),
        ("00", None),
        ("0D", None),
        ("WAITING", None),
        ("", None),
    ],
)
def test_normal_state(text: str, state: str | None) -> None:
    assert normal_state(text) == state


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ("FIN-WAIT-1", "FIN-WAIT"),
        ("FIN-WAIT-2", "FIN-WAIT"),
        ("FIN_WAIT", "FIN-WAIT"),
        ("fin_wait2", "FIN-WAIT"),
        ("ESTABLISHED", "ESTABLISHED"),
        ("TIME-WAIT", "TIME-WAIT"),
        ("nonsense", "UNKNOWN"),
    ],
)
def test_family(state: str, expected: str) -> None:
    assert family(state) == expected


def test_every_state_is_its_own_family_but_fin_wait() -> None:
    for state in sockets.State:
        expected = "FIN-WAIT" if state.startswith("FIN-WAIT") else state.value
        assert family(state) == expected


# ----------------------------------------------------------------------------- ss


def test_ss_rows(write: Write) -> None:
    table = read_sockets(write(SS_TANP), host="app1")
    assert (table.host, table.format, len(table.snapshots)) == ("app1", "ss", 1)
    snapshot = table.snapshots[0]
    assert (snapshot.at, snapshot.zone_source, snapshot.line) == (None, None, 1)
    rows = snapshot.rows
    assert [r.state for r in rows] == [
        "LISTEN",
        "ESTABLISHED",
        "FIN-WAIT-2",
        "TIME-WAIT",
        "CLOSE-WAIT",
        "ESTABLISHED",
        "LISTEN",
    ]
    assert rows[0] == SocketRow("tcp", "LISTEN", "0.0.0.0", 22, "0.0.0.0", None, "sshd", 601, 2)
    assert rows[1] == SocketRow(
        "tcp", "ESTABLISHED", "10.0.0.5", 40012, "10.0.0.7", 5432, "postgres", 812, 3
    )
    assert (rows[2].process, rows[2].pid) == (None, None)
    # An IPv4-mapped address counts as the IPv4 host it is; the first of several users.
    assert rows[4] == SocketRow(
        "tcp6", "CLOSE-WAIT", "10.0.0.5", 8080, "10.0.0.9", 51234, "java", 900, 6
    )
    # The interface is dropped; a process name with a space is whole.
    assert (rows[5].local_host, rows[5].local_port, rows[5].process) == (
        "2001:db8::1",
        443,
        "Web Content",
    )
    assert (rows[6].proto, rows[6].local_host, rows[6].peer_port) == ("tcp6", "::", None)


def test_ss_with_netid_reads_tcp_only_and_skips_detail_lines(write: Write) -> None:
    rows = read_sockets(write(SS_NETID)).snapshots[0].rows
    assert [(r.state, r.peer_host, r.peer_port, r.line) for r in rows] == [
        ("ESTABLISHED", "10.0.0.99", 60000, 3),
        ("SYN-SENT", "10.0.0.7", 5432, 6),
    ]


def test_ss_filtered_by_state_has_no_state_column(write: Write) -> None:
    text = (
        "Recv-Q Send-Q Local Address:Port  Peer Address:Port\n"
        "0      0          10.0.0.5:40012     10.0.0.7:5432\n"
    )
    row = _row(write(text))
    assert (row.state, row.peer_port) == ("UNKNOWN", 5432)


def test_ss_summary_counts(write: Write) -> None:
    table = read_sockets(write(SS_SUMMARY))
    assert table.format == "ss-summary"
    snapshot = table.snapshots[0]
    assert snapshot.rows == ()
    assert snapshot.orphaned == 0
    counted = counts(snapshot)
    assert counted.total == 539
    assert dict(counted.by_state) == {
        "OTHER": 504,
        "ESTABLISHED": 20,
        "CLOSE": 10,
        "TIME-WAIT": 5,
    }
    assert counted.by_peer_port == {}
    assert summary(counted) == "539 TCP sockets: 94% in OTHER"


def test_ss_summary_with_synrecv_of_older_ss(write: Write) -> None:
    text = "TCP:   40 (estab 30, closed 2, orphaned 1, synrecv 3, timewait 2/0), ports 0\n"
    counted = counts(read_sockets(write(text)).snapshots[0])
    assert dict(counted.by_state) == {
        "ESTABLISHED": 30,
        "SYN-RECV": 3,
        "OTHER": 3,
        "CLOSE": 2,
        "TIME-WAIT": 2,
    }
    assert counted.orphaned == 1


def test_ss_summary_then_table_in_one_snapshot(write: Write) -> None:
    table = read_sockets(write("2016-03-01T02:00:01Z\n" + SS_SUMMARY + SS_TANP))
    assert table.format == "ss-summary+ss"
    (snapshot,) = table.snapshots
    assert snapshot.totals is not None and snapshot.totals["total"] == 539
    assert counts(snapshot).total == 7  # the rows, when there are rows


# ----------------------------------------------------------------------------- netstat


def test_netstat_anp_rows(write: Write) -> None:
    table = read_sockets(write(NETSTAT_ANP))
    assert table.format == "netstat"
    rows = table.snapshots[0].rows
    assert len(rows) == 7  # the udp row and the UNIX sockets are skipped
    assert rows[1] == SocketRow(
        "tcp", "FIN-WAIT-2", "10.0.0.5", 40012, "10.0.0.7", 5432, "postgres", 812, 4
    )
    assert (rows[2].state, rows[2].process, rows[2].pid) == ("FIN-WAIT-1", None, None)
    assert (rows[4].process, rows[4].pid) == ("postgres: walwriter", 813)
    assert rows[5] == SocketRow("tcp6", "LISTEN", "::", 22, "::", None, "sshd", 601, 8)
    assert rows[6] == SocketRow(
        "tcp6", "ESTABLISHED", "10.0.0.5", 8080, "10.0.0.9", 51234, "java", 900, 9
    )


def test_netstat_a_with_names(write: Write) -> None:
    rows = read_sockets(write(NETSTAT_A)).snapshots[0].rows
    assert [(r.local_host, r.local_port, r.peer_host, r.peer_port) for r in rows] == [
        ("*", 22, "*", None),
        ("host.example.org", 80, "client7.example.or", 51234),
        ("host.example.org", 40012, "db1.example.org", 5432),
        ("localhost", 9999, "localhost", "exotic-svc"),
    ]
    assert [r.state for r in rows] == ["LISTEN", "ESTABLISHED", "FIN-WAIT-2", "CLOSE-WAIT"]


def test_netstat_of_macos(write: Write) -> None:
    rows = read_sockets(write(NETSTAT_MACOS)).snapshots[0].rows
    assert [(r.proto, r.state, r.local_host, r.local_port, r.peer_port) for r in rows] == [
        ("tcp", "FIN-WAIT-2", "10.0.0.5", 52344, 5432),
        ("tcp", "LISTEN", "*", 22, None),
        ("tcp6", "SYN-RECV", "2001:db8::1", 443, 54321),
    ]


# ----------------------------------------------------------------------------- /proc


def test_proc_net_tcp(write: Write) -> None:
    table = read_sockets(write(PROC_TCP))
    assert table.format == "proc-net-tcp"
    rows = table.snapshots[0].rows
    assert rows[0] == SocketRow("tcp", "LISTEN", "0.0.0.0", 22, "0.0.0.0", 0, None, None, 2)
    assert rows[1] == SocketRow(
        "tcp", "FIN-WAIT-2", "10.0.0.5", 40012, "10.0.0.7", 5432, None, None, 3
    )
    assert [(r.state, r.local_port, r.peer_host) for r in rows[2:]] == [
        ("ESTABLISHED", 40014, "10.0.0.7"),
        ("TIME-WAIT", 40016, "10.0.0.8"),
    ]
    assert not rows[0].connected and rows[1].connected


def test_proc_net_tcp6_after_tcp_is_one_snapshot(write: Write) -> None:
    table = read_sockets(write(PROC_TCP + PROC_TCP6))
    (snapshot,) = table.snapshots
    rows = snapshot.rows[4:]
    assert rows[0] == SocketRow("tcp6", "LISTEN", "::", 22, "::", 0, None, None, 7)
    assert rows[1] == SocketRow(
        "tcp6", "CLOSE-WAIT", "10.0.0.5", 8080, "10.0.0.9", 51202, None, None, 8
    )
    assert rows[2] == SocketRow(
        "tcp6", "ESTABLISHED", "2001:db8::1", 443, "2001:db8::2", 54321, None, None, 9
    )


def test_proc_hex_matches_encoding(write: Write) -> None:
    line = f"   0: {_hex4('192.168.1.20')}:{443:04X} {_hex4('172.16.5.4')}:{61000:04X} 04 0\n"
    row = _row(write(PROC_TCP.splitlines(keepends=True)[0] + line))
    assert (row.local_host, row.local_port, row.peer_host, row.peer_port, row.state) == (
        "192.168.1.20",
        443,
        "172.16.5.4",
        61000,
        "FIN-WAIT-1",
    )


# ----------------------------------------------------------------------------- snapshots


def test_watch_loop_snapshots(write: Write) -> None:
    table = read_sockets(write(WATCH_LOOP, "netstat.log"), host="app1")
    assert [s.at for s in table.snapshots] == [
        dt.datetime(2016, 3, 1, 1, 0, 1, tzinfo=dt.UTC),
        dt.datetime(2016, 3, 1, 1, 1, 1, tzinfo=dt.UTC),
        dt.datetime(2016, 3, 1, 1, 2, 1, tzinfo=dt.UTC),
    ]
    assert [s.line for s in table.snapshots] == [1, 7, 16]
    assert {s.zone_source for s in table.snapshots} == {ZoneSource.EXPLICIT}
    assert [len(s.rows) for s in table.snapshots] == [3, 6, 7]
    assert dict(counts(table.snapshots[1]).by_state) == {
        "FIN-WAIT": 4,
        "ESTABLISHED": 1,
        "LISTEN": 1,
    }


def test_series_from_watch_loop(write: Write) -> None:
    table = read_sockets(write(WATCH_LOOP, "netstat.log"), host="app1")
    found = {s.labels["state"]: s for s in series(table)}
    assert set(found) == {"ESTABLISHED", "LISTEN", "FIN-WAIT", "TIME-WAIT", "total"}
    start = dt.datetime(2016, 3, 1, 1, 0, 1, tzinfo=dt.UTC).timestamp()
    for one in found.values():
        assert one.name == "tcp_sockets"
        assert one.labels["host"] == "app1"
        assert list(one.times) == [start, start + 60, start + 120]
        assert list(one.lines) == [1, 7, 16]
        assert one.source.format == "netstat"
        assert one.source.zone_source == ZoneSource.EXPLICIT
    assert list(found["total"].values) == [3, 6, 7]
    assert list(found["FIN-WAIT"].values) == [0, 4, 5]
    assert list(found["ESTABLISHED"].values) == [2, 1, 0]
    assert list(found["TIME-WAIT"].values) == [0, 0, 1]
    assert list(found["LISTEN"].values) == [1, 1, 1]


def test_series_without_dates_is_empty(write: Write) -> None:
    assert series(read_sockets(write(NETSTAT_ANP))) == []


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("Tue Mar  1 02:00:01 CET 2016", "2016-03-01T01:00:01"),
        ("Tue Mar  1 02:00:01 UTC 2016", "2016-03-01T02:00:01"),
        ("Fri Jul  1 14:00:01 CEST 2016", "2016-07-01T12:00:01"),
        ("Tue 01 Mar 2016 02:00:01 PM CET", "2016-03-01T13:00:01"),
        ("Tue, 01 Mar 2016 02:00:01 +0100", "2016-03-01T01:00:01"),
        ("2016-03-01T02:00:01+01:00", "2016-03-01T01:00:01"),
        ("2016-03-01 02:00:01Z", "2016-03-01T02:00:01"),
        ("1456794001", "2016-03-01T01:00:01"),
    ],
)
def test_date_lines(write: Write, line: str, expected: str) -> None:
    snapshot = read_sockets(write(f"{line}\n{SS_TANP}")).snapshots[0]
    assert snapshot.at == dt.datetime.fromisoformat(expected).replace(tzinfo=dt.UTC)
    assert snapshot.zone_source == ZoneSource.EXPLICIT
    assert snapshot.line == 1 and len(snapshot.rows) == 7


def test_date_without_zone_uses_tz_or_assumes_utc(write: Write) -> None:
    path = write("2016-03-01 02:00:01\n" + SS_TANP)
    assumed = read_sockets(path).snapshots[0]
    assert assumed.at == dt.datetime(2016, 3, 1, 2, 0, 1, tzinfo=dt.UTC)
    assert assumed.zone_source == ZoneSource.ASSUMED
    table = read_sockets(path, tz="Europe/Zurich")
    assert table.snapshots[0].at == dt.datetime(2016, 3, 1, 1, 0, 1, tzinfo=dt.UTC)
    assert table.snapshots[0].zone_source == ZoneSource.OPTION
    total = series(table)[-1]
    assert total.labels["state"] == "total"
    assert (total.source.zone, total.source.zone_source) == ("Europe/Zurich", ZoneSource.OPTION)


def test_date_with_unknown_zone(write: Write) -> None:
    path = write("Tue Mar  1 02:00:01 XYZT 2016\n" + SS_TANP)
    with pytest.raises(ParseError) as caught:
        read_sockets(path)
    assert caught.value.line == 1
    assert "--tz" in str(caught.value)
    at = read_sockets(path, tz="Europe/Zurich").snapshots[0].at
    assert at == dt.datetime(2016, 3, 1, 1, 0, 1, tzinfo=dt.UTC)


def test_unknown_tz_option(write: Write) -> None:
    with pytest.raises(UsageError):
        read_sockets(write(SS_TANP), tz="Mars/Olympus")


def test_gzipped_watch_loop(tmp_path: Path) -> None:
    path = tmp_path / "netstat.log.gz"
    path.write_bytes(gzip.compress(WATCH_LOOP.encode()))
    assert len(read_sockets(path).snapshots) == 3


# ----------------------------------------------------------------------------- counts


def test_counts_of_netstat(write: Write) -> None:
    counted = counts(read_sockets(write(NETSTAT_ANP)).snapshots[0])
    assert counted.total == 7
    assert dict(counted.by_state) == {"ESTABLISHED": 2, "FIN-WAIT": 2, "LISTEN": 2, "TIME-WAIT": 1}
    # Listeners are not connections: no peer, no port of theirs counted.
    assert dict(counted.by_peer_host) == {"10.0.0.7": 3, "10.0.0.20": 1, "10.0.0.9": 1}
    assert dict(counted.by_peer_port) == {5432: 3, 39000: 1, 51234: 1}
    assert dict(counted.by_local_port) == {5432: 1, 8080: 1, 40012: 1, 40014: 1, 40016: 1}
    assert dict(counted.by_process) == {
        "sshd": 2,
        "java": 1,
        "postgres": 1,
        "postgres: walwriter": 1,
    }
    assert counted.hosts_by_peer_port[5432] == 1
    assert counted.peer_hosts == 3


def _ss_line(state: str, local: str, peer: str) -> str:
    return f"{state:<10} 0      0   {local:>22} {peer:>22}\n"


def _client_table() -> str:
    """539 sockets of a client: 501 in FIN-WAIT-2, 275 to PostgreSQL on 40 hosts, 264 to
    Redis on two."""
    header = "State      Recv-Q Send-Q        Local Address:Port          Peer Address:Port\n"
    lines = []
    for i in range(539):
        state = "FIN-WAIT-2" if i < 501 else "ESTAB"
        peer = f"10.1.0.{i % 40 + 1}:5432" if i < 275 else f"10.2.0.{i % 2 + 1}:6379"
        lines.append(_ss_line(state, f"10.0.0.5:{30000 + i}", peer))
    return header + "".join(lines)


def test_summary_of_a_client(write: Write) -> None:
    counted = counts(read_sockets(write(_client_table())).snapshots[0])
    assert counted.total == 539
    assert counted.by_peer_port[5432] == 275
    assert counted.hosts_by_peer_port == {5432: 40, 6379: 2}
    assert counted.peer_hosts == 42
    assert (
        summary(counted, 512)
        == "539 TCP sockets (limit 512): 93% in FIN-WAIT, 51% to port 5432 on 40 hosts"
    )
    assert summary(counted) == "539 TCP sockets: 93% in FIN-WAIT, 51% to port 5432 on 40 hosts"


def test_summary_of_a_server(write: Write) -> None:
    header = "State      Recv-Q Send-Q        Local Address:Port          Peer Address:Port\n"
    lines = [_ss_line("LISTEN", "0.0.0.0:5432", "0.0.0.0:*")]
    lines += [
        _ss_line("ESTAB", "10.0.0.5:5432", f"10.3.0.{i % 40 + 1}:{50000 + i}") for i in range(99)
    ]
    counted = counts(read_sockets(write(header + "".join(lines))).snapshots[0])
    assert (
        summary(counted)
        == "100 TCP sockets: 99% in ESTABLISHED, 99% on local port 5432 from 40 hosts"
    )


def test_summary_edges() -> None:
    assert summary(Counts(0, {}), 512) == "0 TCP sockets (limit 512)"
    one = counts(
        Snapshot(
            None,
            None,
            (SocketRow("tcp", "ESTABLISHED", "10.0.0.5", 40000, "10.0.0.7", 22, None, None, 2),),
            1,
        )
    )
    assert summary(one) == "1 TCP socket: 100% in ESTABLISHED, 100% to port 22 on 1 host"


# ----------------------------------------------------------------------------- limits

SYSCTL = """\
fs.file-max = 9223372036854775807
fs.nr_open = 1048576
net.core.somaxconn = 4096
net.ipv4.tcp_max_orphans = 65536
net.ipv4.tcp_max_tw_buckets = 262144
net.ipv4.ip_local_port_range = 32768\t60999
"""


@pytest.mark.parametrize(
    ("text", "state", "limit"),
    [
        (SYSCTL, None, None),  # LONG_MAX: no limit
        (SYSCTL.replace("9223372036854775807", "1620000"), None, 1620000),
        (SYSCTL, "FIN-WAIT", 65536),
        (SYSCTL, "FIN_WAIT2", 65536),
        (SYSCTL, "TIME-WAIT", 262144),
        (SYSCTL, "ESTABLISHED", None),
        ("kernel.pid_max = 4194304\n", "FIN-WAIT", None),
    ],
)
def test_limit_from_sysctl(write: Write, text: str, state: str | None, limit: int | None) -> None:
    assert limit_from_sysctl(write(text, "sysctl.txt"), state=state) == limit


def test_limit_from_sysctl_broken_value(write: Write) -> None:
    with pytest.raises(ParseError) as caught:
        limit_from_sysctl(write("a = 1\nnet.ipv4.tcp_max_orphans = lots\n"), state="FIN-WAIT")
    assert caught.value.line == 2


# ----------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    "text",
    [
        "hello world\nthis is prose about sockets\n",
        "time,value\n2016-03-01T02:00:00Z,1\n",
        "Tue Mar  1 02:00:01 CET 2016\nTue Mar  1 02:01:01 CET 2016\n",
        NETSTAT_ANP.split("Active UNIX")[0].splitlines()[0] + "\n",
        "Active UNIX domain sockets (servers and established)\nunix 2 [ ] STREAM 1 /x\n",
        "".join(f"line {i}\n" for i in range(200)) + SS_TANP,
    ],
)
def test_not_a_socket_table(write: Write, text: str) -> None:
    with pytest.raises(FormatError) as caught:
        read_sockets(write(text))
    assert caught.value.path is not None and "ss -tanp" in str(caught.value)


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (_HEADER + "tcp        0      0 10.0.0.5    10.0.0.7:5432   ESTABLISHED\n", 3),
        (_HEADER + "tcp        0      0 10.0.0.5:1  10.0.0.7:5432   WAITING\n", 3),
        (_HEADER + "tcp        x      0 10.0.0.5:1  10.0.0.7:5432   LISTEN\n", 3),
        (_HEADER + "tcp        0      0 10.0.0.5:1\n", 3),
        (NETSTAT_ANP.replace("812/postgres", "postgres"), 4),
        (SS_TANP + "ESTAB      0      0   10.0.0.5:1\n", 9),
        (SS_TANP + "BOGUS      0      0   10.0.0.5:1 10.0.0.7:2\n", 9),
        (SS_TANP + "ESTAB      0      0   [::1:1 10.0.0.7:2\n", 9),
        (PROC_TCP + "   4: 0500000A:9C4C 0700000G:1538 05 0\n", 6),
        (PROC_TCP + "   4: 0500000A:9C4C 0700000A:1538 0D 0\n", 6),
        (PROC_TCP + "   4: 0500000A 0700000A:1538 01 0\n", 6),
        ("TCP:   539 (estab twenty, closed 10)\n", 1),
        ("Tue Feb 30 02:00:01 CET 2016\n" + SS_TANP, 1),
    ],
)
def test_broken_rows(write: Write, text: str, line: int) -> None:
    path = write(text)
    with pytest.raises(ParseError) as caught:
        read_sockets(path)
    assert (caught.value.path, caught.value.line) == (str(path), line)
    assert str(caught.value).startswith(str(path))


@pytest.mark.parametrize("text", ["", "\n\n  \n"])
def test_empty(write: Write, text: str) -> None:
    with pytest.raises(InputError) as caught:
        read_sockets(write(text))
    assert type(caught.value) is InputError
    assert "empty" in str(caught.value)


def test_binary(tmp_path: Path) -> None:
    path = tmp_path / "sockets.bin"
    path.write_bytes(bytes(range(256)) * 64)
    with pytest.raises((EncodingError, FormatError)):
        read_sockets(path)


def test_public_api_is_exported() -> None:
    assert sorted(sockets.__all__) == sorted(
        name for name in sockets.__all__ if hasattr(sockets, name)
    )


# ----------------------------------------------------------------------------- variants


def test_indented_ss_rows_are_read_and_detail_lines_skipped(write: Write) -> None:
    text = "".join(f"    {line}\n" for line in SS_TANP.splitlines())
    text = text.replace(
        'users:(("sshd",pid=601,fd=3))\n',
        'users:(("sshd",pid=601,fd=3))\n\t cubic rto:204 rtt:0.1/0.05\n',
        1,
    )
    rows = read_sockets(write(text)).snapshots[0].rows
    assert len(rows) == 7
    assert rows[1].line == 4


def test_terminal_transcript(write: Write) -> None:
    text = (
        "$ date\n"
        "Tue Mar  1 02:00:01 CET 2016\n"
        "$ netstat -an | head\n" + _HEADER + _netstat_rows("ESTABLISHED") + "$ date\n"
        "Tue Mar  1 02:05:01 CET 2016\n"
        "+ netstat -an\n" + _HEADER + _netstat_rows("TIME_WAIT", "TIME_WAIT") + "-----\n"
    )
    table = read_sockets(write(text))
    assert [len(s.rows) for s in table.snapshots] == [1, 2]
    assert [s.line for s in table.snapshots] == [2, 8]


def test_netstat_with_timers_and_user_columns(write: Write) -> None:
    timers = (
        "Active Internet connections (servers and established)\n"
        "Proto Recv-Q Send-Q Local Address    Foreign Address  State       PID/Program name  Timer\n"
        "tcp        0      0 10.0.0.5:40012   10.0.0.7:5432    ESTABLISHED 812/postgres      keepalive (7176.12/0/0)\n"
        "tcp        0      0 10.0.0.5:40014   10.0.0.7:5432    TIME_WAIT   -                 timewait (52.14/0/0)\n"
        "tcp        0      0 10.0.0.5:40016   10.0.0.7:5432    FIN_WAIT2   -                 off (0.00/0/0)\n"
    )
    rows = read_sockets(write(timers)).snapshots[0].rows
    assert [(r.process, r.pid, r.state) for r in rows] == [
        ("postgres", 812, "ESTABLISHED"),
        (None, None, "TIME-WAIT"),
        (None, None, "FIN-WAIT-2"),
    ]
    users = (
        "Proto Recv-Q Send-Q Local Address    Foreign Address  State       User       Inode      PID/Program name\n"
        "tcp        0      0 10.0.0.5:40012   10.0.0.7:5432    ESTABLISHED postgres   16002      812/postgres\n"
    )
    row = _row(write(users, "users.txt"))
    assert (row.process, row.pid, row.peer_port) == ("postgres", 812, 5432)


def test_the_netstat_timer_column_is_stripped() -> None:
    """Its pattern's speed on long runs is checked by fuzz/patterns.py (no timing here)."""
    assert sockets._TIMER.sub("", "812/x keepalive" + " " * 300 + "x").endswith("x")
    assert sockets._TIMER.sub("", "812/postgres keepalive (7200.00/0/0)") == "812/postgres"


@pytest.mark.parametrize(
    ("date", "tz"),
    [
        ("Fri Dec 31 23:00:00 PST 9999", None),
        ("9999-12-31T23:00:00-05:00", None),
        ("9999-12-31 23:00:00", "America/Chicago"),
        ("0001-01-01 00:30:00", "Asia/Kathmandu"),
    ],
)
def test_a_date_line_outside_the_years_1_to_9999_in_utc_names_its_line(
    write: Write, date: str, tz: str | None
) -> None:
    text = date + "\nState Recv-Q Send-Q Local Address:Port Peer Address:Port\n"
    with pytest.raises(ParseError, match="outside the years 1 to 9999") as caught:
        read_sockets(write(text + "ESTAB 0 0 10.0.0.1:1 10.0.0.2:2\n"), tz=tz)
    assert caught.value.line == 1
