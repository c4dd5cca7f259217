"""Evidence made inert: every control, escape and reordering character shown as its escape,
ordinary text of any script untouched, and only web and mail links live."""

from __future__ import annotations

import pytest

from retroline.inert import inert, safe_url
from tests.conftest import modules_spelling

# Text people write: accents, CJK, right-to-left script with its zero-width non-joiner, emoji
# joined by ZWJ, a subdivision flag made of tag characters, a soft hyphen, tabs and newlines.
ORDINARY = (
    "Zürich café naïve — 東京の障害 · 서버 · می‌خواهم · עברית\n"
    "🚀 👩\u200d💻 🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f "
    "co\u00adoperate\tcount\t42"
)


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("\x1b[2Jcleared", "\\x1b[2Jcleared"),
        ("\x1b]0;pwned\x07title", "\\x1b]0;pwned\\x07title"),
        (
            "\x1b]8;;https://evil.example\x07here\x1b]8;;\x07",
            "\\x1b]8;;https://evil.example\\x07here\\x1b]8;;\\x07",
        ),
        ("bell\x07", "bell\\x07"),
        (
            "nul\x00 bs\x08 cr\r vt\x0b ff\x0c us\x1f",
            "nul\\x00 bs\\x08 cr\\x0d vt\\x0b ff\\x0c us\\x1f",
        ),
        ("del\x7f", "del\\x7f"),
        ("\x9b31mcsi \x9d0;t\x9c nel\x85", "\\x9b31mcsi \\x9d0;t\\x9c nel\\x85"),
        ("\u202eevil\u202c", "\\u202eevil\\u202c"),
        ("\u202a\u202b\u202d", "\\u202a\\u202b\\u202d"),
        ("\u2066\u2067\u2068\u2069", "\\u2066\\u2067\\u2068\\u2069"),
        ("\u200e\u200f\u061c", "\\u200e\\u200f\\u061c"),
        ("zero\u200bwidth\ufeff\u2060", "zero\\u200bwidth\\ufeff\\u2060"),
        ("\ufff9annotated\ufffb", "\\ufff9annotated\\ufffb"),
        ("lang\U000e0001", "lang\\U000e0001"),
        ("file\udcff.md", "file\\udcff.md"),  # an undecodable byte of a file name
    ],
)
def test_each_kind_of_sequence_is_shown_escaped(text: str, shown: str) -> None:
    assert inert(text) == shown


def test_every_c0_and_c1_control_but_newline_and_tab_is_escaped() -> None:
    for code in [*range(0x20), *range(0x7F, 0xA0)]:
        char = chr(code)
        expected = char if char in "\n\t" else f"\\x{code:02x}"
        assert inert(char) == expected, hex(code)


def test_on_one_line_newlines_and_tabs_are_escaped_too() -> None:
    assert inert("a\nb\tc\x1b", lines=False) == "a\\x0ab\\x09c\\x1b"
    assert inert("a\nb\tc") == "a\nb\tc"


def test_ordinary_text_is_unchanged() -> None:
    assert inert(ORDINARY) == ORDINARY
    assert inert("[bold]not markup[/bold] <b> &amp; C:\\path\\x1b") == (
        "[bold]not markup[/bold] <b> &amp; C:\\path\\x1b"
    )


@pytest.mark.parametrize("lines", [True, False])
def test_idempotent(lines: bool) -> None:
    hostile = "\x1b[2J\x1b]0;t\x07\u202e\x9b\x7f\udcff\U000e0001\n\t" + ORDINARY
    once = inert(hostile, lines=lines)
    assert inert(once, lines=lines) == once
    assert inert(once) == once


@pytest.mark.parametrize(
    ("url", "kept"),
    [
        ("https://x.org/a", True),
        ("HTTP://x.org/a", True),
        ("mailto:a@b", True),
        ("javascript:alert(1)", False),
        ("JaVaScRiPt:alert(1)", False),
        ("java\tscript:alert(1)", False),
        (" data:x", False),
        ("data:text/html;base64,PHNjcmlwdD4=", False),
        ("vbscript:msgbox(1)", False),
        ("file:///etc/passwd", False),
        ("notes/x.md", False),
        ("http://[malformed", False),
    ],
)
def test_safe_url(url: str, kept: bool) -> None:
    assert (safe_url(url) is not None) is kept


def test_the_rule_for_links_is_written_once() -> None:
    assert modules_spelling(r'"mailto"', allowed=("inert.py",)) == []
