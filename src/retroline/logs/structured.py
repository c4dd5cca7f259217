"""Logs whose lines are records rather than text with a header: JSON objects, key=value.

Each layout is a `RecordPattern`: it reads the whole line and names the record's time,
host, process, pid, level and message as `Fields`, as a header regex would.
"""

from __future__ import annotations

import json

from retroline.logs.layout import Fields, RecordPattern

__all__ = ["STRUCTURED_PATTERNS", "JournalPattern"]


class JournalPattern(RecordPattern):
    """journald's JSON export (``journalctl -o json``): one JSON object per line."""

    def parse(self, line: str) -> Fields | None:
        if not line.startswith("{") or "__REALTIME_TIMESTAMP" not in line:
            return None
        try:
            obj = json.loads(line)
        except ValueError:
            return None
        if not isinstance(obj, dict):
            return None
        usec = str(obj.get("__REALTIME_TIMESTAMP", ""))
        time: dict[str, str | None] | None = (
            {"epoch": usec[:-6] or "0", "f": usec[-6:]} if usec.isdigit() else None
        )
        message = obj.get("MESSAGE", "")
        if isinstance(message, list):  # journald exports non-UTF-8 text as a list of bytes
            message = bytes(b for b in message if isinstance(b, int)).decode("utf-8", "replace")
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


#: The record layouts, tried before the line-oriented ones.
STRUCTURED_PATTERNS: tuple[RecordPattern, ...] = (
    JournalPattern("journald-json", r"^\{.*\}$", '{"__REALTIME_TIMESTAMP":"1473367908000000"}'),
)
