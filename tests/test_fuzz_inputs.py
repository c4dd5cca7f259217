"""The fuzzer's inputs are a function of (seed, target, index): a finding replays."""

from __future__ import annotations

import random
import time

import pytest
from fuzz.inputs import docx_variant

from tests.conftest import ROOT

DOCX = ROOT / "fuzz" / "seeds" / "documents" / "object-store.docx"


def test_a_word_variant_does_not_depend_on_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    data = DOCX.read_bytes()
    first = docx_variant(data, random.Random(7))
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)  # years later
    assert docx_variant(data, random.Random(7)) == first
