"""Evidence made inert before it is shown: no escape sequence, control or reordering character
of a document, a log line or a file name reaches a terminal, an error message or a report.

Evidence is written by whoever wrote the logs and documents, so it may carry ``ESC [ 2J``
(clear the screen), ``ESC ] 0; ... BEL`` (set the window title), OSC 8 hyperlinks, other C0
and C1 controls, or the bidi overrides that show text in another order than it is read
(U+202E). ``inert`` writes each such character as its escape (``\\x1b``, ``\\u202e``), so it
is seen and does nothing; everything else, accents, CJK and emoji included, is unchanged.
``safe_url`` is the same rule for links: only web and mail links may be live.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

__all__ = ["inert", "inert_json", "safe_url"]

# C0 controls but tab and newline, DEL and C1; the bidi marks, embeddings, overrides and
# isolates; invisible format characters that hide or reorder text (zero-width space, word
# joiner and invisible operators, deprecated format controls, BOM, interlinear annotation,
# Mongolian vowel separator, language tag); lone surrogates (undecodable bytes of a file
# name). Zero-width (non-)joiners, the soft hyphen and the emoji tag characters stay: they
# belong to ordinary text.
_C0 = "\x00-\x08\x0b-\x1f"
_BEYOND_C0 = (
    "\x7f-\x9f\u061c\u180e\u200b\u200e\u200f\u202a-\u202e\u2060-\u2064"
    "\u2066-\u206f\ufeff\ufff9-\ufffb\ud800-\udfff\U000e0001"
)
_UNSAFE = _C0 + _BEYOND_C0
_IN_LINES = re.compile(f"[{_UNSAFE}]")
_ON_ONE_LINE = re.compile(f"[\t\n{_UNSAFE}]")


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def inert(text: str, *, lines: bool = True) -> str:
    """``text`` with every control, escape and reordering character written as its escape
    (ESC as ``\\x1b``, U+202E as ``\\u202e``). Newlines and tabs are kept where the output
    keeps lines (``lines``, as in a table cell) and escaped in a one-line message. Applying
    it twice changes nothing more."""
    return (_IN_LINES if lines else _ON_ONE_LINE).sub(_escape, text)


# What JSON leaves raw (it escapes C0 only, and nothing when told ensure_ascii=False) but a
# terminal acts on: the same set but C0.
_JSON_RAW = re.compile(f"[{_BEYOND_C0}]")


def _json_escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x10000:
        return f"\\u{code:04x}"
    code -= 0x10000  # JSON writes a character past the BMP as its surrogate pair
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def inert_json(text: str) -> str:
    """JSON text with the characters JSON leaves raw but a terminal acts on (DEL, C1, bidi
    overrides, lone surrogates) written as ``\\u`` escapes: the same value to any parser,
    nothing live on a screen. Every JSON the program writes goes through it."""
    return _JSON_RAW.sub(_json_escape, text)


def safe_url(url: str) -> str | None:
    """``url`` when it is a web or mail link; None for anything a browser would run or open
    (``javascript:``, ``data:``, ``vbscript:``, ``file:``), for relative links and for
    malformed ones (``http://[x``)."""
    try:
        scheme = urlsplit(url.strip()).scheme
    except ValueError:
        return None
    return url if scheme.lower() in ("http", "https", "mailto") else None
