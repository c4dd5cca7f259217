"""The reader: compression, truncated archives, encodings, long lines, binary junk."""

from __future__ import annotations

import bz2
import gzip
import lzma
from itertools import pairwise
from pathlib import Path

import pytest

from retroline.errors import InputError
from retroline.logs.parse import parse_lines
from retroline.logs.reader import (
    MAX_LINE_BYTES,
    STDIN,
    Compression,
    last_lines,
    plan_spans,
    read_blocks,
    read_lines,
    read_span,
    read_stream,
    sniff,
)

LINES = [f"2016-09-08 20:31:{i % 60:02d} host app[{i}]: message number {i}" for i in range(3000)]
BODY = ("\n".join(LINES) + "\n").encode()


@pytest.mark.parametrize(
    ("opener", "suffix", "kind"),
    [
        (gzip.open, ".gz", Compression.GZIP),
        (bz2.open, ".bz2", Compression.BZIP2),
        (lzma.open, ".xz", Compression.XZ),
        (open, ".log", Compression.NONE),
    ],
)
def test_compressed_files_stream_every_line(tmp_path: Path, opener, suffix, kind) -> None:
    path = tmp_path / f"app{suffix}"
    with opener(path, "wb") as fh:
        fh.write(BODY)
    assert sniff(path).compression is kind
    assert [raw.text for raw in read_lines(path)] == LINES


