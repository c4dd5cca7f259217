"""Which format a document is in, from its name and, above all, its content."""

from __future__ import annotations

import re
from enum import StrEnum
from pathlib import Path

from retroline.documents.dialects import looks_like_mail


class Format(StrEnum):
    """Document formats Retroline reads."""

    MARKDOWN = "markdown"
    HTML = "html"
    TWIKI = "twiki"
    MEDIAWIKI = "mediawiki"
    RST = "rst"
    EMAIL = "email"
    TEXT = "text"  # rendered wiki pages, forum posts, blog posts, plain prose
    DOCX = "docx"  # Word, and what Google Docs and Confluence export for Word
    PDF = "pdf"  # with a text layer: printed or exported, not scanned


# Formats read from bytes by their own reader, never decoded as text.
BINARY = frozenset({Format.DOCX, Format.PDF})


#: The one table of document file suffixes: the format each names. Evidence folders use it
#: too (`evidence.kinds`): a file so named is a document whatever its lines look like.
SUFFIXES = {
    ".docx": Format.DOCX,
    ".docm": Format.DOCX,
    ".pdf": Format.PDF,
    ".md": Format.MARKDOWN,
    ".markdown": Format.MARKDOWN,
    ".mdown": Format.MARKDOWN,
    ".html": Format.HTML,
    ".htm": Format.HTML,
    ".xhtml": Format.HTML,
    ".rst": Format.RST,
    ".rest": Format.RST,
    ".eml": Format.EMAIL,
    ".mbox": Format.EMAIL,
    ".wiki": Format.MEDIAWIKI,
    ".mediawiki": Format.MEDIAWIKI,
    ".twiki": Format.TWIKI,
}
_ZIP = b"PK\x03\x04"


def sniff(data: bytes, path: str | Path = "") -> Format | None:
    """The binary format of a document from its bytes (DOCX or PDF), None for anything else.

    A .docx is a ZIP archive whose entries include ``word/document.xml``; the names of the
    entries stand uncompressed in the archive, so a damaged file still tells. A PDF starts
    with ``%PDF-``, give or take a few bytes of junk some producers write before it.
    """
    if data[:1024].lstrip(b"\x00\t\n\r \xef\xbb\xbf").startswith(b"%PDF-") or (
        Path(path).suffix.lower() == ".pdf" and b"%PDF-" in data[:1024]
    ):
        return Format.PDF
    if data.startswith(_ZIP) and (
        b"word/document.xml" in data or Path(path).suffix.lower() in (".docx", ".docm")
    ):
        return Format.DOCX
    return None


def _count(pattern: str, text: str, flags: int = re.M) -> int:
    r"""How many times ``pattern`` matches: a pattern given it must be linear in the text.

    ``detect`` sees 50,000 characters of anything, so no pattern may scan on from each of many
    starts (``^\s*`` crosses lines from every line start, ``\[[^\]]+`` goes on from every
    ``[``): that is quadratic.
    """
    return len(re.findall(pattern, text, flags))


#: A Markdown table's head: a row, then the separator row under it (blank lines between).
#: No ``^\s*``: from every line start of a run of blank lines, it scanned the whole run.
_TABLE = re.compile(r"^[^\S\n]*\|.*\|[^\S\n]*\n\s*\|[\s:|-]+\|\s*$", re.M)

_LINK_TEXT_END = re.compile(r"[\]\n]")
_LINK_URL_END = re.compile(r"[)\s]")


def _count_links(text: str) -> int:
    r"""How many Markdown links ``[text](url)`` there are, each on one line.

    The count ``re.findall`` gives for ``\[[^\]\n]+\]\([^)\s]+\)``, in linear time: that
    expression tries again from every ``[`` and scans on to the next ``]`` (from every ``](``
    to the next ``)``), quadratic in a line of ``[[[[...``. Where each scan stops only moves
    forward as the starts do, so each stop is found once and kept for the starts after it.
    """
    count = 0
    text_end = url_end = -1  # where the last scans stopped: the next ``]`` and ``)``
    start = text.find("[")
    while start != -1:
        if text_end <= start:
            found = _LINK_TEXT_END.search(text, start + 1)
            text_end = found.start() if found else len(text)
        close = text_end
        if close > start + 1 and text.startswith("](", close):
            if url_end <= close + 1:
                found = _LINK_URL_END.search(text, close + 2)
                url_end = found.start() if found else len(text)
            if url_end > close + 2 and text.startswith(")", url_end):
                count += 1
                start = text.find("[", url_end + 1)
                continue
        start = text.find("[", start + 1)
    return count


def detect(text: str, path: str | Path = "") -> Format:
    """The format of a document: its content decides, its file name breaks ties."""
    head = text[:50_000]
    stripped = head.lstrip().lower()
    if (
        stripped.startswith(("<!doctype html", "<html"))
        or _count(r"</(p|li|div|h[1-6]|td|ul)>", head) >= 3
    ):
        return Format.HTML
    if (
        "%META:TOPICINFO" in head
        or _count(r"^---\++!?\s", head) >= 1
        or (_count(r"^(   )+\* ", head) >= 3 and _count(r"^---", head))
    ):
        return Format.TWIKI
    if looks_like_mail(head):
        return Format.EMAIL
    by_name = SUFFIXES.get(Path(path).suffix.lower())
    if by_name is not None and by_name not in BINARY:  # those are known from their bytes
        return by_name
    if _count(r"^(={2,6})[^=\n].*?\1\s*$", head) >= 1 or _count(r"^\{\|", head):
        return Format.MEDIAWIKI
    if (
        _count(r"^\S.*\n([=\-~^])\1{2,}\s*$", head) >= 2
        or _count(r"^\.\. [\w-]+::", head)
        or _count(r"^:[\w ]+: ", head) >= 2
    ):
        return Format.RST
    markdown_signs = (
        _count(r"^#{1,6} \S", head) * 3
        + _count(r"\*\*[^*\n]+\*\*", head)
        + _count_links(head) * 2
        + len(_TABLE.findall(head)) * 3
        + _count(r"^```", head) * 2
    )
    if markdown_signs >= 3:
        return Format.MARKDOWN
    return Format.TEXT
