"""Markup shaped to make a backtracking scan quadratic is read in linear time, and as before.

The large inputs here took the old regular expressions seconds (the wiki links 15 to 20 s,
format detection, capped at 50,000 characters, 3 to 4 s); they are read now in milliseconds.
No timing is asserted: a return to the quadratic scans shows as a suite that hangs. The
scans that replaced the expressions are checked against them on small inputs.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retroline.documents.actions import _STATUS, _TICKET
from retroline.documents.dialects import (
    _double_brackets,
    _labelled_link,
    _mw_inline,
    _mw_link,
    _plain_link,
    _twiki_inline,
)
from retroline.documents.formats import _TABLE, Format, _count_links, detect
from retroline.documents.metadata import _ATTR
from retroline.documents.plain import _FLAT_QUOTE, STAMPED
from retroline.documents.read import _links
from retroline.documents.stamps import _AFTER_HEADER
from retroline.model import Source

MANY = 30_000


def test_a_twiki_line_of_open_brackets_keeps_its_links() -> None:
    line = "[[" * MANY + "Main.WebHome] then [[Main.WebHome][home]] and [[WebStatistics]]"
    assert _twiki_inline(line) == "[[" * MANY + "Main.WebHome] then home and WebStatistics"


def test_a_mediawiki_line_of_open_brackets_keeps_its_links() -> None:
    line = "[[" * MANY + "Main Page] then [[Main Page|home]] and [[Help]]"
    assert _mw_inline(line) == "[[" * MANY + "Main Page] then home and Help"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param(
            "See [the runbook](https://wiki/runbook) and [the graph](https://g/1).\n"
            + "[" * 49_000,
            Format.MARKDOWN,
            id="links-then-open-brackets",
        ),
        pytest.param(
            "| at | what |\n|----|------|\n| 09:00 | paged |\n" + "\n" * 49_000,
            Format.MARKDOWN,
            id="table-then-blank-lines",
        ),
        pytest.param(
            "| at | what |" + "\n" * 49_000 + "|----|------|\n",
            Format.MARKDOWN,
            id="table-rows-apart",
        ),
        pytest.param("| at | what |" + "\n" * 49_000 + "x", Format.TEXT, id="row-alone"),
    ],
)
def test_detection_on_a_head_of_brackets_or_blank_lines(text: str, expected: Format) -> None:
    assert detect(text, "notes.txt") is expected


# The expressions the scans replaced, and the table pattern before its whitespace was bounded.
OLD_LABELLED = r"\[\[([^\]]+)\]\[([^\]]+)\]\]"
OLD_PLAIN = r"\[\[([^\]]+)\]\]"
OLD_MEDIAWIKI = r"\[\[(?:[^|\]]*\|)?([^\]]+)\]\]"
OLD_LINK = r"\[[^\]\n]+\]\([^)\s]+\)"
OLD_TABLE = r"^\s*\|.*\|\s*$\n^\s*\|[\s:|-]+\|\s*$"


def _pieces(*pieces: str) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(pieces), max_size=30).map("".join)


@given(_pieces("[", "[[", "]", "]]", "][", "|", "a", " ", "\n"))
def test_wiki_links_are_replaced_as_the_expressions_did(text: str) -> None:
    assert _double_brackets(text, _labelled_link) == re.sub(OLD_LABELLED, r"\2", text)
    assert _double_brackets(text, _plain_link) == re.sub(OLD_PLAIN, r"\1", text)
    assert _double_brackets(text, _mw_link) == re.sub(OLD_MEDIAWIKI, r"\1", text)


@given(_pieces("[", "]", "(", ")", "](", "a", " ", "\n", "[a](b)"))
def test_markdown_links_are_counted_as_the_expression_did(text: str) -> None:
    assert _count_links(text) == len(re.findall(OLD_LINK, text, re.M))


@given(_pieces("|", "-", ":", " ", "\t", "\r", "\n", "\n\n", "a", "| a |", "|---|"))
def test_tables_are_counted_as_the_expression_did(text: str) -> None:
    assert len(_TABLE.findall(text)) == len(re.findall(OLD_TABLE, text, re.M))


def test_a_twiki_line_of_open_emphasis_keeps_its_markup() -> None:
    # Every `*` opens a span that never closes: each was scanned to the end of the line.
    line = "*a " * 70_000 + "=code= and %MACRO{" * 5_000
    assert _twiki_inline(line) == "*a " * 70_000 + "code and %MACRO{" * 5_000


def test_a_mediawiki_line_of_open_references_templates_and_links_is_kept() -> None:
    line = "<ref>a" * 35_000 + "{{a" * 70_000 + "[http://a b " * 17_000 + "and [[Help]]"
    assert _mw_inline(line) == line.replace("[[Help]]", "Help")


# The inline expressions before their spans were bounded; on lines shorter than the bounds
# the bounded ones do the same.
OLD_EMPHASIS = r"(?<!\w)([*_=]{1,2})(\S(?:.*?\S)?)\1(?!\w)"
OLD_REF = r"<ref[^>]*/>|<ref[^>]*>.*?</ref>"
OLD_TEMPLATE = r"\{\{[^}]*\}\}"
OLD_MACRO = r"%[A-Z][A-Z0-9_]*(\{[^}]*\})?%"


@given(_pieces("*", "=", "_", "a", " ", "%", "A", "{", "}", "\n"))
def test_twiki_emphasis_and_macros_as_the_expressions_did(text: str) -> None:
    before = re.sub(OLD_EMPHASIS, r"\2", re.sub(OLD_MACRO, "", text))
    assert _twiki_inline(text) == re.sub(
        r"</?(ins|verbatim|pre|nop|noautolink|literal)>", "", before
    )


@given(_pieces("<ref>", "<ref name=a/>", "</ref>", "{{", "}}", "a", " ", ">", "/", "''", "<tt>"))
def test_mediawiki_references_and_templates_as_the_expressions_did(text: str) -> None:
    before = re.sub(OLD_TEMPLATE, "", re.sub(r"'{2,5}", "", re.sub(OLD_REF, "", text)))
    assert _mw_inline(text) == re.sub(r"</?(code|tt|nowiki|span|small|big|s|u)[^>]*>", "", before)


def test_a_line_of_open_brackets_keeps_the_links_after_it() -> None:
    # Each "[" was scanned to the end of the line for a "](": 200,000 took 4 minutes.
    line = "[" * 200_000 + " see [the graph](https://g.example/1) and [[https://w.example/x][wiki]]"
    links = _links([(line, Source(path="notes.md", line=1))])
    assert [(link.url, link.text) for link in links] == [
        ("https://g.example/1", "the graph"),
        ("https://w.example/x", "wiki"),
    ]


# Unbounded, as before (but a label now starts after the last "[", as in CommonMark).
OLD_MD_LINK = r"\[([^\[\]\n]+)\]\((https?://[^)\s]+)\)"
OLD_TWIKI_LINK = r"\[\[(https?://[^\]]+)\]\[([^\]]+)\]\]"


@given(_pieces("[", "]", "(", ")", "](", "][", "a", " ", "http://h", "https://s/p"))
def test_links_are_labelled_as_the_expressions_did(text: str) -> None:
    labelled = {m[2]: m[1] for m in re.finditer(OLD_MD_LINK, text)}
    labelled.update({m[1]: m[2] for m in re.finditer(OLD_TWIKI_LINK, text)})
    for link in _links([(text, Source(path="notes.md", line=1))]):
        assert link.text == labelled.get(link.url, link.url)


# Expressions that were scanned again from each character of a long run (of spaces, of
# letters, of unclosed values), and the same ones before their start was anchored.
OLD_STATUS = (
    r"\b(?:status\s*[:=]\s*)?(?P<status>done|completed?|closed|open|in progress|todo|to do|wip|"
    r"blocked|planned|ongoing)\b\s*\)?\s*$|\((?P<paren>done|completed?|closed|open|in progress|"
    r"todo|wip|blocked|planned|ongoing)\)"
)
RUNS = [
    (_TICKET, r",?\s*\b[A-Z][A-Z0-9]+-\d+\b", " " * 200_000, "x, OPS-12"),
    (_ATTR, r'(\w+)="([^"]*)"', "_" * 200_000, ' a="1"' + ' b="' * 50_000),
    (_FLAT_QUOTE, r"\s+(?=>(?:\s|$))", " " * 200_000, "x > a > b"),
    (_STATUS, OLD_STATUS, "done" + " " * 200_000, "x (done)"),
]


@pytest.mark.parametrize(
    ("pattern", "old", "run", "rest"), RUNS, ids=["ticket", "attr", "quote", "status"]
)
def test_long_runs_are_scanned_once(
    pattern: re.Pattern[str], old: str, run: str, rest: str
) -> None:
    # The run matches nothing, and what follows it matches as before; in one pass (the old
    # expressions took minutes on the run).
    found = [m.group(0) for m in pattern.finditer(run + rest)]
    assert found == [m.group(0) for m in re.finditer(old, rest, pattern.flags & re.I)]
    assert found


@given(_pieces(" ", "\t", ",", "OPS-1", "a", "_", "=", '"', ">", "\n", 'k="v"', "done", "(", ")"))
def test_anchored_runs_match_as_the_expressions_did(text: str) -> None:
    for pattern, old, _, _ in RUNS:
        flags = pattern.flags & re.I
        assert [m.span() for m in pattern.finditer(text)] == [
            m.span() for m in re.finditer(old, text, flags)
        ]


OLD_STAMPED_HEAD = r"^\s*[\[(#>]?\s*"
OLD_AFTER_HEADER = r"^[\s\-–—·|:()]*(?:edited)?[\s)]*$"


def test_stamps_and_comment_headers_after_long_runs_of_spaces() -> None:
    # Two runs of spaces that may split a long run every way (200,000 spaces: hours).
    run = " " * 200_000
    assert STAMPED.match(run + "x") is None
    assert STAMPED.match(run + "[2024-03-01 10:00:00] paged") is not None
    assert _AFTER_HEADER.match(run + "x") is None
    assert _AFTER_HEADER.match(run + "(edited)" + run) is not None


@given(_pieces(" ", "\t", "[", "(", "#", ">", ")", "-", "edited", "x", "2024-03-01 10:00:00"))
def test_stamps_and_comment_headers_as_the_expressions_did(text: str) -> None:
    old_stamped = OLD_STAMPED_HEAD + STAMPED.pattern.split(r"(?:[\[(#>]\s*+)?", 1)[1]
    assert bool(STAMPED.match(text)) == bool(re.match(old_stamped, text))
    assert bool(_AFTER_HEADER.match(text)) == bool(re.match(OLD_AFTER_HEADER, text, re.I))