def test_truncated_gzip_yields_what_it_read_then_names_file_and_line(tmp_path: Path) -> None:
    whole = gzip.compress(BODY * 20)
    path = tmp_path / "cut.log.gz"
    path.write_bytes(whole[: len(whole) // 2])
    got = []
    with pytest.raises(InputError) as info:
        for raw in read_lines(path):
            got.append(raw)
    assert got, "the lines before the cut were kept"
    assert info.value.path == str(path)
    assert info.value.line == got[-1].number + 1
    assert "cut off" in str(info.value)
    assert [raw.text for raw in got] == (LINES * 20)[: len(got)]


@pytest.mark.parametrize(
    ("codec", "encoding"),
    [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("cp1252", "cp1252"), ("utf-16", "utf-16")],
)
def test_encoding_is_detected_per_file(tmp_path: Path, codec: str, encoding: str) -> None:
    text = ["caf\u00e9 \u20ac ok", "second line"]
    path = tmp_path / "enc.log"
    path.write_bytes(("\n".join(text) + "\n").encode(codec))
    assert sniff(path).encoding == encoding
    assert [raw.text for raw in read_lines(path)] == text


def test_invalid_bytes_are_replaced_and_do_not_stop_the_run(tmp_path: Path) -> None:
    path = tmp_path / "bad.log"
    path.write_bytes(("x" * 70_000).encode() + b"\n" + b"ok \xff\xfe end\nlast\n")
    texts = [raw.text for raw in read_lines(path)]
    assert texts[-1] == "last"
    assert len(texts) == 3


def test_long_lines_are_cut_and_reading_goes_on(tmp_path: Path) -> None:
    path = tmp_path / "long.log"
    path.write_bytes(b"first\n" + b"A" * 300_000 + b"\nafter\n")
    lines = list(read_lines(path, max_line=1024))
    assert [(raw.number, raw.truncated) for raw in lines] == [(1, False), (2, True), (3, False)]
    assert len(lines[1].text) == 1024
    assert lines[2].text == "after"


def test_binary_junk_is_flagged(tmp_path: Path) -> None:
    path = tmp_path / "junk.log"
    path.write_bytes(b"good line\n\x00\x01\x02\x03\x00binary\x00\nanother good line\n")
    lines = list(read_lines(path))
    assert [raw.binary for raw in lines] == [False, True, False]
    assert lines[2].text == "another good line"


def test_a_missing_file_is_an_input_error(tmp_path: Path) -> None:
    with pytest.raises(InputError):
        list(read_lines(tmp_path / "nope.log"))


@pytest.mark.parametrize("tail", [None, (300_000, 70_000), (10**9, 66_000)])
@pytest.mark.parametrize("ending", [b"\n", b""])
def test_spans_cover_the_file_and_give_its_lines(tmp_path: Path, tail, ending: bytes) -> None:
    """Spans are read on their own by workers: together they must be the file, in order,
    numbered as one reader numbers it, however the tail of the file is cut. A line longer
    than a span is a span of its own, read whole when it is not cut."""
    long = "x" * (MAX_LINE_BYTES + 10)
    whole = "y" * 250_000
    body = "\n".join([LINES[0], whole, *LINES[1:1500], long, *LINES[1500:]]).encode() + ending
    path = tmp_path / "spans.log"
    path.write_bytes(body)
    spans = list(plan_spans(path, 100_000, tail))
    assert spans[0].start == 0 and spans[-1].end == len(body)
    assert all(a.end == b.start for a, b in pairwise(spans))
    assert [s.number for s in spans] == [body.count(b"\n", 0, s.start) + 1 for s in spans]
    if tail is not None:
        last = [s for s in spans if len(body) - s.start <= tail[0] and not s.long]
        # Small, or one line longer than a span (read whole).
        assert last and all(
            s.end - s.start <= tail[1] or b"\n" not in body[s.start : s.end - 1] for s in last
        )
    one = [raw.text for raw in read_lines(path)]
    spanned = [
        x if isinstance(x, str) else x.text for s in spans for x in read_span(path, s, "utf-8")
    ]
    assert spanned == one
    assert whole in one and [s.long for s in spans if s.end - s.start > 200_000] == [False, True]


def test_a_log_in_a_cyrillic_code_page_reads_as_written(tmp_path: Path) -> None:
    # One rule for documents and logs (retroline.encoding): not UTF-8, so the code page is
    # guessed from the bytes, not assumed Western.
    text = [
        f"2031-04-01 10:00:{i:02d} ОШИБКА соединение с базой данных потеряно, повтор {i}"
        for i in range(30)
    ]
    path = tmp_path / "ru.log"
    path.write_bytes(("\n".join(text) + "\n").encode("cp1251"))
    assert [raw.text for raw in read_lines(path)] == text


# Console output saved to a file: colours around the timestamp and the level, a bold word, a
# cursor move and a window title (closed by BEL), as terminals are sent them.
COLOURED = [
    "\x1b[32m2016-09-08 20:31:00,100\x1b[0m \x1b[1;33mWARN\x1b[0m pool: low on connections",
    "\x1b]0;build 42\x07\x1b[2K2016-09-08 20:31:01,200 \x1b[31mERROR\x1b[m pool: \x1b[1mexhausted\x1b[22m",
    "2016-09-08 20:31:02,300 INFO pool: recovered",
]


@pytest.mark.parametrize("codec", ["utf-8", "utf-16"])
def test_terminal_escape_sequences_are_no_part_of_a_line(tmp_path: Path, codec: str) -> None:
    path = tmp_path / "console.log"
    path.write_bytes(("\n".join(COLOURED) + "\n").encode(codec))
    want = [
        "2016-09-08 20:31:00,100 WARN pool: low on connections",
        "2016-09-08 20:31:01,200 ERROR pool: exhausted",
        "2016-09-08 20:31:02,300 INFO pool: recovered",
    ]
    assert [raw.text for raw in read_lines(path)] == want
    spans = list(plan_spans(path, 1 << 20))
    if codec == "utf-8":  # the workers' reader, a span at a time
        spanned = [x for s in spans for x in read_span(path, s, "utf-8")]
        assert [x if isinstance(x, str) else x.text for x in spanned] == want
        # Colours alone leave a block plain text (the title's BEL above does not).
        plain = tmp_path / "colours.log"
        plain.write_text(COLOURED[0] + "\n" + COLOURED[2] + "\n", encoding="utf-8")
        span = next(plan_spans(plain, 1 << 20))
        assert read_span(plain, span, "utf-8") == [want[0], want[2]]
    parsed = list(parse_lines(path, year=2016))
    assert [(p.level, p.message) for p in parsed] == [
        ("WARN", "low on connections"),
        ("ERROR", "exhausted"),
        ("INFO", "recovered"),
    ]
    assert all(p.at is not None and p.at.second == i for i, p in enumerate(parsed))


@pytest.mark.parametrize(("opener", "suffix"), [(open, ".log"), (gzip.open, ".log.gz")])
def test_lines_ended_by_a_carriage_return_alone_are_lines(tmp_path: Path, opener, suffix) -> None:
    """Old Mac programs end a line with a carriage return alone: each is still a line, in
    every reader (lines, blocks, standard input), and not one line of the whole file."""
    path = tmp_path / f"classic{suffix}"
    with opener(path, "wb") as fh:
        fh.write(BODY.replace(b"\n", b"\r"))
    assert sniff(path).returns
    assert [raw.text for raw in read_lines(path)] == LINES
    blocks = [line for _, lines in read_blocks(path) for line in lines]
    assert [x if isinstance(x, str) else x.text for x in blocks] == LINES
    if suffix == ".log":
        with path.open("rb") as fh:
            assert [raw.text for raw in read_stream(fh)] == LINES
    parsed = list(parse_lines(path))
    assert len(parsed) == len(LINES)
    assert [p.pid for p in parsed[:3]] == ["0", "1", "2"]
    assert all(p.at is not None and p.at.second == i % 60 for i, p in enumerate(parsed))
    # A file that ends its lines in both ways is read at its newlines, as before.
    mixed = tmp_path / "mixed.log"
    mixed.write_bytes(b"a\rb\r\nc\n")
    assert not sniff(mixed).returns
    assert [raw.text for raw in read_lines(mixed)] == ["a\rb", "c"]


def test_last_lines_are_the_whole_lines_a_file_ends_with(tmp_path: Path) -> None:
    """The end of a file, read alone: the line cut by the start of what is read is left
    out, a last line without its newline is in; a compressed file's end is its text's;
    none of a missing file, a stream, a damaged archive or a two-byte encoding."""
    rows = [f"10:11:{i % 60:02d} line {i} \u00e9" for i in range(5000)]
    text = "\ufeff" + "\n".join(rows) + "\n"
    plain = tmp_path / "plain.log"
    plain.write_text(text, encoding="utf-8")
    found = last_lines(plain, size=4096)
    assert found == rows[-len(found) :] and 100 < len(found) < 200
    assert last_lines(plain)[-1] == rows[-1]
    short = tmp_path / "short.log"
    short.write_bytes(b"\xef\xbb\xbffirst\r\nlast, no newline yet")
    assert last_lines(short) == ["first", "last, no newline yet"]
    assert last_lines(tmp_path / "empty.log") == []
    packed = tmp_path / "plain.log.gz"
    packed.write_bytes(gzip.compress(text.encode("utf-8")))
    assert last_lines(packed, size=4096) == found
    damaged = tmp_path / "damaged.log.gz"
    damaged.write_bytes(packed.read_bytes()[:2000])
    wide = tmp_path / "wide.log"
    wide.write_text(text, encoding="utf-16")
    assert last_lines(damaged) == last_lines(wide) == last_lines(STDIN) == []
