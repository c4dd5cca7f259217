"""Read a host's package list or package history into an `Inventory`, whatever tool wrote it.

One entry point, `read_packages`. Files are streamed line by line through the log reader
(`logs.reader.read_lines`: compression, encoding, binary junk); memory holds the packages
and events kept, not the file. Every package and event records its line; event times are
in UTC with the source of their zone (`ZoneSource`).

Detection (`detect_format`) looks at the first meaningful line (after an optional host
header), in this order:

- ``Desired=...`` or a ``ii  name  version ...`` row: ``dpkg-l`` (``dpkg -l``);
- ``Start-Date: 2016-08-23  10:15:02``: ``apt-history`` (``/var/log/apt/history.log``);
- ``2016-08-23 10:15:02 upgrade ...``: ``dpkg-log`` (``/var/log/dpkg.log``);
- ``Aug 23 10:15:02 Updated: ...``: ``yum-log`` (``/var/log/yum.log``);
- a ``ID | ... | Date and time | Action(s) | Altered`` header: ``dnf-history``
  (``dnf history`` or ``yum history`` listing);
- ``Transaction ID : 12``: ``dnf-history-info`` (``dnf history info``, ``yum history info``);
- ``NEVRA   Tue 23 Aug 2016 10:15:02 AM CDT``: ``rpm-last`` (``rpm -qa --last``);
- fields ending in a Unix time: ``rpm-queryformat`` (``rpm -qa --queryformat``);
- ``name==version``, ``name @ url``, ``-e ...``: ``pip-freeze``;
- ``name<TAB>version``: ``dpkg-query`` (``dpkg-query -W``), or ``rpm-queryformat`` when
  the version carries an RPM distribution tag (``.el7``, ``.fc38``, ``.amzn2``);
- ``name-version-release.arch``: ``rpm`` (``rpm -qa``); ``name-version-rN``: ``apk``
  (``apk info -v``).

The host is the ``host`` argument ("option"); else a first line ``# host: NAME`` or
``hostname: NAME`` ("header"); else taken from the file name ("file name", see
`host_from_name`); else unknown (empty, "unknown").
"""

from __future__ import annotations

import datetime as dt
import posixpath
import re
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import chain, islice
from pathlib import Path

from retroline.errors import FormatError, InputError, ParseError, UsageError
from retroline.hosts.dates import utc
from retroline.inputs import regular_file
from retroline.logs.reader import text_lines
from retroline.sources import ZoneSource
from retroline.when.zones import parse_zone, user_zone

__all__ = [
    "FORMATS",
    "Install",
    "Inventory",
    "Package",
    "detect_format",
    "host_from_name",
    "read_packages",
]

#: The formats `read_packages` reads, by the names `detect_format` gives.
FORMATS: tuple[str, ...] = (
    "rpm",
    "rpm-last",
    "rpm-queryformat",
    "dpkg-l",
    "dpkg-query",
    "dpkg-log",
    "apt-history",
    "yum-log",
    "dnf-history",
    "dnf-history-info",
    "pip-freeze",
    "apk",
)


@dataclass(frozen=True)
class Package:
    """One installed package: ``version`` as the tool writes it (``1:2.4.6-97.el7`` with
    an epoch, ``2.4.7-1ubuntu1`` for Debian; a location for a pip ``@``/``-e`` line)."""

    name: str
    version: str
    arch: str | None
    ecosystem: str
    line: int


@dataclass(frozen=True)
class Install:
    """One package event: installed, upgraded, removed, downgraded or reinstalled.

    ``at`` is None when the file does not say when (a ``yum.log`` without ``year``);
    ``year_from`` says where the year came from when the line does not write it
    ("option": the ``year`` argument; "order": that year moved on at a month going back).
    An event of a history listing has an empty ``name``: the listing says when a
    transaction ran and what it did, not to which packages.
    """

    at: dt.datetime | None
    action: str
    name: str
    old: str | None
    new: str | None
    ecosystem: str
    transaction: str | None
    line: int
    zone_source: ZoneSource
    year_from: str | None = None


