"""Group log messages into templates online: learn with `add`, look up with `match`.

The miner masks a message (`masking.Masker`), splits it into tokens, and looks for a known
template with the same number of tokens whose constant tokens mostly agree (those that many
templates have at that position, such as the parts of a header left in the message, count
for less); the tokens that differ become ``<*>``. A message one value longer or shorter than
a template (an optional field, a list one longer) joins it when the rest fits. Unlike Drain
it does not route messages by their first tokens, so a variable at the start of a message
(a host, a proxy address) cannot split one template into hundreds; and an exact-form cache
answers the repeated masked forms that make up most of a log without any comparison.

Template ids are derived from the first masked form a template was created from, so they do
not change when the template generalises, and the same log mined twice gets the same ids.
The whole state exports to plain data (`export`) and comes back with `TemplateMiner.load`.
"""

from __future__ import annotations

import enum
import hashlib
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from operator import attrgetter, eq
from typing import Any

from retroline.logs.masking import DEFAULT_RULES, PLACEHOLDER, Masker, MaskRule

__all__ = ["Change", "Match", "MinerConfig", "Template", "TemplateMiner"]


class Change(enum.Enum):
    """What `TemplateMiner.add` did to the template a message went to."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"


@dataclass(frozen=True)
class MinerConfig:
    """Everything that tunes the miner; the defaults hold for logs in general.

    similarity: share of a template's constant tokens a message must repeat to join it.
    min_shared: constant tokens a message must share with a template to join it, so that
        two short messages that differ in a word (``LOOKING``/``FOLLOWING``) stay apart.
    word_variants: distinct plain words (no digit, no masked part) a position must show
        before it becomes a variable. Two are an alternative (``Accepted``/``Failed
        password``), usually two templates; three or more are a user name or a host.
    common_share: share of the templates that must have had a token at a position (and
        `COMMON_LEAST` at least) for the token to be common there. A common token is what
        comes before the message in lines whose header was not recognised (a level, a
        component, a separator) or a prefix many messages share: it says little about
        which template a message belongs to. So a template must also be similar on its
        other tokens, and two common words at a position (``INFO``/``FATAL``) are values
        of a field there, not two wordings.
    cache_size: masked forms remembered for the exact-form fast path (bounded memory).
    rules: the masking rules, in order.
    """

    similarity: float = 0.5
    min_shared: int = 1
    word_variants: int = 3
    common_share: float = 0.2
    cache_size: int = 200_000
    rules: tuple[MaskRule, ...] = DEFAULT_RULES


@dataclass
class Template:
    """A message template: a stable id, its tokens (``<*>`` for variables) and a count."""

    id: str
    tokens: list[str]
    count: int = 0
    #: The template this one was folded into, once a word position proved variable.
    merged_into: Template | None = field(default=None, repr=False)
    #: Per position, the plain words seen there by near-miss messages, and their templates.
    variants: dict[int, set[str]] = field(default_factory=dict, repr=False)
    siblings: list[Template] = field(default_factory=list, repr=False)
    #: Tokens with a masked part that are not one (``uid=<*>,``); -1 until counted.
    partial: int = field(default=-1, repr=False, compare=False)
    #: Its constant tokens (None for variables) and how many must be equal as they are in
    #: a message one value apart (`_one_value_apart`); None until worked out.
    strict: tuple[list[str | None], int] | None = field(default=None, repr=False, compare=False)
    #: When it joined the templates of its length: they are tried in this order.
    seq: int = field(default=0, repr=False, compare=False)

    def resolved(self) -> Template:
        """This template, or the one it was merged into."""
        template = self
        while template.merged_into is not None:
            template = template.merged_into
        return template

    @property
    def text(self) -> str:
        """The template as shown to people: tokens joined by a space."""
        return " ".join(self.tokens)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for the library: id, template text, tokens, count, and the learning
        state (the template it was merged into, word variants per position, siblings)."""
        return {
            "id": self.id,
            "template": self.text,
            "tokens": list(self.tokens),
            "count": self.count,
            "merged_into": self.merged_into.id if self.merged_into is not None else None,
            "variants": {str(i): sorted(words) for i, words in self.variants.items()},
            "siblings": [sibling.id for sibling in self.siblings],
        }


