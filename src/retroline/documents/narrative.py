"""Narrative prose to timeline entries: the events of a story told in sentences.

Blog posts and forum write-ups have no timeline list; their events are sentences that say
when something happened ("At about 3:15 PM a second disk dropped out", "On Saturday
morning I came in"). A sentence gives an event when it names a clock time, or a day in the
way stories move forward ("On Friday", "The next morning"). Mentions that only refer back
("the write-up I promised on Friday"), speculate ("why it started at 8PM"), or sit in
parentheses are not events.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from dataclasses import dataclass, replace

from retroline.documents.blocks import Block, BlockKind, Parsed
from retroline.when import TimeMatch, find_times

_SENTENCE = re.compile(r"(?<=[.!?])[\"')\]]?\s+(?=[A-Z0-9(\"'])")
# Sentences about the writing itself or guesses about causes: their times are not events.
_NOT_A_STORY = re.compile(
    r"\b(why(?=\s+\w)|wonder|guess|don't understand|do not understand|not sure|maybe|perhaps|probably"
    r"|might|could have|would have|promised|this (post|write-?up)|write-?up|as discussed"
    r"|next time|in the future|tomorrow|every day|each day|usually|normally"
    r"|looking back|in hindsight|in retrospect|should(?:\s+\w+)?\s+(?:have|never)"
    r"|the plan was|planned to|(?:was|were) going to)\b"
    # "Updated January 9, 2024, 6:15 PM: fixed a number": the writer's note on the post
    r"|^(?:updated?|edit(?:ed)?)\b[^:.]{0,50}:"
    # "On 16/04/16 10:09, Karanbir Singh wrote:": the attribution of a quoted message
    r"|\bwrote:?\s*$",
    re.IGNORECASE,
)
# Day words that move a story forward; "this morning" and "today" are the day of writing,
# "last night" alone is usually a reference back ("Until last night.").
_STORY_DAY = re.compile(
    r"^(?:on\s+(?:the\s+)?\w+|the\s+(?:next|following)\s+\w+|(?:mon|tues|wednes|thurs|fri|satur|sun)day\s+"
    r"(?:morning|afternoon|evening|night))",
    re.IGNORECASE,
)
# "7 in the evening" is a clock time people write in prose; read it as one.
_HOUR_WORDS = (
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
)
_PART_OF_DAY_HOUR = re.compile(
    # not "half past two in the afternoon": a clock spelled out, told by its digits if at all
    r"(?<!past )(?<!to )\b(?P<h>1[0-2]|[1-9]|" + "|".join(_HOUR_WORDS) + r")(?::(?P<m>[0-5]\d))?"
    r" (?:in the|at|that|this|last) (?P<part>morning|afternoon|evening|night)\b",
    re.IGNORECASE,
)

# "Sometime around 9 I noticed": an hour alone after a word of approximation, told as a
# clock time only where a word or a stop follows, never a count ("about 9 devices").
_ABOUT_HOUR = re.compile(
    r"\b(?:around|about|roughly)\s(?P<h>1[0-2]|[1-9])"
    r"(?=\s*(?:[,;.](?!\d)|$)|\s(?:I|we|he|she|they|o'clock)\b)",
    re.IGNORECASE,
)


@dataclass
class StoryEntry:
    """A clause of a sentence with the time expression that places it."""

    match: TimeMatch
    text: str
    block: Block


def _clock_words(sentence: str) -> str:
    """The sentence with "7 in the evening" written as "7 PM" and "around 9 I" as "~9:00 I",
    keeping every offset."""

    def as_clock(found: re.Match[str]) -> str:
        word = found["h"].lower()
        number = _HOUR_WORDS.index(word) + 1 if word in _HOUR_WORDS else int(word)
        hour = str(number) + (":" + found["m"] if found["m"] else "")
        part = found["part"].lower()
        # "11 at night" is 23:00, "2 at night" is 02:00; a morning is AM, the rest PM.
        suffix = "AM" if part == "morning" or (part == "night" and number < 6) else "PM"
        text = f"{hour} {suffix}"
        return text + " " * (len(found.group(0)) - len(text))

    def about_clock(found: re.Match[str]) -> str:
        text = f"~{found['h']}:00"
        return text + " " * (len(found.group(0)) - len(text))

    return _ABOUT_HOUR.sub(about_clock, _PART_OF_DAY_HOUR.sub(as_clock, sentence))


def _as_written(sentence: str, match: TimeMatch) -> TimeMatch:
    """The match with the sentence's own words ("around 9", not "~9:00")."""
    about = _ABOUT_HOUR.match(sentence, match.start)
    end = about.end() if about else match.end
    return replace(match, end=end, text=sentence[match.start : end])


