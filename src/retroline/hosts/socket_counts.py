"""Count a host's TCP sockets (`sockets.read_sockets` reads them): how many, in which
states, to which ports and hosts; the sentence a finding says; the limit a ``sysctl -a``
file gives; and repeated snapshots as metric series for the change finder.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import numpy as np

from retroline.errors import ParseError
from retroline.hosts.sockets import FIN_WAIT, Port, Snapshot, SocketTable, State, family
from retroline.inputs import regular_file
from retroline.logs.reader import text_lines
from retroline.metrics.series import Series, SeriesSource
from retroline.sources import ZoneSource

__all__ = [
    "SYSCTL_LIMITS",
    "Counts",
    "SysctlLimit",
    "counts",
    "limit_from_sysctl",
    "series",
    "summary",
    "sysctl_limits",
]

_K = TypeVar("_K")


@dataclass(frozen=True)
class Counts:
    """The sockets of one snapshot counted, most first: ``by_state`` by state family
    (`family`); the others count connected sockets only (listeners and wildcard peers left
    out), by peer host, local port, peer port and process name. ``hosts_by_peer_port`` and
    ``hosts_by_local_port`` are the distinct peer hosts on each port. An ``ss -s`` summary
    fills ``total``, ``by_state`` (with ``OTHER`` for the states it does not break out) and
    ``orphaned`` only."""

    total: int
    by_state: Mapping[str, int]
    by_peer_host: Mapping[str, int] = field(default_factory=dict)
    by_local_port: Mapping[Port, int] = field(default_factory=dict)
    by_peer_port: Mapping[Port, int] = field(default_factory=dict)
    by_process: Mapping[str, int] = field(default_factory=dict)
    hosts_by_peer_port: Mapping[Port, int] = field(default_factory=dict)
    hosts_by_local_port: Mapping[Port, int] = field(default_factory=dict)
    orphaned: int | None = None

    @property
    def peer_hosts(self) -> int:
        """How many distinct peer hosts."""
        return len(self.by_peer_host)


def _ranked(counter: Mapping[_K, int]) -> dict[_K, int]:
    return dict(sorted(counter.items(), key=lambda item: (-item[1], str(item[0]))))


def counts(snapshot: Snapshot) -> Counts:
    """The sockets of ``snapshot`` counted by state family, peer host, local port, peer
    port and process; an ``ss -s`` snapshot without rows gives its summary's counts."""
    if not snapshot.rows and snapshot.totals is not None:
        by_state = {k: v for k, v in snapshot.totals.items() if k != "total"}
        return Counts(snapshot.totals["total"], _ranked(by_state), orphaned=snapshot.orphaned)
    states: Counter[str] = Counter()
    peer_hosts: Counter[str] = Counter()
    local_ports: Counter[Port] = Counter()
    peer_ports: Counter[Port] = Counter()
    processes: Counter[str] = Counter()
    on_peer_port: dict[Port, set[str]] = {}
    on_local_port: dict[Port, set[str]] = {}
    for row in snapshot.rows:
        states[family(row.state)] += 1
        if row.process is not None:
            processes[row.process] += 1
        if not row.connected:
            continue
        peer_hosts[row.peer_host] += 1
        local_ports[row.local_port] += 1
        peer_ports[row.peer_port] += 1
        on_peer_port.setdefault(row.peer_port, set()).add(row.peer_host)
        on_local_port.setdefault(row.local_port, set()).add(row.peer_host)
    return Counts(
        total=len(snapshot.rows),
        by_state=_ranked(states),
        by_peer_host=_ranked(peer_hosts),
        by_local_port=_ranked(local_ports),
        by_peer_port=_ranked(peer_ports),
        by_process=_ranked(processes),
        hosts_by_peer_port={port: len(hosts) for port, hosts in on_peer_port.items()},
        hosts_by_local_port={port: len(hosts) for port, hosts in on_local_port.items()},
        orphaned=snapshot.orphaned,
    )


def _percent(part: int, total: int) -> str:
    return f"{round(100 * part / total)}%"


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary(counts: Counts, limit: int | None = None) -> str:
    """One sentence on a snapshot's counts: the total (and the limit, when known), the
    share of the largest state family, and the port most connections share with how many
    distinct peer hosts. The port is the busiest peer port ("to port 5432 on 3 hosts": this
    host is the client) or, when a local port has more connections, that one ("on local
    port 5432 from 40 hosts": this host serves them).

    >>> summary(Counts(539, {"FIN-WAIT": 501}, {}, {}, {5432: 275}, {}, {5432: 40}), 512)
    '539 TCP sockets (limit 512): 93% in FIN-WAIT, 51% to port 5432 on 40 hosts'
    """
    total = counts.total
    head = _plural(total, "TCP socket")
    if limit is not None:
        head += f" (limit {limit})"
    if not total:
        return head
    parts = []
    if counts.by_state:
        state, n = next(iter(counts.by_state.items()))
        parts.append(f"{_percent(n, total)} in {state}")
    peer = next(iter(counts.by_peer_port.items()), None)
    local = next(iter(counts.by_local_port.items()), None)
    if local is not None and (peer is None or local[1] > peer[1]):
        hosts = counts.hosts_by_local_port.get(local[0], 0)
        parts.append(
            f"{_percent(local[1], total)} on local port {local[0]} from {_plural(hosts, 'host')}"
        )
    elif peer is not None:
        hosts = counts.hosts_by_peer_port.get(peer[0], 0)
        parts.append(f"{_percent(peer[1], total)} to port {peer[0]} on {_plural(hosts, 'host')}")
    return f"{head}: {', '.join(parts)}" if parts else head


