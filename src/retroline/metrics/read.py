"""Read a metric file into `Series`, whatever format it is in, detected from its content.

One entry point, `read_series`. Text formats are streamed line by line through the log
reader (`logs.reader.read_lines`: compression, encoding, binary junk), so memory holds the
samples kept, not the file; JSON documents (Prometheus' HTTP API, Graphite's render API)
are parsed whole. Every reader records the line of each sample, keeps gaps as NaN and gives
times in UTC seconds with the source of their zone.

Detection (`detect_format`) looks at the first lines, in this order:

- ``{`` or ``[`` first: a Prometheus API answer (``"resultType"``), a Graphite render
  answer (``"datapoints"``), else JSON lines (the first line is a whole object);
- a ``Linux 5.x (host) 03/01/2024`` banner: ``sar``; a ``# hostname;interval;timestamp``
  header or ``host;600;2024-03-01 10:00:00 UTC;`` rows: ``sadf`` (``sadf -d``);
- ``# HELP``/``# TYPE``/``# UNIT`` lines or ``name{labels} value timestamp`` samples:
  ``openmetrics`` (Prometheus text exposition too);
- ``measurement,tag=v field=1 1709287200000000000``: ``influx`` (line protocol);
- else a table with a consistent separator (``,`` ``;`` tab): ``csv-long`` when its header
  has a time, a name and a value column (``time,series,value``); ``grafana-csv`` when it is
  Grafana's export (quoted ``"Time"`` header, or ``Series,Time,Value``); else ``csv``.
"""

from __future__ import annotations

import lzma
import re
import zlib
from collections.abc import Callable, Generator, Iterator
from itertools import chain, islice
from pathlib import Path

from retroline.documents.load import decode
from retroline.errors import FormatError, InputError, UsageError
from retroline.inputs import regular_file
from retroline.logs.reader import open_log, text_lines
from retroline.metrics.read_csv import read_table, table_shape
from retroline.metrics.read_json import loads, read_graphite, read_jsonl, read_prometheus
from retroline.metrics.read_sar import read_sadf, read_sar
from retroline.metrics.read_text import read_exposition, read_influx
from retroline.metrics.samples import Clock, Samples
from retroline.metrics.series import Series

__all__ = ["FORMATS", "detect_format", "read_series"]

#: A line reader: numbered lines in, samples into `Samples`.
LineReader = Callable[[Iterator[tuple[int, str]], Samples], None]
#: A document reader: the whole text in, samples into `Samples`.
DocumentReader = Callable[[str, Samples], None]

_LINE_READERS: dict[str, LineReader] = {
    "csv": read_table,
    "csv-long": read_table,
    "grafana-csv": read_table,
    "openmetrics": read_exposition,
    "influx": read_influx,
    "sar": read_sar,
    "sadf": read_sadf,
    "jsonl": read_jsonl,
}
_DOCUMENT_READERS: dict[str, DocumentReader] = {
    "prometheus-json": read_prometheus,
    "graphite-json": read_graphite,
}

#: The formats `read_series` reads, by the names ``format=`` takes.
FORMATS: tuple[str, ...] = (
    "csv",
    "csv-long",
    "grafana-csv",
    "prometheus-json",
    "openmetrics",
    "graphite-json",
    "influx",
    "sar",
    "sadf",
    "jsonl",
)

# Lines looked at to detect the format.
_HEAD_LINES = 64

_SAR_BANNER = re.compile(r"^\S+ \S+ \([^)]*\)\s+\d{1,4}[/.-]\d{1,2}[/.-]\d{1,4}\b")
_SADF_ROW = re.compile(r"^[^;\s]+;-?\d+;\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(?: UTC)?;")
_EXPOSITION_COMMENT = re.compile(r"^# (?:HELP|TYPE|UNIT) [A-Za-z_:]")
_EXPOSITION_SAMPLE = re.compile(
    r"^[A-Za-z_:][A-Za-z0-9_:]*(?:\{.*\})?[ \t]+[+-]?(?:\d[\d.eE+-]*|\.\d+|Inf|NaN)"
    r"[ \t]+-?\d+(?:\.\d+)?(?:[ \t]*#.*)?$"
)
_INFLUX = re.compile(
    r'^(?:[^\s,\\{#"]|\\.)(?:[^\s,\\{"]|\\.)*(?:,(?:[^\s\\"]|\\.)+)?'
    r" (?:[^\s=\\\",]|\\.)+=\S.*?(?: -?\d+)?$"
)


