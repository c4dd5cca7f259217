"""Package drift between hosts: which packages a host has newer, older, or not at all,
compared with a reference host (the one that works), grouped so that packages moving
together read as one line.

Each host's package list (`packages.read_packages`) is keyed by ecosystem and name, so the
same name under two ecosystems (a ``python3-requests`` rpm and a ``requests`` wheel, or an
rpm and a deb of one name) is never compared. Versions are ordered by
`versions.compare`, the package manager's own rules. A name installed several times on a
host (multi-arch, kernels side by side) compares its newest version, and the difference
keeps every version installed so a finding can say so.

Families: packages built from one source move together (``condor``, ``condor-classads``,
``condor-python`` all 8.4.8 to 8.4.9) and should read as one line. Two packages are one
family when they share an ecosystem, the same version on every host (the same change) and
a name stem (`family_stem`). The version condition does most of the work: a shared prefix
alone (``python3-``, ``perl-``) says nothing about where a package comes from, while the
same change on the same hosts does.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from packaging.utils import canonicalize_name
from rich.table import Table
from rich.text import Text

from retroline.errors import UsageError
from retroline.hosts.packages import Inventory, Package
from retroline.hosts.versions import Ecosystem, compare, sort_key
from retroline.inert import inert

__all__ = [
    "EVENT_FORMATS",
    "Difference",
    "Drift",
    "Group",
    "Kind",
    "drift",
    "drift_rows",
    "drift_table",
    "family_stem",
    "finding_text",
]

#: Formats that list package events, not the installed set: no drift can be read from them.
EVENT_FORMATS = frozenset({"dpkg-log", "apt-history", "yum-log", "dnf-history", "dnf-history-info"})


class Kind(StrEnum):
    """How a package on one host stands against the same package on the reference host."""

    NEWER = "newer"  # a newer version than the reference's
    OLDER = "older"  # an older version than the reference's
    ONLY = "only"  # on this host, absent from the reference
    MISSING = "missing"  # on the reference, absent from this host
    MIXED = "mixed"  # (of a difference only) the other hosts differ in different ways


# The order groups are listed in: what the other hosts lag on first.
_KIND_ORDER = {Kind.OLDER: 0, Kind.NEWER: 1, Kind.MISSING: 2, Kind.ONLY: 3, Kind.MIXED: 4}


@dataclass(frozen=True)
class Difference:
    """One package (an ecosystem and a name) that is not the same on every host.

    ``versions`` is the newest version on each host (None where it is absent), ``lines``
    the source line of that version, ``installed`` every distinct version on the host,
    newest first (more than one: multi-arch at different versions, kernels side by side).
    ``kinds`` is how each host other than the reference stands against it, for the hosts
    that differ from it; ``kind`` is their common kind, or `Kind.MIXED`.
    """

    name: str
    ecosystem: Ecosystem
    reference: str
    versions: dict[str, str | None]
    lines: dict[str, int | None]
    installed: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def between(self, good: str, bad: str) -> Kind | None:
        """How the package on ``bad`` stands against ``good``; None when they agree."""
        theirs, ours = self.versions[good], self.versions[bad]
        if theirs is None and ours is None:
            return None
        if theirs is None:
            return Kind.ONLY
        if ours is None:
            return Kind.MISSING
        order = compare(ours, theirs, self.ecosystem)
        return None if order == 0 else Kind.NEWER if order > 0 else Kind.OLDER

    @property
    def kinds(self) -> dict[str, Kind]:
        """Each other host that differs from the reference, and how."""
        found = {h: self.between(self.reference, h) for h in self.versions if h != self.reference}
        return {h: k for h, k in found.items() if k is not None}

    @property
    def kind(self) -> Kind:
        """The kind every differing host shares, or `Kind.MIXED`."""
        kinds = set(self.kinds.values())
        return kinds.pop() if len(kinds) == 1 else Kind.MIXED

    def several(self, host: str) -> int:
        """How many distinct versions ``host`` has installed (0 when none)."""
        return len(self.installed.get(host, ()))

    def to_json(self) -> dict[str, Any]:
        """The difference as plain JSON types."""
        return {
            "name": self.name,
            "ecosystem": self.ecosystem.value,
            "kind": self.kind.value,
            "kinds": {h: k.value for h, k in self.kinds.items()},
            "versions": dict(self.versions),
            "lines": dict(self.lines),
            "installed": {h: list(v) for h, v in self.installed.items()},
        }


@dataclass(frozen=True)
class Group:
    """Differences that move together: one ecosystem, the same versions on every host, a
    shared name stem. ``family`` is the stem, or the package's name for a group of one."""

    family: str
    differences: list[Difference]

    @property
    def first(self) -> Difference:
        """The group's first difference; its versions are every member's."""
        return self.differences[0]

    def to_json(self) -> dict[str, Any]:
        """The group as plain JSON types."""
        return {
            "family": self.family,
            "ecosystem": self.first.ecosystem.value,
            "kind": self.first.kind.value,
            "packages": len(self.differences),
            "differences": [d.to_json() for d in self.differences],
        }