@dataclass(frozen=True)
class Match:
    """The template a message belongs to and what learning it changed."""

    template: Template
    change: Change = field(default=Change.UNCHANGED)

    @property
    def id(self) -> str:
        return self.template.id


def _template_id(masked: str) -> str:
    # 12 hex digits (48 bits): collisions among a log's few thousand templates are
    # vanishingly rare, and `_new` still resolves one.
    return hashlib.blake2b(masked.encode("utf-8", "replace"), digest_size=6).hexdigest()


class TemplateMiner:
    """An online template miner; see the module docstring for the method."""

    def __init__(self, config: MinerConfig | None = None) -> None:
        self.config = config or MinerConfig()
        self._mask = Masker(self.config.rules).mask
        self._cache: dict[str, Template] = {}
        self._seen: dict[str, Template] = {}
        self._by_length: dict[int, list[Template]] = {}
        # Per length: the templates with each constant token at each position, and those
        # with a token that may cover another (`_candidates`). Never pruned: a template
        # that changed or left its length is filtered out when found.
        self._index: dict[int, dict[tuple[int, str], list[Template]]] = {}
        self._loose: dict[int, dict[int, Template]] = {}
        self._entered = 0
        self._by_id: dict[str, Template] = {}
        # Per position, how many templates were created with each constant token there.
        self._at: list[dict[str, int]] = []
        self._created = 0

    @property
    def templates(self) -> list[Template]:
        """Every template, in the order they were created."""
        return list(self._by_id.values())

    def get(self, template_id: str) -> Template | None:
        """The template with this id, if the miner knows it."""
        return self._by_id.get(template_id)

    def add(self, message: str) -> Match:
        """Learn one message: join it to its template (generalising it) or start a new one."""
        template, change = self._learn_form(self._mask(message))
        template.count += 1
        return Match(template, change)

    def learn(self, message: str) -> Template:
        """`add` for the hot path: the message's template, counted, without a `Match`.

        A message seen before, word for word, costs one lookup: heartbeats and retries
        repeat exactly, and their masked form, hence their template, is the same.
        """
        template = self._seen.get(message)
        if template is None:
            template = self.add(message).template
            if len(self._seen) >= self.config.cache_size:
                self._seen.clear()
            self._seen[message] = template
            return template
        while template.merged_into is not None:
            template = template.merged_into
        template.count += 1
        return template

    def learn_forms(self, forms: Sequence[str], counts: Sequence[int]) -> list[str]:
        """Learn masked messages (as the miner's `Masker` gives them), each as if seen
        ``counts[i]`` times in a row: their template ids.

        A message's template follows from its masked form alone, so chunks of messages
        masked elsewhere (`jsonl.ChunkParser`, in worker processes) learn here the same
        templates, in the same order, as `add` on each message would.
        """
        known = self._cache.get
        ids = []
        for masked, count in zip(forms, counts, strict=True):
            template = known(masked)
            if template is None:
                template = self._learn_form(masked)[0]
            else:
                while template.merged_into is not None:
                    template = template.merged_into
            template.count += count
            ids.append(template.id)
        return ids

    def _learn_form(self, masked: str) -> tuple[Template, Change]:
        """The template of a masked message, learning it (not counted)."""
        template = self._cache.get(masked)
        if template is not None:
            return template.resolved(), Change.UNCHANGED
        template, change = self._learn(masked, masked.split())
        self._remember(masked, template)
        return template, change

    def match(self, message: str) -> Match | None:
        """The template a message belongs to, without learning anything (None if none fits)."""
        template = self.match_form(self._mask(message))
        return None if template is None else Match(template, Change.UNCHANGED)

    def match_form(self, masked: str) -> Template | None:
        """`match` for a masked message (as `learn_forms` takes them)."""
        template = self._cache.get(masked)
        if template is None:
            tokens = masked.split()
            found = self._best(tokens)
            if found is None:
                near = self._one_value_apart(tokens, learn=False)
                found = None if near is None else near[0]
            if found is None or found[1]:  # read-only: the template must already cover it
                return None
            template = found[0]
        return template.resolved()

    def _learn(self, masked: str, tokens: list[str]) -> tuple[Template, Change]:
        found = self._best(tokens)
        if found is None:
            near = self._one_value_apart(tokens)
            if near is None:
                return self._new(masked, tokens), Change.CREATED
            found, tokens = near
        template, differ, shared = found
        if not differ:
            return template, Change.UNCHANGED
        words = [
            i
            for i in differ
            if _alternative(template.tokens[i], tokens[i])
            and not (self._usual(i, template.tokens[i]) and self._usual(i, tokens[i]))
        ]
        if words and not self._variable_words(template, tokens, words, shared):
            sibling = self._new(masked, tokens)
            template.siblings.append(sibling)
            return sibling, Change.CREATED
        for i in differ:
            template.tokens[i] = _merge_token(template.tokens[i], tokens[i])
        template.partial, template.strict = -1, None
        self._mark_loose(template)
        if words:
            self._absorb_siblings(template)
        return template, Change.UPDATED

    def _common(self) -> float:
        """How many templates must have had a token at a position for it to be common there."""
        return max(self.config.common_share * self._created, COMMON_LEAST)

    def _usual(self, i: int, token: str) -> bool:
        """Whether many templates have had this token at this position (`MinerConfig`)."""
        return i < len(self._at) and self._at[i].get(token, 0) >= self._common()

    def _variable_words(
        self, template: Template, tokens: list[str], words: list[int], shared: int
    ) -> bool:
        """Record the words a near-miss message brings; True once every one proved variable.

        A word that is most of a short message ("onClick called" against "onDraw called")
        names the event rather than varies in it, so at least two tokens must agree.
        """
        enough = shared >= 2
        # Words that change together at several positions are more often different
        # templates (state transitions "from NEW to RUNNING") than variables: ask for more.
        needed = self.config.word_variants * (1 if len(words) == 1 else 2)
        for i in words:
            seen = template.variants.setdefault(i, {template.tokens[i]})
            seen.add(tokens[i])
            enough = enough and len(seen) >= needed
        return enough

    def _absorb_siblings(self, template: Template) -> None:
        """Fold the siblings the template now covers into it (their ids become aliases)."""
        keep = []
        for sibling in template.siblings:
            if (
                sibling.merged_into is None
                and len(sibling.tokens) == len(template.tokens)
                and _fits_all(template.tokens, sibling.tokens)
            ):
                sibling.merged_into = template
                template.count += sibling.count
                self._by_length[len(sibling.tokens)].remove(sibling)
            else:
                keep.append(sibling)
        template.siblings = keep

    def _remember(self, masked: str, template: Template) -> None:
        if len(self._cache) >= self.config.cache_size:
            self._cache.clear()
        self._cache[masked] = template

    def _new(self, masked: str, tokens: list[str]) -> Template:
        base = _template_id(masked)
        template_id, n = base, 1
        while template_id in self._by_id:
            n += 1
            template_id = f"{base}-{n}"
        template = Template(template_id, tokens)
        self._by_id[template_id] = template
        self._count(tokens)
        self._enter(template)
        return template

    def _enter(self, template: Template) -> None:
        """Put a template last among those of its length, and index its tokens."""
        n = len(template.tokens)
        self._by_length.setdefault(n, []).append(template)
        self._entered += 1
        template.seq = self._entered
        index = self._index.setdefault(n, {})
        for i, token in enumerate(template.tokens):
            if PLACEHOLDER not in token:
                index.setdefault((i, token), []).append(template)
        self._mark_loose(template)

    def _mark_loose(self, template: Template) -> None:
        """Index a template that may fit a message without sharing a constant with it."""
        tokens = template.tokens
        if _partial(tokens) or tokens.count(PLACEHOLDER) == len(tokens):
            self._loose.setdefault(len(tokens), {})[id(template)] = template

    def _candidates(
        self, n: int, tokens: Sequence[str], shifts: tuple[int, ...]
    ) -> Sequence[Template]:
        """The templates of length ``n`` that may fit a message, in the order they are tried.

        A template fits only if it shares a constant token with the message at the same
        position (``shifts``: where a message one value apart puts it) or has a token that
        may cover one: the others cannot reach `MinerConfig.min_shared`. Past `INDEXED`
        templates of a length they are looked up by token instead of tried one by one, so
        that a log of many distinct messages is not quadratic. The same templates in the
        same order either way.
        """
        bucket = self._by_length.get(n, ())
        if len(bucket) <= INDEXED or self.config.min_shared < 1:
            return bucket
        index = self._index[n]
        loose = self._loose.get(n, {})
        hits = [
            listed
            for k, token in enumerate(tokens)
            for shift in shifts
            if (listed := index.get((k + shift, token)))
        ]
        if len(loose) + sum(map(len, hits)) >= SCAN_SHARE * len(bucket):
            return bucket  # many share a token with the message: trying all is cheaper
        found = dict(loose)
        for templates in hits:
            for template in templates:
                found[id(template)] = template
        return sorted(
            (t for t in found.values() if t.merged_into is None and len(t.tokens) == n),
            key=attrgetter("seq"),
        )

    def _one_value_apart(
        self, tokens: list[str], learn: bool = True
    ) -> tuple[tuple[Template, list[int], int], list[str]] | None:
        """A template one value longer or shorter than the message that covers it but for
        that value and values with the same affixes (``<*>.exe``), as `_best` gives it, and
        the message's tokens made as long as it.

        This is an optional field ("chrome.exe *64 -" and "chrome.exe -") or a list one
        longer. Only a token that is a value and nothing else ("<*>", "*<*>", "(<*>),") may
        be absent, and the template must have two words at least (a template of values is
        like anything). A template that lacks the value gets it (as a variable) when
        learning, so that templates show every value their messages may have.
        """
        n = len(tokens)
        values = [j for j, token in enumerate(tokens) if _is_value(token)]
        for template in self._candidates(n - 1, tokens, (0, -1)) if values else ():
            # A bound first: every constant token but those that may differ by a value
            # (`_loose`) must be equal as it is, before and after the value; counted from
            # either end, in C.
            before, after, room = _bounds(template, tokens)
            for j in values:
                if before[j] + after[n - 1 - j] >= room:
                    rest = tokens[:j] + tokens[j + 1 :]
                    found = self._best(rest, (template,))
                    if found is not None and _near(found, rest):
                        if not learn:
                            return found, rest
                        self._lengthen(template, j)
                        differ = [i + (i >= j) for i in found[1]]
                        return (template, differ, found[2]), tokens
        for template in self._candidates(n + 1, tokens, (0, 1)):
            mine = template.tokens
            before, after, room = _bounds(template, tokens)
            room -= 1  # the value put in the message is the template's own
            for j, token in enumerate(mine):
                if before[j] + after[n - j] >= room and _is_value(token):
                    padded = [*tokens[:j], token, *tokens[j:]]
                    found = self._best(padded, (template,))
                    if found is not None and _near(found, padded):
                        return found, padded
        return None

    def _lengthen(self, template: Template, j: int) -> None:
        """Give a template a variable before position ``j`` (`_one_value_apart`)."""
        self._by_length[len(template.tokens)].remove(template)
        template.tokens.insert(j, PLACEHOLDER)
        if len(self._at) < len(template.tokens):
            self._at.append({})
        self._enter(template)
        template.variants = {i + (i >= j): words for i, words in template.variants.items()}
        template.partial, template.strict = -1, None

    def _count(self, tokens: Sequence[str]) -> None:
        """Count a new template's constant tokens, position by position (`_usual`)."""
        self._created += 1
        at = self._at
        while len(at) < len(tokens):
            at.append({})
        for i, token in enumerate(tokens):
            if token != PLACEHOLDER:
                at[i][token] = at[i].get(token, 0) + 1

    def _best(
        self, tokens: Sequence[str], templates: Sequence[Template] | None = None
    ) -> tuple[Template, list[int], int] | None:
        """The closest template of the same length (among ``templates`` if given), if close
        enough to join, and the positions where it does not fit the message yet (empty when
        it covers the message), and the number of constant tokens they share.
        """
        best: Template | None = None
        best_score, best_differ, best_shared = -1.0, [], 0
        threshold, min_shared = self.config.similarity, self.config.min_shared
        at = self._at
        common = self._common()
        if templates is None:
            templates = self._candidates(len(tokens), tokens, (0,))
        for template in templates:
            # A bound first, in C: tokens equal as they are, plus tokens with a masked part
            # (which may cover theirs). Most templates of the same length end here.
            mine_tokens = template.tokens
            variables = mine_tokens.count(PLACEHOLDER)
            if variables < len(mine_tokens):
                partial = template.partial
                if partial < 0:
                    partial = template.partial = _partial(mine_tokens)
                bound = sum(map(str.__eq__, mine_tokens, tokens)) + partial
                bound_score = bound / (len(mine_tokens) - variables)
                if bound_score < threshold or bound_score <= best_score:
                    continue
            constants = shared = rare = rare_shared = 0
            differ = []
            for i, (mine, theirs) in enumerate(zip(template.tokens, tokens, strict=True)):
                if mine == PLACEHOLDER:
                    continue
                constants += 1
                usual = at[i].get(mine, 0) >= common
                rare += not usual
                if mine == theirs or (PLACEHOLDER in mine and _fits(mine, theirs)):
                    shared += 1
                    rare_shared += not usual
                else:
                    differ.append(i)
            if not constants:
                score = 1.0
            elif shared < min_shared:
                continue
            else:
                score = shared / constants
                if rare:
                    score = min(score, rare_shared / rare)
            if score >= threshold and score > best_score:
                best, best_score, best_differ, best_shared = template, score, differ, shared
        return None if best is None else (best, best_differ, best_shared)

    def export(self) -> list[dict[str, Any]]:
        """The miner's state as plain data, one dict per template, for the library."""
        return [template.to_dict() for template in self._by_id.values()]

    @classmethod
    def load(
        cls, state: Iterable[dict[str, Any]], config: MinerConfig | None = None
    ) -> TemplateMiner:
        """A miner that continues from exported state: same templates, same ids."""
        miner = cls(config)
        items = list(state)
        for item in items:
            tokens = list(item.get("tokens") or str(item["template"]).split())
            template = Template(str(item["id"]), tokens, int(item.get("count") or 0))
            template.variants = {
                int(i): set(words) for i, words in (item.get("variants") or {}).items()
            }
            miner._by_id[template.id] = template
            miner._count(tokens)
        for item in items:
            template = miner._by_id[str(item["id"])]
            into = miner._by_id.get(str(item.get("merged_into") or ""))
            if into is not None and into is not template:
                template.merged_into = into
            else:
                miner._enter(template)
            template.siblings = [
                miner._by_id[sid] for sid in item.get("siblings") or () if sid in miner._by_id
            ]
        return miner


