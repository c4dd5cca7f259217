"""Markdown to blocks, with markdown-it-py: its tokens carry the source line of every block."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from retroline.documents import metadata
from retroline.documents.blocks import Block, BlockKind, Line, Parsed
from retroline.documents.plain import STAMPED, looks_like_heading
from retroline.documents.sections import classify
from retroline.model import SectionKind

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_BR = re.compile(r"<br\s*/?>", re.I)


def _lines(token: Token, first: int) -> list[Line]:
    """The inline token's text without markup, one :class:`Line` per line as written.

    A soft break is the writer's editor wrapping; a hard break (two spaces or a backslash at
    the end of a line, or an inline ``<br>``) is a line the writer meant to start.
    """
    lines = [Line("", first)]
    number = first
    for child in token.children or []:
        if child.type in ("softbreak", "hardbreak"):
            number += 1
            if lines[-1].text.strip() or not lines[-1].hard:
                lines.append(Line("", number, hard=child.type == "hardbreak"))
            else:  # "<br>" at the end of a line: the break was already taken
                lines[-1].number = number
        elif child.type == "html_inline" and _BR.fullmatch(child.content.strip()):
            lines.append(Line("", number, hard=True))
        elif child.type in ("text", "code_inline", "html_inline"):
            content = child.content
            if child.type == "html_inline":
                content = "" if content.startswith("<") else content
            lines[-1].text += content
        elif child.type == "image":
            lines[-1].text += child.content
    for line in lines:
        line.text = " ".join(line.text.split())
    return [line for line in lines if line.text] or [Line("", first)]


def _plain(token: Token) -> list[str]:
    """The inline token's text without markup, one string per line."""
    return [line.text for line in _lines(token, 0)]


def read_markdown(text: str) -> Parsed:
    """Markdown (CommonMark with tables): headings, lists, tables, quotes and code."""
    parsed = Parsed(blocks=[])
    lines = text.splitlines()
    metadata.scan(lines, parsed)
    front = _FRONT_MATTER.match(text)
    source = text
    if front:  # YAML front matter: keep line numbers, drop the block
        source = "\n" * front.group(0).count("\n") + text[front.end() :]
    tokens = MarkdownIt("commonmark").enable("table").parse(source)
    blocks: list[Block] = []
    depth = 0
    quote = 0
    item_open = False  # the next paragraph is the first of a list item
    row: list[str] | None = None
    row_line, row_header = 0, False
    for i, tok in enumerate(tokens):
        line = tok.map[0] + 1 if tok.map else 0
        kind = tok.type
        if kind == "heading_open":
            title = " ".join(_plain(tokens[i + 1]))
            blocks.append(Block(BlockKind.HEADING, title, line, int(tok.tag[1])))
        elif kind in ("bullet_list_open", "ordered_list_open"):
            depth += 1
        elif kind in ("bullet_list_close", "ordered_list_close"):
            depth -= 1
        elif kind == "list_item_open":
            item_open = True
        elif kind == "blockquote_open":
            quote += 1
        elif kind == "blockquote_close":
            quote -= 1
        elif kind == "tr_open":
            row, row_line, row_header = [], line, False
        elif kind in ("th_open", "td_open") and row is not None:
            row_header = row_header or kind == "th_open"
            row.append(" ".join(_plain(tokens[i + 1])))
        elif kind == "tr_close" and row is not None:
            blocks.append(
                Block(
                    BlockKind.ROW,
                    " | ".join(c for c in row if c),
                    row_line,
                    cells=row,
                    header=row_header,
                )
            )
            row = None
        elif kind in ("fence", "code_block"):
            first = line + (1 if kind == "fence" else 0)
            for offset, code in enumerate(tok.content.splitlines()):
                if code.strip():
                    blocks.append(
                        Block(
                            BlockKind.CODE, code.strip(), first + offset, depth + 1 if depth else 0
                        )
                    )
        elif kind == "inline" and tokens[i - 1].type == "paragraph_open":
            written = _lines(tok, line)
            block_kind = (
                BlockKind.QUOTE if quote else (BlockKind.ITEM if item_open else BlockKind.PARAGRAPH)
            )
            # Lines after the first join it, unless they start with their own timestamp:
            # then they are pasted log lines, each an entry of its own.
            joined = written[:1]
            stamped: list[Line] = []
            for more in written[1:]:
                if STAMPED.match(more.text):
                    stamped.append(more)
                elif not stamped:
                    joined.append(more)
            blocks.append(
                Block(
                    block_kind,
                    " ".join(t.text for t in joined if t.text),
                    joined[0].number,
                    depth if item_open else 0,
                    lines=joined,
                )
            )
            for more in stamped:
                blocks.append(
                    Block(BlockKind.CODE, more.text, more.number, depth + 1 if depth else 0)
                )
            item_open = False
    parsed.blocks = [b for b in blocks if b.text.strip() or b.kind is BlockKind.ROW]
    headings = [b for b in parsed.blocks if b.kind is BlockKind.HEADING]
    if headings and headings[0].depth <= 2:
        parsed.title = headings[0].text
    else:
        parsed.title = next(
            (
                b.lines[0].text if b.lines else b.text
                for b in parsed.blocks
                if b.text and not metadata.is_chrome(b.text)
            ),
            None,
        )
        parsed.blocks = _named_parts(parsed.blocks)
    metadata.title_date(parsed)
    return parsed


def _named_parts(blocks: list[Block]) -> list[Block]:
    """A page pasted as text with Markdown tables but no heading marks ("Root cause" alone
    on its line): a one-line paragraph that names a part of a postmortem heads that part."""
    return [
        Block(BlockKind.HEADING, b.text, b.line, 2)
        if b.kind is BlockKind.PARAGRAPH
        and len(b.lines) == 1
        and looks_like_heading(b.text)
        and classify(b.text) is not SectionKind.OTHER
        else b
        for b in blocks
    ]
