"""The encoding of text evidence, told from its first bytes: one rule for documents and logs.

A byte-order mark decides; else UTF-16 or UTF-32 when the NUL bytes fall where those put
them (text without a mark, as some Windows tools write it); else UTF-8 when the bytes decode
as UTF-8 (a character cut by the end of the sample still counts) or mostly do (a stray
invalid byte among UTF-8 characters: the readers replace it and say so); else the best
guess of charset_normalizer; else cp1252, the usual Windows code page, which decodes every
byte a Western editor writes.
"""

from __future__ import annotations

import codecs

__all__ = ["bom_encoding", "guess_encoding", "invalid_utf8", "is_wide"]

# UTF-32's marks first: little-endian UTF-32's starts with UTF-16's.
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Share of code units that must have NULs where a wide encoding puts them (ASCII text in
# UTF-16 has one in every second byte); binary data rarely lines its NULs up like that.
_WIDE_SHARE = 0.9


def is_wide(encoding: str) -> bool:
    """Whether text in ``encoding`` cannot be split on the newline byte (UTF-16, UTF-32)."""
    return encoding.startswith(("utf-16", "utf-32"))


def _wide(sample: bytes) -> str | None:
    """UTF-32 or UTF-16 (and which byte order) written without a mark, from where the
    sample's NUL bytes fall."""
    for width, names in ((4, ("utf-32-le", "utf-32-be")), (2, ("utf-16-le", "utf-16-be"))):
        units = len(sample) // width
        if units < 8:
            continue
        for name, zero in zip(names, (range(1, width), range(width - 1)), strict=True):
            text = 0 if name.endswith("le") else width - 1  # the byte that carries ASCII
            fits = sum(
                1
                for i in range(0, units * width, width)
                if sample[i + text] and all(not sample[i + z] for z in zero)
            )
            if fits >= _WIDE_SHARE * units:
                return name
    return None


def invalid_utf8(data: bytes) -> int:
    """How many invalid sequences UTF-8 decoding replaces in ``data``."""
    return data.decode("utf-8", "replace").count("\ufffd") - data.count(b"\xef\xbf\xbd")


def _mostly_utf8(sample: bytes) -> bool:
    """Whether text that is not valid UTF-8 is UTF-8 with a few bad bytes: more valid
    multi-byte characters than invalid sequences (a legacy code page has none of the former)."""
    text = sample.decode("utf-8", "replace")
    bad = invalid_utf8(sample)
    good = sum(1 for c in text if c > "\x7f") - text.count("\ufffd")
    return good > bad


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
    if b"\x00" in sample[:4096] and (wide := _wide(sample[:4096])) is not None:
        return wide
    try:
        sample.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError as exc:
        # A multi-byte character cut by the sample's end is still UTF-8.
        if exc.start >= len(sample) - 3 and exc.reason == "unexpected end of data":
            return "utf-8"
    if _mostly_utf8(sample[:200_000]):
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