#: Templates of one length past which `TemplateMiner._candidates` looks them up by token.
INDEXED = 64
#: The share of them that, when found by token, are more cheaply all tried.
SCAN_SHARE = 0.5


#: Templates that must have had a token at a position, at least, for it to be common there
#: (`MinerConfig.common_share`): a share of the first few templates says nothing yet.
COMMON_LEAST = 8

_DELIMITER = re.compile(r"[^\w<>*]")


_DIGITS = re.compile(r"\d.*\d|^\d").search


def _is_word(token: str) -> bool:
    """A plain word, possibly part of the template: no masked part and at most one digit,
    not leading (``ssh2``, ``SOCKS5`` and ``IPv4`` are words, ``t761`` is not)."""
    return PLACEHOLDER not in token and _DIGITS(token) is None


def _is_value(token: str) -> bool:
    """A token that is a masked value and punctuation around it, no word (``*<*>``)."""
    return PLACEHOLDER in token and _VALUE_REST(token.replace(PLACEHOLDER, "")) is None


_VALUE_REST = re.compile(r"\w").search


# What follows a file name's stem: a dot and a short extension ("<*>.exe", "<*>.log").
_EXTENSION = re.compile(r"\.[A-Za-z][A-Za-z0-9]{0,3}").fullmatch


