"""Processes not restarted after an upgrade: they still run the code from before it.

The rule, `not_restarted`, borrows from the two tools that answer this on a live host, as
far as a snapshot allows:

- dnf ``needs-restarting``: a process that started before the install time of any package
  providing its files needs a restart. We apply that rule, but we rarely have the file
  lists (``rpm -ql``), so without ``package_files`` a process "runs from" a package by
  name: the executable's base name, the script an interpreter runs, or the unit name equals
  the package name or shares its stem (``httpd`` ↔ ``httpd``, ``httpd-tools``; ``apache2``
  ↔ ``apache2-bin``; ``postgres`` ↔ ``postgresql-server``, ``postgresql13``; ``chronyd``
  ↔ ``chrony`` (that package only); a few daemons by a known alias, ``sshd`` ↔ ``openssh-server``).
- needrestart: a process that maps deleted or replaced files. A snapshot holds no memory
  maps, so that test cannot be made here; we apply the time rule instead, and take the
  services needrestart itself flagged (``needrestart -b``) as they are ("needrestart says
  so").

Limits, said plainly: name matching misses code a process loads from other packages (a
library, a Python module run under ``httpd``'s mod_wsgi) unless ``package_files`` says
which files each package holds, and it may match a package of the same stem the process
never loads. A start known only to the day or year flags a process only when that whole
day or year lies before the upgrade. A process restarted by a reload (SIGHUP) that keeps
its pid is not seen as restarted by ps. Removals are not considered.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import PurePosixPath

from retroline.hosts.packages import Install
from retroline.hosts.processes import Process, ProcessTable
from retroline.sources import ZoneSource

__all__ = [
    "RESTART_HEADER",
    "NeedsRestart",
    "not_restarted",
    "restart_row",
    "restart_text",
    "runs_from",
]

#: Package events that replace a package's files.
_CHANGES = frozenset({"install", "upgrade", "downgrade", "reinstall"})
_VERBS = {
    "install": "installed",
    "upgrade": "upgraded",
    "downgrade": "downgraded",
    "reinstall": "reinstalled",
}
_INTERPRETERS = frozenset({"python", "perl", "ruby", "node", "php", "java", "bash", "sh"})
# Daemons whose package is named otherwise (the stem on the left, package stems right).
_ALIASES: dict[str, frozenset[str]] = {
    "postgres": frozenset({"postgresql"}),
    "postmaster": frozenset({"postgresql"}),
    "sshd": frozenset({"openssh"}),
    "mysqld": frozenset({"mysql", "mariadb"}),
    "mariadbd": frozenset({"mariadb"}),
    "named": frozenset({"bind"}),
    "slapd": frozenset({"openldap"}),
    "master": frozenset({"postfix"}),
    "smbd": frozenset({"samba"}),
    "java": frozenset({"openjdk", "java"}),
}
_UNIT_DIRS = ("/usr/lib/systemd/system/", "/lib/systemd/system/", "/etc/systemd/system/")


@dataclass(frozen=True)
class NeedsRestart:
    """A process that runs code older than a package change. ``upgraded_at`` (UTC) and
    ``version`` are those of the change; for a service needrestart flagged, they are of the
    latest change of a package matching it by name, or None and an empty ``package``
    when none does. ``install`` is the package event, for its file and line."""

    process: Process
    package: str
    version: str | None
    upgraded_at: dt.datetime | None
    reason: str
    install: Install | None = None


def not_restarted(
    processes: ProcessTable,
    installs: Sequence[Install],
    *,
    package_files: Mapping[str, Sequence[str]] | None = None,
) -> list[NeedsRestart]:
    """Processes that started before a change of a package they run from, one per process
    and package (the latest such change), then the services needrestart flagged that the
    time rule did not already find. ``package_files`` maps package names to the files they
    hold; a package listed there is matched by its files, not by name.

    >>> not_restarted(table, inventory.installs)[0].package  # doctest: +SKIP
    'httpd'
    """
    files = package_files or {}
    changes = [i for i in installs if i.action in _CHANGES and i.at is not None and i.name]
    found: list[NeedsRestart] = []
    seen: set[tuple[object, str]] = set()
    for process in processes.processes:
        if process.flagged or process.latest_start is None:
            continue
        latest: dict[str, Install] = {}
        for change in changes:
            assert change.at is not None
            if change.at <= process.latest_start or not runs_from(process, change.name, files):
                continue
            kept = latest.get(change.name)
            if kept is None or (kept.at is not None and change.at > kept.at):
                latest[change.name] = change
        for name, change in latest.items():
            key = (process.pid if process.pid is not None else id(process), name)
            if key in seen:
                continue  # the same pid in ps and in systemctl output
            seen.add(key)
            assert change.at is not None
            found.append(
                NeedsRestart(process, name, change.new, change.at, _reason(process, change), change)
            )
    for process in processes.processes:
        if not process.flagged:
            continue
        agreeing = [
            n
            for n in found
            if not n.process.flagged
            and (n.process.unit == process.unit or runs_from(process, n.package, files))
        ]
        if agreeing:
            found = [_agreed(n) if n in agreeing else n for n in found]
            continue
        matching = [c for c in changes if runs_from(process, c.name, files)]
        last = max(
            matching, key=lambda c: c.at or dt.datetime.min.replace(tzinfo=dt.UTC), default=None
        )
        found.append(
            NeedsRestart(
                process,
                last.name if last else "",
                last.new if last else None,
                last.at if last else None,
                "needrestart says so",
                last,
            )
        )
    return found


def runs_from(
    process: Process, package: str, package_files: Mapping[str, Sequence[str]] | None = None
) -> bool:
    """True when ``process`` runs from ``package``: by its files when ``package_files``
    lists them (the executable or a path in the command line, or the unit file), else by
    name (see the module docstring)."""
    if package_files and package in package_files:
        held = set(package_files[package])
        paths = {t for t in process.args.split() if t.startswith("/")}
        if paths & held:
            return True
        unit = process.unit
        return bool(unit) and any(d + str(unit) in held for d in _UNIT_DIRS)
    target = package.lower()
    for name in _names(process):
        if name == target:
            return True
        stem = _stem(name)
        if stem in _INTERPRETERS:
            if target in {name, f"{name}-libs", f"{name}-minimal", f"{name}-base", f"{name}-bin"}:
                return True
            continue
        package_stem = _stem(target)
        if package_stem in {stem, *_ALIASES.get(stem, ())}:
            return True
        if len(stem) > 3 and stem.endswith("d") and stem[:-1] == target:
            return True  # a package's daemon: chronyd, rsyslogd, crond (not httpd, http-parser)
    return False


def restart_text(n: NeedsRestart) -> str:
    """One sentence for a report.

    >>> restart_text(n)  # doctest: +SKIP
    'httpd (pid 812) started 2016-08-23 10:15 UTC, before esmond was upgraded to 2.1 at 2016-08-23 14:02 UTC: not restarted'
    """
    p = n.process
    who = f"{p.name} (pid {p.pid})" if p.pid is not None else p.name
    if p.flagged:
        if n.upgraded_at is None:
            return f"{who}: needrestart says it needs a restart"
        return (
            f"{who}: needrestart says it needs a restart; {n.package} was last changed"
            f"{_to(n.version)} at {_minute(n.upgraded_at)}"
        )
    assert n.upgraded_at is not None
    verb = _VERBS.get(n.install.action if n.install else "upgrade", "upgraded")
    return (
        f"{who} started {_started(p)}, before {n.package} was {verb}"
        f"{_to(n.version, 'as' if verb == 'installed' else 'to')} "
        f"at {_minute(n.upgraded_at)}: not restarted"
    )


#: The header of `restart_row`'s rows.
RESTART_HEADER = ["process", "pid", "started", "package", "changed", "rule"]


def restart_row(n: NeedsRestart) -> list[str]:
    """One row of the report's list of processes not restarted (`RESTART_HEADER`)."""
    p = n.process
    started = _started(p) if p.started is not None else "—"
    change = _minute(n.upgraded_at) if n.upgraded_at is not None else "—"
    package = n.package + (f" {n.version}" if n.version else "")
    rule = "needrestart" if p.flagged else "started before the change"
    pid = str(p.pid) if p.pid is not None else "—"
    return [p.name, pid, started, package or "—", change, rule]


