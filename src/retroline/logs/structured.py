"""Logs whose lines are records rather than text with a header: JSON objects, key=value.

Each layout is a `RecordPattern`: it reads the whole line and names the record's time,
host, process, pid, level and message as `Fields`, as a header regex would. Four are known,
tried in this order: journald's JSON export, JSON objects of any shape (`JsonPattern`), XML
elements (`XmlPattern`) and logfmt's ``key=value`` pairs (`LogfmtPattern`). A line that is
none of them (a stack frame, a banner) is not a record: it continues the record before it.

Loggers name a record's parts by convention rather than by schema, so each part is looked
up among the keys commonly given to it (`ROLES`, in priority order), with case and the
characters ``_ @ . - $`` ignored (``@timestamp``, ``_HOSTNAME``, ``log.level``). Keys of
nested objects are looked at only for parts the top level does not state. Levels are
lower-cased as written (``WARN`` -> ``warn``, ``Warning`` -> ``warning``), and codes are
spelled out: bunyan's numbers (10 trace, 20 debug, 30 info, 40 warn, 50 error, 60 fatal)
and single letters (``I`` info, ``W`` warning, ``E`` error, ``F`` fatal, ``D``/``D1``-``D5``
debug). Other numbers are kept as written: small ones run one way in syslog's severities (0
an emergency) and the other way in other loggers' (0 debug, 4 fatal), and a line does not
say which. journald's ``PRIORITY`` is syslog's by definition, and spelled out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from itertools import islice
from typing import TypeVar

from lxml import etree

from retroline.logs.layout import Fields, RecordPattern, nil
from retroline.logs.timestamps import MONTH_NAMES, written_zone

__all__ = [
    "ROLES",
    "STRUCTURED_PATTERNS",
    "JournalPattern",
    "JsonPattern",
    "LogfmtPattern",
    "XmlPattern",
]

Time = dict[str, str | None]
T = TypeVar("T")


class JournalPattern(RecordPattern):
    """journald's JSON export (``journalctl -o json``): one JSON object per line."""

    def parse(self, line: str) -> Fields | None:
        if not line.startswith("{") or "__REALTIME_TIMESTAMP" not in line:
            return None
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):  # not JSON, or nested too deep to read
            return None
        if not isinstance(obj, dict):
            return None
        usec = str(obj.get("__REALTIME_TIMESTAMP", ""))
        time: Time | None = {"epoch": usec[:-6] or "0", "f": usec[-6:]} if usec.isdigit() else None
        message = obj.get("MESSAGE", "")
        if isinstance(message, list):  # journald exports non-UTF-8 text as a list of bytes
            message = bytes(
                b if 0 <= b < 256 else 0xFF for b in message if isinstance(b, int)
            ).decode("utf-8", "replace")
        level = obj.get("PRIORITY")
        return Fields(
            time,
            obj.get("_HOSTNAME"),
            obj.get("SYSLOG_IDENTIFIER") or obj.get("_COMM"),
            obj.get("_PID") or obj.get("SYSLOG_PID"),
            _PRIORITY.get(str(level)) if level is not None else None,
            None,
            str(message),
        )


_PRIORITY = {
    str(number): name
    for number, name in enumerate(
        ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]
    )
}


class JsonPattern(RecordPattern):
    """One JSON object per line, of any shape, maybe after a short prefix.

    The prefix is what Docker Compose writes before each line (``service-1  | ``, with
    colour escapes) or a timestamp as ``docker logs -t`` writes it: the service goes to
    ``label``, the timestamp serves when the object states no time of its own.
    """

    def parse(self, line: str) -> Fields | None:
        label = prefix_time = None
        if line.startswith("{"):
            body = line
        else:
            brace = line.find("{", 0, _PREFIX_MAX)
            if brace < 0:
                return None
            label, prefix_time, end = _prefix(line)
            if end != brace:
                return None
            body = line[brace:]
        if not body.rstrip().endswith("}"):
            return None
        try:
            obj = json.loads(body)
        except (ValueError, RecursionError):
            return None
        if not isinstance(obj, dict):
            return None
        return _fields(obj, label, prefix_time)


