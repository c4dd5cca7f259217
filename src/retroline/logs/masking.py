"""Mask the obvious variables of a log message (numbers, addresses, ids...) before mining.

Masking is what lets the template miner see that ``Served block blk_-1608 to /10.0.0.1``
and ``Served block blk_7503 to /10.0.0.2`` say the same thing. Each rule is a small object,
a name and a regex; a `Masker` joins the rules, in order, into one alternation so that a
message is masked in a single pass of the regex engine rather than one pass per rule.

Every rule leaves the same placeholder, ``<*>``: the kind of value is visible in the example
lines, and one placeholder keeps masked forms of the same template identical.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from retroline.logs.timestamps import MONTH_NAMES, word_tree

__all__ = ["DEFAULT_RULES", "PLACEHOLDER", "MaskRule", "Masker"]

#: What a masked value, and a value the miner found variable, is rendered as.
PLACEHOLDER = "<*>"

# A value starts where no word character, dot or dash precedes it and ends where none follows
# (a trailing dot that ends a sentence is allowed), so "ssh2" or "SOCKS5" stay words.
_B = r"(?<![\w.\-/\\])"
_E = r"(?![\w\-/\\]|\.\w)"
_HEX = r"[0-9a-fA-F]"


# Month names, as `timestamps` reads them, and English day names, in capitals or with a
# capital first: words of a date, hence values. Three-letter names in other languages than
# English are left out, being words as well ("Set", "Out", "Ago").
_ENGLISH_MONTHS = (
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
)  # fmt: skip
_DAYS = (
    "mon", "monday", "tue", "tues", "tuesday", "wed", "wednesday", "thu", "thur", "thurs",
    "thursday", "fri", "friday", "sat", "saturday", "sun", "sunday",
)  # fmt: skip
_DATE_WORDS = sorted(
    {
        form
        for name in (*(n for n in MONTH_NAMES if len(n) > 3 or n in _ENGLISH_MONTHS), *_DAYS)
        for form in (name.capitalize(), name.upper())
    }
)
# A segment of an identifier that mixes letters and digits: "R02", "M1", "3a". Segments
# hold no "_" and separators nothing else, so a token splits one way only: with "_" in
# both, a run of underscores could be split in exponentially many ways.
_MIXED = r"(?:[a-zA-Z]+\d|\d+[a-zA-Z])[^\W_]*"
_PART = r"[^\W_]+"
# Ids are short; over longer runs the two mixed segments are looked for in cubic time.
_COMPOUND_MAX = 200
_SEP = r"[\-:._]+"


@dataclass(frozen=True)
class MaskRule:
    """One kind of variable: a name for people and a regex for the masker.

    Most rules see one token (a run of non-blanks that holds a digit, a slash, a backslash
    or an "@"), which is fast because tokens repeat and their masked form is cached. A rule
    for values written as words (a month name) has ``scope="word"`` and sees every token,
    after the token rules, once per distinct token. A rule whose values span blanks
    ("384.0 KB") has ``scope="message"``, runs on the whole message, and only when one of
    its ``gates`` (substrings) occurs in it, if it has any.
    """

    name: str
    regex: str
    scope: str = "token"
    replacement: str = PLACEHOLDER
    gates: tuple[str, ...] = ()


#: The built-in rules, most specific first: in the joined alternation the first rule that
#: matches at a position wins, so a URL is masked whole before its digits are seen.
DEFAULT_RULES: tuple[MaskRule, ...] = (
    MaskRule("url", r"\b[a-zA-Z][a-zA-Z0-9+.\-]{0,31}://[^\s\"'<>]*[^\s\"'<>\]).,;:]"),
    # The local part has 64 characters at most (RFC 5321): bounded, a long run without
    # "@" is not scanned again from each of its characters.
    MaskRule("email", r"\b[\w.+\-]{1,64}@[\w\-]+(?:\.[\w\-]+)*\.[a-zA-Z]{2,}\b"),
    MaskRule("uuid", rf"{_B}{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}{_E}"),
    MaskRule("mac", rf"{_B}(?:{_HEX}{{2}}[:\-]){{5}}{_HEX}{{2}}{_E}"),
    # An IPv4 address with its port, and the "host/address:port" form Java prints.
    MaskRule(
        "ip-port",
        r"(?<![\w.\-\\])(?:[a-zA-Z][\w.\-]*)?/?(?:\d{1,3}\.){3}\d{1,3}(?::\d{1,5})?" + _E,
    ),
    MaskRule("ipv6", rf"{_B}(?:{_HEX}{{0,4}}:){{3,7}}{_HEX}{{1,4}}{_E}"),
    MaskRule(
        "host-port",
        r"(?<![\w.\-/\\])[a-zA-Z](?=[\w\-]*[\d\-.])[\w\-]*(?:\.[\w\-]+)*:\d{1,5}" + _E,
    ),
    MaskRule(
        "datetime",
        rf"{_B}\d{{4}}-\d{{1,2}}-\d{{1,2}}(?:[T ]\d{{1,2}}:\d\d(?::\d\d)?"
        rf"(?:[.,]\d+)?(?:Z|[+\-]\d\d:?\d\d)?)?{_E}",
    ),
    # Three numbers or more joined by date and clock punctuation are one instant or one
    # version, however the fields are padded: "20171223-22:16:0:119", "2016/9/27:20:30:31".
    MaskRule("joined", rf"{_B}\d+(?:[\-:./]\d+){{2,}}{_E}"),
    MaskRule("time", rf"{_B}\d{{1,2}}:\d\d(?::\d\d)?(?:[.,]\d+)?{_E}"),
    # A month or a day written as a name ("Sun Dec 04 04:47:44 2005"): a word of its own.
    MaskRule("date-word", rf"(?<!\w){word_tree(_DATE_WORDS)}(?!\w)", scope="word"),
    MaskRule("windows-path", r"(?<![\w])[A-Za-z]:\\[^\s\"'<>|]*"),
    # A Unix path: absolute, after a space, "=", ":" or a quote (so "I/O" is no path).
    MaskRule("path", r"(?<![\w.\-/\\<>*])(?:/[\w.\-@~+%$*]+)+/?(?![\w/])"),
    # Sizes: "64KB", "384.0 B", "1190 bytes (1.16 KB)". Durations only when the unit is
    # glued ("250ms"): a spelt-out unit ("for 30 seconds") is part of the message.
    MaskRule(
        "size",
        r"\d(?<![\w.\-/\\]\d)\d*(?:\.\d+)? ?(?:[KMGT]i?B|B|bytes)"
        rf"(?: \(\d+(?:\.\d+)? ?[KMGT]i?B\))?{_E}",
        scope="message",
        gates=("B", "bytes"),
    ),
    # A bounded amount shown as "<1 sec" or ">5 ms": the bound belongs to the value. Not
    # the start of numbers joined by dots ("<0.273.0>", a process id in angle brackets).
    MaskRule(
        "bound",
        r"[<>](?<!\S[<>])=? ?\d+(?:\.\d+)?(?!\.?\d)(?: ?(?:ms|s|sec|secs|min|mins)\b)?",
        scope="message",
        gates=("<", ">"),
    ),
    MaskRule("duration", rf"{_B}\d+(?:\.\d+)?(?:ms|us|µs|ns|s|m|h|d|min|sec){_E}"),
    MaskRule("version", rf"{_B}[vV]\d+(?:\.\d+)+{_E}"),
    # A run of hex digits with a digit and a letter in it: two lookaheads, one run (a
    # letter placed by backtracking made long runs of letters quadratic).
    MaskRule("hex", rf"{_B}(?:0[xX]{_HEX}+|(?={_HEX}*\d)(?={_HEX}*[a-fA-F]){_HEX}+){_E}"),
    # An identifier glued to a number by "_" or "-": block and job ids, node names
    # (blk_-1608, appattempt_1445_0020, R02-M1-N0). Two digits at least, so that words
    # such as "utf-8" or "x-1" are left alone.
    MaskRule("id", r"(?<![\w.\-/\\])(?=[\w.\-]*\d[\w.\-]*\d)[\w.\-]*\w[_\-]-?\d[\w.\-]*" + _E),
    # An identifier of parts joined by "-", "_", ":" or ".", two of which mix letters and
    # digits: a node, a rack, a slot ("R02-M1-N0-C:J12-U11"). One such part is a word
    # ("ssh2", "IPv4-mapped").
    MaskRule(
        "compound-id",
        rf"{_B}(?=[\w\-:.]{{1,{_COMPOUND_MAX}}}(?![\w\-:.]))_*(?:{_PART}{_SEP})*?{_MIXED}(?:{_SEP}{_PART})*?{_SEP}{_MIXED}(?:{_SEP}{_PART})*_*{_E}",
    ),
    # A number; after a word and a dot too ("core.2275"), and after a dotted leader
    # ("enabled.....1") as in register dumps.
    MaskRule("number", r"(?:(?<![\w.\-/\\])|(?<=[a-zA-Z]\.)|(?<=\.\.))[\-+]?\d+(?:[.,]\d+)*" + _E),
    # A quoted value: tag="View Lock" keeps its quotes, its words become one value.
    MaskRule("quoted", r'="[^"]{1,200}"', scope="message", replacement='="<*>"', gates=('="',)),
    MaskRule(
        "boolean",
        r"(?<![\w\-])(?:true|false|null|True|False|None|TRUE|FALSE|NULL)(?![\w\-])",
        scope="message",
        gates=("true", "false", "null", "True", "False", "None", "TRUE", "FALSE", "NULL"),
    ),
)


# Tokens worth a look by the token rules: those with a digit, a slash, a backslash or an @.
_CANDIDATE = re.compile(r"[\d/\\@]").search

# Punctuation around a number that the number rule leaves in place: "(42)", "42,", "[7]:".
_OPENING = "([{"
_CLOSING = ")]},;:"

#: Distinct tokens whose masked form is remembered (bounded memory).
TOKEN_CACHE_SIZE = 100_000


# Whether the message rules change a shape's messages, and per token once they have: its
# masked text, None to keep the message's token, or "" to mask the message's token.
_Plan = tuple[bool, tuple[str | None, ...]]

# Digits 1 to 9 written as 5: a message's "shape". The built-in rules tell no digit from
# another but 0 (hex's "0x"), so they mask the same places in a message and in its shape.
# Taken on the UTF-8 bytes, ten times faster than on the text: bytes of several-byte
# characters are never ASCII digits.
_SHAPE = bytes.maketrans(b"123456789", b"555555555")

#: Shapes whose masked form (or plan) is remembered (bounded memory).
SHAPE_CACHE_SIZE = 100_000


class Masker:
    """Replace every value that a rule recognises by `PLACEHOLDER`.

    Message rules run first, each only when one of its gates occurs in the message. Then
    the message is split into tokens at blanks, and token rules, joined into one
    alternation, apply to candidate tokens only, then word rules to every token, with a
    cache of masked tokens: words,
    numbers, addresses and ids repeat, so most tokens cost one dict lookup. The result has
    single spaces between tokens.

    Most messages differ from others only in their numbers ("took 12 ms", "took 250 ms"),
    which the rules mask. So with the built-in rules a message is first looked up by its
    shape (digits 1-9 as 5): the rules mask the same places in both, and when the masked
    shape keeps no 5, nothing unmasked held such a digit, and the masked shape *is* the
    masked message. A new number then costs a translation and a lookup, not the rules.
    When the rules keep a digit ("ssh2", "t761"), the shape still tells, token by token,
    which tokens are masked whole, which are kept and which must be masked on their own.
    """

    def __init__(self, rules: Sequence[MaskRule] = DEFAULT_RULES) -> None:
        self.rules = tuple(rules)
        token_rules = [rule.regex for rule in self.rules if rule.scope == "token"]
        joined = "|".join(f"(?:{regex})" for regex in token_rules) or r"(?!)"
        self._token_sub = re.compile(joined).sub
        word_rules = [rule.regex for rule in self.rules if rule.scope == "word"]
        self._word_sub = (
            re.compile("|".join(f"(?:{regex})" for regex in word_rules)).sub if word_rules else None
        )
        self._message_rules = [
            (re.compile(rule.regex).sub, rule.replacement, rule.gates)
            for rule in self.rules
            if rule.scope == "message"
        ]
        self._cache: dict[str, str] = {}
        # Shape -> what it tells of its messages (`_learn_shape`).
        self._shapes: dict[bytes, str | _Plan] | None = (
            {} if all(rule in DEFAULT_RULES for rule in self.rules) else None
        )

    def _token(self, token: str) -> str:
        core = token.lstrip(_OPENING)
        head = token[: len(token) - len(core)]
        number = core.rstrip(_CLOSING)
        if number.isdecimal():
            # A plain number, maybe in brackets or before a comma: the commonest new token,
            # masked as the number rule would, without the regex.
            masked = head + PLACEHOLDER + core[len(number) :]
        else:
            masked = self._token_sub(PLACEHOLDER, token) if _CANDIDATE(token) else token
            if self._word_sub is not None:
                masked = self._word_sub(PLACEHOLDER, masked)
        if len(self._cache) >= TOKEN_CACHE_SIZE:
            self._cache.clear()
        self._cache[token] = masked
        return masked

    def mask(self, message: str) -> str:
        """The message with its recognised values replaced by ``<*>``.

        >>> Masker().mask("Served block blk_-1608 to /10.0.0.1:50010")
        'Served block <*> to <*>'
        """
        shapes = self._shapes
        if shapes is None:
            return self._apply(message)
        shape = message.encode("utf-8", "surrogatepass").translate(_SHAPE)
        known = shapes.get(shape)
        if known is None:
            known = self._learn_shape(shape.decode("utf-8", "surrogatepass"))
            if len(shapes) >= SHAPE_CACHE_SIZE:
                shapes.clear()
            shapes[shape] = known
        if known.__class__ is str:
            return cast(str, known)
        ruled, plan = cast(_Plan, known)
        if ruled:
            message = self._message_rules_applied(message)
        get = self._cache.get
        return " ".join(
            [
                token if part is None else part or get(token) or self._token(token)
                for token, part in zip(message.split(), plan, strict=True)
            ]
        )

    def _learn_shape(self, shape: str) -> str | _Plan:
        """What a shape tells of the messages that have it: their masked form, or, when the
        rules keep some digit, a plan per token (`_Plan`)."""
        # The message rules change the same places in a message as in its shape, so that
        # the tokens after them match one to one.
        ruled = self._message_rules_applied(shape)
        tokens = ruled.split()
        done = self._tokens_masked(tokens)
        masked = " ".join(done)
        if "5" not in masked:
            return masked
        # A masked token without a 5 is the message's masked token; a token the rules left
        # alone is left alone in the message; the others are masked one by one.
        plan = tuple(
            part if "5" not in part else None if part == token else ""
            for token, part in zip(tokens, done, strict=True)
        )
        return ruled != shape, plan

    def _apply(self, message: str) -> str:
        """The rules themselves on one message."""
        return " ".join(self._tokens_masked(self._message_rules_applied(message).split()))

    def _tokens_masked(self, tokens: list[str]) -> list[str]:
        get = self._cache.get
        return [get(token) or self._token(token) for token in tokens]

    def _message_rules_applied(self, message: str) -> str:
        for sub, replacement, gates in self._message_rules:
            if gates:
                for gate in gates:
                    if gate in message:
                        break
                else:
                    continue
            message = sub(replacement, message)
        return message
