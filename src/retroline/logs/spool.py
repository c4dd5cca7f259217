"""Keep parsed chunks on disk until their templates are final, then write them out.

``logs parse --json`` prints every line with its template in the final, most general form
the whole input made it; that form is only known once every line was learnt. Each chunk's
JSON lines wait here with a hole for each template (`jsonl.ChunkParser`), and beside them
the template id each hole stands for; `Spool.write` then fills the holes with each
template's final id and text. Memory stays bounded: the text and the ids are on disk, only
a few numbers per chunk are kept.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator, Sequence
from json.encoder import encode_basestring
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from retroline.logs.jsonl import SEP
from retroline.logs.parse import BINARY_TEMPLATE
from retroline.logs.templates import TemplateMiner

if TYPE_CHECKING:
    from retroline.logs.parallel import Workers

__all__ = ["Spool", "Stored", "fill", "fill_stored"]

#: Where a chunk's text was written: file, offset and length in bytes.
Stored = tuple[str, int, int]

# "0", "1", ...: the holes of a chunk, as they read in its text.
_NUMBERS: list[str] = []


class Spool:
    """The chunks of a run, in order, on disk in ``folder``; `write` fills and prints them."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder)
        self._text = (self.folder / "spool").open("w+b")
        self._ids = (self.folder / "ids").open("w+b")
        self._chunks: list[tuple[Stored, int, int]] = []

    def __enter__(self) -> Spool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._text.close()
        self._ids.close()

    def add(self, text: str, ids: Sequence[str], stored: Stored | None = None) -> None:
        """Keep one chunk: its text with holes (or where it is ``stored`` already, by a
        worker process) and the template id of each hole."""
        if stored is None:
            data = text.encode("utf-8")
            stored = (self._text.name, self._text.tell(), len(data))
            self._text.write(data)
        table = "\n".join(ids).encode("utf-8")
        self._chunks.append((stored, self._ids.tell(), len(table)))
        self._ids.write(table)

    def write(self, out: TextIO, miner: TemplateMiner, workers: Workers | None = None) -> None:
        """Write every chunk, in order, with each hole filled by its final template.

        With ``workers`` and an ``out`` backed by a file descriptor (standard output), the
        workers fill the chunks into files of their own and the kernel copies those out.
        """
        self._text.flush()
        self._ids.flush()
        fragments = _Fragments(miner)
        fd = _descriptor(out) if workers is not None else None
        if workers is not None and fd is not None:
            out.flush()
            tasks = (
                (stored, [fragments[tid] for tid in ids], str(self.folder / f"out-{i}"))
                for i, (stored, ids) in enumerate(self._read())
            )
            for _, (name, _offset, length) in workers.ordered(fill_stored, tasks):
                _copy(name, fd, length)
            return
        for (name, offset, length), ids in self._read():
            text = _pread(name, offset, length).decode("utf-8")
            fill(text, ids, out, fragments)

    def _read(self) -> Iterator[tuple[Stored, list[str]]]:
        """Each chunk's place, and the template id of each of its holes."""
        for stored, at, size in self._chunks:
            ids = os.pread(self._ids.fileno(), size, at).decode("utf-8").split("\n")
            yield stored, ids if size else []


def _descriptor(out: TextIO) -> int | None:
    try:
        return out.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return None


def _pread(name: str, offset: int, length: int) -> bytes:
    with open(name, "rb") as fh:
        fh.seek(offset)
        return fh.read(length)


def _copy(name: str, fd: int, length: int) -> None:
    """Copy a filled chunk to ``fd`` in the kernel, then drop it (disk stays bounded)."""
    with open(name, "rb") as fh:
        done = 0
        try:
            while done < length:
                sent = os.sendfile(fd, fh.fileno(), done, length - done)
                if not sent:
                    break
                done += sent
        except OSError as exc:
            if exc.errno not in (errno.EINVAL, errno.ENOSYS):  # a broken pipe, say
                raise
            fh.seek(done)
            while data := fh.read(1 << 20):
                os.write(fd, data)  # a descriptor sendfile cannot write to
    os.unlink(name)


def fill_stored(task: tuple[Stored, list[str], str]) -> Stored:
    """In a worker: fill one stored chunk (``fragments[i]`` for hole ``i``) into a file."""
    (name, offset, length), fragments, target = task
    text = _pread(name, offset, length).decode("utf-8")
    data = _filled(text, fragments).encode("utf-8")
    with open(target, "wb") as fh:
        fh.write(data)
    return target, 0, len(data)


def fill(text: str, ids: Sequence[str], out: TextIO, fragments: _Fragments | TemplateMiner) -> None:
    """Write a chunk's text with hole ``i`` replaced by the template of ``ids[i]``."""
    if isinstance(fragments, TemplateMiner):
        fragments = _Fragments(fragments)
    out.write(_filled(text, [fragments[tid] for tid in ids]))


def _filled(text: str, fragments: list[str]) -> str:
    while len(_NUMBERS) < len(fragments):
        _NUMBERS.append(str(len(_NUMBERS)))
    table = dict(zip(_NUMBERS, fragments, strict=False))
    table[""] = _BINARY
    parts = text.split(SEP)
    parts[1::2] = map(table.__getitem__, parts[1::2])
    return "".join(parts)


_BINARY = ',"template_id":null,"template":' + encode_basestring(BINARY_TEMPLATE)


class _Fragments(dict[str, str]):
    """Template id -> the JSON of its final template (``,"template_id":..,"template":..``)."""

    def __init__(self, miner: TemplateMiner) -> None:
        super().__init__()
        self.miner = miner

    def __missing__(self, tid: str) -> str:
        learnt = self.miner.get(tid) if tid else None
        if learnt is None:
            fragment = _BINARY
        else:
            final = learnt.resolved()
            fragment = (
                f',"template_id":{encode_basestring(final.id)},'
                f'"template":{encode_basestring(final.text)}'
            )
        self[tid] = fragment
        return fragment