class XmlPattern(RecordPattern):
    """One XML element per line, as an event log exported as XML writes its events: the
    element's attributes and the text of its leaves are the record's keys, read as a JSON
    object's are (``SystemTime`` the time, ``Computer`` the host, a provider's ``Name`` the
    process). A leaf named by its ``Name`` attribute (``<Data Name="User">bob</Data>``) is
    that key. An element without a time is no record. No entity is expanded and nothing
    is fetched."""

    def parse(self, line: str) -> Fields | None:
        text = line.strip()
        if not (text.startswith("<") and text.endswith(">")) or text[1:2] in ("?", "!", "/"):
            return None
        try:
            root = etree.fromstring(text.encode("utf-8"), _XML)
        except (etree.XMLSyntaxError, ValueError):
            return None
        if len(root) == 0:  # one bare element is no record
            return None
        # XML in a text log (a request's body on a line of its own) continues its record.
        fields = _fields(_xml_keys(root), None, None)
        return fields if fields.time is not None else None


# Never expands entities nor reads anything a document points at.
_XML = etree.XMLParser(
    resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, remove_comments=True
)


def _xml_keys(root: etree._Element) -> dict[str, str]:
    """An element's attributes and leaves, by their names without namespace (the first of
    a name kept)."""
    keys: dict[str, str] = {}
    for element in root.iter():
        if not isinstance(element.tag, str):  # a processing instruction
            continue
        attributes = {etree.QName(k).localname: v for k, v in element.attrib.items()}
        value = (element.text or "").strip()
        if len(element) == 0 and value:
            name = attributes.pop("Name", None) or attributes.pop("name", None)
            keys.setdefault(name or etree.QName(element).localname, value)
        for key, value in attributes.items():
            keys.setdefault(key, value)
    return keys


class LogfmtPattern(RecordPattern):
    """logfmt: ``key=value`` pairs, values bare or double-quoted with backslash escapes.

    Plain text holds ``a=b`` now and then, so a line is taken only when every word of it is
    a pair, there are at least two, and one is a message (``msg``) or a readable time.
    """

    def parse(self, line: str) -> Fields | None:
        if "=" not in line:
            return None
        label, prefix_time, pos = _prefix(line)
        pairs: dict[str, str] = {}
        end = len(line.rstrip())
        while pos < end:
            m = _PAIR.match(line, pos)
            if m is None:
                return None
            key, quoted, bare = m.groups()
            pairs.setdefault(key, _unquote(quoted) if quoted is not None else bare or "")
            pos = m.end()
        if len(pairs) < 2:
            return None
        fields = _fields(pairs, label, prefix_time)
        if fields.time is None and not any(_folded(key) in _MESSAGE_KEYS for key in pairs):
            return None
        return fields


# A prefix is at most this long: a service name and a timestamp, not a line of text.
_PREFIX_MAX = 160
# ANSI escapes (colours, "erase line"), also as they read once a tool has dropped the ESC.
_ESCAPE = r"(?:\x1b\[[0-9;?]*[A-Za-z]|\[[0-9;]+[A-Za-z])"
_PREFIX = re.compile(
    rf"(?:{_ESCAPE}|\s)*+"
    rf"(?:(?P<label>[^\s|{{}}=\"\[\x1b]{{1,100}}+){_ESCAPE}*+\s*+\|(?:{_ESCAPE}|\s)*+)?"
    r"(?:(?P<time>\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d{1,9})?(?:Z|[+-]\d\d:?\d\d))\s++)?",
    re.ASCII,
)
_PAIR = re.compile(r'\s*+([\w@.:/-]+)=(?:"((?:[^"\\]++|\\.)*+)"|([^\s"]\S*+)?)(?=\s|\Z)', re.ASCII)
_UNESCAPE = re.compile(r"\\(.)")
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r"}


def _prefix(line: str) -> tuple[str | None, Time | None, int]:
    """The label and time a line's prefix states, and where the record starts."""
    m = _PREFIX.match(line)
    if m is None:  # the regex matches the empty string; this is for the type checker
        return None, None, 0
    stamp = m["time"]
    return m["label"], _text_time(stamp) if stamp else None, m.end()


def _unquote(text: str) -> str:
    if "\\" not in text:
        return text
    return _UNESCAPE.sub(lambda m: _ESCAPES.get(m[1], m[1]), text)


# ---------------------------------------------------------------- the parts of a record

#: For each part of a record, the keys that name it, in priority order, written as
#: `_role` folds them (``@timestamp`` is ``timestamp``, ``error_severity``
#: ``errorseverity``). ``receiveTimestamp`` is when a collector got the record: the last
#: resort for its time.
ROLES: dict[str, tuple[str, ...]] = {
    "time": (
        "timestamp", "time", "ts", "t", "datetime", "date", "logtime", "eventtime",
        "asctime", "timemillis", "instant", "receivetimestamp",
    ),
    "message": (
        "msg", "message", "textpayload", "log", "event", "body", "shortmessage", "m", "mt",
    ),
    "level": ("level", "severity", "levelname", "lvl", "loglevel", "errorseverity", "s", "l"),
    "host": ("hostname", "host", "hosthostname", "computer", "computername"),
    "process": (
        "logger", "loggername", "loglogger", "name", "component", "c", "module", "service",
        "caller",
    ),
    "pid": ("pid", "processid", "processpid", "process"),
}  # fmt: skip