def _bounds(template: Template, tokens: Sequence[str]) -> tuple[list[int], list[int], int]:
    """For a template and a message one token apart: per count of tokens from the start,
    and from the end, how many of the template's constant tokens equal the message's; and
    how many must, those that may differ by a value left out (`_one_value_apart`)."""
    strict = template.strict
    if strict is None:
        constants = [None if token == PLACEHOLDER else token for token in template.tokens]
        loose = sum(1 for token in constants if token is not None and _LOOSE(token))
        strict = template.strict = (constants, len(constants) - constants.count(None) - loose)
    constants, needed = strict
    before = [0, *accumulate(map(eq, constants, tokens))]
    after = [0, *accumulate(map(eq, reversed(constants), reversed(tokens)))]
    return before, after, needed


# A token that may cover another, or differ from it by a value only: one with a masked
# part, or with a word and a delimiter ("<*>.exe" from "chrome.exe", "user=root").
_LOOSE = re.compile(r"<\*>|\w[^\w<>*]|[^\w<>*]\w").search


def _near(found: tuple[Template, list[int], int], tokens: Sequence[str]) -> bool:
    """Whether a template found for a message one value apart covers it but for values
    with the same affixes, and has words enough to say so (`_one_value_apart`)."""
    template, differ, _ = found
    mine = template.tokens
    return _worded(mine) and not any(_is_value(_merge_token(mine[i], tokens[i])) for i in differ)