@dataclass(frozen=True)
class Inventory:
    """What one file says about one host's packages: the installed ones and the events."""

    host: str
    host_source: str
    path: str
    format: str
    packages: list[Package] = field(default_factory=list)
    installs: list[Install] = field(default_factory=list)


# Longest line kept: an apt history ``Upgrade:`` line of a release upgrade lists thousands
# of packages on one line, far past the log reader's default.
_MAX_LINE = 4 * 1024 * 1024
_HEAD_LINES = 64

_HOST_HEADER = re.compile(r"^(?:#\s*)?host(?:name)?\s*:\s+(\S+)\s*$", re.IGNORECASE)

_RPM_ARCHES = frozenset(
    "x86_64 noarch i386 i486 i586 i686 athlon aarch64 ppc ppc64 ppc64le s390 s390x "  # noqa: SIM905
    "armv7hl armv7l armv6hl armhfp riscv64 ia64 alpha sparc64 mips mipsel src nosrc".split()
)
_RPM_DIST = re.compile(r"\.(?:el|fc|amzn|mga|sles|suse|module_el|ol)\d", re.IGNORECASE)

_WEEKDAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_DPKG_ROW = re.compile(r"^([uirph])([nicufhWt])([ R]?)\s+(\S+)\s+(\S+)(?:\s+(\S+))?")
_DPKG_LOG = re.compile(r"^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (\S+)(?: (.*))?$")
_YUM_LOG = re.compile(r"^([A-Z][a-z]{2}) +(\d{1,2}) (\d\d:\d\d:\d\d) (\w+): (\S+)\s*$")
_RPM_LAST = re.compile(r"^(\S+)\s+(" + _WEEKDAY + r"\b.*)$")
_HISTORY_HEADER = re.compile(r"^\s*ID\s*\|.*\|\s*Date and time\s*\|\s*Action\(s\)\s*\|", re.I)
_INFO_ID = re.compile(r"^Transaction ID\s*:\s*(\d+)\s*$")
_INFO_BEGIN = re.compile(r"^Begin time\s*:\s*(.+?)\s*$")
_INFO_ALTERED = re.compile(r"^\s+(?:\*\*\s*)?([A-Z][\w-]*)\s+(\S+)(?:\s+\S+)?\s*$")
_EPOCH = re.compile(r"^\d{9,10}$")
_PIP = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?:===?\s*(\S+)|\s@\s+(\S+))\s*$")
_APK = re.compile(r"^(.+?)-(\d[^-\s]*-r\d+)$")
_LABEL = re.compile(r"[A-Z]{2,5}|[+-]\d\d(?:\d\d)?")
_APT_ITEM = re.compile(r"\s*([^\s,()]+) \(([^()]*)\)\s*(?:,|$)")

