"""Hypotheses against the facts a document lists."""

from __future__ import annotations

import pytest

from retroline.analysis.hypotheses import against_facts
from retroline.documents import read_document
from tests.conftest import SEEDS


def test_facts_split_by_what_the_hypothesis_speaks_of() -> None:
    explains, unexplained = against_facts(
        "A memory leak in the stompclt socket buffer after the reboot",
        ["stompclt memory grew after each reboot", "the ITB instance was never affected"],
    )
    assert explains == ["stompclt memory grew after each reboot"]
    assert unexplained == ["the ITB instance was never affected"]


@pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not here")
def test_perfsonar_hypothesis_and_its_facts() -> None:
    incident = read_document(SEEDS / "perfsonar-rca-rendered.txt")
    (hypothesis,) = incident.hypotheses
    assert hypothesis.text.startswith("Tom's current but quite incomplete hypothesis")
    assert "configuration change of unknown nature" in hypothesis.text
    facts = hypothesis.explains + hypothesis.unexplained
    assert len(facts) == 5 and facts[0].startswith("The issue began to manifest")
    assert "The problem didn't affect the ITB instance" in hypothesis.explains
    assert hypothesis.source is not None and hypothesis.source.line is not None
