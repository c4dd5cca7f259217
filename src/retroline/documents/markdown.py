"""Markdown to blocks, with markdown-it-py: its tokens carry the source line of every block."""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markdown_it.token import Token

from retroline.documents import metadata
from retroline.documents.blocks import Block, BlockKind, Parsed
from retroline.documents.plain import STAMPED

_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)


def _plain(token: Token) -> list[str]:
    """The inline token's text without markup, one string per source line."""
    lines = [""]
    for child in token.children or []:
        if child.type in ("softbreak", "hardbreak"):
            lines.append("")
        elif child.type in ("text", "code_inline", "html_inline"):
            content = child.content
            if child.type == "html_inline":
                content = "" if content.startswith("<") else content
            lines[-1] += content
        elif child.type == "image":
            lines[-1] += child.content
    return [" ".join(line.split()) for line in lines]


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
            texts = _plain(tok)
            block_kind = (
                BlockKind.QUOTE if quote else (BlockKind.ITEM if item_open else BlockKind.PARAGRAPH)
            )
            first, rest = texts[0], texts[1:]
            # Lines after the first join it, unless they start with their own timestamp:
            # then they are pasted log lines, each an entry of its own.
            joined = [first]
            stamped: list[tuple[int, str]] = []
            for offset, more in enumerate(rest, start=1):
                if STAMPED.match(more):
                    stamped.append((offset, more))
                elif not stamped:
                    joined.append(more)
            blocks.append(
                Block(block_kind, " ".join(t for t in joined if t), line, depth if item_open else 0)
            )
            for offset, more in stamped:
                blocks.append(Block(BlockKind.CODE, more, line + offset, depth + 1 if depth else 0))
            item_open = False
    parsed.blocks = [b for b in blocks if b.text.strip() or b.kind is BlockKind.ROW]
    headings = [b for b in parsed.blocks if b.kind is BlockKind.HEADING]
    if headings and headings[0].depth <= 2:
        parsed.title = headings[0].text
    else:
        parsed.title = next((b.text for b in parsed.blocks if b.text), None)
    metadata.title_date(parsed)
    return parsed
