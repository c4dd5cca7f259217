"""The encoding of text evidence, told from its first bytes: one rule for documents and logs.

A byte-order mark decides; else UTF-8 when the bytes decode as UTF-8 (a character cut by
the end of the sample still counts); else the best guess of charset_normalizer; else cp1252,
the usual Windows code page, which decodes every byte a Western editor writes.
"""

from __future__ import annotations

import codecs

__all__ = ["bom_encoding", "guess_encoding"]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def bom_encoding(sample: bytes) -> str | None:
    """The encoding a byte-order mark at the start of ``sample`` names, if there is one."""
    for bom, name in _BOMS:
        if sample.startswith(bom):
            return name
    return None


def guess_encoding(sample: bytes) -> str:
    """The name of the encoding of text starting with ``sample`` (see the module)."""
    named = bom_encoding(sample)
    if named is not None:
        return named
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample's end is still UTF-8.
        if exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    from charset_normalizer import from_bytes  # 8 ms to load: only for text not UTF-8

    best = from_bytes(sample[:200_000]).best()
    # Western text is by far the common case: where detection is unsure, or cp1252 reads
    # the bytes as the guess does, cp1252 (its quotes and dashes are the likely ones).
    if best is None or not best.encoding or "cp1252" in best.could_be_from_charset:
        return "cp1252"
    name = best.encoding
    try:
        codecs.lookup(name)
    except LookupError:
        return "cp1252"
    return name