def _worded(tokens: Sequence[str]) -> bool:
    """Whether two tokens at least are not values."""
    return sum(1 for token in tokens if not _is_value(token)) >= 2


def _alternative(mine: str, theirs: str) -> bool:
    """Whether two differing tokens may be alternative wordings rather than one variable:
    both plain words, not the same key with two values (``user=root``/``user=bob``), and
    not two file names of one kind (``chrome.exe``/``putty.exe``).
    """
    if not (_is_word(mine) and _is_word(theirs)):
        return False
    head, _, tail = _merge_token(mine, theirs).partition(PLACEHOLDER)
    return not (head.endswith(("=", ":")) or (not head and _EXTENSION(tail)))


def _fits(template_token: str, token: str) -> bool:
    """Whether a token with masked parts (``uid=<*>,``) covers a message token.

    Each ``<*>`` stands for any text, so the parts between them are found in turn, each
    as early as it occurs: linear, where a regex of ``.*?`` between the parts backtracks
    polynomially in the number of ``<*>``."""
    parts = template_token.split(PLACEHOLDER)
    if len(parts) == 1:
        return token == template_token
    first, last = parts[0], parts[-1]
    end = len(token) - len(last)
    if end < len(first) or not token.startswith(first) or not token.endswith(last):
        return False
    at = len(first)
    for part in parts[1:-1]:
        found = token.find(part, at, end)
        if found < 0:
            return False
        at = found + len(part)
    return True


