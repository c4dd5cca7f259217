"""The fuzzer's inputs are a function of (seed, target, index): a finding replays."""

from __future__ import annotations

import contextlib
import random
import time
from pathlib import Path

import pytest
from fuzz.inputs import METRIC_FORMATS, METRIC_SUFFIXES, _metric_lines, docx_variant
from fuzz.targets import make_metrics

from tests.conftest import ROOT

DOCX = ROOT / "fuzz" / "seeds" / "documents" / "object-store.docx"


def test_a_word_variant_does_not_depend_on_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    data = DOCX.read_bytes()
    first = docx_variant(data, random.Random(7))
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)  # years later
    assert docx_variant(data, random.Random(7)) == first


def test_a_metric_input_is_a_function_of_its_index(monkeypatch: pytest.MonkeyPatch) -> None:
    first = [make_metrics(7, index) for index in range(200)]
    monkeypatch.setattr(time, "time", lambda: 2_000_000_000.0)  # years later
    again = [make_metrics(7, index) for index in range(200)]
    assert [(i.name, i.data, i.options) for i in again] == [
        (i.name, i.data, i.options) for i in first
    ]


@pytest.mark.parametrize("fmt", METRIC_FORMATS)
def test_every_metric_format_is_generated_and_read(fmt: str, tmp_path: Path) -> None:
    """The grammar makes files the readers take (not only ones they refuse): for each
    format, some of its first clean files read."""
    import retroline
    from retroline.errors import RetrolineError

    read = 0
    for index in range(40):
        rng = random.Random(index)
        lines = _metric_lines(rng, fmt, 20)
        path = tmp_path / f"m{METRIC_SUFFIXES[fmt]}"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        with contextlib.suppress(RetrolineError):
            read += bool(retroline.read_metrics(path))
    assert read >= 10
