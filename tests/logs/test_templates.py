"""Masking and the template miner: stable ids, enums, read-only matching, state round trip."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from retroline.logs.masking import Masker
from retroline.logs.parse import parse_lines
from retroline.logs.templates import COMMON_LEAST, Change, TemplateMiner
from tests.logs.test_timestamps_loghub import LOGHUB


@pytest.mark.parametrize(
    ("message", "masked"),
    [
        ("Served block blk_-1608999687919862906 to /10.250.19.102", "Served block <*> to <*>"),
        ("connect to proxy.example.com:5070 failed", "connect to <*> failed"),
        ("uid=10037, pid=2227 flags=0x1", "uid=<*>, pid=<*> flags=<*>"),
        ("open /var/log/app/current.log", "open <*>"),
        ("GET https://example.com/a?b=1 done", "GET <*> done"),
        ("id 123e4567-e89b-12d3-a456-426614174000 mac 00:1a:2b:3c:4d:5e", "id <*> mac <*>"),
        ("mail bob@example.org at 2016-09-08 20:31:48", "mail <*> at <*> <*>"),
        ("took 250ms, read 1190 bytes (1.16 KB)", "took <*>, read <*>"),
        ('tag="View Lock" ok=true', 'tag="<*>" ok=<*>'),
        ("generating core.2275", "generating core.<*>"),
        (
            "Accepted password for root from 1.2.3.4 port 22 ssh2",
            ("Accepted password for root from <*> port <*> ssh2"),
        ),
    ],
)
def test_masking_rules(message: str, masked: str) -> None:
    assert Masker().mask(message) == masked


def test_ids_stay_stable_when_a_template_generalises() -> None:
    miner = TemplateMiner()
    first = miner.add("Invalid user alice from 10.0.0.1")
    assert first.change is Change.CREATED
    assert miner.add("Invalid user alice from 10.0.0.2").change is Change.UNCHANGED
    ids = {miner.add(f"Invalid user {name} from 10.0.0.9").id for name in ("bob", "carol")}
    assert ids == {first.id} or first.id in ids
    assert miner.match("Invalid user dave from 10.0.0.3") is not None
    assert miner.match("Invalid user dave from 10.0.0.3").id == first.id
    assert first.template.text == "Invalid user <*> from <*>"


def test_alternative_words_stay_separate_templates() -> None:
    miner = TemplateMiner()
    accepted = miner.add("Accepted password for root from 10.0.0.1 port 22 ssh2")
    failed = miner.add("Failed password for root from 10.0.0.1 port 22 ssh2")
    assert accepted.id != failed.id
    assert miner.add("LOOKING").id != miner.add("FOLLOWING").id
    assert miner.add("onClick called").id != miner.add("onDraw called").id


# A made-up header the header patterns do not know, left in front of every message.
_HEADER = "gw kern {level} "
_OPENING = [
    "started", "config read", "mode set to fast", "self test passed ok", "waiting",
    "all units up and running", "ready to serve", "boot done in stages",
]  # fmt: skip
_KINDS = [
    "cache flushed", "parity corrected", "link lost", "fan stopped", "queue drained",
    "lease renewed", "socket closed", "buffer grew", "clock drifted", "watchdog fired",
]  # fmt: skip


def _with_header(miner: TemplateMiner) -> None:
    assert len(_OPENING) >= COMMON_LEAST
    for message in _OPENING:
        for level in ("INFO", "FATAL"):
            miner.learn(_HEADER.format(level=level) + message)


def test_tokens_most_templates_have_do_not_make_messages_alike() -> None:
    """A header left in the messages (the same tokens in front of each) does not make two
    different short messages one template: they must be alike on their other tokens."""
    miner = TemplateMiner()
    _with_header(miner)
    ids = {miner.learn(f"gw kern INFO {kind} {n}").id for n, kind in enumerate(_KINDS)}
    assert len(ids) == len(_KINDS)
    assert miner.learn("gw kern INFO link lost 99").id in ids


def test_two_common_words_at_a_position_are_a_field() -> None:
    """Words that many templates have at a position (levels) are values there."""
    miner = TemplateMiner()
    _with_header(miner)
    info = miner.learn("gw kern INFO cache flushed 3")
    fatal = miner.learn("gw kern FATAL cache flushed 4")
    assert fatal.resolved() is info.resolved()
    assert info.resolved().text == "gw kern <*> cache flushed <*>"
    # Words few templates have stay apart, as before.
    assert miner.learn("gw kern INFO cache emptied 5").resolved() is not info.resolved()


@pytest.mark.parametrize("longer_first", [False, True])
def test_a_message_one_value_longer_is_the_same_template(longer_first: bool) -> None:
    """An optional field (a marker, a list one longer) does not make a second template,
    and the template shows the value wherever it may be."""
    miner = TemplateMiner()
    messages = ["svc runner - job 12 started", "svc runner *64 - job 13 started"]
    first, second = (miner.learn(m) for m in (reversed(messages) if longer_first else messages))
    assert first.resolved() is second.resolved()
    assert first.resolved().text in (
        "svc runner <*> - job <*> started",
        "svc runner *<*> - job <*> started",
    )
    before = miner.export()
    assert miner.match("svc runner *32 - job 14 started").id == first.resolved().id
    assert miner.match("svc runner - job 15 started").id == first.resolved().id
    assert miner.export() == before
    lists = [miner.learn(f"dropped blocks {v} from disk").resolved() for v in ("1 2", "1 2 3")]
    assert lists[0] is lists[1]


def test_only_a_value_may_be_missing() -> None:
    miner = TemplateMiner()
    assert miner.learn("open file /tmp/a").id != miner.learn("open /tmp/a").id
    # A template of values alone is like anything: no value may be missing from it.
    assert miner.learn("10 20").id != miner.learn("10").id
    # Words around the missing value must be the same.
    assert miner.learn("cache 3 flushed now").id != miner.learn("cache emptied now").id


def test_file_names_of_one_kind_are_values() -> None:
    miner = TemplateMiner()
    first = miner.learn("loaded chrome.exe ok")
    assert miner.learn("loaded putty.exe ok").resolved() is first.resolved()
    assert first.resolved().text == "loaded <*>.exe ok"


def test_match_is_read_only() -> None:
    miner = TemplateMiner()
    miner.add("worker 1 started")
    miner.add("cache of disk 1 flushed")
    before = miner.export()
    assert miner.match("something never seen") is None
    assert miner.match("worker 7 started") is not None
    # One value longer: the template would take it when learning, not when matching.
    assert miner.match("cache of disk 1 2 flushed") is not None
    assert miner.export() == before


def test_state_round_trips_as_plain_data() -> None:
    miner = TemplateMiner()
    for i, name in enumerate(("alice", "bob", "carol", "dave")):
        miner.add(f"job {i} finished in {i}s")
        miner.add(f"user {name} logged in from 10.0.0.{i}")
    state = json.loads(json.dumps(miner.export()))
    again = TemplateMiner.load(state)
    assert again.export() == state
    for message in ("job 9 finished in 9s", "user zed logged in from 10.0.0.9"):
        assert again.match(message).id == miner.match(message).id


def test_same_log_twice_gives_same_ids() -> None:
    path = LOGHUB / "OpenSSH" / "OpenSSH_2k.log"
    if not path.exists():
        pytest.skip("../shared/loghub is not here")
    first = [p.template_id for p in parse_lines(path, year=2017)]
    second = [p.template_id for p in parse_lines(path, year=2017)]
    assert first == second
    # Short messages and messages full of variables neither collapse nor scatter.
    assert 15 <= len(set(first)) <= 60


@given(st.from_regex(r"[(\[{)\]},;:]{0,3}[0-9]{1,6}[(\[{)\]},;:.\-]{0,3}", fullmatch=True))
def test_the_number_shortcut_masks_as_the_rules_do(token: str) -> None:
    masker = Masker()
    assert masker._token(token) == masker._token_sub("<*>", token)


_PIECES = st.text(alphabet="ab<*>=_", max_size=12)


@given(template=_PIECES, token=st.text(alphabet="ab<*>=_", max_size=16))
def test_a_masked_token_covers_what_a_wildcard_match_covers(template: str, token: str) -> None:
    """`_fits` agrees with a regex of any text for each ``<*>``."""
    import re

    from retroline.logs.templates import _fits

    if "<*>" not in template:
        return
    pattern = ".*?".join(re.escape(p) for p in template.split("<*>"))
    assert _fits(template, token) == (re.fullmatch(pattern, token, re.DOTALL) is not None)


def test_tokens_of_many_masked_parts() -> None:
    """A template token with hundreds of ``<*>`` against a near miss: right either way
    (a regex of ``.*?`` between the parts took minutes here; the fuzz regressions time)."""
    from retroline.logs.templates import _fits

    template = "a<*>" * 300 + "b"
    assert not _fits(template, "a" * 5000)
    assert _fits(template, "a" * 5000 + "b")


def test_a_run_of_underscores_in_a_token_is_masked_at_once() -> None:
    """Many underscores after a number: the compound-id rule once took exponential time."""
    masker = Masker()
    assert masker.mask("1" + "_" * 400 + "*" * 50 + " ok") == "1" + "_" * 400 + "*" * 50 + " ok"
    assert masker.mask("node_r1_" + "_" * 150 + "b2 up") == "<*> up"


def _distinct_messages(count: int) -> list[str]:
    # Words of made-up letters, none repeated at a position: every message a template of its
    # own, three to six words long, some with a number.
    letters = "bcdfghjklmnpqrstvwxz"

    def word(n: int) -> str:
        return "".join(letters[(n // 20**k) % 20] for k in range(4))

    return [
        " ".join(word(7 * i + j) for j in range(3 + i % 4)) + (f" {i}" if i % 3 == 0 else "")
        for i in range(count)
    ]


def test_many_distinct_messages_are_not_each_tried_against_every_template(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Templates that share no word with a message are not tried: trying each was quadratic
    # in the number of templates (10,000 distinct messages took 40 s).
    from retroline.logs import templates

    tried = 0
    bounds = templates._bounds

    def counted(
        template: templates.Template, tokens: list[str]
    ) -> tuple[list[int], list[int], int]:
        nonlocal tried
        tried += 1
        return bounds(template, tokens)

    monkeypatch.setattr(templates, "_bounds", counted)
    miner = TemplateMiner()
    messages = _distinct_messages(3000)
    for message in messages:
        miner.add(message)
    assert len(miner.templates) == len(messages)
    # Below `INDEXED` templates of a length they are still tried one by one: a bounded few.
    assert tried < 10 * len(messages)


vocabulary = st.sampled_from(["open", "close", "user", "id=7", "a=<x>", "12", "0x1f", "-", "ok"])


@given(st.lists(st.lists(vocabulary, min_size=1, max_size=6).map(" ".join), max_size=120))
def test_templates_looked_up_by_token_are_those_tried_one_by_one(messages: list[str]) -> None:
    from retroline.logs import templates

    def learnt(indexed: int) -> list[tuple[str, str]]:
        original = templates.INDEXED, templates.SCAN_SHARE
        # Looked up by token from the first template on, never all tried; or never looked up.
        templates.INDEXED, templates.SCAN_SHARE = indexed, float("inf")
        try:
            miner = TemplateMiner()
            return [(m.id, m.template.text) for m in map(miner.add, messages)]
        finally:
            templates.INDEXED, templates.SCAN_SHARE = original

    assert learnt(0) == learnt(10**9)
