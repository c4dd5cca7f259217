"""Read a host's TCP socket table, as ``ss``, ``netstat`` or ``/proc/net/tcp`` print it, and
`socket_counts` counts it: how many sockets, in which states, to which ports and hosts.

One entry point, `read_sockets`, streams the file through the log reader and detects the
format of each table from its header:

- ``ss -tan`` / ``ss -tanp`` (``State Recv-Q Send-Q Local Address:Port Peer Address:Port``,
  with or without ``Netid`` and ``Process``): format ``ss``;
- ``ss -s``, counts only (``TCP:   539 (estab 20, closed 10, orphaned 0, timewait 5/0)``):
  ``ss-summary``;
- ``netstat -an`` / ``-anp`` / ``-a`` (Linux, ``Proto Recv-Q Send-Q Local Address Foreign
  Address State``; UDP rows and the UNIX socket section are skipped; BSD and macOS
  ``(state)`` tables with ``host.port`` addresses too): ``netstat``;
- ``/proc/net/tcp`` and ``/proc/net/tcp6`` (``sl local_address rem_address st ...``, hex
  addresses in the little-endian order of x86 and ARM hosts): ``proc-net-tcp``.

A file may hold repeated snapshots, as ``while true; do date; netstat -an; sleep 60; done``
writes them: each ``date`` line (``Tue Mar  1 02:00:01 CET 2016``, ``date -R``, ISO 8601, a
Unix time) starts a snapshot, and the tables after it (``tcp`` then ``tcp6``, say) are one.
A file without date lines is one snapshot without a time. Shell prompts (``$ ss -tan``),
``set -x`` traces and separator lines between tables are passed over, so a pasted terminal
session reads too.

States are mapped to one vocabulary (`State`); `family` groups FIN-WAIT-1 and FIN-WAIT-2
as FIN-WAIT, since people and incident write-ups rarely tell them apart.
"""

from __future__ import annotations

import datetime as dt
import functools
import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import TypeVar

from retroline.errors import FormatError, InputError, ParseError
from retroline.hosts.dates import date_line, utc
from retroline.inputs import regular_file
from retroline.logs.reader import text_lines
from retroline.sources import ZoneSource
from retroline.when.zones import parse_zone, user_zone

__all__ = [
    "FORMATS",
    "Port",
    "Snapshot",
    "SocketRow",
    "SocketTable",
    "State",
    "family",
    "normal_state",
    "read_sockets",
]

#: The table formats `read_sockets` reads.
FORMATS: tuple[str, ...] = ("ss", "ss-summary", "netstat", "proc-net-tcp")

#: A port: a number, a service name ``netstat -a`` wrote that we do not know, or None for
#: a wildcard (``*``).
Port = int | str | None

_K = TypeVar("_K")


class State(StrEnum):
    """A TCP state, spelt as ``ss`` spells it (``netstat``'s FIN_WAIT2 is FIN-WAIT-2)."""

    ESTABLISHED = "ESTABLISHED"
    SYN_SENT = "SYN-SENT"
    SYN_RECV = "SYN-RECV"
    FIN_WAIT_1 = "FIN-WAIT-1"
    FIN_WAIT_2 = "FIN-WAIT-2"
    TIME_WAIT = "TIME-WAIT"
    CLOSE = "CLOSE"
    CLOSE_WAIT = "CLOSE-WAIT"
    LAST_ACK = "LAST-ACK"
    LISTEN = "LISTEN"
    CLOSING = "CLOSING"
    NEW_SYN_RECV = "NEW-SYN-RECV"
    UNKNOWN = "UNKNOWN"


#: The family FIN-WAIT-1 and FIN-WAIT-2 are counted in.
FIN_WAIT = "FIN-WAIT"

# The kernel's state numbers (include/net/tcp_states.h), as /proc/net/tcp writes them in hex.
_PROC_STATES = {
    1: State.ESTABLISHED,
    2: State.SYN_SENT,
    3: State.SYN_RECV,
    4: State.FIN_WAIT_1,
    5: State.FIN_WAIT_2,
    6: State.TIME_WAIT,
    7: State.CLOSE,
    8: State.CLOSE_WAIT,
    9: State.LAST_ACK,
    10: State.LISTEN,
    11: State.CLOSING,
    12: State.NEW_SYN_RECV,
}

