"""Masking by shape gives what the rules give, message by message."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from retroline.logs.masking import DEFAULT_RULES, Masker, MaskRule

# Digits, the characters around values, letters that start units and hex numbers, a
# character of several bytes and a lone surrogate.
_ALPHABET = 'ab xfBK0123456789.:/-_=<>"@()[],é\ud800'


def test_no_built_in_rule_tells_one_digit_from_another() -> None:
    """What masking by shape rests on: no rule names a digit 1-9 (0 is kept in shapes)."""
    for rule in DEFAULT_RULES:
        # Quantifiers count characters, and a range of all digits takes any.
        bare = re.sub(r"\{\d+(?:,\d*)?\}|0-9", "", rule.regex)
        assert not re.search(r"[1-9]", bare), rule.name


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(alphabet=_ALPHABET, max_size=40), min_size=1, max_size=25))
def test_masking_by_shape_gives_what_the_rules_give(messages: list[str]) -> None:
    shaped = Masker()
    for message in messages:  # one masker: shapes learnt from earlier messages are reused
        assert shaped.mask(message) == Masker()._apply(message)


def test_shapes_are_used_and_digits_the_rules_keep_are_kept() -> None:
    masker = Masker()
    assert masker.mask("took 12 ms on port 8181") == "took <*> ms on port <*>"
    assert masker.mask("took 34 ms on port 2222") == "took <*> ms on port <*>"
    assert masker._shapes is not None and len(masker._shapes) == 1
    # "ssh2" is a word the rules keep: its shape ("ssh5") cannot stand for "ssh3".
    assert masker.mask("Accepted password via ssh2") == "Accepted password via ssh2"
    assert masker.mask("Accepted password via ssh3") == "Accepted password via ssh3"


def test_rules_of_ones_own_are_applied_as_written() -> None:
    """A rule of the user's may tell digits apart: no shapes then."""
    own = (*DEFAULT_RULES, MaskRule("seven", r"\b7\b", scope="message"))
    masker = Masker(own)
    assert masker._shapes is None
    assert masker.mask("error 7 in 3") == "error <*> in <*>"


_PIECES = [
    "true", "false", "384.0 KB", "1190 bytes (1.16 KB)", 'tag="View 12 Lock"', "<1 sec", "<0.27.1>",
    ">= 25 ms", "ssh2", "x12", "12", "0x1f", "blk_-123", "10.0.0.1:80", "u0", "t761",
    "/var/log/x1.log", "took", "ms", "port", "uid=12,", "(42)", "[7]:", "2016-09-28",
    "[Sat", "Mar", "07", "9:5:0:12|job|", "R12-M0-N4-C:J07-U01", "2020/3/7:11:02:09.455",
]  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(st.sampled_from(_PIECES), max_size=8).map(" ".join), max_size=20))
def test_masking_by_shape_gives_what_the_rules_give_on_log_words(messages: list[str]) -> None:
    """The same on words of logs: sizes, quoted values, booleans, kept digits."""
    shaped = Masker()
    for message in messages:
        assert shaped.mask(message) == Masker()._apply(message)


@pytest.mark.parametrize(
    ("message", "masked"),
    [
        # Month and day names are words of a date, with a capital or in capitals.
        ("[Sat Mar 07 11:02:09 2020] [warn] cache full", "[<*> <*> <*> <*> <*>] [warn] cache full"),
        ("backup done Friday, 12 JUNE 2020", "backup done <*>, <*> <*> <*>"),
        ("sauvegarde du 3 Janvier", "sauvegarde du <*> <*>"),
        # Lower-case names and three-letter names in other languages are words too.
        ("it may be set out of order", "it may be set out of order"),
        ("Set Out Gen Ago", "Set Out Gen Ago"),
        # Three numbers or more joined by date or clock punctuation are one value, however
        # padded.
        ("20200307-9:5:0:12|worker|start", "<*>|worker|start"),
        ("20200307-19:45:30:120|worker|start", "<*>|worker|start"),
        ("at 7@2020/3/7:11:02:09.455 ok", "at <*>@<*> ok"),
        # An identifier with two parts that mix letters and digits; one such part is a word.
        ("node R12-M0-N4-C:J07-U01 down", "node <*> down"),
        ("rack B7-S3 slot 4", "rack <*> slot <*>"),
        ("ssh2 IPv4-mapped utf-8 x-ray", "ssh2 IPv4-mapped utf-8 x-ray"),
        # Numbers joined by dots in angle brackets are one value, not a bound ("<1 sec")
        # and the rest of it; a bound before a full stop is still a bound.
        ("<0.273.0> worker down", "<<*>> worker down"),
        ("mailbox of <0.81.7> full", "mailbox of <<*>> full"),
        ("replied in <0.25.", "replied in <*>."),
    ],
)
def test_values_by_what_the_token_is(message: str, masked: str) -> None:
    assert Masker().mask(message) == masked
    assert Masker()._apply(message) == masked


def test_word_rules_of_ones_own_see_every_token() -> None:
    own = (*DEFAULT_RULES, MaskRule("colour", r"\b(?:red|green)\b", scope="word"))
    assert Masker(own).mask("light red then green 4") == "light <*> then <*> <*>"


@pytest.mark.parametrize(
    ("message", "masked"),
    [
        ("mail ops.team+alerts@example.org now", "mail <*> now"),
        ("fetch svn+ssh://repo.example.org/trunk ok", "fetch <*> ok"),
        ("rack R02-M1-N0-C:J12-U11 down", "rack <*> down"),
        ("hash deadbeef42 seen", "hash <*> seen"),
        # Past the bounds (a 64-character local part, a 32-character scheme, a 200-character
        # id) the rules let go rather than scan a long run again from each character.
        ("mail " + "a" * 65 + "@example.org now", "mail " + "a" * 65 + "@example.org now"),
        ("x " + "a1." * 100 + "z y", "x " + "a1." * 100 + "z y"),
    ],
)
def test_bounded_rules_mask_what_they_mask_and_stop_at_their_bounds(
    message: str, masked: str
) -> None:
    assert Masker().mask(message) == masked
