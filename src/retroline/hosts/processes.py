"""Read a host's process snapshot: which processes and services ran, and since when.

One entry point, `read_processes`, streams the file through the log reader and detects the
format of each section from its header, so a captured session (``date; ps ...; systemctl
status ...``) reads as one table:

- ``ps -eo pid,lstart,args`` (``  812 Tue Aug 23 10:15:02 2016 /usr/sbin/httpd``):
  ``ps-lstart``, start times to the second;
- ``ps aux`` and ``ps -ef`` (a ``START`` or ``STIME`` column): ``ps``. Those columns are
  coarse and relative to when ps ran: ``10:15`` is today, ``Aug23`` this year, ``2016`` a
  year. They are resolved against the snapshot time (``taken``: a ``date`` line at the top
  of the file, else the ``taken`` argument); without it the start is None and the process
  says why: a wrong time is worse than none;
- ``systemctl show -p Id,ActiveEnterTimestamp,ExecMainStartTimestamp,ExecMainPID``
  blocks: ``systemctl-show`` (the main process's start, else the unit's activation);
- ``systemctl status`` output: ``systemctl-status`` (unit, ``Main PID`` and ``since``);
- ``needrestart -b``: ``needrestart``, services flagged as needing a restart.

ps writes local times without a zone: they are read in ``tz``, else in the zone of the
``date`` line (``ZoneSource.CONTEXT``), else UTC (``ASSUMED``). systemd writes its zone.
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from retroline.errors import FormatError, InputError, ParseError, UsageError
from retroline.hosts.dates import MONTHS, date_line, utc
from retroline.inputs import regular_file
from retroline.logs.reader import text_lines
from retroline.sources import Precision, ZoneSource
from retroline.when.zones import parse_zone, user_zone

__all__ = ["FORMATS", "Process", "ProcessTable", "read_processes"]

#: The section formats `read_processes` reads.
FORMATS: tuple[str, ...] = ("ps-lstart", "ps", "systemctl-show", "systemctl-status", "needrestart")


@dataclass(frozen=True)
class Process:
    """One process or service.

    ``started`` is the earliest instant it may have started (UTC), ``latest_start`` the
    latest: equal for a time to the second, a day apart for ``ps aux``'s ``Aug23``. Both
    are None when the file does not say, and ``note`` says why. ``command`` is the base
    name of the executable (``httpd``; empty when unknown), ``args`` the command line,
    ``unit`` the systemd unit. ``flagged`` is true for a service needrestart flagged.
    ``format`` and ``line`` say where it was read.
    """

    pid: int | None
    started: dt.datetime | None
    zone_source: ZoneSource | None
    command: str
    args: str
    unit: str | None
    line: int
    format: str = ""
    precision: Precision | None = None
    latest_start: dt.datetime | None = None
    note: str | None = None
    flagged: bool = False

    @property
    def name(self) -> str:
        """How to call it in a sentence: the command, else the unit."""
        return self.command or self.unit or "?"


@dataclass(frozen=True)
class ProcessTable:
    """The processes of one file, in file order. ``format`` is one of `FORMATS`, or several
    joined by ``+`` in the order met; ``taken`` the snapshot time (UTC) and
    ``taken_source`` where it came from ("date line", "option") or None."""

    host: str | None
    path: Path
    format: str
    taken: dt.datetime | None
    processes: tuple[Process, ...]
    taken_source: str | None = None


_HEAD_LINES = 64
_DAY = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)"
_MON = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)"
_LSTART_HEADER = re.compile(r"^PID\s+STARTED\s+(?:COMMAND|CMD|ARGS)$")
_LSTART_ROW = re.compile(
    rf"^(?P<pid>\d+)\s+{_DAY}\s+(?P<mon>{_MON})\s+(?P<day>\d{{1,2}})\s+"
    r"(?P<h>\d\d):(?P<m>\d\d):(?P<s>\d\d)\s+(?P<year>\d{4})\s+(?P<args>.*)$"
)
_PS_HEADER = re.compile(r"^(?=.*\bPID\b)(?=.*\b(?:START|STIME)\b).*\b(?:COMMAND|CMD|ARGS)$")
_HHMM = re.compile(r"^(\d\d):(\d\d)$")
_MONDD = re.compile(rf"^({_MON})\s?(\d\d)$")
_YEAR = re.compile(r"^(\d{4})$")
_SHOW_KEY = re.compile(r"^([A-Z][A-Za-z]+)=(.*)$")
_SHOW_START = re.compile(
    r"^(?:Id|Names|ActiveEnterTimestamp|ExecMainStartTimestamp|ExecMainPID|MainPID)="
)
_UNIT_LINE = re.compile(
    r"^(?:[●*○×↻]\s*)?(?P<unit>[\w@:.\\-]+\.(?:service|socket|scope|timer|mount|target))"
    r"(?:\s+-\s+.*)?$"
)
_ACTIVE = re.compile(
    r"^Active:\s+(?P<state>[\w-]+)(?:\s+\((?P<sub>[^)]*)\))?(?:\s+since\s+(?P<since>[^;]+))?"
)
_MAIN_PID = re.compile(r"^Main PID:\s+(?P<pid>\d+)(?:\s+\((?P<what>[^)]*)\))?")
_CGROUP_ROW = re.compile(r"^[\s│├└─|`-]*?(?P<pid>\d+)\s+(?P<args>\S.*)$")
_SYSTEMD_TIME = re.compile(
    rf"^(?:{_DAY}\s+)?(?P<date>\d{{4}}-\d\d-\d\d)\s+(?P<clock>\d\d:\d\d:\d\d)(?:\.\d+)?"
    r"(?:\s+(?P<zone>\S+))?$"
)
_NEEDRESTART = re.compile(r"^NEEDRESTART-(?P<key>[A-Z]+):\s*(?P<value>.*)$")
_INTERLUDE = re.compile(r"^(?:[$#>+]\s|[-=*_~#]{3,}$)")
_RUNNING = frozenset({"active", "reloading", "activating", "deactivating"})


def read_processes(
    path: Path,
    *,
    host: str | None = None,
    tz: str | None = None,
    taken: dt.datetime | None = None,
) -> ProcessTable:
    """The processes and services in the file at ``path``.

    ``host`` names the host; ``tz`` is the host's zone, for times written without one;
    ``taken`` is when the snapshot was taken (with a zone), used when the file has no
    ``date`` line at the top. A file that is no snapshot is a `FormatError`, a broken row a
    `ParseError` naming its line, an empty file an `InputError`.

    >>> read_processes(Path("ps.txt"), tz="America/Chicago").processes[0].pid  # doctest: +SKIP
    812
    """
    if taken is not None and taken.utcoffset() is None:
        raise UsageError("give the snapshot time with a zone (2016-08-23T14:30:00-05:00)")
    if taken is not None:
        try:
            taken.astimezone(dt.UTC)
        except OverflowError:
            raise UsageError(
                f"the snapshot time {taken.isoformat()} is outside the years 1 to 9999 in UTC"
            ) from None
    path = regular_file(path)
    reader = _Reader(path, tz, taken)
    for number, text in text_lines(path, "a process snapshot"):
        reader.feed(number, text)
    processes = reader.finish()
    return ProcessTable(
        host, path, "+".join(reader.formats), reader.taken, processes, reader.taken_source
    )


@dataclass
class _Unit:
    """A systemctl block being read."""

    line: int
    fmt: str
    keys: dict[str, tuple[str, int]] = field(default_factory=dict)
    cgroup: dict[int, str] = field(default_factory=dict)


class _Reader:
    """A line-by-line state machine: headers switch the section format, rows are read by
    the format of the last header."""

    def __init__(self, path: Path, tz: str | None, taken: dt.datetime | None) -> None:
        self.path = path
        self.tz = tz
        self.zone: dt.tzinfo | None = user_zone(tz) if tz else None
        self.taken = None if taken is None else taken.astimezone(dt.UTC)
        self.taken_source: str | None = None if taken is None else "option"
        self.host_zone: dt.tzinfo | None = None  # from the date line
        self.mode: str | None = None
        self.columns: list[str] = []
        self.unit: _Unit | None = None
        self.processes: list[Process] = []
        self.formats: list[str] = []
        self.seen = 0
        self.dated = False

    def error(self, message: str, line: int) -> ParseError:
        return ParseError(message, self.path, line)

    def feed(self, number: int, text: str) -> None:
        line = text.strip()
        if not line:
            self._close_unit()
            if self.mode in ("systemctl-status", "systemctl-show"):
                self.mode = None  # a blank line ends a unit (journal lines may follow)
            return
        self.seen += 1
        if not self.formats and self.seen > _HEAD_LINES:
            raise self._unknown()
        if self.mode is None and self._date_line(line, number):
            return
        if self._header(line, number, text):
            return
        if _INTERLUDE.match(line):
            self._close_unit()
            self.mode = None
            return
        if self.mode == "ps-lstart":
            self._lstart_row(line, number)
        elif self.mode == "ps":
            self._ps_row(line, number)
        elif self.mode == "systemctl-show":
            self._show_line(line, number)
        elif self.mode == "systemctl-status":
            self._status_line(line, number)

    def _unknown(self) -> FormatError:
        return FormatError(
            "not a process snapshot we know (no ps, systemctl or needrestart output found); "
            "give the output of `ps -eo pid,lstart,args`, `systemctl status` or `needrestart -b`",
            self.path,
        )

    def _use(self, fmt: str) -> None:
        self._close_unit()
        self.mode = fmt
        if fmt not in self.formats:
            self.formats.append(fmt)

    def _header(self, line: str, number: int, text: str) -> bool:
        if _LSTART_HEADER.match(line):
            self._use("ps-lstart")
        elif _PS_HEADER.match(line):
            self._use("ps")
            self.columns = line.split()
        elif found := _NEEDRESTART.match(line):
            self._use("needrestart")
            self._needrestart(found["key"], found["value"].strip(), number)
            self.mode = None
        elif _SHOW_START.match(line) and self.mode != "systemctl-show":
            self._use("systemctl-show")
            self.unit = _Unit(number, "systemctl-show")
            self._show_line(line, number)
        elif (found := _UNIT_LINE.match(line)) and not text[:1].isspace():
            self._use("systemctl-status")
            self.unit = _Unit(number, "systemctl-status")
            self.unit.keys["Id"] = (found["unit"], number)
        else:
            return False
        return True

    # ------------------------------------------------------------------ times

    def _date_line(self, line: str, number: int) -> bool:
        """Take the snapshot time from a ``date`` line before the first table; a date line
        after a table starts a second snapshot, which is refused."""
        try:
            found = date_line(line)
        except ValueError as exc:
            raise self.error(f"a date line with an impossible date: {exc}", number) from exc
        if found is None:
            return False
        at, label = found
        # An offset written with the time is the host's zone; a Unix time says nothing of it.
        unix = line.strip().replace(".", "", 1).isdigit()
        zone: dt.tzinfo | None = None if unix else at.tzinfo
        if label:
            zone = self._label_zone(label, line, number)
        if self.formats or self.dated:
            raise self.error(
                "a second date line: the file holds more than one snapshot; "
                "give one snapshot per file",
                number,
            )
        self.dated = True
        if at.tzinfo is None:
            at = at.replace(tzinfo=zone or self.zone or dt.UTC)
        try:
            self.taken, self.taken_source = utc(at), "date line"
        except ValueError as exc:
            raise self.error(f"a date line with an impossible date: {exc}", number) from exc
        self.host_zone = zone
        return True

    def _label_zone(self, label: str, line: str, number: int) -> dt.tzinfo:
        zone = parse_zone(label)
        if zone is None:
            if self.zone is not None:
                return self.zone
            raise self.error(
                f"the line {line!r} has a zone we do not know ({label!r}): "
                "give the host's zone with --tz (an IANA name such as America/Chicago)",
                number,
            )
        meaning = zone.choose(region_hint=self.tz)
        if meaning.region and meaning.offset is not None:
            # A daylight or standard label ("CDT") names its region: ps times months
            # apart are read in the region's rules, not in the label's fixed offset.
            return zoneinfo.ZoneInfo(meaning.region)
        return meaning.tzinfo()

    def _local(self) -> tuple[dt.tzinfo, ZoneSource]:
        """The zone of a local time written without one, and where it came from."""
        if self.zone is not None:
            return self.zone, ZoneSource.OPTION
        if self.host_zone is not None:
            return self.host_zone, ZoneSource.CONTEXT
        return dt.UTC, ZoneSource.ASSUMED

    def _systemd_time(self, text: str, number: int) -> tuple[dt.datetime, ZoneSource] | None:
        """A systemd timestamp (``Tue 2016-08-23 10:15:02 CDT``) in UTC; None for an empty
        one (``n/a``, nothing)."""
        text = text.strip()
        if not text or text == "n/a" or text == "0":
            return None
        found = _SYSTEMD_TIME.match(text)
        if found is None:
            raise self.error(f"{text!r} is not a systemd timestamp", number)
        try:
            naive = dt.datetime.fromisoformat(f"{found['date']}T{found['clock']}")
        except ValueError as exc:
            raise self.error(f"an impossible timestamp {text!r}: {exc}", number) from exc
        if found["zone"]:
            zone, source = self._label_zone(found["zone"], text, number), ZoneSource.EXPLICIT
        else:
            zone, source = self._local()
        try:
            return utc(naive.replace(tzinfo=zone)), source
        except ValueError as exc:
            raise self.error(f"an impossible timestamp {text!r}: {exc}", number) from exc

    # ------------------------------------------------------------------ ps

    def _lstart_row(self, line: str, number: int) -> None:
        found = _LSTART_ROW.match(line)
        if found is None:
            raise self.error(
                "a broken ps row: expected PID, a start like 'Tue Aug 23 10:15:02 2016' "
                "and the command",
                number,
            )
        try:
            naive = dt.datetime(
                int(found["year"]),
                MONTHS[found["mon"]],
                int(found["day"]),
                int(found["h"]),
                int(found["m"]),
                int(found["s"]),
            )
        except ValueError as exc:
            raise self.error(f"a ps row with an impossible start: {exc}", number) from exc
        zone, source = self._local()
        try:
            at = utc(naive.replace(tzinfo=zone))
        except ValueError as exc:
            raise self.error(f"a ps row with an impossible start: {exc}", number) from exc
        args = found["args"].strip()
        self.processes.append(
            Process(
                int(found["pid"]),
                at,
                source,
                _command(args),
                args,
                None,
                number,
                "ps-lstart",
                Precision.SECOND,
                at,
            )
        )

    def _ps_row(self, line: str, number: int) -> None:
        cells = line.split(None, len(self.columns) - 1)
        if len(cells) < len(self.columns) - 1:
            raise self.error(
                f"a broken ps row: expected the columns {' '.join(self.columns)}", number
            )
        row = dict(zip(self.columns, cells, strict=False))
        pid_text = row.get("PID", "")
        if not pid_text.isdigit():
            raise self.error(f"a broken ps row: the PID is {pid_text!r}, not a number", number)
        args = row.get(self.columns[-1], "").strip()
        start = row.get("START") or row.get("STIME") or ""
        try:
            started, latest, precision, source, note = self._coarse(start, number)
        except (ValueError, OverflowError) as exc:  # year 0, or past 9999 in UTC
            raise self.error(f"a ps row with an impossible start {start!r}: {exc}", number) from exc
        self.processes.append(
            Process(
                int(pid_text),
                started,
                source,
                _command(args),
                args,
                None,
                number,
                "ps",
                precision,
                latest,
                note,
            )
        )

    def _coarse(
        self, start: str, number: int
    ) -> tuple[
        dt.datetime | None, dt.datetime | None, Precision | None, ZoneSource | None, str | None
    ]:
        """The earliest and latest start of a ps START/STIME cell, its precision and zone
        source, or a note saying why it cannot be placed."""
        zone, source = self._local()
        if found := _YEAR.match(start):
            first = dt.datetime(int(found[1]), 1, 1, tzinfo=zone)
            last = dt.datetime(int(found[1]), 12, 31, 23, 59, 59, tzinfo=zone)
            return _utc(first), _utc(last), Precision.APPROXIMATE, source, "ps gives the year only"
        hhmm, mondd = _HHMM.match(start), _MONDD.match(start)
        if hhmm is None and mondd is None:
            raise self.error(
                f"a broken ps row: {start!r} is no START we know (10:15, Aug23 or 2016)", number
            )
        if self.taken is None:
            return (
                None,
                None,
                None,
                None,
                f"ps wrote the start as {start!r}, relative to when it ran, and the snapshot "
                "has no time: give a date line at the top or the snapshot time",
            )
        today = self.taken.astimezone(zone).date()
        if hhmm is not None:
            try:
                first = dt.datetime.combine(today, dt.time(int(hhmm[1]), int(hhmm[2])), tzinfo=zone)
            except ValueError as exc:
                raise self.error(f"a ps row with an impossible start: {exc}", number) from exc
            return (
                _utc(first),
                _utc(first) + dt.timedelta(seconds=59),
                Precision.MINUTE,
                source,
                None,
            )
        assert mondd is not None
        try:
            day = dt.date(today.year, MONTHS[mondd[1]], int(mondd[2]))
        except ValueError as exc:
            raise self.error(f"a ps row with an impossible start: {exc}", number) from exc
        if day > today:
            return (
                None,
                None,
                None,
                None,
                f"ps wrote the start as {start!r}, after the snapshot's day {today}: "
                "the snapshot time is wrong",
            )
        first = dt.datetime.combine(day, dt.time(), tzinfo=zone)
        last = first + dt.timedelta(days=1) - dt.timedelta(seconds=1)
        return _utc(first), _utc(last), Precision.DAY, source, None

    # ------------------------------------------------------------------ systemctl

    def _show_line(self, line: str, number: int) -> None:
        found = _SHOW_KEY.match(line)
        if found is None:
            raise self.error(
                f"a broken systemctl show line: expected Key=Value, not {line[:60]!r}", number
            )
        if self.unit is None:
            self.unit = _Unit(number, "systemctl-show")
        self.unit.keys[found[1]] = (found[2], number)

    def _status_line(self, line: str, number: int) -> None:
        if self.unit is None:
            return
        keys = self.unit.keys
        if found := _ACTIVE.match(line):
            keys["ActiveState"] = (found["state"], number)
            keys["SubState"] = (found["sub"] or "", number)
            keys["ActiveEnterTimestamp"] = (found["since"] or "", number)
        elif found := _MAIN_PID.match(line):
            keys["MainPID"] = (found["pid"], number)
            what = found["what"] or ""
            if what and "=" not in what:
                keys["Command"] = (what, number)
        elif line.startswith("CGroup:"):
            keys["CGroup"] = ("", number)
        elif "CGroup" in keys and (row := _CGROUP_ROW.match(line)):
            self.unit.cgroup[int(row["pid"])] = row["args"].strip()

    def _close_unit(self) -> None:
        unit, self.unit = self.unit, None
        if unit is None:
            return
        keys = unit.keys
        state = keys.get("ActiveState", ("active", 0))[0]
        sub = keys.get("SubState", ("", 0))[0]
        pid_text, _ = keys.get("ExecMainPID") or keys.get("MainPID") or ("", 0)
        if state not in _RUNNING or sub in ("exited", "dead") or pid_text == "0":
            return  # nothing runs: nothing to restart
        if pid_text and not pid_text.isdigit():
            raise self.error(f"the main PID {pid_text!r} is not a number", unit.line)
        pid = int(pid_text) if pid_text else None
        started, source, note = None, None, None
        for key in ("ExecMainStartTimestamp", "ActiveEnterTimestamp"):
            value, number = keys.get(key, ("", 0))
            if (at := self._systemd_time(value, number)) is not None:
                started, source = at
                if key == "ActiveEnterTimestamp":
                    note = "the unit's activation time, at or just after its main process started"
                break
        else:
            note = "systemctl gives no start time for the unit"
        unit_name = keys.get("Id", ("", 0))[0] or keys.get("Names", ("", 0))[0].split(" ")[0]
        args = unit.cgroup.get(pid, "") if pid is not None else ""
        command = _command(args) if args else keys.get("Command", ("", 0))[0]
        self.processes.append(
            Process(
                pid,
                started,
                source,
                command,
                args,
                unit_name or None,
                unit.line,
                unit.fmt,
                Precision.SECOND if started else None,
                started,
                note,
            )
        )

    # ------------------------------------------------------------------ needrestart

    def _needrestart(self, key: str, value: str, number: int) -> None:
        if key != "SVC":
            return  # the version, kernel and microcode status, containers, sessions
        if not value:
            raise self.error("a NEEDRESTART-SVC line without a service", number)
        self.processes.append(
            Process(
                None,
                None,
                None,
                "",
                "",
                value,
                number,
                "needrestart",
                note="needrestart flagged the service",
                flagged=True,
            )
        )

    def finish(self) -> tuple[Process, ...]:
        self._close_unit()
        if not self.seen:
            raise InputError("the file holds no process snapshot (it is empty)", self.path)
        if not self.formats:
            raise self._unknown()
        return tuple(self.processes)


def _utc(at: dt.datetime) -> dt.datetime:
    return at.astimezone(dt.UTC)


def _command(args: str) -> str:
    """The base name of a command line's executable: ``httpd`` for ``/usr/sbin/httpd -k``,
    ``postgres`` for ``postgres: walwriter``, ``kworker/0:1`` for ``[kworker/0:1]``."""
    first = args.split(None, 1)[0] if args.strip() else ""
    if first.startswith("[") and args.rstrip().endswith("]"):
        return args.strip()[1:-1]
    return PurePosixPath(first.rstrip(":")).name