class _Brackets:
    """Where a sentence's round brackets are, to ask of each of its times whether it stands in
    an aside without reading the sentence again for each (a sentence of thousands of times
    would take time growing with their square)."""

    def __init__(self, sentence: str) -> None:
        self.sentence = sentence
        self.opens = [i for i, c in enumerate(sentence) if c == "("] if "(" in sentence else []
        self.closes = [i for i, c in enumerate(sentence) if c == ")"] if self.opens else []

    def aside(self, match: TimeMatch) -> bool:
        """A time in an aside ("(the deploy at 14:00 was unrelated)") is not the sentence's;
        a bracket that holds the time alone spells out the sentence's own ("half past two
        (14:32 UTC)")."""
        at = match.start
        before = bisect_left(self.opens, at)
        if before <= bisect_left(self.closes, at):
            return False
        opened = self.opens[before - 1]
        after = bisect_left(self.closes, match.end)
        if after == len(self.closes):
            return True
        closed = self.closes[after]
        return bool(
            _INK.search(self.sentence, opened + 1, at)
            or _INK.search(self.sentence, match.end, closed)
        )


_INK = re.compile(r"\S")  # what str.strip() keeps: re's \s is str.isspace()


def _after_span_word(sentence: str, end: int) -> bool:
    """Whether `sentence[:end]` ends as a span begins ("started at", "from"): `_SPAN_START`
    searched in the end of it only. The pattern reaches back from the end over at most 31
    characters and a word, so no more is read (the whole of it, for each time of a long
    sentence, took time growing with the square of its length)."""
    start = max(0, end - _SPAN_REACH)
    while start > 0 and _WORD.match(sentence, start - 1):
        start -= 1
    return bool(_SPAN_START.search(sentence, start, end))


def _after_on(sentence: str, end: int) -> bool:
    """Whether `sentence[:end]`, spaces at its end left out, ends in "on" or "on the" (in any
    case), reading only its end."""
    while end > 0 and sentence[end - 1].isspace():
        end -= 1
    return sentence[max(0, end - 8) : end].lower().endswith(("on", "on the"))


def _usable(match: TimeMatch, sentence: str, brackets: _Brackets) -> bool:
    if brackets.aside(match):
        return False
    if match.is_range and not _after_span_word(sentence, match.start):
        return False  # "between 14:00 and 15:00" alone: a window, not a moment of the story
    if match.has_time or match.is_offset:
        return True  # a clock time, or "twenty minutes later" from the sentence before
    if match.relative is not None:
        return bool(_STORY_DAY.match(match.text.strip()))
    # "On 3 March we ..." and "Last Tuesday, 5 March, we ..." tell the story; "set up in
    # 2016" does not.
    return match.day is not None and (_after_on(sentence, match.start) or match.weekday is not None)


# "The downtime started at 4:29PM and ended at 7:27PM": one span, told as its two ends.
_SPAN_START = re.compile(r"\b(?:start\w*|beg[ai]n\w*|from|between)\b[^.;]{0,30}$", re.I)
_SPAN_END = re.compile(
    r"\s*,?\s*(?:and\s+)?(?:it\s+|was\s+)?(?:ended|ending|end|finished|stopped|lasted\s+until"
    r"|until|till|to|through|resolved|restored|recovered|fixed)(?:\s+(?:at|around|about|by))?\s*",
    re.I,
)
# How far back from its end `_SPAN_START` can begin, but for a longer word: "between", a
# space, 30 characters and a newline before the end.
_SPAN_REACH = len("between") + 31
_WORD = re.compile(r"\w")


