"""One way to fold text for comparing entries: the timeline's duplicate test and the
revision matcher agree on what "the same words" are."""

from __future__ import annotations

from retroline.documents.timeline import folded
from tests.conftest import modules_spelling


def test_folding_drops_case_punctuation_and_extra_space() -> None:
    assert folded("  Disk FULL -- on db-2!\n(again)") == "disk full on db 2 again"
    assert folded("Über-Last, café") == "über last café"
    assert folded("") == ""


def test_no_other_module_folds_text_its_own_way() -> None:
    own = r're\.sub\(r"\[\^\\w\\s\]", " ", [a-z_.]+\.lower\(\)\)'
    assert modules_spelling(own, allowed=("documents/timeline.py",)) == []