# Every spelling we know, folded to upper case without "-", "_" and spaces.
_SPELLINGS: dict[str, str] = {
    **{state.value.replace("-", ""): state for state in State},
    "ESTAB": State.ESTABLISHED,
    "SYNRECEIVED": State.SYN_RECV,  # Windows
    "SYNRCVD": State.SYN_RECV,  # BSD, macOS
    "CLOSED": State.CLOSE,  # BSD, macOS, Windows
    "UNCONN": State.CLOSE,  # ss: a TCP socket in CLOSE (bound, never connected)
    "LISTENING": State.LISTEN,  # Windows
    "FINWAIT": FIN_WAIT,
}


def normal_state(text: str) -> str | None:
    """A state as any tool or person writes it, in the `State` vocabulary; None when it is
    no state we know. ``FIN_WAIT`` without a number (prose) is the family ``FIN-WAIT``.

    >>> normal_state("FIN_WAIT2"), normal_state("estab"), normal_state("0A")
    ('FIN-WAIT-2', 'ESTABLISHED', 'LISTEN')
    """
    word = text.strip()
    if len(word) == 2 and all(c in "0123456789abcdefABCDEF" for c in word):
        state = _PROC_STATES.get(int(word, 16))
        return None if state is None else str(state)
    found = _SPELLINGS.get(re.sub(r"[-_\s]", "", word.upper()))
    return None if found is None else str(found)


def family(state: str) -> str:
    """The family a state is counted in: FIN-WAIT-1 and FIN-WAIT-2 (and the prose
    ``FIN_WAIT``) are ``FIN-WAIT``; every other state is its own. Any spelling
    `normal_state` reads is accepted; text it does not know is ``UNKNOWN``."""
    normal = normal_state(state) or State.UNKNOWN
    return FIN_WAIT if normal in (State.FIN_WAIT_1, State.FIN_WAIT_2, FIN_WAIT) else str(normal)


@dataclass(frozen=True, slots=True)
class SocketRow:
    """One TCP socket: ``proto`` ``tcp`` or ``tcp6``; ``state`` in the `State` vocabulary;
    hosts as written (IP addresses in their short form, an IPv4-mapped IPv6 address as its
    IPv4 address, ``*`` for a wildcard); ports as numbers (a service name ``netstat -a``
    wrote is a number when we know it, else kept as text; None for ``*``); the process and
    pid when the tool printed them (``ss -p``, ``netstat -p``); the line of the file."""

    proto: str
    state: str
    local_host: str
    local_port: Port
    peer_host: str
    peer_port: Port
    process: str | None
    pid: int | None
    line: int

    @property
    def connected(self) -> bool:
        """True when the socket has a peer (not a listener, not a wildcard peer)."""
        return self.peer_port not in (None, 0) and self.peer_host not in _WILDCARDS


@dataclass(frozen=True)
class Snapshot:
    """The sockets of a host at one time: ``at`` in UTC, read from the ``date`` line before
    the tables (None without one), with where its zone came from; ``line`` the date line (or
    the first line of the table). ``totals`` are the counts of an ``ss -s`` summary (by
    state family, and ``total``), ``orphaned`` its orphaned sockets; both are None for a
    table of rows."""

    at: dt.datetime | None
    zone_source: ZoneSource | None
    rows: tuple[SocketRow, ...]
    line: int
    totals: Mapping[str, int] | None = None
    orphaned: int | None = None


@dataclass(frozen=True)
class SocketTable:
    """The snapshots of one file, in file order. ``format`` is one of `FORMATS`, or several
    joined by ``+`` in the order met (``ss-summary+ss`` for ``ss -s; ss -tan``); ``tz`` the
    zone date lines without one were read in (``--tz``), None for UTC."""

    host: str | None
    path: Path
    format: str
    snapshots: tuple[Snapshot, ...]
    tz: str | None = None


# ----------------------------------------------------------------------------- reading

_WILDCARDS = frozenset({"*", "0.0.0.0", "::"})

