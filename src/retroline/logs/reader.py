"""Stream the lines of a log file, whatever its compression and encoding, in bounded memory.

A log handed over after an outage may be gzipped, bzip2'd or xz'd, written in UTF-8 or in a
Windows code page, cut off in the middle of an archive, or polluted with binary junk (a core
dump appended, a disk block of NULs). None of that may stop a run: the reader yields every
line it can, flags what is odd, and only raises once nothing more can be read.

Memory stays bounded: the file is read line by line with a cap on the line length, never
whole, so a 2 GB log costs no more than a 20 MB one.
"""

from __future__ import annotations

import bz2
import codecs
import enum
import gzip
import io
import lzma
import re
import sys
import zlib
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, NamedTuple, cast

from retroline.encoding import guess_encoding, is_wide
from retroline.errors import InputError, NotALogError

__all__ = [
    "MAX_LINE_BYTES",
    "STDIN",
    "Block",
    "Compression",
    "FileFormat",
    "RawLine",
    "Span",
    "last_lines",
    "open_log",
    "plan_spans",
    "read_blocks",
    "read_lines",
    "read_span",
    "read_stream",
    "refuse_non_log",
    "sniff",
    "text_lines",
    "text_of",
]

#: Longest line kept, in bytes. Longer lines are cut here and the rest up to the newline is
#: skipped. A text message is rarely longer than a few KiB (Java stack traces come one frame
#: per line), but a JSON line holds a whole record, a request's body with it: cut, it is no
#: longer JSON and loses its time. A MiB holds such records; memory stays bounded.
MAX_LINE_BYTES = 1024 * 1024

#: Bytes inspected to detect the encoding: enough to meet non-ASCII text in most logs.
SAMPLE_BYTES = 64 * 1024

# Control bytes other than tab, CR, LF, FF and ESC (colour codes): text never has many.
_CONTROL = bytes(b for b in range(32) if b not in (9, 10, 12, 13, 27)) + b"\x7f"
_NOT_CONTROL = bytes(b for b in range(256) if b not in _CONTROL)
# Terminal escape sequences: colours, cursor moves, a window's title. They say how a console
# showed a line, not what it said, and a timestamp or a level wrapped in a colour would be
# read as neither. Each ends within its line.
_ESCAPES = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b\n]*(?:\x07|\x1b\\)?|[ -/]*[0-~])")


class Compression(enum.Enum):
    """How the bytes of a log file are packed, sniffed from their magic number."""

    NONE = "none"
    GZIP = "gzip"
    BZIP2 = "bzip2"
    XZ = "xz"


@dataclass(frozen=True)
class FileFormat:
    """What `sniff` found out about a file: its compression, its text encoding, and whether
    its lines end in a carriage return alone (``returns``, as old Mac programs wrote them)."""

    compression: Compression
    encoding: str
    returns: bool = False


class RawLine(NamedTuple):
    """One line of a log as read: 1-based number, text without newline, and its flags."""

    number: int
    text: str
    truncated: bool = False
    binary: bool = False


_MAGIC = (
    (b"\x1f\x8b", Compression.GZIP),
    (b"BZh", Compression.BZIP2),
    (b"\xfd7zXZ\x00", Compression.XZ),
)

# Errors that a damaged or cut-off archive raises while it is being read.
_ARCHIVE_ERRORS = (EOFError, OSError, lzma.LZMAError, zlib.error)


def _compression(path: Path) -> Compression:
    with path.open("rb") as fh:
        head = fh.read(6)
    for magic, kind in _MAGIC:
        if head.startswith(magic):
            return kind
    return Compression.NONE


def open_log(path: str | Path, compression: Compression | None = None) -> io.BufferedIOBase:
    """Open a log file for reading bytes, decompressing on the fly (sniffed unless given)."""
    path = Path(path)
    try:
        kind = compression or _compression(path)
        if kind is Compression.GZIP:
            return gzip.open(path, "rb")
        if kind is Compression.BZIP2:
            return bz2.open(path, "rb")
        if kind is Compression.XZ:
            return lzma.open(path, "rb")
        return path.open("rb")
    except OSError as exc:
        raise InputError(f"cannot open the log file: {exc.strerror or exc}", path) from exc


