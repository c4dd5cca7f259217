"""Hypotheses against facts: which facts a proposed cause accounts for, and which it leaves
unexplained.

A fact counts as explained when the hypothesis speaks of the same things: enough of the
fact's content words (names, components, symptoms) appear in the hypothesis. It is a reading
aid that points at gaps, not a proof; the report says so.
"""

from __future__ import annotations

import re

# Share of a fact's content words the hypothesis must mention for the fact to count as
# explained: a third keeps "memory usage rose" linked to a hypothesis about memory, while
# "the ITB instance was not affected" stays open unless the hypothesis speaks of ITB.
EXPLAINED_SHARE = 0.34

_STOP = set(
    [
        "about",
        "above",
        "after",
        "again",
        "against",
        "also",
        "although",
        "among",
        "another",
        "because",
        "been",
        "before",
        "being",
        "between",
        "both",
        "cannot",
        "could",
        "did",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "either",
        "else",
        "even",
        "ever",
        "every",
        "from",
        "further",
        "have",
        "having",
        "here",
        "into",
        "just",
        "know",
        "known",
        "like",
        "made",
        "make",
        "many",
        "might",
        "more",
        "most",
        "much",
        "must",
        "never",
        "none",
        "only",
        "other",
        "over",
        "same",
        "should",
        "since",
        "some",
        "still",
        "such",
        "than",
        "that",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "though",
        "through",
        "thus",
        "under",
        "until",
        "upon",
        "very",
        "were",
        "what",
        "when",
        "where",
        "whether",
        "which",
        "while",
        "whom",
        "whose",
        "will",
        "with",
        "within",
        "without",
        "would",
        "your",
        "data",
        "issue",
        "problem",
        "cause",
        "caused",
    ]
)


def content_words(text: str) -> set[str]:
    """The words of a sentence that carry its meaning (not "the", "would", "issue")."""
    return {w for w in re.findall(r"[a-z0-9][a-z0-9_.-]{3,}", text.lower()) if w not in _STOP}


def against_facts(hypothesis: str, facts: list[str]) -> tuple[list[str], list[str]]:
    """The facts ``hypothesis`` explains and those it leaves unexplained, in order."""
    words = content_words(hypothesis)
    explains: list[str] = []
    unexplained: list[str] = []
    for fact in facts:
        needed = content_words(fact)
        share = len(needed & words) / len(needed) if needed else 0.0
        (explains if share >= EXPLAINED_SHARE else unexplained).append(fact)
    return explains, unexplained