# ----------------------------------------------------------------------------- limits

#: The ``sysctl`` keys `limit_from_sysctl` reads, by the state family they bound.
SYSCTL_LIMITS: Mapping[str | None, str] = {
    None: "fs.file-max",
    FIN_WAIT: "net.ipv4.tcp_max_orphans",
    State.TIME_WAIT.value: "net.ipv4.tcp_max_tw_buckets",
}

# fs.file-max writes LONG_MAX when there is no limit (kernels since 5.x).
_NO_LIMIT = 2**63 - 1


@dataclass(frozen=True)
class SysctlLimit:
    """A socket limit a ``sysctl -a`` file sets: the key, its value, the state family it
    bounds (None: every socket) and the line it is on."""

    key: str
    value: int
    state: str | None
    path: Path
    line: int


def sysctl_limits(path: Path) -> dict[str | None, SysctlLimit]:
    """The socket limits a ``sysctl -a`` file sets, by the state family they bound (None:
    every socket). Linux has no limit on "open TCP sockets" as such. When an incident says
    "limit 512", it is nearly always a process's open-file limit (``ulimit -n``, ``Max open
    files`` in ``/proc/PID/limits``; every socket is a file descriptor) or a pool setting (a
    connection pool's size, PostgreSQL's ``max_connections``), and neither is in sysctl:
    give those as the limit directly. What sysctl does hold, and is read here:

    - ``fs.file-max``, the host-wide cap on open files, sockets included (rarely the
      binding one; its "no limit" value is left out), for every socket;
    - ``net.ipv4.tcp_max_orphans``, the cap on sockets no process holds any more, mostly
      FIN-WAIT-1/2, CLOSING and LAST-ACK (the kernel logs "too many orphaned sockets" and
      resets them past it), for FIN-WAIT;
    - ``net.ipv4.tcp_max_tw_buckets``, the cap on TIME-WAIT sockets.

    ``net.core.somaxconn`` is not one: it bounds a listener's accept queue, not how many
    sockets are open. A value that is not a number is a `ParseError` naming its line."""
    states = {key: state for state, key in SYSCTL_LIMITS.items()}
    path = regular_file(path)
    found: dict[str | None, SysctlLimit] = {}
    for number, text in text_lines(path, "a sysctl file"):
        name, equals, value = text.partition("=")
        key = name.strip()
        if not equals or key not in states or states[key] in found:
            continue
        value = value.strip()
        if not value.isdigit():
            raise ParseError(f"{key} is {value!r}, not a number", path, number)
        if int(value) < _NO_LIMIT:
            found[states[key]] = SysctlLimit(key, int(value), states[key], path, number)
    return found


def limit_from_sysctl(path: Path, *, state: str | None = None) -> int | None:
    """The limit a ``sysctl -a`` file sets on the sockets of ``state``'s family (None:
    every socket), or None when it sets none (`sysctl_limits` says which keys)."""
    found = sysctl_limits(path).get(family(state) if state is not None else None)
    return found.value if found else None


# ----------------------------------------------------------------------------- series


def series(table: SocketTable) -> list[Series]:
    """The snapshots of ``table`` as metric series, for change finding: ``tcp_sockets``
    with ``state`` one family each (0 where a snapshot has none of it) and
    ``state="total"``; times are the snapshots' date lines (snapshots without one are left
    out, so a file without date lines gives no series), lines those date lines."""
    timed = sorted(
        (s for s in table.snapshots if s.at is not None),
        key=lambda s: s.at or dt.datetime.min,
    )
    if not timed:
        return []
    counted = [counts(s) for s in timed]
    families: list[str] = []
    for c in counted:
        families.extend(f for f in c.by_state if f not in families)
    times = np.array([s.at.timestamp() for s in timed if s.at], dtype=np.float64)
    lines = np.array([s.line for s in timed], dtype=np.int64)
    sources = {s.zone_source for s in timed}
    weakest = next(
        (z for z in (ZoneSource.ASSUMED, ZoneSource.OPTION) if z in sources), ZoneSource.EXPLICIT
    )
    zone = {ZoneSource.ASSUMED: "UTC", ZoneSource.OPTION: table.tz}.get(weakest)
    source = SeriesSource(path=str(table.path), format=table.format, zone=zone, zone_source=weakest)
    labels = {"host": table.host} if table.host else {}
    out = []
    for name in [*families, "total"]:
        values = [c.total if name == "total" else c.by_state.get(name, 0) for c in counted]
        out.append(
            Series(
                name="tcp_sockets",
                times=times,
                values=np.array(values, dtype=np.float64),
                source=source,
                labels={**labels, "state": name},
                unit="sockets",
                lines=lines,
            )
        )
    return out