@dataclass(frozen=True)
class Drift:
    """Package drift among ``hosts`` against ``reference``: ``same`` packages agree on
    every host (by newest version); the others are ``groups`` of differences."""

    hosts: list[str]
    reference: str
    same: int
    groups: list[Group]

    @property
    def differences(self) -> list[Difference]:
        """Every difference, group by group."""
        return [d for g in self.groups for d in g.differences]

    def to_json(self) -> dict[str, Any]:
        """The drift as plain JSON types (what the CLI's ``--json`` and the web app show)."""
        return {
            "hosts": list(self.hosts),
            "reference": self.reference,
            "same": self.same,
            "different": len(self.differences),
            "groups": [g.to_json() for g in self.groups],
        }


# First name parts that name a language, toolkit or namespace, not a source package:
# ``python3-requests`` and ``python3-idna`` come from different sources.
_NAMESPACE = re.compile(
    r"(?:python|py|perl|ruby|rubygem|php|nodejs|node|golang|go|lua|ghc|ocaml|r|rust|"
    r"texlive|fonts?|xorg|mingw|compat|java|lib|gstreamer|qt|kf|gnome|xfce4?)[\d.]*",
    re.IGNORECASE,
)


def family_stem(name: str) -> str:
    """The name stem a package's family is known by: the part before the first ``-``, or
    the first two parts when the first names a language or namespace.

    >>> family_stem("condor-classads"), family_stem("python3-requests-oauthlib")
    ('condor', 'python3-requests')
    """
    parts = name.split("-")
    if len(parts) > 1 and _NAMESPACE.fullmatch(parts[0]):
        return "-".join(parts[:2])
    return parts[0]


_Key = tuple[Ecosystem, str]


@dataclass
class _Seen:
    """A package on one host: its versions, newest first, and the newest one's line."""

    name: str
    versions: list[Package]


def _host_name(inventory: Inventory) -> str:
    return inventory.host or inventory.path


def _ecosystem(package: Package, inventory: Inventory) -> Ecosystem:
    try:
        return Ecosystem(package.ecosystem)
    except ValueError:
        raise UsageError(
            f"{inventory.path}:{package.line}: unknown package ecosystem "
            f"{package.ecosystem!r}; use one of {', '.join(e.value for e in Ecosystem)}"
        ) from None


def _key(package: Package, ecosystem: Ecosystem) -> _Key:
    # pip treats Foo_Bar, foo-bar and foo.bar as one project.
    name = canonicalize_name(package.name) if ecosystem is Ecosystem.PYTHON else package.name
    return ecosystem, name


def _index(inventory: Inventory) -> dict[_Key, _Seen]:
    """The inventory's packages by key, each with its entries newest first (the first
    entry of a version in the file first)."""
    seen: dict[_Key, _Seen] = {}
    for package in inventory.packages:
        ecosystem = _ecosystem(package, inventory)
        key = _key(package, ecosystem)
        seen.setdefault(key, _Seen(package.name, [])).versions.append(package)
    for (ecosystem, _), entry in seen.items():
        entry.versions.sort(key=_newest_first(ecosystem), reverse=True)
    return seen


def _newest_first(ecosystem: Ecosystem) -> Callable[[Package], tuple[object, ...]]:
    return lambda package: sort_key(package.version, ecosystem)


