"""Headings to the usual parts of a postmortem, whatever words a team uses for them."""

from __future__ import annotations

import re

from retroline.model import SectionKind

# Checked in order: the first kind with a matching word wins, so the more specific kinds
# ("root cause") come before the general ones ("analysis") that also match their headings.
_KEYWORDS: list[tuple[SectionKind, tuple[str, ...]]] = [
    (
        SectionKind.ACTION_ITEMS,
        (
            "action item",
            "actions",
            "action plan",
            "measures",
            "massnahmen",
            "what we will do",
            "what we are doing",
            "what we re doing",
            "what we re changing",
            "what we are changing",
            "what we ll do",
            "what we will change",
            "what i am changing",
            "what i m changing",
            "what i will change",
            "what i will do",
            "proposal",
            "recommendation",
            "we should",
            "should fix",
            "to fix",
            "we will",
            "we ll fix",
            "improvements",
            "prevention",
            "prevent",
            "going forward",
            "follow up",
            "follow-up",
            "followup",
            "next step",
            "todo",
            "to do",
            "remediation",
            "corrective",
            "preventive",
        ),
    ),
    (
        SectionKind.ROOT_CAUSE,
        ("root cause", "rca", "cause", "why it happened", "why", "trigger", "reason"),
    ),
    (SectionKind.CONTRIBUTING_FACTORS, ("contributing", "factor")),
    (
        SectionKind.TIMELINE,
        ("timeline", "time line", "chronology", "sequence of events", "what happened when"),
    ),
    (SectionKind.IMPACT, ("impact", "affected", "customer effect", "severity")),
    (SectionKind.DETECTION, ("detection", "how we found", "discovery", "alerting")),
    (
        SectionKind.MITIGATION,
        ("mitigation", "resolution", "recovery", "fix", "workaround", "remediat"),
    ),
    (
        SectionKind.LESSONS,
        (
            "lesson",
            "learned",
            "learnt",
            "went well",
            "went wrong",
            "lucky",
            "takeaway",
            "retrospective",
            "final words",
            "conclusion",
        ),
    ),
    (
        SectionKind.SUMMARY,
        (
            "summary",
            "description",
            "overview",
            "introduction",
            "problem",
            "incident report",
            "abstract",
            "tl;dr",
            "tldr",
            "background",
            "what happened",
            "at a glance",
            "in brief",
            "highlights",
            "key points",
            "key facts",
        ),
    ),
    (SectionKind.ANALYSIS, ("analysis", "investigation", "details", "discussion", "diagnosis")),
    (SectionKind.REFERENCES, ("reference", "links", "see also", "related", "attachments")),
]


def classify(title: str) -> SectionKind:
    """The kind of section a heading names (``OTHER`` when it says nothing we know).

    >>> classify("Time line of the incident")
    <SectionKind.TIMELINE: 'timeline'>
    """
    words = " " + re.sub(r"[^a-z0-9;]+", " ", title.lower()).strip() + " "
    for kind, pattern in _PATTERNS:
        if pattern.search(words):
            return kind
    return SectionKind.OTHER


# One search per kind: a key at the start of a word.
_PATTERNS = [
    (kind, re.compile(" (?:" + "|".join(re.escape(key) for key in keys) + ")"))
    for kind, keys in _KEYWORDS
]