_RANKS: dict[str, tuple[str, int]] = {
    key: (role, rank) for role, keys in ROLES.items() for rank, key in enumerate(keys)
}
# Other keys that name a time by their words, folded: after the known ones, with the time
# a collector received the record (the last resorts); not where the words name a duration.
_TIME_NAME = re.compile(r"timestamp$|time$|^time")
_DURATION = re.compile(r"uptime|runtime|elapsed|duration|latency|response|spent|cpu|wait|took")
_OTHER_TIME = ("time", len(ROLES["time"]) - 1)
_MESSAGE_KEYS = frozenset({"msg", "message"})
# Keys too short to mean a level unless the value is one.
_WEAK_LEVEL_KEYS = frozenset({"s", "l"})
_BUNYAN = {10: "trace", 20: "debug", 30: "info", 40: "warn", 50: "error", 60: "fatal"}
_LETTERS = {"I": "info", "W": "warning", "E": "error", "F": "fatal", "D": "debug"}
_LETTERS.update({f"D{n}": "debug" for n in range(1, 6)})
_LEVEL_WORDS = frozenset({
    "trace", "debug", "debug1", "debug2", "debug3", "debug4", "debug5", "info", "information",
    "informational", "notice", "log", "warn", "warning", "error", "err", "severe", "fatal",
    "critical", "crit", "alert", "emerg", "emergency", "panic", "fine", "finer", "finest",
    "config", "verbose",
})  # fmt: skip

# What each key seen so far names: the part, its priority, the key, the key folded.
_Role = tuple[str, int, str, str]
_key_roles: dict[str, _Role | None] = {}
_Found = dict[str, list[_Role]]


def _role(key: str) -> _Role | None:
    """The part a key names, if any: the key folded to lower-case letters and digits, then
    looked up in `ROLES`."""
    try:
        return _key_roles[key]
    except KeyError:
        pass
    folded = "".join(c for c in key.lower() if c.isalnum())
    ranked = _RANKS.get(folded)
    if ranked is None and _TIME_NAME.search(folded) and not _DURATION.search(folded):
        ranked = _OTHER_TIME  # "requestReceivedTimestamp", "TimeGenerated"
    role = None if ranked is None else (ranked[0], ranked[1], key, folded)
    if len(_key_roles) < 4096:  # keys that are ids would grow it without end
        _key_roles[key] = role
    return role


def _folded(key: str) -> str | None:
    role = _role(key)
    return None if role is None else role[3]


def _roles(obj: Mapping[str, object]) -> _Found:
    """The keys of a record that name a part, by part, in priority order."""
    found: _Found = {}
    for key in obj:
        role = _role(key)
        if role is not None:
            found.setdefault(role[0], []).append(role)
    for keys in found.values():
        if len(keys) > 1:
            keys.sort(key=lambda role: role[1])
    return found


def _fields(obj: Mapping[str, object], label: str | None, prefix_time: Time | None) -> Fields:
    """The parts of one record; where it has no message, the rest of it is the message."""
    found = _roles(obj)
    used: set[str] = set()
    time = _first(obj, found, "time", _time, used)
    level = _first(obj, found, "level", _level, used)
    host = _first(obj, found, "host", _host, used)
    process = _first(obj, found, "process", _process, used)
    pid = _first(obj, found, "pid", _pid, used)
    message = _first(obj, found, "message", _message, used)
    inner = obj.get(message) if message is not None else None
    if isinstance(inner, dict):
        # The message names a nested object ("msg": "record", "record": {...}): the
        # record proper is in there, and so is its message.
        message = _first(inner, _roles(inner), "message", _message, None) or message
    if None in (time, level, host, process, pid, message):
        nested = [(v, _roles(v)) for v in obj.values() if isinstance(v, dict)]
        if nested:
            time = time or _nested(nested, "time", _time)
            level = level or _nested(nested, "level", _level)
            host = host or _nested(nested, "host", _host)
            process = process or _nested(nested, "process", _process)
            pid = pid or _nested(nested, "pid", _pid)
            message = message or _nested(nested, "message", _message)
    if message is None:
        rest = [(key, value) for key, value in obj.items() if key not in used]
        message = _render(rest or obj.items()) or "{}"
    if time is None and prefix_time is None:
        time = _wrapped_time(obj)
    return Fields(time or prefix_time, host, process, pid, level, label, message)


