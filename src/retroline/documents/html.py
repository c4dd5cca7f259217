"""HTML pages to blocks, with lxml: a real parser, and it keeps each element's source line."""

from __future__ import annotations

import re

import lxml.html
from lxml import etree

from retroline.documents import metadata
from retroline.documents.blocks import RANK_HEADER, Block, BlockKind, DateHint, Parsed
from retroline.errors import ParseError

# Page furniture, not content.
_DROP = {
    "script",
    "style",
    "nav",
    "header",
    "footer",
    "aside",
    "noscript",
    "form",
    "button",
    "svg",
    "template",
    "iframe",
    "select",
}
_CHROME_HINT = re.compile(
    r"\b(nav|navbar|menu|breadcrumb|sidebar|footer|cookie|banner|toc|skip)\b", re.I
)
_LISTS = {"ul", "ol", "dl"}
# A heading left open takes in the next: libxml2 nests headings, where a browser closes the
# open one. Their text leaves the nested ones out (each is a block of its own), else a page of
# many open headings would repeat the rest of the page in each, its square in all.
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_TITLE_CLASS = re.compile(r"(?:^|\s)(?:doc-)?title(?:\s|$)", re.I)
_BLOCKS = {
    "p",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "pre",
    "blockquote",
    "tr",
    "dt",
    "dd",
    "table",
    "ul",
    "ol",
    "dl",
    "div",
    "section",
    "article",
    "main",
    "body",
    "figure",
}


def _text(element: etree._Element, skip: set[str]) -> str:
    """The element's text, leaving out nested elements whose tag is in ``skip``."""
    parts = [element.text or ""]
    for child in element:
        if not isinstance(child.tag, str):
            parts.append(child.tail or "")
            continue
        if child.tag not in skip and child.tag not in _DROP:
            if child.tag == "br":
                parts.append(" ")
            else:
                parts.append(_text(child, skip))
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _is_chrome(element: etree._Element) -> bool:
    if element.tag in _DROP:
        return True
    hint = " ".join(str(element.get(a, "")) for a in ("class", "id", "role"))
    return bool(hint.strip()) and bool(_CHROME_HINT.search(hint))


def _depth(element: etree._Element) -> int:
    return sum(1 for a in element.iterancestors() if a.tag in ("ul", "ol"))


def read_html(text: str, path: str) -> Parsed:
    """An HTML page: headings, lists (nesting kept), tables, quotes and preformatted text."""
    if not re.sub(r"<!--.*?-->|<[^>]*>", "", text, flags=re.S).strip():
        return Parsed(blocks=[])  # markup only: a page with no text
    try:
        root = lxml.html.document_fromstring(text)
    except (etree.ParserError, ValueError) as exc:
        raise ParseError(f"not readable as HTML: {exc}", path) from exc
    parsed = Parsed(blocks=[])
    for element in list(root.iter()):
        if isinstance(element.tag, str) and _is_chrome(element) and element.getparent() is not None:
            element.getparent().remove(element)
    blocks: list[Block] = []
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        line = element.sourceline or 1
        if re.fullmatch(r"h[1-6]", tag):
            blocks.append(Block(BlockKind.HEADING, _text(element, _HEADINGS), line, int(tag[1])))
        elif tag in ("p", "div") and _TITLE_CLASS.search(str(element.get("class", ""))):
            # A document title set as a styled paragraph (Google Docs' "Title" style).
            blocks.append(Block(BlockKind.HEADING, _text(element, set()), line, 1))
        elif tag == "li":
            blocks.append(
                Block(BlockKind.ITEM, _text(element, _LISTS | {"pre"}), line, _depth(element))
            )
        elif tag in ("dt", "dd"):
            blocks.append(
                Block(BlockKind.ITEM, _text(element, _LISTS), line, 1 if tag == "dt" else 2)
            )
        elif tag == "tr":
            cells = [
                _text(c, set()) for c in element if isinstance(c.tag, str) and c.tag in ("td", "th")
            ]
            header = all(c.tag == "th" for c in element if isinstance(c.tag, str)) or (
                element.getparent() is not None and element.getparent().tag == "thead"
            )
            blocks.append(
                Block(
                    BlockKind.ROW,
                    " | ".join(c for c in cells if c),
                    line,
                    cells=cells,
                    header=header,
                )
            )
        elif tag == "pre":
            depth = _depth(element) + 1 if _depth(element) else 0
            for offset, code in enumerate((element.text_content() or "").splitlines()):
                if code.strip():
                    blocks.append(Block(BlockKind.CODE, code.strip(), line + offset, depth))
        elif tag == "p" or (
            tag in ("div", "section", "article", "blockquote") and _own_text(element)
        ):
            if (
                any(a.tag in ("li", "blockquote", "td", "th") for a in element.iterancestors())
                and tag == "p"
            ):
                inside = next(
                    a for a in element.iterancestors() if a.tag in ("li", "blockquote", "td", "th")
                )
                if inside.tag == "li" and element is next(iter(inside), None):
                    continue  # the list item's own first paragraph, already taken with it
            kind = (
                BlockKind.QUOTE
                if any(a.tag == "blockquote" for a in element.iterancestors())
                else (BlockKind.PARAGRAPH)
            )
            text = _text(element, _BLOCKS) if tag != "p" else _text(element, _LISTS | {"pre"})
            if text:
                blocks.append(Block(kind, text, line, 0))
    parsed.blocks = [b for b in blocks if b.text or b.kind is BlockKind.ROW]
    title = root.find(".//title")
    h1 = next((b for b in parsed.blocks if b.kind is BlockKind.HEADING), None)
    if h1 is not None and h1.depth == 1:
        parsed.title = h1.text
    elif title is not None and (title.text or "").strip():
        parsed.title = " ".join((title.text or "").split())
    else:
        parsed.title = h1.text if h1 else None
    for meta in root.iter("meta", "time"):
        value = meta.get("content") or meta.get("datetime") or ""
        name = (meta.get("name") or meta.get("property") or meta.tag).lower()
        if ("date" in name or "published" in name or name == "time") and (
            when := metadata.first_date(value)
        ):
            parsed.dates.append(DateHint(when, RANK_HEADER, meta.sourceline))
            break
    lines = [b.text for b in parsed.blocks]
    metadata.scan(lines, parsed)
    metadata.title_date(parsed)
    return parsed


def _own_text(element: etree._Element) -> bool:
    """True when a container holds loose text of its own (not only child blocks)."""
    if (element.text or "").strip():
        return True
    return any(
        (c.tail or "").strip() for c in element if isinstance(c.tag, str) and c.tag in _BLOCKS
    )