# Service names netstat prints without -n (from /etc/services); others stay text.
_SERVICES = {
    "ftp": 21,
    "ssh": 22,
    "telnet": 23,
    "smtp": 25,
    "domain": 53,
    "http": 80,
    "pop3": 110,
    "sunrpc": 111,
    "imap": 143,
    "imap2": 143,
    "ldap": 389,
    "https": 443,
    "microsoft-ds": 445,
    "submission": 587,
    "ldaps": 636,
    "imaps": 993,
    "pop3s": 995,
    "ms-sql-s": 1433,
    "mysql": 3306,
    "postgresql": 5432,
    "amqp": 5672,
    "x11": 6000,
    "http-alt": 8080,
    "webcache": 8080,
    "memcache": 11211,
}


_SS_HEADER = re.compile(r"^(?:Netid\s+)?(?:State\s+)?Recv-Q\s+Send-Q\s+Local Address:Port\s")
_NETSTAT_HEADER = re.compile(r"^Proto\s+Recv-Q\s+Send-Q\s+Local Address\s+Foreign Address")
_PROC_HEADER = re.compile(r"^sl\s+local_address\s+rem(?:ote)?_address\s+st\b")
_SS_TOTAL = re.compile(r"^Total:\s+\d+")
_SS_TCP = re.compile(r"^TCP:\s+(?P<total>\d+)\s*\((?P<parts>[^)]*)\)(?:,\s*ports\s+\d+)?\s*$")
_SS_TRANSPORT = re.compile(r"^(?:Transport\s+Total|(?:RAW|UDP|TCP|INET|FRAG)\s+\d)")
_SS_USERS = re.compile(r'users:\(\("((?:[^"\\]|\\.)*)",(?:pid=)?(\d+)')
_HEX_ADDRESS = re.compile(r"^(?P<host>[0-9A-Fa-f]{8}|[0-9A-Fa-f]{32}):(?P<port>[0-9A-Fa-f]{4})$")
# Lines between tables: a shell prompt ("$ ss -tan"), a set -x trace, a `watch` banner, a
# separator line.
_INTERLUDE = re.compile(r"^(?:[$#>+]\s|Every \d|[-=*_~#]{3,}$)")
# The timer column netstat -o adds after PID/Program name. A space, not \s*, before the
# word and no "(" inside the brackets: each try stops at the next space or "(", so a row
# of many "on (" or a long run of spaces is read in linear time.
_TIMER = re.compile(r"(?:^|\s)(?:off|on|keepalive|timewait|probe)\s+\([^()]*\)$")
_IFACE = re.compile(r"%[^\s:\]]+")

# Non-blank lines looked at for a date line or a table header before the file is declared
# no socket table.
_HEAD_LINES = 64


def read_sockets(path: Path, *, host: str | None = None, tz: str | None = None) -> SocketTable:
    """The socket table in the file at ``path``: every snapshot, rows in file order.

    ``host`` names the host the table is of (no format says it); ``tz`` is the zone of
    date lines written without one (else UTC, and the snapshots say it was assumed). A
    file that is no socket table is a `FormatError`, a broken row a `ParseError` naming
    its line, an empty file an `InputError`.

    >>> read_sockets(Path("netstat.txt")).snapshots[0].rows[0].state  # doctest: +SKIP
    'FIN-WAIT-2'
    """
    path = regular_file(path)
    reader = _Reader(path, tz)
    for number, text in text_lines(path, "a socket table"):
        reader.feed(number, text)
    return SocketTable(host, path, reader.format(), reader.finish(), tz)


@dataclass
class _Open:
    """The snapshot being read."""

    at: dt.datetime | None
    zone_source: ZoneSource | None
    line: int
    rows: list[SocketRow] = field(default_factory=list)
    totals: dict[str, int] | None = None
    orphaned: int | None = None


