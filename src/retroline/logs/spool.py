"""Keep parsed chunks on disk until their templates are final, then write them out.

``logs parse --json`` prints every line with its template in the final, most general form
the whole input made it; that form is only known once every line was learnt. Each chunk's
JSON lines wait here with a hole for each template (`jsonl.ChunkParser`), and beside them
the template id each hole's number stands for; `Spool.write` then fills the holes with each
template's final id and text. Memory stays bounded: the text and the ids are on disk, only
a few numbers per chunk are kept.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from json.encoder import encode_basestring
from pathlib import Path
from typing import TextIO

from retroline.inert import inert_json
from retroline.logs.jsonl import SEP
from retroline.logs.parallel import Stored, Workers
from retroline.logs.parse import BINARY_TEMPLATE
from retroline.logs.templates import TemplateMiner

__all__ = ["Spool", "fill", "fill_stored"]


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

    def add(
        self, text: str, used: Sequence[str], ids: Sequence[str], stored: Stored | None = None
    ) -> None:
        """Keep one chunk: its text with holes (or where it is ``stored`` already, by a
        worker process), the numbers in its holes and the template id of each."""
        if stored is None:
            data = text.encode("utf-8")
            stored = (self._text.name, self._text.tell(), len(data))
            self._text.write(data)
        table = "\n".join(f"{number} {tid}" for number, tid in zip(used, ids, strict=True))
        data = table.encode("utf-8")
        self._chunks.append((stored, self._ids.tell(), len(data)))
        self._ids.write(data)

    def write(self, out: TextIO, miner: TemplateMiner, workers: Workers | None = None) -> None:
        """Write every chunk, in order, with each hole filled by its final template.

        With ``workers`` and an ``out`` backed by a file descriptor (standard output), the
        workers fill the chunks and write them to it themselves, in order.
        """
        self._text.flush()
        self._ids.flush()
        fragments = _Fragments(miner)
        fd = _descriptor(out) if workers is not None else None
        if workers is not None and fd is not None and workers.shares(fd):
            out.flush()
            tasks = (
                (stored, used, [fragments[tid] for tid in ids])
                for stored, used, ids in self._read()
            )
            workers.write_in_order(fill_stored, tasks, fd)
            return
        for (name, offset, length), used, ids in self._read():
            filled = _filled(_pread(name, offset, length), used, [fragments[tid] for tid in ids])
            out.write(b"".join(filled).decode("utf-8"))

    def _read(self) -> Iterator[tuple[Stored, list[str], list[str]]]:
        """Each chunk's place, the numbers in its holes and their template ids."""
        for stored, at, size in self._chunks:
            pairs = os.pread(self._ids.fileno(), size, at).decode("utf-8").split("\n")
            used, ids = [], []
            for pair in pairs if size else ():
                number, _, tid = pair.partition(" ")
                used.append(number)
                ids.append(tid)
            yield stored, used, ids


def _descriptor(out: TextIO) -> int | None:
    try:
        return out.fileno()
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is an OSError
        return None


def _pread(name: str, offset: int, length: int) -> bytes:
    with open(name, "rb") as fh:
        fh.seek(offset)
        return fh.read(length)


def fill_stored(task: tuple[Stored, list[str], list[bytes]]) -> list[bytes]:
    """In a worker: one stored chunk filled (``fragments[i]``, UTF-8, in the holes holding
    ``used[i]``), as pieces of UTF-8 to be written one after the other."""
    (name, offset, length), used, fragments = task
    return _filled(_pread(name, offset, length), used, fragments)


def fill(
    text: str,
    used: Sequence[str],
    ids: Sequence[str],
    out: TextIO,
    fragments: _Fragments | TemplateMiner,
) -> None:
    """Write a chunk's text with the holes holding ``used[i]`` filled by the template of
    ``ids[i]``."""
    if isinstance(fragments, TemplateMiner):
        fragments = _Fragments(fragments)
    filled = _filled(text.encode("utf-8"), used, [fragments[tid] for tid in ids])
    out.write(b"".join(filled).decode("utf-8"))


def _filled(data: bytes, used: Sequence[str], fragments: Sequence[bytes]) -> list[bytes]:
    """A chunk's UTF-8 cut at its holes, each hole replaced by its fragment: the pieces of
    the filled chunk, in order. Bytes throughout, as the spool holds them."""
    table = dict(zip([number.encode() for number in used], fragments, strict=True))
    table[b""] = _BINARY
    parts = data.split(_SEP_BYTE)
    parts[1::2] = map(table.__getitem__, parts[1::2])
    return parts


_BINARY = (',"template_id":null,"template":' + encode_basestring(BINARY_TEMPLATE)).encode()
_SEP_BYTE = SEP.encode("utf-8")


class _Fragments(dict[str, bytes]):
    """Template id -> the JSON of its final template (``,"template_id":..,"template":..``),
    in UTF-8."""

    def __init__(self, miner: TemplateMiner) -> None:
        super().__init__()
        self.miner = miner

    def __missing__(self, tid: str) -> bytes:
        learnt = self.miner.get(tid) if tid else None
        if learnt is None:
            fragment = _BINARY
        else:
            final = learnt.resolved()
            fragment = inert_json(
                f',"template_id":{encode_basestring(final.id)},'
                f'"template":{encode_basestring(final.text)}'
            ).encode()
        self[tid] = fragment
        return fragment
