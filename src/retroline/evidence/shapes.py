"""Evidence other than documents and logs, known by the shape of its lines: metric series,
package lists, kernel settings, socket tables and process tables.

Such files used to be read as documents (a metrics export became a "postmortem" titled
after its header, with a timeline entry per row). `evidence_shape` names what a sample of a
file's lines looks like, so that the file goes to its own reader, or is reported as not
read when this version has none. Every rule follows from how the tools write these files (a
header naming the columns, a version in every line, an address and port in every row),
never from a particular system.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence

from retroline.logs.structured import ROLES

__all__ = ["COMMANDS", "DESCRIPTIONS", "SHAPES", "evidence_shape", "not_read"]

# Share of a sample's lines that must have a shape for the file to be of that kind.
_SHARE = 0.8
_LEAST_LINES = 3

_TIME_CELL = re.compile(
    r"(?:1\d{9}(?:\d{3})?(?:\.\d+)?"  # Unix time, seconds or milliseconds
    r"|\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d)?\S*)?"  # ISO date (and time)
    r"|\d{1,2}[/.]\d{1,2}[/.]\d{2,4}(?: \d\d:\d\d(?::\d\d)?)?"  # day or month first
    r"|\d\d:\d\d(?::\d\d)?(?: ?[AP]M)?)",  # a time of day (sar)
    re.IGNORECASE,
)
_NUMBER = re.compile(r"[-+]?(?:\d+(?:[.,]\d+)?(?:e[-+]?\d+)?|\.\d+)%?|nan|null|none|-|", re.I)


def _cells(line: str, sep: str) -> list[str]:
    return [cell.strip().strip('"').strip() for cell in line.split(sep)]


def _metric_table(lines: Sequence[str]) -> bool:
    """A table of samples: a time in the first column, numbers in the others (one column
    of series names allowed), the same number of columns in every row (CSV, TSV, `sadf -d`,
    a Grafana export)."""
    for sep in (",", ";", "\t", "|"):
        rows = [_cells(line, sep) for line in lines if sep in line]
        if len(rows) < _LEAST_LINES or len(rows) < len(lines) * _SHARE:
            continue
        width = len(rows[-1])
        data = [r for r in rows if len(r) == width and _TIME_CELL.fullmatch(r[0])]
        if width < 2 or len(data) < max(_LEAST_LINES - 1, (len(rows) - 1) * _SHARE):
            continue
        numeric = [
            sum(1 for r in data if _NUMBER.fullmatch(r[col])) >= len(data) * _SHARE
            for col in range(1, width)
        ]
        # Values, and at most one column of names (the long form: time, series, value); a
        # log written as CSV has several columns of words.
        if any(numeric) and numeric.count(False) <= 1:
            return True
    return False


_SAR_HEAD = re.compile(r"^Linux \S+ \(\S+\)\s+\S+")
_SAR_COLUMNS = re.compile(r"(?:%user|%idle|kbmemfree|%memused|rxpck/s|tps|ldavg|runq-sz)")
_INFLUX = re.compile(r"^[\w.-]+(?:,[\w.-]+=[^ ,]+)* [\w.-]+=[^ ]+(?:,[\w.-]+=[^ ]+)* \d{10,19}$")
_PROM_TEXT = re.compile(r"^# (?:TYPE|HELP) \w+")


_TIME_KEYS = frozenset({"time", "ts", "timestamp", "@timestamp", "t", "date", "datetime"})
_NAME_KEYS = frozenset({"name", "metric", "series", "__name__", "measurement"})
# The keys of a log record's message and level, as the JSON log reader knows them.
_LOG_KEYS = frozenset(ROLES["message"] + ROLES["level"])
# A label is a short word (a host, a region); longer text is a message.
_LABEL_CHARS = 64


def _folded(key: str) -> str:
    """A key as `ROLES` writes it: lower case, letters and digits only."""
    return "".join(c for c in key.lower() if c.isalnum())


def _sample_object(line: str) -> bool:
    """A JSON line holding samples: a time, numbers (a field per series) and at most short
    words beside them (labels: a host, a region), or a series name and a numeric
    ``value``. A JSON-lines log has a message or a level, or long text."""
    try:
        item = json.loads(line)
    except ValueError:
        return False
    if not isinstance(item, dict) or not _TIME_KEYS & item.keys():
        return False
    rest = {k: v for k, v in item.items() if k not in _TIME_KEYS}

    def number(value: object) -> bool:
        return isinstance(value, int | float) and not isinstance(value, bool)

    if _NAME_KEYS & rest.keys() and "value" in rest:
        return number(rest["value"]) or rest["value"] is None
    if {_folded(key) for key in rest} & _LOG_KEYS:
        return False
    return any(number(v) for v in rest.values()) and all(
        number(v) or v is None or (isinstance(v, str) and len(v) <= _LABEL_CHARS)
        for v in rest.values()
    )


def _metric_series(lines: Sequence[str]) -> bool:
    head = "\n".join(lines[:5])
    if '"resultType"' in head and ('"matrix"' in head or '"vector"' in head):
        return True  # a Prometheus HTTP API answer
    if '"datapoints"' in head and '"target"' in head:
        return True  # a Graphite render answer
    if lines and _SAR_HEAD.match(lines[0]) and any(_SAR_COLUMNS.search(x) for x in lines[:10]):
        return True
    if sum(1 for x in lines if _PROM_TEXT.match(x)) >= 2:
        return True
    if _share(lines, _INFLUX.match):
        return True
    if lines and lines[0].lstrip().startswith("{") and _share(lines[:50], _sample_object):
        return True  # JSON lines of samples
    return _metric_table(lines)


_ARCHES = r"(?:x86_64|noarch|i[3-6]86|aarch64|armv7hl|ppc64le|ppc64|s390x|src|amd64|arm64|all)"
_PACKAGE_LINES = (
    # rpm -qa (name-version-release.arch), with rpm -qa --last's install time after it
    re.compile(rf"^[\w+.-]+-[\w.~^+]+-[\w.~^+]+\.{_ARCHES}(?:\s+\S.*)?$"),
    # dpkg -l rows and their header
    re.compile(r"^(?:[uihrp][ncUFWhit]R?\s+\S+\s+\S+\s+\S+|Desired=|\| Status=|\|/ Err|\+\+\+-)"),
    re.compile(r"^[\w+.-]+(?::\w+)?\t\d[\w.:~+-]*$"),  # dpkg-query -W
    re.compile(r"^[A-Za-z0-9._-]+(?:\[[\w,]+\])?==\S+$"),  # pip freeze
    re.compile(r"^[\w.+-]+-\d[\w.]*-r\d+$"),  # apk info -v
)


# The lines of package managers' own logs: dpkg.log, yum.log, apt's history.log.
_PACKAGE_LOG_LINES = (
    re.compile(
        r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d "
        r"(?:install|upgrade|remove|purge|configure|trigproc|startup|status|conffile) "
    ),
    re.compile(
        r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d "
        r"(?:Installed|Updated|Erased|Downgraded|Reinstalled|Obsoleted): "
    ),
    re.compile(
        r"^(?:Start-Date|End-Date|Commandline|Requested-By|Install|Upgrade|Remove|Purge"
        r"|Downgrade|Reinstall|Error): |^$"
    ),
)


def _package_list(lines: Sequence[str]) -> bool:
    if _share(lines, lambda line: any(p.match(line) for p in _PACKAGE_LINES)):
        return True
    return _share(lines, lambda line: any(p.match(line) for p in _PACKAGE_LOG_LINES))


_SOCKET_ROW = re.compile(
    # The first address within 120 characters of the protocol (it is the fourth column):
    # `\s+.*` split a long line every way, and each place tried a run of digits again.
    r"^(?:tcp6?|udp6?|raw6?|u_(?:str|dgr|seq)|unix|icmp6?|sctp)\s++"
    r".{0,120}?(?:\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}|\[?[0-9a-f:]{0,39}:[0-9a-f:]{0,39}\]?|\*)"
    r"[:.](?:\d{1,5}|\*)\s",
    re.IGNORECASE,
)


def _socket_table(lines: Sequence[str]) -> bool:
    if any("Recv-Q" in x and "Send-Q" in x for x in lines[:3]):
        return True  # the header of ss and netstat
    return _share(lines, _SOCKET_ROW.match)


# ``sysctl -a``: dotted keys, " = ", a value.
_SETTING = re.compile(r"^[a-z][a-z0-9_]*(?:\.[\w-]+)+\s*=")


def _settings(lines: Sequence[str]) -> bool:
    return _share(lines, _SETTING.match)


_PROCESS_HEAD = re.compile(r"\bPID\b")
_PROCESS_COLUMNS = re.compile(r"\b(?:COMMAND|CMD|ARGS|STARTED|%CPU|RSS|STIME)\b")


def _process_table(lines: Sequence[str]) -> bool:
    # The header is the first line, or follows a line or two (the `date` of the snapshot).
    return len(lines) >= _LEAST_LINES and any(
        _PROCESS_HEAD.search(head) and _PROCESS_COLUMNS.search(head) for head in lines[:3]
    )


def _share(lines: Sequence[str], test: Callable[[str], object]) -> bool:
    return len(lines) >= _LEAST_LINES and sum(1 for x in lines if test(x)) >= len(lines) * _SHARE


#: The kinds of evidence known by their shape: (name, what the file looks like, its test
#: over a sample of the file's non-empty lines).
SHAPES: tuple[tuple[str, str, Callable[[Sequence[str]], bool]], ...] = (
    ("metrics", "a metric series", _metric_series),
    ("packages", "a package list", _package_list),
    ("settings", "kernel settings (sysctl -a)", _settings),
    ("sockets", "a socket table", _socket_table),
    ("processes", "a process table", _process_table),
)
DESCRIPTIONS = {name: looks for name, looks, _ in SHAPES}
#: The kinds of `SHAPES` this version reads, and the command that reads such a file alone.
COMMANDS = {"metrics": "retroline metrics changes"}


def evidence_shape(lines: Sequence[str]) -> str | None:
    """The name of the kind of evidence (other than a document or a log) that a sample of
    a file's lines looks like ("metrics"), or None."""
    sample = [line.rstrip("\r\n") for line in lines if line.strip()]
    for name, _, test in SHAPES:
        if test(sample):
            return name
    return None


def not_read(name: str) -> str:
    """Why a file of that kind is not read as a document, or not read at all, for the user."""
    if name in COMMANDS:
        return (
            f"not a document: looks like {DESCRIPTIONS[name]}; read it with"
            f" '{COMMANDS[name]}', or give it to 'retroline investigate'"
        )
    return f"not read: looks like {DESCRIPTIONS[name]}, which this version does not read yet"
