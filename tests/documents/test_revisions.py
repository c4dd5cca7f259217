"""Two revisions of one document import as one incident: the union of the timelines, the
newer revision winning where they differ."""

from __future__ import annotations

import pytest

from retroline.analysis.revisions import merge, same_document
from retroline.documents import read_document
from retroline.ingest import import_documents
from retroline.store import Library, SaveStatus
from tests.conftest import SEEDS

RENDERED = SEEDS / "perfsonar-rca-rendered.txt"  # r17, 23 Sep 2016
RAW_R5 = SEEDS / "perfsonar-rca-twiki-r1.5.txt"  # r5, 14 Sep 2016

pytestmark = pytest.mark.skipif(not SEEDS.is_dir(), reason="../shared/seeds is not here")


def test_revisions_are_recognised_and_others_are_not() -> None:
    old, new = read_document(RAW_R5), read_document(RENDERED)
    assert same_document(old, new)
    assert not same_document(new, read_document(SEEDS / "cern-dbod-voms.txt"))


def test_merge_keeps_the_union_and_the_newer_wording() -> None:
    old, new = read_document(RAW_R5), read_document(RENDERED)
    merged = merge(old, new)
    assert merged.title == new.title == "Root Cause Analysis of Reported PerfSonar DataStore Issue"
    texts = [e.text for e in merged.events]
    # 22:33 CEST was reworded between r5 and r17: only the r17 wording stays.
    assert any(t.startswith("On advice from Marian, Tom interrupts") for t in texts)
    assert not any(t.startswith("Thom reported that running stompclt") for t in texts)
    # nothing twice
    keys = [(e.at, e.date, e.text) for e in merged.events]
    assert len(keys) == len(set(keys))
    # entries only the newer revision has are there
    assert any(t.startswith("Marian B discovered a bug") for t in texts)
    assert [d.path for d in merged.documents] == [str(RAW_R5), str(RENDERED)]
    timed = [e.at for e in merged.events if e.at is not None]
    assert timed == sorted(timed)


@pytest.mark.parametrize("order", ["older first", "newer first", "one command"])
def test_import_makes_one_incident(library: Library, order: str) -> None:
    if order == "one command":
        results = import_documents(library, [RAW_R5, RENDERED])
        assert results[0].id == results[1].id
    else:
        first, second = (RAW_R5, RENDERED) if order == "older first" else (RENDERED, RAW_R5)
        (a,) = import_documents(library, [first])
        (b,) = import_documents(library, [second])
        assert (a.id, b.status) == (b.id, SaveStatus.UPDATED)
    (summary,) = library.summaries()
    stored = library.get(summary.id)
    assert stored.title == "Root Cause Analysis of Reported PerfSonar DataStore Issue"
    assert len(stored.documents) == 2
    assert len(stored.events) == len(merge(read_document(RAW_R5), read_document(RENDERED)).events)
    # importing either file again changes nothing
    assert import_documents(library, [RAW_R5])[0].status is SaveStatus.UNCHANGED


def test_all_seeds_give_four_incidents(library: Library) -> None:
    import_documents(library, sorted(SEEDS.iterdir()))
    titles = sorted(s.title for s in library.summaries())
    assert titles == [
        "DBoD VOMS database unavailable",
        "Post-mortem about system outage on 2018-04-03",
        "Root Cause Analysis of Reported PerfSonar DataStore Issue",
        "hunting the killer",
    ]