_MONTHS = {m: i for i, m in enumerate("Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split(), 1)}  # noqa: SIM905
_YUM_ACTIONS = {
    "Installed": "install",
    "Updated": "upgrade",
    "Erased": "remove",
    "Downgraded": "downgrade",
    "Reinstalled": "reinstall",
}
_APT_ACTIONS = {
    "Install": "install",
    "Upgrade": "upgrade",
    "Downgrade": "downgrade",
    "Remove": "remove",
    "Purge": "remove",
    "Reinstall": "reinstall",
}
# ``history info`` rows: the side of a change each word writes (new, old), and the action.
_INFO_ACTIONS = {
    "Install": ("new", "install"),
    "Dep-Install": ("new", "install"),
    "Upgrade": ("new", "upgrade"),
    "Update": ("new", "upgrade"),
    "Upgraded": ("old", "upgrade"),
    "Updated": ("old", "upgrade"),
    "Downgrade": ("new", "downgrade"),
    "Downgraded": ("old", "downgrade"),
    "Reinstall": ("new", "reinstall"),
    "Reinstalled": ("old", "reinstall"),
    "Erase": ("old", "remove"),
    "Removed": ("old", "remove"),
    "Dep-Erase": ("old", "remove"),
    "Obsoleted": ("old", "remove"),
    "Obsoleting": ("new", "install"),
}
_DPKG_ACTIONS = {"install": "install", "upgrade": "upgrade", "remove": "remove", "purge": "remove"}
# dpkg.log lines that record a step of a package's change, not the change itself.
_DPKG_STEPS = frozenset({"status", "configure", "trigproc", "startup", "conffile"})
_HISTORY_ACTIONS = {
    "install": "install",
    "i": "install",
    "update": "upgrade",
    "upgrade": "upgrade",
    "u": "upgrade",
    "erase": "remove",
    "removed": "remove",
    "remove": "remove",
    "e": "remove",
    "downgrade": "downgrade",
    "d": "downgrade",
    "reinstall": "reinstall",
    "r": "reinstall",
    "obsoleting": "upgrade",
    "o": "upgrade",
}

# Words that follow a host name in the name of a captured list ("web01-rpm-qa.txt"), of
# packages, sockets, processes or kernel settings.
_TOOL_WORDS = (
    "rpm rpms dpkg deb debs packages package pkgs pkglist pip pip3 apk yum dnf apt "  # noqa: SIM905
    "history installed freeze requirements inventory "
    "netstat ss sockets socket ps processes systemctl needrestart sysctl".split()
)
_NAME_WORDS = frozenset(_TOOL_WORDS) | {"qa", "last", "log", "list", "l", "w", "v", "info", "txt"}
_NAMED_HOST = re.compile(r"^(.+?)[-_.](?:" + "|".join(_TOOL_WORDS) + r")(?:[-_.]|$)", re.I)
_COMPRESSED = (".gz", ".bz2", ".xz")
_TEXT_SUFFIXES = (".txt", ".log", ".out", ".lst", ".list")


def host_from_name(name: str) -> str | None:
    """The host a captured list's file name names, or None when it names none.

    The name without ``.gz``/``.bz2``/``.xz``, up to the first ``-``, ``_`` or ``.``
    followed by a tool word (rpm, dpkg, deb, packages, pkgs, pip, apk, yum, dnf, apt,
    history, installed, freeze, requirements, inventory; netstat, ss, sockets, ps,
    processes, systemctl, needrestart; sysctl); without such a word, the name
    less a ``.txt``/``.log``/``.out``/``.lst``/``.list`` suffix. A name made only of tool
    words (``dpkg.log``, ``rpm-qa.txt``, ``yum.log-20170101``) names no host.

    >>> host_from_name("psds0-rpm-qa.txt"), host_from_name("web01.txt"), host_from_name("dpkg.log")
    ('psds0', 'web01', None)
    """
    for suffix in _COMPRESSED:
        name = name.removesuffix(suffix)
    found = _NAMED_HOST.match(name)
    if found:
        host = found[1]
    else:
        host = name
        for suffix in _TEXT_SUFFIXES:
            host = host.removesuffix(suffix)
    parts = [p.lower() for p in re.split(r"[-_.]", host)]
    if not host or all(p in _NAME_WORDS or p.isdigit() for p in parts):
        return None
    return host


class _Clock:
    """Wall-clock times to UTC: in the ``tz`` zone (OPTION), else UTC (ASSUMED)."""

    def __init__(self, tz: str | None) -> None:
        self.tz = tz
        self.zone: dt.tzinfo = user_zone(tz) if tz else dt.UTC
        self.naive = ZoneSource.OPTION if tz else ZoneSource.ASSUMED

    def local(self, naive: dt.datetime) -> tuple[dt.datetime, ZoneSource]:
        return utc(naive.replace(tzinfo=self.zone)), self.naive


@dataclass
class _Read:
    """What a format reader needs and fills."""

    path: Path
    clock: _Clock
    year: int | None
    packages: list[Package] = field(default_factory=list)
    installs: list[Install] = field(default_factory=list)

    def error(self, message: str, line: int) -> ParseError:
        return ParseError(message, self.path, line)

    def local(self, naive: dt.datetime, line: int) -> tuple[dt.datetime, ZoneSource]:
        """A wall-clock time of the file's line ``line`` in UTC (see `_Clock`)."""
        try:
            return self.clock.local(naive)
        except ValueError as exc:
            raise self.error(f"an impossible time: {exc}", line) from exc


def read_packages(
    path: Path, *, host: str | None = None, tz: str | None = None, year: int | None = None
) -> Inventory:
    """The packages and package events in the file at ``path``, in one of `FORMATS`.

    ``host`` names the host (else the file's header or name does); ``tz`` is the zone of
    times written without one (else UTC, and the events say it was assumed); ``year`` is
    the year of the first line of a ``yum.log``, which writes none (without it, its events
    have no time: a wrong year is worse than none). A file of no known format is a
    `FormatError`, a broken line a `ParseError` naming it, an empty file an `InputError`.

    >>> read_packages(Path("web01-rpm-qa.txt")).packages[0]  # doctest: +SKIP
    Package(name='httpd', version='2.4.6-97.el7.centos.5', arch='x86_64', ecosystem='rpm', line=1)
    """
    if year is not None and not 1 <= year <= 9999:
        raise UsageError(f"no such year {year}: give the year of the log's first line, e.g. 2016")
    path = regular_file(path)
    read = _Read(path, _Clock(tz), year)
    lines = _lines(path)
    try:
        head = list(islice(lines, _HEAD_LINES))
        header_host, body = _split_header(head)
        fmt = _detect([text for _n, text in body], path)
        _READERS[fmt](chain(body, lines), read)
    finally:
        lines.close()
    if host:
        host_source = "option"
    elif header_host:
        host, host_source = header_host, "header"
    elif (named := host_from_name(path.name)) is not None:
        host, host_source = named, "file name"
    else:
        host, host_source = "", "unknown"
    return Inventory(host, host_source, str(path), fmt, read.packages, read.installs)


def detect_format(lines: Iterable[str]) -> str:
    """The format (one of `FORMATS`) of a package file from its first lines; a
    `FormatError` naming the known formats when it is none of them."""
    head = list(islice(lines, _HEAD_LINES))
    _host, body = _split_header(list(enumerate(head, 1)))
    return _detect([text for _n, text in body], None)


def _lines(path: Path) -> Generator[tuple[int, str], None, None]:
    return text_lines(path, "a package list", _MAX_LINE)


def _split_header(head: list[tuple[int, str]]) -> tuple[str | None, list[tuple[int, str]]]:
    """The host of a ``# host: NAME`` first line, and the lines after it."""
    for at, (_number, text) in enumerate(head):
        if not text.strip():
            continue
        found = _HOST_HEADER.match(text.strip())
        if found:
            return found[1], head[at + 1 :]
        break
    return None, head


def _unknown(path: Path | None, why: str) -> FormatError:
    return FormatError(
        f"not a package list we know ({why}); known formats: {', '.join(FORMATS)}", path
    )


def _detect(texts: list[str], path: Path | None) -> str:
    lines = [t.strip() for t in texts if t.strip()]
    if not lines:
        raise InputError("the file holds no packages (it is empty)", path)
    # apk writes its warnings (an unreachable repository) before the list.
    first = next((t for t in lines if not t.startswith("WARNING:")), lines[0])
    if first.startswith(("Desired=", "||/ Name")) or (_DPKG_ROW.match(first) and "  " in first):
        return "dpkg-l"
    if first.startswith("Start-Date:"):
        return "apt-history"
    if _DPKG_LOG.match(first):
        return "dpkg-log"
    if _YUM_LOG.match(first):
        return "yum-log"
    if any(_HISTORY_HEADER.match(t) for t in lines[:8]):
        return "dnf-history"
    if any(_INFO_ID.match(t) for t in lines[:4]):  # after yum's "Loaded plugins: ..."
        return "dnf-history-info"
    if _RPM_LAST.match(first):
        return "rpm-last"
    fields = first.split()
    if len(fields) >= 2 and _EPOCH.match(fields[-1]):
        return "rpm-queryformat"
    data = [t for t in lines if not t.startswith("#")]
    if data and (_PIP.match(data[0]) or data[0].startswith("-e ")):
        return "pip-freeze"
    if "\t" in first and 2 <= len(fields) <= 3:
        return "rpm-queryformat" if _RPM_DIST.search(fields[1]) else "dpkg-query"
    if len(fields) == 1:
        nevra = _nevra(first)
        if nevra is not None and nevra[2] is not None:
            return "rpm"
        if _APK.match(first):
            return "apk"
        if first.startswith("gpg-pubkey-"):
            return "rpm"
    raise _unknown(path, f"the first line reads {first[:60]!r}")


def _nevra(text: str) -> tuple[str, str, str | None] | None:
    """Name, version (``[epoch:]version-release``) and arch of an RPM's NEVRA
    (``httpd-2.4.6-97.el7.x86_64``, ``1:java-...``, ``openssl-1:1.1.1g-15.el8_3.x86_64``)."""
    epoch = ""
    found = re.match(r"^(\d+):(.+)$", text)
    if found:
        epoch, text = found[1] + ":", found[2]
    arch = None
    stem, dot, last = text.rpartition(".")
    if dot and last in _RPM_ARCHES:
        text, arch = stem, last
    parts = text.rsplit("-", 2)
    if len(parts) != 3 or not all(parts):
        return None
    name, version, release = parts
    return name, f"{epoch}{version}-{release}", arch


def _read_rpm(lines: Iterator[tuple[int, str]], read: _Read) -> None:
    for number, text in lines:
        text = text.strip()
        if not text or text.startswith("gpg-pubkey-"):  # the keys rpm keeps as packages
            continue
        found = _nevra(text)
        if found is None or found[2] is None:
            raise read.error(f"not an RPM name-version-release.arch: {text[:80]!r}", number)
        read.packages.append(Package(found[0], found[1], found[2], "rpm", number))


def _rpm_time(text: str, read: _Read, number: int) -> tuple[dt.datetime, ZoneSource]:
    """An ``rpm --last`` time: ``Tue 23 Aug 2016 10:15:02 AM CDT`` (with a zone label,
    EXPLICIT) or ``Tue Aug 23 10:15:02 2016`` (no zone: --tz or assumed)."""
    words = text.split()
    label = None
    for at, word in enumerate(words):
        if at and word not in ("AM", "PM", *_MONTHS) and _LABEL.fullmatch(word):
            label = word
            del words[at]
            break
    when = " ".join(words)
    naive = None
    for pattern in ("%a %d %b %Y %I:%M:%S %p", "%a %d %b %Y %H:%M:%S", "%a %b %d %H:%M:%S %Y"):
        try:
            naive = dt.datetime.strptime(when, pattern)
            break
        except ValueError:
            continue
    if naive is None:
        raise read.error(f"not an rpm install time: {text[:60]!r}", number)
    if label is None:
        return read.local(naive, number)
    zone = parse_zone(label)
    if zone is None:
        if read.clock.tz:
            return read.local(naive, number)
        raise read.error(f"unknown time zone {label!r}: give its zone with --tz", number)
    meaning = zone.choose(region_hint=read.clock.tz)
    try:
        return utc(naive.replace(tzinfo=meaning.tzinfo())), ZoneSource.EXPLICIT
    except ValueError as exc:
        raise read.error(f"an impossible time: {exc}", number) from exc


def _read_rpm_last(lines: Iterator[tuple[int, str]], read: _Read) -> None:
    for number, text in lines:
        if not text.strip() or text.startswith("gpg-pubkey-"):
            continue
        found = _RPM_LAST.match(text)
        nevra = _nevra(found[1]) if found else None
        if found is None or nevra is None:
            raise read.error(f"not an 'rpm -qa --last' line: {text[:80]!r}", number)
        at, source = _rpm_time(found[2].strip(), read, number)
        name, version, arch = nevra
        read.packages.append(Package(name, version, arch, "rpm", number))
        read.installs.append(
            Install(at, "install", name, None, version, "rpm", None, number, source)
        )


def _read_rpm_queryformat(lines: Iterator[tuple[int, str]], read: _Read) -> None:
    """Fields: ``NEVRA``, ``NAME VERSION-RELEASE`` or ``NAME VERSION-RELEASE ARCH``,
    then an optional Unix install time; ``(none):`` (no epoch) is dropped."""
    for number, text in lines:
        fields = text.split()
        if not fields or fields[0].startswith("gpg-pubkey"):
            continue
        stamp = int(fields.pop()) if len(fields) > 1 and _EPOCH.match(fields[-1]) else None
        if len(fields) == 1:
            nevra = _nevra(fields[0])
        elif len(fields) == 2 or (len(fields) == 3 and fields[2] in _RPM_ARCHES):
            arch = fields[2] if len(fields) == 3 else None
            nevra = fields[0], fields[1].removeprefix("(none):"), arch
        else:
            nevra = None
        if nevra is None:
            raise read.error(f"not an rpm query line: {text[:80]!r}", number)
        name, version, arch = nevra
        read.packages.append(Package(name, version, arch, "rpm", number))
        if stamp is not None:
            at = dt.datetime.fromtimestamp(stamp, dt.UTC)
            read.installs.append(
                Install(
                    at, "install", name, None, version, "rpm", None, number, ZoneSource.EXPLICIT
                )
            )


def _split_arch(name: str) -> tuple[str, str | None]:
    base, colon, arch = name.partition(":")
    return (base, arch) if colon and arch else (name, None)


def _read_dpkg_l(lines: Iterator[tuple[int, str]], read: _Read) -> None:
    """``dpkg -l``: header lines are skipped; a package counts as installed unless its
    status letter is ``n`` (not installed) or ``c`` (``rc``: only its config is left)."""
    with_arch = True
    for number, text in lines:
        if not text.strip() or text.startswith(("Desired=", "| ", "|/", "+++")):
            continue
        if text.startswith("||/"):
            with_arch = "Arch" in text
            continue
        found = _DPKG_ROW.match(text)
        if found is None or (with_arch and found[6] is None):
            raise read.error(f"not a 'dpkg -l' row: {text[:80]!r}", number)
        if found[2] in "nc":
            continue
        name, arch = _split_arch(found[4])
        if with_arch:
            arch = found[6]
        read.packages.append(Package(name, found[5], arch, "deb", number))


def _read_dpkg_query(lines: Iterator[tuple[int, str]], read: _Read) -> None:
    """``dpkg-query -W``: ``name[:arch]<TAB>version[<TAB>arch]``; a package without a
    version is one dpkg knows of but has not installed, and is skipped."""
    for number, text in lines:
        if not text.strip():
            continue
        fields = text.rstrip("\r\n").split("\t")
        if len(fields) not in (2, 3) or not fields[0].strip():
            raise read.error(f"not a 'dpkg-query -W' line: {text[:80]!r}", number)
        name, arch = _split_arch(fields[0].strip())
        version = fields[1].strip()
        if len(fields) == 3 and fields[2].strip():
            arch = fields[2].strip()
        if version:
            read.packages.append(Package(name, version, arch, "deb", number))


def _read_dpkg_log(lines: Iterator[tuple[int, str]], read: _Read) -> None:
    """``dpkg.log``: ``install``/``upgrade``/``remove``/``purge`` lines are events (dpkg
    writes ``upgrade`` for a downgrade too); the ``status``, ``configure`` and other step
    lines are not."""
    for number, text in lines:
        if not text.strip():
            continue
        found = _DPKG_LOG.match(text.strip())
        if found is None:
            raise read.error(f"not a dpkg.log line: {text[:80]!r}", number)
        verb, rest = found[2], (found[3] or "").split()
        if verb in _DPKG_STEPS:
            continue
        if verb not in _DPKG_ACTIONS or len(rest) != 3:
            raise read.error(f"not a dpkg.log action: {text[:80]!r}", number)
        try:
            naive = dt.datetime.fromisoformat(found[1])
        except ValueError as exc:  # 2020-07-99
            raise read.error(f"an impossible dpkg.log time {found[1]!r}: {exc}", number) from exc
        at, source = read.local(naive, number)
        name, _arch = _split_arch(rest[0])
        old, new = (None if v == "<none>" else v for v in rest[1:])
        if verb in ("remove", "purge"):
            new = None
        read.installs.append(
            Install(at, _DPKG_ACTIONS[verb], name, old, new, "deb", None, number, source)
        )


def _read_apt_history(lines: Iterator[tuple[int, str]], read: _Read) -> None:
    """``apt/history.log``: one transaction per ``Start-Date:`` block, named
    ``line N`` after the line of its ``Start-Date``; events take its start time."""
    at: dt.datetime | None = None
    source = read.clock.naive
    transaction = None
    for number, text in lines:
        key, colon, value = text.strip().partition(": ")
        if not text.strip() or key in ("Commandline", "Requested-By", "Error", "End-Date"):
            continue
        if key == "Start-Date" and colon:
            try:
                naive = dt.datetime.strptime(" ".join(value.split()), "%Y-%m-%d %H:%M:%S")
            except ValueError as exc:
                raise read.error(f"not an apt Start-Date: {value[:40]!r}", number) from exc
            at, source = read.local(naive, number)
            transaction = f"line {number}"
            continue
        if key not in _APT_ACTIONS or not colon:
            raise read.error(f"not an apt history line: {text[:80]!r}", number)
        if transaction is None:
            raise read.error(f"'{key}:' outside a Start-Date block", number)
        action = _APT_ACTIONS[key]
        end = 0
        # Matched in place, item after item: a search would rescan a long broken rest of
        # the line from every position.
        while end < len(value) and (item := _APT_ITEM.match(value, end)) is not None:
            end = item.end()
            name, _arch = _split_arch(item[1])
            versions = [v.strip() for v in item[2].split(",")]
            old = new = None
            if action in ("upgrade", "downgrade") and len(versions) == 2:
                old, new = versions
            elif action == "remove":
                old = versions[0]
            else:  # Install and Reinstall: "(1.0)" or "(1.0, automatic)"
                new = versions[0]
            read.installs.append(
                Install(at, action, name, old, new, "deb", transaction, number, source)
            )
        if end != len(value):
            raise read.error(f"a broken package list at column {len(key) + 3 + end}", number)


def _read_yum_log(lines: Iterator[tuple[int, str]], read: _Read) -> None:
    """``yum.log``: no year in its lines; with ``year`` (the first line's), a month going
    back moves to the next year; without, events have no time."""
    year = read.year
    last_month = 0
    for number, text in lines:
        if not text.strip():
            continue
        found = _YUM_LOG.match(text.strip())
        if found is None or found[1] not in _MONTHS or found[4] not in _YUM_ACTIONS:
            raise read.error(f"not a yum.log line: {text[:80]!r}", number)
        action = _YUM_ACTIONS[found[4]]
        nevra = _nevra(found[5])
        name, version = (nevra[0], nevra[1]) if nevra else (found[5], None)
        old, new = (version, None) if action == "remove" else (None, version)
        at, source, year_from = None, read.clock.naive, None
        if year is not None:
            month = _MONTHS[found[1]]
            if month < last_month:
                year += 1
            last_month = month
            year_from = "option" if year == read.year else "order"
            hour, minute, second = (int(p) for p in found[3].split(":"))
            try:
                naive = dt.datetime(year, month, int(found[2]), hour, minute, second)
            except ValueError as exc:
                raise read.error(f"no such date in {year}: {text[:30]!r}", number) from exc
            at, source = read.local(naive, number)
        read.installs.append(
            Install(at, action, name, old, new, "rpm", None, number, source, year_from)
        )


def _read_dnf_history(lines: Iterator[tuple[int, str]], read: _Read) -> None:
    """A ``dnf history``/``yum history`` listing: one event per action of a transaction
    (``I, U`` is two), named by the transaction ID, without package names. Lines before
    the table (``Loaded plugins: ...``) and its rules are skipped."""
    started = False
    for number, text in lines:
        if not started:
            started = bool(_HISTORY_HEADER.match(text))
            continue
        if not text.strip() or set(text.strip()) == {"-"} or text.strip() == "history list":
            continue
        cells = [c.strip() for c in text.split("|")]
        if len(cells) < 5 or not cells[0].isdigit():
            raise read.error(f"not a history table row: {text[:80]!r}", number)
        try:
            naive = dt.datetime.strptime(cells[-3], "%Y-%m-%d %H:%M")
        except ValueError as exc:
            raise read.error(f"not a history date: {cells[-3][:40]!r}", number) from exc
        at, source = read.local(naive, number)
        for word in cells[-2].split(","):
            action = _HISTORY_ACTIONS.get(word.strip().lower())
            if action is None:
                raise read.error(f"unknown history action {word.strip()!r}", number)
            read.installs.append(
                Install(at, action, "", None, None, "rpm", cells[0], number, source)
            )


def _read_dnf_history_info(lines: Iterator[tuple[int, str]], read: _Read) -> None:
    """``dnf history info`` / ``yum history info``: per ``Transaction ID`` block, the rows
    under ``Packages Altered:``, at its ``Begin time``. The two rows of one change (dnf's
    ``Upgrade`` + ``Upgraded``, yum's ``Updated`` + ``Update``) become one event; yum's
    second row may write only ``version.arch``, and takes the name of the row before."""
    transaction: str | None = None
    at: dt.datetime | None = None
    source = read.clock.naive
    altered = False
    open_rows: dict[tuple[str, str], Install] = {}
    previous = ""
    for number, text in lines:
        if altered and text[:1].isspace() and text.strip():
            found = _INFO_ALTERED.match(text)
            side_action = _INFO_ACTIONS.get(found[1]) if found else None
            if found is None or side_action is None:
                raise read.error(f"not a 'Packages Altered' row: {text.strip()[:80]!r}", number)
            side, action = side_action
            nevra = _nevra(found[2]) or _nevra(f"{previous}-{found[2]}")
            if nevra is None:
                raise read.error(f"not an RPM name-version: {found[2][:80]!r}", number)
            name, version, _arch = nevra
            previous = name
            half = open_rows.pop((action, name), None)
            old = version if side == "old" else half.old if half else None
            new = version if side == "new" else half.new if half else None
            first = half.line if half else number
            event = Install(at, action, name, old, new, "rpm", transaction, first, source)
            if half is None and action in ("upgrade", "downgrade", "reinstall"):
                open_rows[(action, name)] = event
            else:
                read.installs.append(event)
            continue
        altered = text.strip() == "Packages Altered:"
        if (found := _INFO_ID.match(text.strip())) is not None:
            read.installs.extend(open_rows.values())
            open_rows.clear()
            transaction, at = found[1], None
        elif (found := _INFO_BEGIN.match(text.strip())) is not None:
            at, source = _rpm_time(found[1], read, number)
    read.installs.extend(open_rows.values())
    read.installs.sort(key=lambda e: e.line)  # a paired change stands at its first row


def _read_pip_freeze(lines: Iterator[tuple[int, str]], read: _Read) -> None:
    """``pip freeze``: ``name==version``; ``name @ url`` and ``-e location`` keep the
    location as the version (an editable's name from ``#egg=``, else the path's last part);
    comments are skipped."""
    for number, text in lines:
        text = text.strip()
        if not text or text.startswith("#"):
            continue
        if text.startswith(("-e ", "--editable ")):
            where = text.split(None, 1)[1].strip()
            egg = re.search(r"[#&]egg=([A-Za-z0-9._-]+)", where)
            name = egg[1] if egg else posixpath.basename(where.split("#")[0].rstrip("/"))
            read.packages.append(Package(name, where, None, "python", number))
            continue
        found = _PIP.match(text)
        if found is None:
            raise read.error(f"not a 'pip freeze' line: {text[:80]!r}", number)
        read.packages.append(Package(found[1], found[2] or found[3], None, "python", number))


def _read_apk(lines: Iterator[tuple[int, str]], read: _Read) -> None:
    """``apk info -v``: ``name-version-rN``; apk's ``WARNING:`` lines are skipped."""
    for number, text in lines:
        text = text.strip()
        if not text or text.startswith("WARNING:"):
            continue
        found = _APK.match(text)
        if found is None:
            raise read.error(f"not an 'apk info -v' line: {text[:80]!r}", number)
        read.packages.append(Package(found[1], found[2], None, "apk", number))


_READERS = {
    "rpm": _read_rpm,
    "rpm-last": _read_rpm_last,
    "rpm-queryformat": _read_rpm_queryformat,
    "dpkg-l": _read_dpkg_l,
    "dpkg-query": _read_dpkg_query,
    "dpkg-log": _read_dpkg_log,
    "apt-history": _read_apt_history,
    "yum-log": _read_yum_log,
    "dnf-history": _read_dnf_history,
    "dnf-history-info": _read_dnf_history_info,
    "pip-freeze": _read_pip_freeze,
    "apk": _read_apk,
}
