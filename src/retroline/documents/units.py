"""Blocks to entry units: one block per timeline entry, however the writer ran them together.

Readers give paragraphs as the markup has them, and a paragraph often holds several entries:
lines joined by ``<br>`` (``**16:27** text<br>**21:36** text``), a plain-text timeline with
one entry per line, a status update followed by its ``Posted ...`` line, or a whole timeline
reflowed into one paragraph by an editor (``... take effect. 21:20 - Monitoring sends ...``).
A careful reader sees where each entry starts: a line or a sentence that opens with a time in
the same form as the entry before. This module cuts there, keeping each unit's source line.
"""

from __future__ import annotations

import re

from retroline.documents.blocks import Block, BlockKind, Line
from retroline.documents.stamps import Lead, bare, comment_header, entry_time, shape, times_in

_SPLITTABLE = (BlockKind.PARAGRAPH, BlockKind.ITEM, BlockKind.QUOTE)
# A line that ends a sentence or a clause: the next line may start an entry of its own.
_ENDS = re.compile(r"[.!?:;)\]][\"'*_]*$")
# Before an entry run into the text of the one before: the end of a sentence, a quote mark
# or a bullet, then the markup that may open the entry ("**", "[", "*").
_INLINE_BEFORE = re.compile(r"(?:[.!?)\]][\"'*_]*|\s>|\s[•·])\s+[*_`\[(]*$")
_INLINE_LEAD = re.compile(r"[*_`\[(]*$")


def split_blocks(blocks: list[Block]) -> list[Block]:
    """The blocks with every paragraph, item or quote that holds several entries cut into
    one block per entry (other blocks unchanged)."""
    out: list[Block] = []
    for block in blocks:
        if block.kind in _SPLITTABLE and (len(block.lines) > 1 or _has_inner_time(block.text)):
            out.extend(_split(block))
        else:
            out.append(block)
    return out


# Something shaped like a clock time: a run of entries in one line has two of them at least.
_CLOCKISH = re.compile(r"\d[:.h]\d\d|\d\s?[AaPp]\.?[Mm]\b|\d[ap]\b")


def _has_inner_time(text: str) -> bool:
    """Whether a one-line block may hold more than one timed entry (cheap test first)."""
    first = _CLOCKISH.search(text)
    return first is not None and _CLOCKISH.search(text, first.end()) is not None


# A line that stops on one of these words goes on in the next: "... written between" /
# "9:40 and 10:05."
_MID_SENTENCE = re.compile(
    r"\b(?:a|an|the|and|or|but|of|to|from|at|on|in|by|until|since|between|after|before"
    r"|around|about|with|for|as|than|is|are|was|were)[\s*_]*$",
    re.I,
)
# The text of an entry does not open with a conjunction: "9:40 and 10:05. ..." is a span.
_CONTINUING = re.compile(r"^(?:and|or|to|until|till|through|-|–)\b", re.I)


def _starts_at(line: Line, before: Line, run: bool) -> bool:
    """True when ``line`` opens an entry of its own rather than continuing ``before``."""
    if comment_header(line.text) is not None:
        return True  # "Ana added a comment - 07/Nov/22 3:40 PM": a comment starts
    found = entry_time(line.text)
    if found is None or not (found.match.has_time or found.match.has_date):
        return False
    if found.lead is Lead.POSTED:
        return bare(found)  # "Posted ...": the stamp of the text above, a unit of its own
    if _MID_SENTENCE.search(before.text) or _CONTINUING.match(found.rest):
        return False
    return line.hard or run or bool(_ENDS.search(before.text))


def _split(block: Block) -> list[Block]:
    lines = block.lines or [Line(block.text, block.line)]
    first = entry_time(lines[0].text)
    # A run of one-line entries ("14:02 paged" / "14:05 acknowledged"); a time alone on the
    # first line is the stamp of the lines that follow, not the first of a run.
    run = first is not None and first.match.has_time and not bare(first)
    units: list[list[Line]] = [[lines[0]]]
    for line in lines[1:]:
        previous = units[-1][-1]
        after_stamp = (
            (stamp := entry_time(previous.text)) is not None
            and stamp.lead is Lead.POSTED
            and bare(stamp)
        ) or comment_header(previous.text) is not None
        if after_stamp or _starts_at(line, previous, run):
            units.append([line])
        else:
            units[-1].append(line)
    out: list[Block] = []
    for unit in units:
        out.extend(_inline(block, unit))
    return out


def _inline(block: Block, unit: list[Line]) -> list[Block]:
    """A unit's text cut where further entries of the same form run on inside it."""
    text = " ".join(line.text for line in unit if line.text)
    first = entry_time(text)
    cuts = [0]
    if first is not None and first.match.has_time and not bare(first):
        form = shape(text, first.match)
        for match in times_in(text)[1:]:
            # Look back a few characters only: a search from the start of a long paragraph
            # for every time in it would take time that grows with its square.
            lead = _INLINE_LEAD.search(text, max(0, match.start - 8), match.start)
            start = lead.start() if lead else match.start
            if start <= cuts[-1] or not _INLINE_BEFORE.search(text, max(0, start - 16), start):
                continue
            found = entry_time(text[start:])
            if found is None or found.match.start != match.start - start or bare(found):
                continue
            if shape(text[start:], found.match) == form:
                cuts.append(start)
    if len(cuts) == 1:
        return [_block(block, unit, text)]
    pieces = []
    offsets = _line_offsets(unit)
    for begin, end in zip(cuts, [*cuts[1:], len(text)], strict=True):
        piece = text[begin:end].strip()
        number = next((n for at, n in reversed(offsets) if at <= begin), unit[0].number)
        pieces.append(
            Block(block.kind, piece, number, block.depth, lines=[Line(piece, number, True)])
        )
    return pieces


def _line_offsets(unit: list[Line]) -> list[tuple[int, int]]:
    """(offset in the joined text, source line) of each line of a unit."""
    offsets, at = [], 0
    for line in unit:
        if line.text:
            offsets.append((at, line.number))
            at += len(line.text) + 1
    return offsets


def _block(block: Block, unit: list[Line], text: str) -> Block:
    return Block(
        block.kind,
        text,
        unit[0].number,
        block.depth,
        cells=block.cells,
        header=block.header,
        lines=unit,
    )