def _partial(tokens: Sequence[str]) -> int:
    """How many tokens have a masked part without being one (``uid=<*>,``)."""
    return sum(1 for token in tokens if PLACEHOLDER in token and token != PLACEHOLDER)


def _fits_all(template: Sequence[str], tokens: Sequence[str]) -> bool:
    return all(
        mine in (PLACEHOLDER, theirs) or (PLACEHOLDER in mine and _fits(mine, theirs))
        for mine, theirs in zip(template, tokens, strict=True)
    )


def _merge_token(mine: str, theirs: str) -> str:
    """The most specific token covering both: their common head and tail around ``<*>``.

    The head ends and the tail starts at punctuation, so ``user=root`` and ``user=bob``
    give ``user=<*>`` and ``1190,`` and ``<*>,`` give ``<*>,``, but ``failure`` and
    ``failures`` give ``<*>``.
    """
    if mine == PLACEHOLDER:
        return mine
    limit = min(len(mine), len(theirs))
    head = 0
    while head < limit and mine[head] == theirs[head]:
        head += 1
    while head and not _DELIMITER.match(mine, head - 1):
        head -= 1
    tail = 0
    while tail < limit - head and mine[-1 - tail] == theirs[-1 - tail]:
        tail += 1
    while tail and not _DELIMITER.match(mine, len(mine) - tail):
        tail -= 1
    merged = mine[:head] + PLACEHOLDER + (mine[len(mine) - tail :] if tail else "")
    return merged