def _spans(sentence: str, matches: list[TimeMatch]) -> list[TimeMatch]:
    """The matches with a span told as its two ends joined into one range."""
    joined: list[TimeMatch] = []
    for match in matches:
        if (
            joined
            and (first := joined[-1]).has_time
            and match.has_time
            and not first.is_range
            and not match.is_range
            and _after_span_word(sentence, first.start)
            and _SPAN_END.fullmatch(sentence[first.end : match.start])
        ):
            joined[-1] = replace(first, range_end=match)
            continue
        joined.append(match)
    return joined


def _day_with_clock(matches: list[TimeMatch]) -> list[TimeMatch]:
    """ "The next day (Wednesday) we uploaded the record ... at 10:05 UTC": a sentence that
    names its day and, later, its one clock time tells one event, on that day at that time."""
    days = [m for m in matches if not m.has_time and (m.day is not None or m.relative)]
    clocks = [m for m in matches if m.has_time and not m.has_date and m.relative is None]
    if len(days) != 1 or len(clocks) != 1 or len(matches) != 2 or days[0].start > clocks[0].start:
        return matches
    day, clock = days[0], clocks[0]
    merged = replace(
        day,
        end=clock.end,
        text=f"{day.text} {clock.text}",
        hour=clock.hour,
        minute=clock.minute,
        second=clock.second,
        zone=clock.zone,
        precision=clock.precision,
        approximate=clock.approximate or (day.relative is not None and day.relative.offset is None),
    )
    return [merged]


def _clauses(sentence: str, matches: list[TimeMatch]) -> list[tuple[TimeMatch, str]]:
    """Split a sentence with several times into one clause per time."""
    if len(matches) == 1:
        return [(matches[0], sentence)]
    found = []
    start = 0
    for i, match in enumerate(matches):
        end = len(sentence)
        if i + 1 < len(matches):
            nxt = matches[i + 1].start
            cut = max(sentence.rfind(" and ", match.end, nxt), sentence.rfind(", ", match.end, nxt))
            end = cut if cut >= match.end else nxt
        found.append((match, sentence[start:end].strip(" ,;")))
        start = end + (5 if sentence.startswith(" and ", end) else 1)
    return found


def story_entries(parsed: Parsed) -> list[StoryEntry]:
    """The events of the document's prose paragraphs, in order.

    When the writer's own paragraphs tell no time (a cover note over a quoted or forwarded
    message, a re-post with a correction), the quoted message is the story.
    """
    told = _told(parsed, (BlockKind.PARAGRAPH,))
    if any(entry.match.has_time for entry in told):
        return told
    quoted = _told(parsed, (BlockKind.PARAGRAPH, BlockKind.QUOTE))
    return quoted if any(entry.match.has_time for entry in quoted) else told


# "Comments (3)", "12 replies": the readers' part under a post, no longer the story.
_COMMENTS = re.compile(
    r"^\s*(?:(?:\d+\s+)?(?:comments?|replies|responses)\b(?:\s*\(\d+\))?\s*$"
    r"|(?:reply|response|comment)\s+(?:from|by)\b)",
    re.I,
)


def _told(parsed: Parsed, kinds: tuple[BlockKind, ...]) -> list[StoryEntry]:
    entries: list[StoryEntry] = []
    for block in parsed.blocks:
        if block.kind in (BlockKind.HEADING, BlockKind.PARAGRAPH) and _COMMENTS.match(block.text):
            break
        if block.kind not in kinds:
            continue
        for sentence in _SENTENCE.split(block.text):
            sentence = sentence.strip()
            if not sentence or _NOT_A_STORY.search(sentence):
                continue
            readable = _clock_words(sentence)
            found = [m for m in find_times(readable) if m.has_time or not m.is_range]
            brackets = _Brackets(readable)
            matches = [
                _as_written(sentence, m)
                for m in _spans(readable, found)
                if _usable(m, readable, brackets)
            ]
            if any(m.has_time for m in matches):
                # "paged at 09:14 and joined a minute later": the clock time tells the event.
                matches = [m for m in matches if not m.is_offset]
            matches = _day_with_clock(matches)
            for match, clause in _clauses(sentence, matches):
                entries.append(StoryEntry(match, clause, block))
    return entries