def _distinct(entries: Iterable[Package], ecosystem: Ecosystem) -> tuple[str, ...]:
    versions: list[str] = []
    for package in entries:
        if not versions or compare(package.version, versions[-1], ecosystem) != 0:
            versions.append(package.version)
    return tuple(versions)


def drift(inventories: Sequence[Inventory], *, reference: str | None = None) -> Drift:
    """The package drift among two or more hosts' inventories, against ``reference`` (the
    host that works; the first by default).

    Each inventory is one host (its ``host``, else its path); give each host once, and a
    package list, not a history (`EVENT_FORMATS`).
    """
    if len(inventories) < 2:
        raise UsageError("package drift needs the package lists of two hosts or more")
    hosts = [_host_name(i) for i in inventories]
    for inventory, host in zip(inventories, hosts, strict=True):
        if hosts.count(host) > 1:
            raise UsageError(f"host {host!r} is given twice; name the hosts apart (host=...)")
        if inventory.format in EVENT_FORMATS:
            raise UsageError(
                f"{inventory.path} is a {inventory.format} file: it lists package events, "
                "not the installed packages; give a list (rpm -qa, dpkg -l, pip freeze)"
            )
    reference = hosts[0] if reference is None else reference
    if reference not in hosts:
        raise UsageError(f"the reference host {reference!r} is none of {', '.join(hosts)}")
    indexes = {h: _index(i) for h, i in zip(hosts, inventories, strict=True)}
    keys = sorted({k for index in indexes.values() for k in index})
    same = 0
    differences: list[Difference] = []
    for key in keys:
        ecosystem = key[0]
        on = {h: indexes[h].get(key) for h in hosts}
        newest = {h: s.versions[0] if s else None for h, s in on.items()}
        difference = Difference(
            name=next(s.name for s in on.values() if s),
            ecosystem=ecosystem,
            reference=reference,
            versions={h: p.version if p else None for h, p in newest.items()},
            lines={h: p.line if p else None for h, p in newest.items()},
            installed={h: _distinct(s.versions, ecosystem) for h, s in on.items() if s},
        )
        if difference.kinds:
            differences.append(difference)
        else:
            same += 1
    return Drift(hosts, reference, same, _groups(differences, hosts))


def _groups(differences: list[Difference], hosts: list[str]) -> list[Group]:
    """Differences in families: the same ecosystem and versions, and a shared stem."""
    by_change: dict[tuple[object, ...], list[Difference]] = {}
    for d in differences:
        change = (d.ecosystem, *(d.versions[h] for h in hosts))
        by_change.setdefault(change, []).append(d)
    groups: list[Group] = []
    for members in by_change.values():
        names = sorted(d.name for d in members)
        families: dict[str, list[Difference]] = {}
        for d in sorted(members, key=lambda d: d.name):
            # A member whose name prefixes this one anchors it: python3 and python3-libs.
            anchor = next(n for n in names if d.name == n or d.name.startswith(n + "-"))
            families.setdefault(family_stem(anchor), []).append(d)
        for stem, family in families.items():
            groups.append(Group(stem if len(family) > 1 else family[0].name, family))
    groups.sort(key=lambda g: (_KIND_ORDER[g.first.kind], g.family, g.first.ecosystem))
    return groups


def _label(group: Group) -> str:
    count = len(group.differences)
    return group.family if count == 1 else f"{group.family} ({count} packages)"


def _several(group: Group, hosts: Iterable[str]) -> str:
    notes = []
    for host in hosts:
        count = max(d.several(host) for d in group.differences)
        if count > 1:
            notes.append(f"of {count} on {host}")
    return f" (newest {', '.join(notes)})" if notes else ""


def _listed(items: list[str], limit: int) -> str:
    shown = ", ".join(items[:limit])
    more = len(items) - limit
    return f"{shown} and {more} more" if more > 0 else shown


def _packages(count: int) -> str:
    return f"{count} package{'' if count == 1 else 's'}"


