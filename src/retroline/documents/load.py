"""Bytes of a document file to text: size limits, binary detection, encoding detection.

Word files and PDFs are binary on purpose: their bytes go to their own readers undecoded.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from retroline.documents.formats import BINARY, Format, sniff
from retroline.encoding import bom_encoding, guess_encoding, invalid_utf8, is_wide
from retroline.errors import EncodingError, InputError
from retroline.inputs import regular_file

# A postmortem is a page of prose; anything this large is a log or an archive sent by mistake.
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
# A Word file or a PDF also carries its screenshots and fonts.
MAX_CONTAINER_BYTES = 100 * 1024 * 1024
_CONTAINER_MAGIC = (b"PK\x03\x04", b"%PDF-")
# Binary files people may mistake for a document, and what to do with them.
_NOT_DOCUMENTS = (
    (b"PK\x03\x04", "a ZIP archive, not a document (a Word .docx would hold word/document.xml)"),
    (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        "an old binary Office file (.doc); save it as .docx or PDF and give that",
    ),
)


@dataclass(frozen=True)
class LoadedText:
    """A document's text with the facts about its bytes.

    For a binary format (``binary`` is DOCX or PDF) ``text`` is empty and ``encoding`` None:
    its reader takes ``data``.
    """

    path: str
    text: str
    encoding: str | None
    sha256: str
    size: int
    data: bytes = b""
    binary: Format | None = None
    #: Invalid bytes of an otherwise UTF-8 text, replaced by U+FFFD, and the first's line.
    replaced: int = 0
    replaced_line: int | None = None


def decode(data: bytes, path: str) -> tuple[str, str]:
    """Decode document bytes: BOMs first, then UTF-16/32 without a mark, then UTF-8 (a
    few invalid bytes replaced: see `LoadedText.replaced`), then the best legacy guess.

    Returns the text and the name of the encoding used.
    """
    name = bom_encoding(data)
    if name is not None:  # a mark that says the encoding: the text must be valid in it
        try:
            return data.decode(name), name
        except UnicodeDecodeError as exc:
            raise EncodingError(
                f"not valid {name} text: {exc.reason}", path, data[: exc.start].count(b"\n") + 1
            ) from exc
    nul = data.find(b"\x00", 0, 65536)
    if nul >= 0 and is_wide(wide := guess_encoding(data[:65536])):
        try:
            return data.decode(wide), wide
        except UnicodeDecodeError as exc:
            raise EncodingError(f"not valid {wide} text: {exc.reason}", path) from exc
    if nul >= 0:
        for magic, what in _NOT_DOCUMENTS:
            if data.startswith(magic):
                raise EncodingError(what, path)
        raise EncodingError("binary data, not a text document", path, data[:nul].count(b"\n") + 1)
    name = guess_encoding(data)
    try:
        # UTF-8 cut in its last character (a truncated file): that character replaced.
        return data.decode(name, errors="replace" if name == "utf-8" else "strict"), name
    except (UnicodeDecodeError, LookupError):
        return data.decode("latin-1"), "latin-1"


def load(path: str | Path, *, binary: Format | None = None) -> LoadedText:
    """Read a document file whole (documents are small; logs are streamed elsewhere).

    A Word file or a PDF, known from its first bytes or named by ``binary``, is not decoded.
    """
    p = regular_file(path)
    try:
        size = p.stat().st_size
        with p.open("rb") as f:
            container = f.read(8).startswith(_CONTAINER_MAGIC)
        limit = MAX_CONTAINER_BYTES if container else MAX_DOCUMENT_BYTES
        if size > limit:
            raise InputError(
                f"{size // (1024 * 1024)} MiB is too large for a document "
                f"(at most {limit // (1024 * 1024)} MiB); is it a log?",
                p,
            )
        data = p.read_bytes()
    except FileNotFoundError as exc:
        raise InputError("no such file", p) from exc
    except PermissionError as exc:
        raise InputError("permission denied", p) from exc
    except IsADirectoryError as exc:
        raise InputError("is a folder, not a document", p) from exc
    return load_bytes(data, str(p), binary=binary)


def load_bytes(data: bytes, name: str, *, binary: Format | None = None) -> LoadedText:
    """A document given as bytes (an upload, a string from a program), named ``name`` for
    its format and its citations; as `load` reads a file."""
    if not data.strip():
        raise InputError("the file is empty", name)
    digest = hashlib.sha256(data).hexdigest()
    kind = binary if binary in BINARY else sniff(data, Path(name))
    if kind is not None:
        return LoadedText(name, "", None, digest, len(data), data, kind)
    text, encoding = decode(data, name)
    replaced, where = 0, None
    if encoding == "utf-8" and "\ufffd" in text:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as exc:
            replaced, where = invalid_utf8(data), data[: exc.start].count(b"\n") + 1
    return LoadedText(name, text, encoding, digest, len(data), data, None, replaced, where)