# A Unix time wrapped in a name and parentheses ("audit(1733531460.123:4567):"), as some
# records write their stamp: their time, when no key names one.
_WRAPPED = re.compile(r"[A-Za-z_]{1,16}\((1\d{9})(?:\.(\d{1,9}))?[:)]", re.ASCII)


def _wrapped_time(obj: Mapping[str, object]) -> Time | None:
    """The time a record's first values wrap (`_WRAPPED`), if any."""
    for value in islice(obj.values(), 4):
        if isinstance(value, str) and (m := _WRAPPED.match(value)) is not None:
            return _epoch(m[1], m[2] or "")
    return None


def _first(
    obj: Mapping[str, object],
    found: _Found,
    role: str,
    read: Callable[[object, str], T | None],
    used: set[str] | None,
) -> T | None:
    """The value of the first key (by priority) that names ``role`` and reads as one."""
    for _, _, key, folded in found.get(role, ()):
        value = read(obj[key], folded)
        if value is not None:
            if used is not None:
                used.add(key)
            return value
    return None


def _nested(
    nested: list[tuple[dict[str, object], _Found]],
    role: str,
    read: Callable[[object, str], T | None],
) -> T | None:
    for inner, found in nested:
        value = _first(inner, found, role, read, None)
        if value is not None:
            return value
    return None


def _message(value: object, key: str) -> str | None:
    if isinstance(value, str):
        return value.rstrip() or None
    return None


def _level(value: object, key: str) -> str | None:
    weak = key in _WEAK_LEVEL_KEYS
    if isinstance(value, int) and not isinstance(value, bool) and not weak:
        return _BUNYAN.get(value) or (str(value) if -100 <= value <= 1000 else None)
    if not isinstance(value, str):
        return None
    word = value.strip()
    if word in _LETTERS:
        return _LETTERS[word]
    if word.isascii() and word.isdigit():
        return None if weak else _level(int(word), key)
    lower = word.lower()
    if weak and lower not in _LEVEL_WORDS:
        return None
    return lower if 0 < len(lower) <= 16 and " " not in lower else None


def _host(value: object, key: str) -> str | None:
    if isinstance(value, dict):  # {"host": {"name": ...}}
        value = value.get("name") or value.get("hostname")
    return nil(value.strip()) if isinstance(value, str) else None


def _process(value: object, key: str) -> str | None:
    if not isinstance(value, str):
        return None
    name = nil(value.strip())
    if name is None or len(name) > 128 or name.lower() in _LEVEL_WORDS:
        return None
    return name


def _pid(value: object, key: str) -> str | None:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value) if value >= 0 else None
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return value
    return None


_PLAIN = re.compile(r'[^\s"=]+')


def _render(items: Iterable[tuple[str, object]]) -> str:
    """A record's fields as ``key=value`` words, values quoted as JSON where needed."""
    return " ".join(f"{key}={_show(value)}" for key, value in items)


def _show(value: object) -> str:
    if isinstance(value, str) and _PLAIN.fullmatch(value):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


# ---------------------------------------------------------------- times


_ZONE = r"(?: ?(?P<z>[Zz]|[+-]\d\d(?::?\d\d)?|[A-Za-z]{2,6}))?(?: [A-Za-z]{2,6})?"
# ISO 8601 and its usual relaxations: a blank for the T, any fraction, slashes, a zone
# abbreviation ("2024-06-27 00:00:07.369 CEST"), Go's "+0000 UTC".
_ISO = re.compile(
    r"(?P<Y>\d{4})[-/](?P<m>\d\d)[-/](?P<d>\d\d)[T ](?P<H>\d\d):(?P<M>\d\d)"
    r"(?::(?P<S>\d\d)(?:[.,](?P<f>\d{1,12}))?)?" + _ZONE,
    re.ASCII,
)
# Month name, day, year ("November 23, 2026 00:31:01", "Nov 23 2026 00:31:01").
_NAMED_MONTH_FIRST = re.compile(
    r"(?:[A-Za-z]{3},? )?(?P<b>[A-Za-z]{3,9})\.? (?P<d>\d{1,2}),? (?P<Y>\d{4}),? "
    r"(?P<H>\d\d?):(?P<M>\d\d):(?P<S>\d\d)(?:[.,](?P<f>\d{1,12}))?" + _ZONE,
    re.ASCII,
)
# Day, month name, year: the common log format's time, RFC 1123's dates.
_NAMED = re.compile(
    r"(?:[A-Za-z]{3},? )?(?P<d>\d{1,2})[ /-](?P<b>[A-Za-z]{3,9})[ /-](?P<Y>\d{4})[ :]"
    r"(?P<H>\d\d):(?P<M>\d\d):(?P<S>\d\d)(?:[.,](?P<f>\d{1,12}))?" + _ZONE,
    re.ASCII,
)
_EPOCH = re.compile(r"(\d{9,19})(?:\.(\d{1,12}))?", re.ASCII)