def read_series(path: Path, *, tz: str | None = None, format: str | None = None) -> list[Series]:
    """Every series in the metric file at ``path``, samples sorted by time.

    ``tz`` is the zone of times written without one (else UTC, and the series say it was
    assumed); ``format`` one of `FORMATS` (else detected from the content). A file that is
    no metric file we know is a `FormatError`, a broken line a `ParseError` naming it, a
    file without a sample an `InputError`.

    >>> [s.label for s in read_series(Path("mem.csv"))]  # doctest: +SKIP
    ['rss', 'heap']
    """
    path = regular_file(path)
    if format is not None and format not in FORMATS:
        raise UsageError(f"unknown metric format {format!r}: known are {', '.join(FORMATS)}")
    clock = Clock(tz)
    lines = _lines(path)
    head = list(islice(lines, _HEAD_LINES))
    fmt = format or _detect(head, path)
    samples = Samples(path, fmt, clock)
    if fmt in _DOCUMENT_READERS:
        lines.close()
        _DOCUMENT_READERS[fmt](_document(path), samples)
    else:
        _LINE_READERS[fmt](chain(head, lines), samples)
    if not len(samples):
        raise InputError(f"the file holds no samples (read as {fmt})", path)
    return samples.series()


def detect_format(path: Path) -> str:
    """The format of the metric file at ``path`` (one of `FORMATS`), from its first lines;
    a `FormatError` naming the known formats when it is none of them."""
    path = regular_file(path)
    lines = _lines(path)
    try:
        return _detect(list(islice(lines, _HEAD_LINES)), path)
    finally:
        lines.close()


def _lines(path: Path) -> Generator[tuple[int, str], None, None]:
    """The numbered lines of a metric file (`text_lines`)."""
    return text_lines(path, "a metric file")


def _document(path: Path) -> str:
    """The whole text of a JSON document (decompressed, decoded as documents are)."""
    with open_log(path) as fh:
        try:
            data = fh.read()
        except (EOFError, OSError, lzma.LZMAError, zlib.error) as exc:
            raise InputError(f"cannot read the file: {exc}", path) from exc
    return decode(data, str(path))[0]


def _unknown(path: Path, why: str) -> FormatError:
    return FormatError(
        f"not a metric file we know ({why}); known formats: {', '.join(FORMATS)}", path
    )


def _detect(head: list[tuple[int, str]], path: Path) -> str:
    texts = [text.strip() for _number, text in head if text.strip()]
    if not texts:
        raise InputError("the file holds no samples (it is empty)", path)
    first = texts[0]
    if first[:1] in "{[":
        return _detect_json(texts, path)
    if _SAR_BANNER.match(first):
        return "sar"
    if first.startswith("# hostname;") or _SADF_ROW.match(first):
        return "sadf"
    if any(_EXPOSITION_COMMENT.match(t) for t in texts[:8]) or _EXPOSITION_SAMPLE.match(first):
        return "openmetrics"
    data = [t for t in texts if not t.startswith("#")]
    if data and _INFLUX.match(data[0]) and "=" in data[0]:
        return "influx"
    shape = table_shape(texts)
    if shape is None:
        raise _unknown(path, "no time column and separator found")
    return shape


def _detect_json(texts: list[str], path: Path) -> str:
    sample = "\n".join(texts)
    if '"resultType"' in sample:
        return "prometheus-json"
    if '"datapoints"' in sample:
        return "graphite-json"
    if texts[0].startswith("{"):
        try:
            loads(texts[0])
        except (ValueError, RecursionError) as exc:
            raise _unknown(path, "JSON, but neither an API answer nor JSON lines") from exc
        return "jsonl"
    raise _unknown(path, "a JSON list, but not Graphite's [{target, datapoints}]")
