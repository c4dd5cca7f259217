"""Host state into an incident: package installs and upgrades as timeline events of kind
``change``; package drift, processes not restarted and socket counts as findings, each with
the table behind it for the report; the changes of repeated socket snapshots (a limit
crossed among them) as metric changes.

Installs are grouped per transaction (a yum or apt run, a dnf history id; else the same
minute on the same host), one event each ("esmond 2.0 -> 2.1, httpd 2.4.6 -> 2.4.7 on
psds0"), linked to the line of its first package. A host's whole install history can hold
hundreds of transactions since the system was installed: the ones shortly before the onset
are kept first (`BEFORE`, `KEPT_BEFORE`), then the few just after it (an upgrade during the
response), because what changed right before an outage is the first suspect.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from retroline.errors import UsageError
from retroline.hosts.drift import EVENT_FORMATS, drift, drift_rows, finding_text
from retroline.hosts.packages import Install, Inventory
from retroline.hosts.processes import ProcessTable
from retroline.hosts.restarts import (
    RESTART_HEADER,
    NeedsRestart,
    not_restarted,
    restart_row,
    restart_text,
)
from retroline.hosts.socket_counts import Counts, SysctlLimit, counts, series, summary
from retroline.hosts.sockets import Snapshot, SocketTable
from retroline.instants import iso_utc
from retroline.metrics.attach import AFTER as METRIC_AFTER
from retroline.metrics.attach import BEFORE as METRIC_BEFORE
from retroline.metrics.attach import Found
from retroline.metrics.changes import Change, Limit, find_changes
from retroline.model import Event, EventKind, Finding, Precision, Severity, Source

__all__ = [
    "AFTER",
    "BEFORE",
    "KEPT_AFTER",
    "KEPT_BEFORE",
    "SAME_RUN",
    "Limits",
    "SocketReport",
    "Transaction",
    "drift_findings",
    "install_events",
    "restart_findings",
    "socket_changes",
    "socket_findings",
    "socket_limits",
    "socket_report",
    "transactions",
]

#: Transactions this long before the onset may be kept, the latest first, at most so many.
BEFORE = dt.timedelta(days=30)
KEPT_BEFORE = 10
#: And those this long after it, at most so many.
AFTER = dt.timedelta(days=1)
KEPT_AFTER = 5
# Packages named in an event's text; the others are in its details.
_NAMED = 4


@dataclass(frozen=True)
class Transaction:
    """The package events of one run of the package manager on one host."""

    host: str
    path: str
    at: dt.datetime
    installs: tuple[Install, ...]

    @property
    def line(self) -> int:
        """The line of its first package event."""
        return self.installs[0].line


def transactions(inventory: Inventory) -> list[Transaction]:
    """The timed package events of ``inventory`` grouped per transaction (its id, else the
    minute), in time order. Events without a time, or without a package (a history
    listing's row), are left out."""
    groups: dict[tuple[str, str], list[Install]] = {}
    for install in inventory.installs:
        if install.at is None or not install.name:
            continue
        key = install.transaction or iso_utc(install.at.replace(second=0, microsecond=0))
        groups.setdefault((key, install.ecosystem), []).append(install)
    found = []
    for group in groups.values():
        # In time order (`rpm -qa --last` lists the newest first), then file order.
        group.sort(key=lambda i: (i.at or dt.datetime.min.replace(tzinfo=dt.UTC), i.line))
        at = group[0].at
        assert at is not None
        found.append(Transaction(inventory.host, inventory.path, at, tuple(group)))
    return sorted(found, key=lambda t: (t.at, t.line))


#: Transactions of one host this close together, with packages in common, are one run
#: seen by two files (``rpm -qa --last`` and ``yum.log``).
SAME_RUN = dt.timedelta(minutes=1)


def _richness(transaction: Transaction) -> tuple[int, int, int]:
    """How much a transaction says: its events with both versions, those that say what
    was done (upgraded, not only installed at a time), then its events."""
    both = sum(1 for i in transaction.installs if i.old and i.new)
    told = sum(1 for i in transaction.installs if i.action != "install")
    return both, told, len(transaction.installs)


def _one_per_run(found: Sequence[Transaction]) -> list[Transaction]:
    """``found`` with each run the package manager made once: of the transactions of one
    host within `SAME_RUN` that share packages, the one that says most (an upgrade's old
    and new versions over an install time alone)."""
    kept: list[Transaction] = []
    for transaction in sorted(found, key=_richness, reverse=True):
        names = {i.name for i in transaction.installs}
        if not any(
            other.host == transaction.host
            and abs(other.at - transaction.at) <= SAME_RUN
            and names & {i.name for i in other.installs}
            for other in kept
        ):
            kept.append(transaction)
    return sorted(kept, key=lambda t: (t.at, t.path, t.line))


def _change(install: Install) -> str:
    """One package event in a few words: ``esmond 2.0 -> 2.1``, ``+ tmux 3.2``."""
    if install.action in ("upgrade", "downgrade") and install.old and install.new:
        return f"{install.name} {install.old} -> {install.new}"
    if install.action == "remove":
        return f"- {install.name}" + (f" {install.old}" if install.old else "")
    version = install.new or install.old
    return f"{install.name} {version}" if version else install.name


def _verb(group: Sequence[Install]) -> str:
    actions = {i.action for i in group}
    if actions <= {"upgrade"}:
        return "upgraded"
    if actions <= {"install"}:
        return "installed"
    if actions <= {"remove"}:
        return "removed"
    return "changed"


def _event(transaction: Transaction, year_label: str) -> Event:
    """The timeline event of one transaction; ``year_label`` says where the year of lines
    that write none came from."""
    group = transaction.installs
    named = ", ".join(_change(i) for i in group[:_NAMED])
    more = f" and {len(group) - _NAMED} more" if len(group) > _NAMED else ""
    host = f" on {transaction.host}" if transaction.host else ""
    details = [_change(i) for i in group] if len(group) > _NAMED else []
    first = group[0]
    if first.year_from == "option":
        details.append(f"year not written: taken from {year_label}")
    elif first.year_from == "order":
        details.append(f"year not written: {year_label}'s, moved on where the months go back")
    return Event(
        at=transaction.at,
        precision=Precision.SECOND,
        time_text=iso_utc(transaction.at),
        zone="UTC",
        zone_source=first.zone_source,
        text=f"Packages {_verb(group)}{host}: {named}{more}",
        kind=EventKind.CHANGE,
        details=details,
        source=Source(path=transaction.path, line=transaction.line),
    )


def install_events(
    inventories: Sequence[Inventory], onset: dt.datetime | None, year_label: str = "--year"
) -> list[Event]:
    """The package transactions to show on the timeline: without an onset, every one; with
    one, the `KEPT_BEFORE` latest within `BEFORE` before it and the `KEPT_AFTER` first
    within `AFTER` after it. ``year_label`` names where a year not written came from."""
    found = _one_per_run([t for inventory in inventories for t in transactions(inventory)])
    if onset is not None:
        before = [t for t in found if onset - BEFORE <= t.at <= onset]
        after = [t for t in found if onset < t.at <= onset + AFTER]
        found = sorted(before, key=lambda t: t.at)[-KEPT_BEFORE:] + after[:KEPT_AFTER]
    return [_event(t, year_label) for t in found]


def drift_findings(inventories: Sequence[Inventory], good: str | None) -> list[Finding]:
    """A finding per host whose packages differ from the good host's: ``good`` when given
    (a `UsageError` when no list is of that host), else the first host by name, and the
    finding says it was chosen so. Install logs are not package lists: left out."""
    lists = [i for i in inventories if i.format not in EVENT_FORMATS and i.host and i.packages]
    hosts = sorted({i.host for i in lists})
    if len(hosts) < 2:
        return []
    if good is not None and good not in hosts:
        raise UsageError(f"--good {good}: no package list of that host ({', '.join(hosts)})")
    reference = good or hosts[0]
    chosen = (
        ""
        if good
        else f" ({reference} taken as the host that works: first by name; say which with --good)"
    )
    # One list a host: the first of each.
    per_host = {i.host: i for i in reversed(lists)}
    found = drift([per_host[h] for h in hosts], reference=reference)
    sources = {i.host: i.path for i in lists}
    findings = []
    for host in hosts:
        differ = [d for d in found.differences if d.between(reference, host) is not None]
        if host == reference or not differ:
            continue
        # Linked to the line of the first package it names that this host has.
        line = next((d.lines.get(host) for d in differ if d.lines.get(host)), None)
        findings.append(
            Finding(
                code="package-drift",
                severity=Severity.WARNING,
                message=finding_text(found, reference, host) + chosen,
                source=Source(path=sources[host], line=line),
                rows=drift_rows(found, reference, host),
            )
        )
    return findings


def restart_findings(
    tables: Sequence[ProcessTable], inventories: Sequence[Inventory]
) -> list[Finding]:
    """A finding per process that started before a change of a package it runs from (or
    that needrestart flags), on the same host: the package events of the inventories of
    that host, or of all of them when the files name no host."""
    found = []
    for table in tables:
        same = [i for i in inventories if i.host == table.host] or (
            list(inventories) if not table.host or not any(i.host for i in inventories) else []
        )
        installs = [install for inventory in same for install in inventory.installs]
        # One finding a process: its earliest stale package named, the others after it.
        by_process: dict[int, list[NeedsRestart]] = {}
        for need in not_restarted(table, installs):
            by_process.setdefault(need.process.line, []).append(need)
        for needs in by_process.values():
            # The package named as the process first (httpd before httpd-tools), then the
            # earliest change.
            first = min(
                needs,
                key=lambda n: (
                    n.package.lower() != n.process.name.lower(),
                    n.upgraded_at or dt.datetime.max.replace(tzinfo=dt.UTC),
                    n.package,
                ),
            )
            others = sorted({n.package for n in needs if n.package and n.package != first.package})
            also = f" (also: {', '.join(others)})" if others else ""
            found.append(
                Finding(
                    code="not-restarted",
                    severity=Severity.WARNING,
                    message=(f"{table.host}: " if table.host else "") + restart_text(first) + also,
                    source=Source(path=str(table.path), line=first.process.line),
                    rows=[["host", *RESTART_HEADER], [table.host or "—", *restart_row(first)]],
                )
            )
    return found


#: The limits of one host's sockets: a sysctl key's or the user's, by the state family they
#: bound (None: every socket).
Limits = dict[str | None, SysctlLimit | int]


def socket_limits(
    table: SocketTable,
    limit: int | None,
    settings: Sequence[tuple[str | None, dict[str | None, SysctlLimit]]],
) -> Limits:
    """The limits that bound ``table``'s sockets: those of the ``sysctl -a`` files of its
    host (or of files that name no host), with ``limit`` (the user's, on every socket) in
    place of the host-wide one."""
    found: Limits = {}
    for host, limits in settings:
        if host is None or table.host is None or host == table.host:
            found.update(limits)
    if limit is not None:
        found[None] = limit
    return found


def _value(limit: SysctlLimit | int) -> int:
    return limit if isinstance(limit, int) else limit.value


def _said(limit: SysctlLimit | int) -> str:
    """A limit as a finding names it: ``limit 512`` or ``net.ipv4.tcp_max_orphans 4096``."""
    return f"limit {limit}" if isinstance(limit, int) else f"{limit.key} {limit.value}"


def _crossings(bounds: Limits) -> list[Limit]:
    """The limits as the change finder takes them, on the series of their state family:
    reached at the limit (a pool or table at its size is full)."""
    return [
        Limit(f'tcp_sockets{{*state="{state or "total"}"*}}', ">=", _value(bound))
        for state, bound in bounds.items()
    ]


def socket_changes(
    tables: Sequence[SocketTable], onset: dt.datetime, limits: Sequence[Limits]
) -> list[Found]:
    """The changes of the socket counts of each table (its snapshots as series: in all and
    per state family) within the metric window of the onset, the crossings of its
    ``limits`` (one mapping a table) among them."""
    found = []
    for table, bounds in zip(tables, limits, strict=True):
        for one in series(table):
            found += [
                Found(one, change)
                for change in find_changes(one, limits=_crossings(bounds))
                if onset - METRIC_BEFORE <= change.at <= onset + METRIC_AFTER
            ]
    return found


@dataclass(frozen=True)
class SocketReport:
    """One socket table on its own (``retroline hosts sockets``): each snapshot counted,
    the finding an investigation would give, and every change of its series, limit
    crossings among them, in time order."""

    table: SocketTable
    limits: Limits
    counts: list[Counts]
    finding: Finding | None
    changes: list[Change]

    def to_json(self) -> dict[str, object]:
        """The report as plain JSON types."""
        return {
            "path": str(self.table.path),
            "host": self.table.host,
            "format": self.table.format,
            "limits": {
                state or "total": (
                    {"value": bound, "from": "--limit"}
                    if isinstance(bound, int)
                    else {"value": bound.value, "from": f"{bound.key} ({bound.path}:{bound.line})"}
                )
                for state, bound in self.limits.items()
            },
            "snapshots": [
                {
                    "at": iso_utc(s.at) if s.at is not None else None,
                    "zone_source": s.zone_source.value if s.zone_source else None,
                    "line": s.line,
                    "total": c.total,
                    "by_state": dict(c.by_state),
                    "by_peer_host": dict(list(c.by_peer_host.items())[:10]),
                    "by_local_port": {str(k): v for k, v in list(c.by_local_port.items())[:10]},
                    "by_peer_port": {str(k): v for k, v in list(c.by_peer_port.items())[:10]},
                    "by_process": dict(list(c.by_process.items())[:10]),
                }
                for s, c in zip(self.table.snapshots, self.counts, strict=True)
            ],
            "finding": self.finding.message if self.finding else None,
            "changes": [c.to_json() for c in self.changes],
        }


def socket_report(table: SocketTable, limits: Limits) -> SocketReport:
    """``table`` counted snapshot by snapshot against ``limits``, with its finding and the
    changes of its series (all of them: there is no onset to look near)."""
    changes = [
        change for one in series(table) for change in find_changes(one, limits=_crossings(limits))
    ]
    findings = socket_findings([table], [limits])
    return SocketReport(
        table,
        limits,
        [counts(s) for s in table.snapshots],
        findings[0] if findings else None,
        sorted(changes, key=lambda c: (c.at, c.series)),
    )


def _count_rows(c: Counts) -> list[list[str]]:
    """The counts behind a socket finding: by state, then the busiest peers and ports."""
    rows = [["counted by", "value", "sockets"]]
    rows += [["state", state, str(n)] for state, n in c.by_state.items()]
    # The busiest few of the others: ports that hold a share of the sockets (an
    # ephemeral port holds one or two), hosts and processes that hold more than one.
    share = max(2, c.total // 20)
    for what, counter, most, least in (
        ("peer port", c.by_peer_port, 3, share),
        ("local port", c.by_local_port, 3, share),
        ("peer host", c.by_peer_host, 5, 2),
        ("process", c.by_process, 3, 2),
    ):
        rows += [[what, str(key), str(n)] for key, n in list(counter.items())[:most] if n >= least]
    return rows


def _first_past(
    counted: Sequence[tuple[Snapshot, Counts]], state: str | None, bound: int
) -> tuple[Snapshot, int] | None:
    """The first snapshot whose sockets (of ``state``'s family; None: all) reach
    ``bound``, with its count."""
    for snapshot, c in counted:
        n = c.total if state is None else c.by_state.get(state, 0)
        if n >= bound:
            return snapshot, n
    return None


def socket_findings(
    tables: Sequence[SocketTable], limits: Sequence[Limits] | None = None
) -> list[Finding]:
    """A finding per socket table: its busiest snapshot counted, in one sentence, with
    the user's limit on every socket when given (``limits``: one mapping a table); a
    warning naming each limit the sockets reached, and when they first did."""
    found = []
    for table, bounds in zip(tables, limits or [{}] * len(tables), strict=True):
        # Each snapshot counted once, for the busiest and for the limits alike.
        counted = [(s, counts(s)) for s in table.snapshots if s.rows or s.totals]
        if not counted:
            continue
        busiest, most = max(counted, key=lambda pair: pair[1].total)
        when = f" at {busiest.at:%Y-%m-%d %H:%M} UTC" if busiest.at is not None else ""
        host = f"{table.host}: " if table.host else ""
        total = bounds.get(None)
        message = f"{host}{summary(most, total if isinstance(total, int) else None)}{when}"
        reached = []
        for state, bound in bounds.items():
            past = _first_past(counted, state, _value(bound))
            if past is None:
                continue
            snapshot, n = past
            what = "sockets" if state is None else f"{state} sockets"
            first = f" at {snapshot.at:%Y-%m-%d %H:%M} UTC" if snapshot.at is not None else ""
            reached.append(f"{n} {what} reached {_said(bound)} first{first} (line {snapshot.line})")
        found.append(
            Finding(
                code="sockets",
                severity=Severity.WARNING if reached else Severity.INFO,
                message=message + (f"; {'; '.join(reached)}" if reached else ""),
                source=Source(path=str(table.path), line=busiest.line or None),
                rows=_count_rows(most),
            )
        )
    return found