def _names(process: Process) -> list[str]:
    """The names a process goes by: its command, the script an interpreter runs, its unit,
    and the parts of a title it set for itself (``(wsgi:shop)``: ``wsgi`` and ``shop``)."""
    names = [process.command.lower()] if process.command else []
    if process.command.startswith("(") and process.command.endswith(")"):
        names += [part.lower() for part in process.command[1:-1].split(":")]
    if process.command and _stem(process.command) in _INTERPRETERS:
        for token in process.args.split()[1:]:
            if not token.startswith("-"):
                names.append(PurePosixPath(token).name.lower())
                break
    if process.unit:
        unit = process.unit.lower()
        names.append(re.sub(r"(?:@[^.]*)?\.[a-z]+$", "", unit))
    return [n for n in names if n]


def _stem(name: str) -> str:
    """The first word of a name without its version digits: ``postgresql13-server`` →
    ``postgresql``, ``apache2-bin`` → ``apache``, ``python3.9`` → ``python``."""
    first = re.split(r"[-_@]", name.lower(), maxsplit=1)[0]
    return first.rstrip("0123456789.") or first


def _reason(process: Process, change: Install) -> str:
    assumed = [
        what
        for what, source in (
            ("the process start", process.zone_source),
            ("the package change", change.zone_source),
        )
        if source == ZoneSource.ASSUMED
    ]
    text = (
        f"started before {change.name} was changed ({change.action}), dnf needs-restarting's rule"
    )
    if assumed:
        text += f"; the zone of {' and '.join(assumed)} was assumed UTC"
    return text


def _agreed(n: NeedsRestart) -> NeedsRestart:
    if n.reason.endswith("needrestart agrees"):
        return n
    return NeedsRestart(
        n.process, n.package, n.version, n.upgraded_at, f"{n.reason}; needrestart agrees", n.install
    )


def _started(p: Process) -> str:
    """When a process started: a minute, or the span a coarse ps start allows."""
    assert p.started is not None
    if p.latest_start is not None and p.latest_start - p.started > dt.timedelta(minutes=1):
        return f"between {_minute(p.started)} and {_minute(p.latest_start)}"
    return _minute(p.started)


def _minute(at: dt.datetime) -> str:
    return f"{at.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC"


def _to(version: str | None, word: str = "to") -> str:
    return f" {word} {version}" if version else ""
