"""Metric tables: CSV (``,`` ``;`` tab) in the wide and the long shape, Grafana's exports.

Wide: a time column and one column per series; a header names the series (``mem (MiB)`` is
``mem`` in MiB, ``up{job="api"}`` is ``up`` with a label), columns whose cells are all text
become labels of the row's samples. Long: a time, a name and a value column
(``time,series,value``; Grafana's ``Series,Time,Value``; the ``_time,_value,_field``
of Flux's annotated CSV), every other column a label. A ``time (UTC)`` header states the
zone of the times below it.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from itertools import chain, islice

from retroline.errors import UsageError
from retroline.metrics.samples import (
    Clock,
    Samples,
    number,
    split_bracket,
    split_name,
    split_unit,
)
from retroline.when.zones import user_zone

__all__ = ["read_table", "table_shape"]

_SEPARATORS = (",", ";", "\t")
_TIME_NAMES = frozenset(
    {"time", "timestamp", "date", "datetime", "date time", "ts", "@timestamp", "t", "_time"}
)
_NAME_NAMES = ("series", "name", "metric", "__name__", "_field")
_VALUE_NAMES = ("value", "_value", "val")
# Flux's bookkeeping columns: the query's window and table numbers, not labels.
_IGNORED = frozenset({"", "result", "table", "_start", "_stop"})
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
# Rows looked at to choose the separator and tell label columns from value columns.
_SAMPLE_ROWS = 20


def _split(text: str, separator: str) -> list[str]:
    """The cells of one line, for detection. A line the csv module refuses (a carriage
    return in an unquoted cell) is cut at the separator alone here: reading it later
    reports it, at its line."""
    try:
        return next(csv.reader([text], delimiter=separator))
    except csv.Error:
        return text.split(separator)


def _csv_rows(reader: _Reader, texts: Iterator[str], separator: str) -> Iterator[list[str]]:
    """The rows of a table, a row the csv module refuses a `ParseError` at its line."""
    rows = csv.reader(texts, delimiter=separator)
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except csv.Error as exc:
            why = (
                "a carriage return inside a row: rows end at a line feed"
                if "new-line" in str(exc)
                else f"a broken CSV row ({exc})"
            )
            raise reader.samples.error(why, reader.number) from exc
        yield row


def _separator(texts: list[str]) -> str | None:
    """The separator that cuts the first lines into as many cells (two or more) as the
    header, all but a broken row or so (reported when it is read); of several, the one
    giving most cells."""
    rows = [t for t in texts if t.strip() and not t.startswith("#")][:10]
    best, cells = None, 1
    for separator in _SEPARATORS:
        counts = [len(_split(text, separator)) for text in rows]
        fits = sum(1 for count in counts if count == counts[0])
        # The header fits itself: with one row under it, that row has to fit too.
        enough = min(len(counts) - 1, len(counts) * 0.8) if len(counts) > 2 else len(counts)
        if counts and counts[0] > cells and fits >= enough:
            best, cells = separator, counts[0]
    return best


def _time_header(cell: str) -> tuple[bool, str | None]:
    """Whether a header cell names a time column, and the zone it states (``time (UTC)``)."""
    name = cell.strip().lower()
    if name in _TIME_NAMES:
        return True, None
    found = split_bracket(cell)
    if found is None or found[0].lower() not in _TIME_NAMES or not found[1]:
        return False, None
    try:
        user_zone(found[1])
    except UsageError:
        return False, None
    return True, found[1]


@dataclass
class _Layout:
    """What the header says: where the time is, and what every other column holds."""

    shape: str  # csv, csv-long or grafana-csv
    header: list[str] | None
    time: int
    zone: str | None = None
    value: int = -1
    names: list[int] = field(default_factory=list)  # long: the columns naming the series
    labels: list[int] = field(default_factory=list)
    unit: int = -1
    values: list[int] = field(default_factory=list)  # wide: one series per column


def _layout(header: list[str], raw: str, clock: Clock) -> _Layout | None:
    """The layout of a table with this first row, or None when it has no time column."""
    lowered = [cell.strip().lower() for cell in header]
    times = [i for i, cell in enumerate(header) if _time_header(cell)[0]]
    if not times:
        if clock.parse(header[0]) is None:
            return None
        return _Layout("csv", None, 0, values=list(range(1, len(header))))
    time = times[0]
    zone = _time_header(header[time])[1]
    grafana = raw.lstrip().startswith(('"Time"', '"time"'))
    value = next((lowered.index(v) for v in _VALUE_NAMES if v in lowered), -1)
    names = [lowered.index(n) for n in _NAME_NAMES if n in lowered]
    if "_field" in lowered and "_measurement" in lowered:
        names = [lowered.index("_measurement"), lowered.index("_field")]
    if value >= 0 and names:
        shape = "grafana-csv" if lowered == ["series", "time", "value"] else "csv-long"
        taken = {time, value, *names}
        unit = lowered.index("unit") if "unit" in lowered else -1
        labels = [
            i
            for i, cell in enumerate(lowered)
            if i not in taken and i != unit and cell not in _IGNORED
        ]
        return _Layout(shape, header, time, zone, value, names[:2], labels, unit)
    others = [i for i in range(len(header)) if i != time]
    return _Layout("grafana-csv" if grafana else "csv", header, time, zone, values=others)


def table_shape(texts: list[str]) -> str | None:
    """``csv``, ``csv-long`` or ``grafana-csv`` for a table starting with these lines;
    None when they are no table with a time column."""
    separator = _separator(texts)
    if separator is None:
        return None
    rows = [t for t in texts if t.strip() and not t.startswith("#")]
    layout = _layout(_split(rows[0], separator), rows[0], Clock())
    return None if layout is None else layout.shape


class _Reader:
    """Reads the rows of one table into samples."""

    def __init__(self, samples: Samples, separator: str) -> None:
        self.samples = samples
        self.separator = separator
        self.number = 0
        self.layout: _Layout | None = None
        self.names: dict[int, tuple[str, dict[str, str], str | None]] = {}

    def texts(self, lines: Iterator[tuple[int, str]]) -> Iterator[str]:
        """The lines' text, noting the number of the line given last; comment lines
        (``#``: Flux's annotations) are left out."""
        for self.number, text in lines:
            if not text.startswith("#"):
                yield text

    def setup(self, header: list[str], raw: str, sample: list[list[str]]) -> None:
        """Take ``header`` as the table's header (or first row, when it is data)."""
        layout = _layout(header, raw, self.samples.clock)
        if layout is None:
            raise self.samples.error(
                "no time column: name one time, timestamp or date, or put the times first",
                self.number,
            )
        if layout.zone is not None:
            self.samples.clock = Clock(layout.zone, stated=True)
        if layout.header is not None and layout.values:
            self._label_columns(layout, sample)
            where = (self.samples.path, self.number)
            for i in layout.values:
                name, labels = split_name(layout.header[i], where)
                name, unit = split_unit(name or f"column{i + 1}")
                self.names[i] = (name, labels, unit)
        elif layout.header is None:
            for i in layout.values:
                self.names[i] = (f"column{i + 1}", {}, None)
        self.layout = layout

    def _label_columns(self, layout: _Layout, sample: list[list[str]]) -> None:
        """Move the wide columns whose cells in the first rows are all text (no number,
        no empty cell) to the labels: a host or a region beside the values."""
        for i in list(layout.values):
            cells = [row[i] for row in sample if i < len(row) and row[i].strip()]
            if cells and all(self.number_of(cell) is None for cell in cells):
                layout.values.remove(i)
                layout.labels.append(i)

    def number_of(self, cell: str) -> float | None:
        if self.separator != "," and _DECIMAL_COMMA.match(cell.strip()):
            cell = cell.replace(",", ".")
        return number(cell)

    def value(self, cell: str, column: str) -> float:
        found = self.number_of(cell)
        if found is None:
            shown = cell if len(cell) <= 40 else cell[:37] + "..."
            raise self.samples.error(f"{shown!r} in column {column!r} is not a number", self.number)
        return found

    def row(self, row: list[str]) -> None:
        layout = self.layout
        assert layout is not None
        width = len(layout.header) if layout.header is not None else len(layout.values) + 1
        if len(row) != width:
            raise self.samples.error(
                f"a row of {len(row)} cells under a header of {width}", self.number
            )
        time, zone_source = self.samples.time(row[layout.time], self.number)
        header = layout.header or []
        labels = [(header[i].strip(), row[i]) for i in layout.labels if row[i].strip()]
        if layout.value >= 0:
            name = "_".join(row[i].strip() for i in layout.names if row[i].strip())
            if not name:
                raise self.samples.error("a row without a series name", self.number)
            name, own = split_name(name, (self.samples.path, self.number))
            unit = row[layout.unit].strip() or None if layout.unit >= 0 else None
            value = self.value(row[layout.value], header[layout.value])
            self.samples.add(
                name, [*labels, *own.items()], time, value, self.number, zone_source, unit
            )
            return
        for i in layout.values:
            name, own, unit = self.names[i]
            value = self.value(row[i], name)
            self.samples.add(
                name, [*labels, *own.items()], time, value, self.number, zone_source, unit
            )


def read_table(lines: Iterator[tuple[int, str]], samples: Samples) -> None:
    """Read a CSV table's rows into ``samples`` (see the module for the shapes)."""
    head = list(islice(lines, _SAMPLE_ROWS + 10))
    separator = _separator([text for _number, text in head]) or ","
    reader = _Reader(samples, separator)
    texts = reader.texts(chain(head, lines))
    rows = _csv_rows(reader, texts, separator)
    buffered: list[list[str]] = []
    numbers: list[int] = []
    for row in rows:
        buffered.append(row)
        numbers.append(reader.number)
        if len(buffered) > _SAMPLE_ROWS:
            break
    fresh = True  # at the start, or after a blank line: a header may come
    for row, at in chain(zip(buffered, numbers, strict=True), ((r, -1) for r in rows)):
        if at >= 0:
            reader.number = at
        if not any(cell.strip() for cell in row):
            fresh = True
            continue
        if fresh and (reader.layout is None or _is_header(row)):
            nonblank = [r for r in buffered if any(c.strip() for c in r)]
            at = next((i for i, r in enumerate(nonblank) if r is row), len(nonblank))
            reader.setup(row, separator.join(row), nonblank[at + 1 :])
            fresh = False
            if reader.layout is not None and reader.layout.header is not None:
                continue
        fresh = False
        reader.row(row)


def _is_header(row: list[str]) -> bool:
    """Whether a row after a blank line starts a new table (Flux writes one per result)."""
    return any(_time_header(cell)[0] for cell in row)