# Archives and compressions the reader does not unpack, by their first bytes (a tar's mark
# is at byte 257; one may be inside a compression the reader unpacks, a .tar.gz): logs are
# often handed over so.
_ARCHIVES = (
    (0, b"PK\x03\x04", "a ZIP archive: unpack it and give the files in it"),
    (0, b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive: unpack it and give the files in it"),
    (0, b"Rar!\x1a\x07", "a RAR archive: unpack it and give the files in it"),
    (257, b"ustar", "a tar archive: unpack it and give the files in it"),
    (0, b"\x28\xb5\x2f\xfd", "compressed with zstd: unpack it (zstd -d) and give that"),
    (0, b"\x04\x22\x4d\x18", "compressed with LZ4: unpack it (lz4 -d) and give that"),
)


def sniff(path: str | Path) -> FileFormat:
    """Detect the compression and the encoding of a log file, reading only its first bytes.
    An archive to unpack first (ZIP, tar, zstd) is a `NotALogError`."""
    path = Path(path)
    kind = _compression(path) if path.exists() else Compression.NONE
    with open_log(path, kind) as fh:
        try:
            sample = fh.read(SAMPLE_BYTES)
        except _ARCHIVE_ERRORS:
            sample = b""
    archive = next((what for at, magic, what in _ARCHIVES if sample[at:].startswith(magic)), None)
    if archive is not None:
        raise NotALogError(archive, path)
    return _format(kind, sample)


def _format(kind: Compression, sample: bytes) -> FileFormat:
    """What a file's first bytes tell: its encoding, and whether it ends its lines in a
    carriage return alone (they hold one and no newline, so the first line would be longer
    than they are, and be cut; not in UTF-16 text, whose other characters may hold the byte
    of one)."""
    encoding = guess_encoding(sample)
    returns = b"\r" in sample and b"\n" not in sample and not is_wide(encoding)
    return FileFormat(kind, encoding, returns)


class _Returned(io.RawIOBase):
    """A stream of bytes whose carriage returns are read as newlines: the lines of a file
    that ends them in a carriage return alone, for the readers that split at newlines."""

    def __init__(self, inner: io.BufferedIOBase) -> None:
        self.inner = inner

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.inner.read1(len(buffer))
        size = len(data)
        buffer[:size] = data.replace(b"\r", b"\n")
        return size

    def close(self) -> None:
        self.inner.close()
        super().close()


def _lines_of(fh: io.BufferedIOBase, fmt: FileFormat) -> io.BufferedIOBase:
    """The stream a reader splits at newlines: ``fh``, or its carriage returns read as
    newlines when the file ends its lines with them."""
    return io.BufferedReader(_Returned(fh)) if fmt.returns else fh


def _is_binary(raw: bytes) -> bool:
    """True for a line that is binary junk rather than text: a NUL, or many control bytes."""
    if b"\x00" in raw:
        return True
    controls = len(raw.translate(None, _NOT_CONTROL))
    # Text has almost no control bytes (escape colour codes are not counted); random binary
    # data has one in eight, so a tenth separates the two.
    return controls > 1 and controls * 10 > len(raw)


#: The path that means standard input.
STDIN = "-"


def text_lines(
    path: Path, what: str, max_line: int = MAX_LINE_BYTES
) -> Generator[tuple[int, str], None, None]:
    """The numbered lines of a file of ``what`` ("a metric file", "a socket table"): for
    readers of formats whose lines are never that long or binary, so binary data is an
    `EncodingError` and a line longer than ``max_line`` a `ParseError`, at its line."""
    from retroline.errors import EncodingError, ParseError

    for raw in read_lines(path, max_line):
        if raw.binary:
            raise EncodingError(f"binary data, not {what}", path, raw.number)
        if raw.truncated:
            raise ParseError(
                f"a line longer than {max_line // 1024} KiB: not a line of {what}",
                path,
                raw.number,
            )
        yield raw.number, raw.text


def text_of(line: str | RawLine) -> str | None:
    """The text of a line of a `Block`: None for binary junk."""
    if line.__class__ is str:
        return cast(str, line)
    raw = cast(RawLine, line)
    return None if raw.binary else raw.text


def refuse_non_log(path: str | Path, head: Iterable[str | RawLine], whole: bool) -> None:
    """Raise `NotALogError` for a file that is no log, from its first lines ``head`` (every
    line of it when ``whole``): one that holds no text (empty, or blank lines only), or
    one whose first lines are mostly binary data (a program, a database or an archive
    given as a log), at its first binary line. A log with some junk in it (a disk block of
    NULs after a crash) is read, its junk lines flagged."""
    lines = binary = 0
    first: int | None = None
    for line in head:
        text = text_of(line)
        if text is None:
            binary += 1
            first = first or cast(RawLine, line).number
        elif not text.strip():
            continue
        lines += 1
    if first is not None and 2 * binary > lines:
        raise NotALogError(
            f"binary data, not a log ({binary} of its first {lines} non-blank lines)", path, first
        )
    if not lines and whole:
        raise NotALogError("the log is empty (no line with text)", path)


def read_lines(path: str | Path, max_line: int = MAX_LINE_BYTES) -> Iterator[RawLine]:
    """Yield the lines of a log file, numbered from 1, decoded with the file's own encoding.

    Invalid bytes become U+FFFD; lines longer than `max_line` bytes are cut (``truncated``);
    binary junk is flagged (``binary``) with its text cleared. A damaged or cut-off archive
    raises `InputError` naming the file and the line, after every readable line was yielded.
    ``"-"`` reads standard input (plain text, encoding sniffed from its first bytes).
    """
    if str(path) == STDIN:
        yield from read_stream(sys.stdin.buffer, STDIN, max_line)
        return
    path = Path(path)
    fmt = sniff(path)
    with open_log(path, fmt.compression) as opened, _lines_of(opened, fmt) as fh:
        if is_wide(fmt.encoding):
            yield from _read_wide(fh, fmt, path, max_line)
        else:
            yield from _read_binary(fh, fmt, path, max_line)


def read_stream(
    fh: io.BufferedIOBase | BinaryIO, name: str = STDIN, max_line: int = MAX_LINE_BYTES
) -> Iterator[RawLine]:
    """Yield the lines of an open binary stream (standard input, a pipe) like `read_lines`."""
    buffered = fh if isinstance(fh, io.BufferedReader) else io.BufferedReader(fh)  # type: ignore[type-var]
    sample = buffered.peek(SAMPLE_BYTES)[:SAMPLE_BYTES]
    fmt = _format(Compression.NONE, sample)
    lines = _lines_of(buffered, fmt)
    if is_wide(fmt.encoding):
        yield from _read_wide(lines, fmt, Path(name), max_line)
    else:
        yield from _read_binary(lines, fmt, Path(name), max_line)


def _read_binary(
    fh: io.BufferedIOBase | BinaryIO, fmt: FileFormat, path: Path, max_line: int
) -> Iterator[RawLine]:
    encoding = fmt.encoding
    number = 0
    readline = fh.readline
    try:
        while True:
            raw = readline(max_line)
            if not raw:
                return
            number += 1
            truncated = False
            if raw[-1:] != b"\n":
                if len(raw) >= max_line:
                    truncated = True
                    _skip_rest(fh, max_line)
            else:
                raw = raw[:-2] if raw[-2:-1] == b"\r" else raw[:-1]
            if _is_binary(raw):
                yield RawLine(number, "", truncated, True)
                continue
            if number == 1 and encoding == "utf-8-sig":
                raw = raw.removeprefix(codecs.BOM_UTF8)
            yield RawLine(number, _plain(raw.decode(encoding, "replace")), truncated, False)
    except _ARCHIVE_ERRORS as exc:
        raise _damaged(fmt, exc, path, number) from exc


def _damaged(fmt: FileFormat, exc: Exception, path: str | Path, number: int) -> InputError:
    """The error of an archive that breaks off after ``number`` lines were read."""
    return InputError(
        f"the {fmt.compression.value} archive is damaged or cut off ({exc}); "
        f"the {number} lines before were read",
        path,
        number + 1,
    )


#: Bytes read at a time by `read_blocks`.
BLOCK_BYTES = 1 << 20

#: A block of lines: the number of its first line, and either its lines (all plain text) or,
#: when something in it is odd (binary junk, an over-long line), its `RawLine`s.
Block = tuple[int, list[str] | list[RawLine]]


def read_blocks(path: str | Path, max_line: int = MAX_LINE_BYTES) -> Iterator[Block]:
    """The lines of a log file like `read_lines`, a block of about a megabyte at a time.

    The fast path for big files: a block without control bytes and without over-long lines
    is decoded and split in one go, so a line costs no Python work here. Other blocks, and
    UTF-16 files or standard input, come as `RawLine`s, exactly as `read_lines` gives them.
    """
    if str(path) == STDIN:
        yield from _raw_blocks(read_lines(path, max_line))
        return
    path = Path(path)
    fmt = sniff(path)
    if is_wide(fmt.encoding):
        yield from _raw_blocks(read_lines(path, max_line))
        return
    number = 0
    rest = b""
    encoding = fmt.encoding
    skipping = False  # inside an over-long line whose start was already given
    with open_log(path, fmt.compression) as opened, _lines_of(opened, fmt) as fh:
        # read1 hands over what one decompression step gave, so a damaged archive loses
        # no more than the line it breaks in, as with `read_lines`.
        read = fh.read1 if fmt.compression is not Compression.NONE else fh.read
        try:
            while data := read(BLOCK_BYTES):
                if skipping:
                    newline = data.find(b"\n")
                    if newline < 0:
                        continue
                    data, skipping = data[newline + 1 :], False
                data = rest + data
                end = data.rfind(b"\n") + 1
                if not end:
                    rest = data
                    if len(data) >= max_line:
                        number += 1
                        yield number, list(_raw_lines([data], number - 1, encoding, max_line))
                        rest, skipping = b"", True
                    continue
                block, rest = data[:end], data[end:]
                yield number + 1, _split(block, encoding, number, max_line)
                number += block.count(b"\n")
                encoding = "utf-8" if encoding == "utf-8-sig" else encoding
        except _ARCHIVE_ERRORS as exc:
            raise _damaged(fmt, exc, path, number) from exc
    if rest:
        yield number + 1, _split(rest + b"\n", encoding, number, max_line)


class Span(NamedTuple):
    """A byte range of a plain file that starts at a line and ends after a newline (or at
    the end of the file), and the number of its first line. A ``long`` span is one line
    longer than `MAX_LINE_BYTES`: only its first `MAX_LINE_BYTES` are read."""

    start: int
    end: int
    number: int
    long: bool = False


def plan_spans(path: str | Path, size: int, tail: tuple[int, int] | None = None) -> Iterator[Span]:
    """Cut a plain (uncompressed) file into spans of about ``size`` bytes, at line ends.

    Reads the file once, counting newlines, so that each span knows its first line's
    number and can then be read on its own (`read_span`), by another process say.
    With ``tail=(bytes, smaller)``, the last ``bytes`` of the file are cut into spans of
    ``smaller`` bytes (workers that share the spans then finish together). A line longer
    than a span is a span of its own, ``long`` when it is cut.
    """
    total = Path(path).stat().st_size
    # One buffer, read into again and again: a fresh block for each span would cost page
    # faults for every megabyte of the file.
    buffer = bytearray(size)
    view = memoryview(buffer)
    with Path(path).open("rb", buffering=0) as fh:
        start, number = 0, 1
        while True:
            want = tail[1] if tail is not None and total - start <= tail[0] else size
            data = buffer if want == size else view[:want]
            read = _fill(fh, data)
            if not read:
                break
            end = buffer.rfind(b"\n", 0, read) + 1
            if end:
                yield Span(start, start + end, number)
                number += buffer.count(b"\n", 0, end)
            elif read < want:  # the last line, without its newline
                end = read
                yield Span(start, start + end, number)
            else:  # one line longer than a span: whole, unless it is cut (`MAX_LINE_BYTES`)
                end = read + _line_rest(fh)
                yield Span(start, start + end, number, long=end > MAX_LINE_BYTES)
                number += 1
            start += end
            fh.seek(start)


def _fill(fh: io.RawIOBase, buffer: bytearray | memoryview) -> int:
    """Read into ``buffer`` until it is full or the file ends: the bytes read."""
    view, done = memoryview(buffer), 0
    while done < len(view) and (got := fh.readinto(view[done:])):
        done += got
    return done


def _line_rest(fh: BinaryIO) -> int:
    """Read on to the end of the current line: the bytes up to and including its newline."""
    skipped = 0
    while data := fh.read(BLOCK_BYTES):
        newline = data.find(b"\n")
        if newline >= 0:
            return skipped + newline + 1
        skipped += len(data)
    return skipped


def last_lines(path: str | Path, size: int = SAMPLE_BYTES) -> list[str]:
    """The whole lines in the last ``size`` bytes of a file, in order: how it ends. A plain
    file's end is read without the rest; a compressed one is unpacked to its end, keeping
    ``size`` bytes at most. None (an empty list) for a stream, a damaged archive, a file in
    a two-byte encoding or one of carriage returns alone; undecodable bytes are replaced."""
    if str(path) == STDIN or not Path(path).is_file():
        return []
    fmt = sniff(path)
    if is_wide(fmt.encoding) or fmt.returns:
        return []
    if fmt.compression is Compression.NONE:
        with Path(path).open("rb") as fh:
            start = max(0, fh.seek(0, io.SEEK_END) - size)
            fh.seek(start)
            data = fh.read(size)
    else:
        data, start = b"", 0
        try:
            with open_log(path, fmt.compression) as packed:
                while block := packed.read(1 << 20):
                    start += max(0, len(data) + len(block) - size)
                    data = (data + block)[-size:]
        except _ARCHIVE_ERRORS:
            return []
    if start:
        data = data[data.find(b"\n") + 1 :]  # the first line began before
    encoding = "utf-8" if start and fmt.encoding == "utf-8-sig" else fmt.encoding
    lines = data.decode(encoding, errors="replace").split("\n")
    if lines[-1] == "":
        lines.pop()  # the newline that ends the last line
    return [line.removesuffix("\r") for line in lines]


def read_span(
    path: str | Path, span: Span, encoding: str, max_line: int = MAX_LINE_BYTES
) -> list[str] | list[RawLine]:
    """The lines of one span of a plain file, exactly as `read_blocks` gives them.

    ``encoding`` is the file's (`sniff`); a byte-order mark can only start the first span.
    """
    if span.start and encoding == "utf-8-sig":
        encoding = "utf-8"
    with Path(path).open("rb") as fh:
        fh.seek(span.start)
        if span.long:
            # One byte more: a carriage return there is not the end of this line.
            head = fh.read(max_line + 1)
            return list(_raw_lines([head], span.number - 1, encoding, max_line))
        data = fh.read(span.end - span.start)
    if not data.endswith(b"\n"):
        data += b"\n"
    return _split(data, encoding, span.number - 1, max_line)


def _split(block: bytes, encoding: str, number: int, max_line: int) -> list[str] | list[RawLine]:
    """One block's lines: plain strings when nothing in it is odd, else `RawLine`s."""
    if not block.translate(None, _NOT_CONTROL):
        text = _plain(block.decode(encoding, "replace"))
        if "\r" in text:
            text = text.replace("\r\n", "\n")
        out = text.split("\n")
        out.pop()  # the block ends with a newline: nothing after it
        # A character takes at most four bytes (and a carriage return one more): lines of
        # fewer characters are short enough without counting their bytes.
        if len(block) < max_line or max(map(len, out), default=0) * 4 + 1 < max_line:
            return out
    lines = block.split(b"\n")
    lines.pop()
    if block.translate(None, _NOT_CONTROL) or max(map(len, lines), default=0) >= max_line:
        return list(_raw_lines(lines, number, encoding, max_line))
    return out


def _raw_lines(lines: list[bytes], number: int, encoding: str, max_line: int) -> Iterator[RawLine]:
    for raw in lines:
        number += 1
        raw = raw.removesuffix(b"\r")
        truncated = len(raw) >= max_line
        if truncated:
            raw = raw[:max_line]
        if _is_binary(raw):
            yield RawLine(number, "", truncated, True)
        else:
            yield RawLine(number, _plain(raw.decode(encoding, "replace")), truncated, False)


def _plain(text: str) -> str:
    """The text without its terminal escape sequences (`_ESCAPES`)."""
    return _ESCAPES.sub("", text) if "\x1b" in text else text


def _raw_blocks(lines: Iterator[RawLine], size: int = 4096) -> Iterator[Block]:
    block: list[RawLine] = []
    for raw in lines:
        block.append(raw)
        if len(block) >= size:
            yield block[0].number, block
            block = []
    if block:
        yield block[0].number, block


def _skip_rest(fh: io.BufferedIOBase | BinaryIO, max_line: int) -> None:
    """Discard the remainder of an over-long line, up to and including its newline."""
    while True:
        rest = fh.readline(max_line)
        if not rest or rest[-1:] == b"\n":
            return


def _read_wide(
    fh: io.BufferedIOBase | BinaryIO, fmt: FileFormat, path: Path, max_line: int
) -> Iterator[RawLine]:
    """UTF-16 and UTF-32 text cannot be split on the newline byte; decode it as a text
    stream."""
    number = 0
    text = io.TextIOWrapper(  # type: ignore[type-var]
        fh,
        encoding=fmt.encoding,
        errors="replace",
        newline=None,
    )
    try:
        while line := text.readline(max_line):
            number += 1
            truncated = not line.endswith("\n") and len(line) >= max_line
            while truncated and (rest := text.readline(max_line)):
                if rest.endswith("\n"):
                    break
            yield RawLine(number, _plain(line.rstrip("\r\n")), truncated, False)
    except _ARCHIVE_ERRORS as exc:
        raise InputError(
            f"the {fmt.compression.value} archive is damaged or cut off ({exc})",
            path,
            number + 1,
        ) from exc
    finally:
        if not fh.closed:
            text.detach()  # the stream is its opener's to close (standard input stays open)