class _Reader:
    """A line-by-line state machine: date lines open snapshots, headers switch the table
    format, rows are read by the format of the last header."""

    def __init__(self, path: Path, tz: str | None) -> None:
        self.path = path
        self.tz = tz
        self.zone: dt.tzinfo = user_zone(tz) if tz else dt.UTC
        self.snapshots: list[Snapshot] = []
        self.current: _Open | None = None
        self.mode: str | None = None  # the format rows are read in; None between tables
        self.bsd = False  # a BSD netstat table: host.port addresses
        self.ss_netid = False  # an ss table with a Netid column (ss -an without -t)
        self.ss_state = True  # an ss table with a State column (not ss ... state X)
        self.netstat_skip = 0  # columns between State and PID/Program (netstat -e: User Inode)
        self.formats: list[str] = []
        self.seen = 0  # non-blank lines read
        self.found = False  # a date line or a table header met

    def error(self, message: str, line: int) -> ParseError:
        return ParseError(message, self.path, line)

    def feed(self, number: int, text: str) -> None:
        line = text.strip()
        if not line:
            return
        self.seen += 1
        if not self.found and self.seen > _HEAD_LINES:
            raise self._unknown()
        at = self._date(line, number)
        if at is not None:
            self._close()
            self.current = _Open(at[0], at[1], number)
            self.mode = None
            self.found = True
            return
        if self._header(line, number):
            self.found = True
            return
        if _INTERLUDE.match(line):
            self.mode = None  # a shell prompt, a set -x trace or a separator ends a table
            return
        if self.mode is None or self.mode == "skip":
            return  # a banner, or a section we do not read (UNIX sockets)
        if self.mode == "ss-summary":
            self._summary(line, number)
            return
        if self.mode == "ss":
            if text[:1].isspace() and not self._ss_start(line):
                return  # the detail line ss -i and -e write under a row
            row = self._ss_row(line, number)
        elif self.mode == "netstat":
            row = self._netstat_row(line, number)
        else:
            row = self._proc_row(line, number)
        if row is not None:
            self._open(number).rows.append(row)

    def _unknown(self) -> FormatError:
        return FormatError(
            "not a socket table we know (no ss, netstat or /proc/net/tcp header found); "
            "give the output of `ss -tanp`, `netstat -anp` or /proc/net/tcp",
            self.path,
        )

    def _open(self, number: int) -> _Open:
        if self.current is None:
            self.current = _Open(None, None, number)
        return self.current

    def _use(self, fmt: str, number: int) -> None:
        self.mode = fmt
        self._open(number)
        if fmt not in self.formats:
            self.formats.append(fmt)

    def _header(self, line: str, number: int) -> bool:
        """Switch the table format on a header or banner line; True when it was one."""
        if _SS_HEADER.match(line):
            self._use("ss", number)
            self.ss_netid = line.startswith("Netid")
            self.ss_state = bool(re.match(r"^(?:Netid\s+)?State\s", line))
        elif _NETSTAT_HEADER.match(line):
            self._use("netstat", number)
            self.bsd = "(state)" in line
            self.netstat_skip = 2 if re.search(r"\bState\s+User\s+Inode\b", line) else 0
        elif _PROC_HEADER.match(line):
            self._use("proc-net-tcp", number)
        elif _SS_TOTAL.match(line):
            self._use("ss-summary", number)
        elif _SS_TCP.match(line):
            self._use("ss-summary", number)
            self._summary(line, number)
        elif line.startswith("Active ") and ("connections" in line or "sockets" in line):
            # netstat's section banners: the Internet one is followed by its header.
            self.mode = None if "Internet" in line else "skip"
        else:
            return False
        return True

    def _date(self, line: str, number: int) -> tuple[dt.datetime, ZoneSource] | None:
        """The instant of a ``date`` line, in UTC, with its zone source; None for any
        other line."""
        try:
            found = date_line(line)
        except ValueError as exc:
            raise self.error(f"a date line with an impossible date: {exc}", number) from exc
        if found is None:
            return None
        at, label = found
        try:
            if at.tzinfo is not None and label is None:
                return utc(at), ZoneSource.EXPLICIT
            return self._zoned(at, label, line, number)
        except ValueError as exc:  # 9999-12-31 23:00 in Chicago
            raise self.error(f"a date line with an impossible date: {exc}", number) from exc

    def _zoned(
        self, at: dt.datetime, label: str | None, line: str, number: int
    ) -> tuple[dt.datetime, ZoneSource]:
        if at.tzinfo is not None:
            return utc(at), ZoneSource.EXPLICIT
        if label is None:
            source = ZoneSource.OPTION if self.tz else ZoneSource.ASSUMED
            return utc(at.replace(tzinfo=self.zone)), source
        zone = parse_zone(label)
        if zone is None:
            if self.tz:
                return utc(at.replace(tzinfo=self.zone)), ZoneSource.OPTION
            raise self.error(
                f"the date line {line!r} has a zone we do not know ({label!r}): "
                "give its zone with --tz (an IANA name such as Europe/Zurich)",
                number,
            )
        meaning = zone.choose(region_hint=self.tz)
        return utc(at.replace(tzinfo=meaning.tzinfo())), ZoneSource.EXPLICIT

    # ------------------------------------------------------------------ rows

    def _address(self, text: str, number: int, sep: str = ":") -> tuple[str, Port, bool]:
        """Host and port of ``host:port`` (``[v6]:port``, ``v6:port``, ``*:*``, with a
        ``%iface`` dropped), and whether the address was IPv6."""
        text = _IFACE.sub("", text)
        if text.startswith("["):
            close = text.find("]")
            if close < 0 or text[close + 1 : close + 2] != sep:
                raise self.error(f"{text!r} is not an address:port", number)
            host, port = text[1:close], text[close + 2 :]
        else:
            host, colon, port = text.rpartition(sep)
            if not colon or not host or not port:
                raise self.error(f"{text!r} is not an address:port", number)
        name, v6 = _host(host)
        return name, _port(port), v6

    def _ss_start(self, line: str) -> bool:
        """True when ``line`` begins as an ss row does (a Netid or a state)."""
        first = line.split(None, 1)[0]
        if self.ss_netid:
            return first in ("tcp", "mptcp", "udp", "raw", "u_str", "u_dgr", "u_seq", "nl")
        return normal_state(first) is not None if self.ss_state else first.isdigit()

    def _ss_row(self, line: str, number: int) -> SocketRow | None:
        tokens = line.split()
        if self.ss_netid:
            if tokens[0] not in ("tcp", "mptcp"):
                return None  # udp, u_str ...: only TCP is read
            tokens = tokens[1:]
        state_text = tokens.pop(0) if self.ss_state and tokens else "UNKNOWN"
        state = normal_state(state_text)
        if state is None or state == FIN_WAIT:
            raise self.error(f"{state_text!r} is not a TCP state ss writes", number)
        if len(tokens) < 4 or not (tokens[0].isdigit() and tokens[1].isdigit()):
            raise self.error(
                "a broken ss row: expected State Recv-Q Send-Q Local:Port Peer:Port", number
            )
        local_host, local_port, v6 = self._address(tokens[2], number)
        peer_host, peer_port, _ = self._address(tokens[3], number)
        process, pid = None, None
        found = _SS_USERS.search(line)
        if found:
            process, pid = found[1], int(found[2])
        return SocketRow(
            "tcp6" if v6 else "tcp",
            state,
            local_host,
            local_port,
            peer_host,
            peer_port,
            process,
            pid,
            number,
        )

    def _netstat_row(self, line: str, number: int) -> SocketRow | None:
        tokens = line.split()
        proto = tokens[0].lower()
        if not proto.startswith("tcp"):
            return None  # udp, raw ...
        if len(tokens) < 6 or not (tokens[1].isdigit() and tokens[2].isdigit()):
            raise self.error(
                "a broken netstat row: expected Proto Recv-Q Send-Q Local Foreign State",
                number,
            )
        state = normal_state(tokens[5])
        if state is None or state == FIN_WAIT:
            raise self.error(f"{tokens[5]!r} is not a TCP state netstat writes", number)
        sep = "." if self.bsd else ":"
        local_host, local_port, v6 = self._address(tokens[3], number, sep)
        peer_host, peer_port, _ = self._address(tokens[4], number, sep)
        process, pid = None, None
        rest = _TIMER.sub("", " ".join(tokens[6 + self.netstat_skip :])).strip()
        if rest and rest != "-":
            pid_text, slash, name = rest.partition("/")
            if not slash or not pid_text.isdigit():
                raise self.error(f"{rest!r} is not a PID/Program name", number)
            process, pid = name or None, int(pid_text)
        if proto in ("tcp", "tcp4", "tcp6", "tcp46"):
            proto = "tcp6" if proto == "tcp6" or (proto == "tcp46" and v6) else "tcp"
        return SocketRow(
            proto, state, local_host, local_port, peer_host, peer_port, process, pid, number
        )

    def _proc_row(self, line: str, number: int) -> SocketRow:
        tokens = line.split()
        if len(tokens) < 4 or not tokens[0].endswith(":"):
            raise self.error(
                "a broken /proc/net/tcp row: expected sl: local_address rem_address st", number
            )
        local = _HEX_ADDRESS.match(tokens[1])
        peer = _HEX_ADDRESS.match(tokens[2])
        state = normal_state(tokens[3]) if len(tokens[3]) == 2 else None
        if local is None or peer is None or state is None:
            raise self.error(
                "a broken /proc/net/tcp row: addresses are hex ADDR:PORT and the state a hex "
                f"code 01 to 0C, not {tokens[1]!r} {tokens[2]!r} {tokens[3]!r}",
                number,
            )
        local_host, peer_host = _hex_host(local["host"]), _hex_host(peer["host"])
        return SocketRow(
            "tcp6" if len(local["host"]) == 32 else "tcp",
            state,
            local_host,
            int(local["port"], 16),
            peer_host,
            int(peer["port"], 16),
            None,
            None,
            number,
        )

    def _summary(self, line: str, number: int) -> None:
        """The TCP line of ``ss -s``; its other lines (``Total:``, the transport table)
        are passed over, and any other line ends the summary."""
        found = _SS_TCP.match(line)
        if found is None:
            if not _SS_TRANSPORT.match(line) and not _SS_TOTAL.match(line):
                self.mode = None
            return
        parts: dict[str, int] = {}
        for part in found["parts"].split(","):
            words = part.split()
            numbers = words[1].split("/") if len(words) == 2 else []
            if not numbers or not all(n.isdigit() for n in numbers):
                raise self.error(
                    f"a broken ss -s TCP line: {part.strip()!r} is not a name and a count",
                    number,
                )
            parts[words[0]] = int(numbers[0])
        total = int(found["total"])
        totals = {
            State.ESTABLISHED.value: parts.get("estab", 0),
            State.CLOSE.value: parts.get("closed", 0),
            State.TIME_WAIT.value: parts.get("timewait", 0),
            State.SYN_RECV.value: parts.get("synrecv", 0),
        }
        totals = {key: value for key, value in totals.items() if value}
        other = total - sum(totals.values())
        if other > 0:
            totals["OTHER"] = other
        snapshot = self._open(number)
        snapshot.totals = {"total": total, **totals}
        snapshot.orphaned = parts.get("orphaned")

    def _close(self) -> None:
        if self.current is not None:
            c = self.current
            self.snapshots.append(
                Snapshot(c.at, c.zone_source, tuple(c.rows), c.line, c.totals, c.orphaned)
            )
            self.current = None

    def format(self) -> str:
        return "+".join(self.formats)

    def finish(self) -> tuple[Snapshot, ...]:
        if not self.seen:
            raise InputError("the file holds no socket table (it is empty)", self.path)
        if not self.formats:
            raise self._unknown()
        self._close()
        return tuple(self.snapshots)


@functools.lru_cache(maxsize=4096)  # a table names few hosts, many times each
def _host(text: str) -> tuple[str, bool]:
    """A host in its short form (an IPv4-mapped IPv6 address as IPv4), and whether it was
    written as IPv6; a name or ``*`` as written."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return text, ":" in text
    if isinstance(address, ipaddress.IPv6Address):
        mapped = address.ipv4_mapped
        return (str(mapped) if mapped else str(address)), True
    return str(address), False


def _port(text: str) -> Port:
    if text == "*":
        return None
    if text.isdigit():
        return int(text)
    return _SERVICES.get(text.lower(), text)


def _hex_host(text: str) -> str:
    """The address of a /proc/net/tcp hex field: 32-bit words in host (little-endian)
    byte order, one word for IPv4, four for IPv6."""
    raw = bytes.fromhex(text)
    if len(raw) == 4:
        return str(ipaddress.IPv4Address(raw[::-1]))
    words = b"".join(raw[i : i + 4][::-1] for i in range(0, 16, 4))
    return _host(str(ipaddress.IPv6Address(words)))[0]
