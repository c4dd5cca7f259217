"""What a document says about its own mistakes: "Apologies, the correct date should be
2016-04-16. The timestamps remain accurate."

Mail and forum posts correct themselves in a follow-up rather than by editing: the writer
re-posts the message with a note that one date in it was wrong. A careful reader applies
the correction to the entries that wrote the wrong date, and remembers that they did.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from retroline.documents.blocks import Block, BlockKind
from retroline.documents.stamps import times_in
from retroline.when import TimeMatch

_CORRECTION = re.compile(
    r"\b(?:correct(?:ed)?|right|actual|real)\s+date\s+"
    r"(?:should\s+(?:be|read|have\s+been)|is|was|would\s+be)\b\s*:?\s*",
    re.I,
)


@dataclass(frozen=True)
class Correction:
    """The date a document says is the right one, and where it says so."""

    date: dt.date
    line: int


def find_correction(blocks: list[Block]) -> Correction | None:
    """The date correction the writer makes in their own words (quoted text aside)."""
    for block in blocks:
        if block.kind in (BlockKind.QUOTE, BlockKind.CODE) or "date" not in block.text:
            continue
        found = _CORRECTION.search(block.text)
        if not found:
            continue
        for match in times_in(block.text[found.end() : found.end() + 60]):
            if match.year is not None and match.month is not None and match.day is not None:
                try:
                    return Correction(dt.date(match.year, match.month, match.day), block.line)
                except ValueError:
                    return None
            break
    return None


def _written(match: TimeMatch) -> dt.date | None:
    if match.year is None or match.month is None or match.day is None or match.two_digit_year:
        return None
    try:
        return dt.date(match.year, match.month, match.day)
    except ValueError:
        return None


def wrong_date(matches: list[TimeMatch], correction: Correction) -> dt.date | None:
    """The one date the entries write that the correction replaces: it applies only when
    every entry that writes a full date writes the same one, and not the corrected one."""
    written = {d for m in matches if (d := _written(m)) is not None}
    written.discard(correction.date)
    if len(written) != 1:
        return None
    wrong = written.pop()
    return wrong if abs(wrong - correction.date) <= dt.timedelta(days=366) else None


def corrected(match: TimeMatch, wrong: dt.date, correction: Correction) -> TimeMatch | None:
    """``match`` with the corrected date, when it writes the wrong one; else None."""
    if _written(match) != wrong:
        return None
    right = correction.date
    return dataclasses.replace(
        match, year=right.year, month=right.month, day=right.day, weekday=None
    )