def _time(value: object, key: str) -> Time | None:
    """The time parts of a record's time value: ISO text, a Unix time (number or text),
    ``{"$date": ...}`` (extended JSON), ``{"epochSecond": ..., "nanoOfSecond": ...}`` or
    ``{"seconds": ..., "nanos": ...}`` (a protocol buffer's timestamp written as JSON)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return _epoch(str(value), "")
    if isinstance(value, float):
        text = repr(value)
        if "e" in text:
            text = f"{value:.6f}"
        whole, _, frac = text.partition(".")
        return _epoch(whole, frac.rstrip("0"))
    if isinstance(value, str):
        return _text_time(value.strip())
    if isinstance(value, dict):
        if "$date" in value:
            return _time(value["$date"], key)
        if "$numberLong" in value:
            return _time(value["$numberLong"], key)
        for whole, part in (("epochSecond", "nanoOfSecond"), ("seconds", "nanos")):
            seconds, nanos = value.get(whole), value.get(part, 0)
            if isinstance(seconds, str) and seconds.isdigit():
                seconds = int(seconds)  # int64 fields are written as strings in such JSON
            if isinstance(seconds, int) and isinstance(nanos, int) and 0 <= nanos < 10**9:
                return _epoch(str(seconds), f"{nanos:09d}")
    return None


def _text_time(text: str) -> Time | None:
    m = _EPOCH.fullmatch(text)
    if m is not None:
        return _epoch(m[1], m[2] or "")
    m = _ISO.fullmatch(text) or _NAMED.fullmatch(text) or _NAMED_MONTH_FIRST.fullmatch(text)
    if m is None:
        return None
    parts = {name: value for name, value in m.groupdict().items() if value}
    if "b" in parts and parts["b"].lower() not in MONTH_NAMES:
        return None
    zone = parts.get("z")
    if zone is not None:
        if zone in ("z", "Z"):
            parts["z"] = "Z"
        # An offset stays, even one of a day or more: the resolver then keeps the line
        # without a time rather than give it the default zone's.
        elif zone[:1] not in "+-" and written_zone(zone) is None:  # a word, not a zone
            del parts["z"]
    return dict(parts)


def _epoch(whole: str, frac: str) -> Time | None:
    """A Unix time in seconds, milliseconds, microseconds or nanoseconds (by its number of
    digits, as `timestamps` reads it); a fraction of a millisecond becomes microseconds."""
    size = len(whole)
    if whole.startswith("0") or size not in (9, 10, 12, 13, 15, 16, 18, 19):
        return None  # a duration, a count, a year: not a time
    if size <= 10:
        return {"epoch": whole, "f": frac} if frac else {"epoch": whole}
    if size <= 13 and frac:
        return {"epoch": whole + (frac + "000")[:3]}
    return {"epoch": whole}


#: The record layouts, tried before the line-oriented ones.
STRUCTURED_PATTERNS: tuple[RecordPattern, ...] = (
    JournalPattern("journald-json", r"^\{.*\}$", '{"__REALTIME_TIMESTAMP":"1473367908000000"}'),
    JsonPattern(
        "json-lines",
        r"^(?:\S+ *\| *)?\{.*\}\s*$",
        '{"time":"2024-01-05T10:00:00.123Z","level":"info","msg":"server started","pid":42}',
    ),
    XmlPattern(
        "xml-lines",
        r"^\s*<[A-Za-z_][^>]*+>.*>\s*$",
        "<Event><System><TimeCreated SystemTime='2024-01-05T10:00:00.123Z'/>"
        "<Computer>db1</Computer></System><EventData><Data Name='msg'>server started</Data>"
        "</EventData></Event>",
    ),
    LogfmtPattern(
        "logfmt",
        r'^[\w@.:/-]+=(?:"(?:[^"\\]|\\.)*"|\S*)(?:\s+[\w@.:/-]+=(?:"(?:[^"\\]|\\.)*"|\S*))+\s*$',
        'time=2024-01-05T10:00:00.123Z level=info msg="server started" port=8080',
    ),
)