def finding_text(drift: Drift, good: str, bad: str, limit: int = 3) -> str:
    """The sentence a finding says about ``bad`` against ``good``: what it lags on, is
    ahead on, and what only one of them has; at most ``limit`` families a part.

    >>> finding_text(d, "psds-itb1", "psds0")  # doctest: +SKIP
    'psds0 lags psds-itb1 on 2 packages: condor-cron 1.1.1 < 1.1.2, rsv 3.13 < 3.14'
    """
    for host in (good, bad):
        if host not in drift.hosts:
            raise UsageError(f"host {host!r} is none of {', '.join(drift.hosts)}")
    if good == bad:
        raise UsageError("compare two different hosts")
    parts: dict[Kind, tuple[int, list[str]]] = {}
    for group in sorted(drift.groups, key=lambda g: (g.family, g.first.ecosystem)):
        kind = group.first.between(good, bad)
        if kind is None:
            continue
        new, old = group.first.versions[bad], group.first.versions[good]
        note = _several(group, (bad, good))
        text = {
            Kind.OLDER: f"{_label(group)} {new} < {old}{note}",
            Kind.NEWER: f"{_label(group)} {new} > {old}{note}",
            Kind.ONLY: f"{_label(group)} {new}{note}",
            Kind.MISSING: f"{_label(group)} {old}{note}",
        }[kind]
        count, items = parts.get(kind, (0, []))
        parts[kind] = (count + len(group.differences), [*items, text])
    if not parts:
        same = drift.same + sum(1 for d in drift.differences if d.versions[good] is not None)
        return inert(f"{bad} has the same {_packages(same)} as {good}", lines=False)
    phrases = []
    for kind, words in (
        (Kind.OLDER, f"lags {good} on"),
        (Kind.NEWER, f"is ahead of {good} on"),
    ):
        if kind in parts:
            count, items = parts[kind]
            phrases.append(f"{words} {_packages(count)}: {_listed(items, limit)}")
    sentence = f"{bad} {'; '.join(phrases)}" if phrases else ""
    for kind, host in ((Kind.ONLY, bad), (Kind.MISSING, good)):
        if kind in parts:
            count, items = parts[kind]
            only = f"{_packages(count)} only on {host}: {_listed(items, limit)}"
            sentence = f"{sentence}; {only}" if sentence else only
    return inert(sentence, lines=False)


def drift_rows(drift: Drift, good: str, bad: str) -> list[list[str]]:
    """The packages that differ between ``good`` and ``bad`` as a table for the report: a
    header row, then one row a package (lagging first, as `Drift` orders its groups) with
    each host's version ("—" where absent), how ``bad`` stands against ``good``, and the
    package's line in ``bad``'s list (empty where it has none: the report links each row
    to it)."""
    rows = [["package", good, bad, f"{bad} against {good}", "line"]]
    for group in drift.groups:
        for d in group.differences:
            kind = d.between(good, bad)
            if kind is not None:
                line = d.lines.get(bad)
                versions = [d.versions[good] or "—", d.versions[bad] or "—"]
                rows.append([d.name, *versions, kind.value, str(line) if line else ""])
    return rows


def drift_table(drift: Drift) -> Table:
    """The drift for the terminal: one row a package, a column a host, families together
    (the family named on its first row when it has more than one package)."""
    table = Table(
        title=(
            f"Package drift against {inert(drift.reference, lines=False)}: "
            f"{len(drift.differences)} differ, {drift.same} the same"
        ),
        title_justify="left",
        caption=(
            "newer/older: than the reference; only: absent from the reference; missing: "
            "on the reference only; (+N): N more versions installed, the newest compared"
        ),
        caption_justify="left",
    )
    table.add_column("family", overflow="fold")
    table.add_column("package", overflow="fold")
    for host in drift.hosts:
        mark = " (reference)" if host == drift.reference else ""
        table.add_column(inert(host, lines=False) + mark, overflow="fold")
    table.add_column("vs reference")
    for group in drift.groups:
        grouped = len(group.differences) > 1
        for at, d in enumerate(group.differences):
            cells = []
            for host in drift.hosts:
                version = d.versions[host]
                more = d.several(host) - 1
                cell = "—" if version is None else version + (f" (+{more})" if more else "")
                cells.append(Text(inert(cell, lines=False)))
            kinds = d.kinds
            against = (
                ", ".join(f"{inert(h, lines=False)} {k}" for h, k in kinds.items())
                if len(drift.hosts) > 2
                else d.kind.value
            )
            table.add_row(
                Text(inert(group.family, lines=False) if at == 0 and grouped else ""),
                Text(inert(d.name, lines=False)),
                *cells,
                Text(against),
            )
    return table
